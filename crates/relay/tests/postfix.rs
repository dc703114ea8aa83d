#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The whole 無害化 path with real parts: swaks (Debian's SMTP client) sends test mail through the
//! relay to a real Postfix (Debian's package) that the test starts on a loopback port with its own
//! configuration directory and delivers into a Maildir; the test reads what Postfix delivered.
//!
//! Needs `postfix` and `swaks` and root (Postfix's master runs as root and drops to its users).
//! Skips with a message when any is missing, unless `MAMORI_REQUIRE_POSTFIX=1` (CI).

mod common;

use std::io::Write;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use common::wait_for;
use encoding_rs::{ISO_2022_JP, SHIFT_JIS};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use mamori_relay::{QuarantineRecords, Relay, SystemClock};
use tokio::sync::oneshot;

const POSTFIX: &str = "/usr/sbin/postfix";
const DOMAIN: &str = "city.example.lg.jp";

fn required() -> bool {
    std::env::var("MAMORI_REQUIRE_POSTFIX").is_ok_and(|v| v == "1")
}

fn swaks_path() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("swaks"))
        .find(|p| p.is_file())
}

/// Why the test cannot run here, if it cannot.
fn missing() -> Option<String> {
    if !Path::new(POSTFIX).is_file() {
        return Some("postfix is not installed (apt-get install postfix)".into());
    }
    if swaks_path().is_none() {
        return Some("swaks is not installed (apt-get install swaks)".into());
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("Postfix's master must be started as root".into());
    }
    None
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn user_ids(name: &str) -> (u32, u32) {
    let out = Command::new("id").args(["-u", name]).output().unwrap();
    let uid = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let out = Command::new("id").args(["-g", name]).output().unwrap();
    let gid = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (uid, gid)
}

/// A private Postfix instance: its own main.cf/master.cf, queue, data directory, log file and
/// Maildir under one temporary directory. Stopped when dropped, also when the test panics.
struct Postfix {
    conf: PathBuf,
    maildir: PathBuf,
    log: PathBuf,
    port: u16,
}

/// Every service chroot-free ("n"): a chroot would need copies of /etc files in the queue.
const MASTER_CF: &str = "\
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
";

impl Postfix {
    fn start(root: &Path) -> Postfix {
        use std::os::unix::fs::{PermissionsExt, chown};
        // Postfix's users must be able to reach their directories under the temp dir.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let conf = root.join("conf");
        let queue = root.join("queue");
        let data = root.join("data");
        let mail = root.join("mail");
        for d in [&conf, &queue, &data, &mail] {
            std::fs::create_dir_all(d).unwrap();
        }
        let (postfix_uid, postfix_gid) = user_ids("postfix");
        chown(&data, Some(postfix_uid), Some(postfix_gid)).unwrap();
        // Virtual delivery as nobody into one Maildir for the whole domain.
        let (uid, gid) = user_ids("nobody");
        chown(&mail, Some(uid), Some(gid)).unwrap();
        let port = free_port();
        let log = root.join("maillog");
        let main_cf = format!(
            "compatibility_level = 3.6\n\
             queue_directory = {queue}\n\
             data_directory = {data}\n\
             myhostname = lgwan-mta.test\n\
             mydomain = test\n\
             mydestination =\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             mynetworks = 127.0.0.0/8\n\
             smtpd_relay_restrictions = permit_mynetworks, reject\n\
             alias_maps =\n\
             alias_database =\n\
             local_recipient_maps =\n\
             virtual_mailbox_domains = {DOMAIN}\n\
             virtual_mailbox_base = {mail}\n\
             virtual_mailbox_maps = static:inbox/\n\
             virtual_uid_maps = static:{uid}\n\
             virtual_gid_maps = static:{gid}\n\
             virtual_minimum_uid = 1\n\
             maillog_file = {log}\n\
             maillog_file_prefixes = {root}\n\
             biff = no\n\
             smtputf8_enable = no\n",
            queue = queue.display(),
            data = data.display(),
            mail = mail.display(),
            log = log.display(),
            root = root.display(),
        );
        std::fs::write(conf.join("main.cf"), main_cf).unwrap();
        std::fs::write(
            conf.join("master.cf"),
            format!("127.0.0.1:{port} inet n - n - - smtpd\n{MASTER_CF}"),
        )
        .unwrap();
        let postfix = Postfix {
            conf,
            maildir: mail.join("inbox"),
            log,
            port,
        };
        let out = Command::new(POSTFIX)
            .arg("-c")
            .arg(&postfix.conf)
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "postfix start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            postfix.log_text()
        );
        postfix
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Messages delivered so far (Maildir `new/`).
    fn delivered(&self) -> Vec<Vec<u8>> {
        let Ok(dir) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        dir.filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .collect()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new(POSTFIX)
            .arg("-c")
            .arg(&self.conf)
            .arg("stop")
            .output();
    }
}

// ---- test mails, generated here ----

fn b64_lines(bytes: &[u8]) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(bytes);
    b.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn headers(subject: &str, id: &str) -> String {
    format!(
        "From: Sender <news@internet.example>\r\n\
         To: <taro@{DOMAIN}>\r\n\
         Subject: {subject}\r\n\
         Date: Thu, 26 Nov 2026 10:00:00 +0900\r\n\
         Message-ID: <{id}@internet.example>\r\n\
         MIME-Version: 1.0\r\n"
    )
}

fn newsletter() -> Vec<u8> {
    let mut html = String::from(
        "<html><head><style>.x{color:red}</style><script>location='https://evil.example.com/s'</script>\
         </head><body><h1>11月のお知らせ</h1><ul><li>新商品のご案内</li><li>セール情報</li></ul>",
    );
    for i in 0..40 {
        html.push_str(&format!(
            "<p>記事{i}: 詳しくは<a href=\"https://shop.example.com/sale?id={i}\">こちら</a></p>"
        ));
    }
    html.push_str("</body></html>");
    format!(
        "{}Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        headers("newsletter", "newsletter"),
        b64_lines(html.as_bytes())
    )
    .into_bytes()
}

fn iso_2022_jp() -> Vec<u8> {
    let subject = format!(
        "=?ISO-2022-JP?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(ISO_2022_JP.encode("会議のご案内").0)
    );
    let mut m = headers(&subject, "iso2022jp")
        .replace("Subject: ", "X-Test: iso2022jp\r\nSubject: ")
        .into_bytes();
    m.extend_from_slice(
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
    );
    m.extend_from_slice(&ISO_2022_JP.encode("明日の会議は第三会議室です。\r\n").0);
    m
}

fn shift_jis() -> Vec<u8> {
    let mut m = headers("sjis", "sjis").into_bytes();
    m.extend_from_slice(
        b"Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    m.extend_from_slice(&SHIFT_JIS.encode("表計算ソフトの資料を送ります。\r\n").0);
    m
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn attachment(content_type: &str, name: &str, bytes: &[u8]) -> String {
    format!(
        "Content-Type: {content_type}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        b64_lines(bytes)
    )
}

fn multipart(head: &str, subtype: &str, boundary: &str, parts: &[String]) -> String {
    let mut m = format!("{head}Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n");
    for p in parts {
        m.push_str(&format!("--{boundary}\r\n{p}\r\n"));
    }
    m.push_str(&format!("--{boundary}--\r\n"));
    m
}

fn text_part(text: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    )
}

/// multipart/mixed [ multipart/alternative [plain, html], an .exe ].
fn nested() -> Vec<u8> {
    let alternative = multipart(
        "",
        "alternative",
        "ALT",
        &[
            text_part("入れ子の本文です。"),
            "Content-Type: text/html; charset=UTF-8\r\n\r\n<p>HTMLの本文</p>\r\n".to_string(),
        ],
    );
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.extend_from_slice(&[0u8; 120]);
    exe.extend_from_slice(b"This program cannot be run in DOS mode.");
    multipart(
        &headers("nested", "nested"),
        "mixed",
        "MIX",
        &[
            alternative,
            attachment("application/octet-stream", "setup.exe", &exe),
        ],
    )
    .into_bytes()
}

const WORD_TEXT: &str = "見積金額は 12,000 円です。";

/// A .docm: a Word document with a VBA project.
fn docm_mail() -> Vec<u8> {
    let content_types = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#;
    let rels = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>御見積書</w:t></w:r></w:p><w:p><w:r><w:t>{WORD_TEXT}</w:t></w:r></w:p></w:body></w:document>"#
    );
    let doc_rels = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>"#;
    let docm = zip_of(&[
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", doc_rels),
        (
            "word/vbaProject.bin",
            b"\xd0\xcf\x11\xe0Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\nShell \"calc.exe\"\r\nEnd Sub",
        ),
    ]);
    multipart(
        &headers("docm", "docm"),
        "mixed",
        "DOC",
        &[
            text_part("見積書を添付します。"),
            attachment(
                "application/vnd.ms-word.document.macroEnabled.12",
                "mitsumori.docm",
                &docm,
            ),
        ],
    )
    .into_bytes()
}

/// 8 MiB of zeros in a few KB.
fn zip_bomb_mail() -> (Vec<u8>, Vec<u8>) {
    let bomb = zip_of(&[("zeros.txt", &vec![0u8; 8 * 1024 * 1024])]);
    let mail = multipart(
        &headers("bomb", "bomb"),
        "mixed",
        "BOMB",
        &[
            text_part("資料です。"),
            attachment("application/zip", "shiryou.zip", &bomb),
        ],
    )
    .into_bytes();
    (mail, bomb)
}

/// No header a mail has, only binary noise (lines kept short and free of a lone ".").
fn unparseable() -> Vec<u8> {
    let mut m = Vec::new();
    let mut x: u32 = 2_463_534_242;
    for _ in 0..40 {
        for _ in 0..60 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.push(0x80 | (x as u8 & 0x7f));
        }
        m.extend_from_slice(b"\r\n");
    }
    m
}

