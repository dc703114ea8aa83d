//! Personal API tokens: made on the account page (or by `mamori token create`), shown once,
//! stored as their SHA-256 only, and sent as `Authorization: Bearer <token>`. A token acts as its
//! owner: the same `Subject`, the same `Policy`.

use crate::accounts::token_hash;
use mamori_app::Now;
use mamori_store::{Store, StoreError};
use rand::CryptoRng;

/// Tokens start with this, so that a leaked one is recognisable (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "mamori_";

/// Longest token name accepted (in characters).
pub const MAX_NAME_CHARS: usize = 100;

/// A token just made: `token` is shown to its owner once and never stored.
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

/// The name a token is listed under, checked: 1 to [`MAX_NAME_CHARS`] characters, no control
/// characters.
pub fn valid_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(StoreError::Invalid(format!(
            "トークンの名前は1〜{MAX_NAME_CHARS}文字で付けてください。 / A token's name must be 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(name.to_string())
}

/// Make a 256-bit token for `login` and store its hash (audited as `actor`).
pub async fn create_token(
    store: &Store,
    login: &str,
    name: &str,
    actor: &str,
    now: Now,
    rng: &mut impl CryptoRng,
) -> Result<CreatedToken, StoreError> {
    let name = valid_name(name)?;
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let id = store
        .create_api_token(login, &name, &token_hash(&token), actor, &now.timestamp())
        .await?;
    Ok(CreatedToken { id, token })
}
