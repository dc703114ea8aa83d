//! Network verification results kept as dated evidence.

use crate::audit::AuditRecord;
use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkEvidence {
    pub id: i64,
    pub checked_at: String,
    pub actor: String,
    pub inventory_name: String,
    /// `holds`, `violated` or `incomplete`.
    pub verdict: String,
    pub report_ja: String,
    pub report_en: String,
    pub report_json: String,
}

/// What to keep of one verification.
pub struct NewEvidence<'a> {
    pub inventory_name: &'a str,
    pub verdict: &'a str,
    pub report_ja: &'a str,
    pub report_en: &'a str,
    pub report_json: &'a str,
}

const COLUMNS: &str =
    "id, checked_at, actor, inventory_name, verdict, report_ja, report_en, report_json";

fn from_row(r: &sqlx::any::AnyRow) -> Result<NetworkEvidence> {
    Ok(NetworkEvidence {
        id: r.try_get(0)?,
        checked_at: r.try_get(1)?,
        actor: r.try_get(2)?,
        inventory_name: r.try_get(3)?,
        verdict: r.try_get(4)?,
        report_ja: r.try_get(5)?,
        report_en: r.try_get(6)?,
        report_json: r.try_get(7)?,
    })
}

impl Store {
    /// Keep a verification result; returns its evidence number.
    pub async fn save_network_evidence(
        &self,
        e: &NewEvidence<'_>,
        actor: &str,
        at: &str,
    ) -> Result<i64> {
        let (mut tx, head) = self.begin_audited().await?;
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM network_evidence")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(&format!(
            "INSERT INTO network_evidence ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(next)
        .bind(at)
        .bind(actor)
        .bind(e.inventory_name)
        .bind(e.verdict)
        .bind(e.report_ja)
        .bind(e.report_en)
        .bind(e.report_json)
        .execute(&mut *tx)
        .await?;
        let after =
            serde_json::json!({ "inventory": e.inventory_name, "verdict": e.verdict }).to_string();
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "create",
                entity: "network_evidence",
                entity_id: next.to_string(),
                before: None,
                after: Some(after),
            }],
        )
        .await?;
        Ok(next)
    }

    /// Newest first.
    pub async fn network_evidence_list(&self, limit: i64) -> Result<Vec<NetworkEvidence>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM network_evidence ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn network_evidence(&self, id: i64) -> Result<Option<NetworkEvidence>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM network_evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }
}
