//! mamori-web: the web application. Server-rendered HTML (askama), no JavaScript, every asset
//! embedded in the binary, so it runs on a closed municipal network.
//!
//! Authorisation is decided only by [`mamori_core::access::Policy`]: handlers build the signed-in
//! person's [`mamori_core::access::Subject`] and ask it; templates only show what they are given.
//! Time and randomness come from the [`Clock`] and [`RandomSource`] in [`AppState`], read at the edge.

pub mod accounts;
mod api;
mod assets;
mod edit;
mod error;
mod headers;
mod import;
mod listing;
mod measures;
pub mod mfa;
mod mfa_pages;
mod network;
mod pages;
mod policy_docs;
mod quarantine;
mod render;
mod reviews;
mod risks;
mod session;
mod settings;
mod threats;
mod tls;
pub mod tokens;
pub mod totp;
mod upload;
mod world;

pub use error::WebError;
pub use headers::CONTENT_SECURITY_POLICY;
pub use import::IMPORT_UPLOAD_LIMIT;
pub use tls::{TlsConfig, TlsError};

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use mamori_store::Store;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Where the clock is read.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where randomness comes from: 32 fresh bytes per request, used to seed a ChaCha generator.
pub trait RandomSource: Send + Sync {
    fn seed(&self) -> [u8; 32];
}

/// The operating system's randomness (through rand's thread-local CSPRNG, seeded from the OS).
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn seed(&self) -> [u8; 32] {
        rand::random()
    }
}

/// Firewall configurations of a whole municipality fit in this; larger uploads are refused with 413.
const NETWORK_UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// Room for the other fields of an upload form on top of its file's limit: a body beyond the
/// file limit plus this is refused by the server before it is read.
const UPLOAD_SLACK: usize = 64 * 1024;

/// How the server listens.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Mark cookies `Secure`: set when a TLS-terminating reverse proxy is in front (always on
    /// when `tls` is set).
    pub secure_cookies: bool,
    /// Serve HTTPS with this certificate instead of plain HTTP.
    pub tls: Option<TlsConfig>,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr) -> Self {
        ServerConfig {
            listen,
            secure_cookies: false,
            tls: None,
        }
    }
}

/// Failed sign-ins for logins that do not exist, counted like real ones so that the lockout message
/// cannot be used to find out which logins exist.
#[derive(Default)]
pub(crate) struct UnknownLogins {
    pub(crate) attempts: HashMap<String, (i64, Option<DateTime<Utc>>)>,
}

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    pub secure_cookies: bool,
    pub(crate) unknown_logins: Arc<Mutex<UnknownLogins>>,
    /// The in-memory snapshot of organisation and register (see `world`).
    pub(crate) world: Arc<Mutex<Option<Arc<world::World>>>>,
    pub(crate) world_loading: Arc<tokio::sync::Mutex<()>>,
    /// When each API token's "last used" was last written (see `api::auth`).
    pub(crate) token_touched: Arc<Mutex<HashMap<i64, DateTime<Utc>>>>,
    /// Uploaded register files waiting between preview and confirmation.
    pub(crate) pending_imports: Arc<Mutex<import::PendingImports>>,
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
        secure_cookies: bool,
    ) -> Self {
        AppState {
            store,
            clock,
            random,
            secure_cookies,
            unknown_logins: Arc::new(Mutex::new(UnknownLogins::default())),
            world: Arc::new(Mutex::new(None)),
            world_loading: Arc::new(tokio::sync::Mutex::new(())),
            token_touched: Arc::new(Mutex::new(HashMap::new())),
            pending_imports: Arc::new(Mutex::new(import::PendingImports::default())),
        }
    }

    pub(crate) fn now(&self) -> mamori_app::Now {
        mamori_app::Now(self.clock.now())
    }

    pub(crate) fn rng(&self) -> StdRng {
        StdRng::from_seed(self.random.seed())
    }
}

