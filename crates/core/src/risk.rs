//! Risk analysis of 第8条: likelihood × impact on a configurable matrix, impact proposed from the
//! asset's classification, treatment through measures, and acceptance by the roles that may accept.

use crate::asset::Asset;
use crate::classification::Scheme;
use crate::lang::{Lang, Text};
use crate::org::Role;
use crate::threats::Threat;
use serde::{Deserialize, Serialize};

/// One step of a matrix axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisLevel {
    /// 1 = lowest.
    pub value: u8,
    pub label: Text,
}

/// A risk level band: scores from `min_score` up belong to it (highest matching band wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub min_score: u16,
    pub label: Text,
    /// Risks in this band may be accepted without treatment.
    pub acceptable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub id: String,
    pub likelihood: Vec<AxisLevel>,
    pub impact: Vec<AxisLevel>,
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    #[error("the matrix has no likelihood or impact levels")]
    NoLevels,
    #[error("levels must be numbered 1, 2, 3 … in order")]
    BadNumbering,
    #[error("the matrix has no risk bands")]
    NoBands,
}

impl MatrixError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            MatrixError::NoLevels => lang.pick(
                "リスクマトリクスに発生可能性又は影響度の段階がありません。",
                "The matrix has no likelihood or impact levels.",
            ),
            MatrixError::BadNumbering => lang.pick(
                "段階は 1、2、3… の順に番号を付けてください。",
                "Number the levels 1, 2, 3 … in order.",
            ),
            MatrixError::NoBands => lang.pick(
                "リスクの水準（低・中・高など）が定義されていません。",
                "No risk bands (low, medium, high …) are defined.",
            ),
        }
        .to_string()
    }
}

fn axis(labels: &[(&str, &str)]) -> Vec<AxisLevel> {
    labels
        .iter()
        .enumerate()
        .map(|(i, (ja, en))| AxisLevel {
            value: u8::try_from(i + 1).unwrap_or(u8::MAX),
            label: Text::new(*ja, *en),
        })
        .collect()
}

fn band(min_score: u16, ja: &str, en: &str, acceptable: bool) -> Band {
    Band {
        min_score,
        label: Text::new(ja, en),
        acceptable,
    }
}

impl Matrix {
    /// 3×3: 低・中・高.
    pub fn three_by_three() -> Matrix {
        Matrix {
            id: "3x3".into(),
            likelihood: axis(&[
                ("低い（数年に1回未満）", "Low"),
                ("中程度（年に1回程度）", "Medium"),
                ("高い（月に1回以上）", "High"),
            ]),
            impact: axis(&[
                ("小（業務への影響は軽微）", "Minor"),
                ("中（業務の一部が停止・個人情報の少量漏えい）", "Moderate"),
                ("大（住民の権利侵害・業務の全面停止）", "Severe"),
            ]),
            bands: vec![
                band(1, "低", "Low", true),
                band(3, "中", "Medium", false),
                band(6, "高", "High", false),
            ],
        }
    }

    /// 5×5: 極低〜極高.
    pub fn five_by_five() -> Matrix {
        Matrix {
            id: "5x5".into(),
            likelihood: axis(&[
                ("ほとんどない", "Rare"),
                ("低い", "Unlikely"),
                ("中程度", "Possible"),
                ("高い", "Likely"),
                ("ほぼ確実", "Almost certain"),
            ]),
            impact: axis(&[
                ("軽微", "Negligible"),
                ("小", "Minor"),
                ("中", "Moderate"),
                ("大", "Major"),
                ("甚大", "Severe"),
            ]),
            bands: vec![
                band(1, "低", "Low", true),
                band(5, "中", "Medium", false),
                band(10, "高", "High", false),
                band(17, "極めて高い", "Critical", false),
            ],
        }
    }

    pub fn builtin(id: &str) -> Option<Matrix> {
        match id {
            "3x3" => Some(Matrix::three_by_three()),
            "5x5" => Some(Matrix::five_by_five()),
            _ => None,
        }
    }

    pub fn validate(&self) -> Result<(), MatrixError> {
        if self.likelihood.is_empty() || self.impact.is_empty() {
            return Err(MatrixError::NoLevels);
        }
        let numbered = |levels: &[AxisLevel]| {
            levels
                .iter()
                .enumerate()
                .all(|(i, l)| usize::from(l.value) == i + 1)
        };
        if !numbered(&self.likelihood) || !numbered(&self.impact) {
            return Err(MatrixError::BadNumbering);
        }
        if self.bands.is_empty() {
            return Err(MatrixError::NoBands);
        }
        Ok(())
    }

    pub fn score(&self, likelihood: u8, impact: u8) -> u16 {
        u16::from(likelihood) * u16::from(impact)
    }

