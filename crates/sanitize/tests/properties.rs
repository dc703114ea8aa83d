#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests: for any input the sanitiser never panics (no internal fault is caught), and
//! its output is always a valid MIME message with no text/html part and no attachment the
//! policy did not allow (see `common::assert_invariants`).

mod common;

use common::*;
use encoding_rs::{EUC_JP, ISO_2022_JP, SHIFT_JIS};
use mamori_sanitize::{Decision, FileKind, Policy, defang_links, html_to_text, sanitize};
use proptest::prelude::*;

fn no_internal_fault(out: &mamori_sanitize::Outcome) {
    assert!(
        !out.report.actions.iter().any(|a| a == "internal-fault"),
        "a panic was caught inside the sanitiser"
    );
}

fn policy_strategy() -> impl Strategy<Value = Policy> {
    let decision = prop_oneof![
        Just(Decision::Remove),
        Just(Decision::Quarantine),
        Just(Decision::Convert)
    ];
    (
        proptest::collection::vec(decision, FileKind::ALL.len()),
        any::<bool>(),
    )
        .prop_map(|(decisions, iso)| {
            let mut p = Policy::default();
            for (k, d) in FileKind::ALL.iter().zip(decisions) {
                p.types.insert(*k, d);
            }
            if iso {
                p.output_charset = mamori_sanitize::OutputCharset::Iso2022Jp;
            }
            p.zip.max_total_bytes = 8 * 1024 * 1024;
            p
        })
}

/// Attachment payloads: harmless, dangerous and disguised.
fn payload_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(exe_bytes()),
        Just(docm()),
        Just(xlsx(true)),
        Just(xlsx(false)),
        Just(png_with_metadata("GPS")),
        Just(jpeg_with_exif("EXIF")),
        Just(b"<html><script>alert(1)</script>http://x.example</html>".to_vec()),
        Just(mark_encrypted(zip_of(&[("a.txt", b"secret")]))),
        Just(zip_of(&[
            ("a.txt", b"hello http://a.example"),
            ("b.exe", &exe_bytes())
        ])),
        Just(zip_of(&[(
            "in.zip",
            &zip_of(&[("in2.zip", &zip_of(&[("x", b"x")]))])
        )])),
        Just(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF".to_vec()),
        "[ -~\\n]{0,200}".prop_map(|s| s.into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

const NAMES: [&str; 13] = [
    "令和7年度情報セキュリティ研修資料（最終版）改訂.docx",
    "見積書.xlsm",
    "請求書.pdf",
    "setup.exe",
    "photo.jpg",
    "scan.png",
    "資料.zip",
    "readme.txt",
    "index.html",
    "議事録.docx",
    "noext",
    "data.csv",
    "a.exe. ",
];
const TYPES: [&str; 10] = [
    "application/octet-stream",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/html",
    "application/zip",
    "application/vnd.ms-excel",
    "application/x-msdownload",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
];

fn attachment_strategy() -> impl Strategy<Value = String> {
    (
        payload_strategy(),
        0..NAMES.len(),
        0..TYPES.len(),
        any::<bool>(),
    )
        .prop_map(|(bytes, n, t, rfc2231)| {
            let name = NAMES[n];
            let params = if rfc2231 {
                let pct: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
                format!("filename*=UTF-8''{pct}")
            } else {
                format!("filename=\"{name}\"")
            };
            attachment(TYPES[t], &params, &bytes)
        })
}

fn body_strategy() -> impl Strategy<Value = String> {
    let text = "[ -~あいう漢字\\n]{0,300}";
    (text, 0..6usize).prop_map(|(t, form)| match form {
        0 => text_part(&t),
        1 => part_b64(
            "Content-Type: text/html; charset=UTF-8\r\n",
            format!("<p>{t}<a href=\"https://x.example/{}\">l</a></p>", t.len()).as_bytes(),
        ),
        2 => part_b64(
            "Content-Type: text/plain; charset=ISO-2022-JP\r\n",
            &ISO_2022_JP.encode(&t).0,
        ),
        3 => part_b64(
            "Content-Type: text/plain; charset=Shift_JIS\r\n",
            &SHIFT_JIS.encode(&t).0,
        ),
        4 => part_b64("Content-Type: text/plain\r\n", &EUC_JP.encode(&t).0),
        _ => multipart(
            "",
            "alternative",
            "ALT",
            &[
                text_part(&t),
                part_b64(
                    "Content-Type: text/html\r\n",
                    format!("<b>{t}</b>").as_bytes(),
                ),
            ],
        ),
    })
}

fn message_strategy() -> impl Strategy<Value = Vec<u8>> {
    (
        body_strategy(),
        proptest::collection::vec(attachment_strategy(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(body, atts, nest)| {
            let mut parts = vec![body];
            parts.extend(atts);
            if nest && parts.len() > 2 {
                let inner = multipart("", "mixed", "INNER", &parts.split_off(1));
                parts.push(inner);
            }
            multipart(HEADERS, "mixed", "OUTER", &parts).into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_break_the_invariants(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let policy = Policy::recommended();
        let out = sanitize(&raw, &policy, &ctx());
        no_internal_fault(&out);
        assert_invariants(&out, &policy);
    }

    #[test]
    fn header_like_noise_never_breaks_the_invariants(
        lines in proptest::collection::vec("[A-Za-z-]{1,12}: [ -~あ=?]{0,40}", 0..8),
        body in "[ -~\\r\\n<>]{0,400}",
    ) {
        let raw = format!("{}\r\n\r\n{body}", lines.join("\r\n"));
        let policy = Policy::recommended();
        let out = sanitize(raw.as_bytes(), &policy, &ctx());
        no_internal_fault(&out);
        assert_invariants(&out, &policy);
    }

    #[test]
    fn generated_messages_respect_any_policy(raw in message_strategy(), policy in policy_strategy()) {
        let out = sanitize(&raw, &policy, &ctx());
        no_internal_fault(&out);
        assert_invariants(&out, &policy);
        prop_assert_eq!(out.report.status, mamori_sanitize::Status::Sanitized);
        // Every quarantined original is accounted for by a report (or is the whole message).
        let indexed = out.report.attachments.iter().filter(|a| a.quarantine_index.is_some()).count();
        prop_assert_eq!(indexed, out.quarantined.len());
    }

    #[test]
    fn mutated_messages_never_break_the_invariants(
        raw in message_strategy(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..12),
    ) {
        let mut raw = raw;
        for (at, byte, op) in edits {
            if raw.is_empty() { break; }
            let i = at.index(raw.len());
            match op {
                0 => raw[i] = byte,
                1 => raw.insert(i, byte),
                _ => { raw.remove(i); }
            }
        }
        let policy = Policy::recommended();
        let out = sanitize(&raw, &policy, &ctx());
        no_internal_fault(&out);
        assert_invariants(&out, &policy);
    }

    #[test]
    fn defanging_leaves_no_live_scheme_and_is_idempotent(s in "(https?://|HTTP://|www\\.|[a-z. /]|日本){0,30}") {
        let (once, _) = defang_links(&s);
        let lower = once.to_ascii_lowercase();
        prop_assert!(!lower.contains("http://") && !lower.contains("https://"));
        let (twice, n) = defang_links(&once);
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(n, 0);
    }

    #[test]
    fn html_to_text_never_panics_and_drops_tags(s in "(<[a-z/!]{0,6}[^>]{0,10}>?|[^<]{0,10}|&[a-z#0-9]{0,6};?){0,40}") {
        let t = html_to_text(&s);
        prop_assert!(!t.contains("<script"));
    }
}
