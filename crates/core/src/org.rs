//! The organisation of 第5条: departments, staff, information systems, and the roles that are also
//! mamori's permissions.

use crate::citation::Citation;
use crate::lang::Lang;
use crate::zone::Zone;
use serde::{Deserialize, Serialize};

/// A level of the department tree. Municipalities name them 部・課・係 (some 室・所・局); the tree has
/// any depth, and the kind tells which 第5条 role fits where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepartmentKind {
    /// 部 (or 局): 情報セキュリティ責任者 are appointed per 部.
    Bu,
    /// 課 (or 室・所): 情報セキュリティ管理者 are appointed per 課.
    Ka,
    /// 係 (or 班・グループ)
    Kakari,
}

impl DepartmentKind {
    pub fn id(self) -> &'static str {
        match self {
            DepartmentKind::Bu => "bu",
            DepartmentKind::Ka => "ka",
            DepartmentKind::Kakari => "kakari",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "bu" | "部" | "局" => Some(DepartmentKind::Bu),
            "ka" | "課" | "室" | "所" => Some(DepartmentKind::Ka),
            "kakari" | "係" | "班" | "グループ" => Some(DepartmentKind::Kakari),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DepartmentKind::Bu => lang.pick("部", "department"),
            DepartmentKind::Ka => lang.pick("課", "division"),
            DepartmentKind::Kakari => lang.pick("係", "section"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// The organisation's own code (e.g. 所属コード); stable across renames.
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// 職員番号
    pub id: String,
    pub name: String,
    pub department: String,
    pub email: Option<String>,
    pub active: bool,
}

/// 情報システム (第2条第2号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationSystem {
    pub code: String,
    pub name: String,
    pub zone: Zone,
    /// The department that owns (所管する) the system.
    pub department: String,
}

/// The roles of 第5条, plus the auditors of 第7条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// 最高情報セキュリティ責任者 (CISO) — 第5条第1号
    Ciso,
    /// 統括情報セキュリティ責任者 — 第5条第2号
    ChiefSecurityOfficer,
    /// 情報セキュリティ責任者 (per 部) — 第5条第3号
    SecurityOfficer,
    /// 情報セキュリティ管理者 (per 課) — 第5条第4号
    SecurityAdministrator,
    /// 情報システム管理者 (per information system) — 第5条第5号
    SystemAdministrator,
    /// 情報システム担当者 (per information system) — 第5条第6号
    SystemOperator,
    /// 情報セキュリティ対策委員会 委員 — 第5条第7号
    CommitteeMember,
    /// CSIRT 要員 (緊急時対応, 第6条第6号)
    CsirtMember,
    /// 情報セキュリティ監査 担当 (第7条)
    Auditor,
}

