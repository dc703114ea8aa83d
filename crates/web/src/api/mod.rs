//! The JSON API under /api/v1: read-only views of the register, the organisation and the findings
//! for programs, authenticated with personal API tokens (`auth::ApiCaller`) and authorised by the
//! same `mamori_core::access::Policy` as the pages. Its OpenAPI document (`openapi`) describes every
//! route, parameter, schema and error; a test keeps it equal to a committed snapshot.
//!
//! To add an endpoint: take an [`auth::ApiCaller`] as the first extractor, ask the policy with
//! `caller.policy()`, return `Result<Json<…>, ApiError>`, add the route below and describe it in
//! `openapi.rs`.

mod assets;
pub mod auth;
mod error;
mod openapi;
mod openapi_policy;
mod org;
mod policy;

pub use error::ApiError;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// Rows per page when `per_page` is not given, and the most a caller may ask for.
pub const DEFAULT_PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/assets", get(assets::list))
        .route("/assets/{id}", get(assets::detail))
        .route("/departments", get(org::departments))
        .route("/staff", get(org::staff))
        .route("/findings", get(org::findings))
        .route("/policy-documents", get(policy::documents))
        .route("/policy-documents/{id}", get(policy::document))
        .route(
            "/policy-documents/{id}/versions/{version}",
            get(policy::version),
        )
        .route("/threats", get(policy::threats))
        .route("/measures", get(policy::measures))
        .route("/risks", get(policy::risks))
        .route("/reviews", get(policy::reviews))
        .route("/reviews/{id}", get(policy::review))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
}

/// Parse a query string into `T`; anything malformed (wrong type, repeated key) is a 400.
pub(crate) fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))
}

/// Validated paging: page ≥ 1, 1 ≤ per_page ≤ [`MAX_PER_PAGE`].
pub(crate) fn paging(
    page: Option<usize>,
    per_page: Option<usize>,
) -> Result<(usize, usize), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 {
        return Err(ApiError::bad_request("page must be at least 1".into()));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::bad_request(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    Ok((page, per_page))
}

/// `{ total, page, per_page, pages }` for `total` rows.
pub(crate) fn page_info(total: usize, page: usize, per_page: usize) -> serde_json::Value {
    serde_json::json!({
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": total.div_ceil(per_page),
    })
}
