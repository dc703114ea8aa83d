//! The audit log: who changed what, when, with the state before and after.
//!
//! Entries are append-only (database triggers refuse UPDATE and DELETE) and chained: each entry's
//! SHA-256 covers its own fields and the previous entry's hash, and the chain head is kept in
//! `audit_head`, written in the same transaction. Changing, deleting, inserting or reordering any
//! entry — or cutting off the tail — breaks the chain at the first affected entry.

use crate::sql::{batch_rows, values_placeholders};
use crate::{Backend, Result, Store};
use futures_util::TryStreamExt;
use mamori_core::Lang;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

/// What to record about one change.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Conditions for [`Store::search_audit`]; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub until: Option<chrono::NaiveDate>,
    /// Only entries older than this sequence number (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    fn compute_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            &self.entity,
            &self.entity_id,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }
}

/// SHA-256 over the fields, each length-prefixed so that no two different entries hash the same
/// bytes (a plain separator could be forged inside a JSON value).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        Some(b) => {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
        None => h.update(u64::MAX.to_be_bytes()),
    };
    field(Some(prev_hash.as_bytes()));
    field(Some(&seq.to_be_bytes()));
    field(Some(at.as_bytes()));
    field(Some(actor.as_bytes()));
    field(Some(action.as_bytes()));
    field(Some(entity.as_bytes()));
    field(Some(entity_id.as_bytes()));
    field(before.map(str::as_bytes));
    field(after.map(str::as_bytes));
    hex::encode(h.finalize())
}

/// Take the chain head's lock before anything else in a write transaction. Being the first
/// statement, it also takes SQLite's write lock up front, so concurrent writers wait rather than fail.
async fn lock_head(tx: &mut Transaction<'_, Any>) -> Result<(i64, String)> {
    sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// The audit chain head as a write transaction took it: the one way every store write ends.
/// `Store::begin_audited` locks it (serialising writers); `commit` appends the write's audit
/// records after it and commits, so a change and its audit entries land together or not at all.
pub(crate) struct AuditHead {
    head: (i64, String),
    backend: Backend,
}

impl AuditHead {
    pub(crate) async fn commit(
        self,
        mut tx: Transaction<'static, Any>,
        at: &str,
        actor: &str,
        records: Vec<AuditRecord>,
    ) -> Result<()> {
        append(&mut tx, self.backend, self.head, at, actor, records).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Begin a write: a transaction that holds the audit chain head until [`AuditHead::commit`].
    pub(crate) async fn begin_audited(&self) -> Result<(Transaction<'static, Any>, AuditHead)> {
        let mut tx = self.pool.begin().await?;
        let head = lock_head(&mut tx).await?;
        Ok((
            tx,
            AuditHead {
                head,
                backend: self.backend,
            },
        ))
    }
}

/// Append records after [`lock_head`] in the same transaction.
async fn append(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    head: (i64, String),
    at: &str,
    actor: &str,
    records: Vec<AuditRecord>,
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev) = head;
    let mut entries = Vec::with_capacity(records.len());
    for r in records {
        seq += 1;
        let mut e = AuditEntry {
            seq,
            at: at.to_string(),
            actor: actor.to_string(),
            action: r.action.to_string(),
            entity: r.entity.to_string(),
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            prev_hash: prev,
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        entries.push(e);
    }
    const COLUMNS: usize = 10;
    for chunk in entries.chunks(batch_rows(COLUMNS)) {
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) VALUES {}",
            values_placeholders(backend, chunk.len(), COLUMNS)
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.seq)
                .bind(&e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.entity)
                .bind(&e.entity_id)
                .bind(e.before.as_deref())
                .bind(e.after.as_deref())
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Break {
    /// The entry's contents do not match its hash: it was changed.
    Altered,
    /// The entry does not follow the one before it: an entry was deleted, inserted or moved here.
    Discontinuous { expected_seq: i64 },
    /// The entry's link to the previous hash is wrong.
    Unlinked,
    /// The chain ends before (or after) the recorded head: the tail was cut off or the head changed.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AuditVerdict {
    Intact { entries: i64, head_hash: String },
    Broken { seq: i64, problem: Break },
}

impl AuditVerdict {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AuditVerdict::Intact { entries, head_hash }, Lang::Ja) => {
                format!("監査ログは改ざんされていません（{entries}件、先頭ハッシュ {head_hash}）。")
            }
            (AuditVerdict::Intact { entries, head_hash }, Lang::En) => {
                format!("The audit log is intact ({entries} entries, head hash {head_hash}).")
            }
            (AuditVerdict::Broken { seq, problem }, Lang::Ja) => {
                let why = match problem {
                    Break::Altered => "内容が記録時のハッシュと一致しません（改変）".to_string(),
                    Break::Discontinuous { expected_seq } => {
                        format!(
                            "第{expected_seq}件があるべき位置にありません（削除・挿入・並べ替え）"
                        )
                    }
                    Break::Unlinked => {
                        "直前の記録とのつながり（ハッシュ）が一致しません（削除・挿入・並べ替え）"
                            .to_string()
                    }
                    Break::HeadMismatch { head_seq, last_seq } => format!(
                        "記録上の最終件は第{head_seq}件ですが、実際の最終件は第{last_seq}件です（末尾の削除又は追加）"
                    ),
                };
                format!("監査ログの第{seq}件で連鎖が壊れています: {why}。")
            }
            (AuditVerdict::Broken { seq, problem }, Lang::En) => {
                let why = match problem {
                    Break::Altered => "its contents do not match its hash (altered)".to_string(),
                    Break::Discontinuous { expected_seq } => {
                        format!(
                            "entry {expected_seq} is missing here (deleted, inserted or reordered)"
                        )
                    }
                    Break::Unlinked => {
                        "its link to the previous entry is wrong (deleted, inserted or reordered)"
                            .to_string()
                    }
                    Break::HeadMismatch { head_seq, last_seq } => format!(
                        "the recorded head is entry {head_seq} but the last entry is {last_seq} (tail cut off or added)"
                    ),
                };
                format!("The audit log chain breaks at entry {seq}: {why}.")
            }
        }
    }
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity: row.try_get("entity")?,
        entity_id: row.try_get("entity_id")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const ENTRY_COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash";