/// What a role is appointed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Organisation,
    Department(DepartmentKind),
    System,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Ciso,
        Role::ChiefSecurityOfficer,
        Role::SecurityOfficer,
        Role::SecurityAdministrator,
        Role::SystemAdministrator,
        Role::SystemOperator,
        Role::CommitteeMember,
        Role::CsirtMember,
        Role::Auditor,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::Ciso => "ciso",
            Role::ChiefSecurityOfficer => "chief-security-officer",
            Role::SecurityOfficer => "security-officer",
            Role::SecurityAdministrator => "security-administrator",
            Role::SystemAdministrator => "system-administrator",
            Role::SystemOperator => "system-operator",
            Role::CommitteeMember => "committee-member",
            Role::CsirtMember => "csirt-member",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        let t = text.trim();
        Role::ALL.into_iter().find(|r| {
            r.id() == t || r.label(Lang::Ja) == t || r.label(Lang::En).eq_ignore_ascii_case(t)
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Ciso => lang.pick(
                "最高情報セキュリティ責任者",
                "Chief Information Security Officer",
            ),
            Role::ChiefSecurityOfficer => {
                lang.pick("統括情報セキュリティ責任者", "Chief Security Coordinator")
            }
            Role::SecurityOfficer => {
                lang.pick("情報セキュリティ責任者", "Information Security Officer")
            }
            Role::SecurityAdministrator => lang.pick(
                "情報セキュリティ管理者",
                "Information Security Administrator",
            ),
            Role::SystemAdministrator => {
                lang.pick("情報システム管理者", "Information System Administrator")
            }
            Role::SystemOperator => lang.pick("情報システム担当者", "Information System Operator"),
            Role::CommitteeMember => lang.pick(
                "情報セキュリティ対策委員会委員",
                "Security Committee Member",
            ),
            Role::CsirtMember => lang.pick("CSIRT要員", "CSIRT Member"),
            Role::Auditor => lang.pick("情報セキュリティ監査担当", "Information Security Auditor"),
        }
    }

    /// The provision that establishes the role.
    pub fn citation(self) -> Citation {
        match self {
            Role::Ciso => Citation::item(5, 1),
            Role::ChiefSecurityOfficer => Citation::item(5, 2),
            Role::SecurityOfficer => Citation::item(5, 3),
            Role::SecurityAdministrator => Citation::item(5, 4),
            Role::SystemAdministrator => Citation::item(5, 5),
            Role::SystemOperator => Citation::item(5, 6),
            Role::CommitteeMember => Citation::item(5, 7),
            Role::CsirtMember => Citation::item(6, 6),
            Role::Auditor => Citation::article(7),
        }
    }

    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::SecurityOfficer => ScopeKind::Department(DepartmentKind::Bu),
            Role::SecurityAdministrator => ScopeKind::Department(DepartmentKind::Ka),
            Role::SystemAdministrator | Role::SystemOperator => ScopeKind::System,
            Role::Ciso
            | Role::ChiefSecurityOfficer
            | Role::CommitteeMember
            | Role::CsirtMember
            | Role::Auditor => ScopeKind::Organisation,
        }
    }
}

/// Where an appointment applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "lowercase")]
pub enum RoleScope {
    Organisation,
    Department(String),
    System(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub staff: String,
    pub role: Role,
    pub scope: RoleScope,
}

/// Why an appointment does not fit 第5条.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("role {role:?} needs a {expected} scope")]
    WrongScope { role: Role, expected: &'static str },
    #[error(
        "role {role:?} is appointed per {expected:?}, but department {department} is a {actual:?}"
    )]
    WrongDepartmentKind {
        role: Role,
        department: String,
        expected: DepartmentKind,
        actual: DepartmentKind,
    },
    #[error("unknown department {0}")]
    UnknownDepartment(String),
}

impl AssignmentError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AssignmentError::WrongScope { role, expected }, Lang::Ja) => {
                let what = match *expected {
                    "department" => "所属（部・課）",
                    "system" => "情報システム",
                    _ => "組織全体",
                };
                format!(
                    "{}は{}を指定して任命してください。",
                    role.label(Lang::Ja),
                    what
                )
            }
            (AssignmentError::WrongScope { role, expected }, Lang::En) => {
                format!(
                    "{} must be appointed for a {expected}.",
                    role.label(Lang::En)
                )
            }
            (
                AssignmentError::WrongDepartmentKind {
                    role,
                    department,
                    expected,
                    actual,
                },
                Lang::Ja,
            ) => format!(
                "{}は{}ごとに置く役割ですが、{}は{}です。",
                role.label(Lang::Ja),
                expected.label(Lang::Ja),
                department,
                actual.label(Lang::Ja)
            ),
            (
                AssignmentError::WrongDepartmentKind {
                    role,
                    department,
                    expected,
                    actual,
                },
                Lang::En,
            ) => format!(
                "{} is appointed per {}, but {department} is a {}.",
                role.label(Lang::En),
                expected.label(Lang::En),
                actual.label(Lang::En)
            ),
            (AssignmentError::UnknownDepartment(code), Lang::Ja) => {
                format!("所属コード「{code}」は登録されていません。")
            }
            (AssignmentError::UnknownDepartment(code), Lang::En) => {
                format!("Department code \"{code}\" is not registered.")
            }
        }
    }
}

