//! The report: what was done, in machine-readable form (serde) with Japanese and English reasons.

use mamori_core::Text;
use serde::Serialize;

use crate::kind::FileKind;
use crate::policy::Decision;

/// Whether the message was delivered sanitised or replaced by a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Sanitized,
    /// Not parseable (or too large, or an internal fault): quarantined whole, a notice delivered.
    QuarantinedWhole,
}

/// Where the delivered body text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodySource {
    Text,
    Html,
    None,
}

/// What happened to one attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentResult {
    Removed,
    Quarantined,
    Converted,
}

/// One attachment (or one file inside an archive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentReport {
    /// File name as the sender gave it.
    pub name: String,
    /// `name` or `archive.zip/dir/name` for files inside archives.
    pub path: String,
    pub size: u64,
    pub declared_type: Option<String>,
    pub kind_by_content: Option<FileKind>,
    pub kind_by_name: Option<FileKind>,
    pub kind_by_type: Option<FileKind>,
    /// The most dangerous of the three: what the policy was applied to.
    pub kind: FileKind,
    /// The policy's decision for `kind`.
    pub decision: Decision,
    /// What actually happened (a failed conversion falls back to remove or quarantine).
    pub result: AttachmentResult,
    pub reason: Text,
    /// Name and type of the delivered conversion.
    pub converted_name: Option<String>,
    pub converted_type: Option<String>,
    /// Index into `Outcome::quarantined`.
    pub quarantine_index: Option<usize>,
    pub macro_removed: bool,
    pub image_reencoded: bool,
    pub text_extracted: bool,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub status: Status,
    /// Set when anything was quarantined.
    pub quarantine_id: Option<String>,
    pub subject: Option<String>,
    pub body_source: BodySource,
    pub links_defanged: usize,
    pub attachments: Vec<AttachmentReport>,
    /// ASCII action tokens, as in the `X-Mamori-Sanitized` header.
    pub actions: Vec<String>,
    pub warnings: Vec<Text>,
    /// The Japanese notice put at the top of the body.
    pub notice_ja: String,
    /// The same in English (not put in the message; for administrators and logs).
    pub notice_en: String,
}

impl Report {
    /// JSON for `--report json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// The value of the `X-Mamori-Sanitized` header.
    pub fn header_value(&self) -> String {
        self.actions.join("; ")
    }

    pub(crate) fn count(&self, result: AttachmentResult) -> usize {
        self.attachments
            .iter()
            .filter(|a| a.result == result)
            .count()
    }
}
