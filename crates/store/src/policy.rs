//! Policy documents (第9条・第10条) and their versions.

use crate::audit::AuditRecord;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use mamori_core::policy_doc::{DocumentTier, DocumentVersion, VersionState};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    /// Short stable identifier chosen by the organisation, e.g. `kitei`, `kijun`, `tejun-mail`.
    pub id: String,
    pub tier: DocumentTier,
    pub title: String,
    pub review_months: u32,
    pub last_reviewed: Option<NaiveDate>,
}

/// A stored version: its lifecycle record, the provision tree (JSON, opaque here) and the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredVersion {
    pub document_id: String,
    pub version: DocumentVersion,
    pub tree_json: String,
    pub source_text: String,
    pub created_at: String,
}

/// A document with its newest version's number and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentSummary {
    pub document: PolicyDocument,
    pub latest_version: u32,
    pub latest_state: VersionState,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

fn date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value
        .map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| corrupt("date", &s)))
        .transpose()
}

impl Store {
    /// Add a new draft version of a document (creating the document on its first version). The
    /// tier of an existing document cannot change. Returns the new version number.
    pub async fn add_policy_version(
        &self,
        document: &PolicyDocument,
        change_summary: &str,
        tree_json: &str,
        source_text: &str,
        actor: &str,
        at: &str,
    ) -> Result<u32> {
        let (mut tx, head) = self.begin_audited().await?;
        let mut records = Vec::new();
        let existing = sqlx::query("SELECT tier FROM policy_documents WHERE id = $1")
            .bind(&document.id)
            .fetch_optional(&mut *tx)
            .await?;
        match existing {
            Some(row) => {
                let tier: String = row.try_get(0)?;
                if tier != document.tier.id() {
                    return Err(StoreError::Invalid(format!(
                        "文書「{}」は{}として登録されています。別の区分の文書には別の文書IDを付けてください。",
                        document.id,
                        DocumentTier::parse(&tier)
                            .map(|t| t.label(mamori_core::Lang::Ja))
                            .unwrap_or("?")
                    )));
                }
            }
            None => {
                sqlx::query("INSERT INTO policy_documents (id, tier, title, review_months, last_reviewed) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&document.id)
                    .bind(document.tier.id())
                    .bind(&document.title)
                    .bind(i64::from(document.review_months))
                    .bind(document.last_reviewed.map(|d| d.format("%Y-%m-%d").to_string()))
                    .execute(&mut *tx)
                    .await?;
                records.push(AuditRecord {
                    action: "create",
                    entity: "policy_document",
                    entity_id: document.id.clone(),
                    before: None,
                    after: serde_json::to_string(document).ok(),
                });
            }
        }
        let row = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) FROM policy_versions WHERE document_id = $1",
        )
        .bind(&document.id)
        .fetch_one(&mut *tx)
        .await?;
        let last: i64 = row.try_get(0)?;
        let version = u32::try_from(last + 1).map_err(|_| corrupt("version", &last.to_string()))?;
        sqlx::query(
            "INSERT INTO policy_versions (document_id, version, state, instrument, effective, change_summary, tree_json, source_text, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, $7)",
        )
        .bind(&document.id)
        .bind(i64::from(version))
        .bind(VersionState::Draft.id())
        .bind(change_summary)
        .bind(tree_json)
        .bind(source_text)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // The tree can be large; the audit entry records the version and a digest-sized summary.
        records.push(AuditRecord {
            action: "create",
            entity: "policy_version",
            entity_id: format!("{}:{version}", document.id),
            before: None,
            after: serde_json::to_string(&serde_json::json!({
                "document": document.id, "version": version, "state": "draft",
                "change_summary": change_summary, "source_chars": source_text.chars().count()
            }))
            .ok(),
        });
        head.commit(tx, at, actor, records).await?;
        Ok(version)
    }

    /// Move a version through its lifecycle as a person holding `roles` (checked by
    /// [`DocumentVersion::transition`]). Bringing a version into force supersedes the one in force.
    #[allow(clippy::too_many_arguments)]
    pub async fn advance_policy_version(
        &self,
        document_id: &str,
        version: u32,
        to: VersionState,
        roles: &[mamori_core::Role],
        enactment: Option<(String, NaiveDate)>,
        actor: &str,
        at: &str,
    ) -> Result<DocumentVersion> {
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query("SELECT state, instrument, effective, change_summary FROM policy_versions WHERE document_id = $1 AND version = $2")
            .bind(document_id)
            .bind(i64::from(version))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound { entity: "policy_version", id: format!("{document_id}:{version}") })?;
        let state: String = row.try_get(0)?;
        let mut current = DocumentVersion {
            version,
            state: VersionState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
            instrument: row.try_get(1)?,
            effective: date(row.try_get(2)?)?,
            change_summary: row.try_get(3)?,
        };
        let before = current.clone();
        if let Some((instrument, effective)) = enactment {
            current.instrument = Some(instrument);
            current.effective = Some(effective);
        }
        current
            .transition(to, roles)
            .map_err(|e| StoreError::Invalid(e.message(mamori_core::Lang::Ja)))?;
        let mut records = Vec::new();
        if to == VersionState::InForce {
            let previous = sqlx::query(
                "SELECT version FROM policy_versions WHERE document_id = $1 AND state = $2",
            )
            .bind(document_id)
            .bind(VersionState::InForce.id())
            .fetch_all(&mut *tx)
            .await?;
            for p in previous {
                let v: i64 = p.try_get(0)?;
                sqlx::query(
                    "UPDATE policy_versions SET state = $1 WHERE document_id = $2 AND version = $3",
                )
                .bind(VersionState::Superseded.id())
                .bind(document_id)
                .bind(v)
                .execute(&mut *tx)
                .await?;
                records.push(AuditRecord {
                    action: "update",
                    entity: "policy_version",
                    entity_id: format!("{document_id}:{v}"),
                    before: Some(r#"{"state":"in-force"}"#.into()),
                    after: Some(r#"{"state":"superseded"}"#.into()),
                });
            }
        }
        sqlx::query("UPDATE policy_versions SET state = $1, instrument = $2, effective = $3 WHERE document_id = $4 AND version = $5")
            .bind(current.state.id())
            .bind(current.instrument.as_deref())
            .bind(current.effective.map(|d| d.format("%Y-%m-%d").to_string()))
            .bind(document_id)
            .bind(i64::from(version))
            .execute(&mut *tx)
            .await?;
        records.push(AuditRecord {
            action: "update",
            entity: "policy_version",
            entity_id: format!("{document_id}:{version}"),
            before: serde_json::to_string(&before).ok(),
            after: serde_json::to_string(&current).ok(),
        });
        head.commit(tx, at, actor, records).await?;
        Ok(current)
    }

    pub async fn policy_documents(&self) -> Result<Vec<DocumentSummary>> {
        let rows = sqlx::query(
            "SELECT d.id, d.tier, d.title, d.review_months, d.last_reviewed, v.version, v.state \
             FROM policy_documents d JOIN policy_versions v ON v.document_id = d.id \
             WHERE v.version = (SELECT MAX(version) FROM policy_versions WHERE document_id = d.id) ORDER BY d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let tier: String = r.try_get(1)?;
                let months: i64 = r.try_get(3)?;
                let version: i64 = r.try_get(5)?;
                let state: String = r.try_get(6)?;
                Ok(DocumentSummary {
                    document: PolicyDocument {
                        id: r.try_get(0)?,
                        tier: DocumentTier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?,
                        title: r.try_get(2)?,
                        review_months: u32::try_from(months).unwrap_or(12),
                        last_reviewed: date(r.try_get(4)?)?,
                    },
                    latest_version: u32::try_from(version).unwrap_or(0),
                    latest_state: VersionState::parse(&state)
                        .ok_or_else(|| corrupt("state", &state))?,
                })
            })
            .collect()
    }

    /// A version of a document; the newest when `version` is None.
    pub async fn policy_version(
        &self,
        document_id: &str,
        version: Option<u32>,
    ) -> Result<Option<StoredVersion>> {
        let columns = "document_id, version, state, instrument, effective, change_summary, tree_json, source_text, created_at";
        let row = match version {
            Some(v) => {
                sqlx::query(&format!("SELECT {columns} FROM policy_versions WHERE document_id = $1 AND version = $2"))
                    .bind(document_id)
                    .bind(i64::from(v))
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("SELECT {columns} FROM policy_versions WHERE document_id = $1 ORDER BY version DESC LIMIT 1"))
                    .bind(document_id)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        let Some(r) = row else { return Ok(None) };
        let number: i64 = r.try_get(1)?;
        let state: String = r.try_get(2)?;
        Ok(Some(StoredVersion {
            document_id: r.try_get(0)?,
            version: DocumentVersion {
                version: u32::try_from(number).unwrap_or(0),
                state: VersionState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
                instrument: r.try_get(3)?,
                effective: date(r.try_get(4)?)?,
                change_summary: r.try_get(5)?,
            },
            tree_json: r.try_get(6)?,
            source_text: r.try_get(7)?,
            created_at: r.try_get(8)?,
        }))
    }
}

