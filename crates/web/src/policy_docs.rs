//! The policy library (/policy): the three tiers (規程・対策基準・実施手順) with their versions,
//! each version's provision tree, uploads of new versions, the lifecycle and the 新旧対照.
//! 実施手順 are non-public (第10条第2項): whoever the policy does not let read them gets 404 and
//! never sees their titles; every permitted read is written to the audit log.

use crate::render::{Chrome, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::upload::{self, UploadError};
use crate::{AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_app::Actor;
use mamori_app::policy::{PolicyDocumentSpec, review_due};
use mamori_core::access::{Capability, Policy};
use mamori_core::policy_doc::{DocumentTier, TransitionError, VersionState};
use mamori_core::{Lang, Role};
use mamori_store::DocumentSummary;
use serde::Deserialize;

/// A regulation of a whole municipality is well under this.
pub const POLICY_UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

pub struct DocRow {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub state: String,
    pub due: String,
    pub overdue: bool,
}

pub struct TierGroup {
    pub label: String,
    pub citation: String,
    pub public: bool,
    pub docs: Vec<DocRow>,
}

#[derive(Template)]
#[template(path = "policy_list.html")]
pub struct PolicyListPage {
    pub p: Chrome,
    pub tiers: Vec<TierGroup>,
    pub may_upload: bool,
    pub tier_options: Vec<Opt>,
    pub error: Option<String>,
}

pub struct VersionRow {
    pub number: u32,
    pub state: String,
    pub instrument: String,
    pub effective: String,
    pub summary: String,
    pub created: String,
    /// (state id, button label) of the next steps.
    pub actions: Vec<(String, String)>,
    pub needs_enactment: bool,
}

#[derive(Template)]
#[template(path = "policy_document.html")]
pub struct DocumentPage {
    pub p: Chrome,
    pub id: String,
    pub title: String,
    pub tier: String,
    pub public: bool,
    pub review_months: u32,
    pub last_reviewed: String,
    pub due: String,
    pub overdue: bool,
    pub versions: Vec<VersionRow>,
    pub may_manage: bool,
}

pub struct ProvisionRow {
    pub anchor: String,
    pub citation: String,
    pub caption: String,
    pub text: String,
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "policy_version.html")]
pub struct VersionPage {
    pub p: Chrome,
    pub id: String,
    pub title: String,
    pub version: u32,
    pub state: String,
    pub instrument: String,
    pub effective: String,
    pub summary: String,
    pub audited: bool,
    pub preamble: String,
    pub provisions: Vec<ProvisionRow>,
}

pub struct DiffRow {
    pub citation: String,
    pub kind: String,
    pub kind_class: &'static str,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "policy_diff.html")]
pub struct DiffPage {
    pub p: Chrome,
    pub id: String,
    pub title: String,
    pub from: u32,
    pub to: u32,
    pub versions: Vec<u32>,
    pub audited: bool,
    pub rows: Vec<DiffRow>,
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The document, if it exists and the person may read its tier. Hidden looks like unknown.
async fn readable(
    state: &AppState,
    policy: &Policy<'_>,
    viewer: &Viewer,
    id: &str,
) -> Result<DocumentSummary, WebError> {
    state
        .store
        .policy_documents()
        .await?
        .into_iter()
        .find(|d| d.document.id == id)
        .filter(|d| policy.may_read_policy_tier(&viewer.subject, d.document.tier))
        .ok_or(WebError::NotFound)
}

/// A document due for review: (id, title, due date, overdue).
pub struct DueDocument {
    pub id: String,
    pub title: String,
    pub due: NaiveDate,
    pub overdue: bool,
}

/// Documents the person may read whose review is overdue or due within `within_days`.
pub async fn due_for_review(
    state: &AppState,
    policy: &Policy<'_>,
    viewer: &Viewer,
    today: NaiveDate,
    within_days: i64,
) -> Result<Vec<DueDocument>, WebError> {
    let mut out = Vec::new();
    for d in state.store.policy_documents().await? {
        if !policy.may_read_policy_tier(&viewer.subject, d.document.tier) {
            continue;
        }
        let versions = state.store.policy_versions(&d.document.id).await?;
        if let Some(due) = review_due(&d.document, &versions)
            && due <= today + chrono::TimeDelta::days(within_days)
        {
            out.push(DueDocument {
                id: d.document.id.clone(),
                title: d.document.title.clone(),
                due,
                overdue: due < today,
            });
        }
    }
    out.sort_by_key(|d| d.due);
    Ok(out)
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewPolicy) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let today = state.now().today_in_japan();
    let documents = state.store.policy_documents().await?;
    let mut tiers = Vec::new();
    for tier in DocumentTier::ALL {
        if !policy.may_read_policy_tier(&viewer.subject, tier) {
            continue;
        }
        let mut docs = Vec::new();
        for d in documents.iter().filter(|d| d.document.tier == tier) {
            let versions = state.store.policy_versions(&d.document.id).await?;
            let due = review_due(&d.document, &versions);
            docs.push(DocRow {
                id: d.document.id.clone(),
                title: d.document.title.clone(),
                version: d.latest_version,
                state: d.latest_state.label(lang).to_string(),
                due: date_text(due),
                overdue: due.is_some_and(|d| d < today),
            });
        }
        tiers.push(TierGroup {
            label: tier.label(lang).to_string(),
            citation: tier.citation().to_string(),
            public: tier.is_public(),
            docs,
        });
    }
    let page = PolicyListPage {
        p: viewer.chrome(&org, "policy"),
        may_upload: policy.may(&viewer.subject, Capability::ManagePolicyDocuments),
        tier_options: DocumentTier::ALL
            .into_iter()
            .filter(|t| policy.may_read_policy_tier(&viewer.subject, *t))
            .map(|t| Opt {
                value: t.id().to_string(),
                label: t.label(lang).to_string(),
                selected: false,
            })
            .collect(),
        tiers,
        error,
    };
    Ok((status, html(&page)?).into_response())
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    list_page(&state, &viewer, None, StatusCode::OK).await
}

fn valid_document_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Upload a new version (.txt in UTF-8/Shift_JIS or .docx) as a draft.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Multipart,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ManagePolicyDocuments) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let form = match upload::read(form, &viewer, "file", POLICY_UPLOAD_LIMIT).await {
        Ok(f) => f,
        Err(UploadError::Web(e)) => return Err(e),
        Err(UploadError::TooLarge) => {
            return upload::notice(
                viewer.chrome(&org, "policy"),
                StatusCode::PAYLOAD_TOO_LARGE,
                lang.pick("ファイルが大きすぎます", "File too large"),
                lang.pick(
                    "規程のファイルは 8MB までです。",
                    "A policy file may be at most 8 MB.",
                )
                .to_string(),
                "/policy",
            );
        }
    };
    let id = form.text("document").to_string();
    let refuse = |message: String| async {
        list_page(&state, &viewer, Some(message), StatusCode::BAD_REQUEST).await
    };
    if !valid_document_id(&id) {
        return refuse(
            lang.pick(
                "文書IDは英数字・「-」・「_」で64文字以内にしてください（例: kitei、tejun-mail）。",
                "The document ID must be up to 64 letters, digits, '-' or '_' (e.g. kitei).",
            )
            .to_string(),
        )
        .await;
    }
    let existing = state
        .store
        .policy_documents()
        .await?
        .into_iter()
        .find(|d| d.document.id == id);
    let tier = match &existing {
        Some(d) => d.document.tier,
        None => match DocumentTier::parse(form.text("tier")) {
            Some(t) => t,
            None => return Err(WebError::BadRequest("tier".into())),
        },
    };
    // Adding to a document one may not read looks like any other refusal to an unknown page.
    if !policy.may_read_policy_tier(&viewer.subject, tier) {
        return Err(WebError::NotFound);
    }
    let Some(file) = form.file.as_ref() else {
        return refuse(
            lang.pick("ファイルを選んでください。", "Choose a file.")
                .to_string(),
        )
        .await;
    };
    let months = match form.text("review_months") {
        "" => existing.as_ref().map_or(12, |d| d.document.review_months),
        m => match m.parse::<u32>() {
            Ok(m) if (1..=120).contains(&m) => m,
            _ => {
                return refuse(
                    lang.pick(
                        "見直しの周期は1〜120か月で指定してください。",
                        "The review cycle must be 1 to 120 months.",
                    )
                    .to_string(),
                )
                .await;
            }
        },
    };
    let title = form.text("title");
    let spec = PolicyDocumentSpec {
        id: id.clone(),
        tier,
        title: (!title.is_empty()).then(|| title.to_string()),
        review_months: months,
        change_summary: form.text("summary").to_string(),
    };
    match mamori_app::policy::import(
        &state.store,
        &file.name,
        &file.bytes,
        spec,
        &Actor(viewer.actor()),
        state.now(),
    )
    .await
    {
        Ok(imported) => Ok(Redirect::to(&format!(
            "/policy/{}/v/{}",
            imported.document_id, imported.version
        ))
        .into_response()),
        Err(mamori_app::policy::ImportPolicyError::App(mamori_app::AppError::Store(
            mamori_store::StoreError::Locked,
        ))) => Err(WebError::Store(mamori_store::StoreError::Locked)),
        Err(e) => refuse(e.message(lang)).await,
    }
}

