//! mamori-store: persistence for SQLite (the embedded default) and PostgreSQL (for prefectures that
//! host many municipalities), chosen by one database URL. Migrations are embedded and run at open.
//! Every change is written with an entry in the hash-chained audit log, in the same transaction.

mod assets;
pub mod audit;
mod changes;
mod error;
mod evidence;
mod measure_files;
mod measures;
mod mfa;
mod org;
mod policy;
mod quarantine;
mod reviews;
mod risk;
mod sql;
mod tokens;
mod users;

pub use assets::{AssetFilter, ImportGuard, ImportOutcome, ImportPlan, ImportSummary};
pub use audit::{AuditEntry, AuditQuery, AuditVerdict, Break};
pub use error::StoreError;
pub use evidence::{NetworkEvidence, NewEvidence};
pub use measure_files::EvidenceFile;
pub use mfa::{MfaRecord, SecondFactor};
pub use org::{OrgData, Organisation, Settings};
pub use policy::{DocumentSummary, PolicyDocument, StoredVersion, VersionSummary};
pub use quarantine::{NewQuarantine, QuarantineItem, QuarantineState};
pub use reviews::{NewReview, PolicyReview};
pub use risk::{RiskSaveSummary, StoredRisk};
pub use tokens::ApiToken;
pub use users::{NewUser, SessionRecord, UserAccount};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Default database when neither `--db` nor `MAMORI_DATABASE_URL` is given.
pub const DEFAULT_DATABASE: &str = "./mamori.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether opening may create a new SQLite file (only `init` and `seed-demo` should).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    Create,
    Existing,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Resolve what the user typed into a connection URL: a plain path means an SQLite file.
pub fn resolve_url(input: &str, mode: OpenMode) -> Result<(Backend, String)> {
    let input = input.trim();
    if input.starts_with("postgres://") || input.starts_with("postgresql://") {
        return Ok((Backend::Postgres, input.to_string()));
    }
    let path = if let Some(rest) = input.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = input.strip_prefix("sqlite:") {
        rest
    } else if input.contains("://") || input.is_empty() {
        return Err(StoreError::UnsupportedUrl(input.to_string()));
    } else {
        input
    };
    let (file, query) = match path.split_once('?') {
        Some((f, q)) => (f, Some(q)),
        None => (path, None),
    };
    if file.is_empty() {
        return Err(StoreError::UnsupportedUrl(input.to_string()));
    }
    let mut url = format!("sqlite://{file}");
    let mut params: Vec<&str> = query.map(|q| q.split('&').collect()).unwrap_or_default();
    if mode == OpenMode::Create && !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    if !params.is_empty() {
        url.push('?');
        url.push_str(&params.join("&"));
    }
    Ok((Backend::Sqlite, url))
}

impl Store {
    /// Open the database named by `input` and bring its schema up to date.
    pub async fn open(input: &str, mode: OpenMode) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = resolve_url(input, mode)?;
        if backend == Backend::Sqlite && mode == OpenMode::Existing {
            let file = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or("");
            if file != ":memory:" && !Path::new(file).exists() {
                return Err(StoreError::Missing(input.to_string()));
            }
        }
        let open_err = |source: sqlx::Error| StoreError::Open {
            url: input.to_string(),
            source,
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(open_err)?
            .log_statements(log::LevelFilter::Off);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; foreign keys guard the
                        // register's references; a busy wait rides out short locks by other processes.
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => StoreError::from(inner),
            other => StoreError::Migrate(other),
        })?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_backends() {
        assert_eq!(
            resolve_url("./mamori.db", OpenMode::Create).unwrap(),
            (Backend::Sqlite, "sqlite://./mamori.db?mode=rwc".into())
        );
        assert_eq!(
            resolve_url("/var/lib/mamori/本庁.db", OpenMode::Existing).unwrap(),
            (Backend::Sqlite, "sqlite:///var/lib/mamori/本庁.db".into())
        );
        assert_eq!(
            resolve_url("sqlite://x.db?mode=ro", OpenMode::Create)
                .unwrap()
                .1,
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(
            resolve_url("postgres://u@h/db", OpenMode::Create)
                .unwrap()
                .0,
            Backend::Postgres
        );
        assert!(matches!(
            resolve_url("mysql://h/db", OpenMode::Create),
            Err(StoreError::UnsupportedUrl(_))
        ));
        assert!(resolve_url("  ", OpenMode::Create).is_err());
    }
}
