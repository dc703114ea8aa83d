#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A runnable relay for trying it by hand (and the wiring `mamori relay` does):
//! `cargo run -p mamori-relay --example relay_server -- --listen 127.0.0.1:2525 \
//!    --deliver 127.0.0.1:25 --spool /var/spool/mamori --domain city.example.lg.jp \
//!    [--policy policy.toml] [--hostname relay.example] [--tls-cert c.pem --tls-key k.pem [--require-tls]]`
//! Ctrl-C stops it gracefully. Log lines are Japanese, then English.

use std::path::PathBuf;
use std::sync::Arc;

use mamori_core::Lang;
use mamori_relay::{Relay, RelayConfig, SystemClock, TlsConfig};

#[tokio::main]
async fn main() {
    let mut listen = "127.0.0.1:2525".to_string();
    let mut deliver = None;
    let mut spool = None;
    let mut domains = Vec::new();
    let mut policy = None;
    let mut hostname = None;
    let (mut cert, mut key, mut require_tls) = (None, None, false);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => listen = value(),
            "--deliver" => deliver = Some(value()),
            "--spool" => spool = Some(PathBuf::from(value())),
            "--domain" => domains.push(value()),
            "--policy" => policy = Some(PathBuf::from(value())),
            "--hostname" => hostname = Some(value()),
            "--tls-cert" => cert = Some(PathBuf::from(value())),
            "--tls-key" => key = Some(PathBuf::from(value())),
            "--require-tls" => require_tls = true,
            other => panic!("unknown argument {other}"),
        }
    }
    let mut cfg = RelayConfig::new(
        listen.parse().expect("--listen ADDR:PORT"),
        deliver.expect("--deliver HOST:PORT"),
        spool.expect("--spool DIR"),
        domains,
    );
    if let Some(p) = policy {
        let text = std::fs::read_to_string(&p).unwrap();
        cfg.policy = mamori_sanitize::Policy::from_toml(&text)
            .unwrap_or_else(|e| panic!("{}\n{}", e.message(Lang::Ja), e.message(Lang::En)));
    }
    if let Some(h) = hostname {
        cfg.hostname = h;
    }
    if let (Some(c), Some(k)) = (cert, key) {
        cfg.tls = Some(
            TlsConfig::from_pem_files(&c, &k)
                .unwrap_or_else(|e| panic!("{}\n{}", e.message(Lang::Ja), e.message(Lang::En))),
        );
        cfg.require_tls = require_tls;
    }
    let relay = match Relay::bind(cfg, Arc::new(SystemClock)).await {
        Ok(r) => r,
        Err(e) => panic!("{}\n{}", e.message(Lang::Ja), e.message(Lang::En)),
    };
    eprintln!("mamori relay: {}", relay.local_addr().unwrap());
    let mut events = relay.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) => eprintln!("{} / {}", e.message(Lang::Ja), e.message(Lang::En)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("（ログ {n} 件を省略 / {n} log events skipped）");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    relay
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .unwrap();
}
