//! Evidence files of measure statuses (第6条), kept in the database with their SHA-256.

use crate::audit::AuditRecord;
use crate::{Result, Store, StoreError};
use mamori_core::measures::StatusScope;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// An evidence file without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    pub id: i64,
    pub measure: String,
    pub scope: StatusScope,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

fn scope_columns(scope: &StatusScope) -> (&'static str, &str) {
    match scope {
        StatusScope::Department(c) => ("department", c),
        StatusScope::System(c) => ("system", c),
    }
}

const COLUMNS: &str = "id, measure, scope_kind, scope_code, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<EvidenceFile> {
    let kind: String = r.try_get(2)?;
    let code: String = r.try_get(3)?;
    Ok(EvidenceFile {
        id: r.try_get(0)?,
        measure: r.try_get(1)?,
        scope: if kind == "system" {
            StatusScope::System(code)
        } else {
            StatusScope::Department(code)
        },
        file_name: r.try_get(4)?,
        content_type: r.try_get(5)?,
        size_bytes: r.try_get(6)?,
        sha256: r.try_get(7)?,
        uploaded_by: r.try_get(8)?,
        uploaded_at: r.try_get(9)?,
    })
}

/// Insert a file inside the caller's transaction (which holds the audit head); the audit record
/// to append is returned, its entity ID being the new file's number.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_evidence(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    measure: &str,
    scope: &StatusScope,
    file_name: &str,
    content_type: &str,
    content: &[u8],
    actor: &str,
    at: &str,
) -> Result<AuditRecord> {
    let (kind, code) = scope_columns(scope);
    let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM measure_evidence")
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    let sha = hex::encode(Sha256::digest(content));
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    sqlx::query(&format!(
        "INSERT INTO measure_evidence ({COLUMNS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(id)
    .bind(measure)
    .bind(kind)
    .bind(code)
    .bind(file_name)
    .bind(content_type)
    .bind(size)
    .bind(&sha)
    .bind(actor)
    .bind(at)
    .bind(content.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(AuditRecord {
        action: "create",
        entity: "measure_evidence",
        entity_id: id.to_string(),
        before: None,
        after: Some(
            serde_json::json!({
                "measure": measure, "scope": scope, "file_name": file_name,
                "size_bytes": size, "sha256": sha
            })
            .to_string(),
        ),
    })
}

impl Store {
    /// Keep an evidence file for the status of `measure` in `scope`. The status must have been
    /// recorded first. Returns the file's number.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_measure_evidence(
        &self,
        measure: &str,
        scope: &StatusScope,
        file_name: &str,
        content_type: &str,
        content: &[u8],
        actor: &str,
        at: &str,
    ) -> Result<i64> {
        let (kind, code) = scope_columns(scope);
        let (mut tx, head) = self.begin_audited().await?;
        let status = sqlx::query(
            "SELECT 1 FROM measure_status WHERE measure = $1 AND scope_kind = $2 AND scope_code = $3",
        )
        .bind(measure)
        .bind(kind)
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        if status.is_none() {
            return Err(StoreError::NotFound {
                entity: "対策の実施状況",
                id: format!("{measure} {code}"),
            });
        }
        let record = insert_evidence(
            &mut tx,
            measure,
            scope,
            file_name,
            content_type,
            content,
            actor,
            at,
        )
        .await?;
        let id = record.entity_id.parse().unwrap_or_default();
        head.commit(tx, at, actor, vec![record]).await?;
        Ok(id)
    }

    /// Every evidence file's description, by measure and scope.
    pub async fn measure_evidence_files(&self) -> Result<Vec<EvidenceFile>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM measure_evidence ORDER BY measure, scope_kind, scope_code, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One file with its content; the download is written to the audit log in the same step.
    pub async fn read_measure_evidence(
        &self,
        id: i64,
        actor: &str,
        at: &str,
    ) -> Result<Option<(EvidenceFile, Vec<u8>)>> {
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, content FROM measure_evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let file = from_row(&row)?;
        let content: Vec<u8> = row.try_get(10)?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "view",
                entity: "measure_evidence",
                entity_id: id.to_string(),
                before: None,
                after: None,
            }],
        )
        .await?;
        Ok(Some((file, content)))
    }
}
