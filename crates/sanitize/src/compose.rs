//! Writing the output message: kept headers, the mamori header, one text/plain body and the
//! delivered conversions. CRLF throughout; every part base64 (or 7bit ISO-2022-JP), so no line
//! can exceed SMTP's limits and no content can imitate a boundary.

use crate::attachments::Delivered;
use crate::charset::{base64_lines, encode_header_text, encode_iso2022jp};
use crate::mime::KeptHeader;
use crate::policy::OutputCharset;

pub(crate) struct Draft<'a> {
    pub headers: &'a [KeptHeader],
    pub extra_headers: &'a [(String, String)],
    pub mamori_header: &'a str,
    pub body: &'a str,
    pub attachments: &'a [Delivered],
    pub charset: OutputCharset,
}

/// The message and the number of characters ISO-2022-JP could not represent.
pub(crate) fn compose(d: &Draft<'_>) -> (Vec<u8>, usize) {
    let mut out = String::with_capacity(d.body.len() * 2 + 1024);
    for h in d.headers {
        push_header(&mut out, h.name, &h.value);
    }
    for (name, value) in d.extra_headers {
        push_header(&mut out, name, value);
    }
    push_header(&mut out, "MIME-Version", "1.0");
    push_header(
        &mut out,
        "X-Mamori-Sanitized",
        &fold_tokens(d.mamori_header),
    );

    let (body_headers, body_bytes, replaced) = body_part(d.body, d.charset);
    if d.attachments.is_empty() {
        out.push_str(&body_headers);
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&body_bytes);
        return (bytes, replaced);
    }
    let boundary = pick_boundary(&body_bytes);
    push_header(
        &mut out,
        "Content-Type",
        &format!("multipart/mixed;\r\n boundary=\"{boundary}\""),
    );
    out.push_str("\r\nThis is a multi-part message in MIME format.\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(format!("--{boundary}\r\n{body_headers}\r\n").as_bytes());
    bytes.extend_from_slice(&body_bytes);
    for a in d.attachments {
        bytes.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        bytes.extend_from_slice(attachment_headers(a, d.charset).as_bytes());
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(base64_lines(&a.bytes).as_bytes());
    }
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (bytes, replaced)
}

fn push_header(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    out.push_str(value);
    out.push_str("\r\n");
}

/// `a; b; c` folded so that no line is longer than 78 characters.
fn fold_tokens(value: &str) -> String {
    let mut out = String::new();
    let mut line_len = "X-Mamori-Sanitized: ".len();
    for (i, token) in value.split("; ").enumerate() {
        if i > 0 {
            if line_len + token.len() + 2 > 78 {
                out.push_str(";\r\n ");
                line_len = 1;
            } else {
                out.push_str("; ");
                line_len += 2;
            }
        }
        out.push_str(token);
        line_len += token.len();
    }
    out
}

fn body_part(text: &str, charset: OutputCharset) -> (String, Vec<u8>, usize) {
    match charset {
        OutputCharset::Utf8 => {
            let crlf = to_crlf(text);
            (
                "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
                    .into(),
                base64_lines(crlf.as_bytes()).into_bytes(),
                0,
            )
        }
        OutputCharset::Iso2022Jp => {
            let mut bytes = Vec::with_capacity(text.len() * 2);
            let mut replaced = 0usize;
            for line in text.lines() {
                // Long lines are broken so that no encoded line passes SMTP's 998-octet limit.
                for piece in split_chars(line, 200) {
                    let (encoded, r) = encode_iso2022jp(piece);
                    replaced += r;
                    bytes.extend_from_slice(&encoded);
                    bytes.extend_from_slice(b"\r\n");
                }
            }
            (
                "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n"
                    .into(),
                bytes,
                replaced,
            )
        }
    }
}

fn split_chars(line: &str, n: usize) -> Vec<&str> {
    if line.is_empty() {
        return vec![""];
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (count, (i, _)) in line.char_indices().enumerate() {
        if count > 0 && count % n == 0 {
            out.push(&line[start..i]);
            start = i;
        }
    }
    out.push(&line[start..]);
    out
}

fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32 + 2);
    for line in text.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// A boundary that occurs nowhere in the body. Base64 never contains "=_", so only a 7bit body
/// could collide. The boundary carries a hash of the body, so a body cannot contain its own
/// boundary except by a 64-bit collision; the counter covers even that.
fn pick_boundary(body: &[u8]) -> String {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut n = 0u32;
    loop {
        let candidate = format!("=_mamori_{hash:016x}_{n}");
        if crate::kind::find(body, candidate.as_bytes()).is_none() {
            return candidate;
        }
        n += 1;
    }
}

fn attachment_headers(a: &Delivered, charset: OutputCharset) -> String {
    let encoded_name = encode_header_text(&a.name, charset).replace('"', "'");
    let mut s = format!(
        "Content-Type: {};\r\n name=\"{encoded_name}\"\r\nContent-Disposition: attachment;\r\n",
        a.content_type
    );
    if a.name.is_ascii() {
        let plain = a.name.replace(['"', '\\'], "_");
        s.push_str(&format!(" filename=\"{plain}\"\r\n"));
    } else {
        // RFC 2231, split into continuations of at most 60 characters.
        let pieces = percent_pieces(&a.name, 60);
        for (i, piece) in pieces.iter().enumerate() {
            let sep = if i + 1 < pieces.len() { ";" } else { "" };
            if i == 0 {
                s.push_str(&format!(" filename*0*=UTF-8''{piece}{sep}\r\n"));
            } else {
                s.push_str(&format!(" filename*{i}*={piece}{sep}\r\n"));
            }
        }
    }
    s.push_str("Content-Transfer-Encoding: base64\r\n");
    s
}

/// RFC 2231 percent-encoding in pieces of at most `max` characters, split only between
/// characters: RFC 2231 joins octets before decoding, but many readers (mail-parser among
/// them) decode each piece on its own.
fn percent_pieces(s: &str, max: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for c in s.chars() {
        let mut enc = String::new();
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                enc.push(b as char);
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        let current_len = pieces.last().map_or(0, String::len);
        if current_len > 0 && current_len + enc.len() > max {
            pieces.push(String::new());
        }
        if let Some(last) = pieces.last_mut() {
            last.push_str(&enc);
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2231_pieces_never_split_a_character() {
        let pieces = percent_pieces("見積書（第2版）最終.docx", 20);
        assert!(pieces.iter().all(|p| p.len() <= 20), "{pieces:?}");
        for p in &pieces {
            // Every piece decodes to whole UTF-8 characters.
            let bytes: Vec<u8> = {
                let mut out = Vec::new();
                let b = p.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'%' {
                        out.push(u8::from_str_radix(&p[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                out
            };
            assert!(String::from_utf8(bytes).is_ok(), "{p}");
        }
        assert_eq!(pieces.concat().matches('%').count(), 9 * 3);
    }
}
