//! The threats of 第3条, as a catalogue: the five categories the regulation names and concrete
//! threats under each, every one citing its provision and the dimensions (機密性・完全性・可用性) it
//! mainly endangers. Organisations edit the catalogue; this is its seed.

use crate::citation::Citation;
use crate::classification::Dimension;
use crate::lang::{Lang, Text};
use serde::{Deserialize, Serialize};

/// 第3条第1号〜第5号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatCategory {
    /// 意図的な要因（サイバー攻撃、部外者の侵入、内部不正等）
    Intentional,
    /// 非意図的な要因（規定違反、不備、操作・設定ミス、機器故障等）
    Unintentional,
    /// 地震、落雷、火災等の災害
    Disaster,
    /// 大規模・広範囲にわたる疾病による要員不足
    Pandemic,
    /// 電力・通信・水道等のインフラの障害
    Infrastructure,
}

impl ThreatCategory {
    pub const ALL: [ThreatCategory; 5] = [
        ThreatCategory::Intentional,
        ThreatCategory::Unintentional,
        ThreatCategory::Disaster,
        ThreatCategory::Pandemic,
        ThreatCategory::Infrastructure,
    ];

    pub fn citation(self) -> Citation {
        let item = match self {
            ThreatCategory::Intentional => 1,
            ThreatCategory::Unintentional => 2,
            ThreatCategory::Disaster => 3,
            ThreatCategory::Pandemic => 4,
            ThreatCategory::Infrastructure => 5,
        };
        Citation::item(3, item)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ThreatCategory::Intentional => lang.pick("意図的な要因", "Intentional"),
            ThreatCategory::Unintentional => lang.pick("非意図的な要因", "Unintentional"),
            ThreatCategory::Disaster => lang.pick("災害", "Disaster"),
            ThreatCategory::Pandemic => {
                lang.pick("疾病による要員不足", "Staff shortage by disease")
            }
            ThreatCategory::Infrastructure => lang.pick("インフラの障害", "Infrastructure failure"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threat {
    /// Stable identifier, e.g. `T-01`.
    pub id: String,
    pub category: ThreatCategory,
    pub name: Text,
    pub description: Text,
    pub citation: Citation,
    /// The dimensions this threat mainly endangers; impact is proposed from these.
    pub affects: Vec<Dimension>,
}

use Dimension::{Availability as A, Confidentiality as C, Integrity as I};

/// (id, category, ja, en, description ja, description en, affects)
type Seed = (
    &'static str,
    ThreatCategory,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [Dimension],
);

const SEEDS: &[Seed] = &[
    (
        "T-01",
        ThreatCategory::Intentional,
        "不正アクセス",
        "Unauthorised access",
        "外部からの侵入、なりすましによる情報資産の漏えい・改ざん・消去",
        "Intrusion or impersonation leading to leaks, tampering or deletion",
        &[C, I],
    ),
    (
        "T-02",
        ThreatCategory::Intentional,
        "マルウェア（ウイルス攻撃）",
        "Malware",
        "ランサムウェア等の不正プログラムによる暗号化・破壊・漏えい",
        "Ransomware and other malicious programs encrypting, destroying or leaking data",
        &[C, I, A],
    ),
    (
        "T-03",
        ThreatCategory::Intentional,
        "サービス不能攻撃",
        "Denial of service",
        "DDoS 攻撃等によるサービス・業務の停止",
        "DDoS and similar attacks stopping services",
        &[A],
    ),
    (
        "T-04",
        ThreatCategory::Intentional,
        "標的型攻撃・重要情報の詐取",
        "Targeted attack / fraud",
        "標的型メールや詐称による重要情報の詐取",
        "Targeted mail or pretexting to obtain important information",
        &[C],
    ),
    (
        "T-05",
        ThreatCategory::Intentional,
        "内部不正",
        "Insider misuse",
        "職員・委託先による故意の持ち出し・改ざん・目的外利用",
        "Deliberate removal, tampering or misuse by staff or contractors",
        &[C, I],
    ),
    (
        "T-06",
        ThreatCategory::Intentional,
        "部外者の侵入・盗難",
        "Intrusion / theft",
        "庁舎・情報システム室への侵入、端末・媒体の盗難",
        "Break-in to premises or server rooms, theft of devices or media",
        &[C, A],
    ),
    (
        "T-07",
        ThreatCategory::Unintentional,
        "情報資産の無断持ち出し",
        "Unauthorised removal",
        "許可のない持ち出しによる紛失・漏えい",
        "Loss or leaks from removal without permission",
        &[C],
    ),
    (
        "T-08",
        ThreatCategory::Unintentional,
        "無許可ソフトウェアの使用",
        "Unapproved software",
        "規定に反するソフトウェア・外部サービスの利用",
        "Software or services used against the rules",
        &[C, I],
    ),
    (
        "T-09",
        ThreatCategory::Unintentional,
        "設計・開発の不備、プログラムの欠陥",
        "Design or program defects",
        "仕様・実装の欠陥による誤処理・漏えい",
        "Faulty design or code causing wrong processing or leaks",
        &[I, C],
    ),
    (
        "T-10",
        ThreatCategory::Unintentional,
        "誤操作・設定ミス",
        "Operating or configuration error",
        "誤送信、誤廃棄、アクセス権の設定誤り等",
        "Misdirected mail, wrong disposal, wrong permissions",
        &[C, I],
    ),
    (
        "T-11",
        ThreatCategory::Unintentional,
        "メンテナンス・委託管理の不備",
        "Maintenance or outsourcing lapses",
        "保守作業や委託先管理の不備による障害・漏えい",
        "Faults or leaks from poor maintenance or contractor oversight",
        &[C, I, A],
    ),
    (
        "T-12",
        ThreatCategory::Unintentional,
        "監査機能・マネジメントの不備",
        "Audit or management gaps",
        "監査・自己点検やマネジメントの欠陥による対策の形骸化",
        "Measures hollowed out by weak audits or management",
        &[C, I, A],
    ),
    (
        "T-13",
        ThreatCategory::Unintentional,
        "機器故障",
        "Equipment failure",
        "サーバ・ネットワーク機器・記録媒体の故障",
        "Failure of servers, network devices or media",
        &[A, I],
    ),
    (
        "T-14",
        ThreatCategory::Disaster,
        "地震",
        "Earthquake",
        "地震による庁舎・設備の損壊と業務停止",
        "Damage to premises and equipment, work stopped",
        &[A],
    ),
    (
        "T-15",
        ThreatCategory::Disaster,
        "落雷",
        "Lightning",
        "落雷・過電流による機器の損傷",
        "Equipment damaged by lightning or surges",
        &[A, I],
    ),
    (
        "T-16",
        ThreatCategory::Disaster,
        "火災",
        "Fire",
        "火災による設備・文書の焼失",
        "Equipment and documents lost to fire",
        &[A],
    ),
    (
        "T-17",
        ThreatCategory::Disaster,
        "水害",
        "Flood",
        "浸水による設備・文書の損壊",
        "Equipment and documents damaged by water",
        &[A],
    ),
    (
        "T-18",
        ThreatCategory::Pandemic,
        "感染症による要員不足",
        "Staff shortage by infectious disease",
        "大規模・広範囲の感染症による運用要員の不足と運用の機能不全",
        "Operations failing when many staff fall ill",
        &[A],
    ),
    (
        "T-19",
        ThreatCategory::Infrastructure,
        "電力供給の途絶",
        "Power outage",
        "停電による情報システムの停止",
        "Systems stopped by loss of power",
        &[A],
    ),
    (
        "T-20",
        ThreatCategory::Infrastructure,
        "通信の途絶",
        "Network outage",
        "回線・LGWAN・インターネット接続の途絶",
        "Loss of lines, LGWAN or internet connectivity",
        &[A],
    ),
    (
        "T-21",
        ThreatCategory::Infrastructure,
        "水道供給の途絶",
        "Water outage",
        "断水による空調停止等の波及",
        "Knock-on effects such as cooling failure",
        &[A],
    ),
];

/// The seed catalogue.
pub fn builtin_threats() -> Vec<Threat> {
    SEEDS
        .iter()
        .map(|(id, category, ja, en, dja, den, affects)| Threat {
            id: (*id).to_string(),
            category: *category,
            name: Text::new(*ja, *en),
            description: Text::new(*dja, *den),
            citation: category.citation(),
            affects: affects.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_of_article_3_has_threats_and_ids_are_unique() {
        let threats = builtin_threats();
        for c in ThreatCategory::ALL {
            assert!(threats.iter().any(|t| t.category == c), "{c:?}");
        }
        let mut ids: Vec<&str> = threats.iter().map(|t| t.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), threats.len());
        assert!(threats.iter().all(|t| !t.affects.is_empty()));
        let earthquake = threats.iter().find(|t| t.name.ja == "地震").unwrap();
        assert_eq!(earthquake.citation.to_string(), "第3条第3号");
    }
}
