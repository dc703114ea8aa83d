//! 無害化 (第2条第13号, 第6条第2号イ) as an SMTP relay between the internet-side MTA and the
//! LGWAN-side MTA: an ESMTP server that acknowledges a message only once it is durably spooled,
//! sanitises it with `mamori_sanitize`, keeps quarantined originals in the spool, and delivers the
//! harmless message to the next hop with retries, bouncing permanent failures to the sender.
//!
//! The binary calls [`run`] (or [`Relay::bind`] + [`Relay::run`]) with a [`RelayConfig`], a
//! [`Clock`] and a shutdown future.

pub mod bounce;
pub mod config;
pub mod event;
pub mod queue;
pub mod relay;
pub mod release;
pub mod smtp;
pub mod spool;
pub mod tls;

pub use config::{Clock, Limits, RelayConfig, RetrySchedule, SystemClock};
pub use event::RelayEvent;
pub use relay::{Relay, RelayError, RelayStats, run};
pub use release::QuarantineRecords;
pub use spool::{Spool, SpoolError, Stage};
pub use tls::{TlsConfig, TlsError};
