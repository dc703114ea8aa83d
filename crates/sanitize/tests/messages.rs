#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End-to-end cases: realistic Japanese mail in, sanitised mail out, checked by re-parsing.

mod common;

use common::*;
use encoding_rs::{EUC_JP, ISO_2022_JP, SHIFT_JIS};
use mamori_sanitize::{
    AttachmentResult, BodySource, Decision, FileKind, OutputCharset, Policy, Status, sanitize,
};

fn newsletter_html() -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><title>メルマガ</title><style>.x{color:red}</style>\
         <script>document.location='https://evil.example.com/steal'</script></head><body>\
         <h1>11月のお知らせ</h1><p>いつもご利用ありがとうございます。</p>\
         <ul><li>新商品のご案内</li><li>セール情報</li></ul>\
         <table><tr><th>商品</th><th>価格</th></tr><tr><td>ノート</td><td>300円</td></tr></table>\
         <p>詳しくは<a href=\"https://shop.example.com/sale?id=1\">こちら</a>をご覧ください。</p>\
         <img src=\"https://track.example.com/p.gif\" width=1 height=1>",
    );
    html.push_str("</body></html>");
    html
}

#[test]
fn html_newsletter_becomes_defanged_plain_text() {
    let raw = single(
        HEADERS,
        "text/html; charset=UTF-8",
        "base64",
        b64_lines(newsletter_html().as_bytes()).as_bytes(),
    );
    let policy = Policy::default();
    let out = sanitize(&raw, &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert_eq!(out.report.body_source, BodySource::Html);
    assert!(p.body.contains("11月のお知らせ"));
    assert!(p.body.contains("・新商品のご案内"));
    assert!(p.body.contains("ノート | 300円"));
    assert!(
        p.body
            .contains("こちら <hxxps://shop[.]example[.]com/sale?id=1>"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("document.location"));
    assert!(!p.body.contains("color:red"));
    assert!(p.body.contains("HTML 形式の本文はテキストに変換し"));
    assert_eq!(p.content_types, vec!["text/plain"]);
    let header = p
        .raw
        .lines()
        .find(|l| l.starts_with("X-Mamori-Sanitized:"))
        .unwrap();
    assert!(header.contains("html-to-text"), "{header}");
    assert!(header.contains("links-defanged=1"), "{header}");
}

#[test]
fn text_plain_is_preferred_over_html_alternative() {
    let alt = multipart(
        HEADERS,
        "alternative",
        "ALT",
        &[
            text_part("プレーンテキスト版です。 http://plain.example.jp/a"),
            part_b64(
                "Content-Type: text/html; charset=UTF-8\r\n",
                b"<p>HTML version</p>",
            ),
        ],
    );
    let policy = Policy::default();
    let out = sanitize(alt.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert_eq!(out.report.body_source, BodySource::Text);
    assert!(
        p.body
            .contains("プレーンテキスト版です。 hxxp://plain[.]example[.]jp/a")
    );
    assert!(!p.body.contains("HTML version"));
    assert!(!out.report.actions.contains(&"html-to-text".to_string()));
}

#[test]
fn threading_and_address_headers_are_kept() {
    let raw = single(
        HEADERS,
        "text/plain; charset=UTF-8",
        "8bit",
        "本文".as_bytes(),
    );
    let out = sanitize(&raw, &Policy::default(), &ctx());
    let msg = mail_parser::MessageParser::default()
        .parse(&out.message)
        .unwrap();
    assert_eq!(
        msg.message_id(),
        Some("20261126095801.1234@mail.example.co.jp")
    );
    assert_eq!(
        msg.in_reply_to().as_text(),
        Some("prev-1@city.example.lg.jp")
    );
    assert_eq!(
        msg.references().as_text_list().map(|l| l.len()),
        Some(2),
        "{:?}",
        msg.references()
    );
    assert_eq!(
        msg.from().unwrap().first().unwrap().name(),
        Some("山田太郎")
    );
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some("soumu@city.example.lg.jp")
    );
    assert_eq!(
        msg.cc().unwrap().first().unwrap().address(),
        Some("kaikei@city.example.lg.jp")
    );
    assert_eq!(msg.subject(), Some("会議の議事録の件"));
    assert_eq!(
        msg.date().unwrap().to_rfc3339(),
        "2026-11-26T09:58:01+09:00"
    );
}

#[test]
fn japanese_charsets_are_decoded_into_utf8() {
    let text = "お世話になっております。総務課の佐藤です。①②の件、承知しました。";
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "text/plain; charset=ISO-2022-JP",
            "7bit",
            ISO_2022_JP.encode(text).0.into_owned(),
        ),
        (
            "text/plain; charset=Shift_JIS",
            "8bit",
            SHIFT_JIS.encode(text).0.into_owned(),
        ),
        (
            "text/plain; charset=\"shift_jis\"",
            "base64",
            b64_lines(&SHIFT_JIS.encode(text).0).into_bytes(),
        ),
        (
            "text/plain; charset=EUC-JP",
            "8bit",
            EUC_JP.encode(text).0.into_owned(),
        ),
        // No charset at all, as old Japanese mailers send it.
        ("text/plain", "8bit", SHIFT_JIS.encode(text).0.into_owned()),
        (
            "text/plain",
            "7bit",
            ISO_2022_JP.encode(text).0.into_owned(),
        ),
        // Mislabelled.
        (
            "text/plain; charset=us-ascii",
            "8bit",
            EUC_JP.encode(text).0.into_owned(),
        ),
    ];
    for (ct, cte, body) in cases {
        let raw = single(HEADERS, ct, cte, &body);
        let out = sanitize(&raw, &Policy::default(), &ctx());
        let p = parse_output(&out);
        assert!(p.body.contains(text), "{ct} {cte}: {}", p.body);
    }
}

