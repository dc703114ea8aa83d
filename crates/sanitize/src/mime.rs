//! Glue to mail-parser: the headers mamori keeps, the body text, the attachments.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{
    Addr, Address, Encoding, GetHeader, HeaderName, HeaderValue, Message, MessageParser,
    MessagePart, MimeHeaders, PartType,
};

use crate::charset::{decode_guess, encode_header_text};
use crate::html::html_to_text;
use crate::policy::OutputCharset;

/// Headers delivered unchanged in meaning, in output order.
const KEPT: [(&str, HeaderName<'static>); 10] = [
    ("Date", HeaderName::Date),
    ("From", HeaderName::From),
    ("Sender", HeaderName::Sender),
    ("Reply-To", HeaderName::ReplyTo),
    ("To", HeaderName::To),
    ("Cc", HeaderName::Cc),
    ("Subject", HeaderName::Subject),
    ("Message-ID", HeaderName::MessageId),
    ("In-Reply-To", HeaderName::InReplyTo),
    ("References", HeaderName::References),
];

/// A header ready to write: `value` is ASCII, folded with CRLF + whitespace.
#[derive(Debug, Clone)]
pub(crate) struct KeptHeader {
    pub name: &'static str,
    pub value: String,
}

#[derive(Debug)]
pub(crate) struct BodyPart {
    pub text: String,
    pub from_html: bool,
}

/// An attachment as found in the message.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub name: String,
    pub declared_type: Option<String>,
    pub charset: Option<String>,
    pub bytes: Vec<u8>,
    pub encoding_problem: bool,
}

#[derive(Debug)]
pub(crate) struct Extracted {
    pub headers: Vec<KeptHeader>,
    pub subject: Option<String>,
    pub has_date: bool,
    pub body: Vec<BodyPart>,
    pub attachments: Vec<Candidate>,
    pub warnings: Vec<mamori_core::Text>,
    /// Decoded From and Date, for showing an attached message as text.
    pub from_display: Option<String>,
    pub date_display: Option<String>,
}

/// Why a message counts as unparseable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseFailure {
    NotMime,
    NoHeaders,
}

pub(crate) fn extract(raw: &[u8], charset: OutputCharset) -> Result<Extracted, ParseFailure> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseFailure::NotMime)?;
    let root = message.parts.first().ok_or(ParseFailure::NotMime)?;
    // Trace headers (Received) do not count: every MTA on the way adds them, the relay too, so
    // noise behind them is still noise and must be quarantined whole.
    let known = root.headers.iter().any(|h| {
        matches!(
            h.name,
            HeaderName::From
                | HeaderName::To
                | HeaderName::Subject
                | HeaderName::Date
                | HeaderName::MessageId
                | HeaderName::ContentType
                | HeaderName::MimeVersion
        )
    });
    if !known {
        return Err(ParseFailure::NoHeaders);
    }
    let raw_message: &[u8] = message.raw_message.as_ref();
    let mut warnings = Vec::new();
    let headers = kept_headers(root, raw_message, charset, &mut warnings);
    let has_date = headers.iter().any(|h| h.name == "Date");
    let subject = subject_text(root, raw_message);

    let mut body = Vec::new();
    let body_ids: &[u32] = if message.text_body.is_empty() {
        &message.html_body
    } else {
        &message.text_body
    };
    for &id in body_ids {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Text(text) => body.push(BodyPart {
                text: repair_text(part, text, raw_message),
                from_html: false,
            }),
            PartType::Html(html) => body.push(BodyPart {
                text: html_to_text(&repair_text(part, html, raw_message)),
                from_html: true,
            }),
            _ => {}
        }
    }

    let mut attachments = Vec::new();
    for &id in &message.attachments {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        // Text already taken as body; inline binaries listed in the body still get judged.
        if body_ids.contains(&id) && matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
            continue;
        }
        attachments.push(candidate(part, raw_message, attachments.len()));
    }
    let from_display = message.from().map(|a| {
        a.iter()
            .map(|addr| match (addr.name(), addr.address()) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (None, Some(e)) => e.to_string(),
                (Some(n), None) => n.to_string(),
                (None, None) => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let date_display = message.date().map(|d| d.to_rfc822());
    Ok(Extracted {
        headers,
        subject,
        has_date,
        body,
        attachments,
        warnings,
        from_display,
        date_display,
    })
}

fn candidate(part: &MessagePart<'_>, raw: &[u8], index: usize) -> Candidate {
    let declared_type = part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
        None => ct.ctype().to_ascii_lowercase(),
    });
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(str::to_string);
    let bytes = match &part.body {
        PartType::Text(_) | PartType::Html(_) => {
            original_bytes(part, raw).unwrap_or_else(|| part.contents().to_vec())
        }
        // mail-parser gives a nested message the outer raw bytes; take the part's own.
        PartType::Message(_) => {
            original_bytes(part, raw).unwrap_or_else(|| part.contents().to_vec())
        }
        _ => part.contents().to_vec(),
    };
    let name = attachment_name(part, raw).unwrap_or_else(|| {
        let ext = match declared_type.as_deref() {
            Some("message/rfc822") => "eml",
            Some("text/html") => "html",
            Some(t) if t.starts_with("text/") => "txt",
            Some("image/png") => "png",
            Some("image/jpeg") => "jpg",
            _ => "bin",
        };
        format!("attachment-{}.{ext}", index + 1)
    });
    Candidate {
        name,
        declared_type,
        charset,
        bytes,
        encoding_problem: part.is_encoding_problem,
    }
}

