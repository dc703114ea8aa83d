//! # mamori-sheets: spreadsheet tables in and out, as plain strings
//!
//! Japanese municipalities keep their information asset register (情報資産台帳) in Excel. Clerks
//! fill it in by hand, copy it between fiscal years, and hand it around as `.xlsx` files or as
//! CSV saved by Japanese Excel — which by default means Shift_JIS (CP932), not UTF-8. Codes such
//! as `001` and dates typed as `2024/4/1` must not be mangled on the way in or out.
//!
//! This crate is the file layer for importing and exporting that register. It turns bytes into a
//! [`Table`] of strings (one header row, then data rows) and a [`Table`] back into bytes. It knows
//! nothing about assets: mapping columns to asset fields is mamori-core's job. There is no file
//! I/O in the API (callers pass and receive bytes) and no database.
//!
//! What it takes care of, because Excel users will do all of it:
//! - **Formats**: xlsx (by content: a zip; a `.xlsx` that is not a zip is an error, not a CSV)
//!   and CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932, including NEC/IBM extension
//!   characters such as ①, ㈱, 髙, 﨑.
//! - **Where**: every data row keeps the row number the user sees in Excel (or the CSV line where
//!   the record starts), and every error names the row, column letter or cell (`C12`), in
//!   Japanese and English ([`SheetError::message`]).
//! - **Excel cells as text**: integers without `.0`, numbers formatted `000` with their leading
//!   zeros (`001`), dates as `YYYY-MM-DD`, booleans as `TRUE`/`FALSE`; error cells (`#N/A`) are
//!   refused rather than imported as text.
//! - **Table shape**: the header is the first non-empty row; empty rows are skipped; short rows
//!   are padded; data in a column without a header, or duplicate headers, are errors.
//! - **Writing**: xlsx with text cells (so `001` stays `001`), bold frozen header, autofilter and
//!   widths that count CJK characters double; CSV with CRLF, as UTF-8 with BOM (so Excel detects
//!   it) or CP932, where a character CP932 cannot hold is an error instead of a silent `?`.
//!
//! ```
//! use mamori_sheets::{read_table, write_xlsx, detect_format, Row, Table};
//!
//! let table = Table::new(
//!     vec!["資産番号".into(), "資産名".into()],
//!     vec![Row { number: 2, cells: vec!["001".into(), "住民記録システム".into()] }],
//! );
//! let bytes = write_xlsx(&table, "情報資産台帳").unwrap();
//! let format = detect_format("台帳.xlsx", &bytes).unwrap();
//! let back = read_table(&bytes, format).unwrap();
//! assert_eq!(back.rows[0].cells[0], "001");
//! ```

mod column;
mod csv_read;
mod csv_write;
mod error;
mod ooxml_escape;
mod table;
mod xlsx_read;
mod xlsx_write;

pub use column::{cell_ref, column_letter};
pub use csv_write::CsvEncoding;
pub use error::SheetError;
pub use table::{Row, Table};
pub use xlsx_read::REGISTER_SHEET_NAME;

/// File format of a spreadsheet table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Excel workbook (Office Open XML).
    Xlsx,
    /// Comma separated values, UTF-8 or Shift_JIS (CP932).
    Csv,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The format of a file, from its content first and its name second.
///
/// A zip is xlsx whatever its name; an OLE file (password-protected workbook or legacy `.xls`)
/// is an error whatever its name; a `.xlsx`/`.xlsm` name with other content is an error (a
/// renamed CSV, a damaged download), never silently read as CSV; `.csv` and `.txt` are CSV;
/// anything else is unsupported.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Result<Format, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::EmptyFile);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(xlsx_read::CFB_MAGIC) {
        return Err(SheetError::EncryptedOrLegacyExcel);
    }
    match extension.as_str() {
        "csv" | "txt" => Ok(Format::Csv),
        "xlsx" | "xlsm" => Err(SheetError::NotXlsx {
            file_name: file_name.to_string(),
        }),
        _ => Err(SheetError::UnsupportedFileType {
            file_name: file_name.to_string(),
        }),
    }
}

/// Reads the table of an xlsx workbook (the sheet [`REGISTER_SHEET_NAME`] if present, else the
/// first visible worksheet) or of a CSV file.
pub fn read_table(bytes: &[u8], format: Format) -> Result<Table, SheetError> {
    match format {
        Format::Xlsx => xlsx_read::read_xlsx(bytes),
        Format::Csv => csv_read::read_csv(bytes),
    }
}

/// Writes the table as an xlsx workbook with one worksheet named `sheet_name`.
/// Row numbers in `table` are ignored: the header goes to row 1 and data rows follow in order.
pub fn write_xlsx(table: &Table, sheet_name: &str) -> Result<Vec<u8>, SheetError> {
    xlsx_write::write_xlsx(table, sheet_name)
}

/// Writes the table as CSV (CRLF line ends, quoting only where needed).
/// Row numbers in `table` are ignored; errors name rows as they would appear in Excel (header = 1).
pub fn write_csv(table: &Table, encoding: CsvEncoding) -> Result<Vec<u8>, SheetError> {
    csv_write::write_csv(table, encoding)
}

/// A table to write needs headers, and no row wider than them (shorter rows are padded).
pub(crate) fn check_shape(table: &Table) -> Result<(), SheetError> {
    if table.headers.is_empty() {
        return Err(SheetError::NoHeader);
    }
    let headers = table.headers.len();
    for (index, row) in table.rows.iter().enumerate() {
        if row.cells.len() > headers {
            return Err(SheetError::RowTooWide {
                row: index + 2,
                cells: row.cells.len(),
                headers,
            });
        }
    }
    Ok(())
}
