//! TOTP multi-factor authentication: the enrolled secret, the last accepted time step (so that no
//! code is accepted twice) and the hashes of single-use recovery codes.
//!
//! Checking a code is the caller's work (mamori-web); the store makes consuming a factor atomic:
//! a step is accepted only if it is newer than the last one, a recovery code only if unused, in the
//! same transaction as what the factor unlocks. Every step is audited; secrets and codes never are.

use crate::sql::get_bool;
use crate::users::{missing_user, record, user_in};
use crate::{Result, Store, StoreError};
use sqlx::Row;

/// A user's TOTP enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaRecord {
    pub login: String,
    /// Base32 (RFC 4648, no padding).
    pub secret: String,
    /// `false` while the enrolment waits for its first valid code.
    pub confirmed: bool,
    /// The newest accepted 30-second step.
    pub last_step: Option<i64>,
    pub created_at: String,
    pub confirmed_at: Option<String>,
}

/// A second factor offered at sign-in or to disable MFA, already checked against the secret by
/// the caller: the store only makes sure it is used once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor<'a> {
    /// The time step whose code was right.
    TotpStep(i64),
    /// SHA-256 (hex) of a recovery code as the person typed it, normalised.
    RecoveryCode(&'a str),
}

impl SecondFactor<'_> {
    fn name(&self) -> &'static str {
        match self {
            SecondFactor::TotpStep(_) => "totp",
            SecondFactor::RecoveryCode(_) => "recovery-code",
        }
    }
}

const MFA_COLUMNS: &str = "login, secret, confirmed, last_step, created_at, confirmed_at";

fn mfa_from_row(r: &sqlx::any::AnyRow) -> Result<MfaRecord> {
    Ok(MfaRecord {
        login: r.try_get(0)?,
        secret: r.try_get(1)?,
        confirmed: get_bool(r, 2)?,
        last_step: r.try_get(3)?,
        created_at: r.try_get(4)?,
        confirmed_at: r.try_get(5)?,
    })
}

async fn mfa_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    login: &str,
) -> Result<Option<MfaRecord>> {
    let sql = format!("SELECT {MFA_COLUMNS} FROM user_mfa WHERE login = $1");
    let row = sqlx::query(&sql)
        .bind(login)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(mfa_from_row).transpose()
}

