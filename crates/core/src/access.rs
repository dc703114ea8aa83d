//! Who may see and change what: the one place where authorisation is decided.
//!
//! Decisions follow 第5条 (the roles and where they are appointed) and the data's classification.
//! Handlers and templates never decide; they ask [`Policy`]. The rules:
//! - 最高情報セキュリティ責任者 (CISO) and 統括情報セキュリティ責任者: everything.
//! - 情報セキュリティ責任者: the assets of their 部 and everything below it.
//! - 情報セキュリティ管理者: create, edit and dispose the assets of their 課 (and its 係).
//! - 情報システム管理者: the assets of their information systems.
//! - 情報セキュリティ監査担当 (auditors): read everything, including the audit log; change nothing.
//! - Everyone else (incl. 情報システム担当者, committee and CSIRT members in that capacity): read the
//!   assets of their own 課 up to 機密性2.
//! - 機密性3 (3A/3B/3C) details: only the managers above for that asset and the organisation-wide
//!   security roles; anyone else who may list the asset sees only that it exists.

use crate::org::{DepartmentKind, DepartmentTree, Role, RoleAssignment, RoleScope};
use std::collections::HashMap;

/// The person asking, with their appointments.
#[derive(Debug, Clone)]
pub struct Subject {
    pub staff_id: String,
    /// The department the person belongs to (often a 係).
    pub department: String,
    pub assignments: Vec<RoleAssignment>,
}

impl Subject {
    fn has(&self, role: Role) -> bool {
        self.assignments.iter().any(|a| a.role == role)
    }

    fn scopes(&self, role: Role) -> impl Iterator<Item = &RoleScope> {
        self.assignments
            .iter()
            .filter(move |a| a.role == role)
            .map(|a| &a.scope)
    }

    /// CISO or 統括: every decision is yes.
    fn is_organisation_officer(&self) -> bool {
        self.has(Role::Ciso) || self.has(Role::ChiefSecurityOfficer)
    }
}

/// What is known about an asset when deciding. Built from an [`crate::Asset`] and the scheme.
#[derive(Debug, Clone, Copy)]
pub struct AssetRef<'a> {
    pub department: Option<&'a str>,
    pub system: Option<&'a str>,
    /// The guideline grade (1, 2, 3) of its confidentiality; `None` when unclassified, which is
    /// treated as grade 3 so that an unclassified asset is never shown more widely than a secret one.
    pub confidentiality_grade: Option<u8>,
}

impl<'a> AssetRef<'a> {
    pub fn of(asset: &'a crate::Asset, scheme: &crate::Scheme) -> Self {
        AssetRef {
            department: asset.department.as_deref(),
            system: asset.system.as_deref(),
            confidentiality_grade: asset.grade(scheme, crate::Dimension::Confidentiality),
        }
    }

    fn grade(&self) -> u8 {
        self.confidentiality_grade.unwrap_or(3)
    }
}

/// How much of an asset a person may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// Not in any list, search, export or API answer.
    Hidden,
    /// Listed with its ID, kind, department and classification, but not its name or contents.
    ExistenceOnly,
    Full,
}

/// Changes to an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Edit,
    Dispose,
}

/// Things that are not about one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See the audit log and verify its chain.
    ViewAuditLog,
    /// See the organisation (departments, staff, appointments).
    ViewOrganisation,
    /// Change departments, staff and appointments; manage user accounts.
    ManageOrganisation,
    /// Change the organisation's settings (scheme texts, model variant, name).
    ManageSettings,
    /// See compliance findings (each finding is further filtered by asset visibility).
    ViewFindings,
    /// Import a register file (each row is further checked with [`Policy::may_change`]).
    ImportRegister,
    /// Run the three-tier verifier (第6条第2号) on uploaded firewall configurations and save the
    /// result as evidence.
    VerifyNetwork,
    /// Read saved network verification evidence.
    ViewNetworkEvidence,
    /// Read the public tiers of the policy (規程・対策基準), the threat and measure catalogues.
    ViewPolicy,
    /// Upload new versions of policy documents and set their review cycle (the lifecycle steps
    /// themselves are checked by `policy_doc::DocumentVersion::transition`).
    ManagePolicyDocuments,
    /// Add and edit the threats of 第3条 (the security division: CISO, 統括).
    EditThreats,
    /// See the risk register of 第8条 and its heat map.
    ViewRisks,
    /// Run a risk assessment and record likelihood, impact and treatment (acceptance is further
    /// restricted by `risk::Risk::accept`).
    ManageRisks,
    /// Download the evidence files of measure statuses.
    ViewMeasureEvidence,
    /// See the review records of 第8条.
    ViewReviews,
    /// Record a 第8条 review (what triggered it, the risks looked at, the decision).
    RecordReviews,
    /// See the user accounts (login, status, MFA), not their secrets.
    ViewAccounts,
}