#[test]
fn rfc2047_subjects_in_japanese_charsets_survive() {
    let subject = "【至急】予算要求書の提出について";
    let sjis_q: String = SHIFT_JIS
        .encode(subject)
        .0
        .iter()
        .map(|b| format!("={b:02X}"))
        .collect();
    let variants = [
        format!(
            "=?ISO-2022-JP?B?{}?=",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                ISO_2022_JP.encode(subject).0
            )
        ),
        format!("=?Shift_JIS?Q?{sjis_q}?="),
        format!(
            "=?EUC-JP?B?{}?=",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                EUC_JP.encode(subject).0
            )
        ),
    ];
    for v in variants {
        let headers = format!("From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: {v}\r\n");
        let raw = single(&headers, "text/plain; charset=UTF-8", "8bit", b"x");
        let out = sanitize(&raw, &Policy::default(), &ctx());
        assert_eq!(parse_output(&out).subject.as_deref(), Some(subject), "{v}");
        assert_eq!(out.report.subject.as_deref(), Some(subject));
    }
    // Raw 8-bit Shift_JIS in the header (no RFC 2047): decoded and re-encoded.
    let mut raw = b"From: a@example.jp\r\nSubject: ".to_vec();
    raw.extend_from_slice(&SHIFT_JIS.encode(subject).0);
    raw.extend_from_slice(b"\r\nContent-Type: text/plain\r\n\r\nbody");
    let out = sanitize(&raw, &Policy::default(), &ctx());
    let p = parse_output(&out);
    assert_eq!(p.subject.as_deref(), Some(subject));
    let subject_line = p.raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(subject_line.is_ascii(), "{subject_line}");
}

#[test]
fn rfc2231_and_rfc2047_japanese_file_names_are_reported() {
    let utf8_2231 = "filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.xlsm";
    let jis = ISO_2022_JP.encode("議事録.docx").0;
    let jis_pct: String = jis.iter().map(|b| format!("%{b:02X}")).collect();
    let jis_2231 = format!("filename*=ISO-2022-JP''{jis_pct}");
    let continued = "filename*0*=UTF-8''%E4%BC%9A%E8%AD%B0;\r\n filename*1*=%E8%B3%87%E6%96%99.pdf";
    let mime_2047 = format!(
        "filename=\"=?ISO-2022-JP?B?{}?=\"",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            ISO_2022_JP.encode("請求書.zip").0
        )
    );
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("添付します。"),
            attachment("application/octet-stream", utf8_2231, b"x"),
            attachment("application/octet-stream", &jis_2231, b"y"),
            attachment("application/pdf", continued, b"%PDF-1.4\n%%EOF"),
            attachment("application/zip", &mime_2047, b"z"),
        ],
    );
    let policy = Policy::default();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let names: Vec<&str> = out
        .report
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["見積書.xlsm", "議事録.docx", "会議資料.pdf", "請求書.zip"]
    );
    let p = parse_output(&out);
    assert!(p.body.contains("・見積書.xlsm（1 バイト）:"), "{}", p.body);
    assert!(p.attachments.is_empty());
    assert!(
        out.report
            .actions
            .contains(&"attachment-removed=4".to_string())
    );
}

