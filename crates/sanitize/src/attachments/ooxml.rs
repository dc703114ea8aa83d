//! Office Open XML: macro removal (docm/xlsm/pptm → docx/xlsx/pptx) and text extraction.
//!
//! Removed parts: VBA projects and their signatures, ActiveX controls, OLE objects and other
//! embeddings, external workbook links, ribbon customisations. Relationships pointing at removed
//! parts — and external relationships that fetch or run something (attached templates,
//! OLE links, frames, sub-documents) — are removed from every `.rels`; elements that referenced
//! them are removed from the XML; macro-enabled content types become the ordinary ones.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Write};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};
use zip::write::SimpleFileOptions;

use super::zip::{Budget, Entry, ZipFailure, expand};
use crate::policy::ZipLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    Word,
    Excel,
    PowerPoint,
}

impl App {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            App::Word => "docx",
            App::Excel => "xlsx",
            App::PowerPoint => "pptx",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            App::Word => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            App::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            App::PowerPoint => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
        }
    }
}

#[derive(Debug)]
pub(crate) enum OoxmlFailure {
    Zip(ZipFailure),
    NotOoxml,
    Binary,
    Xml,
}

/// A cleaned document.
pub(crate) struct Cleaned {
    pub bytes: Vec<u8>,
    pub app: App,
    pub macro_removed: bool,
    pub removed_parts: Vec<String>,
    pub text: String,
}

/// Is this part something mamori removes?
fn is_removed_part(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let file = p.rsplit('/').next().unwrap_or(&p);
    file.starts_with("vbaproject")
        || file.starts_with("vbadata")
        || file == "attachedtoolbars.bin"
        || file == "keymapcustomizations.xml"
        || p.contains("/externallinks/")
        || p.contains("/embeddings/")
        || p.contains("/activex/")
        || file.starts_with("oleobject")
        || p.starts_with("customui/")
        || p.starts_with("usercustomization/")
        // The .rels of a removed part (e.g. word/_rels/vbaProject.bin.rels).
        || (p.contains("/_rels/") && is_removed_part(file.trim_end_matches(".rels")))
}

pub(crate) fn is_macro_part(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let file = p.rsplit('/').next().unwrap_or(&p);
    file.starts_with("vbaproject") || file.starts_with("vbadata") || file == "attachedtoolbars.bin"
}

/// External relationship types that load or run something from elsewhere.
fn is_dangerous_external(rel_type: &str) -> bool {
    let t = rel_type
        .rsplit('/')
        .next()
        .unwrap_or(rel_type)
        .to_ascii_lowercase();
    matches!(
        t.as_str(),
        "oleobject"
            | "attachedtemplate"
            | "externallinkpath"
            | "externallink"
            | "frame"
            | "subdocument"
            | "package"
            | "control"
            | "afchunk"
            | "xlexternallinkpath"
    )
}

/// Elements removed from document XML (they refer to removed parts or external content).
const DROPPED_ELEMENTS: [&[u8]; 7] = [
    b"externalReferences",
    b"oleObjects",
    b"controls",
    b"OLEObject",
    b"oleObj",
    b"control",
    b"attachedTemplate",
];

fn plain_content_type(ct: &str) -> Option<&'static str> {
    let l = ct.to_ascii_lowercase();
    Some(match l.as_str() {
        "application/vnd.ms-word.document.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        }
        "application/vnd.ms-word.template.macroenabledtemplate.main+xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
        }
        "application/vnd.ms-excel.sheet.macroenabled.main+xml"
        | "application/vnd.ms-excel.addin.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        }
        "application/vnd.ms-excel.template.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
        }
        "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml"
        | "application/vnd.ms-powerpoint.addin.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
        }
        "application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"
        }
        "application/vnd.ms-powerpoint.template.macroenabled.main+xml" => {
            "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
        }
        _ => return None,
    })
}

/// Does a listing of entry names look like OOXML, and does it carry macros?
pub(crate) fn classify(names: &[String], content_types: Option<&[u8]>) -> Option<bool> {
    if !names.iter().any(|n| n == "[Content_Types].xml") {
        return None;
    }
    let macro_part = names.iter().any(|n| is_macro_part(n));
    let macro_type = content_types.is_some_and(|ct| {
        let lower = String::from_utf8_lossy(ct).to_ascii_lowercase();
        lower.contains("macroenabled") || lower.contains("vbaproject")
    });
    Some(macro_part || macro_type)
}

