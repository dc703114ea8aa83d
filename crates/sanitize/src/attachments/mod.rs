//! Attachments: classify each (content vs name vs declared type, the most dangerous wins), then
//! remove, quarantine or convert it as the policy says.

mod image;
pub(crate) mod ooxml;
mod pdf;
pub(crate) mod zip;

use mamori_core::Text;

use self::zip::{Budget, ZipFailure};
use crate::QuarantineItem;
use crate::charset::decode_guess;
use crate::defang::defang_links;
use crate::html::html_to_text;
use crate::kind::{FileKind, Magic, kind_from_mime, kind_from_name, most_dangerous, sniff};
use crate::mime::{Candidate, clean_name};
use crate::policy::{Decision, Fallback, Policy};
use crate::report::{AttachmentReport, AttachmentResult};

/// A harmless file delivered to the recipient.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Text appended to the body (extracted from a converted attachment).
#[derive(Debug, Clone)]
pub(crate) struct Appendix {
    pub title: String,
    pub text: String,
}

pub(crate) struct Processor<'p> {
    policy: &'p Policy,
    pub budget: Budget,
    pub delivered: Vec<Delivered>,
    pub appendix: Vec<Appendix>,
    pub quarantined: Vec<QuarantineItem>,
    pub reports: Vec<AttachmentReport>,
    /// First archive limit breached while converting (the whole archive then fails).
    limit_hit: Option<ZipFailure>,
}

/// The outcome of a conversion attempt.
struct Converted {
    delivered: Vec<Delivered>,
    appendix: Option<Appendix>,
    reason: Text,
    macro_removed: bool,
    image_reencoded: bool,
}

impl<'p> Processor<'p> {
    pub(crate) fn new(policy: &'p Policy) -> Self {
        Processor {
            policy,
            budget: Budget::default(),
            delivered: Vec::new(),
            appendix: Vec::new(),
            quarantined: Vec::new(),
            reports: Vec::new(),
            limit_hit: None,
        }
    }

    pub(crate) fn process(&mut self, c: &Candidate, path: &str, depth: u32) {
        let magic = sniff(&c.bytes);
        let by_content = self.content_kind(magic, &c.bytes);
        let by_name = kind_from_name(&c.name);
        let by_type = c.declared_type.as_deref().and_then(|t| {
            // Windows declares CSV as an Excel type; the name and content decide then.
            if t == "application/vnd.ms-excel" && by_name == Some(FileKind::Text) {
                None
            } else {
                kind_from_mime(t)
            }
        });
        let mut kind = most_dangerous(&[by_content, by_name, by_type]);
        if c.encoding_problem && kind.danger() < FileKind::Unknown.danger() {
            // A broken transfer encoding: the bytes are not what the sender meant.
            kind = FileKind::Unknown;
        }
        let decision = self.policy.decision(kind);
        let readings: Vec<FileKind> = [by_content, by_name, by_type]
            .into_iter()
            .flatten()
            .collect();
        let mismatch = readings.iter().any(|k| !compatible(*k, kind));
        let mut report = AttachmentReport {
            name: c.name.clone(),
            path: path.to_string(),
            size: c.bytes.len() as u64,
            declared_type: c.declared_type.clone(),
            kind_by_content: by_content,
            kind_by_name: by_name,
            kind_by_type: by_type,
            kind,
            decision,
            result: AttachmentResult::Removed,
            reason: Text::new("", ""),
            converted_name: None,
            converted_type: None,
            quarantine_index: None,
            macro_removed: false,
            image_reencoded: false,
            text_extracted: false,
        };
        let why = kind_reason(kind, mismatch, by_content, by_name.or(by_type));
        match decision {
            Decision::Remove => {
                report.reason = join(&why, &Text::new("削除しました", "removed"));
            }
            Decision::Quarantine => {
                report.reason = join(&why, &Text::new("隔離しました", "quarantined"));
                self.quarantine(c, path, &mut report);
            }
            Decision::Convert => match self.convert(c, kind, magic, path, depth) {
                Ok(mut done) => {
                    // One name for the headers and the report: characters a quoted header
                    // parameter cannot carry become '_' here, not differently per header.
                    for d in &mut done.delivered {
                        d.name = deliverable_name(&d.name);
                    }
                    report.result = AttachmentResult::Converted;
                    report.reason = done.reason;
                    report.macro_removed = done.macro_removed;
                    report.image_reencoded = done.image_reencoded;
                    report.text_extracted = done.appendix.is_some();
                    if let Some(first) = done.delivered.first() {
                        report.converted_name = Some(first.name.clone());
                        report.converted_type = Some(first.content_type.clone());
                    }
                    self.delivered.extend(done.delivered);
                    if let Some(a) = done.appendix
                        && self.policy.append_extracted_text
                    {
                        self.appendix.push(a);
                    }
                }
                Err(failure) => {
                    // Failure texts are clauses: "…読み取れない" + "ため、" + "隔離しました".
                    let what = Text::new(
                        format!("{}ため、", failure.ja),
                        format!("{}; not converted", failure.en),
                    );
                    match self.policy.on_convert_failure {
                        Fallback::Quarantine => {
                            report.reason = join(&what, &Text::new("隔離しました", "quarantined"));
                            self.quarantine(c, path, &mut report);
                        }
                        Fallback::Remove => {
                            report.reason = join(&what, &Text::new("削除しました", "removed"));
                        }
                    }
                }
            },
        }
        self.reports.push(report);
    }

