//! A generated corpus of realistic messages for the benchmark and the fuzz loop.

use std::io::{Cursor, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, no dependency.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn b64_lines(bytes: &[u8]) -> String {
    let s = B64.encode(bytes);
    let mut out = String::with_capacity(s.len() + s.len() / 38);
    for chunk in s.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push_str("\r\n");
    }
    out
}

const WORDS: [&str; 12] = [
    "いつもご利用いただき誠にありがとうございます。",
    "今月のおすすめ商品をご紹介します。",
    "期間限定セールを開催中です。",
    "詳しくは下記のリンクからご確認ください。",
    "お問い合わせはサポート窓口までお願いいたします。",
    "新サービスの提供を開始しました。",
    "Limited time offer for our valued customers.",
    "配送料無料キャンペーン実施中！",
    "会員様限定のクーポンをお届けします。",
    "※本メールは送信専用アドレスから配信しています。",
    "セミナー参加申込みの受付を開始しました。",
    "アンケートへのご協力をお願いいたします。",
];

fn headers(i: usize, subject_b64: &str) -> String {
    format!(
        "Return-Path: <news@shop.example.com>\r\n\
         Received: from mx.example.com (mx.example.com [192.0.2.1]) by gw.city.example.lg.jp; Thu, 26 Nov 2026 09:00:{:02} +0900\r\n\
         From: =?UTF-8?B?44K344On44OD44OX?= <news@shop.example.com>\r\n\
         To: soumu@city.example.lg.jp\r\n\
         Date: Thu, 26 Nov 2026 09:00:{:02} +0900\r\n\
         Message-ID: <news-{i}@shop.example.com>\r\n\
         Subject: =?UTF-8?B?{subject_b64}?=\r\n\
         MIME-Version: 1.0\r\n",
        i % 60,
        i % 60
    )
}

/// A ~20 KB HTML newsletter (multipart/alternative with a short text part omitted: HTML only,
/// the expensive case).
pub fn newsletter(i: usize, rng: &mut Rng) -> Vec<u8> {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ニュースレター</title>\
         <style>body{font-family:sans-serif}.btn{background:#f60;color:#fff}td{padding:4px}</style></head>\
         <body><table width=\"600\" align=\"center\" cellpadding=\"0\" cellspacing=\"0\"><tr><td>\
         <img src=\"https://img.shop.example.com/logo.png\" alt=\"ショップロゴ\" width=\"200\">",
    );
    let mut section = 0;
    while html.len() < 20 * 1024 {
        section += 1;
        html.push_str(&format!(
            "<h2 style=\"color:#333;font-size:18px\">特集 {section}</h2><p style=\"line-height:1.6\">"
        ));
        for _ in 0..4 {
            html.push_str(WORDS[rng.below(WORDS.len())]);
        }
        html.push_str(&format!(
            "</p><table class=\"items\"><tr><th>商品</th><th>価格</th></tr>\
             <tr><td>商品{section}A</td><td>&yen;1,{section}00</td></tr><tr><td>商品{section}B</td><td>&yen;2,{section}80</td></tr></table>\
             <ul><li>送料無料</li><li>ポイント&nbsp;10倍</li></ul>\
             <p><a class=\"btn\" href=\"https://shop.example.com/item/{i}/{section}?utm_source=mail&amp;utm_medium=news\">詳しく見る &raquo;</a></p>\
             <img src=\"https://track.example.com/open/{i}/{section}.gif\" width=\"1\" height=\"1\">"
        ));
    }
    html.push_str("<hr><p style=\"font-size:11px\">配信停止は<a href=\"https://shop.example.com/unsubscribe\">こちら</a></p></td></tr></table></body></html>");
    let mut m = headers(i, "44OL44Ol44O844K544Os44K/44O8IDEx5pyI5Y+3").into_bytes();
    m.extend_from_slice(
        b"Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    m.extend_from_slice(b64_lines(html.as_bytes()).as_bytes());
    m
}

/// A plain Japanese reply in ISO-2022-JP with a quoted original.
pub fn plain_reply(i: usize, rng: &mut Rng) -> Vec<u8> {
    let mut body = String::from(
        "総務課 佐藤様\n\nお世話になっております。\nご連絡ありがとうございます。承知いたしました。\n\n",
    );
    for _ in 0..20 {
        body.push_str("> ");
        body.push_str(WORDS[rng.below(WORDS.len())]);
        body.push('\n');
    }
    body.push_str("\n-- \n山田太郎 https://www.example.co.jp/\n");
    let (jis, _, _) = encoding_rs::ISO_2022_JP.encode(&body);
    let mut m = headers(i, "UmU6IOOBlOmAo+e1oQ==").into_bytes();
    m.extend_from_slice(format!("In-Reply-To: <orig-{i}@city.example.lg.jp>\r\nReferences: <orig-{i}@city.example.lg.jp>\r\n").as_bytes());
    m.extend_from_slice(
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
    );
    for line in jis.split(|&b| b == b'\n') {
        m.extend_from_slice(line);
        m.extend_from_slice(b"\r\n");
    }
    m
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        let _ = w.start_file(*name, opts);
        let _ = w.write_all(data);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A ~30 KB .docx with many paragraphs (and, for some, a VBA project: .docm).
pub fn docx(rng: &mut Rng, with_macro: bool) -> Vec<u8> {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
    );
    for _ in 0..200 {
        doc.push_str("<w:p><w:r><w:t>");
        doc.push_str(WORDS[rng.below(WORDS.len())]);
        doc.push_str("</w:t></w:r></w:p>");
    }
    doc.push_str("</w:body></w:document>");
    let main = if with_macro {
        "application/vnd.ms-word.document.macroEnabled.main+xml"
    } else {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    };
    let ct = format!(
        "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/><Override PartName=\"/word/document.xml\" ContentType=\"{main}\"/></Types>"
    );
    let rels = "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";
    let doc_rels = "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/></Relationships>";
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
    ];
    if with_macro {
        entries.push(("word/_rels/document.xml.rels", doc_rels.as_bytes()));
        entries.push((
            "word/vbaProject.bin",
            b"\xd0\xcf\x11\xe0 Sub AutoOpen() End Sub",
        ));
    }
    zip_of(&entries)
}

/// A reply with an Office attachment (docx, docm) or a PDF.
pub fn with_attachment(i: usize, rng: &mut Rng) -> Vec<u8> {
    let (name, ctype, bytes) = match i % 3 {
        0 => (
            "報告書.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docx(rng, false),
        ),
        1 => (
            "見積書.docm",
            "application/vnd.ms-word.document.macroEnabled.12",
            docx(rng, true),
        ),
        _ => {
            let mut pdf = b"%PDF-1.7\n".to_vec();
            while pdf.len() < 40_000 {
                pdf.extend_from_slice(b"1 0 obj << /Type /Page >> stream BT /F1 12 Tf (Hello) Tj ET endstream endobj\n");
            }
            pdf.extend_from_slice(b"%%EOF\n");
            ("資料.pdf", "application/pdf", pdf)
        }
    };
    let pct: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut m = headers(i, "6LOH5paZ44Gu6YCB5LuY").into_bytes();
    m.extend_from_slice(b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    m.extend_from_slice("資料を送付いたします。ご確認ください。\r\n".as_bytes());
    m.extend_from_slice(format!("--B\r\nContent-Type: {ctype}\r\nContent-Disposition: attachment; filename*=UTF-8''{pct}\r\nContent-Transfer-Encoding: base64\r\n\r\n").as_bytes());
    m.extend_from_slice(b64_lines(&bytes).as_bytes());
    m.extend_from_slice(b"--B--\r\n");
    m
}
