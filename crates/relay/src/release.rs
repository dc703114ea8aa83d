//! The quarantine in the store (無害化, 第2条第13号): with `--db`, every kept original is recorded
//! so that its recipient can ask for it in the web UI; the relay polls for what an
//! 情報セキュリティ管理者 approved, delivers the ORIGINAL to the recipient who asked, marks it
//! released, and purges originals past their retention. The store audits every step.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use mamori_sanitize::Outcome;
use mamori_store::{NewQuarantine, QuarantineItem, Store};
use tokio::sync::watch;

use crate::event::RelayEvent;
use crate::relay::Shared;
use crate::smtp::client;
use crate::spool::{Entry, Spool};

/// How the audit log names the relay.
pub const ACTOR: &str = "mamori-relay";

/// The name of the whole original message in a quarantine directory.
pub const ORIGINAL: &str = "original.eml";

/// Where quarantined mail is recorded, how long originals are kept and how often approvals are
/// looked for.
#[derive(Clone)]
pub struct QuarantineRecords {
    pub store: Store,
    pub retention: TimeDelta,
    pub poll: Duration,
}

impl QuarantineRecords {
    /// 30 days, polled every 10 seconds.
    pub fn new(store: Store) -> QuarantineRecords {
        QuarantineRecords {
            store,
            retention: TimeDelta::days(30),
            poll: Duration::from_secs(10),
        }
    }
}

/// The store's timestamp format: RFC 3339 in UTC with microseconds (compares as text).
pub fn timestamp(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// What the relay knows about one quarantined message, gathered while sanitising.
pub(crate) struct Kept {
    message_id: String,
    sender: String,
    recipients: Vec<String>,
    subject: String,
    reason: String,
    files: Vec<(String, i64)>,
    size: i64,
    original_path: PathBuf,
    received_at: DateTime<FixedOffset>,
}

impl Kept {
    pub(crate) fn new(
        spool: &Spool,
        id: &str,
        entry: &Entry,
        outcome: &Outcome,
        received_at: DateTime<FixedOffset>,
    ) -> Kept {
        let reasons: Vec<String> = outcome
            .quarantined
            .iter()
            .map(|q| format!("{}: {}", q.name, q.reason.ja))
            .collect();
        Kept {
            message_id: header(&entry.body, "message-id").unwrap_or_default(),
            sender: entry.envelope.mail_from.clone(),
            recipients: entry.envelope.rcpt_to.clone(),
            subject: outcome.report.subject.clone().unwrap_or_default(),
            reason: reasons.join("\n"),
            files: outcome
                .quarantined
                .iter()
                .map(|q| {
                    (
                        q.name.clone(),
                        i64::try_from(q.bytes.len()).unwrap_or(i64::MAX),
                    )
                })
                .collect(),
            size: i64::try_from(entry.body.len()).unwrap_or(i64::MAX),
            original_path: spool.quarantine_dir(id).join(ORIGINAL),
            received_at,
        }
    }
}

/// The first value of a header in the message's header section (unfolded, at most 998 bytes).
fn header(message: &[u8], name: &str) -> Option<String> {
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(message.len().min(64 * 1024));
    let head = String::from_utf8_lossy(&message[..end]);
    let mut lines = head.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        let Some((n, v)) = line.split_once(':') else {
            continue;
        };
        if !n.eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = v.trim().to_string();
        while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(next.trim());
            lines.next();
        }
        return Some(value.trim().chars().take(998).collect());
    }
    None
}

/// Records a kept message in the store (idempotent: a retry after a crash changes nothing).
pub(crate) async fn record(
    records: &QuarantineRecords,
    id: &str,
    kept: &Kept,
    now: DateTime<FixedOffset>,
) -> Result<(), mamori_store::StoreError> {
    let original_path = kept.original_path.to_string_lossy();
    records
        .store
        .record_quarantine(
            &NewQuarantine {
                quarantine_id: id,
                message_id: &kept.message_id,
                sender: &kept.sender,
                recipients: &kept.recipients,
                subject: &kept.subject,
                reason: &kept.reason,
                files: &kept.files,
                size: kept.size,
                original_path: &original_path,
                received_at: &timestamp(kept.received_at),
                retain_until: &timestamp(kept.received_at + records.retention),
            },
            ACTOR,
            &timestamp(now),
        )
        .await?;
    Ok(())
}