/// All routes, with the security headers on every response.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(session::login_page).post(session::login))
        .route(
            "/login/mfa",
            get(mfa_pages::code_form).post(mfa_pages::submit_code),
        )
        .route("/logout", post(session::logout))
        .route("/account", get(session::account_page))
        .route("/account/password", post(session::change_password))
        .route("/account/lang", post(session::change_lang))
        .route(
            "/account/mfa",
            get(mfa_pages::page).post(mfa_pages::confirm),
        )
        .route("/account/mfa/disable", post(mfa_pages::disable))
        .route("/assets", get(assets::list))
        .route("/assets.xlsx", get(assets::export_xlsx))
        .route("/assets.csv", get(assets::export_csv))
        .route("/assets/new", get(edit::new_form).post(edit::create))
        .route(
            "/assets/import",
            get(import::form)
                .post(import::preview)
                .layer(axum::extract::DefaultBodyLimit::max(
                    import::IMPORT_UPLOAD_LIMIT,
                )),
        )
        .route("/assets/import/confirm", post(import::confirm))
        .route("/assets/{id}", get(assets::detail))
        .route("/assets/{id}/edit", get(edit::edit_form).post(edit::update))
        .route("/assets/{id}/dispose", post(edit::dispose))
        .route("/findings", get(pages::findings))
        .route("/audit", get(pages::audit))
        .route("/audit/verify", post(pages::verify_audit))
        .route("/org", get(pages::organisation))
        .route("/settings", get(settings::page).post(settings::save))
        .route(
            "/network",
            get(network::page)
                .post(network::check)
                .layer(axum::extract::DefaultBodyLimit::max(NETWORK_UPLOAD_LIMIT)),
        )
        .route("/network/evidence/{id}", get(network::evidence))
        .route(
            "/policy",
            get(policy_docs::list).post(policy_docs::upload).layer(
                axum::extract::DefaultBodyLimit::max(
                    policy_docs::POLICY_UPLOAD_LIMIT + UPLOAD_SLACK,
                ),
            ),
        )
        .route("/policy/{id}", get(policy_docs::document))
        .route("/policy/{id}/cycle", post(policy_docs::review_cycle))
        .route("/policy/{id}/diff", get(policy_docs::diff))
        .route("/policy/{id}/v/{version}", get(policy_docs::version))
        .route(
            "/policy/{id}/v/{version}/advance",
            post(policy_docs::advance),
        )
        .route("/threats", get(threats::list).post(threats::create))
        .route("/threats/{id}", get(threats::detail).post(threats::update))
        .route("/measures", get(measures::list))
        .route("/measures/soa.xlsx", get(measures::soa_xlsx))
        .route("/measures/evidence/{id}", get(measures::evidence))
        .route("/measures/{id}", get(measures::detail))
        .route(
            "/measures/{id}/status",
            post(measures::record).layer(axum::extract::DefaultBodyLimit::max(
                measures::EVIDENCE_LIMIT + UPLOAD_SLACK,
            )),
        )
        .route("/risks", get(risks::list))
        .route("/risks/assess", post(risks::assess))
        .route("/risks/export.xlsx", get(risks::export))
        .route(
            "/risks/{target}/{threat}",
            get(risks::detail).post(risks::update),
        )
        .route("/risks/{target}/{threat}/accept", post(risks::accept))
        .route("/reviews", get(reviews::list).post(reviews::create))
        .route("/reviews/{id}", get(reviews::detail))
        .route("/account/tokens", post(session::create_token))
        .route("/account/tokens/{id}/revoke", post(session::revoke_token))
        .nest("/api/v1", api::router())
        .route("/quarantine", get(quarantine::page))
        .route("/quarantine/{id}/request", post(quarantine::request))
        .route("/quarantine/{id}/decide", post(quarantine::decide))
        .route("/static/mamori.css", get(headers::stylesheet))
        .route("/static/favicon.svg", get(headers::favicon))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// Serve until `shutdown` completes (see [`shutdown_signal`]): HTTPS when `config.tls` is set,
/// else plain HTTP (then put a TLS-terminating reverse proxy in front for anything but the local
/// machine, and set `secure_cookies`).
pub async fn serve(
    store: Store,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| WebError::Internal(format!("cannot listen on {}: {e}", config.listen)))?;
    if config.tls.is_none() && !config.listen.ip().is_loopback() {
        eprintln!("{}", plain_http_warning(config.listen));
    }
    let state = AppState::new(
        store,
        Arc::new(SystemClock),
        Arc::new(OsRandom),
        config.secure_cookies || config.tls.is_some(),
    );
    // Load the register before the first person asks for it (a large one takes seconds).
    let warm = state.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.world().await {
            eprintln!("mamori-web: loading the register failed: {e}");
        }
    });
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    eprintln!(
        "mamori: {scheme}://{} で待ち受けています / listening on {scheme}://{}",
        config.listen, config.listen
    );
    let mut app = router(state);
    if config.tls.is_some() {
        app = app.layer(axum::middleware::map_response(headers::strict_transport));
    }
    let served = match &config.tls {
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls)
                .map_err(|e| WebError::Internal(format!("TLS listener: {e}")))?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    served.map_err(|e| WebError::Internal(format!("server: {e}")))
}

/// The banner printed when passwords and session cookies would cross the network unencrypted.
pub fn plain_http_warning(listen: SocketAddr) -> String {
    format!(
        "\n################################################################################\n\
         ## 警告: 暗号化されていない HTTP で {listen} に公開しています。\n\
         ## パスワードとセッションがネットワーク上で盗聴されるおそれがあります。\n\
         ## --tls-cert と --tls-key で HTTPS にするか、TLS を終端するリバースプロキシの\n\
         ## 背後で運用して --secure-cookies を指定してください。\n\
         ## WARNING: serving plain HTTP on the non-loopback address {listen}.\n\
         ## Passwords and session cookies can be read on the network. Serve HTTPS with\n\
         ## --tls-cert and --tls-key, or run behind a TLS-terminating reverse proxy\n\
         ## with --secure-cookies.\n\
         ################################################################################\n"
    )
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("mamori: 停止します / shutting down");
}
