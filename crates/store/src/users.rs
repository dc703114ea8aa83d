//! Sign-in accounts and browser sessions for the web application.
//!
//! An account belongs to one member of staff; its permissions are that person's 第5条 appointments.
//! Creating, changing and disabling accounts, signing in and out, lockouts and views of 機密性3
//! assets are written to the audit log. A session's "last seen" heartbeat is not: it changes on every
//! request and records nothing anyone decided.

use crate::audit::AuditRecord;
use crate::sql::get_bool;
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub login: String,
    /// 職員番号 of the member of staff the account belongs to.
    pub staff: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    pub failed_logins: i64,
    /// RFC 3339 UTC; sign-in is refused until then.
    pub locked_until: Option<String>,
    /// `ja` or `en`.
    pub lang: String,
    pub created_at: String,
    pub password_changed_at: String,
}

/// An account to create. The password is already hashed by the caller.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub staff: &'a str,
    pub password_hash: &'a str,
    pub lang: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hex SHA-256 of the cookie's token.
    pub token_hash: String,
    pub login: String,
    pub created_at: String,
    pub last_seen: String,
    /// Absolute expiry (RFC 3339 UTC).
    pub expires_at: String,
    /// The synchronizer token every form of this session must carry.
    pub csrf_secret: String,
    /// The password was right but the second factor (TOTP or a recovery code) is still awaited:
    /// such a session opens nothing but the code page.
    pub mfa_pending: bool,
}

/// What the audit log records about an account: never the password hash.
#[derive(Serialize)]
struct AccountSnapshot<'a> {
    login: &'a str,
    staff: &'a str,
    lang: &'a str,
    disabled: bool,
}

fn snapshot(u: &UserAccount) -> Result<String> {
    serde_json::to_string(&AccountSnapshot {
        login: &u.login,
        staff: &u.staff,
        lang: &u.lang,
        disabled: u.disabled,
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

const USER_COLUMNS: &str = "login, staff, password_hash, disabled, failed_logins, locked_until, lang, created_at, password_changed_at";
pub(crate) const SESSION_COLUMNS: &str =
    "token_hash, login, created_at, last_seen, expires_at, csrf_secret, mfa_pending";

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserAccount> {
    Ok(UserAccount {
        login: r.try_get(0)?,
        staff: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        disabled: get_bool(r, 3)?,
        failed_logins: r.try_get(4)?,
        locked_until: r.try_get(5)?,
        lang: r.try_get(6)?,
        created_at: r.try_get(7)?,
        password_changed_at: r.try_get(8)?,
    })
}

pub(crate) fn session_from_row(r: &sqlx::any::AnyRow) -> Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.try_get(0)?,
        login: r.try_get(1)?,
        created_at: r.try_get(2)?,
        last_seen: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        csrf_secret: r.try_get(5)?,
        mfa_pending: get_bool(r, 6)?,
    })
}

pub(crate) fn record(
    action: &'static str,
    entity: &'static str,
    id: &str,
    before: Option<String>,
    after: Option<String>,
) -> AuditRecord {
    AuditRecord {
        action,
        entity,
        entity_id: id.to_string(),
        before,
        after,
    }
}

pub(crate) async fn user_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    login: &str,
) -> Result<Option<UserAccount>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
    let row = sqlx::query(&sql)
        .bind(login)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) fn missing_user(login: &str) -> StoreError {
    StoreError::NotFound {
        entity: "user",
        id: login.to_string(),
    }
}

