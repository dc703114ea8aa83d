//! What the caller supplies: the quarantine ID and the time (never read inside the library).

use chrono::{DateTime, FixedOffset};

/// Per-message inputs from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizeContext {
    /// ID under which the caller stores the quarantined originals (shown to the recipient).
    pub quarantine_id: String,
    /// When the message was received; used for the Date of generated notices.
    pub received_at: DateTime<FixedOffset>,
    /// From of a notice that replaces an unparseable message, e.g. `mamori <postmaster@example.lg.jp>`.
    pub notice_from: String,
    /// Domain for Message-IDs of generated notices.
    pub message_id_domain: String,
    /// Envelope recipients (RCPT TO), the To of a notice that replaces an unparseable message.
    pub envelope_recipients: Vec<String>,
}

impl SanitizeContext {
    pub fn new(quarantine_id: impl Into<String>, received_at: DateTime<FixedOffset>) -> Self {
        SanitizeContext {
            quarantine_id: quarantine_id.into(),
            received_at,
            notice_from: "mamori <postmaster@localhost>".into(),
            message_id_domain: "mamori.invalid".into(),
            envelope_recipients: Vec::new(),
        }
    }

    /// The quarantine ID restricted to characters safe in a header token.
    pub(crate) fn safe_quarantine_id(&self) -> String {
        let id: String = self
            .quarantine_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(64)
            .collect();
        if id.is_empty() { "unknown".into() } else { id }
    }
}
