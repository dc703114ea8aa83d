//! Compliance rules derived from the regulation, evaluated over the asset register.
//!
//! Each rule is one entry in [`RULES`]: an id, the provision it comes from, a title, and a pure check.
//! Adding a rule means adding one entry here and one test below.

use crate::asset::{Asset, AssetStatus, ServiceTerms};
use crate::citation::Citation;
use crate::classification::{Dimension, Scheme};
use crate::lang::{Lang, Text};
use crate::org::InformationSystem;
use crate::zone::Zone;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// What a rule may look at besides the asset itself.
pub struct RuleContext<'a> {
    pub scheme: &'a Scheme,
    /// Today, passed in so tests control it.
    pub today: NaiveDate,
    pub systems: HashMap<&'a str, &'a InformationSystem>,
}

impl<'a> RuleContext<'a> {
    pub fn new(scheme: &'a Scheme, today: NaiveDate, systems: &'a [InformationSystem]) -> Self {
        RuleContext {
            scheme,
            today,
            systems: systems.iter().map(|s| (s.code.as_str(), s)).collect(),
        }
    }
}

pub struct Rule {
    /// Stable identifier, used in JSON output and to silence nothing: findings are never hidden.
    pub id: &'static str,
    pub citation: Citation,
    pub title_ja: &'static str,
    pub title_en: &'static str,
    /// Returns the finding's detail when the asset breaks the rule.
    pub check: fn(&Asset, &RuleContext) -> Option<Text>,
}

impl Rule {
    pub fn title(&self, lang: Lang) -> &'static str {
        lang.pick(self.title_ja, self.title_en)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub citation: Citation,
    pub asset_id: String,
    pub asset_name: String,
    pub title: Text,
    pub detail: Text,
}

fn in_use(asset: &Asset) -> bool {
    asset.status == AssetStatus::InUse
}

fn grade(asset: &Asset, ctx: &RuleContext, d: Dimension) -> Option<u8> {
    asset.grade(ctx.scheme, d)
}