    fn quarantine(&mut self, c: &Candidate, path: &str, report: &mut AttachmentReport) {
        report.result = AttachmentResult::Quarantined;
        report.quarantine_index = Some(self.quarantined.len());
        self.quarantined.push(QuarantineItem {
            name: path.to_string(),
            content_type: c
                .declared_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes: c.bytes.clone(),
            reason: report.reason.clone(),
        });
    }

    /// The kind read from the bytes; ZIP archives are looked into (OOXML, macros, encryption, jar).
    fn content_kind(&self, magic: Magic, bytes: &[u8]) -> Option<FileKind> {
        if magic != Magic::Zip {
            return magic.kind();
        }
        let listing = match zip::list(bytes, &self.policy.zip) {
            Ok(l) => l,
            Err(_) => return Some(FileKind::Archive),
        };
        if listing.encrypted {
            return Some(FileKind::EncryptedArchive);
        }
        if listing.names.iter().any(|n| n == "META-INF/MANIFEST.MF")
            && listing.names.iter().any(|n| n.ends_with(".class"))
        {
            return Some(FileKind::Executable);
        }
        let content_types = zip::read_named(bytes, "[Content_Types].xml", 1024 * 1024)
            .ok()
            .flatten();
        match ooxml::classify(&listing.names, content_types.as_deref()) {
            Some(true) => Some(FileKind::MacroOffice),
            Some(false) => Some(FileKind::Ooxml),
            None => Some(FileKind::Archive),
        }
    }

