//! What a file is: by its bytes (magic numbers), by its name, by its declared MIME type.
//! When these disagree the most dangerous reading wins (規程: 無害化 must not be fooled by a renamed file).

use serde::{Deserialize, Serialize};

/// The kinds of file the policy decides about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// Programs, libraries, installers, shortcuts, disk images.
    Executable,
    /// Script files (js, vbs, ps1, bat, hta …).
    Script,
    /// HTML / SVG / MHTML: can carry scripts and links.
    Html,
    /// Office Open XML with macros (docm/xlsm/pptm …).
    MacroOffice,
    /// Legacy binary Office (doc/xls/ppt, OLE2) and RTF: may carry macros or OLE exploits.
    LegacyOffice,
    /// A ZIP archive with encrypted entries (PPAP).
    EncryptedArchive,
    /// Archives (zip, and formats mamori does not open: rar, 7z, lzh, gz …).
    Archive,
    /// PDF documents.
    Pdf,
    /// Anything not recognised.
    Unknown,
    /// An attached e-mail (message/rfc822, .eml).
    Message,
    /// Office Open XML without macros (docx/xlsx/pptx).
    Ooxml,
    /// Raster images (PNG, JPEG, GIF, BMP, TIFF, WebP).
    Image,
    /// Plain text (txt, csv …).
    Text,
}

impl FileKind {
    /// Every kind, most dangerous first.
    pub const ALL: [FileKind; 13] = [
        FileKind::Executable,
        FileKind::Script,
        FileKind::Html,
        FileKind::MacroOffice,
        FileKind::LegacyOffice,
        FileKind::EncryptedArchive,
        FileKind::Archive,
        FileKind::Pdf,
        FileKind::Unknown,
        FileKind::Message,
        FileKind::Ooxml,
        FileKind::Image,
        FileKind::Text,
    ];

    /// Higher is more dangerous.
    pub fn danger(self) -> u8 {
        match self {
            FileKind::Executable => 100,
            FileKind::Script => 90,
            FileKind::Html => 80,
            FileKind::MacroOffice => 70,
            FileKind::LegacyOffice => 65,
            FileKind::EncryptedArchive => 62,
            FileKind::Archive => 60,
            FileKind::Pdf => 50,
            FileKind::Unknown => 40,
            FileKind::Message => 35,
            FileKind::Ooxml => 30,
            FileKind::Image => 20,
            FileKind::Text => 10,
        }
    }

    /// ASCII token (used in reports and the policy file).
    pub fn token(self) -> &'static str {
        match self {
            FileKind::Executable => "executable",
            FileKind::Script => "script",
            FileKind::Html => "html",
            FileKind::MacroOffice => "macro-office",
            FileKind::LegacyOffice => "legacy-office",
            FileKind::EncryptedArchive => "encrypted-archive",
            FileKind::Archive => "archive",
            FileKind::Pdf => "pdf",
            FileKind::Unknown => "unknown",
            FileKind::Message => "message",
            FileKind::Ooxml => "ooxml",
            FileKind::Image => "image",
            FileKind::Text => "text",
        }
    }

    /// Short Japanese label for the notice.
    pub fn label_ja(self) -> &'static str {
        match self {
            FileKind::Executable => "実行ファイル",
            FileKind::Script => "スクリプト",
            FileKind::Html => "HTML ファイル",
            FileKind::MacroOffice => "マクロ付き Office 文書",
            FileKind::LegacyOffice => "旧形式 Office 文書",
            FileKind::EncryptedArchive => "暗号化 ZIP",
            FileKind::Archive => "圧縮ファイル",
            FileKind::Pdf => "PDF",
            FileKind::Unknown => "不明な形式のファイル",
            FileKind::Message => "添付メール",
            FileKind::Ooxml => "Office 文書",
            FileKind::Image => "画像",
            FileKind::Text => "テキスト",
        }
    }
}

/// A more precise reading of the bytes, used by the converters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Magic {
    Pe,
    Elf,
    MachO,
    Shebang,
    Lnk,
    Pdf,
    Zip,
    Ole2,
    Rtf,
    Png,
    Jpeg,
    Gif,
    Bmp,
    Tiff,
    Webp,
    OtherArchive,
    Html,
    Text,
    None,
}