/// The next steps a version can take, whoever asks (the role check comes when one is chosen).
fn next_states(state: VersionState) -> &'static [VersionState] {
    use VersionState::*;
    match state {
        Draft => &[UnderReview],
        UnderReview => &[Approved, Draft],
        Approved => &[InForce],
        InForce | Superseded => &[],
    }
}

fn action_label(to: VersionState, lang: Lang) -> &'static str {
    match to {
        VersionState::UnderReview => lang.pick("審議に付す", "Put under review"),
        VersionState::Draft => lang.pick("起案に差し戻す", "Return to draft"),
        VersionState::Approved => lang.pick("決定する", "Approve"),
        VersionState::InForce => lang.pick("施行する", "Bring into force"),
        VersionState::Superseded => lang.pick("廃止する", "Supersede"),
    }
}

pub async fn document(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    let d = readable(&state, &policy, &viewer, &id).await?;
    let lang = viewer.lang;
    let versions = state.store.policy_versions(&id).await?;
    let due = review_due(&d.document, &versions);
    let today = state.now().today_in_japan();
    let may_manage = policy.may(&viewer.subject, Capability::ManagePolicyDocuments);
    let page = DocumentPage {
        p: viewer.chrome(&org, "policy"),
        id: d.document.id.clone(),
        title: d.document.title.clone(),
        tier: d.document.tier.label(lang).to_string(),
        public: d.document.tier.is_public(),
        review_months: d.document.review_months,
        last_reviewed: date_text(d.document.last_reviewed),
        due: date_text(due),
        overdue: due.is_some_and(|x| x < today),
        versions: versions
            .iter()
            .map(|v| VersionRow {
                number: v.version.version,
                state: v.version.state.label(lang).to_string(),
                instrument: v.version.instrument.clone().unwrap_or_default(),
                effective: date_text(v.version.effective),
                summary: v.version.change_summary.clone(),
                created: v.created_at.chars().take(10).collect(),
                actions: if may_manage {
                    next_states(v.version.state)
                        .iter()
                        .map(|s| (s.id().to_string(), action_label(*s, lang).to_string()))
                        .collect()
                } else {
                    Vec::new()
                },
                needs_enactment: v.version.state == VersionState::Approved,
            })
            .collect(),
        may_manage,
    };
    Ok(html(&page)?.into_response())
}

