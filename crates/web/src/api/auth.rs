//! Who is calling the API: `Authorization: Bearer <token>` → the token's owner, as the same
//! `Subject` the pages would build for them. Any endpoint takes an [`ApiCaller`] first; without a
//! working token (missing, unknown, revoked, owner disabled or no longer active staff) the request
//! ends with 401 before the handler runs.

use super::ApiError;
use crate::AppState;
use crate::accounts::token_hash;
use crate::world::{TokenOwner, World};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::TimeDelta;
use mamori_core::access::{Policy, Subject};
use std::sync::Arc;

/// "Last used" is written at most this often per token, to keep reads from becoming writes.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// Longest Authorization value looked up (tokens are 71 characters).
const MAX_TOKEN_CHARS: usize = 256;

/// The token's owner, with the snapshot the request is answered from.
pub struct ApiCaller {
    pub login: String,
    pub subject: Subject,
    pub(crate) world: Arc<World>,
}

impl ApiCaller {
    /// How the audit log names this caller's actions (e.g. views of 機密性3 assets).
    pub fn actor(&self) -> String {
        format!("api:{}", self.login)
    }

    /// The one decision function, over the snapshot's department tree.
    pub fn policy(&self) -> Policy<'_> {
        self.world.org.policy()
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= MAX_TOKEN_CHARS)
        .then_some(token)
}

/// The token's owner, from the snapshot's cache or the store.
async fn owner(
    state: &AppState,
    world: &World,
    hash: &str,
) -> Result<Option<TokenOwner>, ApiError> {
    if let Ok(cache) = world.tokens.lock()
        && let Some(owner) = cache.get(hash)
    {
        return Ok(Some(owner.clone()));
    }
    let Some(token) = state.store.api_token_by_hash(hash).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.user(&token.login).await? else {
        return Ok(None);
    };
    if user.disabled || world.person(&user.staff).is_none() {
        return Ok(None);
    }
    let owner = TokenOwner {
        token_id: token.id,
        login: user.login,
        staff: user.staff,
    };
    // Revoking a token or disabling its owner moves the audit head, which replaces this cache.
    if let Ok(mut cache) = world.tokens.lock() {
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(hash.to_string(), owner.clone());
    }
    Ok(Some(owner))
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(token);
        let world = state.world().await?;
        let owner = owner(state, &world, &hash)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let person = world
            .person(&owner.staff)
            .ok_or_else(ApiError::unauthorized)?;
        let now = state.clock.now();
        let due = match state.token_touched.lock() {
            Ok(mut touched) => {
                let due = touched
                    .get(&owner.token_id)
                    .is_none_or(|last| now - *last >= TOUCH_INTERVAL);
                if due {
                    touched.insert(owner.token_id, now);
                }
                due
            }
            Err(_) => false,
        };
        if due {
            state
                .store
                .touch_api_token(owner.token_id, &state.now().timestamp())
                .await?;
        }
        Ok(ApiCaller {
            login: owner.login,
            subject: person.subject,
            world,
        })
    }
}