impl Store {
    /// Walk the whole chain, streaming, and report the first break.
    pub async fn verify_audit(&self) -> Result<AuditVerdict> {
        let mut conn = self.pool.acquire().await?;
        let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq");
        let mut rows = sqlx::query(&sql).fetch(&mut *conn);
        let mut expected_seq = 1i64;
        let mut prev_hash = String::new();
        while let Some(row) = rows.try_next().await? {
            let e = entry_from_row(&row)?;
            if e.seq != expected_seq {
                return Ok(AuditVerdict::Broken {
                    seq: e.seq,
                    problem: Break::Discontinuous { expected_seq },
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(AuditVerdict::Broken {
                    seq: e.seq,
                    problem: Break::Unlinked,
                });
            }
            if e.compute_hash() != e.hash {
                return Ok(AuditVerdict::Broken {
                    seq: e.seq,
                    problem: Break::Altered,
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
        let last_seq = expected_seq - 1;
        if last_seq != head_seq || prev_hash != head_hash {
            return Ok(AuditVerdict::Broken {
                seq: last_seq.min(head_seq) + 1,
                problem: Break::HeadMismatch { head_seq, last_seq },
            });
        }
        Ok(AuditVerdict::Intact {
            entries: last_seq,
            head_hash,
        })
    }

    /// Newest entries first.
    pub async fn audit_entries(
        &self,
        limit: i64,
        entity_id: Option<&str>,
    ) -> Result<Vec<AuditEntry>> {
        let rows = match entity_id {
            Some(id) => {
                let sql = format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE entity_id = $1 ORDER BY seq DESC LIMIT $2"
                );
                sqlx::query(&sql)
                    .bind(id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql =
                    format!("SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1");
                sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(entry_from_row).collect()
    }

    /// Entries matching every given condition, newest first: `before` pages backwards by sequence
    /// number; `from`/`until` are dates (YYYY-MM-DD, UTC) compared with the RFC 3339 timestamps.
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut push = |cond: &str, value: String| {
            binds.push(value);
            conditions.push(cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(v) = q.actor.as_deref() {
            push("actor = ?", v.to_string());
        }
        if let Some(v) = q.action.as_deref() {
            push("action = ?", v.to_string());
        }
        if let Some(v) = q.entity.as_deref() {
            push("entity = ?", v.to_string());
        }
        if let Some(v) = q.entity_id.as_deref() {
            push("entity_id = ?", v.to_string());
        }
        if let Some(d) = q.from {
            push("at >= ?", d.format("%Y-%m-%d").to_string());
        }
        if let Some(d) = q.until.and_then(|d| d.succ_opt()) {
            push("at < ?", d.format("%Y-%m-%d").to_string());
        }
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_log");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        let seq_param = binds.len() + 1;
        if q.before.is_some() {
            sql.push_str(if conditions.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            sql.push_str(&format!("seq < ${seq_param}"));
        }
        let limit_param = seq_param + usize::from(q.before.is_some());
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${limit_param}"));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b.as_str());
        }
        if let Some(before) = q.before {
            query = query.bind(before);
        }
        let rows = query.bind(q.limit.max(1)).fetch_all(&self.pool).await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The distinct actions and entity kinds in the log, for filter choices.
    pub async fn audit_vocabulary(&self) -> Result<(Vec<String>, Vec<String>)> {
        let actions = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let entities = sqlx::query("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok((actions, entities))
    }

    /// For tests that play the attacker: run raw SQL with the append-only triggers removed.
    #[doc(hidden)]
    pub async fn tamper_for_test(&self, statements: &[&str]) -> Result<()> {
        let drop = match self.backend {
            crate::Backend::Sqlite => vec![
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
            crate::Backend::Postgres => vec!["DROP TRIGGER audit_log_no_change ON audit_log"],
        };
        for s in drop.iter().chain(statements) {
            sqlx::query(s).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Run one raw statement (tests only).
    #[doc(hidden)]
    pub async fn execute_for_test(&self, statement: &str) -> Result<u64> {
        Ok(sqlx::query(statement)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_every_field_and_on_field_boundaries() {
        let base = entry_hash("p", 1, "t", "a", "x", "e", "i", Some("b"), None);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            entry_hash("p", 2, "t", "a", "x", "e", "i", Some("b"), None)
        );
        assert_ne!(
            base,
            entry_hash("p", 1, "t", "a", "x", "e", "i", None, Some("b"))
        );
        assert_ne!(
            entry_hash("", 1, "", "ab", "c", "", "", None, None),
            entry_hash("", 1, "", "a", "bc", "", "", None, None)
        );
    }
}