/// A member of staff among the recipients of a quarantined mail (matched by e-mail address).
#[derive(Debug, Clone, Copy)]
pub struct QuarantineRecipient<'a> {
    pub staff_id: &'a str,
    pub department: &'a str,
}

/// What is known about a quarantined mail (無害化, 第2条第13号) when deciding who may see it and
/// who may release its original.
#[derive(Debug, Clone, Copy)]
pub struct QuarantineRef<'a> {
    /// The staff whose addresses are among its recipients.
    pub recipients: &'a [QuarantineRecipient<'a>],
    /// Who asked for the release, once someone has.
    pub requested_by: Option<&'a str>,
}

/// The roles that may open 実施手順 (non-public by 第10条第2項) unless the organisation decides
/// otherwise: the officers who carry out the measures, and the auditors who check them.
pub const DEFAULT_PROCEDURE_READERS: [Role; 6] = [
    Role::Ciso,
    Role::ChiefSecurityOfficer,
    Role::SecurityOfficer,
    Role::SecurityAdministrator,
    Role::SystemAdministrator,
    Role::Auditor,
];

/// The decision function, over the organisation's department tree.
pub struct Policy<'a> {
    tree: &'a DepartmentTree,
    kinds: HashMap<&'a str, DepartmentKind>,
    parents: HashMap<&'a str, Option<&'a str>>,
    procedure_readers: Vec<Role>,
}

impl<'a> Policy<'a> {
    pub fn new(tree: &'a DepartmentTree, departments: &'a [crate::Department]) -> Self {
        Policy {
            tree,
            kinds: departments
                .iter()
                .map(|d| (d.code.as_str(), d.kind))
                .collect(),
            parents: departments
                .iter()
                .map(|d| (d.code.as_str(), d.parent.as_deref()))
                .collect(),
            procedure_readers: DEFAULT_PROCEDURE_READERS.to_vec(),
        }
    }

    /// The roles the organisation allows to open 実施手順 (第10条第2項), instead of the default.
    pub fn with_procedure_readers(mut self, roles: &[Role]) -> Self {
        self.procedure_readers = roles.to_vec();
        self
    }

    /// Whether the person may open a policy document of this tier. 実施手順 are not public
    /// (第10条第2項): only the roles the organisation allows; the other tiers every member of staff.
    /// Callers that say no must hide the document's title too, and record every permitted read.
    pub fn may_read_policy_tier(&self, s: &Subject, tier: crate::policy_doc::DocumentTier) -> bool {
        tier.is_public()
            || s.assignments
                .iter()
                .any(|a| self.procedure_readers.contains(&a.role))
    }

    /// Whether the person may record the implementation status of a measure (and its evidence)
    /// for this department or information system: the organisation officers everywhere, a
    /// 情報セキュリティ責任者・管理者 for their 部・課 and below, an 情報システム管理者 for their system.
    pub fn may_record_measure(&self, s: &Subject, scope: &crate::measures::StatusScope) -> bool {
        if s.is_organisation_officer() {
            return true;
        }
        match scope {
            crate::measures::StatusScope::Department(code) => {
                [Role::SecurityOfficer, Role::SecurityAdministrator]
                    .into_iter()
                    .any(|role| {
                        s.scopes(role).any(|sc| match sc {
                            RoleScope::Department(d) => self.within(Some(code), d),
                            _ => false,
                        })
                    })
            }
            crate::measures::StatusScope::System(code) => s
                .scopes(Role::SystemAdministrator)
                .any(|sc| matches!(sc, RoleScope::System(c) if c == code)),
        }
    }

