//! The measures of 第6条 as a catalogue, grouped as the regulation groups them and mapped to the
//! eight categories of the 2026 MIC ordinance, with implementation status per department or
//! information system and a statement of applicability.

use crate::citation::Citation;
use crate::lang::{Lang, Text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The eight categories of the MIC ordinance (令和8年施行) a policy must cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrdinanceCategory {
    Organisation,
    AssetClassification,
    Physical,
    Human,
    Technical,
    Operations,
    OutsourcingAndCloud,
    Evaluation,
}

impl OrdinanceCategory {
    pub const ALL: [OrdinanceCategory; 8] = [
        OrdinanceCategory::Organisation,
        OrdinanceCategory::AssetClassification,
        OrdinanceCategory::Physical,
        OrdinanceCategory::Human,
        OrdinanceCategory::Technical,
        OrdinanceCategory::Operations,
        OrdinanceCategory::OutsourcingAndCloud,
        OrdinanceCategory::Evaluation,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            OrdinanceCategory::Organisation => lang.pick("組織体制", "Organisation"),
            OrdinanceCategory::AssetClassification => {
                lang.pick("情報資産の分類と管理", "Asset classification")
            }
            OrdinanceCategory::Physical => lang.pick("物理的セキュリティ", "Physical security"),
            OrdinanceCategory::Human => lang.pick("人的セキュリティ", "Human security"),
            OrdinanceCategory::Technical => lang.pick("技術的セキュリティ", "Technical security"),
            OrdinanceCategory::Operations => lang.pick("運用", "Operations"),
            OrdinanceCategory::OutsourcingAndCloud => {
                lang.pick("業務委託と外部サービスの利用", "Outsourcing and cloud")
            }
            OrdinanceCategory::Evaluation => lang.pick("評価・見直し", "Evaluation and review"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub id: String,
    pub citation: Citation,
    pub category: OrdinanceCategory,
    pub title: Text,
}

use OrdinanceCategory as O;

/// (id, citation, category, ja, en)
const SEEDS: &[(&str, Citation, OrdinanceCategory, &str, &str)] = &[
    (
        "M-01",
        Citation::article(5),
        O::Organisation,
        "最高情報セキュリティ責任者等の責任者を任命する",
        "Appoint the CISO and the other officers",
    ),
    (
        "M-02",
        Citation::item(5, 7),
        O::Organisation,
        "情報セキュリティ対策委員会を設置し、定期的に開催する",
        "Hold the security committee regularly",
    ),
    (
        "M-03",
        Citation::item(6, 6),
        O::Organisation,
        "CSIRT を設置し、連絡体制を定める",
        "Set up a CSIRT and its contacts",
    ),
    (
        "M-04",
        Citation::item(6, 1),
        O::AssetClassification,
        "情報資産台帳を整備し、機密性・完全性・可用性で分類する",
        "Keep the asset register classified by C/I/A",
    ),
    (
        "M-05",
        Citation::item(6, 1),
        O::AssetClassification,
        "分類に応じた表示・保管・持ち出し・廃棄の取扱いを定める",
        "Handling by class: marking, storage, removal, disposal",
    ),
    (
        "M-06",
        Citation::subitem(6, 2, 0),
        O::Technical,
        "マイナンバー利用事務系を他の領域と通信できないようにする",
        "Isolate the My Number tier",
    ),
    (
        "M-07",
        Citation::subitem(6, 2, 0),
        O::Technical,
        "マイナンバー利用事務系の端末で情報持ち出し不可設定と多要素認証を行う",
        "No data removal and MFA on My Number terminals",
    ),
    (
        "M-08",
        Citation::subitem(6, 2, 1),
        O::Technical,
        "LGWAN接続系とインターネット接続系の通信経路を分割する",
        "Split LGWAN and internet paths",
    ),
    (
        "M-09",
        Citation::subitem(6, 2, 1),
        O::Technical,
        "両系間の通信は無害化通信（メール無害化・画面転送）に限る",
        "Only sanitised traffic between the tiers",
    ),
    (
        "M-10",
        Citation::subitem(6, 2, 2),
        O::Technical,
        "インターネット通信を自治体情報セキュリティクラウドに集約する",
        "Route internet traffic via the security cloud",
    ),
    (
        "M-11",
        Citation::item(6, 3),
        O::Physical,
        "サーバ・情報システム室の入退室を管理する",
        "Control entry to server rooms",
    ),
    (
        "M-12",
        Citation::item(6, 3),
        O::Physical,
        "通信回線・機器の設置と電源・空調を管理する",
        "Manage lines, equipment, power and cooling",
    ),
    (
        "M-13",
        Citation::item(6, 3),
        O::Physical,
        "職員のパソコン・記録媒体の盗難・紛失を防止する",
        "Prevent theft or loss of PCs and media",
    ),
    (
        "M-14",
        Citation::item(6, 4),
        O::Human,
        "職員の遵守事項を定め周知する",
        "Set and communicate staff obligations",
    ),
    (
        "M-15",
        Citation::item(6, 4),
        O::Human,
        "情報セキュリティ研修・訓練を毎年実施する",
        "Train and exercise staff yearly",
    ),
    (
        "M-16",
        Citation::item(6, 5),
        O::Technical,
        "アクセス制御と利用者ID・権限を管理する",
        "Access control and user accounts",
    ),
    (
        "M-17",
        Citation::item(6, 5),
        O::Technical,
        "不正プログラム対策（ウイルス対策・パッチ適用）を行う",
        "Anti-malware and patching",
    ),
    (
        "M-18",
        Citation::item(6, 5),
        O::Technical,
        "不正アクセス対策（ファイアウォール・ログ監視）を行う",
        "Intrusion defence: firewalls, log monitoring",
    ),
    (
        "M-19",
        Citation::item(6, 5),
        O::Technical,
        "バックアップを取得し、復旧を確認する",
        "Back up and test recovery",
    ),
    (
        "M-20",
        Citation::item(6, 6),
        O::Operations,
        "情報システムを監視し、ログを保存する",
        "Monitor systems and keep logs",
    ),
    (
        "M-21",
        Citation::item(6, 6),
        O::Operations,
        "情報セキュリティポリシーの遵守状況を確認する",
        "Check compliance with the policy",
    ),
    (
        "M-22",
        Citation::item(6, 6),
        O::Operations,
        "緊急時対応計画を策定し、訓練する",
        "Emergency response plan and drills",
    ),
    (
        "M-23",
        Citation::subitem(6, 7, 0),
        O::OutsourcingAndCloud,
        "委託契約に情報セキュリティ要件を明記し、履行を確認する",
        "Security terms in contracts, and checks",
    ),
    (
        "M-24",
        Citation::subitem(6, 7, 1),
        O::OutsourcingAndCloud,
        "外部サービス（クラウドサービス）の利用規定を整備する",
        "Rules for cloud services",
    ),
    (
        "M-25",
        Citation::subitem(6, 7, 2),
        O::OutsourcingAndCloud,
        "ソーシャルメディアの運用手順・発信可能な情報・責任者を定める",
        "Social media procedures, content and owners",
    ),
    (
        "M-26",
        Citation::article(7),
        O::Evaluation,
        "情報セキュリティ監査を実施する",
        "Carry out security audits",
    ),
    (
        "M-27",
        Citation::article(7),
        O::Evaluation,
        "自己点検を実施する",
        "Carry out self-inspections",
    ),
    (
        "M-28",
        Citation::article(8),
        O::Evaluation,
        "リスク分析に基づきポリシーを見直す",
        "Review the policy from risk analysis",
    ),
];

pub fn builtin_measures() -> Vec<Measure> {
    SEEDS
        .iter()
        .map(|(id, citation, category, ja, en)| Measure {
            id: (*id).into(),
            citation: *citation,
            category: *category,
            title: Text::new(*ja, *en),
        })
        .collect()
}

/// The group of the regulation a measure belongs to, by its citation: 第5条 (体制), the items of
/// 第6条 (分類, 三段階の強靭性向上 ア/イ/ウ, 物理的, 人的, 技術的, 運用, 業務委託・外部サービス・
/// ソーシャルメディア), 第7条 (監査・自己点検) and 第8条 (見直し). Catalogue order follows these.
pub fn regulation_group(c: &Citation) -> Text {
    let (ja, en) = match (c.article, c.item) {
        (5, _) => ("組織体制", "Organisation"),
        (6, Some(1)) => ("情報資産の分類と管理", "Asset classification and handling"),
        (6, Some(2)) => (
            "三段階の強靭性向上（ア・イ・ウ）",
            "Three-tier resilience (a–c)",
        ),
        (6, Some(3)) => ("物理的セキュリティ", "Physical security"),
        (6, Some(4)) => ("人的セキュリティ", "Human security"),
        (6, Some(5)) => ("技術的セキュリティ", "Technical security"),
        (6, Some(6)) => ("運用", "Operations"),
        (6, Some(7)) => (
            "業務委託・外部サービス・ソーシャルメディア",
            "Outsourcing, cloud services, social media",
        ),
        (7, _) => ("監査・自己点検", "Audit and self-inspection"),
        (8, _) => ("評価・見直し", "Evaluation and review"),
        _ => ("その他", "Other"),
    };
    let mut cited = *c;
    cited.subitem = None;
    Text::new(
        format!("{ja}（{cited}）"),
        format!("{en} ({})", cited.english()),
    )
}

/// 実施済 / 一部実施 / 未実施 / 対象外
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImplementationStatus {
    Implemented,
    Partial,
    NotImplemented,
    NotApplicable,
}

impl ImplementationStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ImplementationStatus::Implemented => lang.pick("実施済", "Implemented"),
            ImplementationStatus::Partial => lang.pick("一部実施", "Partly implemented"),
            ImplementationStatus::NotImplemented => lang.pick("未実施", "Not implemented"),
            ImplementationStatus::NotApplicable => lang.pick("対象外", "Not applicable"),
        }
    }
}

