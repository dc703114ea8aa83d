//! The three-tier model of 規程第6条第2号 as types: zone kinds, model variants, tier rules.

use mamori_core::Citation;
use mamori_core::{Lang, Text};
use serde::{Deserialize, Serialize};

/// What a zone is, with respect to the three tiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// マイナンバー利用事務系 (inside the organisation).
    Mynumber,
    /// LGWAN接続系 (inside).
    Lgwan,
    /// インターネット接続系 (inside).
    Internet,
    /// The LGWAN network itself (outside).
    LgwanNetwork,
    /// 自治体情報セキュリティクラウド (outside; the prefecture's).
    SecurityCloud,
    /// The Internet (outside).
    InternetOutside,
    /// Other closed networks (住基ネット, 中間サーバ, …) reached only by 特定通信.
    External,
}

impl ZoneKind {
    pub fn label(self) -> Text {
        match self {
            ZoneKind::Mynumber => Text::new("マイナンバー利用事務系", "My Number tier"),
            ZoneKind::Lgwan => Text::new("LGWAN接続系", "LGWAN tier"),
            ZoneKind::Internet => Text::new("インターネット接続系", "Internet tier"),
            ZoneKind::LgwanNetwork => Text::new("LGWAN", "LGWAN network"),
            ZoneKind::SecurityCloud => {
                Text::new("自治体情報セキュリティクラウド", "security cloud")
            }
            ZoneKind::InternetOutside => Text::new("インターネット", "the Internet"),
            ZoneKind::External => Text::new("外部の閉域網", "external closed network"),
        }
    }

    /// The LGWAN side of the イ split.
    pub fn is_lgwan_side(self) -> bool {
        matches!(self, ZoneKind::Lgwan | ZoneKind::LgwanNetwork)
    }

    /// The internet side of the イ split.
    pub fn is_internet_side(self) -> bool {
        matches!(
            self,
            ZoneKind::Internet | ZoneKind::SecurityCloud | ZoneKind::InternetOutside
        )
    }
}

/// The model variants differ in where business terminals and systems sit (α: LGWAN tier,
/// β/β′: internet tier), which the inventory's zones express; the reachability constraints of
/// 第6条第2号ア〜ウ are the same for all of them, except that α′ also allows the LGWAN tier to
/// reach the declared cloud services directly.
pub use mamori_core::ModelVariant;

/// Whether declared cloud destinations may be reached from the LGWAN tier directly (α′ only).
pub fn allows_cloud_breakout(model: ModelVariant) -> bool {
    matches!(model, ModelVariant::AlphaPrime)
}

/// Parse a model name as the CLI receives it (`alpha`, `beta-prime`, `α′`, …).
pub fn parse_model(text: &str) -> Result<ModelVariant, String> {
    ModelVariant::parse(text)
        .ok_or_else(|| format!("unknown model `{text}` (alpha, beta, beta-prime, alpha-prime)"))
}

/// A tier rule of 第6条第2号 that a path can break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TierRule {
    /// ア: マイナンバー利用事務系 talks to no other area except declared 特定通信.
    MynumberIsolation,
    /// イ: LGWAN接続系 and インターネット接続系 are split; only 無害化通信 through a declared relay.
    LgwanInternetSplit,
    /// ウ: the internet tier reaches the Internet only through the security cloud.
    SecurityCloudConcentration,
}

impl TierRule {
    pub const ALL: [TierRule; 3] = [
        TierRule::MynumberIsolation,
        TierRule::LgwanInternetSplit,
        TierRule::SecurityCloudConcentration,
    ];

    /// Stable identifier used in JSON and SARIF.
    pub fn id(self) -> &'static str {
        match self {
            TierRule::MynumberIsolation => "article-6-2-a",
            TierRule::LgwanInternetSplit => "article-6-2-b",
            TierRule::SecurityCloudConcentration => "article-6-2-c",
        }
    }

    pub fn citation(self) -> Citation {
        let sub = match self {
            TierRule::MynumberIsolation => 0,
            TierRule::LgwanInternetSplit => 1,
            TierRule::SecurityCloudConcentration => 2,
        };
        Citation::subitem(6, 2, sub)
    }

    /// `第6条第2号ア` / `Art. 6(2)(a)`.
    pub fn article(self) -> Text {
        let c = self.citation();
        Text::new(c.to_string(), c.english())
    }

    pub fn summary(self) -> Text {
        match self {
            TierRule::MynumberIsolation => Text::new(
                "マイナンバー利用事務系は、特定通信を除き、他の領域と通信できないこと",
                "The My Number tier must not communicate with other areas except declared specific communications (特定通信)",
            ),
            TierRule::LgwanInternetSplit => Text::new(
                "LGWAN接続系とインターネット接続系の通信経路を分割し、両系間の通信は無害化通信（宣言された中継機器）のみとすること",
                "The LGWAN and internet tiers must be split; traffic between them only through a declared sanitising relay (無害化通信)",
            ),
            TierRule::SecurityCloudConcentration => Text::new(
                "インターネット接続系のインターネットとの通信は自治体情報セキュリティクラウドに集約すること",
                "Internet-tier traffic with the Internet must be concentrated through the prefecture's security cloud",
            ),
        }
    }

    pub fn title(self, lang: Lang) -> String {
        format!("{} {}", self.article().get(lang), self.summary().get(lang))
    }
}
