use mamori_core::Lang;
use mamori_core::register::{HeaderError, RowError};
use mamori_sheets::SheetError;
use mamori_store::StoreError;

/// What a use case reports to the person who started it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.message(Lang::En))]
    Sheet(#[from] SheetError),
    #[error("{}", .0.message(Lang::En))]
    Header(#[from] HeaderError),
    /// Every bad row, in file order. Nothing was written.
    #[error("{} rows have errors", .0.len())]
    Rows(Vec<RowError>),
    #[error("{}", .0.message(Lang::En))]
    Store(#[from] StoreError),
    #[error("the file has no data rows")]
    NoRows,
}

impl AppError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Sheet(e) => e.message(lang),
            AppError::Header(e) => e.message(lang),
            AppError::Store(e) => e.message(lang),
            AppError::Rows(errors) => {
                let rows = {
                    let mut r: Vec<usize> = errors.iter().map(|e| e.row).collect();
                    r.dedup();
                    r.len()
                };
                match lang {
                    Lang::Ja => format!(
                        "{rows}行に誤りがあります（{}件）。台帳は変更していません。",
                        errors.len()
                    ),
                    Lang::En => format!(
                        "{rows} rows have errors ({} problems). The register was not changed.",
                        errors.len()
                    ),
                }
            }
            AppError::NoRows => lang
                .pick(
                    "ファイルにデータ行がありません（見出し行だけです）。",
                    "The file has no data rows (only the header).",
                )
                .to_string(),
        }
    }
}
