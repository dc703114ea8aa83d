//! Creating, editing and disposing one asset in the browser.
//!
//! A form is read exactly like one row of a register file (`core::register::parse_row`), so the
//! browser and the spreadsheet import accept and refuse the same values with the same messages.
//! Whether the person may make the change is `Policy::may_change`, asked for the asset as it is
//! and as it would become (nobody can move an asset out of reach of its managers, or into a 課
//! they do not manage). Saving goes through the store's audited import of that one row.

use crate::render::{AssetFormPage, FormField, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_core::access::{AssetRef, Change, Policy, Visibility};
use mamori_core::register::{Column, ColumnMap, Reference, export_headers, format_date, parse_row};
use mamori_core::{Asset, AssetKind, AssetStatus, Dimension, Lang, Scheme, ServiceTerms, Zone};
use mamori_core::{InformationSystem, Staff};

fn field_name(c: Column) -> &'static str {
    match c {
        Column::Id => "id",
        Column::Name => "name",
        Column::Kind => "kind",
        Column::DepartmentCode => "department",
        Column::Department => "department_name",
        Column::ManagerId => "manager",
        Column::Manager => "manager_name",
        Column::Location => "location",
        Column::Zone => "zone",
        Column::System => "system",
        Column::Confidentiality => "c",
        Column::Integrity => "i",
        Column::Availability => "a",
        Column::PersonalInfo => "personal_info",
        Column::MyNumber => "my_number",
        Column::Retention => "retention",
        Column::DisposalMethod => "disposal_method",
        Column::Status => "status",
        Column::DisposedOn => "disposed_on",
        Column::NextReview => "next_review",
        Column::ExternalService => "external_service",
        Column::ExternalTerms => "external_terms",
        Column::Notes => "notes",
    }
}

/// Everything the form needs from the organisation.
struct Context {
    org: OrgView,
    scheme: Scheme,
    staff: Vec<Staff>,
    systems: Vec<InformationSystem>,
}

impl Context {
    async fn load(state: &AppState) -> Result<Context, WebError> {
        Ok(Context {
            org: OrgView::load(state).await?,
            scheme: state.store.organisation().await?.scheme,
            staff: state.store.staff().await?,
            systems: state.store.systems().await?,
        })
    }

    /// Read the posted fields as one register row. Errors come back as messages for the page.
    fn parse(
        &self,
        fields: &[(String, String)],
        id: &str,
        lang: Lang,
    ) -> Result<Asset, Vec<String>> {
        let value = |c: Column| -> String {
            if c == Column::Id {
                return id.to_string();
            }
            let name = field_name(c);
            let v = fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default();
            match c {
                // Unchecked boxes are absent from the form.
                Column::PersonalInfo | Column::MyNumber if v.is_empty() => "0".into(),
                Column::Department | Column::Manager => String::new(),
                _ => v,
            }
        };
        let headers = export_headers(Lang::Ja);
        let cells: Vec<String> = Column::ALL.iter().map(|c| value(*c)).collect();
        let map = ColumnMap::from_headers(&headers).map_err(|e| vec![e.message(lang)])?;
        let reference = Reference::new(
            &self.scheme,
            &self.org.departments,
            &self.staff,
            &self.systems,
        );
        parse_row(&map, &cells, 1, &reference).map_err(|errors| {
            errors
                .iter()
                .map(|e| {
                    let m = e.message(lang);
                    m.strip_prefix("1行目")
                        .or_else(|| m.strip_prefix("row 1, "))
                        .or_else(|| m.strip_prefix("row 1: "))
                        .unwrap_or(&m)
                        .to_string()
                })
                .collect()
        })
    }