/// Use `factor` for `login` inside `tx`: `false` when the step is not newer than the last accepted
/// one, or the recovery code is unknown or already used.
async fn consume(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    login: &str,
    factor: SecondFactor<'_>,
    at: &str,
) -> Result<bool> {
    let done = match factor {
        SecondFactor::TotpStep(step) => sqlx::query(
            "UPDATE user_mfa SET last_step = $1 WHERE login = $2 AND confirmed = $3 AND (last_step IS NULL OR last_step < $1)",
        )
        .bind(step)
        .bind(login)
        .bind(true)
        .execute(&mut **tx)
        .await?,
        SecondFactor::RecoveryCode(hash) => sqlx::query(
            "UPDATE mfa_recovery_codes SET used_at = $1 WHERE login = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(at)
        .bind(login)
        .bind(hash)
        .execute(&mut **tx)
        .await?,
    };
    Ok(done.rows_affected() == 1)
}

fn detail(value: serde_json::Value) -> Option<String> {
    Some(value.to_string())
}

impl Store {
    pub async fn mfa(&self, login: &str) -> Result<Option<MfaRecord>> {
        let sql = format!("SELECT {MFA_COLUMNS} FROM user_mfa WHERE login = $1");
        let row = sqlx::query(&sql)
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(mfa_from_row).transpose()
    }

    /// The logins with a confirmed authenticator, for listing accounts in one query.
    pub async fn confirmed_mfa_logins(&self) -> Result<std::collections::HashSet<String>> {
        let rows = sqlx::query("SELECT login FROM user_mfa WHERE confirmed = $1")
            .bind(true)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// How many of the account's recovery codes are still unused.
    pub async fn unused_recovery_codes(&self, login: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM mfa_recovery_codes WHERE login = $1 AND used_at IS NULL",
        )
        .bind(login)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Start (or restart) an enrolment with a new secret, unconfirmed until a valid code arrives.
    /// Refused while a confirmed enrolment exists: that must be disabled first.
    pub async fn begin_mfa_enrolment(
        &self,
        login: &str,
        secret: &str,
        actor: &str,
        at: &str,
    ) -> Result<()> {
        let (mut tx, head) = self.begin_audited().await?;
        user_in(&mut tx, login)
            .await?
            .ok_or_else(|| missing_user(login))?;
        if let Some(existing) = mfa_in(&mut tx, login).await? {
            if existing.confirmed {
                return Err(StoreError::Invalid(format!(
                    "「{login}」は既に多要素認証を登録しています。 / \"{login}\" has already enrolled multi-factor authentication."
                )));
            }
            sqlx::query("DELETE FROM user_mfa WHERE login = $1")
                .bind(login)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO user_mfa (login, secret, confirmed, last_step, created_at, confirmed_at) VALUES ($1, $2, $3, NULL, $4, NULL)",
        )
        .bind(login)
        .bind(secret)
        .bind(false)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![record("mfa-enrol-start", "user", login, None, None)],
        )
        .await?;
        Ok(())
    }

    /// Confirm a pending enrolment with the step of its first valid code and store the hashes of
    /// the new recovery codes (replacing any old ones). `false` when there is no pending enrolment
    /// with that secret any more (e.g. it was restarted in another tab).
    pub async fn confirm_mfa_enrolment(
        &self,
        login: &str,
        secret: &str,
        step: i64,
        recovery_code_hashes: &[String],
        actor: &str,
        at: &str,
    ) -> Result<bool> {
        let (mut tx, head) = self.begin_audited().await?;
        let done = sqlx::query(
            "UPDATE user_mfa SET confirmed = $1, last_step = $2, confirmed_at = $3 WHERE login = $4 AND secret = $5 AND confirmed = $6",
        )
        .bind(true)
        .bind(step)
        .bind(at)
        .bind(login)
        .bind(secret)
        .bind(false)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_code_hashes {
            sqlx::query(
                "INSERT INTO mfa_recovery_codes (login, code_hash, used_at) VALUES ($1, $2, NULL)",
            )
            .bind(login)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        }
        head.commit(
            tx,
            at,
            actor,
            vec![record(
                "mfa-enrol",
                "user",
                login,
                None,
                detail(serde_json::json!({ "recovery_codes": recovery_code_hashes.len() })),
            )],
        )
        .await?;
        Ok(true)
    }

    /// The second step of a sign-in: consume `factor` and turn the pending session into a full
    /// one (new absolute expiry), clearing the failure count. `false` (nothing changed) when the
    /// factor was already used or the session is no longer pending.
    pub async fn complete_mfa_sign_in(
        &self,
        token_hash: &str,
        login: &str,
        factor: SecondFactor<'_>,
        expires_at: &str,
        at: &str,
    ) -> Result<bool> {
        let (mut tx, head) = self.begin_audited().await?;
        let pending = sqlx::query(
            "UPDATE sessions SET mfa_pending = $1, expires_at = $2, last_seen = $3 WHERE token_hash = $4 AND login = $5 AND mfa_pending = $6",
        )
        .bind(false)
        .bind(expires_at)
        .bind(at)
        .bind(token_hash)
        .bind(login)
        .bind(true)
        .execute(&mut *tx)
        .await?;
        if pending.rows_affected() != 1 || !consume(&mut tx, login, factor, at).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until = NULL WHERE login = $2")
            .bind(0i64)
            .bind(login)
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            &format!("web:{login}"),
            vec![record(
                "sign-in",
                "user",
                login,
                None,
                detail(serde_json::json!({ "second_factor": factor.name() })),
            )],
        )
        .await?;
        Ok(true)
    }

    /// Remove an account's TOTP enrolment and recovery codes. With `factor` (the person themself)
    /// the factor must be accepted first, else nothing changes and `false` is returned; without
    /// (an administrator's reset) it is not asked. `action` is `mfa-disable` or `mfa-reset`.
    /// Also `false` when there was nothing to remove.
    pub async fn remove_mfa(
        &self,
        login: &str,
        factor: Option<SecondFactor<'_>>,
        action: &'static str,
        actor: &str,
        at: &str,
    ) -> Result<bool> {
        let (mut tx, head) = self.begin_audited().await?;
        user_in(&mut tx, login)
            .await?
            .ok_or_else(|| missing_user(login))?;
        let Some(existing) = mfa_in(&mut tx, login).await? else {
            return Ok(false);
        };
        if let Some(factor) = factor
            && !consume(&mut tx, login, factor, at).await?
        {
            return Ok(false);
        }
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_mfa WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        // Sessions half-way through a sign-in would otherwise wait for a code nobody can give.
        sqlx::query("DELETE FROM sessions WHERE login = $1 AND mfa_pending = $2")
            .bind(login)
            .bind(true)
            .execute(&mut *tx)
            .await?;
        head.commit(
            tx,
            at,
            actor,
            vec![record(
                action,
                "user",
                login,
                detail(serde_json::json!({ "confirmed": existing.confirmed })),
                detail(serde_json::json!({ "second_factor": factor.map(|f| f.name()) })),
            )],
        )
        .await?;
        Ok(true)
    }
}
