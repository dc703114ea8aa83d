//! The measures of 第6条 (/measures): the catalogue grouped as the regulation groups them with the
//! MIC ordinance's category, the implementation status per department or information system with
//! dated notes and evidence files (kept in the database, downloads audited), and the statement of
//! applicability as xlsx.

use crate::assets::content_disposition;
use crate::render::{Chrome, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::upload::{self, UploadError};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mamori_core::Lang;
use mamori_core::access::Capability;
use mamori_core::measures::{
    ImplementationStatus, Measure, StatusRecord, StatusScope, builtin_measures, regulation_group,
    statement_of_applicability,
};

/// Evidence files (scans, spreadsheets, photos) larger than this are refused with 413.
pub const EVIDENCE_LIMIT: usize = 10 * 1024 * 1024;

const STATUSES: [ImplementationStatus; 4] = [
    ImplementationStatus::Implemented,
    ImplementationStatus::Partial,
    ImplementationStatus::NotImplemented,
    ImplementationStatus::NotApplicable,
];

pub fn status_id(s: ImplementationStatus) -> &'static str {
    match s {
        ImplementationStatus::Implemented => "implemented",
        ImplementationStatus::Partial => "partial",
        ImplementationStatus::NotImplemented => "not-implemented",
        ImplementationStatus::NotApplicable => "not-applicable",
    }
}

fn status_class(s: ImplementationStatus) -> &'static str {
    match s {
        ImplementationStatus::Implemented => "level0",
        ImplementationStatus::Partial => "level1",
        ImplementationStatus::NotImplemented => "level2",
        ImplementationStatus::NotApplicable => "muted",
    }
}

pub struct MeasureRow {
    pub id: String,
    pub citation: String,
    pub title: String,
    pub category: String,
    pub status: String,
    pub status_class: &'static str,
    pub scopes: usize,
}

pub struct MeasureGroup {
    pub label: String,
    pub rows: Vec<MeasureRow>,
}

#[derive(Template)]
#[template(path = "measures.html")]
pub struct MeasuresPage {
    pub p: Chrome,
    pub groups: Vec<MeasureGroup>,
    /// (ordinance category, number of measures)
    pub categories: Vec<(String, usize)>,
}

pub struct ScopeRow {
    pub scope: String,
    pub status: String,
    pub status_class: &'static str,
    pub on: String,
    pub note: String,
    /// (file id, name, size in KB)
    pub files: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "measure.html")]
pub struct MeasurePage {
    pub p: Chrome,
    pub id: String,
    pub title: String,
    pub citation: String,
    pub group: String,
    pub category: String,
    pub rows: Vec<ScopeRow>,
    pub may_download: bool,
    /// Scopes this person may record a status for.
    pub scopes: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub today: String,
    pub limit_mb: usize,
}

fn find_measure(id: &str) -> Result<Measure, WebError> {
    builtin_measures()
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(WebError::NotFound)
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewPolicy) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let measures = builtin_measures();
    let records = state.store.measure_status().await?;
    let mut groups: Vec<MeasureGroup> = Vec::new();
    for row in statement_of_applicability(&measures, &records) {
        let label = regulation_group(&row.measure.citation)
            .get(lang)
            .to_string();
        let r = MeasureRow {
            id: row.measure.id.clone(),
            citation: row.measure.citation.to_string(),
            title: row.measure.title.get(lang).to_string(),
            category: row.measure.category.label(lang).to_string(),
            status: row.overall.label(lang).to_string(),
            status_class: status_class(row.overall),
            scopes: row.assessed_scopes,
        };
        match groups.last_mut() {
            Some(g) if g.label == label => g.rows.push(r),
            _ => groups.push(MeasureGroup {
                label,
                rows: vec![r],
            }),
        }
    }
    let categories = mamori_core::measures::OrdinanceCategory::ALL
        .into_iter()
        .map(|c| {
            (
                c.label(lang).to_string(),
                measures.iter().filter(|m| m.category == c).count(),
            )
        })
        .collect();
    let page = MeasuresPage {
        p: viewer.chrome(&org, "measures"),
        groups,
        categories,
    };
    Ok(html(&page)?.into_response())
}

fn scope_value(scope: &StatusScope) -> String {
    match scope {
        StatusScope::Department(c) => format!("department:{c}"),
        StatusScope::System(c) => format!("system:{c}"),
    }
}

