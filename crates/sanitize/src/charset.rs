//! Japanese charsets in, UTF-8 (or ISO-2022-JP) out.
//! mail-parser decodes declared charsets through encoding_rs; this module catches what it cannot:
//! undeclared or mislabelled Japanese bodies, and encodes output words and bodies.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use encoding_rs::{EUC_JP, Encoding, ISO_2022_JP, SHIFT_JIS, UTF_8};

use crate::policy::OutputCharset;

/// Decode bytes whose charset is unknown or untrusted. `declared` is tried first when
/// it is a label encoding_rs knows and the bytes decode without errors under it.
pub fn decode_guess(bytes: &[u8], declared: Option<&str>) -> String {
    if let Some(enc) = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        && let Some(s) = enc.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return s.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes)
        && !s.contains('\u{1b}')
    {
        return s.to_string();
    }
    if bytes.contains(&0x1b)
        && let Some(s) = ISO_2022_JP.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return s.into_owned();
    }
    let sjis = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes);
    let euc = EUC_JP.decode_without_bom_handling_and_without_replacement(bytes);
    match (sjis, euc) {
        (Some(a), Some(b)) => {
            if japanese_score(&b) > japanese_score(&a) {
                b.into_owned()
            } else {
                a.into_owned()
            }
        }
        (Some(a), None) => a.into_owned(),
        (None, Some(b)) => b.into_owned(),
        (None, None) => UTF_8.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// How much of a decoding looks like ordinary Japanese (kana, common kanji, punctuation).
fn japanese_score(s: &str) -> usize {
    s.chars()
        .filter(|&c| {
            matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}')
        })
        .count()
}

/// RFC 2047 encoded words for a header value (already unfolded text), folded with CRLF SP.
/// ASCII text without risky characters is returned unchanged.
pub fn encode_header_text(text: &str, charset: OutputCharset) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.is_ascii() && !clean.contains("=?") {
        return clean;
    }
    let words: Vec<String> = match charset {
        OutputCharset::Iso2022Jp if iso2022jp_encodable(&clean) => chunk_chars(&clean, 12)
            .into_iter()
            .map(|chunk| {
                let (bytes, _, _) = ISO_2022_JP.encode(chunk);
                format!("=?ISO-2022-JP?B?{}?=", B64.encode(bytes))
            })
            .collect(),
        _ => chunk_utf8(&clean, 45)
            .into_iter()
            .map(|chunk| format!("=?UTF-8?B?{}?=", B64.encode(chunk.as_bytes())))
            .collect(),
    };
    words.join("\r\n ")
}

fn chunk_chars(s: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (count, (i, _)) in s.char_indices().enumerate() {
        if count > 0 && count % n == 0 {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Pieces of at most `max` bytes, never splitting a character.
fn chunk_utf8(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        if i + c.len_utf8() - start > max && i > start {
            out.push(&s[start..i]);
            start = i;
        }
        last = i + c.len_utf8();
    }
    if start < last {
        out.push(&s[start..last]);
    }
    out
}

fn iso2022jp_encodable(s: &str) -> bool {
    let mut encoder = ISO_2022_JP.new_encoder();
    let mut buf = vec![0u8; s.len() * 4 + 16];
    let (result, _, _) = encoder.encode_from_utf8_without_replacement(s, &mut buf, true);
    matches!(result, encoding_rs::EncoderResult::InputEmpty)
}

/// Text as ISO-2022-JP; characters outside JIS X 0208 become 〓 (the customary geta mark).
/// Returns the bytes and how many characters were replaced.
pub fn encode_iso2022jp(text: &str) -> (Vec<u8>, usize) {
    // Replace first, encode once: substituting inside the encoder's output would put two
    // escape sequences back to back, which decoders report as an error.
    let mut replaced = 0usize;
    let mut clean = String::with_capacity(text.len());
    let mut buf = [0u8; 16];
    for c in text.chars() {
        if c.is_ascii() {
            clean.push(c);
            continue;
        }
        let mut one = [0u8; 4];
        let mut encoder = ISO_2022_JP.new_encoder();
        let (result, _, _) =
            encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut one), &mut buf, true);
        if matches!(result, encoding_rs::EncoderResult::InputEmpty) {
            clean.push(c);
        } else {
            replaced += 1;
            clean.push('〓');
        }
    }
    let (bytes, _, _) = ISO_2022_JP.encode(&clean);
    (bytes.into_owned(), replaced)
}

/// Base64 body lines of 76 characters, CRLF-terminated.
pub fn base64_lines(bytes: &[u8]) -> String {
    let encoded = B64.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        // Base64 output is ASCII.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_japanese_encodings_are_recognised() {
        let text = "お世話になっております。見積書を送付します。";
        for enc in [SHIFT_JIS, EUC_JP, ISO_2022_JP, UTF_8] {
            let (bytes, _, _) = enc.encode(text);
            assert_eq!(decode_guess(&bytes, None), text, "{}", enc.name());
        }
    }

    #[test]
    fn wrong_label_falls_back_to_guessing() {
        let (bytes, _, _) = SHIFT_JIS.encode("ご確認ください");
        assert_eq!(decode_guess(&bytes, Some("utf-8")), "ご確認ください");
    }

    #[test]
    fn header_words_round_trip_through_mail_parser() {
        for cs in [OutputCharset::Utf8, OutputCharset::Iso2022Jp] {
            let subject =
                "【重要】令和7年度 情報セキュリティ研修のご案内（第2回）について再送します";
            let encoded = encode_header_text(subject, cs);
            assert!(encoded.is_ascii());
            assert!(encoded.lines().all(|l| l.len() <= 78), "{encoded}");
            let raw = format!("Subject: {encoded}\r\n\r\nx");
            let msg = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            assert_eq!(msg.subject(), Some(subject));
        }
    }

    #[test]
    fn iso2022jp_body_replaces_unmappable_with_geta() {
        let (bytes, replaced) = encode_iso2022jp("丸数字①と絵文字😀です");
        assert!(bytes.is_ascii());
        let back = ISO_2022_JP.decode(&bytes).0;
        // ① is in the NEC row that encoding_rs encodes; the emoji is not.
        assert_eq!(replaced, 1);
        assert!(back.contains('〓'), "{back}");
        assert!(back.starts_with("丸数字"));
        assert!(back.ends_with("です"));
    }
}