pub(crate) fn sniff(bytes: &[u8]) -> Magic {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"MZ") {
        Magic::Pe
    } else if starts(b"\x7fELF") {
        Magic::Elf
    } else if starts(&[0xFE, 0xED, 0xFA, 0xCE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCF])
        || starts(&[0xCE, 0xFA, 0xED, 0xFE])
        || starts(&[0xCF, 0xFA, 0xED, 0xFE])
        || starts(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        Magic::MachO
    } else if starts(b"#!") {
        Magic::Shebang
    } else if starts(&[0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00]) {
        Magic::Lnk
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        Magic::Zip
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Magic::Ole2
    } else if starts(b"{\\rt") {
        Magic::Rtf
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Magic::Png
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Magic::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Magic::Gif
    } else if starts(b"BM") && bytes.len() > 14 && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        Magic::Bmp
    } else if starts(b"II*\x00") || starts(b"MM\x00*") {
        Magic::Tiff
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Magic::Webp
    } else if starts(b"Rar!")
        || starts(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C])
        || starts(&[0x1F, 0x8B])
        || starts(b"MSCF")
        || starts(b"BZh")
        || starts(&[0xFD, b'7', b'z', b'X', b'Z', 0])
        || bytes.get(2..5) == Some(b"-lh")
        || bytes.get(0x8001..0x8006) == Some(b"CD001")
        || bytes.get(257..262) == Some(b"ustar")
    {
        Magic::OtherArchive
    } else if find(head(bytes, 1024), b"%PDF-").is_some() {
        // Readers accept a PDF header anywhere in the first KiB.
        Magic::Pdf
    } else if looks_like_html(bytes) {
        Magic::Html
    } else if looks_like_text(bytes) {
        Magic::Text
    } else {
        Magic::None
    }
}

fn head(bytes: &[u8], n: usize) -> &[u8] {
    &bytes[..bytes.len().min(n)]
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let start = head(bytes, 512);
    let lower: Vec<u8> = start.iter().map(u8::to_ascii_lowercase).collect();
    let trimmed = lower
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(&lower);
    let first = trimmed
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &trimmed[p..]);
    [
        b"<!doctype html".as_slice(),
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<svg",
        b"<iframe",
        b"<?xml-stylesheet",
    ]
    .iter()
    .any(|m| first.starts_with(m))
        || find(&lower, b"<script").is_some()
        || (first.starts_with(b"<?xml") && find(&lower, b"<svg").is_some())
        || find(&lower, b"mime-version:").is_some() && find(&lower, b"text/html").is_some()
}

/// Text in any of the encodings Japanese mail uses: no NUL, few control bytes.
pub(crate) fn looks_like_text(bytes: &[u8]) -> bool {
    let sample = head(bytes, 8192);
    if sample.is_empty() {
        return true;
    }
    let mut control = 0usize;
    for &b in sample {
        match b {
            0 => return false,
            b'\t' | b'\n' | b'\r' | 0x0C | 0x1B => {}
            0x01..=0x1F | 0x7F => control += 1,
            _ => {}
        }
    }
    control * 100 <= sample.len()
}

impl Magic {
    pub(crate) fn kind(self) -> Option<FileKind> {
        Some(match self {
            Magic::Pe | Magic::Elf | Magic::MachO | Magic::Lnk => FileKind::Executable,
            Magic::Shebang => FileKind::Script,
            Magic::Pdf => FileKind::Pdf,
            // Refined by `content_kind` (OOXML / encrypted).
            Magic::Zip | Magic::OtherArchive => FileKind::Archive,
            Magic::Ole2 | Magic::Rtf => FileKind::LegacyOffice,
            Magic::Png | Magic::Jpeg | Magic::Gif | Magic::Bmp | Magic::Tiff | Magic::Webp => {
                FileKind::Image
            }
            Magic::Html => FileKind::Html,
            Magic::Text => FileKind::Text,
            Magic::None => return None,
        })
    }
}

/// The kind implied by a file name's extension. `None` when the name says nothing.
pub fn kind_from_name(name: &str) -> Option<FileKind> {
    // Windows ignores trailing dots and spaces: "a.exe. " runs as a.exe.
    let trimmed = name.trim_end_matches(['.', ' ', '\u{3000}']);
    let ext = trimmed.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "exe" | "dll" | "scr" | "com" | "pif" | "cpl" | "msi" | "msp" | "msc" | "jar" | "app"
        | "lnk" | "iso" | "img" | "vhd" | "vhdx" | "appx" | "msix" | "apk" | "dmg" | "sys"
        | "ocx" | "gadget" | "application" | "xll" | "one" | "library-ms" | "settingcontent-ms" => {
            FileKind::Executable
        }
        "js" | "jse" | "vbs" | "vbe" | "wsf" | "wsh" | "wsc" | "hta" | "ps1" | "psm1" | "bat"
        | "cmd" | "sh" | "reg" | "scf" | "url" | "inf" | "chm" | "py" | "pl" | "rb" | "vb"
        | "sct" | "xbap" | "iqy" | "slk" | "ws" => FileKind::Script,
        "htm" | "html" | "xhtml" | "shtml" | "svg" | "svgz" | "mht" | "mhtml" | "xht" => {
            FileKind::Html
        }
        "docm" | "dotm" | "xlsm" | "xltm" | "xlam" | "xlsb" | "pptm" | "potm" | "ppsm" | "ppam"
        | "sldm" => FileKind::MacroOffice,
        "doc" | "dot" | "xls" | "xlt" | "xla" | "ppt" | "pot" | "pps" | "rtf" | "wbk" => {
            FileKind::LegacyOffice
        }
        "zip" | "rar" | "7z" | "gz" | "tgz" | "tar" | "lzh" | "lha" | "cab" | "bz2" | "xz"
        | "zipx" | "arj" | "ace" => FileKind::Archive,
        "pdf" => FileKind::Pdf,
        "eml" | "msg" => FileKind::Message,
        "docx" | "dotx" | "xlsx" | "xltx" | "pptx" | "potx" | "ppsx" => FileKind::Ooxml,
        "png" | "jpg" | "jpeg" | "jpe" | "jfif" | "gif" | "bmp" | "tif" | "tiff" | "webp" => {
            FileKind::Image
        }
        "txt" | "csv" | "tsv" | "log" | "md" | "text" | "ics" | "vcf" => FileKind::Text,
        _ => FileKind::Unknown,
    })
}

