//! Implementation status of 第6条's measures, per department or information system.

use crate::audit::AuditRecord;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use mamori_core::measures::{ImplementationStatus, StatusRecord, StatusScope};
use sqlx::Row;

fn status_id(s: ImplementationStatus) -> &'static str {
    match s {
        ImplementationStatus::Implemented => "implemented",
        ImplementationStatus::Partial => "partial",
        ImplementationStatus::NotImplemented => "not-implemented",
        ImplementationStatus::NotApplicable => "not-applicable",
    }
}

fn scope_columns(scope: &StatusScope) -> (&'static str, &str) {
    match scope {
        StatusScope::Department(c) => ("department", c),
        StatusScope::System(c) => ("system", c),
    }
}

impl Store {
    /// Record (or replace) the status of a measure for one department or system. The scope must
    /// exist; 対象外 needs a justification.
    pub async fn set_measure_status(
        &self,
        record: &StatusRecord,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        self.set_measure_status_with_evidence(record, None, actor, at)
            .await
    }

    /// The same, keeping an evidence file (name, content type, bytes) in the same transaction.
    pub async fn set_measure_status_with_evidence(
        &self,
        record: &StatusRecord,
        file: Option<(&str, &str, &[u8])>,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        if record.status == ImplementationStatus::NotApplicable
            && record.justification.trim().is_empty()
        {
            return Err(StoreError::Invalid(
                "「対象外」とする理由（--justification）を記録してください。".into(),
            ));
        }
        let (mut tx, head) = self.begin_audited().await?;
        let (kind, code) = scope_columns(&record.scope);
        let table = if kind == "department" {
            "departments"
        } else {
            "information_systems"
        };
        let exists = sqlx::query(&format!("SELECT 1 FROM {table} WHERE code = $1"))
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Err(StoreError::NotFound {
                entity: if kind == "department" {
                    "所属"
                } else {
                    "情報システム"
                },
                id: code.to_string(),
            });
        }
        let before = sqlx::query("SELECT status FROM measure_status WHERE measure = $1 AND scope_kind = $2 AND scope_code = $3")
            .bind(&record.measure)
            .bind(kind)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?;
        sqlx::query(
            "INSERT INTO measure_status (measure, scope_kind, scope_code, status, evidence, assessed_on, justification) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (measure, scope_kind, scope_code) DO UPDATE SET \
             status = excluded.status, evidence = excluded.evidence, assessed_on = excluded.assessed_on, justification = excluded.justification",
        )
        .bind(&record.measure)
        .bind(kind)
        .bind(code)
        .bind(status_id(record.status))
        .bind(record.evidence.join("\n"))
        .bind(record.assessed_on.format("%Y-%m-%d").to_string())
        .bind(&record.justification)
        .execute(&mut *tx)
        .await?;
        let mut records = vec![AuditRecord {
            action: if before.is_some() { "update" } else { "create" },
            entity: "measure_status",
            entity_id: format!("{}:{kind}:{code}", record.measure),
            before: before.map(|s| format!("{{\"status\":\"{s}\"}}")),
            after: serde_json::to_string(record).ok(),
        }];
        if let Some((name, content_type, bytes)) = file {
            records.push(
                crate::measure_files::insert_evidence(
                    &mut tx,
                    &record.measure,
                    &record.scope,
                    name,
                    content_type,
                    bytes,
                    actor,
                    at,
                )
                .await?,
            );
        }
        head.commit(tx, at, actor, records).await?;
        Ok(())
    }

    pub async fn measure_status(&self) -> Result<Vec<StatusRecord>> {
        let rows = sqlx::query("SELECT measure, scope_kind, scope_code, status, evidence, assessed_on, justification FROM measure_status ORDER BY measure, scope_kind, scope_code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(1)?;
                let code: String = r.try_get(2)?;
                let status: String = r.try_get(3)?;
                let evidence: String = r.try_get(4)?;
                let on: String = r.try_get(5)?;
                Ok(StatusRecord {
                    measure: r.try_get(0)?,
                    scope: if kind == "system" {
                        StatusScope::System(code)
                    } else {
                        StatusScope::Department(code)
                    },
                    status: [
                        ImplementationStatus::Implemented,
                        ImplementationStatus::Partial,
                        ImplementationStatus::NotImplemented,
                        ImplementationStatus::NotApplicable,
                    ]
                    .into_iter()
                    .find(|s| status_id(*s) == status)
                    .ok_or_else(|| StoreError::Corrupt(format!("measure status {status}")))?,
                    evidence: evidence
                        .lines()
                        .filter(|l| !l.is_empty())
                        .map(String::from)
                        .collect(),
                    assessed_on: NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("date {on}")))?,
                    justification: r.try_get(6)?,
                })
            })
            .collect()
    }
}