    fn form(
        &self,
        asset: Option<&Asset>,
        posted: Option<&[(String, String)]>,
        lang: Lang,
    ) -> Vec<FormField> {
        let current = |c: Column| -> String {
            if let Some(fields) = posted {
                return fields
                    .iter()
                    .find(|(k, _)| k == field_name(c))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
            }
            let Some(a) = asset else {
                return match c {
                    Column::Status => AssetStatus::InUse.id().to_string(),
                    _ => String::new(),
                };
            };
            match c {
                Column::Id => a.id.clone(),
                Column::Name => a.name.clone(),
                Column::Kind => a.kind.id().to_string(),
                Column::DepartmentCode => a.department.clone().unwrap_or_default(),
                Column::ManagerId => a.manager.clone().unwrap_or_default(),
                Column::Location => a.location.clone(),
                Column::Zone => a.zone.map(Zone::id).unwrap_or("").to_string(),
                Column::System => a.system.clone().unwrap_or_default(),
                Column::Confidentiality => {
                    a.classification.confidentiality.clone().unwrap_or_default()
                }
                Column::Integrity => a.classification.integrity.clone().unwrap_or_default(),
                Column::Availability => a.classification.availability.clone().unwrap_or_default(),
                Column::PersonalInfo => if a.personal_info { "1" } else { "" }.to_string(),
                Column::MyNumber => if a.my_number { "1" } else { "" }.to_string(),
                Column::Retention => a.retention.clone(),
                Column::DisposalMethod => a.disposal_method.clone(),
                Column::Status => a.status.id().to_string(),
                Column::DisposedOn => a.disposed_on.map(format_date).unwrap_or_default(),
                Column::NextReview => a.next_review.map(format_date).unwrap_or_default(),
                Column::ExternalService => a.external_service.clone(),
                Column::ExternalTerms => a
                    .external_terms
                    .map(ServiceTerms::id)
                    .unwrap_or("")
                    .to_string(),
                Column::Notes => a.notes.clone(),
                Column::Department | Column::Manager => String::new(),
            }
        };
        let choices = |c: Column, items: Vec<(String, String)>| -> Vec<Opt> {
            let v = current(c);
            items
                .into_iter()
                .map(|(value, label)| Opt {
                    selected: value == v,
                    value,
                    label,
                })
                .collect()
        };
        let levels = |d: Dimension| -> Vec<(String, String)> {
            self.scheme
                .scale(d)
                .levels
                .iter()
                .rev()
                .map(|l| (l.code.clone(), l.label.get(lang).to_string()))
                .collect()
        };
        let mut out = Vec::new();
        for c in Column::ALL {
            if matches!(c, Column::Department | Column::Manager)
                || (c == Column::Id && asset.is_some())
            {
                continue;
            }
            let (input, options) = match c {
                Column::Kind => (
                    "select",
                    choices(
                        c,
                        AssetKind::ALL
                            .iter()
                            .map(|k| (k.id().to_string(), k.label(lang).to_string()))
                            .collect(),
                    ),
                ),
                Column::DepartmentCode => (
                    "select",
                    choices(
                        c,
                        self.org
                            .departments
                            .iter()
                            .map(|d| (d.code.clone(), format!("{} {}", d.code, d.name)))
                            .collect(),
                    ),
                ),
                Column::Zone => (
                    "select",
                    choices(
                        c,
                        Zone::ALL
                            .iter()
                            .map(|z| (z.id().to_string(), z.label(lang).to_string()))
                            .collect(),
                    ),
                ),
                Column::System => (
                    "select",
                    choices(
                        c,
                        self.systems
                            .iter()
                            .map(|s| (s.code.clone(), s.name.clone()))
                            .collect(),
                    ),
                ),
                Column::Confidentiality => {
                    ("select", choices(c, levels(Dimension::Confidentiality)))
                }
                Column::Integrity => ("select", choices(c, levels(Dimension::Integrity))),
                Column::Availability => ("select", choices(c, levels(Dimension::Availability))),
                Column::Status => (
                    "select",
                    choices(
                        c,
                        [AssetStatus::InUse, AssetStatus::Disposed]
                            .iter()
                            .map(|s| (s.id().to_string(), s.label(lang).to_string()))
                            .collect(),
                    ),
                ),
                Column::ExternalTerms => (
                    "select",
                    choices(
                        c,
                        [ServiceTerms::Standard, ServiceTerms::Contract]
                            .iter()
                            .map(|t| (t.id().to_string(), t.label(lang).to_string()))
                            .collect(),
                    ),
                ),
                Column::PersonalInfo | Column::MyNumber => ("checkbox", Vec::new()),
                Column::DisposedOn | Column::NextReview => ("date", Vec::new()),
                Column::Notes => ("textarea", Vec::new()),
                _ => ("text", Vec::new()),
            };
            let value = current(c);
            out.push(FormField {
                name: field_name(c),
                label: c.header(lang),
                input,
                checked: input == "checkbox"
                    && mamori_core::register::parse_flag(&value) == Some(true),
                value,
                options,
                required: c.required(),
            });
        }
        out
    }
}

fn fields_of(viewer: &Viewer, body: &Bytes) -> Result<Vec<(String, String)>, WebError> {
    viewer.form(body)
}

/// Could this person create an asset anywhere? (Which 課 or system is checked again on saving.)
fn may_create_somewhere(policy: &Policy, viewer: &Viewer, ctx: &Context) -> bool {
    may_create_in(policy, viewer, &ctx.org, &ctx.systems)
}

pub(crate) fn may_create_in(
    policy: &Policy,
    viewer: &Viewer,
    org: &OrgView,
    systems: &[InformationSystem],
) -> bool {
    let by_department = org.departments.iter().any(|d| {
        let r = AssetRef {
            department: Some(&d.code),
            system: None,
            confidentiality_grade: None,
        };
        policy.may_change(&viewer.subject, &r, Change::Create)
    });
    let by_system = systems.iter().any(|s| {
        let r = AssetRef {
            department: Some(&s.department),
            system: Some(&s.code),
            confidentiality_grade: None,
        };
        policy.may_change(&viewer.subject, &r, Change::Create)
    });
    by_department || by_system
}

