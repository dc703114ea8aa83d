//! The organisation: its settings, departments, staff, information systems and 第5条 appointments.

use crate::audit::AuditRecord;
use crate::sql::{get_bool, insert_batches};
use crate::{Result, Store, StoreError};
use mamori_core::org::{DepartmentTree, RoleAssignment, RoleScope};
use mamori_core::{
    Department, DepartmentKind, InformationSystem, ModelVariant, Role, Scheme, Staff, Zone,
};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub name: String,
    pub scheme: Scheme,
    pub model_variant: ModelVariant,
    pub created_at: String,
}

/// What the settings page may change.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub name: String,
    pub model_variant: ModelVariant,
    pub scheme: Scheme,
}

/// A batch of organisation data to add in one transaction.
#[derive(Debug, Clone, Default)]
pub struct OrgData {
    pub departments: Vec<Department>,
    pub staff: Vec<Staff>,
    pub systems: Vec<InformationSystem>,
    pub assignments: Vec<RoleAssignment>,
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Create the organisation record. Fails if the database already holds one.
    pub async fn init_organisation(
        &self,
        name: &str,
        scheme: &Scheme,
        variant: ModelVariant,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        if let Some(row) = sqlx::query("SELECT name FROM organisation")
            .fetch_optional(&mut *tx)
            .await?
        {
            return Err(StoreError::AlreadyInitialised(row.try_get(0)?));
        }
        let scheme_json = json(scheme)?;
        sqlx::query(
            "INSERT INTO organisation (id, name, scheme_id, scheme_json, model_variant, created_at) VALUES (1, $1, $2, $3, $4, $5)",
        )
        .bind(name)
        .bind(&scheme.id)
        .bind(&scheme_json)
        .bind(variant.id())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let after = json(&serde_json::json!({
            "name": name, "scheme": scheme.id, "model_variant": variant.id()
        }))?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "create",
                entity: "organisation",
                entity_id: "1".into(),
                before: None,
                after: Some(after),
            }],
        )
        .await?;
        Ok(())
    }

    pub async fn organisation(&self) -> Result<Organisation> {
        let row =
            sqlx::query("SELECT name, scheme_json, model_variant, created_at FROM organisation")
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotInitialised)?;
        let scheme_json: String = row.try_get(1)?;
        let variant: String = row.try_get(2)?;
        Ok(Organisation {
            name: row.try_get(0)?,
            scheme: serde_json::from_str(&scheme_json)
                .map_err(|e| StoreError::Corrupt(format!("classification scheme: {e}")))?,
            model_variant: ModelVariant::parse(&variant)
                .ok_or_else(|| StoreError::Corrupt(format!("model variant {variant}")))?,
            created_at: row.try_get(3)?,
        })
    }

    /// Replace the scheme's texts (labels, definitions, handling). Levels themselves cannot change.
    pub async fn update_scheme(&self, edited: &Scheme, actor: &str, at: &str) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query("SELECT scheme_json FROM organisation")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotInitialised)?;
        let before: String = row.try_get(0)?;
        let current: Scheme = serde_json::from_str(&before)
            .map_err(|e| StoreError::Corrupt(format!("classification scheme: {e}")))?;
        current
            .check_text_only_edit(edited)
            .map_err(|e| StoreError::Invalid(e.message(mamori_core::Lang::Ja)))?;
        let after = json(edited)?;
        if after == before {
            return Ok(());
        }
        sqlx::query("UPDATE organisation SET scheme_json = $1 WHERE id = 1")
            .bind(&after)
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "update",
                entity: "classification_scheme",
                entity_id: edited.id.clone(),
                before: Some(before),
                after: Some(after),
            }],
        )
        .await?;
        Ok(())
    }

    /// Change the organisation's name, model variant and scheme texts together, all or nothing.
    /// The scheme's levels, their order and grades are locked (`check_text_only_edit`). One audit
    /// entry per part that changed; returns whether anything did.
    pub async fn update_settings(
        &self,
        settings: &Settings,
        actor: &str,
        at: &str,
    ) -> Result<bool> {
        let name = settings.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("団体名が空です。".into()));
        }
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query("SELECT name, scheme_json, model_variant FROM organisation")
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotInitialised)?;
        let (old_name, old_scheme_json, old_variant): (String, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let current: Scheme = serde_json::from_str(&old_scheme_json)
            .map_err(|e| StoreError::Corrupt(format!("classification scheme: {e}")))?;
        current
            .check_text_only_edit(&settings.scheme)
            .map_err(|e| StoreError::Invalid(e.message(mamori_core::Lang::Ja)))?;
        let new_scheme_json = json(&settings.scheme)?;
        let mut records = Vec::new();
        if name != old_name || settings.model_variant.id() != old_variant {
            records.push(AuditRecord {
                action: "update",
                entity: "organisation",
                entity_id: "1".into(),
                before: Some(json(&serde_json::json!({
                    "name": old_name, "model_variant": old_variant
                }))?),
                after: Some(json(&serde_json::json!({
                    "name": name, "model_variant": settings.model_variant.id()
                }))?),
            });
        }
        if new_scheme_json != old_scheme_json {
            records.push(AuditRecord {
                action: "update",
                entity: "classification_scheme",
                entity_id: settings.scheme.id.clone(),
                before: Some(old_scheme_json),
                after: Some(new_scheme_json.clone()),
            });
        }
        if records.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE organisation SET name = $1, model_variant = $2, scheme_json = $3 WHERE id = 1",
        )
        .bind(name)
        .bind(settings.model_variant.id())
        .bind(&new_scheme_json)
        .execute(&mut *tx)
        .await?;
        head.commit(tx, at, actor, records).await?;
        Ok(true)
    }

    /// Add departments, staff, systems and appointments, each with an audit entry. All or nothing.
    pub async fn add_org_data(&self, data: &OrgData, actor: &str, at: &str) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        // Parents must exist before children: insert the tree top-down.
        let mut existing = self.departments_in(&mut tx).await?;
        existing.extend(data.departments.iter().cloned());
        let tree = DepartmentTree::new(&existing);
        let kind_of = |code: &str| existing.iter().find(|d| d.code == code).map(|d| d.kind);
        for a in &data.assignments {
            a.validate(kind_of)
                .map_err(|e| StoreError::Invalid(e.message(mamori_core::Lang::Ja)))?;
        }
        let mut ordered: Vec<&Department> = data.departments.iter().collect();
        ordered.sort_by_key(|d| depth(&tree, &existing, &d.code));
        let conn = &mut *tx;
        insert_batches(
            conn,
            self.backend,
            "departments (code, name, kind, parent)",
            4,
            &ordered,
            |q, d| {
                q.bind(&d.code)
                    .bind(&d.name)
                    .bind(d.kind.id())
                    .bind(d.parent.as_deref())
            },
        )
        .await?;
        insert_batches(
            conn,
            self.backend,
            "staff (id, name, department, email, active)",
            5,
            &data.staff,
            |q, s| {
                q.bind(&s.id)
                    .bind(&s.name)
                    .bind(&s.department)
                    .bind(s.email.as_deref())
                    .bind(s.active)
            },
        )
        .await?;
        insert_batches(
            conn,
            self.backend,
            "information_systems (code, name, zone, department)",
            4,
            &data.systems,
            |q, s| {
                q.bind(&s.code)
                    .bind(&s.name)
                    .bind(s.zone.id())
                    .bind(&s.department)
            },
        )
        .await?;
        insert_batches(
            conn,
            self.backend,
            "role_assignments (staff, role, scope_kind, scope_code)",
            4,
            &data.assignments,
            |q, a| {
                let (kind, code) = scope_columns(&a.scope);
                q.bind(&a.staff).bind(a.role.id()).bind(kind).bind(code)
            },
        )
        .await?;
        let mut records = Vec::new();
        for d in &ordered {
            records.push(record("department", &d.code, json(d)?));
        }
        for s in &data.staff {
            records.push(record("staff", &s.id, json(s)?));
        }
        for s in &data.systems {
            records.push(record("information_system", &s.code, json(s)?));
        }
        for a in &data.assignments {
            let (kind, code) = scope_columns(&a.scope);
            records.push(record(
                "role_assignment",
                &format!("{}:{}:{kind}:{code}", a.staff, a.role.id()),
                json(a)?,
            ));
        }
        head.commit(tx, at, actor, records).await?;
        Ok(())
    }

    async fn departments_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<Vec<Department>> {
        let rows = sqlx::query("SELECT code, name, kind, parent FROM departments ORDER BY code")
            .fetch_all(&mut **tx)
            .await?;
        rows.iter().map(department_from_row).collect()
    }

    pub async fn departments(&self) -> Result<Vec<Department>> {
        let rows = sqlx::query("SELECT code, name, kind, parent FROM departments ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(department_from_row).collect()
    }

    pub async fn staff(&self) -> Result<Vec<Staff>> {
        let rows = sqlx::query("SELECT id, name, department, email, active FROM staff ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Staff {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    department: r.try_get(2)?,
                    email: r.try_get(3)?,
                    active: get_bool(r, "active")?,
                })
            })
            .collect()
    }

    pub async fn systems(&self) -> Result<Vec<InformationSystem>> {
        let rows = sqlx::query(
            "SELECT code, name, zone, department FROM information_systems ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let zone: String = r.try_get(2)?;
                Ok(InformationSystem {
                    code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    zone: Zone::parse(&zone)
                        .ok_or_else(|| StoreError::Corrupt(format!("zone {zone}")))?,
                    department: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn role_assignments(&self) -> Result<Vec<RoleAssignment>> {
        let rows = sqlx::query(
            "SELECT staff, role, scope_kind, scope_code FROM role_assignments ORDER BY staff, role",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(1)?;
                let kind: String = r.try_get(2)?;
                let code: String = r.try_get(3)?;
                Ok(RoleAssignment {
                    staff: r.try_get(0)?,
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
                    scope: match kind.as_str() {
                        "department" => RoleScope::Department(code),
                        "system" => RoleScope::System(code),
                        _ => RoleScope::Organisation,
                    },
                })
            })
            .collect()
    }
}

fn record(entity: &'static str, id: &str, after: String) -> AuditRecord {
    AuditRecord {
        action: "create",
        entity,
        entity_id: id.to_string(),
        before: None,
        after: Some(after),
    }
}

fn scope_columns(scope: &RoleScope) -> (&'static str, &str) {
    match scope {
        RoleScope::Organisation => ("organisation", ""),
        RoleScope::Department(c) => ("department", c),
        RoleScope::System(c) => ("system", c),
    }
}

fn depth(tree: &DepartmentTree, all: &[Department], code: &str) -> usize {
    let mut d = 0;
    let mut current = all
        .iter()
        .find(|x| x.code == code)
        .and_then(|x| x.parent.clone());
    while let Some(p) = current {
        d += 1;
        if d > all.len() || !tree.contains(&p) {
            break;
        }
        current = all
            .iter()
            .find(|x| x.code == p)
            .and_then(|x| x.parent.clone());
    }
    d
}

fn department_from_row(r: &sqlx::any::AnyRow) -> Result<Department> {
    let kind: String = r.try_get(2)?;
    Ok(Department {
        code: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: DepartmentKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("department kind {kind}")))?,
        parent: r.try_get(3)?,
    })
}
