//! Information assets (第2条第3号) as the asset register (情報資産台帳) records them.

use crate::citation::Citation;
use crate::classification::{Classification, Dimension, Scheme};
use crate::lang::Lang;
use crate::zone::Zone;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What an asset is, by the three groups of 第2条第3号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    /// ア: ネットワーク
    Network,
    /// ア: 情報システム
    System,
    /// ア: 設備・機器
    Equipment,
    /// ア: 電磁的記録媒体
    Media,
    /// イ: 情報（電磁的記録）
    Information,
    /// イ: 印刷した文書
    Printed,
    /// ウ: システム関連文書（仕様書、ネットワーク図等）
    SystemDocument,
}

impl AssetKind {
    pub const ALL: [AssetKind; 7] = [
        AssetKind::Network,
        AssetKind::System,
        AssetKind::Equipment,
        AssetKind::Media,
        AssetKind::Information,
        AssetKind::Printed,
        AssetKind::SystemDocument,
    ];

    pub fn id(self) -> &'static str {
        match self {
            AssetKind::Network => "network",
            AssetKind::System => "system",
            AssetKind::Equipment => "equipment",
            AssetKind::Media => "media",
            AssetKind::Information => "information",
            AssetKind::Printed => "printed",
            AssetKind::SystemDocument => "system-document",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AssetKind::Network => lang.pick("ネットワーク", "Network"),
            AssetKind::System => lang.pick("情報システム", "Information system"),
            AssetKind::Equipment => lang.pick("機器・設備", "Equipment"),
            AssetKind::Media => lang.pick("電磁的記録媒体", "Storage media"),
            AssetKind::Information => lang.pick("情報（電子データ）", "Information (electronic)"),
            AssetKind::Printed => lang.pick("印刷文書", "Printed documents"),
            AssetKind::SystemDocument => lang.pick("システム関連文書", "System documents"),
        }
    }

    /// 第2条第3号ア/イ/ウ.
    pub fn citation(self) -> Citation {
        let sub = match self {
            AssetKind::Network | AssetKind::System | AssetKind::Equipment | AssetKind::Media => 0,
            AssetKind::Information | AssetKind::Printed => 1,
            AssetKind::SystemDocument => 2,
        };
        Citation::subitem(2, 3, sub)
    }

    pub fn parse(text: &str) -> Option<AssetKind> {
        let t = text.trim();
        if let Some(k) = AssetKind::ALL.into_iter().find(|k| {
            k.id() == t || k.label(Lang::Ja) == t || k.label(Lang::En).eq_ignore_ascii_case(t)
        }) {
            return Some(k);
        }
        Some(match t {
            "システム" => AssetKind::System,
            "機器" | "設備" | "端末" | "サーバ" => AssetKind::Equipment,
            "媒体" | "記録媒体" => AssetKind::Media,
            "情報" | "電子データ" | "データ" | "電子情報" => AssetKind::Information,
            "文書" | "紙" | "紙文書" => AssetKind::Printed,
            "関連文書" | "仕様書" => AssetKind::SystemDocument,
            _ => return None,
        })
    }

    /// Paper and system documents do not sit on a network, so a zone is optional for them.
    pub fn is_on_network(self) -> bool {
        !matches!(self, AssetKind::Printed | AssetKind::SystemDocument)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetStatus {
    InUse,
    Disposed,
}

impl AssetStatus {
    pub fn id(self) -> &'static str {
        match self {
            AssetStatus::InUse => "in-use",
            AssetStatus::Disposed => "disposed",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AssetStatus::InUse => lang.pick("使用中", "In use"),
            AssetStatus::Disposed => lang.pick("廃棄済", "Disposed"),
        }
    }

    pub fn parse(text: &str) -> Option<AssetStatus> {
        match text.trim() {
            "" | "in-use" | "使用中" | "利用中" | "運用中" | "In use" | "in use" => {
                Some(AssetStatus::InUse)
            }
            "disposed" | "廃棄済" | "廃棄済み" | "廃棄" | "Disposed" => {
                Some(AssetStatus::Disposed)
            }
            _ => None,
        }
    }
}

