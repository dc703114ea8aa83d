//! 隔離メール (無害化, 第2条第13号): the originals the relay kept. A recipient asks for the original
//! with a reason; the 情報セキュリティ管理者 of their 課 (or the 責任者 of their 部, 統括, CISO)
//! approves or refuses with a note; the relay then delivers it. Who sees and decides what is
//! `Policy`'s call; recipients are matched to staff by e-mail address.

use crate::render::{Chrome, html};
use crate::session::{OrgView, Viewer};
use crate::{AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset};
use mamori_core::access::{QuarantineRecipient, QuarantineRef};
use mamori_core::{Lang, Staff};
use mamori_store::{QuarantineItem, QuarantineState, StoreError};
use serde::Deserialize;

/// The newest items looked at; older ones are expired long before this matters.
const LIST_LIMIT: i64 = 1000;
/// Longest reason or note kept.
const TEXT_LIMIT: usize = 1000;

/// One row of the page: only what the policy let this viewer see, with what they may do.
pub struct Row {
    pub id: i64,
    pub quarantine_id: String,
    pub received_at: String,
    pub sender: String,
    pub recipients: String,
    pub subject: String,
    pub files: Vec<String>,
    pub reason: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub request: Option<String>,
    pub decision: Option<String>,
    pub may_request: bool,
    pub may_decide: bool,
}

#[derive(Template)]
#[template(path = "quarantine.html")]
pub struct QuarantinePage {
    pub p: Chrome,
    pub rows: Vec<Row>,
}

/// Staff whose address is among the item's recipients (case-insensitive, as mail addresses are
/// in practice).
fn recipients_of<'a>(item: &QuarantineItem, staff: &'a [Staff]) -> Vec<QuarantineRecipient<'a>> {
    staff
        .iter()
        .filter(|s| {
            s.email.as_deref().is_some_and(|e| {
                item.recipients
                    .iter()
                    .any(|r| r.trim().eq_ignore_ascii_case(e.trim()))
            })
        })
        .map(|s| QuarantineRecipient {
            staff_id: &s.id,
            department: &s.department,
        })
        .collect()
}

fn reference<'a>(
    item: &'a QuarantineItem,
    recipients: &'a [QuarantineRecipient<'a>],
) -> QuarantineRef<'a> {
    QuarantineRef {
        recipients,
        requested_by: item.requested_by.as_deref(),
    }
}

fn state_label(s: QuarantineState, lang: Lang) -> (&'static str, &'static str) {
    match s {
        QuarantineState::Held => (lang.pick("隔離中", "Held"), "warn"),
        QuarantineState::Requested => (lang.pick("解放申請中", "Release requested"), "warn"),
        QuarantineState::Approved => (lang.pick("承認済み（配送待ち）", "Approved"), "ok"),
        QuarantineState::Refused => (lang.pick("却下", "Refused"), "bad"),
        QuarantineState::Released => (lang.pick("配送済み", "Released"), "ok"),
        QuarantineState::Expired => (lang.pick("保存期間満了（削除済み）", "Expired"), "muted"),
    }
}

/// Stored times are UTC; people read Japan time.
fn japan_time(at: &str) -> String {
    let jst = FixedOffset::east_opt(9 * 3600);
    match (DateTime::parse_from_rfc3339(at), jst) {
        (Ok(t), Some(jst)) => t.with_timezone(&jst).format("%Y-%m-%d %H:%M").to_string(),
        _ => at.to_string(),
    }
}

