//! Opening ZIP archives within limits. Sizes in headers are checked first (cheap rejection) and the
//! decompressed bytes are counted while reading (headers can lie), with a hard cap per entry and a
//! budget for the whole message, so no bomb can exhaust memory or time.

use std::io::{Cursor, Read};

use encoding_rs::SHIFT_JIS;

use crate::policy::ZipLimits;

/// A file taken out of an archive.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Path inside the archive ('/' separated), decoded (UTF-8 or CP932 names).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Why an archive was not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ZipFailure {
    Broken,
    Encrypted,
    TooDeep,
    TooManyEntries(usize),
    EntryTooLarge,
    TotalTooLarge,
    RatioTooHigh,
}

impl ZipFailure {
    /// Limit breaches (a bomb, or an attempt at one), as opposed to a merely unreadable archive.
    pub(crate) fn is_limit(&self) -> bool {
        !matches!(self, ZipFailure::Broken | ZipFailure::Encrypted)
    }

    pub(crate) fn text(&self) -> mamori_core::Text {
        let (ja, en) = match self {
            ZipFailure::Broken => ("ZIP として読み取れない", "the archive cannot be read"),
            ZipFailure::Encrypted => (
                "パスワード付き（暗号化）ZIP で中身を検査できない",
                "the archive is encrypted and cannot be inspected",
            ),
            ZipFailure::TooDeep => (
                "圧縮ファイルの入れ子が深すぎる（zip bomb の疑い）",
                "archives are nested too deeply (suspected zip bomb)",
            ),
            ZipFailure::TooManyEntries(_) => (
                "圧縮ファイル内のファイル数が上限を超える",
                "the archive has too many entries",
            ),
            ZipFailure::EntryTooLarge => (
                "展開後のサイズが上限を超える（zip bomb の疑い）",
                "an entry expands beyond the size limit (suspected zip bomb)",
            ),
            ZipFailure::TotalTooLarge => (
                "展開後の合計サイズが上限を超える（zip bomb の疑い）",
                "the archive expands beyond the total size limit (suspected zip bomb)",
            ),
            ZipFailure::RatioTooHigh => (
                "圧縮率が異常に高い（zip bomb の疑い）",
                "the compression ratio is abnormally high (suspected zip bomb)",
            ),
        };
        mamori_core::Text::new(ja, en)
    }
}

/// The decompressed-byte budget shared by everything opened for one message.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    pub used: u64,
}

const RATIO_CHECK_AFTER: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Decode an entry name: UTF-8 when valid, else CP932 (what Japanese Windows writes).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => SHIFT_JIS.decode_without_bom_handling(raw).0.into_owned(),
    }
}

/// Quick look without decompressing: entry names and whether any entry is encrypted.
pub(crate) struct Listing {
    pub names: Vec<String>,
    pub encrypted: bool,
}

pub(crate) fn list(bytes: &[u8], limits: &ZipLimits) -> Result<Listing, ZipFailure> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ZipFailure::Broken)?;
    if archive.len() > limits.max_entries {
        return Err(ZipFailure::TooManyEntries(archive.len()));
    }
    let mut names = Vec::with_capacity(archive.len());
    let mut encrypted = false;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|_| ZipFailure::Broken)?;
        encrypted |= entry.encrypted();
        names.push(entry_name(entry.name_raw()));
    }
    Ok(Listing { names, encrypted })
}

/// Read one entry by exact name (for small control files like `[Content_Types].xml`).
pub(crate) fn read_named(
    bytes: &[u8],
    name: &str,
    max: u64,
) -> Result<Option<Vec<u8>>, ZipFailure> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ZipFailure::Broken)?;
    let Some(index) = archive.index_for_name(name) else {
        return Ok(None);
    };
    let entry = archive.by_index(index).map_err(|_| ZipFailure::Broken)?;
    let mut out = Vec::new();
    entry
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|_| ZipFailure::Broken)?;
    if out.len() as u64 > max {
        return Err(ZipFailure::EntryTooLarge);
    }
    Ok(Some(out))
}

/// Every file in the archive, decompressed within limits.
pub(crate) fn expand(
    bytes: &[u8],
    limits: &ZipLimits,
    budget: &mut Budget,
) -> Result<Vec<Entry>, ZipFailure> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ZipFailure::Broken)?;
    if archive.len() > limits.max_entries {
        return Err(ZipFailure::TooManyEntries(archive.len()));
    }
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let (name, declared, compressed, encrypted, is_dir) = {
            let data = archive.by_index_data(i).map_err(|_| ZipFailure::Broken)?;
            (
                entry_name(data.name_raw()),
                data.size(),
                data.compressed_size(),
                data.encrypted(),
                data.is_dir(),
            )
        };
        if encrypted {
            return Err(ZipFailure::Encrypted);
        }
        if is_dir {
            continue;
        }
        if declared > limits.max_entry_bytes {
            return Err(ZipFailure::EntryTooLarge);
        }
        if budget.used.saturating_add(declared) > limits.max_total_bytes {
            return Err(ZipFailure::TotalTooLarge);
        }
        let entry = archive.by_index(i).map_err(|_| ZipFailure::Broken)?;
        let data = read_capped(entry, compressed, limits, budget)?;
        entries.push(Entry {
            path: name,
            bytes: data,
        });
    }
    Ok(entries)
}

fn read_capped(
    mut reader: impl Read,
    compressed: u64,
    limits: &ZipLimits,
    budget: &mut Budget,
) -> Result<Vec<u8>, ZipFailure> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = reader.read(&mut chunk).map_err(|_| ZipFailure::Broken)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
        budget.used = budget.used.saturating_add(n as u64);
        let got = out.len() as u64;
        if got > limits.max_entry_bytes {
            return Err(ZipFailure::EntryTooLarge);
        }
        if budget.used > limits.max_total_bytes {
            return Err(ZipFailure::TotalTooLarge);
        }
        if got > RATIO_CHECK_AFTER && got / compressed.max(1) > limits.max_ratio {
            return Err(ZipFailure::RatioTooHigh);
        }
    }
    Ok(out)
}
