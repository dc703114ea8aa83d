//! Where the audit log last recorded a change to one kind of entity: a cheap "has anything
//! changed?" for callers that keep a snapshot (the web server's register cache).

use crate::{Result, Store};
use sqlx::Row;

impl Store {
    /// The sequence number of the newest audit entry that changed an `entity` (views excluded),
    /// or 0 when there is none. Every change is audited in its own transaction, so while this
    /// number stays the same, so do the entities.
    pub async fn last_change_seq(&self, entity: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT seq FROM audit_log WHERE entity = $1 AND action <> 'view' ORDER BY seq DESC LIMIT 1",
        )
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }
}

impl Store {
    /// The sequence number of the newest audit entry of any kind. Every write of the store moves
    /// it in the same transaction, so a snapshot taken at one position is current while this
    /// stays the same (the web server's per-request "has anything changed?").
    pub async fn audit_head_seq(&self) -> Result<i64> {
        let row = sqlx::query("SELECT last_seq FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }
}
