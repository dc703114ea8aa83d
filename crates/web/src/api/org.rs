//! `GET /api/v1/departments`, `/staff` and `/findings`: the organisation page and the findings
//! page as JSON, under the same capabilities.

use super::auth::ApiCaller;
use super::{ApiError, page_info, paging, query};
use crate::AppState;
use crate::assets::visible_assets;
use axum::Json;
use axum::extract::{RawQuery, State};
use mamori_core::access::Capability;
use mamori_core::org::RoleScope;
use serde::Deserialize;
use serde_json::{Value, json};

fn require(caller: &ApiCaller, capability: Capability) -> Result<(), ApiError> {
    if caller.policy().may(&caller.subject, capability) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

pub async fn departments(caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewOrganisation)?;
    let items: Vec<Value> = caller
        .world
        .org
        .departments
        .iter()
        .map(|d| {
            json!({
                "code": d.code,
                "name": d.name,
                "kind": d.kind.id(),
                "parent": d.parent,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

fn scope(s: &RoleScope) -> Value {
    match s {
        RoleScope::Organisation => json!({ "kind": "organisation", "code": null }),
        RoleScope::Department(code) => json!({ "kind": "department", "code": code }),
        RoleScope::System(code) => json!({ "kind": "system", "code": code }),
    }
}

/// Active staff with their 第5条 appointments, as on the organisation page.
pub async fn staff(caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewOrganisation)?;
    let world = &caller.world;
    let mut people: Vec<_> = world.staff.values().filter(|s| s.active).collect();
    people.sort_by(|a, b| a.id.cmp(&b.id));
    let items: Vec<Value> = people
        .into_iter()
        .map(|s| {
            let roles: Vec<Value> = world
                .assignments
                .get(&s.id)
                .map(|list| {
                    list.iter()
                        .map(|a| json!({ "role": a.role.id(), "scope": scope(&a.scope) }))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "id": s.id,
                "name": s.name,
                "department": s.department,
                "roles": roles,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

/// Compliance findings on the assets the caller may see in full (as on the findings page).
pub async fn findings(
    caller: ApiCaller,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q: PageQuery = query(raw.as_deref())?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    require(&caller, Capability::ViewFindings)?;
    let visible = visible_assets(&state, &caller.subject).await?;
    let all = crate::pages::visible_findings(&state, &visible, state.now()).await?;
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|f| {
            json!({
                "rule": f.rule,
                "citation": { "ja": f.citation.to_string(), "en": f.citation.english() },
                "asset_id": f.asset_id,
                "asset_name": f.asset_name,
                "title": { "ja": f.title.ja, "en": f.title.en },
                "detail": { "ja": f.detail.ja, "en": f.detail.en },
            })
        })
        .collect();
    let mut body = page_info(all.len(), page, per_page);
    body["items"] = Value::Array(items);
    Ok(Json(body))
}