    pub fn band(&self, score: u16) -> Option<&Band> {
        self.bands
            .iter()
            .filter(|b| score >= b.min_score)
            .max_by_key(|b| b.min_score)
    }

    /// Impact proposed for a threat against an asset: over the dimensions the threat endangers, the
    /// highest position of the asset's level on its scale, mapped onto the impact axis. An
    /// unclassified dimension counts as the top of its scale, so missing data never lowers a risk.
    pub fn propose_impact(&self, scheme: &Scheme, asset: &Asset, threat: &Threat) -> u8 {
        let top = self.impact.len().max(1);
        let position = threat
            .affects
            .iter()
            .map(|d| {
                let scale = scheme.scale(*d);
                let steps = scale.levels.len().saturating_sub(1).max(1);
                match asset.rank(scheme, *d) {
                    Some(rank) => rank as f64 / steps as f64,
                    None => 1.0,
                }
            })
            .fold(0.0f64, f64::max);
        let level = 1 + (position * (top - 1) as f64).round() as usize;
        u8::try_from(level.min(top)).unwrap_or(u8::MAX)
    }
}

/// The classification profile of a group of assets (an information system or an asset group): per
/// dimension, the highest level any member has. A risk to the group is as severe as to its most
/// sensitive member. Unclassified members count as the top of the scale.
pub fn group_profile<'a>(
    id: &str,
    name: &str,
    members: impl IntoIterator<Item = &'a Asset>,
    scheme: &Scheme,
) -> Asset {
    use crate::classification::{Classification, Dimension};
    let mut top: [Option<usize>; 3] = [None; 3];
    let mut unclassified = [false; 3];
    for a in members {
        for (i, d) in Dimension::ALL.into_iter().enumerate() {
            match a.rank(scheme, d) {
                Some(r) => top[i] = Some(top[i].map_or(r, |t| t.max(r))),
                None => unclassified[i] = true,
            }
        }
    }
    let code = |i: usize, d: Dimension| -> Option<String> {
        let scale = scheme.scale(d);
        let rank = if unclassified[i] {
            scale.levels.len().checked_sub(1)
        } else {
            top[i]
        };
        rank.and_then(|r| scale.by_rank(r)).map(|l| l.code.clone())
    };
    let mut group = Asset::new(id, name, crate::asset::AssetKind::System);
    group.classification = Classification {
        confidentiality: code(0, Dimension::Confidentiality),
        integrity: code(1, Dimension::Integrity),
        availability: code(2, Dimension::Availability),
    };
    group
}

/// A starting likelihood per category, for a first assessment the division then adjusts.
pub fn default_likelihood(matrix: &Matrix, category: crate::threats::ThreatCategory) -> u8 {
    use crate::threats::ThreatCategory::*;
    let top = u8::try_from(matrix.likelihood.len()).unwrap_or(1).max(1);
    let middle = top.div_ceil(2);
    match category {
        Intentional | Unintentional => middle,
        Disaster | Pandemic | Infrastructure => 1,
    }
}

/// How a risk is treated (リスク対応).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Treatment {
    /// 低減
    Reduce,
    /// 回避
    Avoid,
    /// 移転
    Transfer,
    /// 受容
    Accept,
}

impl Treatment {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Treatment::Reduce => lang.pick("低減", "Reduce"),
            Treatment::Avoid => lang.pick("回避", "Avoid"),
            Treatment::Transfer => lang.pick("移転", "Transfer"),
            Treatment::Accept => lang.pick("受容", "Accept"),
        }
    }
}

/// Who accepted a residual risk, and when (date as written by the caller, YYYY-MM-DD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    pub staff: String,
    pub role: Role,
    pub on: String,
}

/// One risk: an asset (or asset group / system) facing a threat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    pub asset: String,
    pub threat: String,
    pub likelihood: u8,
    /// The impact in use: proposed from the classification unless overridden.
    pub impact: u8,
    pub impact_overridden: bool,
    pub treatment: Option<Treatment>,
    /// Measure IDs that treat the risk.
    pub measures: Vec<String>,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub acceptance: Option<Acceptance>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    #[error("the risk has no asset")]
    NoAsset,
    #[error("the risk has no threat")]
    NoThreat,
    #[error("{what} {value} is outside the matrix (1..={max})")]
    OutOfRange {
        what: &'static str,
        value: u8,
        max: u8,
    },
    #[error("{0:?} may not accept risks")]
    NotAllowedToAccept(Option<Role>),
}