/// A version without its tree and source, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    pub version: DocumentVersion,
    pub created_at: String,
}

impl Store {
    /// Every version of a document, newest first.
    pub async fn policy_versions(&self, document_id: &str) -> Result<Vec<VersionSummary>> {
        let rows = sqlx::query(
            "SELECT version, state, instrument, effective, change_summary, created_at FROM policy_versions \
             WHERE document_id = $1 ORDER BY version DESC",
        )
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let number: i64 = r.try_get(0)?;
                let state: String = r.try_get(1)?;
                Ok(VersionSummary {
                    version: DocumentVersion {
                        version: u32::try_from(number).unwrap_or(0),
                        state: VersionState::parse(&state)
                            .ok_or_else(|| corrupt("state", &state))?,
                        instrument: r.try_get(2)?,
                        effective: date(r.try_get(3)?)?,
                        change_summary: r.try_get(4)?,
                    },
                    created_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Change how often a document is reviewed (in months, 1–120).
    pub async fn set_policy_review_cycle(
        &self,
        document_id: &str,
        months: u32,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        if !(1..=120).contains(&months) {
            return Err(StoreError::Invalid(
                "見直しの周期は1〜120か月で指定してください。".into(),
            ));
        }
        let (mut tx, head) = self.begin_audited().await?;
        let before: i64 = sqlx::query("SELECT review_months FROM policy_documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "policy_document",
                id: document_id.to_string(),
            })?
            .try_get(0)?;
        sqlx::query("UPDATE policy_documents SET review_months = $1 WHERE id = $2")
            .bind(i64::from(months))
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "update",
                entity: "policy_document",
                entity_id: document_id.to_string(),
                before: Some(serde_json::json!({ "review_months": before }).to_string()),
                after: Some(serde_json::json!({ "review_months": months }).to_string()),
            }],
        )
        .await?;
        Ok(())
    }

    /// Record that someone read a version of a non-public document (第10条第2項).
    pub async fn record_policy_read(
        &self,
        document_id: &str,
        version: u32,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (tx, head) = self.begin_audited().await?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "view",
                entity: "policy_version",
                entity_id: format!("{document_id}:{version}"),
                before: None,
                after: None,
            }],
        )
        .await?;
        Ok(())
    }
}
