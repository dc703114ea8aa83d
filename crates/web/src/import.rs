//! 情報資産台帳の取込 in the browser: upload an xlsx or CSV, read a preview, then confirm.
//!
//! The file goes through the same use case as `mamori assets import` (`app::register`), first as a
//! dry run for the preview and again, for real, on confirmation. Every row must also pass
//! `Policy::may_change` for the person, for the asset as stored and as the row would make it;
//! refused rows are row errors in the preview. Between preview and confirmation the uploaded
//! bytes wait in memory under a random ID bound to the session, for a limited time: nothing the
//! browser sends back is ever used as a path.

use crate::render::{ImportPage, ImportPreview, PreviewRowView, html};
use crate::session::{OrgView, Viewer, check_token_value};
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use mamori_app::register::{ImportReport, PreviewRow};
use mamori_app::{Actor, AppError};
use mamori_core::access::{AssetRef, Capability, Change, Policy, Subject};
use mamori_core::{Asset, AssetStatus, Lang, Scheme};
use rand::RngCore;
use serde::Deserialize;
use std::collections::HashMap;

/// A whole municipality's register as xlsx is a few MB; larger uploads are refused with 413.
pub const IMPORT_UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// How long a preview can be confirmed.
const PENDING_FOR: TimeDelta = TimeDelta::minutes(30);
/// Uploads waiting for confirmation may hold at most this much memory; the oldest go first.
const PENDING_BYTES: usize = 128 * 1024 * 1024;
/// Row errors shown on one page (the count says how many more there are).
const SHOWN_ERRORS: usize = 500;

/// An uploaded file waiting for its "取り込む".
pub(crate) struct PendingImport {
    /// The SHA-256 of the session token it belongs to.
    session: String,
    file_name: String,
    bytes: Vec<u8>,
    expires: DateTime<Utc>,
}

/// Uploads waiting for confirmation, by random ID.
#[derive(Default)]
pub(crate) struct PendingImports {
    entries: HashMap<String, PendingImport>,
}

impl PendingImports {
    fn insert(&mut self, id: String, pending: PendingImport, now: DateTime<Utc>) {
        self.entries
            .retain(|_, p| p.expires > now && p.session != pending.session);
        let mut total: usize = self.entries.values().map(|p| p.bytes.len()).sum();
        while total + pending.bytes.len() > PENDING_BYTES {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, p)| p.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(p) = self.entries.remove(&oldest) {
                total -= p.bytes.len();
            }
        }
        self.entries.insert(id, pending);
    }

    /// The upload, if it exists, belongs to this session and has not expired. It is removed:
    /// a preview is confirmed at most once.
    fn take(&mut self, id: &str, session: &str, now: DateTime<Utc>) -> Option<PendingImport> {
        self.entries.retain(|_, p| p.expires > now);
        match self.entries.get(id) {
            Some(p) if p.session == session => self.entries.remove(id),
            _ => None,
        }
    }
}

fn may_import(org: &OrgView, viewer: &Viewer) -> Result<(), WebError> {
    if org
        .policy()
        .may(&viewer.subject, Capability::ImportRegister)
    {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

fn page(viewer: &Viewer, org: &OrgView) -> ImportPage {
    ImportPage {
        p: viewer.chrome(org, "assets"),
        limit_mb: IMPORT_UPLOAD_LIMIT / (1024 * 1024),
        error: None,
        file_name: None,
        error_summary: None,
        row_errors: Vec::new(),
        more_errors: 0,
        preview: None,
        done: None,
    }
}

pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    may_import(&org, &viewer)?;
    Ok(html(&page(&viewer, &org))?.into_response())
}

fn upload_error(e: MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge
    } else {
        WebError::BadRequest(e.body_text())
    }
}

/// The last component of a browser-supplied file name: only used to tell CSV from xlsx and to
/// show the person which file they chose.
fn base_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    base.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// Whether the person may write this row: change the stored asset (if any) and the asset as the
/// row would make it.
fn may_write(
    policy: &Policy<'_>,
    subject: &Subject,
    scheme: &Scheme,
    incoming: &Asset,
    stored: Option<&Asset>,
) -> bool {
    let change = match stored {
        None => Change::Create,
        Some(s)
            if s.status != AssetStatus::Disposed && incoming.status == AssetStatus::Disposed =>
        {
            Change::Dispose
        }
        Some(_) => Change::Edit,
    };
    policy.may_change(subject, &AssetRef::of(incoming, scheme), change)
        && stored.is_none_or(|s| policy.may_change(subject, &AssetRef::of(s, scheme), change))
}

