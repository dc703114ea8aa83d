//! Classification of information assets by 機密性・完全性・可用性 (第6条第1号).
//!
//! Municipalities differ here: the MIC guideline split 機密性3 into 3A/3B/3C in 令和6年10月, and many
//! regulations still use the older three-step scale. A [`Scheme`] is therefore data: each dimension has
//! its own ordered [`Scale`]; an organisation picks a built-in scheme at `init` and may edit the texts.

use crate::lang::{Lang, Text};
use serde::{Deserialize, Serialize};

/// The three dimensions of 第1条 and 第2条第4号〜第6号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Confidentiality,
    Integrity,
    Availability,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [
        Dimension::Confidentiality,
        Dimension::Integrity,
        Dimension::Availability,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Dimension::Confidentiality => lang.pick("機密性", "confidentiality"),
            Dimension::Integrity => lang.pick("完全性", "integrity"),
            Dimension::Availability => lang.pick("可用性", "availability"),
        }
    }
}

/// How an asset of a level is to be handled, by the six moments the guideline names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    /// 表示（ラベリング）
    pub labelling: Text,
    /// 保管
    pub storage: Text,
    /// 複製
    pub copying: Text,
    /// 送信
    pub transmission: Text,
    /// 外部への持ち出し
    pub carrying_out: Text,
    /// 廃棄
    pub disposal: Text,
}

/// One step of a scale, e.g. 機密性3A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// What users type and registers contain: "3A", "2", "1" …
    pub code: String,
    pub label: Text,
    pub definition: Text,
    /// The guideline's three grades (1, 2, 3) this level belongs to: 3A/3B/3C are all grade 3.
    /// Rules and permissions that speak of "機密性3" use the grade, so they work under any scheme.
    pub grade: u8,
    pub handling: Handling,
}

/// An ordered scale, lowest level first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    pub levels: Vec<Level>,
}

impl Scale {
    /// The rank of a level (0 = lowest), found by code. Codes compare without regard to case
    /// or full-width forms, because registers typed in Excel contain both.
    pub fn rank(&self, code: &str) -> Option<usize> {
        let wanted = normalize_code(code);
        self.levels
            .iter()
            .position(|l| normalize_code(&l.code) == wanted)
    }

    pub fn level(&self, code: &str) -> Option<&Level> {
        self.rank(code).and_then(|r| self.levels.get(r))
    }

    pub fn by_rank(&self, rank: usize) -> Option<&Level> {
        self.levels.get(rank)
    }

    /// The lowest level of at least the given grade.
    pub fn lowest_of_grade(&self, grade: u8) -> Option<usize> {
        self.levels.iter().position(|l| l.grade >= grade)
    }

    pub fn codes(&self) -> Vec<&str> {
        self.levels.iter().map(|l| l.code.as_str()).collect()
    }
}

/// Codes as typed in Excel: "３Ａ", " 3a ", "機密性3A" all mean "3A".
pub fn normalize_code(code: &str) -> String {
    let trimmed = code.trim();
    let trimmed = ["機密性", "完全性", "可用性"]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p))
        .unwrap_or(trimmed);
    trimmed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Full-width ASCII (U+FF01..U+FF5E) to half-width.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_ascii_uppercase()
}

/// A complete classification scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// `mic-r6` or `mic-legacy` for the built-in ones.
    pub id: String,
    pub name: Text,
    pub confidentiality: Scale,
    pub integrity: Scale,
    pub availability: Scale,
}

impl Scheme {
    pub fn scale(&self, dimension: Dimension) -> &Scale {
        match dimension {
            Dimension::Confidentiality => &self.confidentiality,
            Dimension::Integrity => &self.integrity,
            Dimension::Availability => &self.availability,
        }
    }

    pub fn scale_mut(&mut self, dimension: Dimension) -> &mut Scale {
        match dimension {
            Dimension::Confidentiality => &mut self.confidentiality,
            Dimension::Integrity => &mut self.integrity,
            Dimension::Availability => &mut self.availability,
        }
    }

    /// A built-in scheme by id.
    pub fn builtin(id: &str) -> Option<Scheme> {
        match id {
            "mic-r6" => Some(mic_r6()),
            "mic-legacy" => Some(mic_legacy()),
            _ => None,
        }
    }

