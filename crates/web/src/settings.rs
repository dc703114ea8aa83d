//! The settings page (設定): organisation name, model variant (α/β/β′/α′) and the texts of the
//! classification scheme. Only the CISO and the 統括情報セキュリティ責任者 (`ManageSettings`).
//!
//! The levels of the scheme, their order and grades are locked: stored assets and every rank depend
//! on them (`Scheme::check_text_only_edit`, the same check as `mamori scheme update`). A form that
//! tries to change them, or has any other error, is shown again with the errors and nothing saved.

use crate::render::{LevelView, Opt, SchemeDimensionView, SettingsPage, TextInput, html};
use crate::session::{OrgView, Viewer};
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_core::access::Capability;
use mamori_core::classification::{Handling, Level};
use mamori_core::{Dimension, Lang, ModelVariant, Scheme, Text};
use mamori_store::Settings;
use serde::Deserialize;

/// Longest organisation name and scheme text accepted.
const MAX_NAME: usize = 100;
const MAX_TEXT: usize = 2000;

fn allowed(org: &OrgView, viewer: &Viewer) -> Result<(), WebError> {
    if org
        .policy()
        .may(&viewer.subject, Capability::ManageSettings)
    {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

fn dimension_key(d: Dimension) -> &'static str {
    match d {
        Dimension::Confidentiality => "c",
        Dimension::Integrity => "i",
        Dimension::Availability => "a",
    }
}

/// The editable texts of a level: (field name, Japanese label, English label, long text?).
const TEXT_FIELDS: [(&str, &str, &str, bool); 8] = [
    ("label", "名称", "Label", false),
    ("definition", "定義", "Definition", true),
    ("labelling", "取扱い: 表示", "Handling: labelling", true),
    ("storage", "取扱い: 保管", "Handling: storage", true),
    ("copying", "取扱い: 複製", "Handling: copying", true),
    (
        "transmission",
        "取扱い: 送信",
        "Handling: transmission",
        true,
    ),
    (
        "carrying_out",
        "取扱い: 外部への持ち出し",
        "Handling: carrying out",
        true,
    ),
    ("disposal", "取扱い: 廃棄", "Handling: disposal", true),
];

fn text_of<'a>(level: &'a Level, field: &str) -> Option<&'a Text> {
    let h: &Handling = &level.handling;
    Some(match field {
        "label" => &level.label,
        "definition" => &level.definition,
        "labelling" => &h.labelling,
        "storage" => &h.storage,
        "copying" => &h.copying,
        "transmission" => &h.transmission,
        "carrying_out" => &h.carrying_out,
        "disposal" => &h.disposal,
        _ => return None,
    })
}

fn text_of_mut<'a>(level: &'a mut Level, field: &str) -> Option<&'a mut Text> {
    let h = &mut level.handling;
    Some(match field {
        "label" => &mut level.label,
        "definition" => &mut level.definition,
        "labelling" => &mut h.labelling,
        "storage" => &mut h.storage,
        "copying" => &mut h.copying,
        "transmission" => &mut h.transmission,
        "carrying_out" => &mut h.carrying_out,
        "disposal" => &mut h.disposal,
        _ => return None,
    })
}