// ---- reading what Postfix delivered ----

struct Delivered {
    raw: String,
    subject: String,
    body: String,
    content_types: Vec<String>,
    attachments: Vec<(String, Vec<u8>)>,
}

fn parse(raw: &[u8]) -> Delivered {
    let msg = MessageParser::default()
        .parse(raw)
        .expect("delivered mail parses");
    for p in &msg.parts {
        assert!(
            !matches!(p.body, PartType::Html(_)),
            "an HTML part was delivered"
        );
    }
    Delivered {
        raw: String::from_utf8_lossy(raw).into_owned(),
        subject: msg.subject().unwrap_or("").to_string(),
        body: msg
            .body_text(0)
            .map(|b| b.replace("\r\n", "\n"))
            .unwrap_or_default(),
        content_types: msg
            .parts
            .iter()
            .filter_map(|p| p.content_type())
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_lowercase())
            .collect(),
        attachments: msg
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or("").to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect(),
    }
}

impl Delivered {
    fn sanitized_header(&self) -> String {
        let start = self
            .raw
            .find("X-Mamori-Sanitized:")
            .unwrap_or_else(|| panic!("no X-Mamori-Sanitized header:\n{}", self.raw));
        // Unfold the header.
        let rest = &self.raw[start..];
        let mut value = String::new();
        for (i, line) in rest.split("\r\n").flat_map(|l| l.split('\n')).enumerate() {
            if i > 0 && !line.starts_with([' ', '\t']) {
                break;
            }
            value.push_str(line.trim());
            value.push(' ');
        }
        value
    }