impl RiskError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RiskError::NoAsset, Lang::Ja) => {
                "リスクの対象となる情報資産（又は情報システム）を指定してください。".into()
            }
            (RiskError::NoAsset, Lang::En) => {
                "Name the asset (or system) the risk is about.".into()
            }
            (RiskError::NoThreat, Lang::Ja) => "リスクの原因となる脅威を指定してください。".into(),
            (RiskError::NoThreat, Lang::En) => "Name the threat the risk comes from.".into(),
            (RiskError::OutOfRange { what, value, max }, Lang::Ja) => {
                let w = if *what == "likelihood" {
                    "発生可能性"
                } else {
                    "影響度"
                };
                format!("{w}「{value}」はマトリクスの範囲（1〜{max}）外です。")
            }
            (RiskError::OutOfRange { what, value, max }, Lang::En) => {
                format!("{what} {value} is outside the matrix (1 to {max}).")
            }
            (RiskError::NotAllowedToAccept(_), Lang::Ja) => {
                "リスクの受容は統括情報セキュリティ責任者又は最高情報セキュリティ責任者が行います。"
                    .into()
            }
            (RiskError::NotAllowedToAccept(_), Lang::En) => {
                "Risks are accepted by the Chief Security Coordinator or the CISO.".into()
            }
        }
    }
}

impl Risk {
    /// A new risk with the impact proposed from the asset's classification.
    pub fn assess(
        matrix: &Matrix,
        scheme: &Scheme,
        asset: &Asset,
        threat: &Threat,
        likelihood: u8,
    ) -> Result<Risk, RiskError> {
        if asset.id.trim().is_empty() {
            return Err(RiskError::NoAsset);
        }
        if threat.id.trim().is_empty() {
            return Err(RiskError::NoThreat);
        }
        let max = u8::try_from(matrix.likelihood.len()).unwrap_or(u8::MAX);
        if likelihood == 0 || likelihood > max {
            return Err(RiskError::OutOfRange {
                what: "likelihood",
                value: likelihood,
                max,
            });
        }
        Ok(Risk {
            asset: asset.id.clone(),
            threat: threat.id.clone(),
            likelihood,
            impact: matrix.propose_impact(scheme, asset, threat),
            impact_overridden: false,
            treatment: None,
            measures: Vec::new(),
            residual_likelihood: None,
            residual_impact: None,
            acceptance: None,
        })
    }

    pub fn inherent_score(&self, matrix: &Matrix) -> u16 {
        matrix.score(self.likelihood, self.impact)
    }

    /// Residual score after treatment; the inherent score while no residual is recorded.
    pub fn residual_score(&self, matrix: &Matrix) -> u16 {
        matrix.score(
            self.residual_likelihood.unwrap_or(self.likelihood),
            self.residual_impact.unwrap_or(self.impact),
        )
    }

    /// Recompute the proposed impact after the asset's classification changed (overrides stay).
    pub fn refresh_impact(
        &mut self,
        matrix: &Matrix,
        scheme: &Scheme,
        asset: &Asset,
        threat: &Threat,
    ) -> bool {
        if self.impact_overridden {
            return false;
        }
        let proposed = matrix.propose_impact(scheme, asset, threat);
        let changed = proposed != self.impact;
        self.impact = proposed;
        changed
    }

