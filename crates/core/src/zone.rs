//! Network zones (第2条第9号〜第11号) and the organisation's model variant (第6条第2号).

use crate::lang::Lang;
use serde::{Deserialize, Serialize};

/// Where an asset lives in the three-tier model, plus outside services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// マイナンバー利用事務系 (第2条第9号)
    MyNumber,
    /// ＬＧＷＡＮ接続系 (第2条第10号)
    Lgwan,
    /// インターネット接続系 (第2条第11号)
    Internet,
    /// 外部サービス（クラウドサービス）等、庁外 (第2条第14号)
    External,
}

impl Zone {
    pub const ALL: [Zone; 4] = [Zone::MyNumber, Zone::Lgwan, Zone::Internet, Zone::External];

    /// Stable identifier used in files, URLs and the database.
    pub fn id(self) -> &'static str {
        match self {
            Zone::MyNumber => "mynumber",
            Zone::Lgwan => "lgwan",
            Zone::Internet => "internet",
            Zone::External => "external",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Zone::MyNumber => lang.pick("マイナンバー利用事務系", "My Number tier"),
            Zone::Lgwan => lang.pick("LGWAN接続系", "LGWAN tier"),
            Zone::Internet => lang.pick("インターネット接続系", "Internet tier"),
            Zone::External => lang.pick("外部・クラウド", "External / cloud"),
        }
    }

    /// Parse what people write: the id, the Japanese label (also with full-width ＬＧＷＡＮ and the
    /// common shortenings), or the English label.
    pub fn parse(text: &str) -> Option<Zone> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '・')
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect::<String>()
            .to_lowercase();
        let zone = match folded.as_str() {
            "mynumber"
            | "マイナンバー利用事務系"
            | "マイナンバー系"
            | "個人番号利用事務系"
            | "mynumbertier" => Zone::MyNumber,
            "lgwan" | "lgwan接続系" | "lgwan系" | "lgwantier" => Zone::Lgwan,
            "internet" | "インターネット接続系" | "インターネット系" | "internettier" => {
                Zone::Internet
            }
            "external" | "外部" | "クラウド" | "外部クラウド" | "外部サービス"
            | "external/cloud" | "cloud" => Zone::External,
            _ => return None,
        };
        Some(zone)
    }
}

/// The organisation's variant of the three-tier model (MIC guideline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelVariant {
    /// αモデル: 業務端末はLGWAN接続系に置き、インターネットは画面転送等で利用する。
    Alpha,
    /// βモデル: 業務端末をインターネット接続系に置き、LGWAN接続系の業務は画面転送等で利用する。
    Beta,
    /// β′モデル: βモデルに加え、重要な業務システムもインターネット接続系に置く。
    BetaPrime,
    /// α′モデル: αモデルを基本に、一部の業務でクラウドサービスへ直接接続する（令和6年ガイドライン）。
    AlphaPrime,
}

impl ModelVariant {
    pub const ALL: [ModelVariant; 4] = [
        ModelVariant::Alpha,
        ModelVariant::Beta,
        ModelVariant::BetaPrime,
        ModelVariant::AlphaPrime,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ModelVariant::Alpha => "alpha",
            ModelVariant::Beta => "beta",
            ModelVariant::BetaPrime => "beta-prime",
            ModelVariant::AlphaPrime => "alpha-prime",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ModelVariant::Alpha => lang.pick("αモデル", "α model"),
            ModelVariant::Beta => lang.pick("βモデル", "β model"),
            ModelVariant::BetaPrime => lang.pick("β′モデル", "β′ model"),
            ModelVariant::AlphaPrime => lang.pick("α′モデル", "α′ model"),
        }
    }

    pub fn parse(text: &str) -> Option<ModelVariant> {
        let t = text.trim().to_lowercase();
        let t = t.strip_suffix("モデル").unwrap_or(&t);
        Some(match t {
            "alpha" | "α" | "a" => ModelVariant::Alpha,
            "beta" | "β" | "b" => ModelVariant::Beta,
            "beta-prime" | "beta'" | "β′" | "β'" | "b'" => ModelVariant::BetaPrime,
            "alpha-prime" | "alpha'" | "α′" | "α'" | "a'" => ModelVariant::AlphaPrime,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_from_what_people_write() {
        assert_eq!(Zone::parse("ＬＧＷＡＮ接続系"), Some(Zone::Lgwan));
        assert_eq!(Zone::parse("LGWAN接続系"), Some(Zone::Lgwan));
        assert_eq!(Zone::parse("マイナンバー利用事務系"), Some(Zone::MyNumber));
        assert_eq!(Zone::parse(" internet "), Some(Zone::Internet));
        assert_eq!(Zone::parse("外部・クラウド"), Some(Zone::External));
        assert_eq!(Zone::parse("庁内LAN"), None);
        for z in Zone::ALL {
            assert_eq!(Zone::parse(z.id()), Some(z));
            assert_eq!(Zone::parse(z.label(Lang::Ja)), Some(z));
            assert_eq!(Zone::parse(z.label(Lang::En)), Some(z));
        }
    }

    #[test]
    fn variants_round_trip() {
        for v in ModelVariant::ALL {
            assert_eq!(ModelVariant::parse(v.id()), Some(v));
            assert_eq!(ModelVariant::parse(v.label(Lang::Ja)), Some(v));
        }
        assert_eq!(ModelVariant::parse("gamma"), None);
    }
}
