//! Importing the regulation and its subordinate documents (第9条・第10条) as versioned provision trees.

use crate::{Actor, AppError, Now};
use mamori_core::Lang;
use mamori_core::policy_doc::DocumentTier;
use mamori_provisions::{ProvisionError, Regulation};
use mamori_store::{PolicyDocument, Store};

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPolicy {
    pub document_id: String,
    pub version: u32,
    pub title: String,
    pub articles: usize,
    pub provisions: usize,
    pub supplementary: usize,
}

/// Errors particular to reading a policy file.
#[derive(Debug, thiserror::Error)]
pub enum PolicyFileError {
    #[error("{}", .0.message(Lang::En))]
    Provisions(#[from] ProvisionError),
    #[error("the file is neither UTF-8 nor Shift_JIS text")]
    Encoding,
    #[error("the .docx file cannot be read: {0}")]
    Docx(String),
}

impl PolicyFileError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PolicyFileError::Provisions(e), _) => e.message(lang),
            (PolicyFileError::Encoding, Lang::Ja) => {
                "文字コードを判別できません。UTF-8 又は Shift_JIS のテキストで保存してください。"
                    .into()
            }
            (PolicyFileError::Encoding, Lang::En) => {
                "Cannot tell the encoding; save the file as UTF-8 or Shift_JIS text.".into()
            }
            (PolicyFileError::Docx(why), Lang::Ja) => {
                format!("Word ファイル（.docx）を読めません（{why}）。")
            }
            (PolicyFileError::Docx(why), Lang::En) => {
                format!("Cannot read the Word file (.docx): {why}.")
            }
        }
    }
}

/// Text of a plain-text file in UTF-8 (with or without BOM) or Shift_JIS, or of a .docx.
pub fn file_text(file_name: &str, bytes: &[u8]) -> Result<String, PolicyFileError> {
    if file_name.to_ascii_lowercase().ends_with(".docx") || bytes.starts_with(b"PK\x03\x04") {
        return crate::docx::paragraphs(bytes).map_err(PolicyFileError::Docx);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(bytes);
    if malformed {
        return Err(PolicyFileError::Encoding);
    }
    Ok(text.into_owned())
}

/// Parse a regulation file and store it as a new draft version of `document`.
pub async fn import(
    store: &Store,
    file_name: &str,
    bytes: &[u8],
    document: PolicyDocumentSpec,
    actor: &Actor,
    now: Now,
) -> Result<ImportedPolicy, ImportPolicyError> {
    let text = file_text(file_name, bytes)?;
    let regulation = mamori_provisions::parse(&text).map_err(PolicyFileError::from)?;
    let title = document
        .title
        .clone()
        .unwrap_or_else(|| regulation.title.clone());
    let tree = serde_json::to_string(&regulation).map_err(|e| {
        ImportPolicyError::App(AppError::Store(mamori_store::StoreError::Corrupt(
            e.to_string(),
        )))
    })?;
    let doc = PolicyDocument {
        id: document.id.clone(),
        tier: document.tier,
        title: title.clone(),
        review_months: document.review_months,
        last_reviewed: None,
    };
    let version = store
        .add_policy_version(
            &doc,
            &document.change_summary,
            &tree,
            &text,
            &actor.0,
            &now.timestamp(),
        )
        .await
        .map_err(|e| ImportPolicyError::App(AppError::Store(e)))?;
    Ok(ImportedPolicy {
        document_id: document.id,
        version,
        title,
        articles: regulation.articles.len(),
        provisions: regulation.provisions().len(),
        supplementary: regulation.supplementary.len(),
    })
}

/// What the person importing says about the document.
#[derive(Debug, Clone)]
pub struct PolicyDocumentSpec {
    pub id: String,
    pub tier: DocumentTier,
    /// Defaults to the title line of the text.
    pub title: Option<String>,
    pub review_months: u32,
    pub change_summary: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportPolicyError {
    #[error("{0}")]
    File(#[from] PolicyFileError),
    #[error("{0}")]
    App(AppError),
}

impl ImportPolicyError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportPolicyError::File(e) => e.message(lang),
            ImportPolicyError::App(e) => e.message(lang),
        }
    }
}

/// A stored version's provision tree.
pub async fn load(
    store: &Store,
    document_id: &str,
    version: Option<u32>,
) -> Result<Option<(mamori_store::StoredVersion, Regulation)>, AppError> {
    let Some(stored) = store.policy_version(document_id, version).await? else {
        return Ok(None);
    };
    let tree: Regulation = serde_json::from_str(&stored.tree_json).map_err(|e| {
        AppError::Store(mamori_store::StoreError::Corrupt(format!(
            "provision tree: {e}"
        )))
    })?;
    Ok(Some((stored, tree)))
}

/// When a document's next review falls due: its review cycle counted from the last review, or
/// (never reviewed) from the effective date of the version in force, or from its first version.
pub fn review_due(
    document: &PolicyDocument,
    versions: &[mamori_store::VersionSummary],
) -> Option<chrono::NaiveDate> {
    use mamori_core::policy_doc::{ReviewCycle, VersionState};
    let base = document
        .last_reviewed
        .or_else(|| {
            versions
                .iter()
                .find(|v| v.version.state == VersionState::InForce)
                .and_then(|v| v.version.effective)
        })
        .or_else(|| {
            versions
                .iter()
                .min_by_key(|v| v.version.version)
                .and_then(|v| {
                    chrono::NaiveDate::parse_from_str(v.created_at.get(..10)?, "%Y-%m-%d").ok()
                })
        })?;
    Some(
        ReviewCycle {
            months: document.review_months,
        }
        .next_due(base),
    )
}
