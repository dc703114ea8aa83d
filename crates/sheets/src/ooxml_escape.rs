//! OOXML's `_xHHHH_` escapes in cell text. Excel writes characters XML cannot carry (CR, other
//! control characters) as `_x000D_` and protects a literal `_xHHHH_` as `_x005F_xHHHH_`.
//! calamine returns the escapes as they are and rust_xlsxwriter does not protect literals, so
//! both directions are handled here to keep text exact.

use std::borrow::Cow;

/// Decodes `_xHHHH_` escapes (`_x000D_` → CR, `_x005F_` → `_`).
pub(crate) fn unescape(text: &str) -> Cow<'_, str> {
    // Byte search (memchr) first: far cheaper than a substring search on millions of cells.
    if !text.as_bytes().contains(&b'_') || !text.contains("_x") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        match escaped_char(from) {
            Some(c) => {
                out.push(c);
                rest = from.get(7..).unwrap_or_default();
            }
            None => {
                out.push('_');
                rest = from.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Protects literal `_xHHHH_` sequences so a reader does not decode them.
pub(crate) fn escape_literals(text: &str) -> Cow<'_, str> {
    // Byte search (memchr) first: far cheaper than a substring search on millions of cells.
    if !text.as_bytes().contains(&b'_') || !text.contains("_x") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 7);
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        if is_escape(from) {
            out.push_str("_x005F");
        }
        out.push('_');
        rest = from.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `text` starts with `_xHHHH_`.
fn is_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 7
        && bytes.starts_with(b"_x")
        && bytes
            .get(2..6)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        && bytes.get(6) == Some(&b'_')
}

fn escaped_char(text: &str) -> Option<char> {
    if !is_escape(text) {
        return None;
    }
    let hex = text.get(2..6)?;
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode() {
        assert_eq!(unescape("a_x000D_\nb"), "a\r\nb");
        assert_eq!(unescape("_x005F_x0041_"), "_x0041_");
        assert_eq!(unescape("_x12_ _xZZZZ_ _x"), "_x12_ _xZZZZ_ _x");
        assert_eq!(unescape("_xD800_"), "_xD800_"); // a lone surrogate is not a char
        assert!(matches!(unescape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn literals_are_protected_and_come_back() {
        for text in [
            "_x0041_",
            "a_x000D_b",
            "__x0041__",
            "_x_x0041_",
            "_x12_",
            "x",
        ] {
            let escaped = escape_literals(text);
            assert_eq!(unescape(&escaped), text, "{escaped}");
        }
        assert_eq!(escape_literals("_x0041_"), "_x005F_x0041_");
    }
}