    fn convert(
        &mut self,
        c: &Candidate,
        kind: FileKind,
        magic: Magic,
        path: &str,
        depth: u32,
    ) -> Result<Converted, Text> {
        match kind {
            FileKind::Text => {
                let text = decode_guess(&c.bytes, c.charset.as_deref());
                let (text, _) = defang_links(&text);
                let name = with_extension_if_missing(
                    &c.name,
                    &["txt", "csv", "tsv", "log", "md", "text"],
                    "txt",
                );
                Ok(Converted {
                    delivered: vec![Delivered {
                        name: name.clone(),
                        content_type: "text/plain; charset=UTF-8".into(),
                        bytes: text.into_bytes(),
                    }],
                    appendix: None,
                    reason: Text::new(
                        format!("テキストとして {name} を添付しました"),
                        format!("attached as UTF-8 text {name}"),
                    ),
                    macro_removed: false,
                    image_reencoded: false,
                })
            }
            FileKind::Html => {
                let html = decode_guess(&c.bytes, c.charset.as_deref());
                let (text, _) = defang_links(&html_to_text(&html));
                let name = format!("{}.txt", c.name);
                Ok(Converted {
                    delivered: vec![Delivered {
                        name: name.clone(),
                        content_type: "text/plain; charset=UTF-8".into(),
                        bytes: text.into_bytes(),
                    }],
                    appendix: None,
                    reason: Text::new(
                        format!("HTML をテキストに変換し {name} として添付しました"),
                        format!("HTML converted to text, attached as {name}"),
                    ),
                    macro_removed: false,
                    image_reencoded: false,
                })
            }
            FileKind::Image => {
                let done = image::reencode(&c.bytes, &self.policy.image).map_err(|e| {
                    Text::new(
                        "画像として読み取れないか、PNG/JPEG 以外で作り直せない",
                        format!("image cannot be re-encoded ({e})"),
                    )
                })?;
                let name = replace_extension(&c.name, done.extension);
                Ok(Converted {
                    delivered: vec![Delivered {
                        name: name.clone(),
                        content_type: done.content_type.into(),
                        bytes: done.bytes,
                    }],
                    appendix: None,
                    reason: Text::new(
                        "画像を作り直し、付加情報（撮影位置など）を削除して添付しました",
                        "image re-encoded without metadata",
                    ),
                    macro_removed: false,
                    image_reencoded: true,
                })
            }
            FileKind::Ooxml | FileKind::MacroOffice => {
                let cleaned = ooxml::clean(
                    &c.bytes,
                    &self.policy.zip,
                    &mut self.budget,
                    self.policy.max_extracted_chars,
                )
                .map_err(|f| match f {
                    ooxml::OoxmlFailure::Zip(z) => {
                        if z.is_limit() {
                            self.limit_hit.get_or_insert(z.clone());
                        }
                        z.text()
                    }
                    ooxml::OoxmlFailure::Binary => Text::new(
                        "バイナリ形式のブック（xlsb）は処理できない",
                        "binary workbooks (xlsb) cannot be cleaned",
                    ),
                    _ => Text::new(
                        "Office 文書として読み取れない",
                        "not a readable Office Open XML document",
                    ),
                })?;
                let name = replace_extension(&c.name, cleaned.app.extension());
                let others = cleaned
                    .removed_parts
                    .iter()
                    .any(|p| !ooxml::is_macro_part(p));
                let removed_ja = match (cleaned.macro_removed, others) {
                    (true, true) => Some("マクロと埋め込みオブジェクト等"),
                    (true, false) => Some("マクロ"),
                    (false, true) => Some("埋め込みオブジェクト・外部リンク等"),
                    (false, false) => None,
                };
                let (ja, en) = match removed_ja {
                    Some(what) => (
                        format!("{what}を除去し、{name} として添付しました"),
                        format!(
                            "removed {}; attached as {name}",
                            cleaned.removed_parts.join(", ")
                        ),
                    ),
                    None => (
                        format!("内容を確認し、{name} として添付しました"),
                        format!("checked and attached as {name}"),
                    ),
                };
                let appendix = (!cleaned.text.is_empty()).then(|| Appendix {
                    title: name.clone(),
                    text: cleaned.text.clone(),
                });
                Ok(Converted {
                    delivered: vec![Delivered {
                        name,
                        content_type: cleaned.app.content_type().into(),
                        bytes: cleaned.bytes,
                    }],
                    appendix,
                    reason: Text::new(ja, en),
                    macro_removed: cleaned.macro_removed,
                    image_reencoded: false,
                })
            }
            FileKind::Archive if magic == Magic::Zip => self.convert_zip(c, path, depth),
            FileKind::Message => self.convert_message(c, path, depth),
            FileKind::Archive => Err(Text::new(
                "ZIP 以外の圧縮形式は開けない",
                "only ZIP archives can be opened",
            )),
            FileKind::Pdf => {
                let text = pdf::extract_text(&c.bytes, &self.policy.zip)?;
                Ok(Converted {
                    delivered: Vec::new(),
                    appendix: Some(Appendix {
                        title: c.name.clone(),
                        text: truncate_chars(&text, self.policy.max_extracted_chars),
                    }),
                    reason: Text::new(
                        "文字を取り出して本文の末尾に追加しました（PDF ファイルは添付していません）",
                        "its text was appended to the body (the PDF file itself is not attached)",
                    ),
                    macro_removed: false,
                    image_reencoded: false,
                })
            }
            FileKind::EncryptedArchive => Err(ZipFailure::Encrypted.text()),
            _ => Err(Text::new(
                format!("{}は変換できない", kind.label_ja()),
                format!("{} files cannot be converted", kind.token()),
            )),
        }
    }

    /// An attached e-mail: its body becomes text appended to the outer body, its attachments
    /// are decided one by one like the outer message's.
    fn convert_message(
        &mut self,
        c: &Candidate,
        path: &str,
        depth: u32,
    ) -> Result<Converted, Text> {
        if depth >= MAX_MESSAGE_DEPTH {
            return Err(Text::new(
                "添付メールの入れ子が深すぎる",
                "attached messages are nested too deeply",
            ));
        }
        let inner =
            crate::mime::extract(&c.bytes, crate::policy::OutputCharset::Utf8).map_err(|_| {
                Text::new(
                    "メールとして解析できない",
                    "the attached message cannot be parsed",
                )
            })?;
        let mut text = String::new();
        for (label, value) in [
            ("差出人", inner.from_display.as_deref()),
            ("日時", inner.date_display.as_deref()),
            ("件名", inner.subject.as_deref()),
        ] {
            if let Some(v) = value {
                text.push_str(&format!("{label}: {v}\n"));
            }
        }
        text.push('\n');
        for b in &inner.body {
            text.push_str(b.text.trim_end());
            text.push('\n');
        }
        let count = inner.attachments.len();
        for a in &inner.attachments {
            self.process(a, &format!("{path}/{}", a.name), depth + 1);
        }
        let mut reason = Text::new(
            "本文をテキストにして末尾に追加しました",
            "its body was appended as text",
        );
        if count > 0 {
            reason = Text::new(
                format!(
                    "本文をテキストにして末尾に追加し、添付ファイル {count} 個をそれぞれ処理しました"
                ),
                format!(
                    "its body was appended as text and its {count} attachments handled one by one"
                ),
            );
        }
        Ok(Converted {
            delivered: Vec::new(),
            appendix: Some(Appendix {
                title: c.name.clone(),
                text: truncate_chars(&text, self.policy.max_extracted_chars),
            }),
            reason,
            macro_removed: false,
            image_reencoded: false,
        })
    }

