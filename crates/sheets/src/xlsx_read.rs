//! Reading xlsx with calamine, streaming the worksheet cell by cell (no full in-memory range),
//! and turning Excel's typed cells into the text a person sees.

use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Style, Xlsx, XlsxError};

use crate::column::cell_ref;
use crate::error::SheetError;
use crate::ooxml_escape::unescape;
use crate::table::{Table, TableBuilder};

/// The sheet read when a workbook has it; otherwise the first visible worksheet.
pub const REGISTER_SHEET_NAME: &str = "情報資産台帳";

/// Excel's last column index (XFD) and last row index (1,048,576th row). Cells beyond them
/// only come from damaged or hostile files, which must not make us allocate without bound.
const MAX_COLUMN: u32 = 16_383;
const MAX_ROW: u32 = 1_048_575;

/// OLE compound file magic: legacy .xls, or an encrypted (password-protected) xlsx.
pub(crate) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

pub(crate) fn read_xlsx(bytes: &[u8]) -> Result<Table, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::EmptyFile);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(SheetError::EncryptedOrLegacyExcel);
    }
    // Defence in depth: a damaged file must become an error message, never a crash, even if a
    // parsing dependency panics on input nobody anticipated.
    std::panic::catch_unwind(|| read_workbook(bytes)).unwrap_or_else(|_| {
        Err(SheetError::CorruptXlsx {
            detail: "the reader stopped on unexpected content".to_string(),
        })
    })
}

fn read_workbook(bytes: &[u8]) -> Result<Table, SheetError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let sheet = choose_sheet(&workbook).ok_or(SheetError::NoWorksheet)?;
    let mut cells_reader = workbook.worksheet_cells_reader(&sheet).map_err(corrupt)?;
    let zero_pad_by_style = zero_pad_widths(cells_reader.styles());
    let mut builder = TableBuilder::new();
    let mut current_row: Option<u32> = None;
    let mut cells: Vec<String> = Vec::new();
    while let Some((cell, style)) = cells_reader.next_cell_with_style_id().map_err(corrupt)? {
        let (row, column) = cell.get_position();
        if current_row != Some(row) {
            if let Some(previous) = current_row {
                let next = Vec::with_capacity(builder.raw_width());
                builder.push(row_number(previous), std::mem::replace(&mut cells, next))?;
            }
            current_row = Some(row);
        }
        if column > MAX_COLUMN || row > MAX_ROW {
            return Err(SheetError::CorruptXlsx {
                detail: format!("cell (row {row}, column {column}) is beyond Excel's sheet size"),
            });
        }
        let zero_pad = zero_pad_by_style.get(style).copied().flatten();
        let Some(text) = cell_text(cell.get_value(), zero_pad, row, column)? else {
            continue;
        };
        let column = column as usize;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        if let Some(slot) = cells.get_mut(column) {
            *slot = text;
        }
    }
    if let Some(row) = current_row {
        builder.push(row_number(row), cells)?;
    }
    builder.finish()
}

fn row_number(row: u32) -> usize {
    row as usize + 1
}

fn corrupt(err: XlsxError) -> SheetError {
    match err {
        XlsxError::Password => SheetError::EncryptedOrLegacyExcel,
        other => SheetError::CorruptXlsx {
            detail: other.to_string(),
        },
    }
}

/// The register sheet by name, else the first visible worksheet, else the first worksheet.
fn choose_sheet<R>(workbook: &Xlsx<R>) -> Option<String>
where
    R: std::io::Read + std::io::Seek,
{
    let sheets = workbook.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.name.trim() == REGISTER_SHEET_NAME)
        .or_else(|| worksheets().find(|s| s.visible == SheetVisible::Visible))
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
}

/// Per style id, the digit count of a zero-padding number format such as `000`: clerks type
/// 資産番号 1 and let the format show `001`, so the text must be `001` too.
fn zero_pad_widths(styles: &[Style]) -> Vec<Option<usize>> {
    styles
        .iter()
        .map(|style| {
            let code = style.number_format.as_ref()?.format_code.as_str();
            (code.len() >= 2 && code.bytes().all(|b| b == b'0')).then_some(code.len())
        })
        .collect()
}

/// A whole number padded with zeros to `width` digits, when the value is one.
fn zero_padded(value: f64, width: usize) -> Option<String> {
    // Whole numbers below 1e15 are exact in f64 and fit in u64.
    (value.fract() == 0.0 && (0.0..1e15).contains(&value))
        .then(|| format!("{:0width$}", value as u64))
}