pub(crate) fn clean(
    bytes: &[u8],
    limits: &ZipLimits,
    budget: &mut Budget,
    max_chars: usize,
) -> Result<Cleaned, OoxmlFailure> {
    let entries = expand(bytes, limits, budget).map_err(OoxmlFailure::Zip)?;
    let names: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    if !names.contains(&"[Content_Types].xml") {
        return Err(OoxmlFailure::NotOoxml);
    }
    let app = if names.contains(&"word/document.xml") {
        App::Word
    } else if names.contains(&"xl/workbook.xml") {
        App::Excel
    } else if names.contains(&"ppt/presentation.xml") {
        App::PowerPoint
    } else if names.contains(&"xl/workbook.bin") {
        return Err(OoxmlFailure::Binary);
    } else {
        return Err(OoxmlFailure::NotOoxml);
    };
    let removed: HashSet<String> = entries
        .iter()
        .filter(|e| is_removed_part(&e.path))
        .map(|e| e.path.clone())
        .collect();
    let macro_removed = entries.iter().any(|e| is_macro_part(&e.path));

    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut seen = HashSet::new();
    for entry in &entries {
        if removed.contains(&entry.path) || !seen.insert(entry.path.clone()) {
            continue;
        }
        let lower = entry.path.to_ascii_lowercase();
        let data: Vec<u8> = if entry.path == "[Content_Types].xml" {
            rewrite_content_types(&entry.bytes, &removed)?
        } else if lower.ends_with(".rels") {
            rewrite_rels(&entry.path, &entry.bytes, &removed)?
        } else if lower.ends_with(".xml")
            && (lower.starts_with("word/") || lower.starts_with("xl/") || lower.starts_with("ppt/"))
        {
            drop_elements(&entry.bytes)?
        } else {
            entry.bytes.clone()
        };
        writer
            .start_file(entry.path.as_str(), options)
            .map_err(|_| OoxmlFailure::Xml)?;
        writer.write_all(&data).map_err(|_| OoxmlFailure::Xml)?;
    }
    let out = writer.finish().map_err(|_| OoxmlFailure::Xml)?.into_inner();
    let text = extract_text(app, &entries, max_chars);
    let mut removed_parts: Vec<String> = removed.into_iter().collect();
    removed_parts.sort();
    Ok(Cleaned {
        bytes: out,
        app,
        macro_removed,
        removed_parts,
        text,
    })
}

fn attr_value(e: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Copy XML events, letting `keep` drop elements (with their content) or rewrite them.
fn filter_xml(
    xml: &[u8],
    mut keep: impl FnMut(&BytesStart<'_>) -> Option<Option<BytesStart<'static>>>,
) -> Result<Vec<u8>, OoxmlFailure> {
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len()));
    let mut skip_depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| OoxmlFailure::Xml)?;
        match event {
            Event::Eof => break,
            Event::Start(ref e) if skip_depth > 0 => {
                let _ = e;
                skip_depth += 1;
            }
            Event::End(_) if skip_depth > 0 => skip_depth -= 1,
            _ if skip_depth > 0 => {}
            Event::Start(e) => match keep(&e) {
                None => skip_depth = 1,
                Some(Some(replaced)) => writer
                    .write_event(Event::Start(replaced))
                    .map_err(|_| OoxmlFailure::Xml)?,
                Some(None) => writer
                    .write_event(Event::Start(e))
                    .map_err(|_| OoxmlFailure::Xml)?,
            },
            Event::Empty(e) => match keep(&e) {
                None => {}
                Some(Some(replaced)) => writer
                    .write_event(Event::Empty(replaced))
                    .map_err(|_| OoxmlFailure::Xml)?,
                Some(None) => writer
                    .write_event(Event::Empty(e))
                    .map_err(|_| OoxmlFailure::Xml)?,
            },
            other => writer.write_event(other).map_err(|_| OoxmlFailure::Xml)?,
        }
    }
    Ok(writer.into_inner())
}