    /// Open a ZIP and decide each file in it on its own; any limit breached anywhere inside
    /// fails the whole archive, so a bomb never delivers a partial result.
    fn convert_zip(&mut self, c: &Candidate, path: &str, depth: u32) -> Result<Converted, Text> {
        if depth >= self.policy.zip.max_depth {
            self.limit_hit.get_or_insert(ZipFailure::TooDeep);
            return Err(ZipFailure::TooDeep.text());
        }
        let entries = zip::expand(&c.bytes, &self.policy.zip, &mut self.budget).map_err(|f| {
            if f.is_limit() {
                self.limit_hit.get_or_insert(f.clone());
            }
            f.text()
        })?;
        let mut inner = Processor::new(self.policy);
        inner.budget = std::mem::take(&mut self.budget);
        let count = entries.len();
        for entry in entries {
            let child = Candidate {
                name: clean_name(&entry.path),
                declared_type: None,
                charset: None,
                bytes: entry.bytes,
                encoding_problem: false,
            };
            inner.process(&child, &format!("{path}/{}", entry.path), depth + 1);
            if inner.limit_hit.is_some() {
                break;
            }
        }
        self.budget = std::mem::take(&mut inner.budget);
        if let Some(f) = inner.limit_hit {
            let text = f.text();
            self.limit_hit.get_or_insert(f);
            return Err(text);
        }
        let offset = self.quarantined.len();
        for mut r in inner.reports {
            r.quarantine_index = r.quarantine_index.map(|i| i + offset);
            self.reports.push(r);
        }
        self.quarantined.extend(inner.quarantined);
        self.appendix.extend(inner.appendix);
        self.delivered.extend(inner.delivered);
        Ok(Converted {
            delivered: Vec::new(),
            appendix: None,
            reason: Text::new(
                format!("展開し、中の {count} 個のファイルをそれぞれ処理しました"),
                format!("opened; its {count} files were handled one by one"),
            ),
            macro_removed: false,
            image_reencoded: false,
        })
    }
}

/// Attached messages inside attached messages inside … stop here.
const MAX_MESSAGE_DEPTH: u32 = 3;

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}\n…（以下省略 / truncated）", &s[..i]),
        None => s.to_string(),
    }
}

fn join(a: &Text, b: &Text) -> Text {
    if a.ja.is_empty() {
        return b.clone();
    }
    Text::new(format!("{}{}", a.ja, b.ja), format!("{}; {}", a.en, b.en))
}

/// Why a kind is treated the way it is ("実行ファイルのため").
fn kind_reason(
    kind: FileKind,
    mismatch: bool,
    by_content: Option<FileKind>,
    claimed: Option<FileKind>,
) -> Text {
    if mismatch {
        let content = by_content.unwrap_or(FileKind::Unknown);
        let claimed = claimed.unwrap_or(FileKind::Unknown);
        return Text::new(
            format!(
                "名前・種類（{}）と中身（{}）が一致しないため、より危険な{}として扱い、",
                claimed.label_ja(),
                content.label_ja(),
                kind.label_ja()
            ),
            format!(
                "name/type ({}) does not match the content ({}); treated as the more dangerous {}",
                claimed.token(),
                content.token(),
                kind.token()
            ),
        );
    }
    Text::new(
        format!("{}のため", kind.label_ja()),
        format!("{} file", kind.token()),
    )
}

/// Readings that refine each other rather than contradict (an encrypted zip named .zip,
/// a macro document named .docx, anything against "unknown").
fn compatible(a: FileKind, b: FileKind) -> bool {
    use FileKind::*;
    a == b
        || matches!(
            (a, b),
            (Archive, EncryptedArchive)
                | (EncryptedArchive, Archive)
                | (Ooxml, MacroOffice)
                | (MacroOffice, Ooxml)
                | (Unknown, _)
                | (_, Unknown)
                | (Text, Message)
                | (Message, Text)
        )
}

fn replace_extension(name: &str, ext: &str) -> String {
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    format!("{stem}.{ext}")
}

fn with_extension_if_missing(name: &str, allowed: &[&str], ext: &str) -> String {
    let has = name
        .rsplit_once('.')
        .is_some_and(|(_, e)| allowed.contains(&e.to_ascii_lowercase().as_str()));
    if has {
        name.to_string()
    } else {
        format!("{name}.{ext}")
    }
}

/// A delivered file's name without quotes, backslashes or control characters.
fn deliverable_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}
