//! `mamori risk …`: 第8条's risk register.

use crate::cli::{RiskCommand, TreatmentArg};
use anyhow::anyhow;
use mamori_app::{Actor, Now};
use mamori_core::Lang;
use mamori_core::risk::Matrix;
use mamori_store::Store;
use std::process::ExitCode;

pub async fn run(
    store: &Store,
    cmd: RiskCommand,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    match cmd {
        RiskCommand::Assess { matrix } => {
            let m = Matrix::builtin(&matrix).ok_or_else(|| anyhow!("unknown matrix {matrix}"))?;
            let s = mamori_app::risk::assess(store, &m, actor, now).await?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "リスク台帳（{matrix}）: 新規 {}件、更新 {}件、変更なし {}件。",
                        s.created, s.updated, s.unchanged
                    ),
                    Lang::En => format!(
                        "Risk register ({matrix}): {} created, {} updated, {} unchanged.",
                        s.created, s.updated, s.unchanged
                    ),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Set {
            system,
            threat,
            likelihood,
            impact,
            treatment,
            measures,
            residual_likelihood,
            residual_impact,
        } => {
            let mut stored = find(store, &system, &threat, lang).await?;
            let m = Matrix::builtin(&stored.matrix).unwrap_or_else(Matrix::five_by_five);
            let top_l = u8::try_from(m.likelihood.len()).unwrap_or(u8::MAX);
            let top_i = u8::try_from(m.impact.len()).unwrap_or(u8::MAX);
            let check = |what_ja: &str,
                         what_en: &str,
                         v: Option<u8>,
                         max: u8|
             -> anyhow::Result<Option<u8>> {
                match v {
                    Some(x) if x == 0 || x > max => Err(anyhow!(match lang {
                        Lang::Ja =>
                            format!("{what_ja}「{x}」はマトリクスの範囲（1〜{max}）外です。"),
                        Lang::En => format!("{what_en} {x} is outside the matrix (1 to {max})."),
                    })),
                    other => Ok(other),
                }
            };
            let r = &mut stored.risk;
            if let Some(l) = check("発生可能性", "Likelihood", likelihood, top_l)? {
                r.likelihood = l;
            }
            if let Some(i) = check("影響度", "Impact", impact, top_i)? {
                r.impact = i;
                r.impact_overridden = true;
            }
            if let Some(l) = check(
                "残留の発生可能性",
                "Residual likelihood",
                residual_likelihood,
                top_l,
            )? {
                r.residual_likelihood = Some(l);
            }
            if let Some(i) = check("残留の影響度", "Residual impact", residual_impact, top_i)?
            {
                r.residual_impact = Some(i);
            }
            if let Some(t) = treatment {
                r.treatment = Some(match t {
                    TreatmentArg::Reduce => mamori_core::risk::Treatment::Reduce,
                    TreatmentArg::Avoid => mamori_core::risk::Treatment::Avoid,
                    TreatmentArg::Transfer => mamori_core::risk::Treatment::Transfer,
                    TreatmentArg::Accept => mamori_core::risk::Treatment::Accept,
                });
            }
            if let Some(list) = measures {
                let known = mamori_core::measures::builtin_measures();
                let ids: Vec<String> = list
                    .split([',', '、'])
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect();
                if let Some(bad) = ids.iter().find(|id| !known.iter().any(|m| &m.id == *id)) {
                    return Err(anyhow!(match lang {
                        Lang::Ja => format!("対策番号「{bad}」はありません。"),
                        Lang::En => format!("There is no measure \"{bad}\"."),
                    }));
                }
                r.measures = ids;
            }
            // A changed assessment needs a fresh acceptance.
            r.acceptance = None;
            store
                .save_risks(&[stored], &actor.0, &now.timestamp())
                .await?;
            println!(
                "{}",
                lang.pick(
                    "リスクの評価・対応を記録しました。",
                    "Recorded the assessment."
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Accept {
            system,
            threat,
            staff,
        } => {
            let mut stored = find(store, &system, &threat, lang).await?;
            let roles: Vec<mamori_core::Role> = store
                .role_assignments()
                .await?
                .into_iter()
                .filter(|a| a.staff == staff)
                .map(|a| a.role)
                .collect();
            stored
                .risk
                .accept(
                    &staff,
                    &roles,
                    &now.today_in_japan().format("%Y-%m-%d").to_string(),
                )
                .map_err(|e| anyhow!(e.message(lang)))?;
            store
                .save_risks(
                    &[stored],
                    &format!("{}（{staff}）", actor.0),
                    &now.timestamp(),
                )
                .await?;
            println!(
                "{}",
                lang.pick(
                    "残留リスクの受容を記録しました。",
                    "Recorded the acceptance of the residual risk."
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Export { file } => {
            super::require_xlsx(&file, lang)?;
            let (bytes, rows) = mamori_app::risk::export_xlsx(store, lang).await?;
            super::write_atomically(&file, &bytes, lang)?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("リスク {rows}件を {} に書き出しました。", file.display()),
                    Lang::En => format!("Exported {rows} risks to {}.", file.display()),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn find(
    store: &Store,
    system: &str,
    threat: &str,
    lang: Lang,
) -> anyhow::Result<mamori_store::StoredRisk> {
    let target = format!("SYS:{system}");
    store
        .risks()
        .await?
        .into_iter()
        .find(|r| r.risk.asset == target && r.risk.threat == threat)
        .ok_or_else(|| {
            anyhow!(match lang {
                Lang::Ja => format!("情報システム「{system}」と脅威「{threat}」のリスクは台帳にありません（先に mamori risk assess を実行してください）。"),
                Lang::En => format!("No risk for system \"{system}\" and threat \"{threat}\" (run mamori risk assess first)."),
            })
        })
}
