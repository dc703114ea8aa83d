//! Relay configuration and the injected clock and retry schedule.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use mamori_sanitize::Policy;

use crate::tls::TlsConfig;

/// Where the time comes from. The binary passes `SystemClock`; tests may pass a fixed clock.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The machine's clock in its local offset. Chosen by the binary, never implied by the library.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        chrono::Local::now().fixed_offset()
    }
}

/// Exponential backoff for temporary delivery failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    /// Wait after the first failure.
    pub initial: Duration,
    /// Each further wait is the previous one times this factor …
    pub factor: u32,
    /// … but never longer than this.
    pub max_delay: Duration,
    /// After this many failed attempts the message is bounced (like Postfix's queue lifetime).
    pub max_attempts: u32,
}

impl RetrySchedule {
    /// Wait before attempt `failed + 1`, given `failed` failures so far (≥ 1).
    pub fn delay(&self, failed: u32) -> Duration {
        let mut d = self.initial;
        for _ in 1..failed {
            d = d.saturating_mul(self.factor.max(1));
            if d >= self.max_delay {
                return self.max_delay;
            }
        }
        d.min(self.max_delay)
    }
}

impl Default for RetrySchedule {
    /// 1 min, 2, 4 … capped at 1 h, for about 5 days (120 attempts).
    fn default() -> Self {
        RetrySchedule {
            initial: Duration::from_secs(60),
            factor: 2,
            max_delay: Duration::from_secs(3600),
            max_attempts: 120,
        }
    }
}

/// Connection limits of the receiving side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_message_bytes: usize,
    pub max_connections: usize,
    pub max_recipients: usize,
    /// Per-command (and per-DATA-line) idle timeout.
    pub command_timeout: Duration,
    /// Longest command line (RFC 5321: 512 including CRLF).
    pub max_command_line: usize,
    /// Longest text line in DATA. RFC 5322 says 998, but real senders exceed it and the sanitiser
    /// re-encodes every body, so the default only bounds memory rather than bouncing such mail.
    pub max_data_line: usize,
    pub max_errors: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 25 * 1024 * 1024,
            max_connections: 50,
            max_recipients: 100,
            command_timeout: Duration::from_secs(300),
            max_command_line: 510,
            max_data_line: 64 * 1024,
            max_errors: 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub listen: SocketAddr,
    /// The LGWAN-side MTA, `host:port`.
    pub deliver: String,
    pub spool_dir: PathBuf,
    pub policy: Policy,
    /// Our name in the greeting, EHLO to the next hop and bounce From.
    pub hostname: String,
    /// Recipient domains accepted; everything else is refused (no open relay).
    pub accept_domains: Vec<String>,
    pub limits: Limits,
    pub retry: RetrySchedule,
    /// Timeout of each step of a delivery (connect, each reply).
    pub deliver_timeout: Duration,
    /// Parallel sanitise/deliver workers.
    pub workers: usize,
    /// Certificate for STARTTLS; `None` = STARTTLS not offered.
    pub tls: Option<TlsConfig>,
    /// With `tls`: refuse MAIL until the client has done STARTTLS.
    pub require_tls: bool,
}

impl RelayConfig {
    /// Defaults for everything but the four things the operator must say.
    pub fn new(
        listen: SocketAddr,
        deliver: impl Into<String>,
        spool_dir: impl Into<PathBuf>,
        accept_domains: Vec<String>,
    ) -> RelayConfig {
        RelayConfig {
            listen,
            deliver: deliver.into(),
            spool_dir: spool_dir.into(),
            policy: Policy::recommended(),
            hostname: "mamori.localdomain".into(),
            accept_domains,
            limits: Limits::default(),
            retry: RetrySchedule::default(),
            deliver_timeout: Duration::from_secs(60),
            workers: 4,
            tls: None,
            require_tls: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let r = RetrySchedule {
            initial: Duration::from_millis(10),
            factor: 3,
            max_delay: Duration::from_millis(200),
            max_attempts: 5,
        };
        let ms: Vec<u128> = (1..=5).map(|n| r.delay(n).as_millis()).collect();
        assert_eq!(ms, vec![10, 30, 90, 200, 200]);
    }
}
