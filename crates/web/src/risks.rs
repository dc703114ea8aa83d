//! The risk register of 第8条 (/risks): system × threat with likelihood, impact (proposed from the
//! classification), inherent and residual level on the matrix, treatment through measures and
//! acceptance (only 統括情報セキュリティ責任者 or CISO, decided by core::risk), a heat map without
//! JavaScript, an assessment run and the xlsx export.

use crate::measures::xlsx_response;
use crate::render::{Chrome, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::upload;
use crate::{AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_app::Actor;
use mamori_core::access::Capability;
use mamori_core::risk::{Matrix, Treatment};
use mamori_core::{Lang, Role};
use mamori_store::StoredRisk;

const TREATMENTS: [Treatment; 4] = [
    Treatment::Reduce,
    Treatment::Avoid,
    Treatment::Transfer,
    Treatment::Accept,
];

fn treatment_id(t: Treatment) -> &'static str {
    match t {
        Treatment::Reduce => "reduce",
        Treatment::Avoid => "avoid",
        Treatment::Transfer => "transfer",
        Treatment::Accept => "accept",
    }
}

pub fn matrix_of(id: &str) -> Matrix {
    Matrix::builtin(id).unwrap_or_else(Matrix::five_by_five)
}

/// Index of the band a score falls in (0 = lowest), for colouring.
fn band_index(m: &Matrix, score: u16) -> usize {
    let mut bands: Vec<u16> = m.bands.iter().map(|b| b.min_score).collect();
    bands.sort_unstable();
    bands.iter().rposition(|min| score >= *min).unwrap_or(0)
}

fn level_label(m: &Matrix, score: u16, lang: Lang) -> String {
    m.band(score)
        .map(|b| b.label.get(lang).to_string())
        .unwrap_or_default()
}

pub struct HeatCell {
    pub count: usize,
    pub class: String,
    pub title: String,
}

pub struct HeatRow {
    pub label: String,
    pub cells: Vec<HeatCell>,
}

/// Counts of risks per likelihood × impact on one matrix, likelihood from high (top) to low.
pub struct HeatMap {
    pub caption: String,
    pub impact_labels: Vec<String>,
    pub rows: Vec<HeatRow>,
    pub total: usize,
}

/// The heat map of the register (inherent or residual), on the matrix most risks use.
pub fn heat_map(risks: &[StoredRisk], residual: bool, lang: Lang) -> Option<HeatMap> {
    let first = risks.first()?;
    let matrix = matrix_of(&first.matrix);
    let on_matrix: Vec<&StoredRisk> = risks.iter().filter(|r| r.matrix == matrix.id).collect();
    let (l_max, i_max) = (matrix.likelihood.len(), matrix.impact.len());
    let mut counts = vec![vec![0usize; i_max]; l_max];
    for r in &on_matrix {
        let (l, i) = if residual {
            (
                r.risk.residual_likelihood.unwrap_or(r.risk.likelihood),
                r.risk.residual_impact.unwrap_or(r.risk.impact),
            )
        } else {
            (r.risk.likelihood, r.risk.impact)
        };
        if let Some(cell) = counts
            .get_mut(usize::from(l).wrapping_sub(1))
            .and_then(|row| row.get_mut(usize::from(i).wrapping_sub(1)))
        {
            *cell += 1;
        }
    }
    let rows = matrix
        .likelihood
        .iter()
        .rev()
        .map(|l| HeatRow {
            label: format!("{} {}", l.value, l.label.get(lang)),
            cells: matrix
                .impact
                .iter()
                .map(|i| {
                    let score = matrix.score(l.value, i.value);
                    HeatCell {
                        count: counts[usize::from(l.value) - 1][usize::from(i.value) - 1],
                        class: format!("band{}", band_index(&matrix, score)),
                        title: level_label(&matrix, score, lang),
                    }
                })
                .collect(),
        })
        .collect();
    Some(HeatMap {
        caption: match (residual, lang) {
            (false, Lang::Ja) => format!("固有リスク（{}）", matrix.id),
            (true, Lang::Ja) => format!("残留リスク（{}）", matrix.id),
            (false, Lang::En) => format!("Inherent risk ({})", matrix.id),
            (true, Lang::En) => format!("Residual risk ({})", matrix.id),
        },
        impact_labels: matrix
            .impact
            .iter()
            .map(|i| format!("{} {}", i.value, i.label.get(lang)))
            .collect(),
        rows,
        total: on_matrix.len(),
    })
}

pub struct RiskRow {
    pub target: String,
    pub target_name: String,
    pub threat: String,
    pub threat_name: String,
    pub likelihood: u8,
    pub impact: u8,
    pub inherent: u16,
    pub inherent_level: String,
    pub inherent_class: String,
    pub treatment: String,
    pub measures: String,
    pub residual: u16,
    pub residual_level: String,
    pub residual_class: String,
    pub accepted: String,
}

#[derive(Template)]
#[template(path = "risks.html")]
pub struct RisksPage {
    pub p: Chrome,
    pub maps: Vec<HeatMap>,
    pub rows: Vec<RiskRow>,
    pub may_manage: bool,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "risk.html")]