fn rewrite_content_types(xml: &[u8], removed: &HashSet<String>) -> Result<Vec<u8>, OoxmlFailure> {
    filter_xml(xml, |e| {
        let local = e.local_name();
        let ct = attr_value(e, b"ContentType").unwrap_or_default();
        match local.as_ref() {
            b"Override" => {
                let part = attr_value(e, b"PartName").unwrap_or_default();
                if removed.contains(part.trim_start_matches('/')) {
                    return None;
                }
            }
            b"Default" if ct.to_ascii_lowercase().contains("vbaproject") => return None,
            _ => {}
        }
        let Some(plain) = plain_content_type(&ct) else {
            return Some(None);
        };
        // Rebuild the element with the ordinary content type.
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut start = BytesStart::new(name);
        for a in e.attributes().flatten() {
            if a.key.local_name().as_ref() == b"ContentType" {
                start.push_attribute(("ContentType", plain));
            } else {
                start.push_attribute(a);
            }
        }
        Some(Some(start.into_owned()))
    })
}

/// Directory a .rels file's relative targets are resolved against.
fn rels_base(rels_path: &str) -> String {
    // "word/_rels/document.xml.rels" → "word/"; "_rels/.rels" → "".
    match rels_path.rsplit_once("_rels/") {
        Some((dir, _)) => dir.to_string(),
        None => String::new(),
    }
}

fn resolve(base: &str, target: &str) -> String {
    let joined = if let Some(abs) = target.strip_prefix('/') {
        abs.to_string()
    } else {
        format!("{base}{target}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn rewrite_rels(
    path: &str,
    xml: &[u8],
    removed: &HashSet<String>,
) -> Result<Vec<u8>, OoxmlFailure> {
    let base = rels_base(path);
    filter_xml(xml, |e| {
        if e.local_name().as_ref() != b"Relationship" {
            return Some(None);
        }
        let target = attr_value(e, b"Target").unwrap_or_default();
        let rel_type = attr_value(e, b"Type").unwrap_or_default();
        let external =
            attr_value(e, b"TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("External"));
        if external {
            if is_dangerous_external(&rel_type) {
                return None;
            }
            return Some(None);
        }
        let resolved = resolve(&base, &target);
        if removed.contains(&resolved) || is_removed_part(&resolved) {
            return None;
        }
        Some(None)
    })
}

fn drop_elements(xml: &[u8]) -> Result<Vec<u8>, OoxmlFailure> {
    // Most parts contain none of the dropped elements: skip the rewrite (and its cost) then.
    let needle_found = DROPPED_ELEMENTS
        .iter()
        .any(|n| crate::kind::find(xml, n).is_some());
    if !needle_found {
        return Ok(xml.to_vec());
    }
    filter_xml(xml, |e| {
        if DROPPED_ELEMENTS.contains(&e.local_name().as_ref()) {
            None
        } else {
            Some(None)
        }
    })
}

/// Text of the document, bounded by `max_chars`.
fn extract_text(app: App, entries: &[Entry], max_chars: usize) -> String {
    let by_name: HashMap<&str, &[u8]> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.bytes.as_slice()))
        .collect();
    let mut out = Bounded::new(max_chars);
    match app {
        App::Word => {
            for part in [
                "word/document.xml",
                "word/footnotes.xml",
                "word/endnotes.xml",
            ] {
                if let Some(xml) = by_name.get(part) {
                    paragraphs(xml, b"p", &[b"t"], &mut out);
                }
            }
        }
        App::PowerPoint => {
            let mut slides: Vec<(u32, &str)> = by_name
                .keys()
                .filter_map(|n| {
                    let num = n
                        .strip_prefix("ppt/slides/slide")?
                        .strip_suffix(".xml")?
                        .parse()
                        .ok()?;
                    Some((num, *n))
                })
                .collect();
            slides.sort();
            for (num, name) in slides {
                out.push(&format!("【スライド {num}】\n"));
                if let Some(xml) = by_name.get(name) {
                    paragraphs(xml, b"p", &[b"t"], &mut out);
                }
                out.push("\n");
            }
        }
        App::Excel => excel_text(&by_name, &mut out),
    }
    out.finish()
}

struct Bounded {
    text: String,
    max: usize,
    chars: usize,
    full: bool,
}

impl Bounded {
    fn new(max: usize) -> Self {
        Bounded {
            text: String::new(),
            max,
            chars: 0,
            full: false,
        }
    }

    fn push(&mut self, s: &str) {
        if self.full {
            return;
        }
        for c in s.chars() {
            if self.chars >= self.max {
                self.full = true;
                self.text.push_str("\n…（以下省略 / truncated）");
                return;
            }
            self.text.push(c);
            self.chars += 1;
        }
    }

    fn finish(self) -> String {
        self.text.trim().to_string()
    }
}

fn text_of(reader_event: &Event<'_>) -> Option<String> {
    match reader_event {
        Event::Text(t) => t.decode().ok().map(|s| s.into_owned()),
        Event::CData(t) => t.decode().ok().map(|s| s.into_owned()),
        Event::GeneralRef(r) => {
            if let Ok(Some(c)) = r.resolve_char_ref() {
                return Some(c.to_string());
            }
            let name = r.decode().ok()?;
            Some(
                match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }
                .to_string(),
            )
        }
        _ => None,
    }
}

