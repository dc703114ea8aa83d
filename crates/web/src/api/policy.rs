//! `GET /api/v1/policy-documents`, `/threats`, `/measures`, `/risks` and `/reviews`: the policy
//! library, the 第3条 threats, the 第6条 measures with their status, the 第8条 risk register and
//! review records as JSON, under the same policy as the pages. 実施手順 are answered only to the
//! roles allowed to read them (404 otherwise, titles included), and every read of a version's
//! provisions is written to the audit log, as on the pages.

use super::ApiError;
use super::auth::ApiCaller;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use mamori_core::access::Capability;
use mamori_core::measures::{StatusScope, builtin_measures, regulation_group};
use mamori_store::DocumentSummary;
use serde_json::{Value, json};

fn require(caller: &ApiCaller, capability: Capability) -> Result<(), ApiError> {
    if caller.policy().may(&caller.subject, capability) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn date(d: Option<chrono::NaiveDate>) -> Value {
    d.map(|d| json!(d.format("%Y-%m-%d").to_string()))
        .unwrap_or(Value::Null)
}

/// Documents the caller may read.
async fn readable(state: &AppState, caller: &ApiCaller) -> Result<Vec<DocumentSummary>, ApiError> {
    let policy = caller.policy();
    Ok(state
        .store
        .policy_documents()
        .await?
        .into_iter()
        .filter(|d| policy.may_read_policy_tier(&caller.subject, d.document.tier))
        .collect())
}

async fn document_json(state: &AppState, d: &DocumentSummary) -> Result<Value, ApiError> {
    let versions = state.store.policy_versions(&d.document.id).await?;
    let due = mamori_app::policy::review_due(&d.document, &versions);
    Ok(json!({
        "id": d.document.id,
        "tier": d.document.tier.id(),
        "public": d.document.tier.is_public(),
        "title": d.document.title,
        "review_months": d.document.review_months,
        "last_reviewed": date(d.document.last_reviewed),
        "review_due": date(due),
        "versions": versions.iter().map(|v| json!({
            "version": v.version.version,
            "state": v.version.state.id(),
            "instrument": v.version.instrument,
            "effective": date(v.version.effective),
            "change_summary": v.version.change_summary,
            "created_at": v.created_at,
        })).collect::<Vec<_>>(),
    }))
}

pub async fn documents(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewPolicy)?;
    let mut items = Vec::new();
    for d in readable(&state, &caller).await? {
        items.push(document_json(&state, &d).await?);
    }
    Ok(Json(json!({ "items": items })))
}

pub async fn document(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewPolicy)?;
    let d = readable(&state, &caller)
        .await?
        .into_iter()
        .find(|d| d.document.id == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(document_json(&state, &d).await?))
}

/// One version with its provisions (citation, anchor, caption, text). Reads of 実施手順 are audited.
pub async fn version(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewPolicy)?;
    let d = readable(&state, &caller)
        .await?
        .into_iter()
        .find(|d| d.document.id == id)
        .ok_or_else(ApiError::not_found)?;
    let number: u32 = number.parse().map_err(|_| ApiError::not_found())?;
    let (stored, tree) = mamori_app::policy::load(&state.store, &id, Some(number))
        .await
        .map_err(|e| match e {
            mamori_app::AppError::Store(s) => ApiError::from(s),
            other => ApiError::from(crate::WebError::Internal(other.to_string())),
        })?
        .ok_or_else(ApiError::not_found)?;
    if !d.document.tier.is_public() {
        state
            .store
            .record_policy_read(&id, number, &caller.actor(), &state.now().timestamp())
            .await?;
    }
    let v = &stored.version;
    Ok(Json(json!({
        "document": id,
        "title": d.document.title,
        "version": number,
        "state": v.state.id(),
        "instrument": v.instrument,
        "effective": date(v.effective),
        "change_summary": v.change_summary,
        "provisions": tree.provisions().into_iter().map(|p| json!({
            "citation": p.citation,
            "anchor": p.anchor,
            "caption": p.caption,
            "text": p.text,
        })).collect::<Vec<_>>(),
    })))
}