#[test]
fn nested_multiparts_use_the_text_body_and_judge_every_attachment() {
    let related = multipart(
        "",
        "related",
        "REL",
        &[
            part_b64(
                "Content-Type: text/html; charset=UTF-8\r\n",
                "<p>画像付き <img src=\"cid:logo\" alt=\"ロゴ\"></p>".as_bytes(),
            ),
            part_b64(
                "Content-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n",
                &png_with_metadata("GPS 39.2N 140.0E"),
            ),
        ],
    );
    let alternative = multipart(
        "",
        "alternative",
        "ALT",
        &[text_part("テキスト本文です。"), related],
    );
    let mixed = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            alternative,
            attachment(
                "text/csv; charset=Shift_JIS",
                "filename=\"data.csv\"",
                &SHIFT_JIS.encode("氏名,所属\r\n佐藤,総務課\r\n").0,
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(mixed.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert!(p.body.contains("テキスト本文です。"));
    let delivered: Vec<&str> = p.attachments.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        delivered,
        ["logo.png", "data.csv"],
        "{:?}",
        out.report.attachments
    );
    let csv = &p.attachments[1].2;
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap(),
        "氏名,所属\r\n佐藤,総務課\r\n"
    );
    let png = &p.attachments[0].2;
    assert!(png.starts_with(b"\x89PNG"));
    assert!(!String::from_utf8_lossy(png).contains("GPS"));
}

#[test]
fn exe_renamed_pdf_is_treated_as_executable() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("請求書を送ります"),
            attachment("application/pdf", "filename=\"請求書.pdf\"", &exe_bytes()),
        ],
    );
    // Even a policy that converts PDFs and would quarantine unknown files removes it.
    let mut policy = Policy::recommended();
    policy.types.insert(FileKind::Pdf, Decision::Convert);
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_eq!(a.kind_by_content, Some(FileKind::Executable));
    assert_eq!(a.kind_by_name, Some(FileKind::Pdf));
    assert_eq!(a.kind, FileKind::Executable);
    assert_eq!(a.result, AttachmentResult::Removed);
    assert!(a.reason.ja.starts_with("名前・種類（PDF）と中身（実行ファイル）が一致しないため、より危険な実行ファイルとして扱い、削除しました"), "{}", a.reason.ja);
    assert!(parse_output(&out).attachments.is_empty());
    assert!(out.quarantined.is_empty());
}

#[test]
fn docm_loses_its_macros_and_becomes_docx() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("見積書を添付します"),
            attachment(
                "application/vnd.ms-word.document.macroEnabled.12",
                "filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.docm",
                &docm(),
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_eq!(a.kind, FileKind::MacroOffice);
    assert_eq!(a.result, AttachmentResult::Converted);
    assert!(a.macro_removed);
    assert_eq!(a.converted_name.as_deref(), Some("見積書.docx"));
    let p = parse_output(&out);
    assert_eq!(p.attachments.len(), 1);
    let (name, ct, bytes) = &p.attachments[0];
    assert_eq!(name, "見積書.docx");
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.contains(&"word/document.xml".to_string()));
    for gone in [
        "word/vbaProject.bin",
        "word/vbaData.xml",
        "word/activeX/activeX1.xml",
        "word/_rels/vbaProject.bin.rels",
    ] {
        assert!(!names.contains(&gone.to_string()), "{gone} still present");
    }
    let read = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, n: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(n).unwrap(), &mut s).unwrap();
        s
    };
    let ct_xml = read(&mut zip, "[Content_Types].xml");
    assert!(!ct_xml.contains("macroEnabled"), "{ct_xml}");
    assert!(!ct_xml.contains("vbaProject"), "{ct_xml}");
    assert!(ct_xml.contains("wordprocessingml.document.main+xml"));
    let rels = read(&mut zip, "word/_rels/document.xml.rels");
    assert!(
        !rels.contains("vbaProject") && !rels.contains("activeX"),
        "{rels}"
    );
    assert!(rels.contains("settings.xml"));
    let settings_rels = read(&mut zip, "word/_rels/settings.xml.rels");
    assert!(
        !settings_rels.contains("evil.example.com"),
        "{settings_rels}"
    );
    assert!(!read(&mut zip, "word/settings.xml").contains("attachedTemplate"));
    assert!(!read(&mut zip, "word/document.xml").contains("w:control"));
    // Text extracted and appended (and its link defanged).
    assert!(
        p.body
            .contains("【添付ファイル 見積書.docx から取り出した文字】")
    );
    assert!(
        p.body
            .contains("見積金額は 12,000 円です。詳細は hxxps://evil[.]example[.]com/pay")
    );
    assert!(
        p.body
            .contains("マクロと埋め込みオブジェクト等を除去し、見積書.docx として添付しました")
    );
    assert!(out.report.actions.contains(&"macro-removed=1".to_string()));
}

#[test]
fn xlsm_becomes_xlsx_with_sheet_text_and_no_external_links() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("集計表です"),
            attachment(
                "application/vnd.ms-excel.sheet.macroEnabled.12",
                "filename=\"shukei.xlsm\"",
                &xlsx(true),
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert_eq!(p.attachments[0].0, "shukei.xlsx");
    assert!(
        p.body.contains("【シート: 見積】\n品名 | 数量\n鉛筆 | 12"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("ヒンメイ"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(p.attachments[0].2.clone())).unwrap();
    assert!(
        zip.file_names()
            .map(|n| n.unwrap().to_string())
            .all(|n| !n.contains("externalLink") && !n.contains("vbaProject"))
    );
    let mut wb = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut wb).unwrap();
    assert!(!wb.contains("externalReferences"), "{wb}");
    assert!(wb.contains("見積"));
}

#[test]
fn plain_xlsx_is_delivered_and_its_text_appended() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("x"),
            attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "filename=\"a.xlsx\"",
                &xlsx(false),
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_eq!(a.kind, FileKind::Ooxml);
    assert!(!a.macro_removed);
    assert!(a.text_extracted);
}