impl Store {
    /// Create an account for a member of staff. Fails if the login is taken, the member of staff
    /// does not exist or already has an account.
    pub async fn create_user(&self, new: &NewUser<'_>, actor: &str, at: &str) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        let staff = sqlx::query("SELECT id FROM staff WHERE id = $1")
            .bind(new.staff)
            .fetch_optional(&mut *tx)
            .await?;
        if staff.is_none() {
            return Err(StoreError::NotFound {
                entity: "staff",
                id: new.staff.to_string(),
            });
        }
        if user_in(&mut tx, new.login).await?.is_some() {
            return Err(StoreError::Invalid(format!(
                "ログイン名「{}」は既に使われています。 / The login \"{}\" is already taken.",
                new.login, new.login
            )));
        }
        let taken = sqlx::query("SELECT login FROM users WHERE staff = $1")
            .bind(new.staff)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = taken {
            let other: String = row.try_get(0)?;
            return Err(StoreError::Invalid(format!(
                "職員 {} には既にアカウント「{other}」があります。 / Staff member {} already has the account \"{other}\".",
                new.staff, new.staff
            )));
        }
        sqlx::query(
            "INSERT INTO users (login, staff, password_hash, disabled, failed_logins, locked_until, lang, created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(new.login)
        .bind(new.staff)
        .bind(new.password_hash)
        .bind(false)
        .bind(0i64)
        .bind(new.lang)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let created = user_in(&mut tx, new.login)
            .await?
            .ok_or_else(|| missing_user(new.login))?;
        head.commit(
            tx,
            at,
            actor,
            vec![record(
                "create",
                "user",
                new.login,
                None,
                Some(snapshot(&created)?),
            )],
        )
        .await?;
        Ok(())
    }

    pub async fn user(&self, login: &str) -> Result<Option<UserAccount>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
        let row = sqlx::query(&sql)
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserAccount>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Replace the password hash, clear any lockout and end the account's sessions except `keep`
    /// (the session that made the change, if any).
    pub async fn set_password_hash(
        &self,
        login: &str,
        password_hash: &str,
        keep: Option<&str>,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        user_in(&mut tx, login)
            .await?
            .ok_or_else(|| missing_user(login))?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, failed_logins = $3, locked_until = NULL WHERE login = $4",
        )
        .bind(password_hash)
        .bind(at)
        .bind(0i64)
        .bind(login)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE login = $1 AND token_hash <> $2")
            .bind(login)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![record("change-password", "user", login, None, None)],
        )
        .await?;
        Ok(())
    }

    /// Disable (or re-enable) an account. Disabling ends all its sessions.
    pub async fn set_user_disabled(
        &self,
        login: &str,
        disabled: bool,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        let before = user_in(&mut tx, login)
            .await?
            .ok_or_else(|| missing_user(login))?;
        if before.disabled == disabled {
            return Ok(());
        }
        sqlx::query("UPDATE users SET disabled = $1 WHERE login = $2")
            .bind(disabled)
            .bind(login)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE login = $1")
                .bind(login)
                .execute(&mut *tx)
                .await?;
        }
        let after = UserAccount {
            disabled,
            ..before.clone()
        };
        head.commit(
            tx,
            at,
            actor,
            vec![record(
                if disabled { "disable" } else { "enable" },
                "user",
                login,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            )],
        )
        .await?;
        Ok(())
    }

    /// The language the account's pages are shown in (`ja` or `en`).
    pub async fn set_user_lang(
        &self,
        login: &str,
        lang: &str,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        let before = user_in(&mut tx, login)
            .await?
            .ok_or_else(|| missing_user(login))?;
        if before.lang == lang {
            return Ok(());
        }
        sqlx::query("UPDATE users SET lang = $1 WHERE login = $2")
            .bind(lang)
            .bind(login)
            .execute(&mut *tx)
            .await?;
        let after = UserAccount {
            lang: lang.to_string(),
            ..before.clone()
        };
        head.commit(
            tx,
            at,
            actor,
            vec![record(
                "update",
                "user",
                login,
                Some(snapshot(&before)?),
                Some(snapshot(&after)?),
            )],
        )
        .await?;
        Ok(())
    }

    /// A wrong password for an existing account: store the new failure count and, when the
    /// account is now locked, until when.
    pub async fn record_failed_login(
        &self,
        login: &str,
        failed_logins: i64,
        locked_until: Option<&str>,
        at: &str,
    ) -> Result<()> {
        self.record_failure(login, "password", failed_logins, locked_until, at)
            .await
    }

    /// A wrong TOTP or recovery code after a right password: counted with wrong passwords toward
    /// the same lockout. Locking also ends the sessions still waiting for a code.
    pub async fn record_failed_second_factor(
        &self,
        login: &str,
        failed_logins: i64,
        locked_until: Option<&str>,
        at: &str,
    ) -> Result<()> {
        self.record_failure(login, "second-factor", failed_logins, locked_until, at)
            .await
    }

    async fn record_failure(
        &self,
        login: &str,
        factor: &str,
        failed_logins: i64,
        locked_until: Option<&str>,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE login = $3")
            .bind(failed_logins)
            .bind(locked_until)
            .bind(login)
            .execute(&mut *tx)
            .await?;
        if locked_until.is_some() {
            sqlx::query("DELETE FROM sessions WHERE login = $1 AND mfa_pending = $2")
                .bind(login)
                .bind(true)
                .execute(&mut *tx)
                .await?;
        }
        let detail = serde_json::json!({
            "factor": factor,
            "failed_logins": failed_logins,
            "locked_until": locked_until
        })
        .to_string();
        let action = if locked_until.is_some() {
            "lock"
        } else {
            "sign-in-failed"
        };
        head.commit(
            tx,
            at,
            &format!("web:{login}"),
            vec![record(action, "user", login, None, Some(detail))],
        )
        .await?;
        Ok(())
    }

    /// A successful sign-in (or its password step, when `mfa_pending`): clear the failure count and
    /// store the new session.
    pub async fn start_session(&self, session: &SessionRecord, at: &str) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        // The failure count is cleared only by a complete sign-in: wrong codes after a right
        // password keep counting toward the lockout across attempts.
        if !session.mfa_pending {
            sqlx::query(
                "UPDATE users SET failed_logins = $1, locked_until = NULL WHERE login = $2",
            )
            .bind(0i64)
            .bind(&session.login)
            .execute(&mut *tx)
            .await?;
        }
        let sql =
            format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        sqlx::query(&sql)
            .bind(&session.token_hash)
            .bind(&session.login)
            .bind(&session.created_at)
            .bind(&session.last_seen)
            .bind(&session.expires_at)
            .bind(&session.csrf_secret)
            .bind(session.mfa_pending)
            .execute(&mut *tx)
            .await?;
        // A pending session is half a sign-in: the password step is recorded now, "sign-in" once
        // the second factor is accepted.
        let action = if session.mfa_pending {
            "sign-in-password"
        } else {
            "sign-in"
        };
        head.commit(
            tx,
            at,
            &format!("web:{}", session.login),
            vec![record(action, "user", &session.login, None, None)],
        )
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Note that the session was used (for the idle timeout). Not audited: see the module note.
    pub async fn touch_session(&self, token_hash: &str, last_seen: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(last_seen)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// End a session: `reason` is `sign-out` or `expired`.
    pub async fn end_session(
        &self,
        token_hash: &str,
        reason: &'static str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(session) = row.as_ref().map(session_from_row).transpose()? else {
            return Ok(());
        };
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            &format!("web:{}", session.login),
            vec![record(reason, "user", &session.login, None, None)],
        )
        .await?;
        Ok(())
    }

    /// Record that someone saw the details of an asset (required for 機密性3-class assets).
    pub async fn record_asset_view(&self, asset_id: &str, actor: &str, at: &str) -> Result<()> {
        let (tx, head) = self.begin_audited().await?;
        head.commit(
            tx,
            at,
            actor,
            vec![record("view", "asset", asset_id, None, None)],
        )
        .await?;
        Ok(())
    }
}