fn form_page(
    viewer: &Viewer,
    ctx: &Context,
    asset: Option<&Asset>,
    posted: Option<&[(String, String)]>,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = AssetFormPage {
        p: viewer.chrome(&ctx.org, "assets"),
        id: asset.map(|a| a.id.clone()),
        action: match asset {
            Some(a) => format!("/assets/{}/edit", a.id),
            None => "/assets/new".to_string(),
        },
        fields: ctx.form(asset, posted, viewer.lang),
        errors,
    };
    Ok((status, html(&page)?).into_response())
}

async fn save(
    state: &AppState,
    viewer: &Viewer,
    ctx: &Context,
    asset: Asset,
) -> Result<Response, WebError> {
    let id = asset.id.clone();
    state
        .store
        .import_assets(
            vec![asset],
            &ctx.scheme,
            &viewer.actor(),
            &state.now().timestamp(),
            false,
        )
        .await?;
    Ok(Redirect::to(&format!("/assets/{}", encode(&id))).into_response())
}

fn encode(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_string()
            } else {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let ctx = Context::load(&state).await?;
    if !may_create_somewhere(&ctx.org.policy(), &viewer, &ctx) {
        return Err(WebError::Forbidden);
    }
    form_page(&viewer, &ctx, None, None, Vec::new(), StatusCode::OK)
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields = fields_of(&viewer, &body)?;
    let ctx = Context::load(&state).await?;
    let policy = ctx.org.policy();
    if !may_create_somewhere(&policy, &viewer, &ctx) {
        return Err(WebError::Forbidden);
    }
    let id = fields
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let lang = viewer.lang;
    let asset = match ctx.parse(&fields, &id, lang) {
        Ok(a) => a,
        Err(errors) => {
            return form_page(
                &viewer,
                &ctx,
                None,
                Some(&fields),
                errors,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    if state.store.asset(&asset.id).await?.is_some() {
        let message = match lang {
            Lang::Ja => format!(
                "資産番号「{}」は既に登録されています。別の番号を指定してください。",
                asset.id
            ),
            Lang::En => format!(
                "The asset ID \"{}\" is already registered. Choose another.",
                asset.id
            ),
        };
        return form_page(
            &viewer,
            &ctx,
            None,
            Some(&fields),
            vec![message],
            StatusCode::BAD_REQUEST,
        );
    }
    if !policy.may_change(
        &viewer.subject,
        &AssetRef::of(&asset, &ctx.scheme),
        Change::Create,
    ) {
        return Err(WebError::Forbidden);
    }
    save(&state, &viewer, &ctx, asset).await
}

/// The asset, if this person may change it; 404 when they may not even see it.
async fn changeable(
    state: &AppState,
    viewer: &Viewer,
    ctx: &Context,
    id: &str,
    change: Change,
) -> Result<Asset, WebError> {
    let asset = state.store.asset(id).await?.ok_or(WebError::NotFound)?;
    let policy = ctx.org.policy();
    let aref = AssetRef::of(&asset, &ctx.scheme);
    if policy.visibility(&viewer.subject, &aref) == Visibility::Hidden {
        return Err(WebError::NotFound);
    }
    if !policy.may_change(&viewer.subject, &aref, change) {
        return Err(WebError::Forbidden);
    }
    Ok(asset)
}

pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let ctx = Context::load(&state).await?;
    let asset = changeable(&state, &viewer, &ctx, &id, Change::Edit).await?;
    form_page(
        &viewer,
        &ctx,
        Some(&asset),
        None,
        Vec::new(),
        StatusCode::OK,
    )
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields = fields_of(&viewer, &body)?;
    let ctx = Context::load(&state).await?;
    let before = changeable(&state, &viewer, &ctx, &id, Change::Edit).await?;
    let after = match ctx.parse(&fields, &before.id, viewer.lang) {
        Ok(a) => a,
        Err(errors) => {
            return form_page(
                &viewer,
                &ctx,
                Some(&before),
                Some(&fields),
                errors,
                StatusCode::BAD_REQUEST,
            );
        }
    };
    if !ctx.org.policy().may_change(
        &viewer.subject,
        &AssetRef::of(&after, &ctx.scheme),
        Change::Edit,
    ) {
        return Err(WebError::Forbidden);
    }
    save(&state, &viewer, &ctx, after).await
}

pub async fn dispose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let _ = fields_of(&viewer, &body)?;
    let ctx = Context::load(&state).await?;
    let mut asset = changeable(&state, &viewer, &ctx, &id, Change::Dispose).await?;
    if asset.status == AssetStatus::Disposed {
        return Ok(Redirect::to(&format!("/assets/{}", encode(&asset.id))).into_response());
    }
    asset.status = AssetStatus::Disposed;
    asset.disposed_on = Some(state.now().today_in_japan());
    save(&state, &viewer, &ctx, asset).await
}