fn zip_message(name: &str, zip: &[u8]) -> Vec<u8> {
    multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("ファイルを送ります"),
            attachment("application/zip", &format!("filename=\"{name}\""), zip),
        ],
    )
    .into_bytes()
}

#[test]
fn zip_with_ordinary_files_is_opened_and_each_file_judged() {
    let inner = zip_of(&[
        ("資料/説明.txt", "説明です https://a.example.org".as_bytes()),
        ("資料/tool.exe", &exe_bytes()),
        ("資料/見積.xlsm", &xlsx(true)),
    ]);
    let policy = Policy::recommended();
    let out = sanitize(&zip_message("資料.zip", &inner), &policy, &ctx());
    assert_invariants(&out, &policy);
    let paths: Vec<(&str, AttachmentResult)> = out
        .report
        .attachments
        .iter()
        .map(|a| (a.path.as_str(), a.result))
        .collect();
    assert_eq!(
        paths,
        [
            ("資料.zip/資料/説明.txt", AttachmentResult::Converted),
            ("資料.zip/資料/tool.exe", AttachmentResult::Removed),
            ("資料.zip/資料/見積.xlsm", AttachmentResult::Converted),
            ("資料.zip", AttachmentResult::Converted),
        ]
    );
    let p = parse_output(&out);
    let names: Vec<&str> = p.attachments.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["説明.txt", "見積.xlsx"]);
    assert_eq!(
        String::from_utf8_lossy(&p.attachments[0].2),
        "説明です hxxps://a[.]example[.]org"
    );
}

