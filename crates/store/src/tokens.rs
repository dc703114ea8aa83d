//! Personal API tokens. A token belongs to one account and acts as its owner; only its SHA-256 is
//! stored. Creating and revoking are audited; the "last used" heartbeat is not (like a session's
//! "last seen", it records nothing anyone decided).

use crate::audit::AuditRecord;
use crate::{Result, Store};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub login: String,
    /// What the owner called it (e.g. "台帳の夜間集計").
    pub name: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    pub created_at: String,
    pub last_used: Option<String>,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "id, login, name, token_hash, created_at, last_used, revoked_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get(0)?,
        login: r.try_get(1)?,
        name: r.try_get(2)?,
        token_hash: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_used: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

fn record(action: &'static str, id: i64, after: String) -> AuditRecord {
    AuditRecord {
        action,
        entity: "api-token",
        entity_id: id.to_string(),
        before: None,
        after: Some(after),
    }
}

impl Store {
    /// Store a new token of `login` by its hash; returns the token's number.
    pub async fn create_api_token(
        &self,
        login: &str,
        name: &str,
        token_hash: &str,
        actor: &str,
        at: &str,
    ) -> Result<i64> {
        let (mut tx, head) = self.begin_audited().await?;
        crate::users::user_in(&mut tx, login)
            .await?
            .ok_or_else(|| crate::users::missing_user(login))?;
        let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM api_tokens")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL, NULL)"
        ))
        .bind(id)
        .bind(login)
        .bind(name)
        .bind(token_hash)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // The hash is not recorded: the audit log is readable by auditors.
        let after = serde_json::json!({ "login": login, "name": name }).to_string();
        head.commit(tx, at, actor, vec![record("create", id, after)])
            .await?;
        Ok(id)
    }

    /// The tokens of an account that still work, oldest first.
    pub async fn api_tokens(&self, login: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE login = $1 AND revoked_at IS NULL ORDER BY id"
        ))
        .bind(login)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The unrevoked token with this hash, if any.
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Revoke one of `login`'s own tokens. Returns false (and changes nothing) when `login` has
    /// no such working token, so that nobody can revoke, or learn about, another person's tokens.
    pub async fn revoke_api_token(
        &self,
        login: &str,
        id: i64,
        actor: &str,
        at: &str,
    ) -> Result<bool> {
        let (mut tx, head) = self.begin_audited().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND login = $2 AND revoked_at IS NULL"
        ))
        .bind(id)
        .bind(login)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(token) = row.as_ref().map(from_row).transpose()? else {
            return Ok(false);
        };
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "login": token.login, "name": token.name }).to_string();
        head.commit(tx, at, actor, vec![record("revoke", id, after)])
            .await?;
        Ok(true)
    }

    /// Note that the token was used. Not audited: see the module note.
    pub async fn touch_api_token(&self, id: i64, at: &str) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