pub struct RiskPage {
    pub p: Chrome,
    pub row: RiskRow,
    pub matrix: String,
    pub may_manage: bool,
    pub impact_overridden: bool,
    pub likelihood_opts: Vec<Opt>,
    pub impact_opts: Vec<Opt>,
    pub residual_likelihood_opts: Vec<Opt>,
    pub residual_impact_opts: Vec<Opt>,
    pub treatments: Vec<Opt>,
    /// (measure id, title, checked)
    pub measures: Vec<(String, String, bool)>,
}

async fn threat_names(state: &AppState, lang: Lang) -> Result<Vec<(String, String)>, WebError> {
    Ok(crate::threats::catalogue(state)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.get(lang).to_string()))
        .collect())
}

fn row(r: &StoredRisk, threats: &[(String, String)], lang: Lang) -> RiskRow {
    let m = matrix_of(&r.matrix);
    let k = &r.risk;
    let (inherent, residual) = (k.inherent_score(&m), k.residual_score(&m));
    RiskRow {
        target: k.asset.clone(),
        target_name: r.target_name.clone(),
        threat: k.threat.clone(),
        threat_name: threats
            .iter()
            .find(|(id, _)| *id == k.threat)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| k.threat.clone()),
        likelihood: k.likelihood,
        impact: k.impact,
        inherent,
        inherent_level: level_label(&m, inherent, lang),
        inherent_class: format!("level{}", band_index(&m, inherent)),
        treatment: k
            .treatment
            .map(|t| t.label(lang).to_string())
            .unwrap_or_default(),
        measures: k.measures.join(", "),
        residual,
        residual_level: level_label(&m, residual, lang),
        residual_class: format!("level{}", band_index(&m, residual)),
        accepted: k
            .acceptance
            .as_ref()
            .map(|a| format!("{} {}（{}）", a.on, a.staff, a.role.label(lang)))
            .unwrap_or_default(),
    }
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    message: Option<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewRisks) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let mut risks = state.store.risks().await?;
    risks.sort_by_key(|r| std::cmp::Reverse(r.risk.residual_score(&matrix_of(&r.matrix))));
    let threats = threat_names(state, lang).await?;
    let page = RisksPage {
        p: viewer.chrome(&org, "risks"),
        maps: [false, true]
            .into_iter()
            .filter_map(|residual| heat_map(&risks, residual, lang))
            .collect(),
        rows: risks.iter().map(|r| row(r, &threats, lang)).collect(),
        may_manage: policy.may(&viewer.subject, Capability::ManageRisks),
        message,
    };
    Ok(html(&page)?.into_response())
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    list_page(&state, &viewer, None).await
}

#[derive(serde::Deserialize)]
pub struct AssessForm {
    matrix: String,
}

pub async fn assess(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: AssessForm = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ManageRisks) {
        return Err(WebError::Forbidden);
    }
    let matrix =
        Matrix::builtin(&form.matrix).ok_or_else(|| WebError::BadRequest("matrix".into()))?;
    let summary =
        mamori_app::risk::assess(&state.store, &matrix, &Actor(viewer.actor()), state.now())
            .await
            .map_err(|e| match e {
                mamori_app::AppError::Store(s) => WebError::Store(s),
                other => WebError::Internal(other.to_string()),
            })?;
    let message = match viewer.lang {
        Lang::Ja => format!(
            "リスク分析を実行しました（{}）: 新規 {}件、更新 {}件、変更なし {}件。",
            matrix.id, summary.created, summary.updated, summary.unchanged
        ),
        Lang::En => format!(
            "Assessment done ({}): {} new, {} updated, {} unchanged.",
            matrix.id, summary.created, summary.updated, summary.unchanged
        ),
    };
    list_page(&state, &viewer, Some(message)).await
}

pub async fn export(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewRisks) {
        return Err(WebError::Forbidden);
    }
    let (bytes, _) = mamori_app::risk::export_xlsx(&state.store, viewer.lang)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    xlsx_response(
        bytes,
        viewer.lang.pick("リスク台帳.xlsx", "risk-register.xlsx"),
    )
}

async fn find(state: &AppState, target: &str, threat: &str) -> Result<StoredRisk, WebError> {
    state
        .store
        .risks()
        .await?
        .into_iter()
        .find(|r| r.risk.asset == target && r.risk.threat == threat)
        .ok_or(WebError::NotFound)
}