pub async fn threats(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewPolicy)?;
    let items: Vec<Value> = crate::threats::catalogue(&state)
        .await?
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "category": crate::threats::category_id(t.category),
                "name": { "ja": t.name.ja, "en": t.name.en },
                "description": { "ja": t.description.ja, "en": t.description.en },
                "citation": { "ja": t.citation.to_string(), "en": t.citation.english() },
                "affects": t.affects.iter().map(|d| d.label(mamori_core::Lang::En).to_lowercase()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn measures(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewPolicy)?;
    let records = state.store.measure_status().await?;
    let catalogue = builtin_measures();
    let soa = mamori_core::measures::statement_of_applicability(&catalogue, &records);
    let items: Vec<Value> = soa
        .iter()
        .map(|row| {
            let m = &row.measure;
            let group = regulation_group(&m.citation);
            json!({
                "id": m.id,
                "citation": { "ja": m.citation.to_string(), "en": m.citation.english() },
                "group": { "ja": group.ja, "en": group.en },
                "ordinance_category": m.category.label(mamori_core::Lang::En),
                "title": { "ja": m.title.ja, "en": m.title.en },
                "overall": crate::measures::status_id(row.overall),
                "status": records.iter().filter(|r| r.measure == m.id).map(|r| json!({
                    "scope": match &r.scope {
                        StatusScope::Department(c) => json!({ "kind": "department", "code": c }),
                        StatusScope::System(c) => json!({ "kind": "system", "code": c }),
                    },
                    "status": crate::measures::status_id(r.status),
                    "assessed_on": r.assessed_on.format("%Y-%m-%d").to_string(),
                    "note": r.justification,
                    "evidence": r.evidence,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn risks(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewRisks)?;
    let items: Vec<Value> = state
        .store
        .risks()
        .await?
        .iter()
        .map(|r| {
            let m = crate::risks::matrix_of(&r.matrix);
            let k = &r.risk;
            let level = |score: u16| {
                m.band(score)
                    .map(|b| json!({ "ja": b.label.ja, "en": b.label.en }))
                    .unwrap_or(Value::Null)
            };
            json!({
                "target": k.asset,
                "target_name": r.target_name,
                "threat": k.threat,
                "matrix": r.matrix,
                "likelihood": k.likelihood,
                "impact": k.impact,
                "impact_overridden": k.impact_overridden,
                "inherent": { "score": k.inherent_score(&m), "level": level(k.inherent_score(&m)) },
                "residual": { "score": k.residual_score(&m), "level": level(k.residual_score(&m)) },
                "treatment": k.treatment,
                "measures": k.measures,
                "acceptance": k.acceptance.as_ref().map(|a| json!({
                    "staff": a.staff, "role": a.role.id(), "on": a.on,
                })),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

fn review_json(r: &mamori_store::PolicyReview, readable: &[DocumentSummary]) -> Value {
    // A document the caller may not read stays unnamed (第10条第2項).
    let shown = r
        .document_id
        .as_ref()
        .filter(|id| readable.iter().any(|d| &d.document.id == *id));
    json!({
        "id": r.id,
        "reviewed_on": r.reviewed_on.format("%Y-%m-%d").to_string(),
        "trigger": r.trigger.id(),
        "risks": r.risks,
        "decision": r.decision,
        "document": shown,
        "document_version": shown.and(r.document_version),
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at,
    })
}

pub async fn reviews(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewReviews)?;
    let docs = readable(&state, &caller).await?;
    let items: Vec<Value> = state
        .store
        .policy_reviews()
        .await?
        .iter()
        .map(|r| review_json(r, &docs))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn review(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require(&caller, Capability::ViewReviews)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let r = state
        .store
        .policy_review(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let docs = readable(&state, &caller).await?;
    Ok(Json(review_json(&r, &docs)))
}