fn model(
    viewer: &Viewer,
    org: &OrgView,
    name: &str,
    variant: Option<ModelVariant>,
    scheme: &Scheme,
    errors: Vec<String>,
    saved: bool,
) -> SettingsPage {
    let lang = viewer.lang;
    SettingsPage {
        p: viewer.chrome(org, "settings"),
        name: name.to_string(),
        models: ModelVariant::ALL
            .into_iter()
            .map(|v| Opt {
                value: v.id().to_string(),
                label: v.label(lang).to_string(),
                selected: Some(v) == variant,
            })
            .collect(),
        scheme_name: scheme.name.get(lang).to_string(),
        dimensions: Dimension::ALL
            .into_iter()
            .map(|d| SchemeDimensionView {
                title: d.label(lang).to_string(),
                levels: scheme
                    .scale(d)
                    .levels
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, level)| LevelView {
                        key: format!("{}-{i}", dimension_key(d)),
                        code: level.code.clone(),
                        grade: level.grade,
                        texts: TEXT_FIELDS
                            .iter()
                            .filter_map(|(field, ja, en, long)| {
                                text_of(level, field).map(|t| TextInput {
                                    field,
                                    label: lang.pick(ja, en),
                                    ja: t.ja.clone(),
                                    en: t.en.clone(),
                                    long: *long,
                                })
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        errors,
        saved,
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    allowed(&org, &viewer)?;
    let current = state.store.organisation().await?;
    let page = model(
        &viewer,
        &org,
        &current.name,
        Some(current.model_variant),
        &current.scheme,
        Vec::new(),
        query.saved.is_some(),
    );
    Ok(html(&page)?.into_response())
}

/// The posted form applied to the stored scheme. Locked values (code, grade) that arrive are
/// applied too, so that changing them is refused by the same check as the CLI's, with its message.
fn edited_scheme(
    current: &Scheme,
    fields: &[(String, String)],
    lang: Lang,
    errors: &mut Vec<String>,
) -> Scheme {
    let mut edited = current.clone();
    for (key, value) in fields {
        let mut parts = key.splitn(3, '-');
        let (Some(dim), Some(index), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(d) = Dimension::ALL
            .into_iter()
            .find(|d| dimension_key(*d) == dim)
        else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let scale = edited.scale_mut(d);
        if index >= scale.levels.len() {
            // A level the scheme does not have: an attempt to add one.
            let mut codes = scale.codes().join("・");
            if codes.is_empty() {
                codes = "—".into();
            }
            errors.push(match lang {
                Lang::Ja => format!(
                    "{}の区分（{codes}）は変更できません。区分の追加・削除・並べ替えはできません。",
                    d.label(Lang::Ja)
                ),
                Lang::En => format!(
                    "The {} levels ({codes}) cannot change: levels cannot be added, removed or reordered.",
                    d.label(Lang::En)
                ),
            });
            continue;
        }
        let level = &mut scale.levels[index];
        match rest {
            "code" => level.code = value.trim().to_string(),
            "grade" => match value.trim().parse::<u8>() {
                Ok(g) => level.grade = g,
                Err(_) => errors.push(
                    lang.pick(
                        "段階（grade）は変更できません。",
                        "The grade cannot change.",
                    )
                    .to_string(),
                ),
            },
            _ => {
                let Some((field, which)) = rest.rsplit_once('-') else {
                    continue;
                };
                let Some(text) = text_of_mut(level, field) else {
                    continue;
                };
                let value = value.trim().to_string();
                if value.chars().count() > MAX_TEXT {
                    errors.push(match lang {
                        Lang::Ja => format!(
                            "{}{}の文言は{MAX_TEXT}文字以内にしてください。",
                            d.label(Lang::Ja),
                            level.code
                        ),
                        Lang::En => format!(
                            "Keep the texts of {} {} within {MAX_TEXT} characters.",
                            d.label(Lang::En),
                            level.code
                        ),
                    });
                    continue;
                }
                match which {
                    "ja" => text.ja = value,
                    "en" => text.en = value,
                    _ => {}
                }
            }
        }
    }
    edited
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields: Vec<(String, String)> = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    allowed(&org, &viewer)?;
    let lang = viewer.lang;
    let current = state.store.organisation().await?;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let mut errors = Vec::new();
    let name = value("name").unwrap_or_default();
    if name.is_empty() {
        errors.push(
            lang.pick(
                "団体名を入力してください。",
                "Enter the organisation's name.",
            )
            .to_string(),
        );
    } else if name.chars().count() > MAX_NAME {
        errors.push(match lang {
            Lang::Ja => format!("団体名は{MAX_NAME}文字以内にしてください。"),
            Lang::En => format!("Keep the name within {MAX_NAME} characters."),
        });
    }
    let variant = value("model").and_then(|m| ModelVariant::parse(&m));
    if variant.is_none() {
        errors.push(
            lang.pick(
                "三層の対策のモデルを選んでください（α・β・β′・α′）。",
                "Choose the three-tier model (α, β, β′, α′).",
            )
            .to_string(),
        );
    }
    let edited = edited_scheme(&current.scheme, &fields, lang, &mut errors);
    if errors.is_empty()
        && let Err(e) = current.scheme.check_text_only_edit(&edited)
    {
        errors.push(e.message(lang));
    }
    match variant {
        Some(model_variant) if errors.is_empty() => {
            let settings = Settings {
                name,
                model_variant,
                scheme: edited,
            };
            state
                .store
                .update_settings(&settings, &viewer.actor(), &state.now().timestamp())
                .await?;
            Ok(Redirect::to("/settings?saved=1").into_response())
        }
        _ => {
            // Show what was typed, on the stored levels (a forged code or grade is not echoed).
            let mut shown = edited;
            for d in Dimension::ALL {
                let (stored, typed) = (current.scheme.scale(d), shown.scale_mut(d));
                for (s, t) in stored.levels.iter().zip(typed.levels.iter_mut()) {
                    t.code = s.code.clone();
                    t.grade = s.grade;
                }
            }
            let page = model(&viewer, &org, &name, variant, &shown, errors, false);
            Ok((StatusCode::BAD_REQUEST, html(&page)?).into_response())
        }
    }
}
