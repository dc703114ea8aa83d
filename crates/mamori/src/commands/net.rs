//! `mamori net check`: the three-tier separation verifier (第6条第2号) over real firewall configurations.

use crate::cli::NetCheckArgs;
use mamori_core::Lang;
use std::process::ExitCode;

pub fn check(args: &NetCheckArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let model = args
        .model
        .map(|m| mamori_netcheck::parse_model(super::model(m).id()).map_err(anyhow::Error::msg))
        .transpose()?;
    match mamori_netcheck::check(&args.inventory, model) {
        Ok(report) => {
            println!("{}", report.render(args.format.into(), lang));
            Ok(ExitCode::from(
                u8::try_from(report.exit_code()).unwrap_or(2),
            ))
        }
        Err(e) => {
            eprintln!("{}: {}", lang.pick("エラー", "error"), e.message(lang));
            Ok(ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)))
        }
    }
}

impl From<crate::cli::ReportFormat> for mamori_netcheck::OutputFormat {
    fn from(f: crate::cli::ReportFormat) -> Self {
        match f {
            crate::cli::ReportFormat::Text => mamori_netcheck::OutputFormat::Text,
            crate::cli::ReportFormat::Json => mamori_netcheck::OutputFormat::Json,
            crate::cli::ReportFormat::Sarif => mamori_netcheck::OutputFormat::Sarif,
        }
    }
}