/// The attachment's file name; 8-bit names mail-parser read as broken UTF-8 are re-decoded.
fn attachment_name(part: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let parsed = part.attachment_name().map(str::to_string);
    if let Some(name) = &parsed
        && !name.contains('\u{fffd}')
    {
        return Some(clean_name(name));
    }
    for header_name in [HeaderName::ContentDisposition, HeaderName::ContentType] {
        if let Some(h) = part.headers.header(header_name) {
            let bytes = raw.get(h.offset_start as usize..h.offset_end as usize)?;
            let text = decode_guess(bytes, None);
            for key in ["filename=", "name="] {
                if let Some(v) = param_value(&text, key) {
                    return Some(clean_name(&v));
                }
            }
        }
    }
    parsed.map(|n| clean_name(&n))
}

fn param_value(text: &str, key: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let pos = lower.find(key)?;
    let rest = &text[pos + key.len()..];
    let value = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next().unwrap_or("")
    } else {
        rest.split([';', '\r', '\n']).next().unwrap_or("").trim()
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// No path separators or control characters in a name shown to people and used as a file name.
pub(crate) fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .take(200)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        "attachment".into()
    } else {
        trimmed.to_string()
    }
}

/// The transfer-decoded bytes of a part, before charset conversion.
fn original_bytes(part: &MessagePart<'_>, raw: &[u8]) -> Option<Vec<u8>> {
    let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::None => Some(body.to_vec()),
    }
}

/// mail-parser falls back to lossy UTF-8 when a charset is missing or unknown; Japanese mail
/// often has exactly that. Re-decode from the original bytes when the text shows damage.
fn repair_text(part: &MessagePart<'_>, text: &str, raw: &[u8]) -> String {
    let declared = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    let says_ascii = matches!(declared.as_deref(), None | Some("us-ascii" | "ascii"));
    let damaged =
        text.contains('\u{fffd}') || text.contains('\u{1b}') || (says_ascii && !text.is_ascii());
    if !damaged {
        return text.to_string();
    }
    // "us-ascii" with 8-bit bytes is a lie; guess instead of trusting the label.
    let label = if says_ascii {
        None
    } else {
        declared.as_deref()
    };
    match original_bytes(part, raw) {
        Some(bytes) => decode_guess(&bytes, label),
        None => text.to_string(),
    }
}

fn raw_value<'a>(raw: &'a [u8], h: &mail_parser::Header<'_>) -> Option<&'a [u8]> {
    raw.get(h.offset_start as usize..h.offset_end as usize)
}

fn subject_text(root: &MessagePart<'_>, raw: &[u8]) -> Option<String> {
    let h = root.headers.header(HeaderName::Subject)?;
    let parsed = h.value.as_text().map(str::to_string);
    match parsed {
        Some(s) if !s.contains('\u{fffd}') => Some(s),
        _ => {
            let bytes = raw_value(raw, h)?;
            let decoded = decode_guess(bytes, None);
            reparse(&format!("Subject:{decoded}"))
                .and_then(|m| m.subject().map(str::to_string))
                .or(parsed)
        }
    }
}

fn reparse(header_line: &str) -> Option<Message<'static>> {
    let text = format!("{}\r\n\r\n", header_line.trim_end());
    MessageParser::default()
        .parse(text.as_bytes())
        .map(Message::into_owned)
}