pub static RULES: &[Rule] = &[
    Rule {
        id: "mynumber-outside-mynumber-tier",
        citation: Citation::subitem(6, 2, 0),
        title_ja: "特定個人情報がマイナンバー利用事務系の外にある",
        title_en: "Specific personal information outside the My Number tier",
        check: |a, _| {
            let zone = a.zone?;
            (in_use(a) && a.my_number && zone != Zone::MyNumber).then(|| {
                Text::new(
                    format!("特定個人情報を含む資産が{}に置かれています。マイナンバー利用事務系で取り扱ってください。", zone.label(Lang::Ja)),
                    format!("An asset holding My Number data is in the {}. Handle it in the My Number tier.", zone.label(Lang::En)),
                )
            })
        },
    },
    Rule {
        id: "confidential-on-standard-terms-cloud",
        citation: Citation::subitem(6, 7, 1),
        title_ja: "機密性2以上の情報を約款による外部サービスで取り扱っている",
        title_en: "Confidentiality 2+ information on a standard-terms cloud service",
        check: |a, ctx| {
            let g = grade(a, ctx, Dimension::Confidentiality)?;
            (in_use(a) && g >= 2 && a.external_terms == Some(ServiceTerms::Standard)).then(|| {
                let service = if a.external_service.is_empty() { "（名称未記入）" } else { a.external_service.as_str() };
                Text::new(
                    format!("機密性{}の情報を約款による外部サービス「{service}」で取り扱っています。", a.classification.confidentiality.as_deref().unwrap_or("")),
                    format!("Confidentiality {} information is on the standard-terms service \"{service}\".", a.classification.confidentiality.as_deref().unwrap_or("")),
                )
            })
        },
    },
    Rule {
        id: "no-owner-department",
        citation: Citation::item(6, 1),
        title_ja: "所管課が登録されていない",
        title_en: "No owning department",
        check: |a, _| {
            (in_use(a) && a.department.is_none()).then(|| {
                Text::new(
                    "所管課が空欄です。資産を管理する課を登録してください。",
                    "The owning department is empty. Register the division that manages the asset.",
                )
            })
        },
    },
    Rule {
        id: "unclassified",
        citation: Citation::item(6, 1),
        title_ja: "分類（機密性・完全性・可用性）が未設定又は無効",
        title_en: "Classification missing or invalid",
        check: |a, ctx| {
            if !in_use(a) {
                return None;
            }
            let missing: Vec<Dimension> = Dimension::ALL
                .into_iter()
                .filter(|d| a.rank(ctx.scheme, *d).is_none())
                .collect();
            (!missing.is_empty()).then(|| {
                let names = |lang: Lang, sep: &str| {
                    missing
                        .iter()
                        .map(|d| d.label(lang))
                        .collect::<Vec<_>>()
                        .join(sep)
                };
                Text::new(
                    format!(
                        "{}が未設定か、分類基準にない値です。",
                        names(Lang::Ja, "・")
                    ),
                    format!(
                        "{} is missing or not a level of the scheme.",
                        names(Lang::En, ", ")
                    ),
                )
            })
        },
    },
    Rule {
        id: "review-overdue",
        citation: Citation::item(6, 1),
        title_ja: "分類の見直し期限を過ぎている",
        title_en: "Classification review overdue",
        check: |a, ctx| {
            let due = a.next_review?;
            (in_use(a) && due < ctx.today).then(|| {
                let days = (ctx.today - due).num_days();
                Text::new(
                    format!("次回見直し日 {due} を{days}日過ぎています。"),
                    format!("The review date {due} passed {days} days ago."),
                )
            })
        },
    },
    Rule {
        id: "personal-info-classified-public",
        citation: Citation::item(6, 1),
        title_ja: "個人情報を含むのに機密性1に分類されている",
        title_en: "Personal information classified as confidentiality 1",
        check: |a, ctx| {
            (in_use(a) && a.personal_info && grade(a, ctx, Dimension::Confidentiality)? < 2).then(
                || {
                    Text::new(
                        "個人情報を含む資産は機密性2以上に分類してください。",
                        "Assets with personal information must be confidentiality 2 or higher.",
                    )
                },
            )
        },
    },
    Rule {
        id: "mynumber-below-grade-3",
        citation: Citation::item(6, 1),
        title_ja: "特定個人情報が機密性3に分類されていない",
        title_en: "Specific personal information not classified confidentiality 3",
        check: |a, ctx| {
            (in_use(a) && a.my_number && grade(a, ctx, Dimension::Confidentiality)? < 3).then(
                || {
                    let lowest = ctx
                        .scheme
                        .confidentiality
                        .lowest_of_grade(3)
                        .and_then(|r| ctx.scheme.confidentiality.by_rank(r))
                        .map(|l| l.code.as_str())
                        .unwrap_or("3");
                    Text::new(
                        format!("特定個人情報を含む資産は機密性{lowest}以上に分類してください。"),
                        format!(
                            "Assets with My Number data must be confidentiality {lowest} or higher."
                        ),
                    )
                },
            )
        },
    },
    Rule {
        id: "grade-3-in-internet-tier",
        citation: Citation::subitem(6, 2, 2),
        title_ja: "機密性3の情報がインターネット接続系にある",
        title_en: "Confidentiality 3 information in the internet tier",
        check: |a, ctx| {
            (in_use(a) && a.zone == Some(Zone::Internet) && grade(a, ctx, Dimension::Confidentiality)? >= 3).then(|| {
                Text::new(
                    "機密性3の情報資産はインターネット接続系に置かず、LGWAN接続系又はマイナンバー利用事務系で取り扱ってください。",
                    "Confidentiality 3 assets must not be in the internet tier; keep them in the LGWAN or My Number tier.",
                )
            })
        },
    },
    Rule {
        id: "zone-differs-from-system",
        citation: Citation::item(6, 2),
        title_ja: "資産のネットワーク区分が関連情報システムと異なる",
        title_en: "Asset zone differs from its information system",
        check: |a, ctx| {
            let system = ctx.systems.get(a.system.as_deref()?)?;
            let zone = a.zone?;
            (in_use(a) && zone != Zone::External && zone != system.zone).then(|| {
                Text::new(
                    format!(
                        "資産は{}ですが、関連情報システム「{}」は{}です。",
                        zone.label(Lang::Ja),
                        system.name,
                        system.zone.label(Lang::Ja)
                    ),
                    format!(
                        "The asset is in the {} but its system \"{}\" is in the {}.",
                        zone.label(Lang::En),
                        system.name,
                        system.zone.label(Lang::En)
                    ),
                )
            })
        },
    },
    Rule {
        id: "disposed-without-method",
        citation: Citation::item(6, 1),
        title_ja: "廃棄済なのに廃棄方法が記録されていない",
        title_en: "Disposed without a recorded disposal method",
        check: |a, _| {
            (a.status == AssetStatus::Disposed && a.disposal_method.trim().is_empty()).then(|| {
                Text::new(
                    "廃棄済の資産には廃棄方法（消去・裁断等）を記録してください。",
                    "Record how a disposed asset was disposed of (erasure, shredding …).",
                )
            })
        },
    },
];