/// Text inside `text_elems`, a newline at the end of each `para` element; tabs and breaks kept.
fn paragraphs(xml: &[u8], para: &[u8], text_elems: &[&[u8]], out: &mut Bounded) {
    let mut reader = Reader::from_reader(xml);
    let mut in_text = 0usize;
    while let Ok(event) = reader.read_event() {
        match &event {
            Event::Eof => break,
            Event::Start(e) if text_elems.contains(&e.local_name().as_ref()) => in_text += 1,
            Event::End(e) if text_elems.contains(&e.local_name().as_ref()) => {
                in_text = in_text.saturating_sub(1)
            }
            Event::End(e) if e.local_name().as_ref() == para => out.push("\n"),
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push("\t"),
                b"br" | b"cr" => out.push("\n"),
                _ => {}
            },
            _ if in_text > 0 => {
                if let Some(t) = text_of(&event) {
                    out.push(&t);
                }
            }
            _ => {}
        }
        if out.full {
            break;
        }
    }
}

fn excel_text(by_name: &HashMap<&str, &[u8]>, out: &mut Bounded) {
    let shared = by_name
        .get("xl/sharedStrings.xml")
        .map(|xml| shared_strings(xml))
        .unwrap_or_default();
    let rels: BTreeMap<String, String> = by_name
        .get("xl/_rels/workbook.xml.rels")
        .map(|xml| relationship_targets(xml))
        .unwrap_or_default();
    let mut sheets = Vec::new();
    if let Some(xml) = by_name.get("xl/workbook.xml") {
        let mut reader = Reader::from_reader(*xml);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(Event::Empty(e) | Event::Start(e)) if e.local_name().as_ref() == b"sheet" => {
                    let name = attr_value(&e, b"name").unwrap_or_default();
                    let id = attr_value(&e, b"id").unwrap_or_default();
                    if let Some(target) = rels.get(&id) {
                        sheets.push((name, resolve("xl/", target)));
                    }
                }
                _ => {}
            }
        }
    }
    for (name, path) in sheets {
        if let Some(xml) = by_name.get(path.as_str()) {
            out.push(&format!("【シート: {name}】\n"));
            sheet_rows(xml, &shared, out);
            out.push("\n");
        }
        if out.full {
            break;
        }
    }
}

fn relationship_targets(xml: &[u8]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut reader = Reader::from_reader(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Empty(e) | Event::Start(e)) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr_value(&e, b"Id"), attr_value(&e, b"Target"))
                {
                    map.insert(id, target);
                }
            }
            _ => {}
        }
    }
    map
}