impl RoleAssignment {
    /// Check the appointment against 第5条: 責任者 per 部, 管理者 per 課, system roles per system.
    pub fn validate(
        &self,
        department_kind: impl Fn(&str) -> Option<DepartmentKind>,
    ) -> Result<(), AssignmentError> {
        match (self.role.scope_kind(), &self.scope) {
            (ScopeKind::Organisation, RoleScope::Organisation)
            | (ScopeKind::System, RoleScope::System(_)) => Ok(()),
            (ScopeKind::Department(expected), RoleScope::Department(code)) => {
                let actual = department_kind(code)
                    .ok_or_else(|| AssignmentError::UnknownDepartment(code.clone()))?;
                if actual == expected {
                    Ok(())
                } else {
                    Err(AssignmentError::WrongDepartmentKind {
                        role: self.role,
                        department: code.clone(),
                        expected,
                        actual,
                    })
                }
            }
            (kind, _) => Err(AssignmentError::WrongScope {
                role: self.role,
                expected: match kind {
                    ScopeKind::Organisation => "organisation",
                    ScopeKind::Department(_) => "department",
                    ScopeKind::System => "system",
                },
            }),
        }
    }
}

/// The department tree, for questions such as "is 課 X under 部 Y".
#[derive(Debug, Clone, Default)]
pub struct DepartmentTree {
    parents: std::collections::HashMap<String, Option<String>>,
}

impl DepartmentTree {
    pub fn new<'a>(departments: impl IntoIterator<Item = &'a Department>) -> Self {
        DepartmentTree {
            parents: departments
                .into_iter()
                .map(|d| (d.code.clone(), d.parent.clone()))
                .collect(),
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.parents.contains_key(code)
    }

    /// True when `code` is `ancestor` or lies below it. Cycles (bad data) end the walk.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        let mut current = Some(code.to_string());
        let mut steps = 0;
        while let Some(c) = current {
            if c == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.parents.len() {
                return false;
            }
            current = self.parents.get(&c).cloned().flatten();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dept(code: &str, kind: DepartmentKind, parent: Option<&str>) -> Department {
        Department {
            code: code.into(),
            name: code.into(),
            kind,
            parent: parent.map(Into::into),
        }
    }

    #[test]
    fn tree_answers_ancestry_at_any_depth() {
        let ds = [
            dept("10", DepartmentKind::Bu, None),
            dept("11", DepartmentKind::Ka, Some("10")),
            dept("111", DepartmentKind::Kakari, Some("11")),
            dept("20", DepartmentKind::Bu, None),
        ];
        let tree = DepartmentTree::new(&ds);
        assert!(tree.is_within("111", "10"));
        assert!(tree.is_within("11", "11"));
        assert!(!tree.is_within("111", "20"));
        assert!(!tree.is_within("10", "11"));
    }

    #[test]
    fn tree_survives_cycles() {
        let ds = [
            dept("a", DepartmentKind::Ka, Some("b")),
            dept("b", DepartmentKind::Ka, Some("a")),
        ];
        let tree = DepartmentTree::new(&ds);
        assert!(!tree.is_within("a", "z"));
    }

    #[test]
    fn appointments_follow_article_5() {
        let kind = |c: &str| match c {
            "10" => Some(DepartmentKind::Bu),
            "11" => Some(DepartmentKind::Ka),
            _ => None,
        };
        let ok = RoleAssignment {
            staff: "s".into(),
            role: Role::SecurityOfficer,
            scope: RoleScope::Department("10".into()),
        };
        assert_eq!(ok.validate(kind), Ok(()));
        let wrong_kind = RoleAssignment {
            role: Role::SecurityAdministrator,
            ..ok.clone()
        };
        assert!(matches!(
            wrong_kind.validate(kind),
            Err(AssignmentError::WrongDepartmentKind { .. })
        ));
        let wrong_scope = RoleAssignment {
            role: Role::Ciso,
            ..ok.clone()
        };
        assert!(matches!(
            wrong_scope.validate(kind),
            Err(AssignmentError::WrongScope { .. })
        ));
        let unknown = RoleAssignment {
            scope: RoleScope::Department("99".into()),
            ..ok
        };
        assert_eq!(
            unknown.validate(kind),
            Err(AssignmentError::UnknownDepartment("99".into()))
        );
    }

    #[test]
    fn roles_parse_from_ids_and_labels() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.id()), Some(r));
            assert_eq!(Role::parse(r.label(Lang::Ja)), Some(r));
        }
        assert_eq!(Role::parse("市長"), None);
    }
}