    /// Record acceptance of the residual risk. Only 統括情報セキュリティ責任者 or CISO may accept.
    pub fn accept(&mut self, staff: &str, roles: &[Role], on: &str) -> Result<(), RiskError> {
        let role = [Role::Ciso, Role::ChiefSecurityOfficer]
            .into_iter()
            .find(|r| roles.contains(r))
            .ok_or(RiskError::NotAllowedToAccept(roles.first().copied()))?;
        self.treatment = Some(self.treatment.unwrap_or(Treatment::Accept));
        self.acceptance = Some(Acceptance {
            staff: staff.to_string(),
            role,
            on: on.to_string(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::AssetKind;
    use crate::classification::{Classification, mic_legacy, mic_r6};
    use crate::threats::builtin_threats;

    fn asset(c: &str, i: &str, a: &str) -> Asset {
        let mut x = Asset::new("A-1", "住民基本台帳データ", AssetKind::Information);
        x.classification = Classification::new(c, i, a);
        x
    }

    fn threat(id: &str) -> Threat {
        builtin_threats().into_iter().find(|t| t.id == id).unwrap()
    }

    #[test]
    fn builtin_matrices_are_valid_and_banded() {
        for m in [Matrix::three_by_three(), Matrix::five_by_five()] {
            m.validate().unwrap();
        }
        let m = Matrix::five_by_five();
        assert_eq!(m.band(m.score(5, 5)).unwrap().label.ja, "極めて高い");
        assert_eq!(m.band(m.score(2, 2)).unwrap().label.ja, "低");
        assert_eq!(m.band(m.score(2, 3)).unwrap().label.ja, "中");
        let empty = Matrix {
            likelihood: vec![],
            ..Matrix::three_by_three()
        };
        assert_eq!(empty.validate(), Err(MatrixError::NoLevels));
        let no_bands = Matrix {
            bands: vec![],
            ..Matrix::three_by_three()
        };
        assert_eq!(no_bands.validate(), Err(MatrixError::NoBands));
    }

    #[test]
    fn impact_follows_the_classification_of_the_endangered_dimensions() {
        let (m5, m3, r6) = (Matrix::five_by_five(), Matrix::three_by_three(), mic_r6());
        // Unauthorised access endangers C and I: 3A (top of 5 levels) → 5 on 5×5.
        assert_eq!(
            m5.propose_impact(&r6, &asset("3A", "1", "1"), &threat("T-01")),
            5
        );
        assert_eq!(
            m5.propose_impact(&r6, &asset("3C", "1", "1"), &threat("T-01")),
            3
        );
        assert_eq!(
            m5.propose_impact(&r6, &asset("1", "1", "1"), &threat("T-01")),
            1
        );
        // An earthquake endangers availability only.
        assert_eq!(
            m5.propose_impact(&r6, &asset("3A", "1", "1"), &threat("T-14")),
            1
        );
        assert_eq!(
            m3.propose_impact(&r6, &asset("1", "1", "2"), &threat("T-14")),
            3
        );
        // Legacy scheme: 機密性3 is the top.
        assert_eq!(
            m3.propose_impact(&mic_legacy(), &asset("3", "1", "1"), &threat("T-04")),
            3
        );
        // Unclassified counts as the top, never lower.
        let mut unclassified = asset("1", "1", "1");
        unclassified.classification.confidentiality = None;
        assert_eq!(m3.propose_impact(&r6, &unclassified, &threat("T-04")), 3);
    }

    #[test]
    fn a_group_is_as_sensitive_as_its_most_sensitive_member() {
        let s = mic_r6();
        let members = [
            asset("2", "1", "2"),
            asset("3B", "1", "1"),
            asset("1", "2", "1"),
        ];
        let g = group_profile("SYS:JUKI", "住民記録システム", &members, &s);
        assert_eq!(g.classification, Classification::new("3B", "2", "2"));
        let mut unclassified = asset("1", "1", "1");
        unclassified.classification.availability = None;
        let g = group_profile("G", "g", [&unclassified], &s);
        assert_eq!(g.classification.availability.as_deref(), Some("2"));
        assert_eq!(
            default_likelihood(
                &Matrix::five_by_five(),
                crate::threats::ThreatCategory::Intentional
            ),
            3
        );
        assert_eq!(
            default_likelihood(
                &Matrix::three_by_three(),
                crate::threats::ThreatCategory::Disaster
            ),
            1
        );
    }

    #[test]
    fn assess_refresh_and_accept() {
        let (m, s) = (Matrix::three_by_three(), mic_r6());
        let mut a = asset("2", "1", "1");
        let t = threat("T-10");
        let mut r = Risk::assess(&m, &s, &a, &t, 2).unwrap();
        assert_eq!((r.impact, r.inherent_score(&m)), (2, 4));
        a.classification.confidentiality = Some("3A".into());
        assert!(r.refresh_impact(&m, &s, &a, &t));
        assert_eq!(r.impact, 3);
        r.residual_likelihood = Some(1);
        assert_eq!(r.residual_score(&m), 3);
        assert_eq!(
            r.accept("S1", &[Role::SecurityAdministrator], "2026-11-26"),
            Err(RiskError::NotAllowedToAccept(Some(
                Role::SecurityAdministrator
            )))
        );
        assert!(r.acceptance.is_none());
        r.accept(
            "S2",
            &[Role::CommitteeMember, Role::ChiefSecurityOfficer],
            "2026-11-26",
        )
        .unwrap();
        assert_eq!(
            r.acceptance.as_ref().map(|x| x.role),
            Some(Role::ChiefSecurityOfficer)
        );
        assert_eq!(
            Risk::assess(&m, &s, &a, &t, 4),
            Err(RiskError::OutOfRange {
                what: "likelihood",
                value: 4,
                max: 3
            })
        );
        let nameless = Asset::new(" ", "x", AssetKind::Information);
        assert_eq!(
            Risk::assess(&m, &s, &nameless, &t, 1),
            Err(RiskError::NoAsset)
        );
        r.impact_overridden = true;
        a.classification.confidentiality = Some("1".into());
        assert!(!r.refresh_impact(&m, &s, &a, &t));
    }
}