/// Polls until `stop`: approved releases first, then expiry.
pub(crate) async fn poll(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let Some(records) = shared.records.clone() else {
        return;
    };
    loop {
        release_approved(&shared, &records).await;
        purge_expired(&shared, &records).await;
        tokio::select! {
            () = tokio::time::sleep(records.poll) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn release_approved(shared: &Arc<Shared>, records: &QuarantineRecords) {
    let items = match records.store.approved_releases().await {
        Ok(items) => items,
        Err(e) => {
            shared.emit(RelayEvent::QuarantineTrouble {
                id: "-".into(),
                detail: e.to_string(),
            });
            return;
        }
    };
    for item in items {
        if let Err(detail) = release_one(shared, records, &item).await {
            shared.emit(RelayEvent::QuarantineTrouble {
                id: item.quarantine_id.clone(),
                detail,
            });
        }
    }
}

/// Delivers the original as received, with a header saying who released it, to the address of
/// the recipient who asked. A crash between delivery and the store update repeats the delivery.
async fn release_one(
    shared: &Arc<Shared>,
    records: &QuarantineRecords,
    item: &QuarantineItem,
) -> Result<(), String> {
    let to = item
        .release_to
        .clone()
        .ok_or_else(|| "no recipient to release to".to_string())?;
    let path = original_path(shared, &item.quarantine_id)?;
    let original = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let mut message = format!(
        "X-Mamori-Released: {}; approved-by={}\r\n",
        item.quarantine_id,
        item.decided_by.as_deref().unwrap_or("-")
    )
    .into_bytes();
    message.extend_from_slice(&original);
    let cfg = &shared.config;
    let attempt = client::deliver(
        &cfg.deliver,
        &cfg.hostname,
        cfg.deliver_timeout,
        &item.sender,
        std::slice::from_ref(&to),
        &message,
    )
    .await;
    if !attempt.delivered.contains(&to) {
        let why: Vec<String> = attempt
            .temporary
            .iter()
            .chain(attempt.permanent.iter())
            .map(|(r, why)| format!("<{r}>: {why}"))
            .collect();
        return Err(why.join("; "));
    }
    records
        .store
        .mark_released(item.id, ACTOR, &timestamp(shared.clock.now()))
        .await
        .map_err(|e| e.to_string())?;
    shared.emit(RelayEvent::Released {
        id: item.quarantine_id.clone(),
        to,
    });
    Ok(())
}

/// The original's path, derived from the quarantine ID inside our own spool (never a path read
/// from the database), refusing IDs that could leave the quarantine directory.
fn original_path(shared: &Shared, quarantine_id: &str) -> Result<PathBuf, String> {
    quarantine_dir(&shared.spool, quarantine_id).map(|d| d.join(ORIGINAL))
}

fn quarantine_dir(spool: &Spool, quarantine_id: &str) -> Result<PathBuf, String> {
    let safe = !quarantine_id.is_empty()
        && quarantine_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | 'T' | '.'))
        && !quarantine_id.starts_with('.');
    if !safe {
        return Err(format!("unexpected quarantine ID {quarantine_id:?}"));
    }
    Ok(spool.quarantine_dir(quarantine_id))
}

async fn purge_expired(shared: &Arc<Shared>, records: &QuarantineRecords) {
    let now = timestamp(shared.clock.now());
    let items = match records.store.expired_quarantine(&now).await {
        Ok(items) => items,
        Err(e) => {
            shared.emit(RelayEvent::QuarantineTrouble {
                id: "-".into(),
                detail: e.to_string(),
            });
            return;
        }
    };
    for item in items {
        let purged = match quarantine_dir(&shared.spool, &item.quarantine_id) {
            Ok(dir) => tokio::task::spawn_blocking(move || remove_dir(&dir))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r),
            Err(e) => Err(e),
        };
        // Files first, then the record: a failure in between is retried, never left behind.
        let marked = match purged {
            Ok(()) => records
                .store
                .mark_expired(item.id, ACTOR, &now)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match marked {
            Ok(_) => shared.emit(RelayEvent::Purged {
                id: item.quarantine_id,
            }),
            Err(detail) => shared.emit(RelayEvent::QuarantineTrouble {
                id: item.quarantine_id,
                detail,
            }),
        }
    }
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_found_and_unfolded() {
        let m = b"Received: x\r\nMessage-ID:\r\n <a@b>\r\nSubject: s\r\n\r\nMessage-ID: <body>";
        assert_eq!(header(m, "message-id").as_deref(), Some("<a@b>"));
        assert_eq!(header(b"Subject: x\r\n\r\n", "message-id"), None);
    }

    #[test]
    fn timestamps_are_utc_with_micros() {
        let at = DateTime::parse_from_rfc3339("2026-11-26T18:00:00+09:00").unwrap_or_default();
        assert_eq!(timestamp(at), "2026-11-26T09:00:00.000000Z");
    }
}
