//! The 無害化 quarantine (第2条第13号): what the relay kept, and the release workflow on it.
//! The bytes stay in the relay's spool; this is the record, with every step in the audit log.

use crate::audit::AuditRecord;
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;

/// Where a quarantined mail is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuarantineState {
    /// Kept; nobody has asked for it.
    Held,
    /// A recipient asked for the original.
    Requested,
    /// A reviewer approved; the relay will deliver it.
    Approved,
    /// A reviewer refused; the recipient may ask again with a new reason.
    Refused,
    /// The relay delivered the original.
    Released,
    /// Past its retention; the original was purged.
    Expired,
}

impl QuarantineState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineState::Held => "held",
            QuarantineState::Requested => "requested",
            QuarantineState::Approved => "approved",
            QuarantineState::Refused => "refused",
            QuarantineState::Released => "released",
            QuarantineState::Expired => "expired",
        }
    }

    fn parse(s: &str) -> Result<QuarantineState> {
        Ok(match s {
            "held" => QuarantineState::Held,
            "requested" => QuarantineState::Requested,
            "approved" => QuarantineState::Approved,
            "refused" => QuarantineState::Refused,
            "released" => QuarantineState::Released,
            "expired" => QuarantineState::Expired,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown quarantine state {other}"
                )));
            }
        })
    }
}

/// One quarantined mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineItem {
    pub id: i64,
    /// The relay's ID, shown to the recipient in the notice (隔離ID).
    pub quarantine_id: String,
    pub message_id: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub reason: String,
    /// (file name, size in bytes) of what was quarantined.
    pub files: Vec<(String, i64)>,
    /// Size of the original message.
    pub size: i64,
    pub original_path: String,
    pub received_at: String,
    pub retain_until: String,
    pub state: QuarantineState,
    pub requested_by: Option<String>,
    /// The address the original goes to when released (the requesting recipient's).
    pub release_to: Option<String>,
    pub request_reason: Option<String>,
    pub requested_at: Option<String>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub decided_at: Option<String>,
    pub released_at: Option<String>,
}

/// What the relay records when it keeps an original.
pub struct NewQuarantine<'a> {
    pub quarantine_id: &'a str,
    pub message_id: &'a str,
    pub sender: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub reason: &'a str,
    pub files: &'a [(String, i64)],
    pub size: i64,
    pub original_path: &'a str,
    pub received_at: &'a str,
    pub retain_until: &'a str,
}

const COLUMNS: &str = "id, quarantine_id, message_id, sender, recipients, subject, reason, files, \
     size, original_path, received_at, retain_until, state, requested_by, release_to, \
     request_reason, requested_at, decided_by, decision_note, decided_at, released_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<QuarantineItem> {
    let recipients: String = r.try_get(4)?;
    let files: String = r.try_get(7)?;
    let state: String = r.try_get(12)?;
    Ok(QuarantineItem {
        id: r.try_get(0)?,
        quarantine_id: r.try_get(1)?,
        message_id: r.try_get(2)?,
        sender: r.try_get(3)?,
        recipients: recipients
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        subject: r.try_get(5)?,
        reason: r.try_get(6)?,
        files: files
            .lines()
            .filter_map(|l| {
                let (name, size) = l.rsplit_once('\t')?;
                Some((name.to_string(), size.parse().unwrap_or(0)))
            })
            .collect(),
        size: r.try_get(8)?,
        original_path: r.try_get(9)?,
        received_at: r.try_get(10)?,
        retain_until: r.try_get(11)?,
        state: QuarantineState::parse(&state)?,
        requested_by: r.try_get(13)?,
        release_to: r.try_get(14)?,
        request_reason: r.try_get(15)?,
        requested_at: r.try_get(16)?,
        decided_by: r.try_get(17)?,
        decision_note: r.try_get(18)?,
        decided_at: r.try_get(19)?,
        released_at: r.try_get(20)?,
    })
}

/// One line per value; tabs and line breaks inside a value become spaces.
fn one_line(s: &str) -> String {
    s.replace(['\t', '\r', '\n'], " ")
}

fn summary(item: &QuarantineItem) -> String {
    serde_json::json!({
        "state": item.state,
        "requested_by": item.requested_by,
        "release_to": item.release_to,
        "request_reason": item.request_reason,
        "decided_by": item.decided_by,
        "decision_note": item.decision_note,
    })
    .to_string()
}