/// Evaluate every rule over every asset. Findings come in asset order, then rule order.
pub fn evaluate<'a>(
    assets: impl IntoIterator<Item = &'a Asset>,
    ctx: &RuleContext,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for asset in assets {
        for rule in RULES {
            if let Some(detail) = (rule.check)(asset, ctx) {
                findings.push(Finding {
                    rule: rule.id,
                    citation: rule.citation,
                    asset_id: asset.id.clone(),
                    asset_name: asset.name.clone(),
                    title: Text::new(rule.title_ja, rule.title_en),
                    detail,
                });
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::AssetKind;
    use crate::classification::{Classification, mic_legacy, mic_r6};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    /// A compliant asset: every test changes one thing and expects exactly one rule to fire.
    fn clean() -> Asset {
        let mut a = Asset::new("A-1", "住民記録データ", AssetKind::Information);
        a.department = Some("1110".into());
        a.zone = Some(Zone::Lgwan);
        a.classification = Classification::new("2", "2", "2");
        a.next_review = NaiveDate::from_ymd_opt(2027, 4, 1);
        a
    }

    fn systems() -> Vec<InformationSystem> {
        vec![InformationSystem {
            code: "JUKI".into(),
            name: "住民記録システム".into(),
            zone: Zone::MyNumber,
            department: "1110".into(),
        }]
    }

    fn fired(asset: &Asset, scheme: &Scheme) -> Vec<&'static str> {
        let systems = systems();
        let ctx = RuleContext::new(scheme, today(), &systems);
        evaluate([asset], &ctx)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn clean_asset_has_no_findings() {
        assert!(fired(&clean(), &mic_r6()).is_empty());
        assert!(fired(&clean(), &mic_legacy()).is_empty());
    }

    #[test]
    fn mynumber_outside_mynumber_tier() {
        let mut a = clean();
        a.my_number = true;
        a.personal_info = true;
        a.classification.confidentiality = Some("3B".into());
        assert_eq!(fired(&a, &mic_r6()), vec!["mynumber-outside-mynumber-tier"]);
        a.zone = Some(Zone::MyNumber);
        assert!(fired(&a, &mic_r6()).is_empty());
        // Paper application forms with My Number have no zone: not this rule's business.
        a.zone = None;
        assert!(fired(&a, &mic_r6()).is_empty());
    }

    #[test]
    fn confidential_on_standard_terms_cloud() {
        let mut a = clean();
        a.zone = Some(Zone::External);
        a.external_service = "無料ファイル共有".into();
        a.external_terms = Some(ServiceTerms::Standard);
        assert_eq!(
            fired(&a, &mic_r6()),
            vec!["confidential-on-standard-terms-cloud"]
        );
        a.external_terms = Some(ServiceTerms::Contract);
        assert!(fired(&a, &mic_r6()).is_empty());
        a.external_terms = Some(ServiceTerms::Standard);
        a.classification.confidentiality = Some("1".into());
        assert!(fired(&a, &mic_r6()).is_empty());
    }

    #[test]
    fn no_owner_department() {
        let mut a = clean();
        a.department = None;
        assert_eq!(fired(&a, &mic_r6()), vec!["no-owner-department"]);
    }

    #[test]
    fn unclassified_or_unknown_code() {
        let mut a = clean();
        a.classification.integrity = None;
        assert_eq!(fired(&a, &mic_r6()), vec!["unclassified"]);
        let mut b = clean();
        b.classification.confidentiality = Some("3A".into());
        // 3A exists in mic-r6 but not in the legacy scheme.
        assert!(fired(&b, &mic_r6()).is_empty());
        assert_eq!(fired(&b, &mic_legacy()), vec!["unclassified"]);
    }

    #[test]
    fn review_overdue_only_when_in_the_past() {
        let mut a = clean();
        a.next_review = Some(today());
        assert!(fired(&a, &mic_r6()).is_empty());
        a.next_review = today().pred_opt();
        assert_eq!(fired(&a, &mic_r6()), vec!["review-overdue"]);
    }

    #[test]
    fn personal_info_classified_public() {
        let mut a = clean();
        a.personal_info = true;
        a.classification.confidentiality = Some("1".into());
        assert_eq!(
            fired(&a, &mic_r6()),
            vec!["personal-info-classified-public"]
        );
    }

    #[test]
    fn mynumber_below_grade_3() {
        let mut a = clean();
        a.zone = Some(Zone::MyNumber);
        a.my_number = true;
        a.personal_info = true;
        assert_eq!(fired(&a, &mic_r6()), vec!["mynumber-below-grade-3"]);
        a.classification.confidentiality = Some("3C".into());
        assert!(fired(&a, &mic_r6()).is_empty());
    }

    #[test]
    fn grade_3_in_internet_tier() {
        let mut a = clean();
        a.zone = Some(Zone::Internet);
        a.classification.confidentiality = Some("3".into());
        assert_eq!(fired(&a, &mic_legacy()), vec!["grade-3-in-internet-tier"]);
    }

    #[test]
    fn zone_differs_from_system() {
        let mut a = clean();
        a.system = Some("JUKI".into());
        assert_eq!(fired(&a, &mic_r6()), vec!["zone-differs-from-system"]);
        a.zone = Some(Zone::MyNumber);
        assert!(fired(&a, &mic_r6()).is_empty());
    }

    #[test]
    fn disposed_without_method_and_disposed_assets_skip_other_rules() {
        let mut a = clean();
        a.status = AssetStatus::Disposed;
        a.department = None;
        a.next_review = today().pred_opt();
        assert_eq!(fired(&a, &mic_r6()), vec!["disposed-without-method"]);
        a.disposal_method = "溶解処理".into();
        assert!(fired(&a, &mic_r6()).is_empty());
    }

    #[test]
    fn every_rule_is_tested_here() {
        // Keeps "one place, one test each": a new rule without a test above fails this list.
        let tested = [
            "mynumber-outside-mynumber-tier",
            "confidential-on-standard-terms-cloud",
            "no-owner-department",
            "unclassified",
            "review-overdue",
            "personal-info-classified-public",
            "mynumber-below-grade-3",
            "grade-3-in-internet-tier",
            "zone-differs-from-system",
            "disposed-without-method",
        ];
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids, tested);
    }
}