/// The text of a cell as Excel shows it in General format (or a zero-padding format);
/// `None` for an empty cell.
fn cell_text(
    value: &DataRef<'_>,
    zero_pad: Option<usize>,
    row: u32,
    column: u32,
) -> Result<Option<String>, SheetError> {
    let text = match value {
        DataRef::Empty => return Ok(None),
        DataRef::SharedString(s) => unescape(s).into_owned(),
        DataRef::String(s) => unescape(s).into_owned(),
        DataRef::Int(i) => match zero_pad {
            Some(width) if *i >= 0 => format!("{i:0width$}"),
            _ => i.to_string(),
        },
        DataRef::Float(f) => zero_pad
            .and_then(|width| zero_padded(*f, width))
            .unwrap_or_else(|| number_text(*f)),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(dt) => datetime_text(dt),
        DataRef::DateTimeIso(s) => iso_datetime_text(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => {
            return Err(SheetError::ErrorCell {
                cell: cell_ref(column as usize, row_number(row)),
                value: e.to_string(),
            });
        }
    };
    Ok(Some(text))
}

/// Shortest text of a number, at Excel's 15 significant digits: `1234` (not `1234.0`), `0.1`,
/// and `0.3` for the binary `0.30000000000000004` a formula may leave behind.
pub(crate) fn number_text(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded == 0.0 {
        return "0".to_string(); // not "-0"
    }
    rounded.to_string()
}

/// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` when there is a time of day; a bare time (value under
/// one day) as `HH:MM:SS`; a duration (`[h]:mm:ss` format) as hours:minutes:seconds.
pub(crate) fn datetime_text(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if (dt.is_duration() || (0.0..1.0).contains(&value))
        && let Some(text) = clock_text(value, dt.is_duration())
    {
        return text;
    }
    match dt.as_datetime() {
        Some(datetime) => {
            // Round to the second, as Excel shows it.
            let datetime = datetime + chrono::TimeDelta::milliseconds(500);
            if datetime.format("%H:%M:%S").to_string() == "00:00:00" {
                datetime.format("%Y-%m-%d").to_string()
            } else {
                datetime.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        None => number_text(value),
    }
}

fn clock_text(days: f64, is_duration: bool) -> Option<String> {
    let seconds = (days * 86_400.0).round();
    if !seconds.is_finite() || seconds.abs() > 1e12 {
        return None;
    }
    // |seconds| ≤ 1e12 fits in i64 exactly.
    let total = seconds as i64;
    if !is_duration && total >= 86_400 {
        return None; // rounds up to the next day: show it as a date-time instead
    }
    let sign = if total < 0 { "-" } else { "" };
    let total = total.abs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    Some(format!("{sign}{h:02}:{m:02}:{s:02}"))
}

/// Strict-OOXML ISO dates (`2024-04-01T00:00:00`) in the same shape as serial dates.
fn iso_datetime_text(text: &str) -> String {
    match text.split_once('T') {
        Some((date, "00:00:00")) => date.to_string(),
        Some((date, time)) => format!("{date} {}", time.split('.').next().unwrap_or(time)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers_look_like_excel_general_format() {
        assert_eq!(number_text(1234.0), "1234");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1.5e-7), "0.00000015");
        assert_eq!(number_text(123456789012.5), "123456789012.5");
    }

    #[test]
    fn zero_padding_applies_to_whole_non_negative_numbers_only() {
        assert_eq!(zero_padded(1.0, 3).as_deref(), Some("001"));
        assert_eq!(zero_padded(12345.0, 3).as_deref(), Some("12345"));
        assert_eq!(zero_padded(1.5, 3), None);
        assert_eq!(zero_padded(-1.0, 3), None);
    }

    #[test]
    fn serial_dates_become_iso_text() {
        let date = |v| ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime_text(&date(45383.0)), "2024-04-01");
        assert_eq!(datetime_text(&date(45383.5)), "2024-04-01 12:00:00");
        assert_eq!(datetime_text(&date(0.75)), "18:00:00");
        let date_1904 = ExcelDateTime::new(43921.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(datetime_text(&date_1904), "2024-04-01");
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(datetime_text(&duration), "36:00:00");
    }

    #[test]
    fn iso_dates_are_normalised() {
        assert_eq!(iso_datetime_text("2024-04-01T00:00:00"), "2024-04-01");
        assert_eq!(
            iso_datetime_text("2024-04-01T09:30:00.000"),
            "2024-04-01 09:30:00"
        );
        assert_eq!(iso_datetime_text("2024-04-01"), "2024-04-01");
    }
}
