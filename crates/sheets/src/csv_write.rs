//! Writing CSV the way Excel on Japanese Windows reads it: CRLF line ends, quotes only where
//! needed, UTF-8 with a BOM (so Excel detects UTF-8) or Shift_JIS (CP932).

use encoding_rs::{EncoderResult, SHIFT_JIS};

use crate::error::SheetError;
use crate::table::Table;

/// Character encoding of a written CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte order mark: Excel opens it correctly and every character survives.
    #[default]
    Utf8Bom,
    /// Shift_JIS (CP932), what Japanese Excel writes as 「CSV (コンマ区切り)」. Characters without
    /// a CP932 code are an error, never replaced.
    Cp932,
}

pub(crate) fn write_csv(table: &Table, encoding: CsvEncoding) -> Result<Vec<u8>, SheetError> {
    crate::check_shape(table)?;
    let width = table.headers.len();
    let estimate: usize = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .map(|c| c.len() + 1)
        .sum::<usize>()
        + table.rows.len() * 2
        + 64;
    let mut out = Vec::with_capacity(estimate);
    if encoding == CsvEncoding::Utf8Bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer
        .write_record(&table.headers)
        .map_err(|e| csv_write_error(&e))?;
    for row in &table.rows {
        let padding = width.saturating_sub(row.cells.len());
        let fields = row
            .cells
            .iter()
            .map(String::as_str)
            .chain(std::iter::repeat_n("", padding));
        writer
            .write_record(fields)
            .map_err(|e| csv_write_error(&e))?;
    }
    let utf8 = writer.into_inner().map_err(|e| SheetError::CsvWrite {
        detail: e.error().to_string(),
    })?;
    match encoding {
        CsvEncoding::Utf8Bom => Ok(utf8),
        CsvEncoding::Cp932 => encode_cp932(&utf8, table),
    }
}

fn csv_write_error(err: &csv::Error) -> SheetError {
    SheetError::CsvWrite {
        detail: err.to_string(),
    }
}

/// Encodes the whole CSV at once (fast), then checks it decodes back to the same text, because
/// the WHATWG Shift_JIS encoder silently maps a few characters (¥ → `\`, ‾ → `~`, － → −).
/// Only on failure is the table searched for the offending cell, to name it.
fn encode_cp932(utf8: &[u8], table: &Table) -> Result<Vec<u8>, SheetError> {
    let text = std::str::from_utf8(utf8).map_err(|e| SheetError::CsvWrite {
        detail: e.to_string(),
    })?;
    let mut encoder = SHIFT_JIS.new_encoder();
    let capacity = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len());
    let mut out = Vec::with_capacity(capacity);
    let mut consumed = 0;
    loop {
        let rest = text.get(consumed..).unwrap_or_default();
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        consumed += read;
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => out.reserve(rest.len().max(16)),
            EncoderResult::Unmappable(_) => return Err(find_unrepresentable(table)),
        }
    }
    match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(&out) {
        Some(back) if back == text => Ok(out),
        _ => Err(find_unrepresentable(table)),
    }
}

/// True when `c` has a CP932 code that decodes back to `c`.
pub(crate) fn cp932_round_trips(c: char) -> bool {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    let (bytes, _, had_errors) = SHIFT_JIS.encode(s);
    if had_errors {
        return false;
    }
    SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .is_some_and(|back| back == s)
}

/// The first cell (headers first) holding a character that does not survive CP932.
fn find_unrepresentable(table: &Table) -> SheetError {
    let header_cells = std::iter::once((1, table.headers.as_slice()));
    let data_cells = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| (i + 2, row.cells.as_slice()));
    for (row, cells) in header_cells.chain(data_cells) {
        for (column, cell) in cells.iter().enumerate() {
            if let Some(character) = cell.chars().find(|&c| !cp932_round_trips(c)) {
                return SheetError::Unrepresentable {
                    row,
                    column,
                    header: table.headers.get(column).cloned().unwrap_or_default(),
                    character,
                };
            }
        }
    }
    // Unreachable in practice: the whole text failed, so some character must.
    SheetError::CsvWrite {
        detail: "Shift_JIS (CP932) encoding failed".to_string(),
    }
}
