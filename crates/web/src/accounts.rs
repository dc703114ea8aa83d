//! User accounts: creation, passwords (argon2id), sign-in with lockout, sessions.
//!
//! Time (`Now`) and randomness (`rng`) are parameters: the server reads the clock and the operating
//! system's random source at the edge, tests pass fixed values.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use mamori_app::{Actor, Now};
use mamori_core::{Lang, Role};
use mamori_store::{NewUser, SessionRecord, Store, StoreError, UserAccount};
use rand::{CryptoRng, Rng};
use sha2::{Digest, Sha256};

/// Wrong passwords in a row before the account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: TimeDelta = TimeDelta::minutes(15);
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: TimeDelta = TimeDelta::hours(10);
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// "Last seen" is written at most this often, to keep reads from becoming writes.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Wrong login or password, unknown or disabled account: deliberately indistinguishable.
    #[error("the login name or password is incorrect")]
    InvalidCredentials,
    #[error("this login name is locked until {until}")]
    Locked { until: DateTime<Utc> },
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("the current password is incorrect")]
    WrongCurrentPassword,
    #[error("the login name must be 1–64 letters, digits, '.', '_' or '-'")]
    BadLogin,
    /// A wrong, expired or already used TOTP or recovery code.
    #[error("the confirmation code is incorrect or was already used")]
    WrongCode,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("{}", .0.message(Lang::En))]
    Store(#[from] StoreError),
}

impl AccountError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AccountError::InvalidCredentials, Lang::Ja) => format!(
                "ログイン名又はパスワードが正しくありません。{MAX_FAILED_LOGINS}回続けて誤ると、そのログイン名は15分間ロックされます。"
            ),
            (AccountError::InvalidCredentials, Lang::En) => format!(
                "The login name or password is incorrect. After {MAX_FAILED_LOGINS} wrong attempts in a row the login name is locked for 15 minutes."
            ),
            (AccountError::Locked { until }, Lang::Ja) => format!(
                "パスワード又は確認コードの誤りが{MAX_FAILED_LOGINS}回続いたため、このログイン名は15分間ロックされています（{} まで）。時間をおいてやり直すか、情報セキュリティ管理者に連絡してください。",
                japan_time(*until)
            ),
            (AccountError::Locked { until }, Lang::En) => format!(
                "After {MAX_FAILED_LOGINS} wrong passwords or codes in a row this login name is locked for 15 minutes (until {} JST). Try again later or contact your information security administrator.",
                japan_time(*until)
            ),
            (AccountError::WeakPassword, Lang::Ja) => {
                format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください。")
            }
            (AccountError::WeakPassword, Lang::En) => {
                format!("The password must have at least {MIN_PASSWORD_CHARS} characters.")
            }
            (AccountError::WrongCurrentPassword, Lang::Ja) => {
                "現在のパスワードが正しくありません。パスワードは変更していません。".into()
            }
            (AccountError::WrongCurrentPassword, Lang::En) => {
                "The current password is incorrect. The password was not changed.".into()
            }
            (AccountError::BadLogin, Lang::Ja) => {
                "ログイン名は英数字と「.」「_」「-」で1〜64文字にしてください。".into()
            }
            (AccountError::BadLogin, Lang::En) => {
                "The login name must be 1–64 letters, digits, '.', '_' or '-'.".into()
            }
            (AccountError::WrongCode, Lang::Ja) => format!(
                "確認コードが正しくないか、既に使われています。認証アプリに表示されている最新の6桁を入力してください（予備コードも使えます）。{MAX_FAILED_LOGINS}回続けて誤ると、パスワードの誤りと合わせて15分間ロックされます。"
            ),
            (AccountError::WrongCode, Lang::En) => format!(
                "The code is incorrect or was already used. Enter the newest 6 digits shown by your authenticator app (or a recovery code). {MAX_FAILED_LOGINS} wrong attempts in a row, passwords included, lock the login name for 15 minutes."
            ),
            (AccountError::Hash(_), Lang::Ja) => {
                "パスワードの処理に失敗しました。何も変更していません。".into()
            }
            (AccountError::Hash(_), Lang::En) => {
                "Processing the password failed. Nothing was changed.".into()
            }
            (AccountError::Store(e), lang) => e.message(lang),
        }
    }
}