/// The kind implied by a declared MIME type. `None` for types that say nothing
/// (application/octet-stream and friends).
pub fn kind_from_mime(mime: &str) -> Option<FileKind> {
    let mime = mime.trim().to_ascii_lowercase();
    let (top, sub) = mime.split_once('/').unwrap_or((mime.as_str(), ""));
    Some(match (top, sub) {
        (_, "octet-stream" | "unknown" | "binary" | "x-unknown") | ("", _) => return None,
        (
            "application",
            "x-msdownload"
            | "x-dosexec"
            | "x-executable"
            | "x-msdos-program"
            | "x-msi"
            | "x-ms-installer"
            | "java-archive"
            | "x-ms-shortcut"
            | "x-iso9660-image"
            | "vnd.microsoft.portable-executable"
            | "x-elf"
            | "x-mach-binary",
        ) => FileKind::Executable,
        (
            "application" | "text",
            "javascript" | "x-javascript" | "ecmascript" | "vbscript" | "x-vbscript" | "x-sh"
            | "x-shellscript" | "x-bat" | "x-msdos-batch" | "hta" | "x-powershell" | "x-python",
        ) => FileKind::Script,
        ("text", "html" | "xml-html") | ("image", "svg+xml") | ("application", "xhtml+xml") => {
            FileKind::Html
        }
        ("message", "rfc822" | "global") => FileKind::Message,
        ("application", "pdf" | "x-pdf") => FileKind::Pdf,
        ("application", s) if s.contains("macroenabled") || s.contains("vba") => {
            FileKind::MacroOffice
        }
        ("application", s) if s.starts_with("vnd.openxmlformats-officedocument") => FileKind::Ooxml,
        (
            "application",
            "msword" | "vnd.ms-excel" | "vnd.ms-powerpoint" | "rtf" | "x-rtf" | "vnd.ms-office",
        )
        | ("text", "rtf") => FileKind::LegacyOffice,
        (
            "application",
            "zip"
            | "x-zip-compressed"
            | "x-zip"
            | "x-rar-compressed"
            | "vnd.rar"
            | "x-7z-compressed"
            | "gzip"
            | "x-gzip"
            | "x-tar"
            | "x-lzh"
            | "x-lzh-compressed"
            | "vnd.ms-cab-compressed"
            | "x-bzip2",
        ) => FileKind::Archive,
        ("image", _) => FileKind::Image,
        ("text", _) => FileKind::Text,
        _ => FileKind::Unknown,
    })
}

/// The most dangerous of the readings that say something.
pub fn most_dangerous(kinds: &[Option<FileKind>]) -> FileKind {
    kinds
        .iter()
        .flatten()
        .copied()
        .max_by_key(|k| k.danger())
        .unwrap_or(FileKind::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exe_renamed_pdf_is_executable() {
        let content = sniff(b"MZ\x90\x00\x03\x00\x00\x00").kind();
        let by_name = kind_from_name("請求書.pdf");
        let by_type = kind_from_mime("application/pdf");
        assert_eq!(by_name, Some(FileKind::Pdf));
        assert_eq!(
            most_dangerous(&[content, by_name, by_type]),
            FileKind::Executable
        );
    }

    #[test]
    fn names_with_trailing_dots_are_read_like_windows() {
        assert_eq!(kind_from_name("a.exe. "), Some(FileKind::Executable));
        assert_eq!(kind_from_name("noext"), None);
        assert_eq!(kind_from_name("見積書.XLSM"), Some(FileKind::MacroOffice));
    }

    #[test]
    fn octet_stream_says_nothing() {
        assert_eq!(kind_from_mime("application/octet-stream"), None);
        assert_eq!(kind_from_mime("text/html"), Some(FileKind::Html));
    }

    #[test]
    fn text_sniffing_accepts_japanese_encodings_and_rejects_nul() {
        assert_eq!(sniff("こんにちは".as_bytes()), Magic::Text);
        assert_eq!(sniff(b"\x1b$B$3$s\x1b(B"), Magic::Text);
        assert_eq!(sniff(b"abc\x00def"), Magic::None);
        assert_eq!(sniff(b"  <html><body>x"), Magic::Html);
    }
}