#[test]
fn zip_bomb_by_ratio_is_quarantined_not_expanded() {
    // 8 MiB of zeros compress to a few KB: ratio far above 100.
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bomb = zip_of(&[("zeros.txt", &zeros)]);
    assert!(bomb.len() < 64 * 1024);
    let policy = Policy::recommended();
    let out = sanitize(&zip_message("bomb.zip", &bomb), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_eq!(a.result, AttachmentResult::Quarantined);
    assert!(a.reason.ja.contains("zip bomb"), "{}", a.reason.ja);
    assert_eq!(out.quarantined.len(), 1);
    assert_eq!(
        out.quarantined[0].bytes, bomb,
        "the compressed original is kept, not the expansion"
    );
    assert!(parse_output(&out).attachments.is_empty());
}

#[test]
fn zip_bomb_with_lying_headers_is_stopped_by_counting() {
    let data = vec![b'A'; 3 * 1024 * 1024];
    let mut bomb = zip_of(&[("a.txt", &data)]);
    // Claim 100 bytes in both headers: the reader must count, not trust.
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let pos = bomb.windows(4).position(|w| w == sig).unwrap();
        let off = if sig == b"PK\x03\x04" { 22 } else { 24 };
        bomb[pos + off..pos + off + 4].copy_from_slice(&100u32.to_le_bytes());
    }
    let mut policy = Policy::recommended();
    policy.zip.max_entry_bytes = 1024 * 1024;
    policy.zip.max_ratio = 1_000_000;
    let out = sanitize(&zip_message("lie.zip", &bomb), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_ne!(a.result, AttachmentResult::Converted);
    assert!(parse_output(&out).attachments.is_empty());
}

#[test]
fn zip_bomb_with_huge_declared_size_is_refused_before_reading() {
    let mut bomb = zip_of(&[("big.bin", b"small")]);
    let pos = bomb.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bomb[pos + 24..pos + 28].copy_from_slice(&u32::MAX.to_le_bytes());
    let policy = Policy::recommended();
    let out = sanitize(&zip_message("big.zip", &bomb), &policy, &ctx());
    assert_invariants(&out, &policy);
    assert_eq!(
        out.report.attachments[0].result,
        AttachmentResult::Quarantined
    );
}

#[test]
fn nested_zips_beyond_the_depth_limit_fail_the_whole_archive() {
    let level3 = zip_of(&[("deep.txt", b"deep")]);
    let level2 = zip_of(&[("l3.zip", &level3)]);
    let level1 = zip_of(&[("l2.zip", &level2)]);
    let top = zip_of(&[("l1.zip", &level1), ("readme.txt", b"hello")]);
    let policy = Policy::recommended();
    let out = sanitize(&zip_message("nested.zip", &top), &policy, &ctx());
    assert_invariants(&out, &policy);
    assert_eq!(
        out.report.attachments.len(),
        1,
        "{:?}",
        out.report.attachments
    );
    let a = &out.report.attachments[0];
    assert_eq!(a.result, AttachmentResult::Quarantined);
    assert!(a.reason.en.contains("nested too deeply"), "{}", a.reason.en);
    assert!(
        parse_output(&out).attachments.is_empty(),
        "nothing partial is delivered"
    );
}

#[test]
fn nested_zip_bomb_exhausts_the_budget_not_memory() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let leaf = zip_of(&[("z1", &zeros[..]), ("z2", &zeros[..]), ("z3", &zeros[..])]);
    let mid = zip_of(&[
        ("a.zip", &leaf),
        ("b.zip", &leaf),
        ("c.zip", &leaf),
        ("d.zip", &leaf),
    ]);
    let mut policy = Policy::recommended();
    policy.zip.max_ratio = 1_000_000; // let the total budget be the limit that trips
    policy.zip.max_total_bytes = 16 * 1024 * 1024;
    let out = sanitize(&zip_message("42.zip", &mid), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = out.report.attachments.last().unwrap();
    assert_eq!(a.path, "42.zip");
    assert_eq!(a.result, AttachmentResult::Quarantined);
    assert!(a.reason.en.contains("total size limit"), "{}", a.reason.en);
}

#[test]
fn encrypted_zip_is_quarantined_with_a_notice() {
    let ppap = mark_encrypted(zip_of(&[("見積書.xlsx", &xlsx(false))]));
    // Even the all-remove default quarantines PPAP.
    let policy = Policy::default();
    let out = sanitize(&zip_message("見積書.zip", &ppap), &policy, &ctx());
    assert_invariants(&out, &policy);
    let a = &out.report.attachments[0];
    assert_eq!(a.kind, FileKind::EncryptedArchive);
    assert_eq!(a.result, AttachmentResult::Quarantined);
    assert_eq!(out.quarantined[0].name, "見積書.zip");
    assert_eq!(out.quarantined[0].bytes, ppap);
    let p = parse_output(&out);
    assert!(
        p.body.contains("暗号化 ZIPのため隔離しました"),
        "{}",
        p.body
    );
    assert!(p.body.contains("隔離ID: Q-20261126-0001"));
    assert!(
        out.report
            .actions
            .contains(&"quarantine-id=Q-20261126-0001".to_string())
    );
    assert_eq!(out.report.quarantine_id.as_deref(), Some("Q-20261126-0001"));
}

#[test]
fn images_are_reencoded_without_metadata() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("写真です"),
            attachment(
                "image/jpeg",
                "filename=\"photo.jpg\"",
                &jpeg_with_exif("SECRET-EXIF-Camera"),
            ),
            attachment(
                "image/png",
                "filename=\"scan.png\"",
                &png_with_metadata("SECRET-PNG-Comment"),
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert_eq!(p.attachments.len(), 2);
    for (name, _, bytes) in &p.attachments {
        let s = String::from_utf8_lossy(bytes);
        assert!(!s.contains("SECRET"), "{name} kept metadata");
        image::load_from_memory(bytes).unwrap();
    }
    assert!(
        out.report
            .actions
            .contains(&"image-reencoded=2".to_string())
    );
}

#[test]
fn garbage_is_quarantined_whole_with_a_valid_notice() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let policy = Policy::default();
    for input in [&garbage[..], b"", b"\r\n\r\n", b"\x00\x01\x02"] {
        let out = sanitize(input, &policy, &ctx());
        assert_eq!(
            out.report.status,
            Status::QuarantinedWhole,
            "{:?}",
            &input[..input.len().min(8)]
        );
        assert_eq!(out.quarantined.len(), 1);
        assert_eq!(out.quarantined[0].bytes, input);
        assert_invariants(&out, &policy);
        let p = parse_output(&out);
        assert!(p.body.contains("解析できなかったため"), "{}", p.body);
        assert!(p.body.contains("隔離ID: Q-20261126-0001"));
        assert_eq!(
            p.subject.as_deref(),
            Some("【mamori】受信メールを隔離しました (message quarantined)")
        );
        assert!(p.raw.contains("To: <soumu@city.example.lg.jp>"));
    }
}

#[test]
fn noise_behind_trace_headers_is_quarantined_whole() {
    // What the relay sees: its own Received line (and the internet-side MTA's) before the noise.
    let mut raw =
        b"Received: from mx.internet.example by relay.test; Thu, 26 Nov 2026 10:00:00 +0900\r\n\
Received: from unknown by mx.internet.example\r\n"
            .to_vec();
    for i in 0..20u8 {
        raw.extend((0..60u8).map(|j| 0x80 | (i.wrapping_mul(31) ^ j.wrapping_mul(7)) & 0x7f));
        raw.extend_from_slice(b"\r\n");
    }
    let policy = Policy::default();
    let out = sanitize(&raw, &policy, &ctx());
    assert_eq!(out.report.status, Status::QuarantinedWhole);
    assert_eq!(out.quarantined[0].bytes, raw);
    assert_invariants(&out, &policy);
    assert!(parse_output(&out).body.contains("解析できなかったため"));
}

