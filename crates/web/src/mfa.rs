//! Multi-factor authentication use cases: enrolling TOTP (confirmed by a first valid code, with ten
//! single-use recovery codes shown once), the second step of a sign-in, disabling by the person
//! with a code and resetting by an administrator (`mamori user reset-mfa`).
//!
//! Who must use it is decided by [`mamori_core::access::Policy::requires_mfa`]. Time and randomness
//! are parameters, as in [`crate::accounts`].

use crate::accounts::{
    ABSOLUTE_TIMEOUT, AccountError, LOCKOUT, MAX_FAILED_LOGINS, parse_time, stamp, token_hash,
};
use crate::totp;
use chrono::TimeDelta;
use mamori_app::{Actor, Now};
use mamori_store::{MfaRecord, SecondFactor, Store};
use rand::{CryptoRng, Rng};
use sha2::{Digest, Sha256};

/// How long a right password keeps the code page open.
pub const CODE_ENTRY_TIMEOUT: TimeDelta = TimeDelta::minutes(5);
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Shown to authenticator apps as the account's issuer.
const ISSUER: &str = "mamori";

/// A recovery code as typed: case, spaces and hyphens do not matter.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What is stored for a recovery code: SHA-256 over the login and the normalised code. The codes
/// carry 60 random bits each, so a fast hash is enough (unlike passwords, they are not guessable).
pub fn recovery_code_hash(login: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(login.as_bytes());
    h.update(b"\0");
    h.update(normalise_recovery_code(code).as_bytes());
    hex::encode(h.finalize())
}

