//! `GET /api/v1/assets` and `GET /api/v1/assets/{id}`: the register as the pages show it.
//!
//! The list gives the same columns as the /assets page (a detail view of a 機密性3 asset is
//! audited, a list is not, so the list carries no more than the page does); existence-only rows
//! carry only ID, kind, department and classification, with `restricted: true`. Hidden assets are
//! never listed, counted or found, and their detail is a 404 exactly like an unknown ID.

use super::auth::ApiCaller;
use super::{ApiError, page_info, paging, query};
use crate::AppState;
use crate::listing::{Filters, ListQuery, Sort};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use mamori_core::access::{AssetRef, Policy, Visibility};
use mamori_core::register::format_date;
use mamori_core::{Asset, Classification};
use serde_json::{Value, json};

fn classification(c: &Classification) -> Value {
    json!({
        "confidentiality": c.confidentiality,
        "integrity": c.integrity,
        "availability": c.availability,
    })
}

/// One row of the list: what the /assets page shows for it.
fn summary(a: &Asset, v: Visibility) -> Value {
    let full = v == Visibility::Full;
    json!({
        "id": a.id,
        "restricted": !full,
        "kind": a.kind.id(),
        "department": a.department,
        "classification": classification(&a.classification),
        "name": full.then_some(&a.name),
        "zone": a.zone.filter(|_| full).map(|z| z.id()),
        "status": full.then(|| a.status.id()),
        "next_review": a.next_review.filter(|_| full).map(format_date),
    })
}

/// Everything about an asset (for those who may see it in full).
fn detail_json(a: &Asset) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "kind": a.kind.id(),
        "department": a.department,
        "manager": a.manager,
        "location": a.location,
        "zone": a.zone.map(|z| z.id()),
        "system": a.system,
        "classification": classification(&a.classification),
        "personal_info": a.personal_info,
        "my_number": a.my_number,
        "retention": a.retention,
        "disposal_method": a.disposal_method,
        "status": a.status.id(),
        "disposed_on": a.disposed_on.map(format_date),
        "next_review": a.next_review.map(format_date),
        "external_service": a.external_service,
        "external_terms": a.external_terms.map(|t| t.id()),
        "notes": a.notes,
    })
}

pub async fn list(caller: ApiCaller, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let q: ListQuery = query(raw.as_deref())?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    let world = &caller.world;
    let filters = Filters::parse(&q, &world.org, &world.organisation.scheme)?;
    let rows = world.matching(&caller.subject, &filters);
    let visibility = world.visibility(&caller.subject);
    let items: Vec<Value> = rows
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|i| {
            let i = *i as usize;
            summary(&world.register.assets[i], visibility[i])
        })
        .collect();
    let mut body = page_info(rows.len(), page, per_page);
    body["items"] = Value::Array(items);
    Ok(Json(body))
}

pub async fn detail(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = &caller.world;
    let assets = &world.register.assets;
    let order = world.order(Sort::Id);
    let found = order
        .binary_search_by(|i| assets[*i as usize].id.as_str().cmp(id.as_str()))
        .ok()
        .map(|at| &assets[order[at] as usize]);
    let asset = found.ok_or_else(ApiError::not_found)?;
    let aref = AssetRef::of(asset, &world.organisation.scheme);
    match caller.policy().visibility(&caller.subject, &aref) {
        // Unknown and hidden look the same, so that existence does not leak.
        Visibility::Hidden => Err(ApiError::not_found()),
        Visibility::ExistenceOnly => Err(ApiError::forbidden()),
        Visibility::Full => {
            if Policy::view_is_audited(&aref) {
                state
                    .store
                    .record_asset_view(&asset.id, &caller.actor(), &state.now().timestamp())
                    .await?;
            }
            Ok(Json(detail_json(asset)))
        }
    }
}