fn pdf_message(name: &str, pdf: &[u8]) -> Vec<u8> {
    multipart(
        HEADERS,
        "mixed",
        "PDF",
        &[
            text_part("資料を添付します"),
            attachment("application/pdf", &format!("filename=\"{name}\""), pdf),
        ],
    )
    .into_bytes()
}

fn pdf_convert_policy() -> Policy {
    Policy::from_toml("[types]\npdf = \"convert\"").unwrap()
}

#[test]
fn pdf_text_is_extracted_and_appended_japanese_included() {
    let policy = pdf_convert_policy();
    for compress in [false, true] {
        let pdf = pdf_with_text("Invoice No. 42", "見積金額は12000円です", compress);
        let out = sanitize(&pdf_message("mitsumori.pdf", &pdf), &policy, &ctx());
        assert_invariants(&out, &policy);
        let a = &out.report.attachments[0];
        assert_eq!(a.kind, FileKind::Pdf);
        assert_eq!(a.result, AttachmentResult::Converted, "{:?}", a.reason);
        assert!(a.text_extracted);
        let p = parse_output(&out);
        assert!(p.body.contains("見積金額は12000円です"), "{}", p.body);
        assert!(p.body.contains("Invoice No. 42"), "{}", p.body);
        assert!(p.attachments.is_empty(), "the PDF itself is not delivered");
        assert!(out.quarantined.is_empty());
    }
}

#[test]
fn malformed_or_bombed_pdfs_are_quarantined_never_a_panic() {
    let policy = pdf_convert_policy();
    let good = pdf_with_text("ok", "資料", true);
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 2);
    let mut bomb = b"%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut e, &vec![b'A'; 48 * 1024 * 1024]).unwrap();
    bomb.extend_from_slice(&e.finish().unwrap());
    bomb.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage.pdf",
            b"%PDF-1.7\n\x00\x01 not a pdf at all".to_vec(),
        ),
        ("truncated.pdf", truncated),
        ("bomb.pdf", bomb),
        ("image-only.pdf", pdf_with_text("", "", false)),
    ];
    for (name, pdf) in inputs {
        let out = sanitize(&pdf_message(name, &pdf), &policy, &ctx());
        assert_invariants(&out, &policy);
        let a = &out.report.attachments[0];
        assert_eq!(
            a.result,
            AttachmentResult::Quarantined,
            "{name}: {:?}",
            a.reason
        );
        assert_eq!(out.quarantined.len(), 1, "{name}");
        assert_eq!(
            out.quarantined[0].bytes, pdf,
            "{name}: the original is kept"
        );
        if name == "bomb.pdf" {
            assert!(a.reason.ja.contains("zip bomb"), "{}", a.reason.ja);
        }
    }
}

#[test]
fn oversized_messages_are_quarantined_whole() {
    let raw = single(HEADERS, "text/plain", "8bit", &vec![b'a'; 4096]);
    let policy = Policy {
        max_message_bytes: 1024,
        ..Policy::default()
    };
    let out = sanitize(&raw, &policy, &ctx());
    assert_eq!(out.report.status, Status::QuarantinedWhole);
    assert!(out.report.actions.contains(&"too-large".to_string()));
}

#[test]
fn iso_2022_jp_output_for_old_clients() {
    let raw = single(
        HEADERS,
        "text/html; charset=UTF-8",
        "8bit",
        "<p>こんにちは😀 https://x.example.jp</p>".as_bytes(),
    );
    let policy = Policy {
        output_charset: OutputCharset::Iso2022Jp,
        ..Policy::default()
    };
    let out = sanitize(&raw, &policy, &ctx());
    assert_invariants(&out, &policy);
    assert!(out.message.is_ascii(), "7bit output");
    let p = parse_output(&out);
    assert!(p.raw.contains("charset=ISO-2022-JP"));
    assert!(
        p.body.contains("こんにちは〓 hxxps://x[.]example[.]jp"),
        "{}",
        p.body
    );
    assert!(p.body.starts_with("【無害化処理のお知らせ】"));
    assert!(
        out.report
            .warnings
            .iter()
            .any(|w| w.en.contains("ISO-2022-JP"))
    );
}