    pub const BUILTIN_IDS: [&'static str; 2] = ["mic-r6", "mic-legacy"];
}

/// Why an edited scheme cannot replace the stored one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeEditError {
    #[error("the {dimension:?} levels changed: {old:?} became {new:?}")]
    LevelsChanged {
        dimension: Dimension,
        old: Vec<String>,
        new: Vec<String>,
    },
    #[error("the grade of {dimension:?} level {code} changed")]
    GradeChanged { dimension: Dimension, code: String },
    #[error("a label of {dimension:?} level {code} is empty")]
    EmptyLabel { dimension: Dimension, code: String },
}

impl SchemeEditError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                SchemeEditError::LevelsChanged {
                    dimension,
                    old,
                    new,
                },
                Lang::Ja,
            ) => format!(
                "{}の区分（{}）は変更できません（変更後: {}）。変えられるのは名称・定義・取扱いの文言だけです。",
                dimension.label(Lang::Ja),
                old.join("・"),
                new.join("・")
            ),
            (
                SchemeEditError::LevelsChanged {
                    dimension,
                    old,
                    new,
                },
                Lang::En,
            ) => format!(
                "The {} levels ({}) cannot change (got {}); only labels, definitions and handling texts can.",
                dimension.label(Lang::En),
                old.join(", "),
                new.join(", ")
            ),
            (SchemeEditError::GradeChanged { dimension, code }, Lang::Ja) => {
                format!(
                    "{}{code}の段階（grade）は変更できません。",
                    dimension.label(Lang::Ja)
                )
            }
            (SchemeEditError::GradeChanged { dimension, code }, Lang::En) => {
                format!(
                    "The grade of {} {code} cannot change.",
                    dimension.label(Lang::En)
                )
            }
            (SchemeEditError::EmptyLabel { dimension, code }, Lang::Ja) => {
                format!("{}{code}の名称が空です。", dimension.label(Lang::Ja))
            }
            (SchemeEditError::EmptyLabel { dimension, code }, Lang::En) => {
                format!(
                    "The label of {} {code} is empty.",
                    dimension.label(Lang::En)
                )
            }
        }
    }
}

