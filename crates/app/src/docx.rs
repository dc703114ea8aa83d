//! The paragraphs of a Word (.docx) file as lines of text, so a regulation kept in Word can be
//! imported like a text file. Automatic list numbering (Word's numbering definitions) is not
//! expanded: regulations that type 第１条, （１） and ア themselves come through whole.

use std::io::Read;

/// Hard limits so a hostile file cannot exhaust memory.
const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;

pub fn paragraphs(bytes: &[u8]) -> Result<String, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| "word/document.xml がありません".to_string())?;
    let mut xml = String::new();
    entry
        .take(MAX_DOCUMENT_XML)
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"w:t" => in_text = true,
            Ok(quick_xml::events::Event::End(e)) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => out.push('\n'),
                _ => {}
            },
            Ok(quick_xml::events::Event::Empty(e)) => match e.name().as_ref() {
                b"w:tab" => out.push(' '),
                b"w:br" | b"w:cr" => out.push('\n'),
                b"w:p" => out.push('\n'),
                _ => {}
            },
            Ok(quick_xml::events::Event::Text(t)) if in_text => {
                out.push_str(&t.decode().map_err(|e| e.to_string())?);
            }
            // Entities arrive as their own events: &amp; &#x3042; …
            Ok(quick_xml::events::Event::GeneralRef(r)) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => out.push_str(s),
                        None => return Err(format!("unknown entity &{name};")),
                    }
                }
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => return Err(format!("XML: {e}")),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(document_xml: &str) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(document_xml.as_bytes()).unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn paragraphs_runs_tabs_and_entities() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="w"><w:body>
            <w:p><w:r><w:t>（趣旨）</w:t></w:r></w:p>
            <w:p><w:r><w:t>第１条</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">この訓令は、</w:t></w:r><w:r><w:t>A&amp;B を&#x5B9A;める。</w:t></w:r></w:p>
            <w:p/>
        </w:body></w:document>"#;
        assert_eq!(
            paragraphs(&docx(xml)).unwrap(),
            "（趣旨）\n第１条 この訓令は、A&B を定める。\n\n"
        );
        assert!(paragraphs(b"PK\x03\x04 not really").is_err());
        assert!(paragraphs(&docx("<w:document><w:p>")).is_ok());
    }
}