#[test]
fn report_serialises_to_json_with_both_languages() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("x"),
            attachment(
                "application/x-msdownload",
                "filename=\"a.exe\"",
                &exe_bytes(),
            ),
        ],
    );
    let out = sanitize(raw.as_bytes(), &Policy::default(), &ctx());
    let json: serde_json::Value = serde_json::from_str(&out.report.to_json()).unwrap();
    assert_eq!(json["status"], "sanitized");
    assert_eq!(json["attachments"][0]["kind"], "executable");
    assert_eq!(json["attachments"][0]["decision"], "remove");
    assert_eq!(json["attachments"][0]["result"], "removed");
    assert!(
        json["attachments"][0]["reason"]["ja"]
            .as_str()
            .unwrap()
            .contains("実行ファイル")
    );
    assert!(
        json["attachments"][0]["reason"]["en"]
            .as_str()
            .unwrap()
            .contains("executable")
    );
    assert_eq!(out.report.header_value(), "attachment-removed=1");
    assert!(json["notice_en"].as_str().unwrap().contains("- a.exe ("));
    assert!(json["notice_ja"].as_str().unwrap().contains("・a.exe（"));
}

#[test]
fn html_attachment_becomes_text_and_never_html() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("x"),
            attachment(
                "text/html; charset=UTF-8",
                "filename=\"invoice.html\"",
                b"<script>alert(1)</script><p>Pay at <a href='http://phish.example/'>link</a></p>",
            ),
            // HTML disguised as text.
            attachment(
                "text/plain",
                "filename=\"note.txt\"",
                b"<html><body><script>x()</script>hi</body></html>",
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    let names: Vec<&str> = p.attachments.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["invoice.html.txt", "note.txt.txt"]);
    let first = String::from_utf8_lossy(&p.attachments[0].2).into_owned();
    assert_eq!(first, "Pay at link <hxxp://phish[.]example/>");
    assert_eq!(out.report.attachments[1].kind, FileKind::Html);
}

#[test]
fn attached_message_is_shown_as_text_and_its_attachments_judged() {
    let inner = multipart(
        "From: =?UTF-8?B?5L2Q6Jek?= <sato@example.jp>\r\nDate: Wed, 25 Nov 2026 18:00:00 +0900\r\nSubject: =?UTF-8?B?5YWD44Gu44Oh44O844Or?=\r\n",
        "mixed",
        "IN",
        &[
            part_b64(
                "Content-Type: text/html; charset=UTF-8\r\n",
                "<p>転送元の本文 <a href=\"http://inner.example/x\">x</a></p>".as_bytes(),
            ),
            attachment(
                "application/octet-stream",
                "filename=\"tool.exe\"",
                &exe_bytes(),
            ),
        ],
    );
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("転送します"),
            format!(
                "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n{inner}"
            ),
        ],
    );
    let policy = Policy::recommended();
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let p = parse_output(&out);
    assert!(
        p.body
            .contains("【添付ファイル fwd.eml から取り出した文字】"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("差出人: 佐藤 <sato@example.jp>"),
        "{}",
        p.body
    );
    assert!(p.body.contains("件名: 元のメール"));
    assert!(
        p.body.contains("転送元の本文 x <hxxp://inner[.]example/x>"),
        "{}",
        p.body
    );
    let paths: Vec<(&str, AttachmentResult)> = out
        .report
        .attachments
        .iter()
        .map(|a| (a.path.as_str(), a.result))
        .collect();
    assert_eq!(
        paths,
        [
            ("fwd.eml/tool.exe", AttachmentResult::Removed),
            ("fwd.eml", AttachmentResult::Converted)
        ]
    );
}

#[test]
fn raw_utf8_address_headers_are_re_encoded() {
    let raw = "From: 山田 太郎 <yamada@example.jp>\r\nTo: \"総務課\" <soumu@city.example.lg.jp>\r\nSubject: 件名テスト\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n本文".as_bytes();
    let out = sanitize(raw, &Policy::default(), &ctx());
    let p = parse_output(&out);
    for line in p.raw.lines().take_while(|l| !l.is_empty()) {
        assert!(line.is_ascii(), "8-bit header line in output: {line}");
    }
    let msg = mail_parser::MessageParser::default()
        .parse(&out.message)
        .unwrap();
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("山田 太郎"));
    assert_eq!(from.address(), Some("yamada@example.jp"));
    assert_eq!(msg.to().unwrap().first().unwrap().name(), Some("総務課"));
    assert_eq!(msg.subject(), Some("件名テスト"));
    // No Date in the input: the receive time from the context is used.
    assert_eq!(
        msg.date().unwrap().to_rfc3339(),
        "2026-11-26T10:00:00+09:00"
    );
}