fn name_of(staff: &[Staff], id: &str) -> String {
    staff
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn row(item: &QuarantineItem, staff: &[Staff], viewer: &Viewer, org: &OrgView) -> Option<Row> {
    let recipients = recipients_of(item, staff);
    let q = reference(item, &recipients);
    let policy = org.policy();
    if !policy.may_view_quarantine(&viewer.subject, &q) {
        return None;
    }
    let lang = viewer.lang;
    let (state, state_class) = state_label(item.state, lang);
    let request = item.requested_by.as_deref().map(|who| {
        format!(
            "{}（{}）: {}",
            name_of(staff, who),
            item.requested_at
                .as_deref()
                .map(japan_time)
                .unwrap_or_default(),
            item.request_reason.as_deref().unwrap_or("")
        )
    });
    let decision = item.decided_by.as_deref().map(|who| {
        format!(
            "{}（{}）: {}",
            name_of(staff, who),
            item.decided_at
                .as_deref()
                .map(japan_time)
                .unwrap_or_default(),
            item.decision_note.as_deref().unwrap_or("")
        )
    });
    Some(Row {
        id: item.id,
        quarantine_id: item.quarantine_id.clone(),
        received_at: japan_time(&item.received_at),
        sender: item.sender.clone(),
        recipients: item.recipients.join(", "),
        subject: item.subject.clone(),
        files: item
            .files
            .iter()
            .map(|(name, size)| format!("{name}（{size} バイト）"))
            .collect(),
        reason: item.reason.clone(),
        state,
        state_class,
        request,
        decision,
        may_request: matches!(item.state, QuarantineState::Held | QuarantineState::Refused)
            && policy.may_request_release(&viewer.subject, &q),
        may_decide: item.state == QuarantineState::Requested
            && policy.may_decide_release(&viewer.subject, &q),
    })
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let staff = state.store.staff().await?;
    let rows = state
        .store
        .quarantine_items(LIST_LIMIT)
        .await?
        .iter()
        .filter_map(|item| row(item, &staff, &viewer, &org))
        .collect();
    let page = QuarantinePage {
        p: viewer.chrome(&org, "quarantine"),
        rows,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    #[serde(default)]
    note: String,
}

/// A required free text: trimmed, not empty, not longer than [`TEXT_LIMIT`] characters.
fn required_text(s: &str, what: &str) -> Result<String, WebError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > TEXT_LIMIT {
        return Err(WebError::BadRequest(format!(
            "{what} must be 1..{TEXT_LIMIT} characters"
        )));
    }
    Ok(t.to_string())
}

/// The item, if it exists and this viewer may see it (otherwise 404: its existence is not told).
async fn visible(
    state: &AppState,
    viewer: &Viewer,
    org: &OrgView,
    staff: &[Staff],
    id: &str,
) -> Result<QuarantineItem, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let item = state
        .store
        .quarantine_item(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let recipients = recipients_of(&item, staff);
    if !org
        .policy()
        .may_view_quarantine(&viewer.subject, &reference(&item, &recipients))
    {
        return Err(WebError::NotFound);
    }
    Ok(item)
}

/// A transition the item's state no longer allows (e.g. decided in another tab) is a bad request.
fn conflict(e: StoreError) -> WebError {
    match e {
        StoreError::Invalid(why) => WebError::BadRequest(why),
        other => WebError::Store(other),
    }
}

pub async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: RequestForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    let staff = state.store.staff().await?;
    let item = visible(&state, &viewer, &org, &staff, &id).await?;
    let recipients = recipients_of(&item, &staff);
    if !org
        .policy()
        .may_request_release(&viewer.subject, &reference(&item, &recipients))
    {
        return Err(WebError::Forbidden);
    }
    let reason = required_text(&form.reason, "reason")?;
    // The original goes to the asker's own address, the one that matched a recipient.
    let release_to = staff
        .iter()
        .find(|s| s.id == viewer.subject.staff_id)
        .and_then(|s| s.email.clone())
        .ok_or(WebError::Forbidden)?;
    state
        .store
        .request_release(
            item.id,
            &viewer.subject.staff_id,
            release_to.trim(),
            &reason,
            &viewer.actor(),
            &state.now().timestamp(),
        )
        .await
        .map_err(conflict)?;
    Ok(Redirect::to("/quarantine").into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: DecideForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    let staff = state.store.staff().await?;
    let item = visible(&state, &viewer, &org, &staff, &id).await?;
    let recipients = recipients_of(&item, &staff);
    if !org
        .policy()
        .may_decide_release(&viewer.subject, &reference(&item, &recipients))
    {
        return Err(WebError::Forbidden);
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(WebError::BadRequest("decision".into())),
    };
    // A refusal must say why; an approval may.
    let note = if approve {
        form.note.trim().chars().take(TEXT_LIMIT).collect()
    } else {
        required_text(&form.note, "note")?
    };
    state
        .store
        .decide_release(
            item.id,
            approve,
            &viewer.subject.staff_id,
            &note,
            &viewer.actor(),
            &state.now().timestamp(),
        )
        .await
        .map_err(conflict)?;
    Ok(Redirect::to("/quarantine").into_response())
}
