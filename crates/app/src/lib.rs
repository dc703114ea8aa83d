//! mamori-app: the use cases people perform, written once over the pure core, the spreadsheet layer and
//! the store, so that the CLI and the web server stay thin wiring.
//!
//! Nothing here reads the clock, the environment or files: time, randomness and bytes are passed in.

pub mod check;
pub mod demo;
pub mod demo_policy;
mod docx;
mod error;
mod formula_guard;
pub mod measures;
pub mod policy;
pub mod register;
pub mod risk;

pub use error::AppError;

/// Who is acting, as recorded in the audit log (e.g. `cli:suzuki`, later `web:S0012`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

/// The moment of an action, passed in so that tests control it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now(pub chrono::DateTime<chrono::Utc>);

impl Now {
    /// RFC 3339 in UTC with microseconds: the audit log's timestamp form.
    pub fn timestamp(&self) -> String {
        self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    /// Today's date in Japan (UTC+9, no daylight saving), where every municipality using mamori is.
    pub fn today_in_japan(&self) -> chrono::NaiveDate {
        (self.0 + chrono::TimeDelta::hours(9)).date_naive()
    }
}
