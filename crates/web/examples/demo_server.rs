//! Serve the demo city (あおば市) from a fresh SQLite file, with one account per role.
//!
//! `cargo run -p mamori-web --example demo_server -- [assets] [listen-address]`
//! (the real entry point is `mamori demo`; this is for working on the web crate alone).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mamori_app::{Actor, Now};
use mamori_store::{OpenMode, Store};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let store = Store::open(&db.to_string_lossy(), OpenMode::Create)
        .await
        .unwrap();
    let now = Now(chrono::Utc::now());
    let actor = Actor("demo".into());
    let scheme = mamori_core::classification::mic_r6();
    mamori_app::demo::seed(&store, count, 1, &scheme, &actor, now)
        .await
        .unwrap();
    let accounts = mamori_web::accounts::demo_accounts(&store, &actor, now, &mut rand::rng())
        .await
        .unwrap();
    for a in &accounts {
        println!("{}\t{}\t{}", a.role_label, a.login, a.password);
    }
    let config = mamori_web::ServerConfig::new(listen.parse().unwrap());
    mamori_web::serve(store, config, mamori_web::shutdown_signal())
        .await
        .unwrap();
}
