//! `mamori risk …`: 第8条's risk register.

use crate::cli::RiskCommand;
use anyhow::{Context, anyhow};
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
        RiskCommand::Export { file } => {
            if file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
                != Some("xlsx")
            {
                return Err(anyhow!(
                    lang.pick(
                        "書き出し先は .xlsx にしてください。",
                        "The output file must end in .xlsx."
                    )
                    .to_string()
                ));
            }
            let (bytes, rows) = mamori_app::risk::export_xlsx(store, lang).await?;
            let tmp = file.with_extension("part");
            std::fs::write(&tmp, &bytes)
                .and_then(|_| std::fs::rename(&tmp, &file))
                .with_context(|| file.display().to_string())?;
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
