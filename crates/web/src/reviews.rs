//! 第8条 review records (/reviews): what triggered the review (監査結果・環境の変化・定期・その他),
//! the risks looked at, the decision and the policy version it led to. Saving is audited by the
//! store; a review naming a document also restarts that document's review cycle.

use crate::render::{Chrome, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::upload;
use crate::{AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_core::Lang;
use mamori_core::access::Capability;
use mamori_core::policy_doc::ReviewTrigger;
use mamori_store::{NewReview, PolicyReview};

pub struct ReviewRow {
    pub id: i64,
    pub on: String,
    pub trigger: String,
    pub risks: usize,
    pub decision: String,
    /// (link, text) of the policy version it led to.
    pub led_to: Option<(String, String)>,
    pub by: String,
}

#[derive(Template)]
#[template(path = "reviews.html")]
pub struct ReviewsPage {
    pub p: Chrome,
    pub rows: Vec<ReviewRow>,
    pub may_record: bool,
    pub triggers: Vec<Opt>,
    /// (risk key, label)
    pub risks: Vec<(String, String)>,
    pub versions: Vec<Opt>,
    pub today: String,
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub p: Chrome,
    pub row: ReviewRow,
    /// (link, label) of each risk looked at.
    pub risks: Vec<(String, String)>,
}

/// Documents whose titles the person may see, for labels and choices.
async fn readable_documents(
    state: &AppState,
    org: &OrgView,
    viewer: &Viewer,
) -> Result<Vec<mamori_store::DocumentSummary>, WebError> {
    let policy = org.policy();
    Ok(state
        .store
        .policy_documents()
        .await?
        .into_iter()
        .filter(|d| policy.may_read_policy_tier(&viewer.subject, d.document.tier))
        .collect())
}

fn review_row(
    r: &PolicyReview,
    documents: &[mamori_store::DocumentSummary],
    lang: Lang,
) -> ReviewRow {
    let led_to = r.document_id.as_ref().and_then(|doc| {
        // A document the person may not read stays unnamed.
        let d = documents.iter().find(|d| &d.document.id == doc)?;
        Some(match r.document_version {
            Some(v) => (
                format!("/policy/{doc}/v/{v}"),
                match lang {
                    Lang::Ja => format!("{} 第{v}版", d.document.title),
                    Lang::En => format!("{} v{v}", d.document.title),
                },
            ),
            None => (format!("/policy/{doc}"), d.document.title.clone()),
        })
    });
    ReviewRow {
        id: r.id,
        on: r.reviewed_on.format("%Y-%m-%d").to_string(),
        trigger: r.trigger.label(lang).to_string(),
        risks: r.risks.len(),
        decision: r.decision.clone(),
        led_to,
        by: r.recorded_by.clone(),
    }
}

async fn list_page(state: &AppState, viewer: &Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewReviews) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let documents = readable_documents(state, &org, viewer).await?;
    let rows = state
        .store
        .policy_reviews()
        .await?
        .iter()
        .map(|r| review_row(r, &documents, lang))
        .collect();
    let may_record = policy.may(&viewer.subject, Capability::RecordReviews);
    let (mut risks, mut versions) = (Vec::new(), Vec::new());
    if may_record {
        let threats = crate::threats::catalogue(state).await?;
        let mut stored = state.store.risks().await?;
        stored.sort_by_key(|r| {
            std::cmp::Reverse(r.risk.residual_score(&crate::risks::matrix_of(&r.matrix)))
        });
        risks = stored
            .iter()
            .map(|r| {
                let threat = threats
                    .iter()
                    .find(|t| t.id == r.risk.threat)
                    .map(|t| t.name.get(lang).to_string())
                    .unwrap_or_default();
                let score = r.risk.residual_score(&crate::risks::matrix_of(&r.matrix));
                (
                    format!("{}:{}", r.risk.asset, r.risk.threat),
                    format!("{} × {} {threat}（{score}）", r.target_name, r.risk.threat),
                )
            })
            .collect();
        versions.push(Opt {
            value: String::new(),
            label: lang.pick("（なし）", "(none)").to_string(),
            selected: true,
        });
        for d in &documents {
            for v in state.store.policy_versions(&d.document.id).await? {
                versions.push(Opt {
                    value: format!("{}:{}", d.document.id, v.version.version),
                    label: format!(
                        "{} {}{}{}（{}）",
                        d.document.title,
                        lang.pick("第", "v"),
                        v.version.version,
                        lang.pick("版", ""),
                        v.version.state.label(lang)
                    ),
                    selected: false,
                });
            }
        }
    }
    let page = ReviewsPage {
        p: viewer.chrome(&org, "reviews"),
        rows,
        may_record,
        triggers: ReviewTrigger::ALL
            .into_iter()
            .map(|t| Opt {
                value: t.id().to_string(),
                label: t.label(lang).to_string(),
                selected: false,
            })
            .collect(),
        risks,
        versions,
        today: state.now().today_in_japan().format("%Y-%m-%d").to_string(),
    };
    Ok(html(&page)?.into_response())
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    list_page(&state, &viewer).await
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields: Vec<(String, String)> = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::RecordReviews) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let trigger = ReviewTrigger::parse(get("trigger"))
        .ok_or_else(|| WebError::BadRequest("trigger".into()))?;
    let refuse = |message: &str| {
        upload::notice(
            viewer.chrome(&org, "reviews"),
            StatusCode::BAD_REQUEST,
            lang.pick("入力が正しくありません", "Invalid input"),
            message.to_string(),
            "/reviews",
        )
    };
    let Ok(reviewed_on) = NaiveDate::parse_from_str(get("on"), "%Y-%m-%d") else {
        return refuse(lang.pick(
            "見直しの日付を YYYY-MM-DD の形で入力してください。",
            "Enter the review date as YYYY-MM-DD.",
        ));
    };
    if get("decision").is_empty() {
        return refuse(lang.pick(
            "見直しの結果（決定事項）を記入してください。",
            "Write down the decision.",
        ));
    }
    let (document_id, document_version) = match get("version") {
        "" => (None, None),
        v => {
            let (doc, n) = v
                .rsplit_once(':')
                .and_then(|(d, n)| Some((d.to_string(), n.parse::<u32>().ok()?)))
                .ok_or_else(|| WebError::BadRequest("version".into()))?;
            // Naming a document one may not read is the same as naming an unknown one.
            let readable = readable_documents(&state, &org, &viewer)
                .await?
                .iter()
                .any(|d| d.document.id == doc);
            if !readable {
                return Err(WebError::NotFound);
            }
            (Some(doc), Some(n))
        }
    };
    let risks = fields
        .iter()
        .filter(|(k, _)| k == "risk")
        .map(|(_, v)| v.clone())
        .collect();
    let new = NewReview {
        reviewed_on,
        trigger,
        risks,
        decision: get("decision").to_string(),
        document_id,
        document_version,
    };
    let id = match state
        .store
        .add_policy_review(&new, &viewer.actor(), &state.now().timestamp())
        .await
    {
        Ok(id) => id,
        Err(
            e @ (mamori_store::StoreError::Invalid(_) | mamori_store::StoreError::NotFound { .. }),
        ) => {
            return refuse(&e.message(lang));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/reviews/{id}")).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewReviews) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let r = state
        .store
        .policy_review(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let documents = readable_documents(&state, &org, &viewer).await?;
    let stored = state.store.risks().await?;
    let risks = r
        .risks
        .iter()
        .map(|key| {
            let found = stored
                .iter()
                .find(|s| format!("{}:{}", s.risk.asset, s.risk.threat) == *key);
            match found {
                Some(s) => (
                    format!("/risks/{}/{}", s.risk.asset, s.risk.threat),
                    format!("{} × {}", s.target_name, s.risk.threat),
                ),
                None => (String::new(), key.clone()),
            }
        })
        .collect();
    let page = ReviewPage {
        p: viewer.chrome(&org, "reviews"),
        row: review_row(&r, &documents, lang),
        risks,
    };
    Ok(html(&page)?.into_response())
}