impl Scheme {
    /// An organisation may reword its scheme but not change its levels: stored assets and ranks
    /// depend on the codes, their order and their grades.
    pub fn check_text_only_edit(&self, edited: &Scheme) -> Result<(), SchemeEditError> {
        for d in Dimension::ALL {
            let (old, new) = (self.scale(d), edited.scale(d));
            let (old_codes, new_codes) = (old.codes(), new.codes());
            if old_codes != new_codes {
                return Err(SchemeEditError::LevelsChanged {
                    dimension: d,
                    old: old_codes.into_iter().map(String::from).collect(),
                    new: new_codes.into_iter().map(String::from).collect(),
                });
            }
            for (o, n) in old.levels.iter().zip(&new.levels) {
                if o.grade != n.grade {
                    return Err(SchemeEditError::GradeChanged {
                        dimension: d,
                        code: o.code.clone(),
                    });
                }
                if n.label.ja.trim().is_empty() || n.label.en.trim().is_empty() {
                    return Err(SchemeEditError::EmptyLabel {
                        dimension: d,
                        code: n.code.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The three levels of an asset, as codes of the organisation's scheme. A level may be missing:
/// registers arrive half-filled, and an unclassified asset is a compliance finding, not a lost row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub confidentiality: Option<String>,
    pub integrity: Option<String>,
    pub availability: Option<String>,
}

impl Classification {
    pub fn new(confidentiality: &str, integrity: &str, availability: &str) -> Self {
        Classification {
            confidentiality: Some(confidentiality.into()),
            integrity: Some(integrity.into()),
            availability: Some(availability.into()),
        }
    }

    pub fn code(&self, dimension: Dimension) -> Option<&str> {
        match dimension {
            Dimension::Confidentiality => self.confidentiality.as_deref(),
            Dimension::Integrity => self.integrity.as_deref(),
            Dimension::Availability => self.availability.as_deref(),
        }
    }

    pub fn code_mut(&mut self, dimension: Dimension) -> &mut Option<String> {
        match dimension {
            Dimension::Confidentiality => &mut self.confidentiality,
            Dimension::Integrity => &mut self.integrity,
            Dimension::Availability => &mut self.availability,
        }
    }
}

fn t(ja: &str, en: &str) -> Text {
    Text::new(ja, en)
}

fn handling(rows: [(&str, &str); 6]) -> Handling {
    let [
        labelling,
        storage,
        copying,
        transmission,
        carrying_out,
        disposal,
    ] = rows.map(|(ja, en)| t(ja, en));
    Handling {
        labelling,
        storage,
        copying,
        transmission,
        carrying_out,
        disposal,
    }
}

fn confidentiality_grade3_handling(code: &str, extra_ja: &str, extra_en: &str) -> Handling {
    handling([
        (
            &format!("「機密性{code}」を文書・媒体・ファイル名に表示する。"),
            &format!("Mark documents, media and file names \"Confidentiality {code}\"."),
        ),
        (
            &format!(
                "施錠できる書庫又はアクセス制御されたサーバに保管し、利用者を限定する。{extra_ja}"
            ),
            &format!(
                "Keep in a locked cabinet or an access-controlled server, limited to named users. {extra_en}"
            ),
        ),
        (
            "情報セキュリティ管理者の許可を得た場合に限り複製する。",
            "Copy only with the permission of the information security administrator.",
        ),
        (
            "原則として送信しない。やむを得ず送信する場合は暗号化し、パスワードを別経路で伝える。",
            "Do not transmit as a rule; when unavoidable, encrypt and send the password by another route.",
        ),
        (
            "情報セキュリティ管理者の許可を得て、暗号化した媒体で持ち出し、記録を残す。",
            "Carry out only with the administrator's permission, on encrypted media, and record it.",
        ),
        (
            "復元できない方法で消去・裁断し、廃棄の記録を残す。",
            "Erase or shred so that it cannot be restored, and record the disposal.",
        ),
    ])
}

fn confidentiality_grade2_handling() -> Handling {
    handling([
        (
            "必要に応じて「機密性2」を表示する。",
            "Mark \"Confidentiality 2\" where needed.",
        ),
        (
            "庁内の管理された場所又はアクセス制御されたフォルダに保管する。",
            "Keep in a managed place in the office or an access-controlled folder.",
        ),
        (
            "業務上必要な範囲で複製し、複製物も同じ扱いとする。",
            "Copy only as the work requires; copies are handled the same way.",
        ),
        (
            "庁外へ送信する場合は暗号化又はパスワード設定を行う。",
            "Encrypt or password-protect when sending outside the office.",
        ),
        (
            "情報セキュリティ管理者に届け出て持ち出す。",
            "Notify the information security administrator before carrying out.",
        ),
        (
            "復元できない方法で消去・裁断する。",
            "Erase or shred so that it cannot be restored.",
        ),
    ])
}

fn grade1_handling(dimension_ja: &str, dimension_en: &str) -> Handling {
    handling([
        ("表示は不要。", "No marking required."),
        ("通常の方法で保管する。", "Keep in the ordinary way."),
        ("制限なし。", "No restriction."),
        ("制限なし。", "No restriction."),
        ("制限なし。", "No restriction."),
        (
            &format!("{dimension_ja}上の制限はない。他の分類に従って廃棄する。"),
            &format!("No {dimension_en} restriction; dispose as the other dimensions require."),
        ),
    ])
}

fn integrity_or_availability_grade2(
    dimension_ja: &str,
    dimension_en: &str,
    storage_ja: &str,
    storage_en: &str,
) -> Handling {
    handling([
        (
            &format!("必要に応じて「{dimension_ja}2」を表示する。"),
            &format!("Mark \"{dimension_en} 2\" where needed."),
        ),
        (storage_ja, storage_en),
        (
            "複製物の改ざん・不整合を防ぐため、正本を明確にする。",
            "Name the master copy so that copies cannot drift or be tampered with.",
        ),
        (
            "送信経路の改ざん・欠落を検知できる方法で送信する。",
            "Transmit in a way that detects tampering or loss in transit.",
        ),
        (
            "持ち出す場合は情報セキュリティ管理者に届け出る。",
            "Notify the information security administrator before carrying out.",
        ),
        (
            "廃棄前に必要なバックアップ・引継ぎがあることを確認する。",
            "Before disposal, confirm any required backup or hand-over exists.",
        ),
    ])
}

fn integrity_scale() -> Scale {
    Scale {
        levels: vec![
            Level {
                code: "1".into(),
                label: t("完全性1", "Integrity 1"),
                definition: t(
                    "完全性2以外の情報資産",
                    "Information assets other than integrity 2.",
                ),
                grade: 1,
                handling: grade1_handling("完全性", "integrity"),
            },
            Level {
                code: "2".into(),
                label: t("完全性2", "Integrity 2"),
                definition: t(
                    "改ざん、誤びゅう又は破損により、住民の権利が侵害される又は行政事務の適確な遂行に支障（軽微なものを除く。）を及ぼすおそれがある情報資産",
                    "Assets whose alteration, error or damage could infringe residents' rights or hinder (more than trivially) the correct conduct of administrative work.",
                ),
                grade: 2,
                handling: integrity_or_availability_grade2(
                    "完全性",
                    "Integrity",
                    "改ざんを防ぐアクセス制御と変更履歴のある場所に保管する。",
                    "Keep where access control prevents alteration and changes are logged.",
                ),
            },
        ],
    }
}

fn availability_scale() -> Scale {
    Scale {
        levels: vec![
            Level {
                code: "1".into(),
                label: t("可用性1", "Availability 1"),
                definition: t(
                    "可用性2以外の情報資産",
                    "Information assets other than availability 2.",
                ),
                grade: 1,
                handling: grade1_handling("可用性", "availability"),
            },
            Level {
                code: "2".into(),
                label: t("可用性2", "Availability 2"),
                definition: t(
                    "滅失、紛失又は当該情報資産が利用不可能であることにより、住民の権利が侵害される又は行政事務の安定的な遂行に支障（軽微なものを除く。）を及ぼすおそれがある情報資産",
                    "Assets whose loss or unavailability could infringe residents' rights or hinder (more than trivially) the stable conduct of administrative work.",
                ),
                grade: 2,
                handling: integrity_or_availability_grade2(
                    "可用性",
                    "Availability",
                    "定期的にバックアップを取得し、復旧手順を定めた上で保管する。",
                    "Keep with regular backups and a documented recovery procedure.",
                ),
            },
        ],
    }
}

fn confidentiality_low_levels() -> [Level; 2] {
    [
        Level {
            code: "1".into(),
            label: t("機密性1", "Confidentiality 1"),
            definition: t(
                "機密性2又は機密性3の情報資産以外の情報資産（公表されている又は公表を前提とするもの）",
                "Assets other than confidentiality 2 or 3 (published, or meant to be).",
            ),
            grade: 1,
            handling: grade1_handling("機密性", "confidentiality"),
        },
        Level {
            code: "2".into(),
            label: t("機密性2", "Confidentiality 2"),
            definition: t(
                "秘密文書に相当する機密性は要しないが、直ちに一般に公表することを前提としていない情報資産",
                "Assets that need not be kept as secret documents but are not meant for immediate publication.",
            ),
            grade: 2,
            handling: confidentiality_grade2_handling(),
        },
    ]
}

/// The MIC guideline since 令和6年10月: 機密性 3A/3B/3C/2/1, 完全性 2/1, 可用性 2/1.
pub fn mic_r6() -> Scheme {
    let [c1, c2] = confidentiality_low_levels();
    Scheme {
        id: "mic-r6".into(),
        name: t(
            "総務省ガイドライン（令和6年10月版）",
            "MIC guideline (October 2024)",
        ),
        confidentiality: Scale {
            levels: vec![
                c1,
                c2,
                Level {
                    code: "3C".into(),
                    label: t("機密性3C", "Confidentiality 3C"),
                    definition: t(
                        "機密性3の情報資産のうち、機密性3A及び機密性3B以外のもの（個人情報を含む行政事務の情報など）",
                        "Confidentiality-3 assets other than 3A and 3B (e.g. administrative information containing personal data).",
                    ),
                    grade: 3,
                    handling: confidentiality_grade3_handling("3C", "", ""),
                },
                Level {
                    code: "3B".into(),
                    label: t("機密性3B", "Confidentiality 3B"),
                    definition: t(
                        "漏えい等が生じた場合に、個人の権利利益の侵害の程度が大きく、又は事務の遂行に重大な影響を及ぼすおそれがある情報資産（特定個人情報、住民の基本情報など）",
                        "Assets whose leak would seriously harm individuals' rights or the conduct of work (e.g. specific personal information, residents' basic records).",
                    ),
                    grade: 3,
                    handling: confidentiality_grade3_handling(
                        "3B",
                        "マイナンバー利用事務系又はこれと同等に分離された環境で取り扱う。",
                        "Handle in the My Number tier or an equally separated environment.",
                    ),
                },
                Level {
                    code: "3A".into(),
                    label: t("機密性3A", "Confidentiality 3A"),
                    definition: t(
                        "行政文書の管理に関するガイドラインに定める秘密文書に相当する機密性を要する情報資産",
                        "Assets requiring the confidentiality of secret documents under the guideline on administrative document management.",
                    ),
                    grade: 3,
                    handling: confidentiality_grade3_handling(
                        "3A",
                        "秘密文書として指定し、管理簿で管理する。",
                        "Designate as a secret document and track it in a register.",
                    ),
                },
            ],
        },
        integrity: integrity_scale(),
        availability: availability_scale(),
    }
}

/// The scale used before 令和6年10月 and still in many regulations: 機密性 3/2/1, 完全性 2/1, 可用性 2/1.
pub fn mic_legacy() -> Scheme {
    let [c1, c2] = confidentiality_low_levels();
    Scheme {
        id: "mic-legacy".into(),
        name: t(
            "総務省ガイドライン（従前の三段階分類）",
            "MIC guideline (earlier three-step scale)",
        ),
        confidentiality: Scale {
            levels: vec![
                c1,
                c2,
                Level {
                    code: "3".into(),
                    label: t("機密性3", "Confidentiality 3"),
                    definition: t(
                        "行政事務で取り扱う情報資産のうち、秘密文書に相当する機密性を要する情報資産",
                        "Administrative information assets requiring the confidentiality of secret documents.",
                    ),
                    grade: 3,
                    handling: confidentiality_grade3_handling("3", "", ""),
                },
            ],
        },
        integrity: integrity_scale(),
        availability: availability_scale(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r6_scale_is_ordered_and_graded() {
        let s = mic_r6();
        assert_eq!(s.confidentiality.codes(), vec!["1", "2", "3C", "3B", "3A"]);
        assert!(s.confidentiality.rank("3A") > s.confidentiality.rank("3C"));
        assert_eq!(s.confidentiality.level("3B").map(|l| l.grade), Some(3));
        assert_eq!(s.confidentiality.lowest_of_grade(3), Some(2));
        assert_eq!(s.integrity.codes(), vec!["1", "2"]);
        assert_eq!(s.availability.codes(), vec!["1", "2"]);
    }

    #[test]
    fn legacy_has_three_confidentiality_levels() {
        let s = mic_legacy();
        assert_eq!(s.confidentiality.codes(), vec!["1", "2", "3"]);
        assert_eq!(s.confidentiality.rank("3A"), None);
        assert_eq!(s.confidentiality.lowest_of_grade(2), Some(1));
    }

    #[test]
    fn codes_typed_in_excel_are_understood() {
        let s = mic_r6();
        assert_eq!(s.confidentiality.rank("３Ａ"), Some(4));
        assert_eq!(s.confidentiality.rank(" 3a "), Some(4));
        assert_eq!(s.confidentiality.rank("機密性3B"), Some(3));
        assert_eq!(s.confidentiality.rank("4"), None);
        assert_eq!(s.confidentiality.rank(""), None);
    }

    #[test]
    fn only_texts_may_be_edited() {
        let old = mic_r6();
        let mut reworded = old.clone();
        reworded.confidentiality.levels[4].definition.ja =
            "秘密文書に相当するもの（本市の定義）".into();
        reworded.integrity.levels[1].handling.storage.ja = "変更履歴が残る場所に保管".into();
        assert_eq!(old.check_text_only_edit(&reworded), Ok(()));
        let mut removed = old.clone();
        removed.confidentiality.levels.pop();
        assert!(matches!(
            old.check_text_only_edit(&removed),
            Err(SchemeEditError::LevelsChanged { .. })
        ));
        let mut regraded = old.clone();
        regraded.confidentiality.levels[2].grade = 2;
        assert!(matches!(
            old.check_text_only_edit(&regraded),
            Err(SchemeEditError::GradeChanged { .. })
        ));
        let mut blank = old.clone();
        blank.availability.levels[0].label.ja = " ".into();
        assert!(matches!(
            old.check_text_only_edit(&blank),
            Err(SchemeEditError::EmptyLabel { .. })
        ));
        assert!(old.check_text_only_edit(&mic_legacy()).is_err());
    }

    #[test]
    fn every_level_has_both_languages_filled() {
        for id in Scheme::BUILTIN_IDS {
            let s = Scheme::builtin(id).expect("builtin");
            for d in Dimension::ALL {
                for l in &s.scale(d).levels {
                    let h = &l.handling;
                    for text in [
                        &l.label,
                        &l.definition,
                        &h.labelling,
                        &h.storage,
                        &h.copying,
                        &h.transmission,
                        &h.carrying_out,
                        &h.disposal,
                    ] {
                        assert!(
                            !text.ja.trim().is_empty() && !text.en.trim().is_empty(),
                            "{id} {d:?} {}",
                            l.code
                        );
                    }
                }
            }
        }
    }
}
