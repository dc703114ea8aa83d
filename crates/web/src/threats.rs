//! The threats of 第3条 (/threats): the catalogue grouped by the article's five categories, each
//! citing its item; the security division adds and edits entries (audited by the store).

use crate::render::{Chrome, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::upload;
use crate::{AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_core::access::Capability;
use mamori_core::threats::{Threat, ThreatCategory};
use mamori_core::{Dimension, Lang, Text};
use serde::Deserialize;

pub struct ThreatRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub citation: String,
    pub affects: String,
}

pub struct CategoryGroup {
    pub label: String,
    pub citation: String,
    pub threats: Vec<ThreatRow>,
}

#[derive(Template)]
#[template(path = "threats.html")]
pub struct ThreatsPage {
    pub p: Chrome,
    pub groups: Vec<CategoryGroup>,
    pub may_edit: bool,
    pub categories: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "threat.html")]
pub struct ThreatPage {
    pub p: Chrome,
    pub id: String,
    pub name: String,
    pub citation: String,
    pub may_edit: bool,
    pub categories: Vec<Opt>,
    pub name_ja: String,
    pub name_en: String,
    pub description_ja: String,
    pub description_en: String,
    pub description: String,
    /// (field name, label, checked) for 機密性・完全性・可用性.
    pub dimensions: Vec<(&'static str, &'static str, bool)>,
}

pub fn category_id(c: ThreatCategory) -> &'static str {
    match c {
        ThreatCategory::Intentional => "intentional",
        ThreatCategory::Unintentional => "unintentional",
        ThreatCategory::Disaster => "disaster",
        ThreatCategory::Pandemic => "pandemic",
        ThreatCategory::Infrastructure => "infrastructure",
    }
}

fn category_options(selected: Option<ThreatCategory>, lang: Lang) -> Vec<Opt> {
    ThreatCategory::ALL
        .into_iter()
        .map(|c| Opt {
            value: category_id(c).to_string(),
            label: format!("{}（{}）", c.label(lang), c.citation()),
            selected: Some(c) == selected,
        })
        .collect()
}

fn affects_text(t: &Threat, lang: Lang) -> String {
    t.affects
        .iter()
        .map(|d| d.label(lang))
        .collect::<Vec<_>>()
        .join(lang.pick("・", ", "))
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewPolicy) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let threats = catalogue(&state).await?;
    let groups = ThreatCategory::ALL
        .into_iter()
        .map(|c| CategoryGroup {
            label: c.label(lang).to_string(),
            citation: c.citation().to_string(),
            threats: threats
                .iter()
                .filter(|t| t.category == c)
                .map(|t| ThreatRow {
                    id: t.id.clone(),
                    name: t.name.get(lang).to_string(),
                    description: t.description.get(lang).to_string(),
                    citation: t.citation.to_string(),
                    affects: affects_text(t, lang),
                })
                .collect(),
        })
        .collect();
    let page = ThreatsPage {
        p: viewer.chrome(&org, "threats"),
        groups,
        may_edit: policy.may(&viewer.subject, Capability::EditThreats),
        categories: category_options(None, lang),
    };
    Ok(html(&page)?.into_response())
}

/// The stored catalogue; the built-in one until the organisation has stored its own.
pub async fn catalogue(state: &AppState) -> Result<Vec<Threat>, WebError> {
    let stored = state.store.threats().await?;
    Ok(if stored.is_empty() {
        mamori_core::threats::builtin_threats()
    } else {
        stored
    })
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
    let lang = viewer.lang;
    let t = catalogue(&state)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(WebError::NotFound)?;
    let page = ThreatPage {
        p: viewer.chrome(&org, "threats"),
        id: t.id.clone(),
        name: t.name.get(lang).to_string(),
        citation: t.citation.to_string(),
        may_edit: policy.may(&viewer.subject, Capability::EditThreats),
        categories: category_options(Some(t.category), lang),
        name_ja: t.name.ja.clone(),
        name_en: t.name.en.clone(),
        description_ja: t.description.ja.clone(),
        description_en: t.description.en.clone(),
        description: t.description.get(lang).to_string(),
        dimensions: Dimension::ALL
            .into_iter()
            .map(|d| (dimension_field(d), d.label(lang), t.affects.contains(&d)))
            .collect(),
    };
    Ok(html(&page)?.into_response())
}