fn parse_scope(value: &str) -> Option<StatusScope> {
    match value.split_once(':')? {
        ("department", c) if !c.is_empty() => Some(StatusScope::Department(c.to_string())),
        ("system", c) if !c.is_empty() => Some(StatusScope::System(c.to_string())),
        _ => None,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewPolicy) {
        return Err(WebError::Forbidden);
    }
    let measure = find_measure(&id)?;
    let lang = viewer.lang;
    let systems = state.store.systems().await?;
    let scope_label = |scope: &StatusScope| match scope {
        StatusScope::Department(c) => org.name_of(c).to_string(),
        StatusScope::System(c) => systems
            .iter()
            .find(|s| &s.code == c)
            .map(|s| format!("{}（{}）", s.name, lang.pick("情報システム", "system")))
            .unwrap_or_else(|| c.clone()),
    };
    let files = state.store.measure_evidence_files().await?;
    let rows = state
        .store
        .measure_status()
        .await?
        .into_iter()
        .filter(|r| r.measure == id)
        .map(|r| ScopeRow {
            scope: scope_label(&r.scope),
            status: r.status.label(lang).to_string(),
            status_class: status_class(r.status),
            on: r.assessed_on.format("%Y-%m-%d").to_string(),
            note: r.justification.clone(),
            files: files
                .iter()
                .filter(|f| f.measure == id && f.scope == r.scope)
                .map(|f| {
                    (
                        f.id,
                        f.file_name.clone(),
                        format!("{:.1}", f.size_bytes as f64 / 1024.0),
                    )
                })
                .collect(),
        })
        .collect();
    let mut scopes: Vec<StatusScope> = org
        .departments
        .iter()
        .map(|d| StatusScope::Department(d.code.clone()))
        .collect();
    scopes.extend(systems.iter().map(|s| StatusScope::System(s.code.clone())));
    let scopes = scopes
        .into_iter()
        .filter(|s| policy.may_record_measure(&viewer.subject, s))
        .map(|s| Opt {
            value: scope_value(&s),
            label: scope_label(&s),
            selected: false,
        })
        .collect();
    let page = MeasurePage {
        p: viewer.chrome(&org, "measures"),
        id: measure.id.clone(),
        title: measure.title.get(lang).to_string(),
        citation: measure.citation.to_string(),
        group: regulation_group(&measure.citation).get(lang).to_string(),
        category: measure.category.label(lang).to_string(),
        rows,
        may_download: policy.may(&viewer.subject, Capability::ViewMeasureEvidence),
        scopes,
        statuses: STATUSES
            .into_iter()
            .map(|s| Opt {
                value: status_id(s).to_string(),
                label: s.label(lang).to_string(),
                selected: false,
            })
            .collect(),
        today: state.now().today_in_japan().format("%Y-%m-%d").to_string(),
        limit_mb: EVIDENCE_LIMIT / (1024 * 1024),
    };
    Ok(html(&page)?.into_response())
}

/// Record the status for one scope, with an optional evidence file.
pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    let measure = find_measure(&id)?;
    let lang = viewer.lang;
    let back = format!("/measures/{}", measure.id);
    let form = match upload::read(form, &viewer, "file", EVIDENCE_LIMIT).await {
        Ok(f) => f,
        Err(UploadError::Web(e)) => return Err(e),
        Err(UploadError::TooLarge) => {
            return upload::notice(
                viewer.chrome(&org, "measures"),
                StatusCode::PAYLOAD_TOO_LARGE,
                lang.pick("ファイルが大きすぎます", "File too large"),
                match lang {
                    Lang::Ja => format!(
                        "証跡のファイルは {}MB までです。",
                        EVIDENCE_LIMIT / (1024 * 1024)
                    ),
                    Lang::En => format!(
                        "An evidence file may be at most {} MB.",
                        EVIDENCE_LIMIT / (1024 * 1024)
                    ),
                },
                &back,
            );
        }
    };
    let scope =
        parse_scope(form.text("scope")).ok_or_else(|| WebError::BadRequest("scope".into()))?;
    if !policy.may_record_measure(&viewer.subject, &scope) {
        return Err(WebError::Forbidden);
    }
    let status = STATUSES
        .into_iter()
        .find(|s| status_id(*s) == form.text("status"))
        .ok_or_else(|| WebError::BadRequest("status".into()))?;
    let refuse = |message: String| {
        upload::notice(
            viewer.chrome(&org, "measures"),
            StatusCode::BAD_REQUEST,
            lang.pick("入力が正しくありません", "Invalid input"),
            message,
            &back,
        )
    };
    let Ok(on) = NaiveDate::parse_from_str(form.text("on"), "%Y-%m-%d") else {
        return refuse(
            lang.pick(
                "確認日を YYYY-MM-DD の形で入力してください。",
                "Enter the date as YYYY-MM-DD.",
            )
            .to_string(),
        );
    };
    let note = form.text("note").to_string();
    if status == ImplementationStatus::NotApplicable && note.is_empty() {
        return refuse(
            lang.pick(
                "「対象外」とする理由を備考に記入してください。",
                "Write in the note why the measure does not apply.",
            )
            .to_string(),
        );
    }
    let mut evidence: Vec<String> = state
        .store
        .measure_status()
        .await?
        .into_iter()
        .find(|r| r.measure == measure.id && r.scope == scope)
        .map(|r| r.evidence)
        .unwrap_or_default();
    if let Some(f) = &form.file {
        evidence.push(f.name.clone());
    }
    let at = state.now().timestamp();
    let record = StatusRecord {
        measure: measure.id.clone(),
        scope: scope.clone(),
        status,
        evidence,
        assessed_on: on,
        justification: note,
    };
    state
        .store
        .set_measure_status_with_evidence(
            &record,
            form.file
                .as_ref()
                .map(|f| (f.name.as_str(), f.content_type.as_str(), f.bytes.as_slice())),
            &viewer.actor(),
            &at,
        )
        .await?;
    Ok(Redirect::to(&back).into_response())
}

/// Download an evidence file (audited). Always as an attachment of an opaque type, so that an
/// uploaded page can never run in the application's origin.
pub async fn evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org
        .policy()
        .may(&viewer.subject, Capability::ViewMeasureEvidence)
    {
        return Err(WebError::Forbidden);
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (file, content) = state
        .store
        .read_measure_evidence(id, &viewer.actor(), &state.now().timestamp())
        .await?
        .ok_or(WebError::NotFound)?;
    let disposition = HeaderValue::from_str(&content_disposition(
        &file.file_name,
        &format!("evidence-{id}"),
    ))
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

/// The statement of applicability (適用宣言書) as xlsx.
pub async fn soa_xlsx(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewPolicy) {
        return Err(WebError::Forbidden);
    }
    let bytes = mamori_app::measures::export_soa_xlsx(&state.store, viewer.lang)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    xlsx_response(
        bytes,
        viewer.lang.pick("適用宣言書.xlsx", "applicability.xlsx"),
    )
}

pub fn xlsx_response(bytes: Vec<u8>, name: &str) -> Result<Response, WebError> {
    let disposition = HeaderValue::from_str(&content_disposition(name, "export.xlsx"))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
