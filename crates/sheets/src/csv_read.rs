//! Reading CSV: encoding detection (UTF-8 with or without BOM, Shift_JIS/CP932), parsing with
//! the `csv` crate, and the checks the `csv` crate does not do (an unterminated quote).

use std::borrow::Cow;

use encoding_rs::{DecoderResult, SHIFT_JIS};

use crate::error::SheetError;
use crate::table::{Table, TableBuilder, is_blank};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn read_csv(bytes: &[u8]) -> Result<Table, SheetError> {
    let text = decode(bytes)?;
    if text.is_empty() {
        return Err(SheetError::EmptyFile);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut builder = TableBuilder::new();
    // The newest record is held back until we know whether it is the last one, so that an
    // unterminated quote (which swallows the rest of the file) is reported instead of whatever
    // that swallowed record looks like.
    let mut pending: Option<(usize, usize, Vec<String>)> = None;
    let mut lines = LineCounter::default();
    let mut seen_content = false;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = err.position().map_or(0, |p| line_number(p.line()));
                return Err(SheetError::CsvSyntax {
                    line,
                    detail: err.to_string(),
                });
            }
        }
        let byte = record.position().map_or(0, |p| to_usize(p.byte()));
        let (line, byte) = lines.record_start(text.as_bytes(), byte);
        if !seen_content && record.iter().any(|c| !is_blank(c)) {
            seen_content = true;
            if record.len() == 1 && record.get(0).is_some_and(|c| c.contains('\t')) {
                return Err(SheetError::TabSeparated { line });
            }
        }
        let mut cells = Vec::with_capacity(record.len());
        cells.extend(record.iter().map(str::to_owned));
        if let Some((line, _, cells)) = pending.replace((line, byte, cells)) {
            builder.push(line, cells)?;
        }
    }
    if let Some((line, byte, cells)) = pending {
        let rest = text.as_bytes().get(byte..).unwrap_or_default();
        if let Some(quote_line) = unterminated_quote_line(rest, line) {
            return Err(SheetError::UnterminatedQuote { line: quote_line });
        }
        builder.push(line, cells)?;
    }
    builder.finish()
}

/// Line numbers of record starts. The `csv` crate's own record position points at the end of
/// the previous record (before a CRLF's LF, before skipped blank lines), so the line is counted
/// here from the byte offset instead, incrementally to stay linear.
#[derive(Debug, Default)]
struct LineCounter {
    byte: usize,
    newlines: usize,
}

impl LineCounter {
    /// The (1-based line, byte offset) where the record reported at `byte` really starts.
    fn record_start(&mut self, text: &[u8], byte: usize) -> (usize, usize) {
        let skipped = text
            .get(byte..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let start = byte + skipped;
        if start >= self.byte {
            let between = text.get(self.byte..start).unwrap_or_default();
            self.newlines += between.iter().filter(|&&b| b == b'\n').count();
            self.byte = start;
        }
        (self.newlines + 1, start)
    }
}

fn line_number(line: u64) -> usize {
    to_usize(line).max(1)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The text of a CSV file: UTF-8 (BOM stripped) when it is UTF-8, else strict Shift_JIS (CP932).
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::EmptyFile);
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        // A BOM says UTF-8; broken bytes after it are damage, not another encoding.
        return std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|e| {
            let offset = UTF8_BOM.len() + e.valid_up_to();
            unknown_encoding(bytes, offset)
        });
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(SheetError::Utf16Csv);
    }
    let utf8_break = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(e) => e.valid_up_to(),
    };
    match decode_cp932(bytes) {
        Ok(text) => Ok(Cow::Owned(text)),
        // Report where the likelier encoding (the one that got further) broke.
        Err(cp932_break) => Err(unknown_encoding(bytes, cp932_break.max(utf8_break))),
    }
}

/// Strict CP932 decoding; on malformed input, the byte offset where the bad sequence starts.
pub(crate) fn decode_cp932(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let mut consumed = 0;
    loop {
        let rest = bytes.get(consumed..).unwrap_or_default();
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve(rest.len().saturating_mul(3).max(16)),
            DecoderResult::Malformed(bad, extra) => {
                return Err(consumed.saturating_sub(usize::from(bad) + usize::from(extra)));
            }
        }
    }
}

fn unknown_encoding(bytes: &[u8], offset: usize) -> SheetError {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    SheetError::UnknownEncoding {
        line,
        byte_offset: offset,
    }
}

/// When the record starting at `record` (on line `line`) opens a quoted field that never closes,
/// the line where that quote opened. Mirrors the `csv` crate's defaults: `"` opens a quoted field
/// only at the start of a field, `""` inside quotes is a literal quote.
fn unterminated_quote_line(record: &[u8], line: usize) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted(usize),
        QuoteInQuoted(usize),
    }
    let mut state = State::FieldStart;
    for (i, &b) in record.iter().enumerate() {
        state = match (state, b) {
            (State::FieldStart, b'"') => State::Quoted(i),
            (State::FieldStart | State::Unquoted, b',' | b'\n' | b'\r') => State::FieldStart,
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted(open), b'"') => State::QuoteInQuoted(open),
            (State::Quoted(open), _) => State::Quoted(open),
            (State::QuoteInQuoted(open), b'"') => State::Quoted(open),
            (State::QuoteInQuoted(_), b',' | b'\n' | b'\r') => State::FieldStart,
            (State::QuoteInQuoted(_), _) => State::Unquoted,
        };
    }
    match state {
        State::Quoted(open) => {
            let newlines = record
                .get(..open)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            Some(line + newlines)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_scanner_finds_only_open_quotes() {
        assert_eq!(unterminated_quote_line(b"a,\"b", 4), Some(4));
        assert_eq!(unterminated_quote_line(b"a,b\n\"c,d\ne", 2), Some(3));
        assert_eq!(unterminated_quote_line(b"a,\"b\"\"c\",d", 1), None);
        assert_eq!(unterminated_quote_line(b"a,b\"c", 1), None);
        assert_eq!(unterminated_quote_line(b"\"a\nb\"\r\n", 1), None);
    }

    #[test]
    fn cp932_break_offset_points_at_the_bad_sequence() {
        // "あ" in Shift_JIS, then 0x85 0x40 (unassigned), then ASCII.
        let bytes = b"\x82\xA0\x85\x40ab";
        assert_eq!(decode_cp932(bytes), Err(2));
        assert_eq!(decode_cp932(b"\x82\xA0a").as_deref(), Ok("あa"));
    }
}