fn dimension_field(d: Dimension) -> &'static str {
    match d {
        Dimension::Confidentiality => "c",
        Dimension::Integrity => "i",
        Dimension::Availability => "a",
    }
}

#[derive(Deserialize)]
pub struct ThreatForm {
    #[serde(default)]
    id: String,
    category: String,
    name_ja: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_ja: String,
    #[serde(default)]
    description_en: String,
    c: Option<String>,
    i: Option<String>,
    a: Option<String>,
}

async fn save(
    state: &AppState,
    viewer: &Viewer,
    id: String,
    form: ThreatForm,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    if !org.policy().may(&viewer.subject, Capability::EditThreats) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let category = ThreatCategory::ALL
        .into_iter()
        .find(|c| category_id(*c) == form.category)
        .ok_or_else(|| WebError::BadRequest("category".into()))?;
    let mut affects = Vec::new();
    for (d, v) in [
        (Dimension::Confidentiality, &form.c),
        (Dimension::Integrity, &form.i),
        (Dimension::Availability, &form.a),
    ] {
        if v.is_some() {
            affects.push(d);
        }
    }
    let valid_id = !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let problem = if !valid_id {
        Some(lang.pick(
            "脅威の番号は英数字と「-」で32文字以内にしてください（例: T-22）。",
            "The threat ID must be up to 32 letters, digits or '-' (e.g. T-22).",
        ))
    } else if form.name_ja.trim().is_empty() {
        Some(lang.pick("脅威の名称を入力してください。", "Enter the threat's name."))
    } else if affects.is_empty() {
        Some(lang.pick(
            "主に損なうもの（機密性・完全性・可用性）を一つ以上選んでください。",
            "Choose at least one of confidentiality, integrity, availability.",
        ))
    } else {
        None
    };
    if let Some(message) = problem {
        return upload::notice(
            viewer.chrome(&org, "threats"),
            StatusCode::BAD_REQUEST,
            lang.pick("入力が正しくありません", "Invalid input"),
            message.to_string(),
            "/threats",
        );
    }
    let name_en = if form.name_en.trim().is_empty() {
        form.name_ja.trim()
    } else {
        form.name_en.trim()
    };
    let threat = Threat {
        id: id.clone(),
        category,
        name: Text::new(form.name_ja.trim(), name_en),
        description: Text::new(form.description_ja.trim(), form.description_en.trim()),
        citation: category.citation(),
        affects,
    };
    // The first edit stores the built-in catalogue, so that the organisation's copy is complete.
    if state.store.threats().await?.is_empty() {
        state
            .store
            .ensure_threats(
                &mamori_core::threats::builtin_threats(),
                &viewer.actor(),
                &state.now().timestamp(),
            )
            .await?;
    }
    state
        .store
        .save_threat(&threat, &viewer.actor(), &state.now().timestamp())
        .await?;
    Ok(Redirect::to(&format!("/threats/{id}")).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: ThreatForm = viewer.form(&body)?;
    let id = form.id.trim().to_string();
    // Adding must not overwrite an existing entry.
    if catalogue(&state).await?.iter().any(|t| t.id == id) {
        let org = OrgView::load(&state).await?;
        if !org.policy().may(&viewer.subject, Capability::EditThreats) {
            return Err(WebError::Forbidden);
        }
        return upload::notice(
            viewer.chrome(&org, "threats"),
            StatusCode::BAD_REQUEST,
            viewer.lang.pick("入力が正しくありません", "Invalid input"),
            viewer
                .lang
                .pick(
                    "この番号の脅威はすでにあります。変更はその脅威の画面から行ってください。",
                    "A threat with this ID exists; edit it on its own page.",
                )
                .to_string(),
            "/threats",
        );
    }
    save(&state, &viewer, id, form).await
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: ThreatForm = viewer.form(&body)?;
    if !catalogue(&state).await?.iter().any(|t| t.id == id) {
        return Err(WebError::NotFound);
    }
    save(&state, &viewer, id, form).await
}
