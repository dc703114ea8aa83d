//! The server entry point binds, serves and stops when its shutdown future completes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_store::{OpenMode, Store};
use mamori_web::{ServerConfig, plain_http_warning, serve};
use std::time::Duration;

#[tokio::test]
async fn serve_answers_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db").to_string_lossy(), OpenMode::Create)
        .await
        .unwrap();
    // Find a free port, then serve on it until told to stop.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = ServerConfig::new(format!("127.0.0.1:{port}").parse().unwrap());
    let server = tokio::spawn(serve(store, config, async {
        let _ = stopped.await;
    }));
    let mut answer = String::new();
    for _ in 0..50 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            s.read_to_string(&mut answer).await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("ログイン"));
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops")
        .unwrap();
    assert!(result.is_ok());
}

#[test]
fn plain_http_warning_is_bilingual_and_names_the_address() {
    let w = plain_http_warning("192.0.2.10:8080".parse().unwrap());
    assert!(w.contains("警告") && w.contains("WARNING") && w.contains("192.0.2.10:8080"));
}
