//! 第8条 review records: why the policy was reviewed, the risks looked at, the decision and the
//! policy version it led to. A review naming a document also counts as that document's review
//! (its next due date moves on).

use crate::audit::AuditRecord;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use mamori_core::policy_doc::ReviewTrigger;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyReview {
    pub id: i64,
    pub reviewed_on: NaiveDate,
    pub trigger: ReviewTrigger,
    /// Risk keys (`target:threat`) looked at.
    pub risks: Vec<String>,
    pub decision: String,
    /// The policy document and version the review led to, if any.
    pub document_id: Option<String>,
    pub document_version: Option<u32>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What a person records.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub reviewed_on: NaiveDate,
    pub trigger: ReviewTrigger,
    pub risks: Vec<String>,
    pub decision: String,
    pub document_id: Option<String>,
    pub document_version: Option<u32>,
}

const COLUMNS: &str = "id, reviewed_on, review_trigger, risks, decision, document_id, document_version, recorded_by, recorded_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<PolicyReview> {
    let on: String = r.try_get(1)?;
    let trigger: String = r.try_get(2)?;
    let risks: String = r.try_get(3)?;
    let version: Option<i64> = r.try_get(6)?;
    Ok(PolicyReview {
        id: r.try_get(0)?,
        reviewed_on: NaiveDate::parse_from_str(&on, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("date {on}")))?,
        trigger: ReviewTrigger::parse(&trigger)
            .ok_or_else(|| StoreError::Corrupt(format!("review trigger {trigger}")))?,
        risks: risks
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        decision: r.try_get(4)?,
        document_id: r.try_get(5)?,
        document_version: version.and_then(|v| u32::try_from(v).ok()),
        recorded_by: r.try_get(7)?,
        recorded_at: r.try_get(8)?,
    })
}

impl Store {
    /// Record a review. The decision must be written down; a named document (and version) must
    /// exist, and becomes reviewed on `reviewed_on`. Returns the review's number.
    pub async fn add_policy_review(&self, new: &NewReview, actor: &str, at: &str) -> Result<i64> {
        if new.decision.trim().is_empty() {
            return Err(StoreError::Invalid(
                "見直しの結果（決定事項）を記入してください。".into(),
            ));
        }
        if new.document_version.is_some() && new.document_id.is_none() {
            return Err(StoreError::Invalid(
                "版を指定するときは文書も指定してください。".into(),
            ));
        }
        let (mut tx, head) = self.begin_audited().await?;
        let mut records = Vec::new();
        if let Some(doc) = &new.document_id {
            let found = match new.document_version {
                Some(v) => sqlx::query(
                    "SELECT 1 FROM policy_versions WHERE document_id = $1 AND version = $2",
                )
                .bind(doc)
                .bind(i64::from(v))
                .fetch_optional(&mut *tx)
                .await?
                .is_some(),
                None => sqlx::query("SELECT 1 FROM policy_documents WHERE id = $1")
                    .bind(doc)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some(),
            };
            if !found {
                return Err(StoreError::NotFound {
                    entity: "ポリシー文書",
                    id: match new.document_version {
                        Some(v) => format!("{doc} 第{v}版"),
                        None => doc.clone(),
                    },
                });
            }
            let on = new.reviewed_on.format("%Y-%m-%d").to_string();
            let before: Option<String> =
                sqlx::query("SELECT last_reviewed FROM policy_documents WHERE id = $1")
                    .bind(doc)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
            sqlx::query("UPDATE policy_documents SET last_reviewed = $1 WHERE id = $2")
                .bind(&on)
                .bind(doc)
                .execute(&mut *tx)
                .await?;
            records.push(AuditRecord {
                action: "update",
                entity: "policy_document",
                entity_id: doc.clone(),
                before: Some(serde_json::json!({ "last_reviewed": before }).to_string()),
                after: Some(serde_json::json!({ "last_reviewed": on }).to_string()),
            });
        }
        let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM policy_reviews")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let review = PolicyReview {
            id,
            reviewed_on: new.reviewed_on,
            trigger: new.trigger,
            risks: new.risks.clone(),
            decision: new.decision.trim().to_string(),
            document_id: new.document_id.clone(),
            document_version: new.document_version,
            recorded_by: actor.to_string(),
            recorded_at: at.to_string(),
        };
        sqlx::query(&format!(
            "INSERT INTO policy_reviews ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(id)
        .bind(review.reviewed_on.format("%Y-%m-%d").to_string())
        .bind(review.trigger.id())
        .bind(review.risks.join("\n"))
        .bind(&review.decision)
        .bind(review.document_id.as_deref())
        .bind(review.document_version.map(i64::from))
        .bind(actor)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        records.push(AuditRecord {
            action: "create",
            entity: "policy_review",
            entity_id: id.to_string(),
            before: None,
            after: serde_json::to_string(&review).ok(),
        });
        head.commit(tx, at, actor, records).await?;
        Ok(id)
    }

    /// Newest first.
    pub async fn policy_reviews(&self) -> Result<Vec<PolicyReview>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM policy_reviews ORDER BY reviewed_on DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn policy_review(&self, id: i64) -> Result<Option<PolicyReview>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM policy_reviews WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }
}

impl Store {
    /// The roles the organisation allows to open 実施手順; `None` while it has not decided (the
    /// default of `core::access` applies).
    pub async fn procedure_readers(&self) -> Result<Option<Vec<mamori_core::Role>>> {
        let rows = sqlx::query("SELECT role FROM procedure_readers ORDER BY role")
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut roles = rows
            .iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                mamori_core::Role::parse(&id)
                    .ok_or_else(|| StoreError::Corrupt(format!("role {id}")))
            })
            .collect::<Result<Vec<_>>>()?;
        roles.sort();
        Ok(Some(roles))
    }

    /// Decide who may open 実施手順. At least one role: a procedure nobody may read helps no one.
    pub async fn set_procedure_readers(
        &self,
        roles: &[mamori_core::Role],
        actor: &str,
        at: &str,
    ) -> Result<()> {
        if roles.is_empty() {
            return Err(StoreError::Invalid(
                "実施手順を閲覧できる役割を一つ以上指定してください。".into(),
            ));
        }
        let before = self.procedure_readers().await?;
        let (mut tx, head) = self.begin_audited().await?;
        sqlx::query("DELETE FROM procedure_readers")
            .execute(&mut *tx)
            .await?;
        let mut ids: Vec<&str> = roles.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            sqlx::query("INSERT INTO procedure_readers (role) VALUES ($1)")
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
        let ids_of = |roles: &[mamori_core::Role]| {
            roles.iter().map(|r| r.id().to_string()).collect::<Vec<_>>()
        };
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "update",
                entity: "procedure_readers",
                entity_id: "procedures".into(),
                before: Some(
                    serde_json::json!({ "roles": before.as_deref().map(ids_of) }).to_string(),
                ),
                after: Some(serde_json::json!({ "roles": ids }).to_string()),
            }],
        )
        .await?;
        Ok(())
    }
}