/// Run the shared import use case with the person's row guard.
async fn run(
    state: &AppState,
    org: &OrgView,
    viewer: &Viewer,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Result<ImportReport, AppError>, WebError> {
    let policy = org.policy();
    let scheme = state.store.organisation().await?.scheme;
    let guard = |incoming: &Asset, stored: Option<&Asset>| {
        may_write(&policy, &viewer.subject, &scheme, incoming, stored)
    };
    let result = mamori_app::register::import_guarded(
        &state.store,
        file_name,
        bytes,
        dry_run,
        &Actor(viewer.actor()),
        state.now(),
        Some(&guard),
    )
    .await;
    match result {
        Err(AppError::Store(e)) => Err(e.into()),
        other => Ok(other),
    }
}

fn rows(list: &[PreviewRow], org: &OrgView) -> Vec<PreviewRowView> {
    list.iter()
        .map(|r| PreviewRowView {
            row: r.row,
            id: r.asset.id.clone(),
            name: r.asset.name.clone(),
            department: r
                .asset
                .department
                .as_deref()
                .map(|d| org.name_of(d).to_string())
                .unwrap_or_default(),
        })
        .collect()
}

/// The page for a failed run: row errors in a table, anything else as one message.
fn failure(mut model: ImportPage, error: AppError, lang: Lang) -> (StatusCode, ImportPage) {
    match error {
        AppError::Rows(errors) => {
            model.error_summary = Some(AppError::Rows(errors.clone()).message(lang));
            model.more_errors = errors.len().saturating_sub(SHOWN_ERRORS);
            model.row_errors = errors
                .iter()
                .take(SHOWN_ERRORS)
                .map(|e| {
                    (
                        e.row,
                        e.column.clone().unwrap_or_else(|| "—".into()),
                        e.reason(lang),
                    )
                })
                .collect();
            (StatusCode::OK, model)
        }
        other => {
            model.error = Some(format!(
                "{} {}",
                other.message(lang),
                lang.pick("台帳は変更していません。", "The register was not changed.")
            ));
            (StatusCode::BAD_REQUEST, model)
        }
    }
}

pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    may_import(&org, &viewer)?;
    let lang = viewer.lang;
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(upload_error)? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(base_name);
        let bytes = field.bytes().await.map_err(upload_error)?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some((file_name.unwrap_or_default(), bytes.to_vec())),
            _ => {}
        }
    }
    // The token is checked before the file is read.
    check_token_value(&csrf, &viewer.csrf)?;
    let mut model = page(&viewer, &org);
    let Some((file_name, bytes)) = file.filter(|(name, _)| !name.is_empty()) else {
        model.error = Some(
            lang.pick(
                "取り込むファイル（.xlsx 又は .csv）を選んでください。",
                "Choose the file to import (.xlsx or .csv).",
            )
            .to_string(),
        );
        return Ok((StatusCode::BAD_REQUEST, html(&model)?).into_response());
    };
    model.file_name = Some(file_name.clone());
    let report = match run(&state, &org, &viewer, &file_name, &bytes, true).await? {
        Ok(report) => report,
        Err(e) => {
            let (status, model) = failure(model, e, lang);
            return Ok((status, html(&model)?).into_response());
        }
    };
    let mut id = [0u8; 32];
    state.rng().fill_bytes(&mut id);
    let upload = hex::encode(id);
    let now = state.clock.now();
    state
        .pending_imports
        .lock()
        .map_err(|_| WebError::Internal("pending imports poisoned".into()))?
        .insert(
            upload.clone(),
            PendingImport {
                session: viewer.token_hash.clone(),
                file_name,
                bytes,
                expires: now + PENDING_FOR,
            },
            now,
        );
    model.preview = Some(ImportPreview {
        upload,
        created: report.summary.created,
        updated: report.summary.updated,
        unchanged: report.summary.unchanged,
        summary: summary_line(&report, lang),
        sections: vec![
            (
                lang.pick("新規（先頭の行）", "New (first rows)"),
                rows(&report.created, &org),
            ),
            (
                lang.pick("更新（先頭の行）", "Updated (first rows)"),
                rows(&report.updated, &org),
            ),
            (
                lang.pick("変更なし（先頭の行）", "Unchanged (first rows)"),
                rows(&report.unchanged, &org),
            ),
        ],
        ignored_columns: report.ignored_columns.join("、"),
    });
    Ok(html(&model)?.into_response())
}