/// Where a status applies: a department or an information system.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "lowercase")]
pub enum StatusScope {
    Department(String),
    System(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRecord {
    pub measure: String,
    pub scope: StatusScope,
    pub status: ImplementationStatus,
    /// Evidence file names or references.
    pub evidence: Vec<String>,
    pub assessed_on: NaiveDate,
    /// Why a measure does not apply (required for 対象外).
    pub justification: String,
}

/// One row of the statement of applicability: a measure and the status across its scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicabilityRow {
    pub measure: Measure,
    /// Worst status over the scopes assessed (none assessed → 未実施).
    pub overall: ImplementationStatus,
    pub assessed_scopes: usize,
    pub evidence: usize,
}

/// The statement of applicability over the catalogue, in catalogue order.
pub fn statement_of_applicability(
    measures: &[Measure],
    records: &[StatusRecord],
) -> Vec<ApplicabilityRow> {
    measures
        .iter()
        .map(|m| {
            let mine: Vec<&StatusRecord> = records.iter().filter(|r| r.measure == m.id).collect();
            let applicable: Vec<&&StatusRecord> = mine
                .iter()
                .filter(|r| r.status != ImplementationStatus::NotApplicable)
                .collect();
            let overall = if mine.is_empty() {
                ImplementationStatus::NotImplemented
            } else if applicable.is_empty() {
                ImplementationStatus::NotApplicable
            } else if applicable
                .iter()
                .all(|r| r.status == ImplementationStatus::Implemented)
            {
                ImplementationStatus::Implemented
            } else if applicable
                .iter()
                .any(|r| r.status != ImplementationStatus::NotImplemented)
            {
                ImplementationStatus::Partial
            } else {
                ImplementationStatus::NotImplemented
            };
            ApplicabilityRow {
                measure: m.clone(),
                overall,
                assessed_scopes: mine.len(),
                evidence: mine.iter().map(|r| r.evidence.len()).sum(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_covers_every_ordinance_category_and_article_6_item() {
        let measures = builtin_measures();
        for c in OrdinanceCategory::ALL {
            assert!(measures.iter().any(|m| m.category == c), "{c:?}");
        }
        for item in 1..=7 {
            assert!(
                measures
                    .iter()
                    .any(|m| m.citation.article == 6 && m.citation.item == Some(item)),
                "第6条第{item}号"
            );
        }
        for sub in 0..3 {
            assert!(
                measures
                    .iter()
                    .any(|m| m.citation == Citation::subitem(6, 2, sub))
            );
        }
    }

    #[test]
    fn measures_are_grouped_as_the_regulation_groups_them() {
        assert_eq!(
            regulation_group(&Citation::subitem(6, 2, 1)).ja,
            "三段階の強靭性向上（ア・イ・ウ）（第6条第2号）"
        );
        assert_eq!(
            regulation_group(&Citation::item(6, 3)).ja,
            "物理的セキュリティ（第6条第3号）"
        );
        assert_eq!(
            regulation_group(&Citation::article(7)).en,
            "Audit and self-inspection (Art. 7)"
        );
    }

    #[test]
    fn applicability_takes_the_worst_status_over_scopes() {
        let measures = builtin_measures();
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let rec = |m: &str, scope: &str, status| StatusRecord {
            measure: m.into(),
            scope: StatusScope::Department(scope.into()),
            status,
            evidence: vec!["点検表.xlsx".into()],
            assessed_on: day,
            justification: String::new(),
        };
        use ImplementationStatus::*;
        let records = vec![
            rec("M-11", "1300", Implemented),
            rec("M-11", "3100", Implemented),
            rec("M-12", "1300", Implemented),
            rec("M-12", "3100", NotImplemented),
            rec("M-25", "2200", NotApplicable),
            rec("M-13", "3100", NotImplemented),
        ];
        let soa = statement_of_applicability(&measures, &records);
        let status = |id: &str| soa.iter().find(|r| r.measure.id == id).unwrap().overall;
        assert_eq!(status("M-11"), Implemented);
        assert_eq!(status("M-12"), Partial);
        assert_eq!(status("M-25"), NotApplicable);
        assert_eq!(status("M-13"), NotImplemented);
        assert_eq!(status("M-01"), NotImplemented);
        assert_eq!(soa.len(), measures.len());
        assert_eq!(
            soa.iter()
                .find(|r| r.measure.id == "M-12")
                .unwrap()
                .evidence,
            2
        );
    }
}