    fn assert_text_only_with_notice(&self) {
        assert!(
            self.content_types
                .iter()
                .all(|t| t != "text/html" && !t.starts_with("application/x-ms")),
            "{:?}",
            self.content_types
        );
        assert!(
            self.body.starts_with("【無害化処理のお知らせ】"),
            "notice not on top:\n{}",
            self.body
        );
    }
}

async fn swaks(relay: &str, message: Vec<u8>, dir: &Path, name: &str) {
    let file = dir.join(format!("{name}.eml"));
    std::fs::write(&file, message).unwrap();
    let (host, port) = relay.split_once(':').unwrap();
    let args: Vec<String> = vec![
        "--server".into(),
        host.into(),
        "--port".into(),
        port.into(),
        "--from".into(),
        "news@internet.example".into(),
        "--to".into(),
        format!("taro@{DOMAIN}"),
        "--data".into(),
        format!("@{}", file.display()),
        "--suppress-data".into(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        Command::new(swaks_path().unwrap())
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "swaks {name} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaks_through_the_relay_into_a_real_postfix_maildir() {
    if let Some(why) = missing() {
        assert!(!required(), "MAMORI_REQUIRE_POSTFIX=1 but {why}");
        eprintln!("skipping the Postfix end-to-end test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let postfix = Postfix::start(dir.path());
    let spool = dir.path().join("spool");
    let mut cfg = common::test_config(spool.clone(), &format!("127.0.0.1:{}", postfix.port));
    cfg.deliver_timeout = Duration::from_secs(10);
    // With the quarantine record, so that a release can be followed into the Maildir too.
    let store = mamori_store::Store::open(
        dir.path().join("mamori.db").to_str().unwrap(),
        mamori_store::OpenMode::Create,
    )
    .await
    .unwrap();
    let mut records = QuarantineRecords::new(store.clone());
    records.poll = Duration::from_millis(200);
    let relay = Relay::bind_with(cfg, Arc::new(SystemClock), Some(records))
        .await
        .unwrap();
    let relay_addr = relay.local_addr().unwrap().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });

    let mails = dir.path().join("mails");
    std::fs::create_dir_all(&mails).unwrap();
    let (bomb_mail, bomb) = zip_bomb_mail();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("newsletter", newsletter()),
        ("iso2022jp", iso_2022_jp()),
        ("sjis", shift_jis()),
        ("nested", nested()),
        ("docm", docm_mail()),
        ("bomb", bomb_mail),
        ("unparseable", unparseable()),
    ];
    let count = inputs.len();
    for (name, mail) in inputs {
        swaks(&relay_addr, mail, &mails, name).await;
    }
    let arrived = wait_for(Duration::from_secs(60), || {
        postfix.delivered().len() >= count
    })
    .await;
    assert!(
        arrived,
        "only {} of {count} messages reached the Maildir; Postfix log:\n{}",
        postfix.delivered().len(),
        postfix.log_text()
    );
    let delivered: Vec<Delivered> = postfix.delivered().iter().map(|m| parse(m)).collect();
    let by_id = |id: &str| {
        delivered
            .iter()
            .find(|d| d.raw.contains(&format!("<{id}@internet.example>")))
            .unwrap_or_else(|| panic!("{id} not delivered"))
    };
    // Every message went through Postfix (its own Received line) after mamori's.
    for d in &delivered {
        assert!(d.raw.contains("by lgwan-mta.test (Postfix)"), "{}", d.raw);
    }

    let news = by_id("newsletter");
    news.assert_text_only_with_notice();
    assert!(news.body.contains("11月のお知らせ"));
    assert!(news.body.contains("・新商品のご案内"));
    assert!(
        news.body
            .contains("こちら <hxxps://shop[.]example[.]com/sale?id=7>"),
        "{}",
        news.body
    );
    assert!(!news.body.contains("https://"));
    assert!(!news.body.contains("location="));
    let header = news.sanitized_header();
    assert!(header.contains("html-to-text"), "{header}");
    assert!(header.contains("links-defanged=40"), "{header}");
    assert_eq!(news.content_types, vec!["text/plain"]);

    let jis = by_id("iso2022jp");
    jis.assert_text_only_with_notice();
    assert_eq!(jis.subject, "会議のご案内");
    assert!(
        jis.body.contains("明日の会議は第三会議室です。"),
        "{}",
        jis.body
    );

    let sjis = by_id("sjis");
    sjis.assert_text_only_with_notice();
    assert!(
        sjis.body.contains("表計算ソフトの資料を送ります。"),
        "{}",
        sjis.body
    );

    let nested = by_id("nested");
    nested.assert_text_only_with_notice();
    assert!(nested.body.contains("入れ子の本文です。"));
    assert!(!nested.body.contains("HTMLの本文"));
    assert!(nested.body.contains("setup.exe"), "{}", nested.body);
    assert!(nested.attachments.is_empty(), "the .exe was delivered");
    assert!(nested.sanitized_header().contains("attachment-removed=1"));

    let docm = by_id("docm");
    docm.assert_text_only_with_notice();
    let header = docm.sanitized_header();
    assert!(header.contains("macro-removed=1"), "{header}");
    assert!(docm.body.contains(WORD_TEXT), "{}", docm.body);
    assert_eq!(docm.attachments.len(), 1, "{:?}", docm.content_types);
    assert_eq!(docm.attachments[0].0, "mitsumori.docx");
    let mut docx =
        zip::ZipArchive::new(std::io::Cursor::new(docm.attachments[0].1.clone())).unwrap();
    let names: Vec<String> = docx.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.iter().all(|n| !n.contains("vbaProject")), "{names:?}");
    let mut ct = String::new();
    std::io::Read::read_to_string(&mut docx.by_name("[Content_Types].xml").unwrap(), &mut ct)
        .unwrap();
    assert!(!ct.contains("macroEnabled"), "{ct}");

    // The bomb was kept in the relay's quarantine, not expanded and not delivered.
    let bombed = by_id("bomb");
    bombed.assert_text_only_with_notice();
    assert!(bombed.attachments.is_empty());
    let header = bombed.sanitized_header();
    assert!(header.contains("quarantine-id="), "{header}");
    assert!(bombed.body.contains("shiryou.zip"));
    assert!(bombed.body.contains("隔離ID:"), "{}", bombed.body);
    let quarantined = quarantine_files(&spool);
    assert!(
        quarantined
            .iter()
            .any(|(name, bytes)| name.ends_with("shiryou.zip") && *bytes == bomb),
        "{:?}",
        quarantined.iter().map(|q| &q.0).collect::<Vec<_>>()
    );

    // The unparseable message: quarantined whole; the recipient got a notice instead.
    let notice = delivered
        .iter()
        .find(|d| d.subject.contains("受信メールを隔離しました"))
        .unwrap_or_else(|| panic!("no notice for the unparseable message"));
    assert!(
        notice.body.contains("解析できなかったため"),
        "{}",
        notice.body
    );
    assert!(notice.body.contains("隔離ID:"));
    assert!(notice.raw.contains(&format!("To: <taro@{DOMAIN}>")));
    assert!(
        quarantined
            .iter()
            .any(|(name, bytes)| name.ends_with("message.eml")
                && bytes.windows(40).any(|w| w == &unparseable()[..40])),
        "the original is kept whole"
    );

    // The bomb's recipient asks for the original, a 管理者 approves, and the original arrives in
    // the Maildir through Postfix as received, marked as released.
    let items = store.quarantine_items(10).await.unwrap();
    assert_eq!(
        items.len(),
        2,
        "the bomb and the unparseable message are recorded"
    );
    let item = items
        .iter()
        .find(|i| i.subject == "bomb")
        .expect("the bomb is recorded");
    store
        .request_release(
            item.id,
            "S-TARO",
            &format!("taro@{DOMAIN}"),
            "取引先の資料",
            "web:taro",
            "2026-11-26T01:00:00.000000Z",
        )
        .await
        .unwrap();
    store
        .decide_release(
            item.id,
            true,
            "S-KAN",
            "確認済み",
            "web:kanri",
            "2026-11-26T02:00:00.000000Z",
        )
        .await
        .unwrap();
    let released = wait_for(Duration::from_secs(30), || {
        postfix.delivered().len() > count
    })
    .await;
    assert!(
        released,
        "the approved original did not arrive:\n{}",
        postfix.log_text()
    );
    let original = postfix
        .delivered()
        .into_iter()
        .find(|m| String::from_utf8_lossy(m).contains("X-Mamori-Released:"))
        .expect("the released original");
    let text = String::from_utf8_lossy(&original);
    assert!(text.contains(&format!(
        "X-Mamori-Released: {}; approved-by=S-KAN",
        item.quarantine_id
    )));
    assert!(text.contains("shiryou.zip"));
    assert!(
        !text.contains("X-Mamori-Sanitized"),
        "the original, not the sanitised copy"
    );
    let attached = MessageParser::default()
        .parse(&original)
        .unwrap()
        .attachments()
        .map(|a| a.contents().to_vec())
        .collect::<Vec<_>>();
    assert_eq!(attached, vec![bomb.clone()], "the zip arrives unchanged");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}

/// (file name, bytes) of every original in the spool's quarantine.
fn quarantine_files(spool: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(spool.join("quarantine")).unwrap() {
        for f in std::fs::read_dir(item.unwrap().path()).unwrap() {
            let path = f.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out
}
