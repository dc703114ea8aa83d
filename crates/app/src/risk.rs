//! 第8条's risk analysis over the register: one risk per information system × threat, impact proposed
//! from the most sensitive asset of the system, and the register exported for the review meeting.

use crate::{Actor, AppError, Now};
use mamori_core::risk::{Matrix, Risk, default_likelihood, group_profile};
use mamori_core::threats::builtin_threats;
use mamori_core::{AssetStatus, Lang};
use mamori_sheets::{Row, Table};
use mamori_store::{AssetFilter, RiskSaveSummary, Store, StoreError, StoredRisk};

/// Target IDs of system-level risks.
fn system_target(code: &str) -> String {
    format!("SYS:{code}")
}

/// Create or refresh the risk register on `matrix`: new pairs get the default likelihood of their
/// threat category and a proposed impact; existing ones keep the division's likelihood, treatment
/// and acceptance, and their proposed impact follows the current classification.
pub async fn assess(
    store: &Store,
    matrix: &Matrix,
    actor: &Actor,
    now: Now,
) -> Result<RiskSaveSummary, AppError> {
    matrix
        .validate()
        .map_err(|e| AppError::Store(StoreError::Invalid(e.message(Lang::Ja))))?;
    let at = now.timestamp();
    store
        .ensure_threats(&builtin_threats(), &actor.0, &at)
        .await?;
    let org = store.organisation().await?;
    let threats = store.threats().await?;
    let systems = store.systems().await?;
    let assets = store
        .assets(&AssetFilter {
            status: Some(AssetStatus::InUse),
            ..Default::default()
        })
        .await?;
    let existing = store.risks().await?;
    let mut out = Vec::new();
    for system in &systems {
        let members: Vec<&mamori_core::Asset> = assets
            .iter()
            .filter(|a| a.system.as_deref() == Some(system.code.as_str()))
            .collect();
        if members.is_empty() {
            continue;
        }
        let target = system_target(&system.code);
        let profile = group_profile(&target, &system.name, members.iter().copied(), &org.scheme);
        for threat in &threats {
            let previous = existing
                .iter()
                .find(|r| r.risk.asset == target && r.risk.threat == threat.id);
            let risk = match previous {
                Some(p) if p.matrix == matrix.id => {
                    let mut r = p.risk.clone();
                    r.refresh_impact(matrix, &org.scheme, &profile, threat);
                    r
                }
                _ => Risk::assess(
                    matrix,
                    &org.scheme,
                    &profile,
                    threat,
                    default_likelihood(matrix, threat.category),
                )
                .map_err(|e| AppError::Store(StoreError::Invalid(e.message(Lang::Ja))))?,
            };
            out.push(StoredRisk {
                risk,
                target_name: system.name.clone(),
                matrix: matrix.id.clone(),
            });
        }
    }
    Ok(store.save_risks(&out, &actor.0, &at).await?)
}

/// The risk register as a table, highest residual risk first.
pub async fn register_table(store: &Store, lang: Lang) -> Result<Table, AppError> {
    let threats = store.threats().await?;
    let mut risks = store.risks().await?;
    let matrix_of = |id: &str| Matrix::builtin(id).unwrap_or_else(Matrix::five_by_five);
    risks.sort_by_key(|r| std::cmp::Reverse(r.risk.residual_score(&matrix_of(&r.matrix))));
    let headers: Vec<String> = [
        ("対象", "Target"),
        ("脅威", "Threat"),
        ("根拠条項", "Article"),
        ("発生可能性", "Likelihood"),
        ("影響度", "Impact"),
        ("固有リスク", "Inherent risk"),
        ("水準", "Level"),
        ("対応", "Treatment"),
        ("対策", "Measures"),
        ("残留リスク", "Residual risk"),
        ("受容者", "Accepted by"),
        ("受容日", "Accepted on"),
        ("マトリクス", "Matrix"),
    ]
    .iter()
    .map(|(ja, en)| lang.pick(ja, en).to_string())
    .collect();
    let rows = risks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let m = matrix_of(&s.matrix);
            let r = &s.risk;
            let threat = threats.iter().find(|t| t.id == r.threat);
            let inherent = r.inherent_score(&m);
            let cells = vec![
                s.target_name.clone(),
                threat
                    .map(|t| t.name.get(lang).to_string())
                    .unwrap_or_else(|| r.threat.clone()),
                threat.map(|t| t.citation.to_string()).unwrap_or_default(),
                r.likelihood.to_string(),
                r.impact.to_string(),
                inherent.to_string(),
                m.band(inherent)
                    .map(|b| b.label.get(lang).to_string())
                    .unwrap_or_default(),
                r.treatment
                    .map(|t| t.label(lang).to_string())
                    .unwrap_or_default(),
                r.measures.join("、"),
                r.residual_score(&m).to_string(),
                r.acceptance
                    .as_ref()
                    .map(|a| format!("{}（{}）", a.staff, a.role.label(lang)))
                    .unwrap_or_default(),
                r.acceptance
                    .as_ref()
                    .map(|a| a.on.clone())
                    .unwrap_or_default(),
                s.matrix.clone(),
            ];
            Row {
                number: i + 2,
                cells,
            }
        })
        .collect();
    Ok(Table::new(headers, rows))
}

pub async fn export_xlsx(store: &Store, lang: Lang) -> Result<(Vec<u8>, usize), AppError> {
    let table = register_table(store, lang).await?;
    let rows = table.rows.len();
    Ok((
        mamori_sheets::write_xlsx(&table, lang.pick("リスク台帳", "Risk register"))?,
        rows,
    ))
}
