//! The sanitising policy: what happens to each kind of attachment, archive limits, output charset.
//! Deserialised from TOML (see `policy.example.toml` at the crate root).

use std::collections::BTreeMap;

use mamori_core::Lang;
use serde::{Deserialize, Serialize};

use crate::kind::FileKind;

/// What to do with an attachment of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Drop it; the recipient is told its name and size (the default).
    #[default]
    Remove,
    /// Drop it from the message and hand the original to the caller for the quarantine.
    Quarantine,
    /// Deliver a harmless conversion (text, re-encoded image, macro-free Office file).
    Convert,
}

impl Decision {
    pub fn token(self) -> &'static str {
        match self {
            Decision::Remove => "remove",
            Decision::Quarantine => "quarantine",
            Decision::Convert => "convert",
        }
    }
}

/// Where an attachment goes when conversion was asked for but is impossible
/// (unsupported type, broken file, archive limits exceeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    Remove,
    #[default]
    Quarantine,
}

/// Charset of the sanitised body and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputCharset {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// For old mail clients: ISO-2022-JP, 7bit. Characters outside JIS X 0208 become 〓.
    #[serde(rename = "iso-2022-jp", alias = "iso2022jp", alias = "jis")]
    Iso2022Jp,
}

/// Limits for opening ZIP archives (and OOXML files, which are ZIP archives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZipLimits {
    /// Archives inside archives: 1 = a zip may contain files but no further zip is opened.
    pub max_depth: u32,
    /// Entries in one archive.
    pub max_entries: usize,
    /// Decompressed bytes of one entry.
    pub max_entry_bytes: u64,
    /// Decompressed bytes of everything opened for one message (counted, not trusted from headers).
    pub max_total_bytes: u64,
    /// Decompressed / compressed ratio above which an entry is a bomb (checked past 1 MiB).
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_depth: 2,
            max_entries: 1000,
            max_entry_bytes: 32 * 1024 * 1024,
            max_total_bytes: 128 * 1024 * 1024,
            max_ratio: 100,
        }
    }
}

/// Limits for re-encoding images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageLimits {
    /// Width × height.
    pub max_pixels: u64,
    pub max_width: u32,
    pub max_height: u32,
    /// JPEG quality for re-encoded JPEGs (1–100).
    pub jpeg_quality: u8,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_pixels: 16_000_000,
            max_width: 20_000,
            max_height: 20_000,
            jpeg_quality: 85,
        }
    }
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Charset of the output message.
    pub output_charset: OutputCharset,
    /// Decision for kinds not listed in `types`.
    pub default: Decision,
    /// Decision per kind. Encrypted archives default to quarantine when not listed.
    pub types: BTreeMap<FileKind, Decision>,
    /// Where a failed conversion goes.
    pub on_convert_failure: Fallback,
    /// Append text extracted from converted Office/PDF/HTML attachments to the body.
    pub append_extracted_text: bool,
    /// Characters of extracted text kept per attachment.
    pub max_extracted_chars: usize,
    /// Messages larger than this are not parsed: quarantined whole.
    pub max_message_bytes: usize,
    pub zip: ZipLimits,
    pub image: ImageLimits,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            output_charset: OutputCharset::Utf8,
            default: Decision::Remove,
            types: BTreeMap::new(),
            on_convert_failure: Fallback::Quarantine,
            append_extracted_text: true,
            max_extracted_chars: 100_000,
            max_message_bytes: 64 * 1024 * 1024,
            zip: ZipLimits::default(),
            image: ImageLimits::default(),
        }
    }
}

impl Policy {
    /// The policy from a TOML document.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy =
            toml::from_str(text).map_err(|e| PolicyError::Toml(e.message().to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// A policy that converts whatever can be converted (the commented example file's settings).
    pub fn recommended() -> Policy {
        let mut types = BTreeMap::new();
        for (kind, decision) in [
            (FileKind::Executable, Decision::Remove),
            (FileKind::Script, Decision::Remove),
            (FileKind::Html, Decision::Convert),
            (FileKind::MacroOffice, Decision::Convert),
            (FileKind::LegacyOffice, Decision::Quarantine),
            (FileKind::EncryptedArchive, Decision::Quarantine),
            (FileKind::Archive, Decision::Convert),
            (FileKind::Pdf, Decision::Quarantine),
            (FileKind::Unknown, Decision::Quarantine),
            (FileKind::Message, Decision::Convert),
            (FileKind::Ooxml, Decision::Convert),
            (FileKind::Image, Decision::Convert),
            (FileKind::Text, Decision::Convert),
        ] {
            types.insert(kind, decision);
        }
        Policy {
            types,
            ..Policy::default()
        }
    }

    /// The decision for a kind.
    pub fn decision(&self, kind: FileKind) -> Decision {
        match self.types.get(&kind) {
            Some(d) => *d,
            // PPAP: the issue asks for quarantine with a notice unless the policy says otherwise.
            None if kind == FileKind::EncryptedArchive => Decision::Quarantine,
            None => self.default,
        }
    }

    fn validate(&self) -> Result<(), PolicyError> {
        if self.zip.max_entries == 0 || self.zip.max_entry_bytes == 0 || self.zip.max_ratio == 0 {
            return Err(PolicyError::Invalid(
                "zip limits must be greater than zero".into(),
            ));
        }
        if self.image.jpeg_quality == 0 || self.image.jpeg_quality > 100 {
            return Err(PolicyError::Invalid(
                "image.jpeg_quality must be 1..=100".into(),
            ));
        }
        Ok(())
    }
}

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("policy file is not valid TOML for mamori: {0}")]
    Toml(String),
    #[error("policy value out of range: {0}")]
    Invalid(String),
}

impl PolicyError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PolicyError::Toml(d), Lang::Ja) => {
                format!("無害化ポリシーファイルを読み取れません（TOML の誤り）: {d}")
            }
            (PolicyError::Toml(d), Lang::En) => {
                format!("policy file is not valid TOML for mamori: {d}")
            }
            (PolicyError::Invalid(d), Lang::Ja) => format!("無害化ポリシーの値が不正です: {d}"),
            (PolicyError::Invalid(d), Lang::En) => format!("policy value out of range: {d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_policy_file_parses_and_matches_recommended() {
        let text = include_str!("../policy.example.toml");
        let policy = Policy::from_toml(text).unwrap();
        assert_eq!(policy.decision(FileKind::MacroOffice), Decision::Convert);
        assert_eq!(policy.decision(FileKind::Executable), Decision::Remove);
        assert_eq!(policy.zip.max_depth, 2);
        assert_eq!(policy, Policy::recommended());
    }

    #[test]
    fn defaults_remove_but_quarantine_ppap() {
        let policy = Policy::from_toml("").unwrap();
        assert_eq!(policy.decision(FileKind::Pdf), Decision::Remove);
        assert_eq!(
            policy.decision(FileKind::EncryptedArchive),
            Decision::Quarantine
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        assert!(matches!(
            Policy::from_toml("defualt = \"remove\""),
            Err(PolicyError::Toml(_))
        ));
        assert!(matches!(
            Policy::from_toml("[types]\npdf = \"burn\""),
            Err(PolicyError::Toml(_))
        ));
        let err = Policy::from_toml("[image]\njpeg_quality = 0").unwrap_err();
        assert!(err.message(Lang::Ja).contains("不正"));
    }

    #[test]
    fn iso_2022_jp_output_is_selectable() {
        let p = Policy::from_toml("output_charset = \"iso-2022-jp\"").unwrap();
        assert_eq!(p.output_charset, OutputCharset::Iso2022Jp);
    }
}
