//! Delivery status notifications (RFC 3464 shaped) for recipients that failed permanently or for
//! too long. Japanese first, English second; the original headers are attached, not the body.

use chrono::{DateTime, FixedOffset};

/// Builds the bounce for `failed` (recipient, reason) of message `queue_id`.
pub fn build(
    hostname: &str,
    queue_id: &str,
    sender: &str,
    failed: &[(String, String)],
    original: &[u8],
    arrived: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
) -> Vec<u8> {
    let boundary = format!("mamori-dsn-{queue_id}");
    let date = now.to_rfc2822();
    let arrival = arrived.unwrap_or(now).to_rfc2822();
    let mut list = String::new();
    for (rcpt, reason) in failed {
        list.push_str(&format!("  <{rcpt}>: {}\r\n", clean(reason)));
    }
    let mut status = format!(
        "Reporting-MTA: dns; {hostname}\r\nX-Mamori-Queue-ID: {queue_id}\r\nArrival-Date: {arrival}\r\n"
    );
    for (rcpt, reason) in failed {
        // Permanent refusals are 5.0.0; giving up after temporary failures is 4.4.7 (expired).
        let code = if reason.starts_with('5') {
            "5.0.0"
        } else {
            "4.4.7"
        };
        status.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {}\r\nDiagnostic-Code: smtp; {}\r\n",
            code,
            clean(reason)
        ));
    }
    let headers_end = find_headers_end(original);
    let mut out = format!(
        "From: Mail Delivery System <MAILER-DAEMON@{hostname}>\r\n\
         To: <{sender}>\r\n\
         Subject: =?UTF-8?B?{subject}?=\r\n\
         Date: {date}\r\n\
         Message-ID: <{queue_id}.bounce@{hostname}>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n{text}\r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n{status}\r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n",
        text = base64_lines(&format!(
            "お送りいただいたメールは、次の宛先に配送できませんでした（無害化中継 mamori）。\r\n\
             Your message could not be delivered to the following recipients (mamori sanitising relay).\r\n\
             \r\n{list}"
        )),
        subject = base64_utf8("配送不能通知 / Undelivered Mail Returned to Sender"),
    )
    .into_bytes();
    out.extend_from_slice(&original[..headers_end]);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn find_headers_end(msg: &[u8]) -> usize {
    let crlf = msg.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 2);
    let lf = msg.windows(2).position(|w| w == b"\n\n").map(|i| i + 1);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => msg.len().min(64 * 1024),
    }
}

/// Base64 in 76-character lines (7-bit clean for any next hop).
fn base64_lines(s: &str) -> String {
    let encoded = base64_utf8(s);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    lines.join("\r\n")
}

fn base64_utf8(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(s).unwrap()
    }

    #[test]
    fn bounce_names_recipient_reason_and_original_headers() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00+09:00").unwrap();
        let msg = build(
            "relay.test",
            "Q1",
            "a@internet.example",
            &[(
                "t@city.example.lg.jp".into(),
                "550 5.1.1 no such user".into(),
            )],
            b"Subject: secret plan\r\nFrom: a@internet.example\r\n\r\nBODY-NOT-INCLUDED",
            Some(DateTime::parse_from_rfc3339("2026-11-25T08:30:00+09:00").unwrap()),
            now,
        );
        let text = String::from_utf8(msg).unwrap();
        assert!(text.is_ascii(), "7-bit clean");
        let (_, part) = text
            .split_once("Content-Transfer-Encoding: base64\r\n\r\n")
            .unwrap();
        let b64: String = part
            .split("\r\n--")
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let human = String::from_utf8(decode(&b64)).unwrap();
        assert!(human.contains("配送できませんでした"), "{human}");
        assert!(human.contains("<t@city.example.lg.jp>: 550 5.1.1 no such user"));
        assert!(text.contains("To: <a@internet.example>\r\n"));
        assert!(text.contains("Status: 5.0.0"));
        assert!(text.contains("Arrival-Date: Wed, 25 Nov 2026 08:30:00 +0900"));
        assert!(text.contains("Subject: secret plan"));
        assert!(!text.contains("BODY-NOT-INCLUDED"));
        assert_eq!(base64_utf8("ab"), "YWI=");
        assert_eq!(base64_utf8("abc"), "YWJj");
    }
}