fn kept_headers(
    root: &MessagePart<'_>,
    raw: &[u8],
    charset: OutputCharset,
    warnings: &mut Vec<mamori_core::Text>,
) -> Vec<KeptHeader> {
    let mut out = Vec::new();
    for (name, header_name) in KEPT {
        let Some(h) = root.headers.header(header_name.clone()) else {
            continue;
        };
        let Some(bytes) = raw_value(raw, h) else {
            continue;
        };
        if let Some(value) = ascii_refold(bytes) {
            out.push(KeptHeader { name, value });
            continue;
        }
        // 8-bit header (raw UTF-8 or Shift_JIS …): decode, re-parse, re-encode as RFC 2047.
        let decoded = decode_guess(bytes, None);
        let value = reparse(&format!("{name}:{decoded}"))
            .and_then(|m| {
                m.parts
                    .first()
                    .and_then(|p| p.headers.header_value(&header_name).cloned())
                    .map(|v| v.into_owned())
            })
            .and_then(|v| encode_value(&v, charset));
        match value {
            Some(value) if !value.trim().is_empty() => out.push(KeptHeader { name, value }),
            _ => warnings.push(mamori_core::Text::new(
                format!("{name} ヘッダーを読み取れないため省きました"),
                format!("the {name} header could not be read and was left out"),
            )),
        }
    }
    out
}

/// An all-ASCII raw value, refolded with CRLF; `None` when it has 8-bit bytes or over-long lines.
fn ascii_refold(bytes: &[u8]) -> Option<String> {
    if !bytes
        .iter()
        .all(|&b| b == b'\t' || b == b'\r' || b == b'\n' || (0x20..0x7f).contains(&b))
    {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let mut out = String::with_capacity(text.len() + 4);
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        // A bare CR inside a value could be read as a line break downstream (header injection).
        let line = line.replace('\r', " ");
        let line = line.as_str();
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > 900 {
            return None;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
            if !line.starts_with([' ', '\t']) {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    let out = out.trim_start().to_string();
    (!out.is_empty()).then_some(out)
}

fn encode_value(value: &HeaderValue<'_>, charset: OutputCharset) -> Option<String> {
    match value {
        HeaderValue::Text(t) => Some(encode_header_text(t, charset)),
        HeaderValue::TextList(list) => {
            let ids: Vec<String> = list
                .iter()
                .filter(|id| id.is_ascii() && !id.contains(['<', '>', ' ']))
                .map(|id| format!("<{id}>"))
                .collect();
            (!ids.is_empty()).then(|| ids.join("\r\n "))
        }
        HeaderValue::Address(Address::List(list)) => Some(
            list.iter()
                .map(|a| encode_addr(a, charset))
                .collect::<Vec<_>>()
                .join(",\r\n "),
        ),
        HeaderValue::Address(Address::Group(groups)) => Some(
            groups
                .iter()
                .map(|g| {
                    let members = g
                        .addresses
                        .iter()
                        .map(|a| encode_addr(a, charset))
                        .collect::<Vec<_>>()
                        .join(", ");
                    match &g.name {
                        Some(n) => format!("{}: {members};", encode_phrase(n, charset)),
                        None => members,
                    }
                })
                .collect::<Vec<_>>()
                .join(",\r\n "),
        ),
        HeaderValue::DateTime(d) => Some(d.to_rfc822()),
        _ => None,
    }
}

fn encode_phrase(name: &str, charset: OutputCharset) -> String {
    if name.is_ascii() {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{}\"", escaped.replace(['\r', '\n'], " "))
    } else {
        encode_header_text(name, charset)
    }
}

fn encode_addr(a: &Addr<'_>, charset: OutputCharset) -> String {
    let address: String = a
        .address
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | '"'))
        .collect();
    match a.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(n) => format!("{} <{address}>", encode_phrase(n, charset)),
        None => format!("<{address}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_headers_are_copied_and_refolded() {
        assert_eq!(
            ascii_refold(
                b" =?ISO-2022-JP?B?GyRCJDMkcxsoQg==?=\n\t=?ISO-2022-JP?B?GyRCJEsbKEI=?=\r\n"
            )
            .as_deref(),
            Some("=?ISO-2022-JP?B?GyRCJDMkcxsoQg==?=\r\n\t=?ISO-2022-JP?B?GyRCJEsbKEI=?=")
        );
        assert_eq!(ascii_refold("件名".as_bytes()), None);
        assert_eq!(
            ascii_refold(b" a\rContent-Type: text/html\r\n").as_deref(),
            Some("a Content-Type: text/html")
        );
    }

    #[test]
    fn names_lose_paths_and_bidi_overrides() {
        assert_eq!(clean_name("..\\..\\evil.exe"), "evil.exe");
        assert_eq!(clean_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_name("  "), "attachment");
    }
}