/// How an outside (cloud) service is contracted. Standard terms (約款) cannot carry the
/// security requirements 第6条第7号 asks for, so confidential information must not go there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceTerms {
    /// 約款による外部サービス（定型約款・利用規約への同意のみ）
    Standard,
    /// 個別契約（セキュリティ要件を契約で定めたもの）
    Contract,
}

impl ServiceTerms {
    pub fn id(self) -> &'static str {
        match self {
            ServiceTerms::Standard => "standard",
            ServiceTerms::Contract => "contract",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ServiceTerms::Standard => lang.pick("約款", "Standard terms"),
            ServiceTerms::Contract => lang.pick("個別契約", "Negotiated contract"),
        }
    }

    pub fn parse(text: &str) -> Option<ServiceTerms> {
        match text.trim() {
            "standard" | "約款" | "約款型" | "定型約款" | "利用規約" | "Standard terms" => {
                Some(ServiceTerms::Standard)
            }
            "contract" | "個別契約" | "契約" | "Negotiated contract" => {
                Some(ServiceTerms::Contract)
            }
            _ => None,
        }
    }
}

/// One row of the 情報資産台帳.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// 資産番号, unique in the organisation.
    pub id: String,
    pub name: String,
    pub kind: AssetKind,
    /// 所管課 (department code).
    pub department: Option<String>,
    /// 管理者 (staff id).
    pub manager: Option<String>,
    /// 保管場所・設置場所
    pub location: String,
    pub zone: Option<Zone>,
    /// 関連する情報システム (system code).
    pub system: Option<String>,
    pub classification: Classification,
    /// 個人情報を含む
    pub personal_info: bool,
    /// 特定個人情報（マイナンバー）を含む
    pub my_number: bool,
    /// 保存期間, as the municipality writes it (5年, 永年, 常用 …).
    pub retention: String,
    pub disposal_method: String,
    pub status: AssetStatus,
    pub disposed_on: Option<NaiveDate>,
    pub next_review: Option<NaiveDate>,
    /// 利用する外部サービス（クラウドサービス）名
    pub external_service: String,
    pub external_terms: Option<ServiceTerms>,
    pub notes: String,
}

impl Asset {
    /// A new in-use asset with only the required fields; the rest empty.
    pub fn new(id: impl Into<String>, name: impl Into<String>, kind: AssetKind) -> Self {
        Asset {
            id: id.into(),
            name: name.into(),
            kind,
            department: None,
            manager: None,
            location: String::new(),
            zone: None,
            system: None,
            classification: Classification::default(),
            personal_info: false,
            my_number: false,
            retention: String::new(),
            disposal_method: String::new(),
            status: AssetStatus::InUse,
            disposed_on: None,
            next_review: None,
            external_service: String::new(),
            external_terms: None,
            notes: String::new(),
        }
    }

    /// Rank of a dimension's level in the scheme (0 = lowest), if classified with a known code.
    pub fn rank(&self, scheme: &Scheme, dimension: Dimension) -> Option<usize> {
        self.classification
            .code(dimension)
            .and_then(|c| scheme.scale(dimension).rank(c))
    }

    /// The guideline grade (1, 2, 3) of a dimension, if classified with a known code.
    pub fn grade(&self, scheme: &Scheme, dimension: Dimension) -> Option<u8> {
        self.classification
            .code(dimension)
            .and_then(|c| scheme.scale(dimension).level(c))
            .map(|l| l.grade)
    }

    /// Replace typed codes with the scheme's canonical spelling (３ａ → 3A).
    pub fn canonicalize_codes(&mut self, scheme: &Scheme) {
        for d in Dimension::ALL {
            let scale = scheme.scale(d);
            let slot = self.classification.code_mut(d);
            if let Some(code) = slot.as_deref()
                && let Some(level) = scale.level(code)
            {
                *slot = Some(level.code.clone());
            }
        }
    }
}