    /// The 課 a department belongs to (itself when it is a 課, its nearest 課 ancestor when a 係).
    /// A 部 or an unknown code stays itself.
    pub fn home_ka<'s>(&self, department: &'s str) -> &'s str
    where
        'a: 's,
    {
        let mut current = Some(department);
        let mut steps = 0;
        while let Some(code) = current {
            if self.kinds.get(code) == Some(&DepartmentKind::Ka) {
                return code;
            }
            steps += 1;
            if steps > self.kinds.len() {
                break;
            }
            current = self.parents.get(code).copied().flatten();
        }
        department
    }

    fn within(&self, department: Option<&str>, ancestor: &str) -> bool {
        department.is_some_and(|d| self.tree.is_within(d, ancestor))
    }

    /// Is the person a manager of this asset: 責任者 of its 部, 管理者 of its 課, 管理者 of its system.
    fn manages(&self, s: &Subject, a: &AssetRef) -> bool {
        let by_department = |role: Role| {
            s.scopes(role).any(|scope| match scope {
                RoleScope::Department(code) => self.within(a.department, code),
                _ => false,
            })
        };
        let by_system = s
            .scopes(Role::SystemAdministrator)
            .any(|scope| match scope {
                RoleScope::System(code) => a.system == Some(code.as_str()),
                _ => false,
            });
        by_department(Role::SecurityOfficer)
            || by_department(Role::SecurityAdministrator)
            || by_system
    }

    pub fn visibility(&self, s: &Subject, a: &AssetRef) -> Visibility {
        if s.is_organisation_officer() || s.has(Role::Auditor) || self.manages(s, a) {
            return Visibility::Full;
        }
        let own = self.home_ka(&s.department);
        if !self.within(a.department, own) {
            return Visibility::Hidden;
        }
        if a.grade() >= 3 {
            Visibility::ExistenceOnly
        } else {
            Visibility::Full
        }
    }

    pub fn may_change(&self, s: &Subject, a: &AssetRef, _change: Change) -> bool {
        if s.is_organisation_officer() {
            return true;
        }
        if s.has(Role::Auditor) && !self.manages(s, a) {
            return false;
        }
        self.manages(s, a)
    }

    pub fn may(&self, s: &Subject, capability: Capability) -> bool {
        let officer = s.is_organisation_officer();
        match capability {
            Capability::ViewAuditLog | Capability::ViewAccounts => officer || s.has(Role::Auditor),
            Capability::ManageOrganisation | Capability::ManageSettings => officer,
            Capability::ViewOrganisation | Capability::ViewFindings => true,
            Capability::VerifyNetwork => {
                officer || s.has(Role::SecurityOfficer) || s.has(Role::SystemAdministrator)
            }
            Capability::ViewNetworkEvidence => {
                officer
                    || s.has(Role::SecurityOfficer)
                    || s.has(Role::SystemAdministrator)
                    || s.has(Role::Auditor)
            }
            Capability::ImportRegister => {
                officer
                    || s.has(Role::SecurityOfficer)
                    || s.has(Role::SecurityAdministrator)
                    || s.has(Role::SystemAdministrator)
            }
            Capability::ViewPolicy => true,
            // The roles that may draft and put a version under review (policy_doc's SECURITY_ROLES).
            Capability::ManagePolicyDocuments => {
                officer || s.has(Role::SecurityOfficer) || s.has(Role::SecurityAdministrator)
            }
            Capability::EditThreats | Capability::RecordReviews => officer,
            Capability::ManageRisks => officer || s.has(Role::SecurityOfficer),
            Capability::ViewRisks | Capability::ViewMeasureEvidence => {
                officer
                    || s.has(Role::SecurityOfficer)
                    || s.has(Role::SecurityAdministrator)
                    || s.has(Role::SystemAdministrator)
                    || s.has(Role::Auditor)
            }
            Capability::ViewReviews => {
                officer || s.has(Role::SecurityOfficer) || s.has(Role::Auditor)
            }
        }
    }

    /// Reviewers of a quarantined mail: CISO and 統括, the 情報セキュリティ責任者 of a recipient's
    /// 部 and the 情報セキュリティ管理者 of a recipient's 課. Auditors are not: a quarantined mail
    /// is someone's correspondence, and every step on it is in the audit log they do read.
    fn reviews_quarantine(&self, s: &Subject, q: &QuarantineRef) -> bool {
        if s.is_organisation_officer() {
            return true;
        }
        [Role::SecurityOfficer, Role::SecurityAdministrator]
            .into_iter()
            .flat_map(|role| s.scopes(role))
            .any(|scope| match scope {
                RoleScope::Department(code) => q
                    .recipients
                    .iter()
                    .any(|r| self.within(Some(r.department), code)),
                _ => false,
            })
    }

    fn is_recipient(s: &Subject, q: &QuarantineRef) -> bool {
        q.recipients.iter().any(|r| r.staff_id == s.staff_id)
    }

    /// See a quarantined mail in the list (sender, subject, reason, files): its recipients and
    /// its reviewers.
    pub fn may_view_quarantine(&self, s: &Subject, q: &QuarantineRef) -> bool {
        Self::is_recipient(s, q) || self.reviews_quarantine(s, q)
    }

    /// Ask for the original to be released: only a recipient, for themselves.
    pub fn may_request_release(&self, s: &Subject, q: &QuarantineRef) -> bool {
        Self::is_recipient(s, q)
    }

    /// Approve or refuse a release: a reviewer, but never for a request of their own (a 管理者
    /// who receives such a mail needs another reviewer, e.g. the 責任者 or 統括).
    pub fn may_decide_release(&self, s: &Subject, q: &QuarantineRef) -> bool {
        self.reviews_quarantine(s, q) && q.requested_by != Some(s.staff_id.as_str())
    }

    /// Whether viewing this asset's details must be written to the audit log (機密性3-class).
    pub fn view_is_audited(a: &AssetRef) -> bool {
        a.grade() >= 3
    }

    /// Multi-factor authentication is required of administrators (CISO and 統括, who hold
    /// [`Capability::ManageOrganisation`]) and of anyone who can see 機密性3 details somewhere:
    /// every 第5条 role holder who manages assets, and auditors. Everyone else sees at most that a
    /// 機密性3 asset exists (see [`Policy::visibility`]); a test checks the two rules agree.
    pub fn requires_mfa(s: &Subject) -> bool {
        s.assignments.iter().any(|a| {
            matches!(
                a.role,
                Role::Ciso
                    | Role::ChiefSecurityOfficer
                    | Role::SecurityOfficer
                    | Role::SecurityAdministrator
                    | Role::SystemAdministrator
                    | Role::Auditor
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Department;

    fn departments() -> Vec<Department> {
        let d = |code: &str, kind, parent: Option<&str>| Department {
            code: code.into(),
            name: code.into(),
            kind,
            parent: parent.map(Into::into),
        };
        vec![
            d("B1", DepartmentKind::Bu, None),
            d("K1", DepartmentKind::Ka, Some("B1")),
            d("G1", DepartmentKind::Kakari, Some("K1")),
            d("K2", DepartmentKind::Ka, Some("B1")),
            d("B2", DepartmentKind::Bu, None),
            d("K3", DepartmentKind::Ka, Some("B2")),
        ]
    }

    fn subject(department: &str, roles: &[(Role, RoleScope)]) -> Subject {
        Subject {
            staff_id: "s".into(),
            department: department.into(),
            assignments: roles
                .iter()
                .map(|(role, scope)| RoleAssignment {
                    staff: "s".into(),
                    role: *role,
                    scope: scope.clone(),
                })
                .collect(),
        }
    }

    fn asset<'a>(department: &'a str, system: Option<&'a str>, grade: Option<u8>) -> AssetRef<'a> {
        AssetRef {
            department: Some(department),
            system,
            confidentiality_grade: grade,
        }
    }

    /// (who, asset department, system, grade) → expected visibility and whether they may edit.
    #[test]
    fn decision_table() {
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let dep = |c: &str| RoleScope::Department(c.into());
        let staff_g1 = subject("G1", &[]);
        let ciso = subject("B2", &[(Role::Ciso, RoleScope::Organisation)]);
        let auditor = subject("K3", &[(Role::Auditor, RoleScope::Organisation)]);
        let officer_b1 = subject("B1", &[(Role::SecurityOfficer, dep("B1"))]);
        let admin_k1 = subject("K1", &[(Role::SecurityAdministrator, dep("K1"))]);
        let sysadmin = subject(
            "K3",
            &[(Role::SystemAdministrator, RoleScope::System("SYS".into()))],
        );
        use Visibility::*;
        let cases: Vec<(&Subject, AssetRef, Visibility, bool)> = vec![
            (&staff_g1, asset("K1", None, Some(2)), Full, false),
            (&staff_g1, asset("G1", None, Some(1)), Full, false),
            (&staff_g1, asset("K1", None, Some(3)), ExistenceOnly, false),
            (&staff_g1, asset("K1", None, None), ExistenceOnly, false),
            (&staff_g1, asset("K2", None, Some(1)), Hidden, false),
            (&ciso, asset("K1", None, Some(3)), Full, true),
            (&auditor, asset("K1", None, Some(3)), Full, false),
            (&officer_b1, asset("G1", None, Some(3)), Full, true),
            (&officer_b1, asset("K3", None, Some(1)), Hidden, false),
            (&admin_k1, asset("G1", None, Some(3)), Full, true),
            (&admin_k1, asset("K2", None, Some(1)), Hidden, false),
            (&sysadmin, asset("K1", Some("SYS"), Some(3)), Full, true),
            (
                &sysadmin,
                asset("K1", Some("OTHER"), Some(1)),
                Hidden,
                false,
            ),
            (&sysadmin, asset("K3", None, Some(3)), ExistenceOnly, false),
        ];
        for (i, (s, a, vis, edit)) in cases.iter().enumerate() {
            assert_eq!(p.visibility(s, a), *vis, "case {i}: visibility");
            assert_eq!(p.may_change(s, a, Change::Edit), *edit, "case {i}: edit");
        }
        assert!(p.may(&auditor, Capability::ViewAuditLog));
        assert!(!p.may(&auditor, Capability::ManageSettings));
        assert!(!p.may(&staff_g1, Capability::ViewAuditLog));
        assert!(
            p.may(&auditor, Capability::ViewAccounts) && p.may(&ciso, Capability::ViewAccounts)
        );
        assert!(
            !p.may(&staff_g1, Capability::ViewAccounts)
                && !p.may(&admin_k1, Capability::ViewAccounts)
        );
        assert!(!p.may(&staff_g1, Capability::ImportRegister));
        assert!(p.may(&admin_k1, Capability::ImportRegister));
        assert!(p.may(&ciso, Capability::ManageOrganisation));
        assert!(
            p.may(&sysadmin, Capability::VerifyNetwork)
                && !p.may(&staff_g1, Capability::VerifyNetwork)
        );
        assert!(
            p.may(&auditor, Capability::ViewNetworkEvidence)
                && !p.may(&auditor, Capability::VerifyNetwork)
        );
        assert!(Policy::requires_mfa(&admin_k1) && !Policy::requires_mfa(&staff_g1));
    }

    /// `requires_mfa` is exactly "may manage the organisation, or sees the details of some
    /// 機密性3 asset", checked over every role and a 機密性3 asset in every department and system.
    #[test]
    fn mfa_is_required_of_administrators_and_whoever_sees_confidentiality_3() {
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let systems = ["SYS", "OTHER"];
        let mut secrets: Vec<AssetRef> = Vec::new();
        for d in &ds {
            secrets.push(asset(&d.code, None, Some(3)));
            for sys in systems {
                secrets.push(asset(&d.code, Some(sys), Some(3)));
            }
        }
        let mut people = vec![subject("G1", &[]), subject("K3", &[])];
        for role in Role::ALL {
            // Each role with the kind of scope 第5条 appoints it to.
            let scopes = match role {
                Role::SecurityOfficer | Role::SecurityAdministrator => vec![
                    RoleScope::Department("K1".into()),
                    RoleScope::Department("B2".into()),
                ],
                Role::SystemAdministrator | Role::SystemOperator => {
                    vec![RoleScope::System("SYS".into())]
                }
                _ => vec![RoleScope::Organisation],
            };
            for scope in scopes {
                people.push(subject("G1", &[(role, scope)]));
            }
        }
        for s in &people {
            let sees_secret = secrets
                .iter()
                .any(|a| p.visibility(s, a) == Visibility::Full);
            let admin = p.may(s, Capability::ManageOrganisation);
            assert_eq!(
                Policy::requires_mfa(s),
                sees_secret || admin,
                "{:?}",
                s.assignments
            );
        }
    }

    #[test]
    fn quarantine_release_rights() {
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let dep = |c: &str| RoleScope::Department(c.into());
        let mut staff_g1 = subject("G1", &[]);
        staff_g1.staff_id = "R-G1".into();
        let mut other = subject("G1", &[]);
        other.staff_id = "O-G1".into();
        let mut admin_k1 = subject("K1", &[(Role::SecurityAdministrator, dep("K1"))]);
        admin_k1.staff_id = "A-K1".into();
        let mut admin_k2 = subject("K2", &[(Role::SecurityAdministrator, dep("K2"))]);
        admin_k2.staff_id = "A-K2".into();
        let mut officer_b1 = subject("B1", &[(Role::SecurityOfficer, dep("B1"))]);
        officer_b1.staff_id = "O-B1".into();
        let mut officer_b2 = subject("B2", &[(Role::SecurityOfficer, dep("B2"))]);
        officer_b2.staff_id = "O-B2".into();
        let mut chief = subject(
            "B2",
            &[(Role::ChiefSecurityOfficer, RoleScope::Organisation)],
        );
        chief.staff_id = "CHIEF".into();
        let mut auditor = subject("K3", &[(Role::Auditor, RoleScope::Organisation)]);
        auditor.staff_id = "AUD".into();

        let to_g1 = [QuarantineRecipient {
            staff_id: "R-G1",
            department: "G1",
        }];
        let q = QuarantineRef {
            recipients: &to_g1,
            requested_by: Some("R-G1"),
        };
        // (who, view, request, decide)
        let cases = [
            (&staff_g1, true, true, false),
            (&other, false, false, false),
            (&admin_k1, true, false, true),
            (&admin_k2, false, false, false),
            (&officer_b1, true, false, true),
            (&officer_b2, false, false, false),
            (&chief, true, false, true),
            (&auditor, false, false, false),
        ];
        for (s, view, request, decide) in cases {
            assert_eq!(p.may_view_quarantine(s, &q), view, "{} view", s.staff_id);
            assert_eq!(
                p.may_request_release(s, &q),
                request,
                "{} request",
                s.staff_id
            );
            assert_eq!(p.may_decide_release(s, &q), decide, "{} decide", s.staff_id);
        }
        // A 管理者 who is the recipient and asked for it cannot approve it; the 責任者 can.
        let to_admin = [QuarantineRecipient {
            staff_id: "A-K1",
            department: "K1",
        }];
        let own = QuarantineRef {
            recipients: &to_admin,
            requested_by: Some("A-K1"),
        };
        assert!(p.may_request_release(&admin_k1, &own));
        assert!(!p.may_decide_release(&admin_k1, &own));
        assert!(p.may_decide_release(&officer_b1, &own));
        // A mail to nobody on the staff: only the organisation officers see it.
        let nobody = QuarantineRef {
            recipients: &[],
            requested_by: None,
        };
        assert!(p.may_view_quarantine(&chief, &nobody));
        assert!(!p.may_view_quarantine(&admin_k1, &nobody));
    }

    /// 第10条第2項: 実施手順 only for the roles allowed; the public tiers for everyone.
    #[test]
    fn procedures_are_read_only_by_the_allowed_roles() {
        use crate::policy_doc::DocumentTier;
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let staff = subject("G1", &[]);
        let committee = subject("K1", &[(Role::CommitteeMember, RoleScope::Organisation)]);
        let admin = subject(
            "K1",
            &[(
                Role::SecurityAdministrator,
                RoleScope::Department("K1".into()),
            )],
        );
        let auditor = subject("K3", &[(Role::Auditor, RoleScope::Organisation)]);
        for tier in [DocumentTier::Regulation, DocumentTier::Standards] {
            assert!(p.may_read_policy_tier(&staff, tier));
        }
        assert!(!p.may_read_policy_tier(&staff, DocumentTier::Procedures));
        assert!(!p.may_read_policy_tier(&committee, DocumentTier::Procedures));
        assert!(p.may_read_policy_tier(&admin, DocumentTier::Procedures));
        assert!(p.may_read_policy_tier(&auditor, DocumentTier::Procedures));
        // The organisation may narrow the readers.
        let narrow = Policy::new(&tree, &ds).with_procedure_readers(&[Role::Ciso, Role::Auditor]);
        assert!(!narrow.may_read_policy_tier(&admin, DocumentTier::Procedures));
        assert!(narrow.may_read_policy_tier(&auditor, DocumentTier::Procedures));
    }

    #[test]
    fn policy_threat_risk_and_review_capabilities() {
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let dep = |c: &str| RoleScope::Department(c.into());
        let staff = subject("G1", &[]);
        let tokatsu = subject(
            "B1",
            &[(Role::ChiefSecurityOfficer, RoleScope::Organisation)],
        );
        let officer = subject("B1", &[(Role::SecurityOfficer, dep("B1"))]);
        let admin = subject("K1", &[(Role::SecurityAdministrator, dep("K1"))]);
        let auditor = subject("K3", &[(Role::Auditor, RoleScope::Organisation)]);
        use Capability::*;
        // (capability, staff, 統括, 責任者, 管理者, 監査)
        let table = [
            (ViewPolicy, [true, true, true, true, true]),
            (ManagePolicyDocuments, [false, true, true, true, false]),
            (EditThreats, [false, true, false, false, false]),
            (ViewRisks, [false, true, true, true, true]),
            (ManageRisks, [false, true, true, false, false]),
            (ViewMeasureEvidence, [false, true, true, true, true]),
            (ViewReviews, [false, true, true, false, true]),
            (RecordReviews, [false, true, false, false, false]),
        ];
        for (cap, expected) in table {
            let got = [&staff, &tokatsu, &officer, &admin, &auditor].map(|s| p.may(s, cap));
            assert_eq!(got, expected, "{cap:?}");
        }
    }

    #[test]
    fn measure_status_is_recorded_where_the_person_is_appointed() {
        use crate::measures::StatusScope;
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        let dep = |c: &str| RoleScope::Department(c.into());
        let staff = subject("G1", &[]);
        let officer_b1 = subject("B1", &[(Role::SecurityOfficer, dep("B1"))]);
        let admin_k1 = subject("K1", &[(Role::SecurityAdministrator, dep("K1"))]);
        let sysadmin = subject(
            "K3",
            &[(Role::SystemAdministrator, RoleScope::System("SYS".into()))],
        );
        let ciso = subject("B2", &[(Role::Ciso, RoleScope::Organisation)]);
        let d = |c: &str| StatusScope::Department(c.into());
        let sys = StatusScope::System("SYS".into());
        assert!(!p.may_record_measure(&staff, &d("G1")));
        assert!(p.may_record_measure(&officer_b1, &d("G1")));
        assert!(!p.may_record_measure(&officer_b1, &d("K3")));
        assert!(p.may_record_measure(&admin_k1, &d("K1")));
        assert!(!p.may_record_measure(&admin_k1, &d("K2")));
        assert!(p.may_record_measure(&sysadmin, &sys));
        assert!(!p.may_record_measure(&sysadmin, &StatusScope::System("OTHER".into())));
        assert!(!p.may_record_measure(&sysadmin, &d("K3")));
        assert!(p.may_record_measure(&ciso, &sys) && p.may_record_measure(&ciso, &d("K3")));
    }

    #[test]
    fn home_ka_of_kakari_is_its_ka() {
        let ds = departments();
        let tree = DepartmentTree::new(&ds);
        let p = Policy::new(&tree, &ds);
        assert_eq!(p.home_ka("G1"), "K1");
        assert_eq!(p.home_ka("K2"), "K2");
        assert_eq!(p.home_ka("B1"), "B1");
        assert_eq!(p.home_ka("ZZ"), "ZZ");
    }
}