#[test]
fn single_part_binary_message_is_judged_as_an_attachment() {
    let raw = single(
        "From: a@example.jp\r\nSubject: x\r\nContent-Disposition: attachment; filename=\"update.exe\"\r\n",
        "application/x-msdownload",
        "base64",
        b64_lines(&exe_bytes()).as_bytes(),
    );
    let policy = Policy::recommended();
    let out = sanitize(&raw, &policy, &ctx());
    assert_invariants(&out, &policy);
    assert_eq!(out.report.attachments.len(), 1);
    assert_eq!(out.report.attachments[0].name, "update.exe");
    assert_eq!(out.report.attachments[0].result, AttachmentResult::Removed);
    assert!(parse_output(&out).body.contains("本文はありません"));
}

#[test]
fn failed_conversions_follow_the_fallback() {
    let legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy word".to_vec();
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("x"),
            attachment("application/msword", "filename=\"old.doc\"", &legacy),
            attachment("image/gif", "filename=\"anim.gif\"", &gif),
        ],
    );
    let mut policy = Policy::recommended();
    policy
        .types
        .insert(FileKind::LegacyOffice, Decision::Convert);
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let results: Vec<AttachmentResult> = out.report.attachments.iter().map(|a| a.result).collect();
    assert_eq!(
        results,
        [AttachmentResult::Quarantined, AttachmentResult::Quarantined]
    );
    assert_eq!(out.quarantined.len(), 2);
    assert!(
        out.report.attachments[0]
            .reason
            .ja
            .contains("旧形式 Office 文書は変換できないため、隔離しました")
    );
    assert!(
        out.report.attachments[1]
            .reason
            .ja
            .contains("PNG/JPEG 以外で作り直せないため、隔離しました")
    );

    policy.on_convert_failure = mamori_sanitize::Fallback::Remove;
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    let results: Vec<AttachmentResult> = out.report.attachments.iter().map(|a| a.result).collect();
    assert_eq!(
        results,
        [AttachmentResult::Removed, AttachmentResult::Removed]
    );
    assert!(out.quarantined.is_empty());
    assert_eq!(out.report.quarantine_id, None);
}

#[test]
fn policy_file_drives_the_decisions() {
    let policy =
        Policy::from_toml("default = \"quarantine\"\n[types]\nimage = \"remove\"\n").unwrap();
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("x"),
            attachment("image/png", "filename=\"a.png\"", &png_with_metadata("m")),
            attachment("application/pdf", "filename=\"b.pdf\"", b"%PDF-1.4\n%%EOF"),
        ],
    );
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    let results: Vec<(FileKind, AttachmentResult)> = out
        .report
        .attachments
        .iter()
        .map(|a| (a.kind, a.result))
        .collect();
    assert_eq!(
        results,
        [
            (FileKind::Image, AttachmentResult::Removed),
            (FileKind::Pdf, AttachmentResult::Quarantined)
        ]
    );
    assert_eq!(out.quarantined[0].name, "b.pdf");
    assert_eq!(out.quarantined[0].content_type, "application/pdf");
}

#[test]
fn iso_2022_jp_output_keeps_japanese_attachment_names() {
    let raw = multipart(
        HEADERS,
        "mixed",
        "MIX",
        &[
            text_part("添付します"),
            attachment(
                "application/vnd.ms-word.document.macroEnabled.12",
                "filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8%EF%BC%88%E7%AC%AC2%E7%89%88%EF%BC%89.docm",
                &docm(),
            ),
        ],
    );
    let policy = Policy {
        output_charset: OutputCharset::Iso2022Jp,
        ..Policy::recommended()
    };
    let out = sanitize(raw.as_bytes(), &policy, &ctx());
    assert_invariants(&out, &policy);
    assert!(out.message.is_ascii());
    let p = parse_output(&out);
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].0, "見積書（第2版）.docx");
    assert!(
        p.raw.contains("name=\"=?ISO-2022-JP?B?"),
        "{}",
        &p.raw[..p.raw.len().min(2000)]
    );
    assert!(p.body.contains("見積書（第2版）.docx として添付しました"));
}

/// Found by the property test in CI: a file name holding a quote (`filename=`"scan.png"`) was
/// written as `'` in one header and `_` in the other, so the delivered name and the report
/// disagreed. Now one name, with such characters replaced, serves both.
#[test]
fn a_quote_in_a_file_name_gives_one_delivered_name_in_headers_and_report() {
    let raw = b"From: a@example.jp\r\nTo: b@city.example.lg.jp\r\nSubject: scan\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nsee attached\r\n\
--B\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n\
Content-Disposition: attachment; filename=`\"scan.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pmh0dHA6Ly94LmV4YW1wbGU8L2h0bWw+\r\n--B--\r\n";
    let policy = Policy::recommended();
    let out = sanitize(raw, &policy, &ctx());
    assert_invariants(&out, &policy);
    let names: Vec<_> = out
        .report
        .attachments
        .iter()
        .filter_map(|a| a.converted_name.clone())
        .collect();
    assert!(!names.is_empty(), "the text file is delivered converted");
    assert!(names.iter().all(|n| !n.contains('"')), "{names:?}");
}