fn shared_strings(xml: &[u8]) -> Vec<String> {
    let mut items = Vec::new();
    let mut reader = Reader::from_reader(xml);
    let mut current: Option<String> = None;
    let mut in_t = false;
    // Phonetic guides (rPh) repeat the reading in kana: leave them out.
    let mut in_rph = false;
    while let Ok(event) = reader.read_event() {
        match &event {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => current = Some(String::new()),
                b"t" => in_t = true,
                b"rPh" => in_rph = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => items.push(current.take().unwrap_or_default()),
                b"t" => in_t = false,
                b"rPh" => in_rph = false,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => items.push(String::new()),
            _ if in_t && !in_rph => {
                if let (Some(t), Some(cur)) = (text_of(&event), current.as_mut()) {
                    cur.push_str(&t);
                }
            }
            _ => {}
        }
        if items.len() > 1_000_000 {
            break;
        }
    }
    items
}

fn sheet_rows(xml: &[u8], shared: &[String], out: &mut Bounded) {
    let mut reader = Reader::from_reader(xml);
    let mut row: Vec<String> = Vec::new();
    let mut cell_type = String::new();
    let mut value = String::new();
    let mut in_value = false;
    while let Ok(event) = reader.read_event() {
        match &event {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                b"c" => {
                    cell_type = attr_value(e, b"t").unwrap_or_default();
                    value.clear();
                }
                b"v" | b"t" => in_value = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"v" | b"t" => in_value = false,
                b"c" => {
                    let shown = if cell_type == "s" {
                        value
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| shared.get(i).cloned())
                            .unwrap_or_default()
                    } else {
                        value.clone()
                    };
                    row.push(shown);
                }
                b"row" => {
                    while row.last().is_some_and(|c| c.is_empty()) {
                        row.pop();
                    }
                    if !row.is_empty() {
                        out.push(&row.join(" | "));
                        out.push("\n");
                    }
                    row.clear();
                }
                _ => {}
            },
            _ if in_value => {
                if let Some(t) = text_of(&event) {
                    value.push_str(&t);
                }
            }
            _ => {}
        }
        if out.full {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, xml: &str) -> Entry {
        Entry {
            path: path.into(),
            bytes: xml.as_bytes().to_vec(),
        }
    }

    #[test]
    fn relative_targets_resolve_against_the_rels_directory() {
        assert_eq!(rels_base("word/_rels/document.xml.rels"), "word/");
        assert_eq!(rels_base("_rels/.rels"), "");
        assert_eq!(
            resolve("xl/worksheets/", "../drawings/d1.xml"),
            "xl/drawings/d1.xml"
        );
        assert_eq!(
            resolve("word/", "/word/vbaProject.bin"),
            "word/vbaProject.bin"
        );
    }

    #[test]
    fn removed_parts_cover_macros_controls_and_links() {
        for p in [
            "word/vbaProject.bin",
            "xl/vbaProjectSignature.bin",
            "word/_rels/vbaProject.bin.rels",
            "xl/externalLinks/externalLink1.xml",
            "ppt/embeddings/oleObject1.bin",
            "word/activeX/activeX1.bin",
            "customUI/customUI14.xml",
        ] {
            assert!(is_removed_part(p), "{p}");
        }
        for p in [
            "word/document.xml",
            "xl/worksheets/sheet1.xml",
            "ppt/media/image1.png",
        ] {
            assert!(!is_removed_part(p), "{p}");
        }
    }

    #[test]
    fn slides_are_read_in_numeric_order() {
        let entries = vec![
            entry(
                "ppt/slides/slide10.xml",
                "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>十枚目</a:t></a:r></a:p></p:sld>",
            ),
            entry(
                "ppt/slides/slide2.xml",
                "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>二枚目 &amp; 次</a:t></a:r></a:p></p:sld>",
            ),
        ];
        let text = extract_text(App::PowerPoint, &entries, 1000);
        assert_eq!(
            text,
            "【スライド 2】\n二枚目 & 次\n\n【スライド 10】\n十枚目"
        );
    }

    #[test]
    fn extracted_text_is_bounded() {
        let body: String = (0..1000)
            .map(|_| "<w:p><w:r><w:t>あいうえお</w:t></w:r></w:p>")
            .collect();
        let entries = vec![entry(
            "word/document.xml",
            &format!("<w:document xmlns:w=\"w\"><w:body>{body}</w:body></w:document>"),
        )];
        let text = extract_text(App::Word, &entries, 100);
        assert!(text.chars().count() < 130);
        assert!(text.ends_with("（以下省略 / truncated）"));
    }
}
