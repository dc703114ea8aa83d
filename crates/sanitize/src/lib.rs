//! mamori-sanitize — 無害化 of internet mail before it enters LGWAN (規程 第2条第13号, 第6条第2号イ).
//!
//! A pure function: raw RFC 5322 bytes and a [`Policy`] in; the sanitised message, a [`Report`]
//! and the originals the caller must quarantine out. No I/O, no clock, no randomness: the caller
//! passes the quarantine ID and the time in a [`SanitizeContext`].
//!
//! The output is always a valid MIME message: one `text/plain` body (UTF-8, or ISO-2022-JP by
//! policy) that starts with a short Japanese notice of what was done, plus — only when the policy
//! says `convert` — harmless conversions of attachments (macro-free OOXML, re-encoded PNG/JPEG,
//! UTF-8 text). Never `text/html`, never an original executable or macro file. A message that
//! cannot be parsed is quarantined whole and replaced by a notice.
//!
//! ```
//! use mamori_sanitize::{sanitize, Policy, SanitizeContext};
//! let ctx = SanitizeContext::new("Q-20261126-0001", chrono::DateTime::UNIX_EPOCH.fixed_offset());
//! let raw = b"From: a@example.com\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n<p>Visit <a href=\"https://evil.example/x\">here</a></p>";
//! let out = sanitize(raw, &Policy::default(), &ctx);
//! let text = String::from_utf8_lossy(&out.message);
//! assert!(!text.contains("text/html"));
//! assert!(out.report.actions.contains(&"html-to-text".to_string()));
//! ```

mod attachments;
mod charset;
mod compose;
mod context;
mod defang;
mod html;
mod kind;
mod mime;
mod notice;
mod pipeline;
mod policy;
mod report;

pub use charset::decode_guess;
pub use context::SanitizeContext;
pub use defang::defang_links;
pub use html::html_to_text;
pub use kind::{FileKind, kind_from_mime, kind_from_name};
pub use policy::{Decision, Fallback, ImageLimits, OutputCharset, Policy, PolicyError, ZipLimits};
pub use report::{AttachmentReport, AttachmentResult, BodySource, Report, Status};

use mamori_core::Text;

/// An original the caller must store in the quarantine (a manager may release it later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineItem {
    /// File name (for files inside archives: `archive.zip/dir/file`); `message.eml` for a whole message.
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub reason: Text,
}

/// Everything [`sanitize`] produces.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The sanitised RFC 5322 message, CRLF line endings.
    pub message: Vec<u8>,
    pub report: Report,
    /// Originals to store under `report.quarantine_id`.
    pub quarantined: Vec<QuarantineItem>,
}

/// Sanitise one message. Never panics and never returns the input unchanged: a message that
/// cannot be parsed (or that trips an internal fault) is quarantined whole with a notice.
pub fn sanitize(raw: &[u8], policy: &Policy, ctx: &SanitizeContext) -> Outcome {
    // Defence in depth: a panic inside a third-party parser must not take the relay down
    // nor let the message through.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pipeline::run(raw, policy, ctx)
    })) {
        Ok(outcome) => outcome,
        Err(_) => {
            pipeline::quarantine_whole(raw, policy, ctx, pipeline::WholeReason::InternalFault)
        }
    }
}
