//! PDF: the text is extracted (lopdf, pure Rust, `forbid(unsafe_code)`) and appended to the body;
//! the PDF itself is not delivered. Bounded before lopdf sees it: every compressed stream is first
//! inflated into a counter (nothing kept), so a deflate bomb in a content or object stream fails
//! the conversion instead of exhausting memory; pages and characters are capped too. Encrypted
//! or unreadable PDFs fail, and a failed conversion follows the policy (quarantine by default).

use std::io::Read;

use mamori_core::Text;

use crate::policy::ZipLimits;

/// Pages read; the rest of a longer document is left out (and said so).
const MAX_PAGES: u32 = 500;

fn fail(ja: &str, en: &str) -> Text {
    Text::new(ja, en)
}

/// The text of a PDF, at most `max_chars` characters (the caller truncates further if needed).
pub(crate) fn extract_text(bytes: &[u8], limits: &ZipLimits) -> Result<String, Text> {
    check_streams(bytes, limits)?;
    let doc = lopdf::Document::load_mem(bytes)
        .map_err(|_| fail("PDF として解析できない", "the PDF cannot be parsed"))?;
    if doc.is_encrypted() {
        return Err(fail(
            "暗号化された PDF のため中身を確認できない",
            "the PDF is encrypted and cannot be inspected",
        ));
    }
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let total = pages.len();
    let read: Vec<u32> = pages.into_iter().take(MAX_PAGES as usize).collect();
    let mut text = String::new();
    for page in &read {
        // A page whose fonts or content cannot be read is skipped, not fatal.
        for chunk in doc.extract_text_chunks(&[*page]).into_iter().flatten() {
            text.push_str(&chunk);
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    let text = tidy(&text);
    if text.trim().is_empty() {
        return Err(fail(
            "PDF から文字を取り出せない（画像だけの PDF など）",
            "no text could be extracted from the PDF (e.g. scanned images only)",
        ));
    }
    if total > read.len() {
        return Ok(format!(
            "{text}\n…（{} ページ目以降は省略 / pages after {} left out）",
            MAX_PAGES + 1,
            MAX_PAGES
        ));
    }
    Ok(text)
}

/// Lines trimmed, runs of blank lines collapsed, control characters dropped.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in s.lines() {
        let line: String = line
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

/// Inflates every `stream … endstream` that is zlib data into a counter: no stream may exceed
/// `max_entry_bytes`, all together not `max_total_bytes`, nor the whole `max_ratio` times the
/// file's size. Streams that are not zlib (images, other filters) are skipped.
fn check_streams(bytes: &[u8], limits: &ZipLimits) -> Result<(), Text> {
    let bomb = || {
        fail(
            "PDF の圧縮データが制限を超える（zip bomb の疑い）",
            "the PDF's compressed data exceeds the limits (possible zip bomb)",
        )
    };
    let ratio_cap = (bytes.len() as u64).saturating_mul(limits.max_ratio.max(1));
    let budget = limits.max_total_bytes.min(ratio_cap.max(1024 * 1024));
    let mut total: u64 = 0;
    let mut at = 0;
    while let Some(start) = find(&bytes[at..], b"stream").map(|i| at + i) {
        let mut data = start + b"stream".len();
        // `endstream` contains `stream`: skip it, it ends a stream rather than starting one.
        if start >= 3 && &bytes[start - 3..start] == b"end" {
            at = data;
            continue;
        }
        match bytes.get(data..data + 2) {
            Some(b"\r\n") => data += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => data += 1,
            _ => {
                at = data;
                continue;
            }
        }
        let end = find(&bytes[data..], b"endstream").map_or(bytes.len(), |i| data + i);
        let left = budget.saturating_sub(total);
        let per_stream = limits.max_entry_bytes.min(left);
        let mut inflater = flate2::read::ZlibDecoder::new(&bytes[data..end]).take(per_stream + 1);
        let n = std::io::copy(&mut inflater, &mut std::io::sink()).unwrap_or(0);
        if n > per_stream {
            return Err(bomb());
        }
        total += n;
        at = end;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn a_deflate_bomb_in_a_stream_is_refused_before_parsing() {
        let bomb = zlib(&vec![b' '; 64 * 1024 * 1024]);
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Length 1 /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&bomb);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        let err = check_streams(&pdf, &ZipLimits::default()).err();
        assert!(err.is_some_and(|t| t.ja.contains("zip bomb")));
    }

    #[test]
    fn ordinary_streams_pass() {
        let content = zlib(b"BT /F1 12 Tf (hello) Tj ET");
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\r\n".to_vec();
        pdf.extend_from_slice(&content);
        pdf.extend_from_slice(b"\r\nendstream\nendobj\n");
        assert!(check_streams(&pdf, &ZipLimits::default()).is_ok());
    }

    #[test]
    fn tidy_collapses_blank_lines() {
        assert_eq!(tidy("a  \n\n\n\nb\u{0}\n"), "a\n\nb");
    }
}