fn japan_time(t: DateTime<Utc>) -> String {
    (t + TimeDelta::hours(9))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    Now(t).timestamp()
}

/// argon2id (the crate's defaults: 19 MiB, 2 passes) with a random 16-byte salt.
pub fn hash_password(password: &str, rng: &mut impl CryptoRng) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified for unknown logins so that they take as long as known ones.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$bWFtb3JpZGVjb3lzYWx0$2sEwIxv4T6bsxsqFYB2a3r1yK5m5fW0m6jY0gLbt2fQ";

fn valid_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// An account to create: who it is for and their first password.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    /// 職員番号 of an existing member of staff; their 第5条 appointments are the permissions.
    pub staff_id: &'a str,
    pub password: &'a str,
    pub lang: Lang,
}

/// Create an account for a member of staff (`mamori user add`).
pub async fn create_user(
    store: &Store,
    account: NewAccount<'_>,
    actor: &Actor,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<(), AccountError> {
    if !valid_login(account.login) {
        return Err(AccountError::BadLogin);
    }
    let hash = hash_password(account.password, rng)?;
    store
        .create_user(
            &NewUser {
                login: account.login,
                staff: account.staff_id,
                password_hash: &hash,
                lang: lang_id(account.lang),
            },
            &actor.0,
            &now.timestamp(),
        )
        .await?;
    Ok(())
}

/// Set a new password without knowing the old one (`mamori user passwd`, an administrator's act).
/// Ends every session of the account and clears a lockout.
pub async fn set_password(
    store: &Store,
    login: &str,
    new_password: &str,
    actor: &Actor,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<(), AccountError> {
    let hash = hash_password(new_password, rng)?;
    store
        .set_password_hash(login, &hash, None, &actor.0, &now.timestamp())
        .await?;
    Ok(())
}

/// A signed-in person changes their own password; their other sessions end, this one stays.
pub async fn change_own_password(
    store: &Store,
    login: &str,
    current: &str,
    new_password: &str,
    session_token_hash: &str,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<(), AccountError> {
    let user = store
        .user(login)
        .await?
        .ok_or(AccountError::InvalidCredentials)?;
    if !verify_password(current, &user.password_hash) {
        return Err(AccountError::WrongCurrentPassword);
    }
    let hash = hash_password(new_password, rng)?;
    store
        .set_password_hash(
            login,
            &hash,
            Some(session_token_hash),
            &format!("web:{login}"),
            &now.timestamp(),
        )
        .await?;
    Ok(())
}

/// Re-enable a disabled account (`mamori user enable`).
pub async fn enable_user(
    store: &Store,
    login: &str,
    actor: &Actor,
    now: Now,
) -> Result<(), AccountError> {
    store
        .set_user_disabled(login, false, &actor.0, &now.timestamp())
        .await?;
    Ok(())
}

/// Disable an account (`mamori user disable`); its sessions end at once.
pub async fn disable_user(
    store: &Store,
    login: &str,
    actor: &Actor,
    now: Now,
) -> Result<(), AccountError> {
    store
        .set_user_disabled(login, true, &actor.0, &now.timestamp())
        .await?;
    Ok(())
}

pub fn lang_id(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

pub fn lang_of(id: &str) -> Lang {
    if id == "en" { Lang::En } else { Lang::Ja }
}

/// A new session: the token goes into the cookie, only its hash into the database.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: SessionRecord,
}

/// What a sign-in attempt found, before it is turned into a message.
#[derive(Debug)]
pub enum SignInFailure {
    /// No such login: the caller keeps its own count so that unknown logins lock like real ones.
    UnknownLogin,
    Refused(AccountError),
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn random_hex(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Check a login and password; on success start a session (waiting for the second factor when
/// the account has TOTP enrolled: see [`crate::mfa::second_factor`]).
pub async fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<SignedIn, SignInFailure> {
    let refused = |e: AccountError| SignInFailure::Refused(e);
    let user = store.user(login).await.map_err(|e| refused(e.into()))?;
    let Some(user) = user else {
        let _ = verify_password(password, DECOY_HASH);
        return Err(SignInFailure::UnknownLogin);
    };
    if let Some(until) = user.locked_until.as_deref().and_then(parse_time)
        && until > now.0
    {
        return Err(refused(AccountError::Locked { until }));
    }
    if !verify_password(password, &user.password_hash) {
        let failures = user.failed_logins + 1;
        let (count, locked) = if failures >= MAX_FAILED_LOGINS {
            (0, Some(now.0 + LOCKOUT))
        } else {
            (failures, None)
        };
        store
            .record_failed_login(login, count, locked.map(stamp).as_deref(), &now.timestamp())
            .await
            .map_err(|e| refused(e.into()))?;
        return Err(refused(match locked {
            Some(until) => AccountError::Locked { until },
            None => AccountError::InvalidCredentials,
        }));
    }
    if user.disabled {
        return Err(refused(AccountError::InvalidCredentials));
    }
    // With TOTP enrolled the password only opens the code page, for a few minutes.
    let mfa_pending = store
        .mfa(login)
        .await
        .map_err(|e| refused(e.into()))?
        .is_some_and(|m| m.confirmed);
    let token = random_hex(rng);
    let session = SessionRecord {
        token_hash: token_hash(&token),
        login: user.login.clone(),
        created_at: now.timestamp(),
        last_seen: now.timestamp(),
        expires_at: stamp(
            now.0
                + if mfa_pending {
                    crate::mfa::CODE_ENTRY_TIMEOUT
                } else {
                    ABSOLUTE_TIMEOUT
                },
        ),
        csrf_secret: random_hex(rng),
        mfa_pending,
    };
    store
        .start_session(&session, &now.timestamp())
        .await
        .map_err(|e| refused(e.into()))?;
    Ok(SignedIn { token, session })
}

/// The session and account behind a cookie token, if the session is still valid. Expired sessions
/// are ended (and audited) here.
pub async fn resolve_session(
    store: &Store,
    token: &str,
    now: Now,
) -> Result<Option<(SessionRecord, UserAccount)>, StoreError> {
    let hash = token_hash(token);
    let Some(session) = store.session(&hash).await? else {
        return Ok(None);
    };
    let expires = parse_time(&session.expires_at);
    let last_seen = parse_time(&session.last_seen);
    let (Some(expires), Some(last_seen)) = (expires, last_seen) else {
        store
            .end_session(&hash, "expired", &now.timestamp())
            .await?;
        return Ok(None);
    };
    if now.0 >= expires || now.0 - last_seen >= IDLE_TIMEOUT {
        store
            .end_session(&hash, "expired", &now.timestamp())
            .await?;
        return Ok(None);
    }
    let Some(user) = store.user(&session.login).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if now.0 - last_seen >= TOUCH_INTERVAL {
        store.touch_session(&hash, &now.timestamp()).await?;
    }
    Ok(Some((session, user)))
}

pub async fn sign_out(store: &Store, token: &str, now: Now) -> Result<(), StoreError> {
    store
        .end_session(&token_hash(token), "sign-out", &now.timestamp())
        .await
}

/// One demo account: who it stands for, how to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    /// The 第5条 role the account holds, in Japanese (e.g. 最高情報セキュリティ責任者（CISO）).
    pub role_label: String,
    pub login: String,
    pub password: String,
    pub staff_id: String,
}

/// A password people can read aloud: three groups of four from an alphabet without look-alikes.
fn readable_password(rng: &mut impl CryptoRng) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::with_capacity(14);
    for group in 0..3 {
        if group > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            let i = rng.random_range(0..ALPHABET.len());
            out.push(char::from(ALPHABET[i]));
        }
    }
    out
}

/// One account per role on the demo city (あおば市, `mamori_app::demo::seed`), with fresh random
/// passwords returned for printing. Roles: CISO, 統括, 情報セキュリティ責任者, 情報セキュリティ管理者,
/// 情報システム管理者, 情報セキュリティ監査担当, and an ordinary member of staff.
pub async fn demo_accounts(
    store: &Store,
    actor: &Actor,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<Vec<DemoAccount>, AccountError> {
    let assignments = store.role_assignments().await?;
    let staff = store.staff().await?;
    let roles_of = |id: &str| -> Vec<Role> {
        assignments
            .iter()
            .filter(|a| a.staff == id)
            .map(|a| a.role)
            .collect()
    };
    // The holder of exactly this role among their management roles, so each account shows one view.
    let holder = |role: Role| -> Option<String> {
        let management = [
            Role::Ciso,
            Role::ChiefSecurityOfficer,
            Role::SecurityOfficer,
            Role::SecurityAdministrator,
            Role::SystemAdministrator,
            Role::Auditor,
        ];
        let holders: Vec<&mamori_core::Staff> = staff
            .iter()
            .filter(|s| s.active && roles_of(&s.id).contains(&role))
            .collect();
        // Prefer someone holding no other management role; the 統括 usually also heads a 部.
        holders
            .iter()
            .find(|s| {
                roles_of(&s.id)
                    .iter()
                    .filter(|r| management.contains(r))
                    .all(|r| *r == role)
            })
            .or(holders.first())
            .map(|s| s.id.clone())
    };
    let ordinary = staff
        .iter()
        .find(|s| s.active && roles_of(&s.id).is_empty())
        .map(|s| s.id.clone());
    let wanted: [(&str, &str, Option<String>); 7] = [
        (
            "最高情報セキュリティ責任者（CISO）",
            "ciso",
            holder(Role::Ciso),
        ),
        (
            "統括情報セキュリティ責任者",
            "tokatsu",
            holder(Role::ChiefSecurityOfficer),
        ),
        (
            "情報セキュリティ責任者",
            "sekininsha",
            holder(Role::SecurityOfficer),
        ),
        (
            "情報セキュリティ管理者",
            "kanrisha",
            holder(Role::SecurityAdministrator),
        ),
        (
            "情報システム管理者",
            "system",
            holder(Role::SystemAdministrator),
        ),
        ("情報セキュリティ監査担当", "kansa", holder(Role::Auditor)),
        ("一般職員", "shokuin", ordinary),
    ];
    let mut out = Vec::new();
    for (label, login, staff_id) in wanted {
        let Some(staff_id) = staff_id else {
            continue;
        };
        let password = readable_password(rng);
        create_user(
            store,
            NewAccount {
                login,
                staff_id: &staff_id,
                password: &password,
                lang: Lang::Ja,
            },
            actor,
            now,
            rng,
        )
        .await?;
        out.push(DemoAccount {
            role_label: label.to_string(),
            login: login.to_string(),
            password,
            staff_id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let mut rng = StdRng::seed_from_u64(1);
        let a = hash_password("correct horse battery", &mut rng).unwrap();
        let b = hash_password("correct horse battery", &mut rng).unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salts differ");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(matches!(
            hash_password("short", &mut rng),
            Err(AccountError::WeakPassword)
        ));
        // The decoy must parse, or unknown logins would answer faster than known ones.
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify_password("anything", DECOY_HASH));
    }

    #[test]
    fn logins_are_plain_ascii_names() {
        assert!(valid_login("suzuki.t"));
        assert!(!valid_login(""));
        assert!(!valid_login("鈴木"));
        assert!(!valid_login("a b"));
    }

    #[test]
    fn readable_passwords_are_long_enough() {
        let mut rng = StdRng::seed_from_u64(7);
        let p = readable_password(&mut rng);
        assert_eq!(p.len(), 14);
        assert!(p.chars().count() >= MIN_PASSWORD_CHARS);
    }
}