/// Ten codes of three groups of four from an alphabet without look-alikes (12 × log2(31) ≈ 60 bits).
fn new_recovery_codes(rng: &mut impl CryptoRng) -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            (0..3)
                .map(|_| {
                    (0..4)
                        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// What the enrolment page shows while an enrolment waits for its first code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, for typing into an app by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri` as an SVG `data:` URL.
    pub qr_data_url: String,
}

fn enrolment_of(
    login: &str,
    organisation: &str,
    secret: String,
) -> Result<Enrolment, AccountError> {
    let issuer = if organisation.is_empty() {
        ISSUER.to_string()
    } else {
        format!("{ISSUER} {organisation}")
    };
    let uri = totp::otpauth_uri(&issuer, login, &secret);
    let qr = totp::qr_svg_data_url(&uri)
        .ok_or_else(|| AccountError::Hash("the QR code could not be made".into()))?;
    Ok(Enrolment {
        secret,
        otpauth_uri: uri,
        qr_data_url: qr,
    })
}

/// The pending enrolment of `login`, started now with a fresh secret if there is none. `None`
/// when TOTP is already enrolled and confirmed.
pub async fn pending_enrolment(
    store: &Store,
    login: &str,
    organisation: &str,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<Option<Enrolment>, AccountError> {
    let secret = match store.mfa(login).await? {
        Some(m) if m.confirmed => return Ok(None),
        // Reloading the page keeps the secret already shown (and perhaps already scanned).
        Some(m) => m.secret,
        None => {
            let secret = totp::new_secret(rng);
            store
                .begin_mfa_enrolment(login, &secret, &format!("web:{login}"), &now.timestamp())
                .await?;
            secret
        }
    };
    enrolment_of(login, organisation, secret).map(Some)
}

/// Confirm the pending enrolment with a code from the app; the recovery codes are returned to be
/// shown once and only their hashes are kept.
pub async fn confirm_enrolment(
    store: &Store,
    login: &str,
    code: &str,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<Vec<String>, AccountError> {
    let Some(pending) = store.mfa(login).await?.filter(|m| !m.confirmed) else {
        return Err(AccountError::WrongCode);
    };
    let step = totp::matching_step(&pending.secret, code, now.0).ok_or(AccountError::WrongCode)?;
    let codes = new_recovery_codes(rng);
    let hashes: Vec<String> = codes.iter().map(|c| recovery_code_hash(login, c)).collect();
    let confirmed = store
        .confirm_mfa_enrolment(
            login,
            &pending.secret,
            step,
            &hashes,
            &format!("web:{login}"),
            &now.timestamp(),
        )
        .await?;
    if !confirmed {
        return Err(AccountError::WrongCode);
    }
    Ok(codes)
}

/// The factor a typed code stands for: a TOTP step if six digits matching the secret, else the
/// recovery code with hash `recovery_hash`. `None` for six digits that match no step.
fn factor_of<'a>(
    record: &MfaRecord,
    code: &str,
    recovery_hash: &'a str,
    now: Now,
) -> Option<SecondFactor<'a>> {
    if totp::looks_like_code(code) {
        totp::matching_step(&record.secret, code, now.0).map(SecondFactor::TotpStep)
    } else {
        Some(SecondFactor::RecoveryCode(recovery_hash))
    }
}

/// Count a wrong code toward the account's lockout; the error to show.
async fn wrong_code(store: &Store, login: &str, now: Now) -> Result<AccountError, AccountError> {
    let user = store.user(login).await?;
    let failures = user.map(|u| u.failed_logins).unwrap_or(0) + 1;
    let locked = (failures >= MAX_FAILED_LOGINS).then(|| now.0 + LOCKOUT);
    store
        .record_failed_second_factor(
            login,
            if locked.is_some() { 0 } else { failures },
            locked.map(stamp).as_deref(),
            &now.timestamp(),
        )
        .await?;
    Ok(match locked {
        Some(until) => AccountError::Locked { until },
        None => AccountError::WrongCode,
    })
}

/// The second step of a sign-in on the session with cookie `token` (which must be waiting for a
/// code): a TOTP code or a recovery code, each accepted once. Wrong codes count toward the lockout.
pub async fn second_factor(
    store: &Store,
    login: &str,
    token: &str,
    code: &str,
    now: Now,
) -> Result<(), AccountError> {
    let user = store
        .user(login)
        .await?
        .ok_or(AccountError::InvalidCredentials)?;
    if let Some(until) = user.locked_until.as_deref().and_then(parse_time)
        && until > now.0
    {
        return Err(AccountError::Locked { until });
    }
    let Some(record) = store.mfa(login).await?.filter(|m| m.confirmed) else {
        return Err(AccountError::InvalidCredentials);
    };
    let recovery_hash = recovery_code_hash(login, code);
    let factor = factor_of(&record, code, &recovery_hash, now);
    let accepted = match factor {
        Some(factor) => {
            store
                .complete_mfa_sign_in(
                    &token_hash(token),
                    login,
                    factor,
                    &stamp(now.0 + ABSOLUTE_TIMEOUT),
                    &now.timestamp(),
                )
                .await?
        }
        None => false,
    };
    if accepted {
        Ok(())
    } else {
        Err(wrong_code(store, login, now).await?)
    }
}

/// The person turns TOTP off, proving it with a current code or a recovery code. Someone whom the
/// policy requires to use MFA is sent straight back to enrolment (a reset).
pub async fn disable_own(
    store: &Store,
    login: &str,
    code: &str,
    now: Now,
) -> Result<(), AccountError> {
    let Some(record) = store.mfa(login).await?.filter(|m| m.confirmed) else {
        return Err(AccountError::WrongCode);
    };
    let recovery_hash = recovery_code_hash(login, code);
    let factor = factor_of(&record, code, &recovery_hash, now);
    let removed = match factor {
        Some(f) => {
            store
                .remove_mfa(
                    login,
                    Some(f),
                    "mfa-disable",
                    &format!("web:{login}"),
                    &now.timestamp(),
                )
                .await?
        }
        None => false,
    };
    if removed {
        Ok(())
    } else {
        Err(wrong_code(store, login, now).await?)
    }
}

/// An administrator removes someone's TOTP (lost phone): `mamori user reset-mfa`. The person
/// enrols again at their next sign-in. `false` when nothing was enrolled.
pub async fn reset(
    store: &Store,
    login: &str,
    actor: &Actor,
    now: Now,
) -> Result<bool, AccountError> {
    Ok(store
        .remove_mfa(login, None, "mfa-reset", &actor.0, &now.timestamp())
        .await?)
}

/// Whether `login` has a confirmed TOTP enrolment.
pub async fn is_enrolled(store: &Store, login: &str) -> Result<bool, AccountError> {
    Ok(store.mfa(login).await?.is_some_and(|m| m.confirmed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn recovery_codes_are_distinct_readable_and_hash_forgivingly() {
        let codes = new_recovery_codes(&mut StdRng::seed_from_u64(3));
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 14));
        let c = &codes[0];
        assert_eq!(
            recovery_code_hash("ciso", c),
            recovery_code_hash("ciso", &format!(" {} ", c.to_uppercase().replace('-', " ")))
        );
        assert_ne!(
            recovery_code_hash("ciso", c),
            recovery_code_hash("kansa", c)
        );
    }
}
