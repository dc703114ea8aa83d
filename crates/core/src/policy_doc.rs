//! The policy documents of 第9条・第10条 as versioned documents: the regulation itself, the 対策基準
//! and the non-public 実施手順 (第10条第2項), each version moving draft → under review → approved →
//! in force → superseded, with its 訓令番号, 施行日 and what changed, and a review cycle.

use crate::citation::Citation;
use crate::lang::Lang;
use crate::org::Role;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The three tiers of the document set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentTier {
    /// 規程（基本方針にあたるもの）
    Regulation,
    /// 情報セキュリティ対策基準 (第9条)
    Standards,
    /// 情報セキュリティ実施手順 (第10条) — non-public by 第10条第2項.
    Procedures,
}

impl DocumentTier {
    pub const ALL: [DocumentTier; 3] = [
        DocumentTier::Regulation,
        DocumentTier::Standards,
        DocumentTier::Procedures,
    ];

    pub fn id(self) -> &'static str {
        match self {
            DocumentTier::Regulation => "regulation",
            DocumentTier::Standards => "standards",
            DocumentTier::Procedures => "procedures",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentTier> {
        DocumentTier::ALL
            .into_iter()
            .find(|t| t.id() == text.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DocumentTier::Regulation => {
                lang.pick("情報セキュリティ対策規程", "Security regulation")
            }
            DocumentTier::Standards => lang.pick("情報セキュリティ対策基準", "Security standards"),
            DocumentTier::Procedures => {
                lang.pick("情報セキュリティ実施手順", "Security procedures")
            }
        }
    }

    pub fn citation(self) -> Citation {
        match self {
            DocumentTier::Regulation => Citation::article(1),
            DocumentTier::Standards => Citation::article(9),
            DocumentTier::Procedures => Citation::article(10),
        }
    }

    /// 実施手順 are not made public (第10条第2項); reading them is restricted and audited.
    pub fn is_public(self) -> bool {
        !matches!(self, DocumentTier::Procedures)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionState {
    Draft,
    UnderReview,
    Approved,
    InForce,
    Superseded,
}

impl VersionState {
    pub const ALL: [VersionState; 5] = [
        VersionState::Draft,
        VersionState::UnderReview,
        VersionState::Approved,
        VersionState::InForce,
        VersionState::Superseded,
    ];

    pub fn id(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::UnderReview => "under-review",
            VersionState::Approved => "approved",
            VersionState::InForce => "in-force",
            VersionState::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<VersionState> {
        VersionState::ALL
            .into_iter()
            .find(|s| s.id() == text.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            VersionState::Draft => lang.pick("起案中", "Draft"),
            VersionState::UnderReview => lang.pick("審議中", "Under review"),
            VersionState::Approved => lang.pick("決定済", "Approved"),
            VersionState::InForce => lang.pick("施行中", "In force"),
            VersionState::Superseded => lang.pick("廃止・改正済", "Superseded"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot move from {from:?} to {to:?}")]
    NotAllowed {
        from: VersionState,
        to: VersionState,
    },
    #[error("{to:?} needs one of the roles {needed:?}")]
    MissingRole { to: VersionState, needed: Vec<Role> },
    #[error("a version in force needs its 訓令番号 and 施行日")]
    MissingEnactment,
}

impl TransitionError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (TransitionError::NotAllowed { from, to }, Lang::Ja) => {
                format!(
                    "「{}」から「{}」には進められません。",
                    from.label(Lang::Ja),
                    to.label(Lang::Ja)
                )
            }
            (TransitionError::NotAllowed { from, to }, Lang::En) => {
                format!(
                    "A version cannot move from \"{}\" to \"{}\".",
                    from.label(Lang::En),
                    to.label(Lang::En)
                )
            }
            (TransitionError::MissingRole { to, needed }, Lang::Ja) => format!(
                "「{}」にするには{}のいずれかの役割が必要です。",
                to.label(Lang::Ja),
                needed
                    .iter()
                    .map(|r| r.label(Lang::Ja))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (TransitionError::MissingRole { to, needed }, Lang::En) => format!(
                "Moving to \"{}\" needs one of: {}.",
                to.label(Lang::En),
                needed
                    .iter()
                    .map(|r| r.label(Lang::En))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (TransitionError::MissingEnactment, Lang::Ja) => {
                "施行するには訓令番号と施行日を記録してください。".into()
            }
            (TransitionError::MissingEnactment, Lang::En) => {
                "Record the instrument number and the effective date before it comes into force."
                    .into()
            }
        }
    }
}

/// One version of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub version: u32,
    pub state: VersionState,
    /// 訓令番号, e.g. 令和６年訓令第８号.
    pub instrument: Option<String>,
    /// 施行日
    pub effective: Option<NaiveDate>,
    /// What changed, in the author's words.
    pub change_summary: String,
}

const SECURITY_ROLES: [Role; 4] = [
    Role::Ciso,
    Role::ChiefSecurityOfficer,
    Role::SecurityOfficer,
    Role::SecurityAdministrator,
];
const DECIDING_ROLES: [Role; 2] = [Role::Ciso, Role::ChiefSecurityOfficer];

impl DocumentVersion {
    /// Move to `to` as a person holding `roles`. Drafting and review need a security role; the
    /// decision and bringing into force need the CISO or the 統括情報セキュリティ責任者.
    pub fn transition(&mut self, to: VersionState, roles: &[Role]) -> Result<(), TransitionError> {
        use VersionState::*;
        let allowed = matches!(
            (self.state, to),
            (Draft, UnderReview)
                | (UnderReview, Draft)
                | (UnderReview, Approved)
                | (Approved, InForce)
                | (InForce, Superseded)
        );
        if !allowed {
            return Err(TransitionError::NotAllowed {
                from: self.state,
                to,
            });
        }
        let needed: &[Role] = match to {
            Approved | InForce => &DECIDING_ROLES,
            Draft | UnderReview => &SECURITY_ROLES,
            // A version is superseded when its successor comes into force, by the same deciders.
            Superseded => &DECIDING_ROLES,
        };
        if !roles.iter().any(|r| needed.contains(r)) {
            return Err(TransitionError::MissingRole {
                to,
                needed: needed.to_vec(),
            });
        }
        if to == InForce
            && (self
                .instrument
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
                || self.effective.is_none())
        {
            return Err(TransitionError::MissingEnactment);
        }
        self.state = to;
        Ok(())
    }
}

/// The review cycle of a document (e.g. every 12 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCycle {
    pub months: u32,
}

impl ReviewCycle {
    pub fn next_due(&self, last_review: NaiveDate) -> NaiveDate {
        last_review
            .checked_add_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MAX)
    }

    pub fn is_overdue(&self, last_review: NaiveDate, today: NaiveDate) -> bool {
        self.next_due(last_review) < today
    }
}

/// What triggered a review of the policy under 第8条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewTrigger {
    /// 情報セキュリティ監査の結果 (第7条)
    AuditResult,
    /// 情報セキュリティに関する状況の変化
    EnvironmentChange,
    /// 定期的な見直し
    Periodic,
    Other,
}

impl ReviewTrigger {
    pub const ALL: [ReviewTrigger; 4] = [
        ReviewTrigger::AuditResult,
        ReviewTrigger::EnvironmentChange,
        ReviewTrigger::Periodic,
        ReviewTrigger::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ReviewTrigger::AuditResult => "audit-result",
            ReviewTrigger::EnvironmentChange => "environment-change",
            ReviewTrigger::Periodic => "periodic",
            ReviewTrigger::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewTrigger> {
        ReviewTrigger::ALL
            .into_iter()
            .find(|t| t.id() == text.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReviewTrigger::AuditResult => lang.pick("監査結果", "Audit result"),
            ReviewTrigger::EnvironmentChange => lang.pick("環境の変化", "Change of circumstances"),
            ReviewTrigger::Periodic => lang.pick("定期", "Periodic"),
            ReviewTrigger::Other => lang.pick("その他", "Other"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> DocumentVersion {
        DocumentVersion {
            version: 2,
            state: VersionState::Draft,
            instrument: None,
            effective: None,
            change_summary: "第6条第7号にウを追加".into(),
        }
    }

    #[test]
    fn a_version_goes_through_review_decision_and_force() {
        let mut v = draft();
        v.transition(VersionState::UnderReview, &[Role::SecurityAdministrator])
            .unwrap();
        let e = v
            .transition(VersionState::Approved, &[Role::SecurityAdministrator])
            .unwrap_err();
        assert!(matches!(e, TransitionError::MissingRole { .. }));
        assert!(e.message(Lang::Ja).contains("最高情報セキュリティ責任者"));
        v.transition(VersionState::Approved, &[Role::ChiefSecurityOfficer])
            .unwrap();
        assert_eq!(
            v.transition(VersionState::InForce, &[Role::Ciso]),
            Err(TransitionError::MissingEnactment)
        );
        v.instrument = Some("令和６年訓令第８号".into());
        v.effective = NaiveDate::from_ymd_opt(2024, 12, 2);
        v.transition(VersionState::InForce, &[Role::Ciso]).unwrap();
        assert_eq!(v.state, VersionState::InForce);
        assert!(matches!(
            v.transition(VersionState::Draft, &[Role::Ciso]),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn ids_round_trip() {
        for t in DocumentTier::ALL {
            assert_eq!(DocumentTier::parse(t.id()), Some(t));
        }
        for s in VersionState::ALL {
            assert_eq!(VersionState::parse(s.id()), Some(s));
        }
        assert_eq!(VersionState::parse("done"), None);
        for t in ReviewTrigger::ALL {
            assert_eq!(ReviewTrigger::parse(t.id()), Some(t));
        }
        assert_eq!(ReviewTrigger::AuditResult.label(Lang::Ja), "監査結果");
    }

    #[test]
    fn procedures_are_not_public_and_reviews_fall_due() {
        assert!(!DocumentTier::Procedures.is_public());
        assert!(DocumentTier::Standards.is_public());
        assert_eq!(DocumentTier::Procedures.citation().to_string(), "第10条");
        let cycle = ReviewCycle { months: 12 };
        let last = NaiveDate::from_ymd_opt(2025, 11, 26).unwrap();
        assert_eq!(
            cycle.next_due(last),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert!(!cycle.is_overdue(last, NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()));
        assert!(cycle.is_overdue(last, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()));
    }
}