fn summary_line(report: &ImportReport, lang: Lang) -> String {
    let s = report.summary;
    match lang {
        Lang::Ja => format!(
            "新規 {} 件・更新 {} 件・変更なし {} 件",
            s.created, s.updated, s.unchanged
        ),
        Lang::En => format!(
            "{} new, {} updated, {} unchanged",
            s.created, s.updated, s.unchanged
        ),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    upload: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: ConfirmForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    may_import(&org, &viewer)?;
    let lang = viewer.lang;
    let pending = state
        .pending_imports
        .lock()
        .map_err(|_| WebError::Internal("pending imports poisoned".into()))?
        .take(&form.upload, &viewer.token_hash, state.clock.now());
    let mut model = page(&viewer, &org);
    let Some(pending) = pending else {
        model.error = Some(
            lang.pick(
                "確認画面の有効期限が切れたか、既に取り込み済みです。台帳は変更していません。もう一度ファイルを選んでください。",
                "The preview has expired or was already imported. The register was not changed. Choose the file again.",
            )
            .to_string(),
        );
        return Ok((StatusCode::BAD_REQUEST, html(&model)?).into_response());
    };
    model.file_name = Some(pending.file_name.clone());
    // Run again, for real: the register or the person's appointments may have changed since the
    // preview, and the same checks decide.
    match run(
        &state,
        &org,
        &viewer,
        &pending.file_name,
        &pending.bytes,
        false,
    )
    .await?
    {
        Ok(report) => {
            let summary = summary_line(&report, lang);
            model.done = Some(match lang {
                Lang::Ja => {
                    format!("取り込みました: {summary}。変更はすべて監査ログに記録しました。")
                }
                Lang::En => format!("Imported: {summary}. Every change is in the audit log."),
            });
            Ok(html(&model)?.into_response())
        }
        Err(e) => {
            let (status, model) = failure(model, e, lang);
            Ok((status, html(&model)?).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + TimeDelta::minutes(minutes)
    }

    fn pending(session: &str, size: usize, now: DateTime<Utc>) -> PendingImport {
        PendingImport {
            session: session.into(),
            file_name: "台帳.xlsx".into(),
            bytes: vec![0; size],
            expires: now + PENDING_FOR,
        }
    }

    #[test]
    fn an_upload_is_taken_once_by_its_own_session_before_it_expires() {
        let mut p = PendingImports::default();
        p.insert("a".into(), pending("s1", 10, at(0)), at(0));
        assert!(p.take("a", "s2", at(1)).is_none(), "another session");
        assert!(p.take("a", "s1", at(1)).is_some());
        assert!(p.take("a", "s1", at(2)).is_none(), "only once");
        p.insert("b".into(), pending("s1", 10, at(0)), at(0));
        assert!(p.take("b", "s1", at(31)).is_none(), "expired");
    }

    #[test]
    fn a_new_upload_replaces_the_sessions_previous_one_and_memory_is_bounded() {
        let mut p = PendingImports::default();
        p.insert("a".into(), pending("s1", 10, at(0)), at(0));
        p.insert("b".into(), pending("s1", 10, at(1)), at(1));
        assert!(p.take("a", "s1", at(2)).is_none());
        let big = PENDING_BYTES / 2 + 1;
        p.insert("c".into(), pending("s2", big, at(2)), at(2));
        p.insert("d".into(), pending("s3", big, at(3)), at(3));
        assert!(p.entries.values().map(|e| e.bytes.len()).sum::<usize>() <= PENDING_BYTES);
        assert!(p.take("c", "s2", at(4)).is_none(), "the oldest made room");
        assert!(p.take("d", "s3", at(4)).is_some());
    }
}