impl Store {
    /// Record a kept original. Recording the same quarantine ID again (the relay retrying after a
    /// crash) changes nothing and returns the existing number.
    pub async fn record_quarantine(
        &self,
        q: &NewQuarantine<'_>,
        actor: &str,
        at: &str,
    ) -> Result<i64> {
        let (mut tx, head) = self.begin_audited().await?;
        let existing = sqlx::query("SELECT id FROM quarantine_items WHERE quarantine_id = $1")
            .bind(q.quarantine_id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = existing {
            return Ok(row.try_get(0)?);
        }
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM quarantine_items")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let recipients: Vec<String> = q.recipients.iter().map(|r| one_line(r)).collect();
        let files: Vec<String> = q
            .files
            .iter()
            .map(|(name, size)| format!("{}\t{size}", one_line(name)))
            .collect();
        sqlx::query(
            "INSERT INTO quarantine_items (id, quarantine_id, message_id, sender, recipients, \
             subject, reason, files, size, original_path, received_at, retain_until, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'held')",
        )
        .bind(next)
        .bind(q.quarantine_id)
        .bind(q.message_id)
        .bind(q.sender)
        .bind(recipients.join("\n"))
        .bind(q.subject)
        .bind(q.reason)
        .bind(files.join("\n"))
        .bind(q.size)
        .bind(q.original_path)
        .bind(q.received_at)
        .bind(q.retain_until)
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "state": "held",
            "sender": q.sender,
            "recipients": q.recipients,
            "subject": q.subject,
            "reason": q.reason,
            "files": q.files,
            "retain_until": q.retain_until,
        })
        .to_string();
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action: "quarantine",
                entity: "quarantine",
                entity_id: q.quarantine_id.to_string(),
                before: None,
                after: Some(after),
            }],
        )
        .await?;
        Ok(next)
    }

    /// Newest first.
    pub async fn quarantine_items(&self, limit: i64) -> Result<Vec<QuarantineItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn quarantine_item(&self, id: i64) -> Result<Option<QuarantineItem>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Items a reviewer approved, oldest first: the relay's work list.
    pub async fn approved_releases(&self) -> Result<Vec<QuarantineItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items WHERE state = 'approved' ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Items past their retention (`retain_until` before `now`) that still have an original in
    /// the spool. Approved items wait for their delivery first.
    pub async fn expired_quarantine(&self, now: &str) -> Result<Vec<QuarantineItem>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items WHERE retain_until < $1 \
             AND state IN ('held', 'requested', 'refused', 'released') ORDER BY id"
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// A recipient asks for the original (from `held`, or again after a refusal).
    pub async fn request_release(
        &self,
        id: i64,
        staff_id: &str,
        release_to: &str,
        reason: &str,
        actor: &str,
        at: &str,
    ) -> Result<QuarantineItem> {
        self.transition(
            id,
            &[QuarantineState::Held, QuarantineState::Refused],
            QuarantineState::Requested,
            "request-release",
            actor,
            at,
            "requested_by = $3, release_to = $4, request_reason = $5, requested_at = $6, \
             decided_by = NULL, decision_note = NULL, decided_at = NULL",
            &[staff_id, release_to, reason, at],
        )
        .await
    }

    /// A reviewer approves or refuses a request.
    pub async fn decide_release(
        &self,
        id: i64,
        approve: bool,
        staff_id: &str,
        note: &str,
        actor: &str,
        at: &str,
    ) -> Result<QuarantineItem> {
        let (to, action) = if approve {
            (QuarantineState::Approved, "approve-release")
        } else {
            (QuarantineState::Refused, "refuse-release")
        };
        self.transition(
            id,
            &[QuarantineState::Requested],
            to,
            action,
            actor,
            at,
            "decided_by = $3, decision_note = $4, decided_at = $5",
            &[staff_id, note, at],
        )
        .await
    }

    /// The relay delivered the original.
    pub async fn mark_released(&self, id: i64, actor: &str, at: &str) -> Result<QuarantineItem> {
        self.transition(
            id,
            &[QuarantineState::Approved],
            QuarantineState::Released,
            "release",
            actor,
            at,
            "released_at = $3",
            &[at],
        )
        .await
    }

    /// The relay purged the original after its retention.
    pub async fn mark_expired(&self, id: i64, actor: &str, at: &str) -> Result<QuarantineItem> {
        self.transition(
            id,
            &[
                QuarantineState::Held,
                QuarantineState::Requested,
                QuarantineState::Refused,
                QuarantineState::Released,
            ],
            QuarantineState::Expired,
            "expire",
            actor,
            at,
            "",
            &[],
        )
        .await
    }

    /// Move one item from one of `from` to `to`, setting `extra` (placeholders from $3 on, bound
    /// to `values`), with its audit entry. Anything else is refused with nothing changed.
    #[allow(clippy::too_many_arguments)]
    async fn transition(
        &self,
        id: i64,
        from: &[QuarantineState],
        to: QuarantineState,
        action: &'static str,
        actor: &str,
        at: &str,
        extra: &str,
        values: &[&str],
    ) -> Result<QuarantineItem> {
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = row.as_ref().map(from_row).transpose()? else {
            return Err(StoreError::NotFound {
                entity: "quarantine item",
                id: id.to_string(),
            });
        };
        if !from.contains(&before.state) {
            return Err(StoreError::Invalid(format!(
                "quarantine item {id} is {}, not {}",
                before.state.as_str(),
                from.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        let set = if extra.is_empty() {
            "state = $2".to_string()
        } else {
            format!("state = $2, {extra}")
        };
        let sql = format!("UPDATE quarantine_items SET {set} WHERE id = $1");
        let mut update = sqlx::query(&sql).bind(id).bind(to.as_str());
        for v in values {
            update = update.bind(*v);
        }
        update.execute(&mut *tx).await?;
        let after_row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM quarantine_items WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let after = from_row(&after_row)?;
        head.commit(
            tx,
            at,
            actor,
            vec![AuditRecord {
                action,
                entity: "quarantine",
                entity_id: before.quarantine_id.clone(),
                before: Some(summary(&before)),
                after: Some(summary(&after)),
            }],
        )
        .await?;
        Ok(after)
    }
}
