#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Messages per second through the relay, with every fsync, on 127.0.0.1:
//! `cargo run --release -p mamori-relay --example bench_relay [messages] [client connections]`.
//! Prints acceptance rate (250s/s, spool durable) and end-to-end rate (sanitised and delivered).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mamori_relay::smtp::client;
use mamori_relay::{Relay, SystemClock};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let clients: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let sink = common::Sink::start(dir.path().join("sink")).await;
    let mut cfg = common::test_config(dir.path().join("spool"), &sink.addr);
    cfg.workers = 4;
    let relay = Relay::bind(cfg, Arc::new(SystemClock)).await.unwrap();
    let addr = relay.local_addr().unwrap().to_string();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(relay.run(async {
        let _ = rx.await;
    }));

    let body = common::html_mail("bench");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (addr, body) = (addr.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for _ in (c..total).step_by(clients) {
                let a = client::deliver(
                    &addr,
                    "bench.client",
                    Duration::from_secs(10),
                    "a@internet.example",
                    &["taro@city.example.lg.jp".to_string()],
                    &body,
                )
                .await;
                ok += a.delivered.len();
            }
            ok
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap();
    }
    let accept_secs = started.elapsed().as_secs_f64();
    let done = common::wait_for(Duration::from_secs(120), || {
        sink.messages.lock().unwrap().len() >= total
    })
    .await;
    let total_secs = started.elapsed().as_secs_f64();
    let delivered = sink.messages.lock().unwrap().len();
    println!(
        "bench_relay: {total} messages, {clients} client connections at a time, fsync on\n  \
         accepted (250 after durable spool): {accepted} in {accept_secs:.2} s = {:.0} msg/s\n  \
         sanitised and delivered end to end:  {delivered} in {total_secs:.2} s = {:.0} msg/s{}",
        accepted as f64 / accept_secs,
        delivered as f64 / total_secs,
        if done { "" } else { " (INCOMPLETE)" }
    );
    let _ = stop.send(());
    let _ = server.await;
}