fn parse_version(text: &str) -> Result<u32, WebError> {
    text.parse().map_err(|_| WebError::NotFound)
}

/// Write the read of a non-public version to the audit log; true when it was recorded.
async fn audit_read(
    state: &AppState,
    viewer: &Viewer,
    d: &DocumentSummary,
    version: u32,
) -> Result<bool, WebError> {
    if d.document.tier.is_public() {
        return Ok(false);
    }
    state
        .store
        .record_policy_read(
            &d.document.id,
            version,
            &viewer.actor(),
            &state.now().timestamp(),
        )
        .await?;
    Ok(true)
}

pub async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    let d = readable(&state, &policy, &viewer, &id).await?;
    let number = parse_version(&number)?;
    let (stored, tree) = mamori_app::policy::load(&state.store, &id, Some(number))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .ok_or(WebError::NotFound)?;
    let audited = audit_read(&state, &viewer, &d, number).await?;
    let lang = viewer.lang;
    let v = &stored.version;
    let page = VersionPage {
        p: viewer.chrome(&org, "policy"),
        id: id.clone(),
        title: d.document.title.clone(),
        version: number,
        state: v.state.label(lang).to_string(),
        instrument: v.instrument.clone().unwrap_or_default(),
        effective: date_text(v.effective),
        summary: v.change_summary.clone(),
        audited,
        preamble: tree.preamble.clone(),
        provisions: tree
            .provisions()
            .into_iter()
            .map(|p| ProvisionRow {
                depth: p.anchor.matches('-').count(),
                anchor: p.anchor,
                citation: p.citation,
                caption: p.caption.unwrap_or_default(),
                text: p.text,
            })
            .collect(),
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn diff(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    let d = readable(&state, &policy, &viewer, &id).await?;
    let numbers: Vec<u32> = state
        .store
        .policy_versions(&id)
        .await?
        .iter()
        .map(|v| v.version.version)
        .collect();
    let newest = numbers.first().copied().unwrap_or(1);
    let pick = |v: Option<&String>, default: u32| -> Result<u32, WebError> {
        match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
            Some(s) => s
                .parse()
                .map_err(|_| WebError::BadRequest(format!("version {s}"))),
            None => Ok(default),
        }
    };
    let to = pick(q.to.as_ref(), newest)?;
    let from = pick(q.from.as_ref(), to.saturating_sub(1).max(1))?;
    let load = |n: u32| {
        let store = state.store.clone();
        let id = id.clone();
        async move {
            mamori_app::policy::load(&store, &id, Some(n))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
                .ok_or(WebError::NotFound)
        }
    };
    let (_, old) = load(from).await?;
    let (_, new) = load(to).await?;
    let mut audited = audit_read(&state, &viewer, &d, from).await?;
    if to != from {
        audited |= audit_read(&state, &viewer, &d, to).await?;
    }
    let lang = viewer.lang;
    let rows = mamori_provisions::diff(&old, &new)
        .into_iter()
        .map(|c| {
            let (kind, class) = match c.kind {
                mamori_provisions::ChangeKind::Added => (lang.pick("追加", "Added"), "added"),
                mamori_provisions::ChangeKind::Removed => (lang.pick("削除", "Removed"), "removed"),
                mamori_provisions::ChangeKind::Modified => {
                    (lang.pick("改正", "Changed"), "modified")
                }
            };
            let text = |p: Option<mamori_provisions::Provision>| {
                p.map(|p| match p.caption {
                    Some(c) => format!("（{c}）{}", p.text),
                    None => p.text,
                })
                .unwrap_or_default()
            };
            DiffRow {
                citation: c.citation,
                kind: kind.to_string(),
                kind_class: class,
                old: text(c.old),
                new: text(c.new),
            }
        })
        .collect();
    let page = DiffPage {
        p: viewer.chrome(&org, "policy"),
        id: id.clone(),
        title: d.document.title.clone(),
        from,
        to,
        versions: numbers,
        audited,
        rows,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct AdvanceForm {
    to: String,
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    effective: String,
}

/// Move a version through its lifecycle. The capability lets someone try; core::policy_doc decides
/// whether their 第5条 roles allow this step, and its reason is shown when not.
pub async fn advance(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: AdvanceForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    readable(&state, &policy, &viewer, &id).await?;
    if !policy.may(&viewer.subject, Capability::ManagePolicyDocuments) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let number = parse_version(&number)?;
    let to = VersionState::parse(&form.to).ok_or_else(|| WebError::BadRequest("state".into()))?;
    let stored = state
        .store
        .policy_version(&id, Some(number))
        .await?
        .ok_or(WebError::NotFound)?;
    let enactment = if to == VersionState::InForce {
        let effective = NaiveDate::parse_from_str(form.effective.trim(), "%Y-%m-%d").ok();
        match (form.instrument.trim(), effective) {
            ("", _) | (_, None) => None,
            (instrument, Some(date)) => Some((instrument.to_string(), date)),
        }
    } else {
        None
    };
    let roles: Vec<Role> = viewer.subject.assignments.iter().map(|a| a.role).collect();
    // Ask core first, to tell a missing role (403) from an impossible step or missing data (400).
    let mut trial = stored.version.clone();
    if let Some((instrument, date)) = &enactment {
        trial.instrument = Some(instrument.clone());
        trial.effective = Some(*date);
    }
    let back = format!("/policy/{id}");
    if let Err(e) = trial.transition(to, &roles) {
        let status = match e {
            TransitionError::MissingRole { .. } => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        return upload::notice(
            viewer.chrome(&org, "policy"),
            status,
            lang.pick("この操作はできません", "This step is not possible"),
            e.message(lang),
            &back,
        );
    }
    state
        .store
        .advance_policy_version(
            &id,
            number,
            to,
            &roles,
            enactment,
            &viewer.actor(),
            &state.now().timestamp(),
        )
        .await?;
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
pub struct CycleForm {
    months: String,
}

pub async fn review_cycle(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: CycleForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    readable(&state, &policy, &viewer, &id).await?;
    if !policy.may(&viewer.subject, Capability::ManagePolicyDocuments) {
        return Err(WebError::Forbidden);
    }
    let back = format!("/policy/{id}");
    let months = match form.months.trim().parse::<u32>() {
        Ok(m) if (1..=120).contains(&m) => m,
        _ => {
            return upload::notice(
                viewer.chrome(&org, "policy"),
                StatusCode::BAD_REQUEST,
                viewer.lang.pick("入力が正しくありません", "Invalid input"),
                viewer
                    .lang
                    .pick(
                        "見直しの周期は1〜120か月で指定してください。",
                        "The review cycle must be 1 to 120 months.",
                    )
                    .to_string(),
                &back,
            );
        }
    };
    state
        .store
        .set_policy_review_cycle(&id, months, &viewer.actor(), &state.now().timestamp())
        .await?;
    Ok(Redirect::to(&back).into_response())
}