fn levels(n: usize, selected: Option<u8>, blank: Option<&str>) -> Vec<Opt> {
    let mut out: Vec<Opt> = blank
        .map(|label| Opt {
            value: String::new(),
            label: label.to_string(),
            selected: selected.is_none(),
        })
        .into_iter()
        .collect();
    out.extend((1..=n).map(|v| Opt {
        value: v.to_string(),
        label: v.to_string(),
        selected: selected.map(usize::from) == Some(v),
    }));
    out
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((target, threat)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewRisks) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let r = find(&state, &target, &threat).await?;
    let m = matrix_of(&r.matrix);
    let threats = threat_names(&state, lang).await?;
    let k = &r.risk;
    let none = lang.pick("（未記録）", "(none)");
    let page = RiskPage {
        p: viewer.chrome(&org, "risks"),
        row: row(&r, &threats, lang),
        matrix: m.id.clone(),
        may_manage: policy.may(&viewer.subject, Capability::ManageRisks),
        impact_overridden: k.impact_overridden,
        likelihood_opts: levels(m.likelihood.len(), Some(k.likelihood), None),
        impact_opts: levels(m.impact.len(), Some(k.impact), None),
        residual_likelihood_opts: levels(m.likelihood.len(), k.residual_likelihood, Some(none)),
        residual_impact_opts: levels(m.impact.len(), k.residual_impact, Some(none)),
        treatments: std::iter::once(Opt {
            value: String::new(),
            label: none.to_string(),
            selected: k.treatment.is_none(),
        })
        .chain(TREATMENTS.into_iter().map(|t| Opt {
            value: treatment_id(t).to_string(),
            label: t.label(lang).to_string(),
            selected: k.treatment == Some(t),
        }))
        .collect(),
        measures: mamori_core::measures::builtin_measures()
            .into_iter()
            .map(|x| {
                let checked = k.measures.contains(&x.id);
                (x.id, x.title.get(lang).to_string(), checked)
            })
            .collect(),
    };
    Ok(html(&page)?.into_response())
}

fn risk_link(target: &str, threat: &str) -> String {
    format!("/risks/{target}/{threat}")
}

/// Record likelihood, impact, treatment, measures and residual risk.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((target, threat)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields: Vec<(String, String)> = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ManageRisks) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let mut stored = find(&state, &target, &threat).await?;
    let m = matrix_of(&stored.matrix);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let back = risk_link(&target, &threat);
    // A level on an axis of `max` steps, or None when left blank.
    let level = |name: &str, max: usize| -> Result<Option<u8>, String> {
        match get(name) {
            "" => Ok(None),
            v => match v.parse::<u8>() {
                Ok(n) if n >= 1 && usize::from(n) <= max => Ok(Some(n)),
                _ => Err(match lang {
                    Lang::Ja => format!("「{v}」はマトリクスの範囲（1〜{max}）外です。"),
                    Lang::En => format!("\"{v}\" is outside the matrix (1 to {max})."),
                }),
            },
        }
    };
    let (lmax, imax) = (m.likelihood.len(), m.impact.len());
    let parsed = (|| {
        Ok::<_, String>((
            level("likelihood", lmax)?,
            level("impact", imax)?,
            level("residual_likelihood", lmax)?,
            level("residual_impact", imax)?,
        ))
    })();
    let (likelihood, impact, residual_l, residual_i) = match parsed {
        Ok(v) => v,
        Err(message) => {
            return upload::notice(
                viewer.chrome(&org, "risks"),
                StatusCode::BAD_REQUEST,
                lang.pick("入力が正しくありません", "Invalid input"),
                message,
                &back,
            );
        }
    };
    let treatment = match get("treatment") {
        "" => None,
        t => Some(
            TREATMENTS
                .into_iter()
                .find(|x| treatment_id(*x) == t)
                .ok_or_else(|| WebError::BadRequest("treatment".into()))?,
        ),
    };
    let known: Vec<String> = mamori_core::measures::builtin_measures()
        .into_iter()
        .map(|x| x.id)
        .collect();
    let measures: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "measure" && known.contains(v))
        .map(|(_, v)| v.clone())
        .collect();
    let k = &mut stored.risk;
    if let Some(l) = likelihood {
        k.likelihood = l;
    }
    if let Some(i) = impact
        && i != k.impact
    {
        k.impact = i;
        k.impact_overridden = true;
    }
    k.treatment = treatment;
    k.measures = measures;
    k.residual_likelihood = residual_l;
    k.residual_impact = residual_i;
    state
        .store
        .save_risks(&[stored], &viewer.actor(), &state.now().timestamp())
        .await?;
    Ok(Redirect::to(&back).into_response())
}

/// Accept the residual risk. The capability lets an officer try; core::risk decides that only the
/// 統括情報セキュリティ責任者 or the CISO may, and its message is shown to anyone else.
pub async fn accept(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((target, threat)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let _: Vec<(String, String)> = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ManageRisks) {
        return Err(WebError::Forbidden);
    }
    let mut stored = find(&state, &target, &threat).await?;
    let roles: Vec<Role> = viewer.subject.assignments.iter().map(|a| a.role).collect();
    let now = state.now();
    let today = now.today_in_japan().format("%Y-%m-%d").to_string();
    let back = risk_link(&target, &threat);
    if let Err(e) = stored.risk.accept(&viewer.subject.staff_id, &roles, &today) {
        return upload::notice(
            viewer.chrome(&org, "risks"),
            StatusCode::FORBIDDEN,
            viewer
                .lang
                .pick("リスクを受容できません", "Cannot accept the risk"),
            e.message(viewer.lang),
            &back,
        );
    }
    state
        .store
        .save_risks(&[stored], &viewer.actor(), &now.timestamp())
        .await?;
    Ok(Redirect::to(&back).into_response())
}
