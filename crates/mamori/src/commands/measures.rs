//! `mamori measures …`: 第6条's measures, their status and the statement of applicability.

use crate::cli::{MeasureStatus, MeasuresCommand};
use anyhow::anyhow;
use mamori_app::{Actor, Now};
use mamori_core::Lang;
use mamori_core::measures::{
    ImplementationStatus, StatusRecord, StatusScope, builtin_measures, statement_of_applicability,
};
use mamori_store::Store;
use std::process::ExitCode;

pub async fn run(
    store: &Store,
    cmd: MeasuresCommand,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    match cmd {
        MeasuresCommand::List => {
            let measures = builtin_measures();
            let records = store.measure_status().await?;
            for r in statement_of_applicability(&measures, &records) {
                println!(
                    "{}  {:<12} {}  [{}]",
                    r.measure.id,
                    r.measure.citation.to_string(),
                    r.measure.title.get(lang),
                    r.overall.label(lang)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        MeasuresCommand::Set {
            measure,
            department,
            system,
            status,
            evidence,
            date,
            justification,
        } => {
            if !builtin_measures().iter().any(|m| m.id == measure) {
                return Err(anyhow!(match lang {
                    Lang::Ja => format!(
                        "対策番号「{measure}」はありません（mamori measures list で確認できます）。"
                    ),
                    Lang::En =>
                        format!("There is no measure \"{measure}\" (see mamori measures list)."),
                }));
            }
            let scope = match (department, system) {
                (Some(d), None) => StatusScope::Department(d),
                (None, Some(s)) => StatusScope::System(s),
                _ => {
                    return Err(anyhow!(
                        lang.pick(
                            "--department 又は --system のどちらか一方を指定してください。",
                            "Give either --department or --system."
                        )
                        .to_string()
                    ));
                }
            };
            let assessed_on = match date {
                Some(d) => mamori_core::register::parse_date(&d).ok_or_else(|| {
                    anyhow!(match lang {
                        Lang::Ja => format!("評価日「{d}」を読めません。"),
                        Lang::En => format!("Cannot read the date \"{d}\"."),
                    })
                })?,
                None => now.today_in_japan(),
            };
            let status = match status {
                MeasureStatus::Implemented => ImplementationStatus::Implemented,
                MeasureStatus::Partial => ImplementationStatus::Partial,
                MeasureStatus::NotImplemented => ImplementationStatus::NotImplemented,
                MeasureStatus::NotApplicable => ImplementationStatus::NotApplicable,
            };
            let record = StatusRecord {
                measure: measure.clone(),
                scope,
                status,
                evidence,
                assessed_on,
                justification,
            };
            store
                .set_measure_status(&record, &actor.0, &now.timestamp())
                .await?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "{measure} の実施状況を「{}」として記録しました。",
                        status.label(lang)
                    ),
                    Lang::En => format!("Recorded {measure} as \"{}\".", status.label(lang)),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        MeasuresCommand::Export { file } => {
            super::require_xlsx(&file, lang)?;
            let bytes = mamori_app::measures::export_soa_xlsx(store, lang).await?;
            super::write_atomically(&file, &bytes, lang)?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("適用宣言書を {} に書き出しました。", file.display()),
                    Lang::En => format!(
                        "Exported the statement of applicability to {}.",
                        file.display()
                    ),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
