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
    assert!(
        !answer
            .to_ascii_lowercase()
            .contains("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
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

/// Write a fresh self-signed certificate for `localhost` and its key; the certificate's DER too,
/// for the client to trust.
fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key, ck.cert.der().to_vec())
}

/// GET a path over TLS, trusting only `trusted` (DER): the whole answer.
async fn https_get(port: u16, trusted: &[u8], path: &str) -> std::io::Result<String> {
    use rustls::pki_types::{CertificateDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(trusted.to_vec()))
        .map_err(std::io::Error::other)?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut answer = Vec::new();
    // A server closing without close_notify is an error for rustls; what arrived is enough.
    let _ = tls.read_to_end(&mut answer).await;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn serve_over_tls_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(dir.path());
    let store = Store::open(&dir.path().join("t.db").to_string_lossy(), OpenMode::Create)
        .await
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = ServerConfig::new(format!("127.0.0.1:{port}").parse().unwrap());
    config.tls = Some(mamori_web::TlsConfig::from_pem_files(&cert, &key).unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(store, config, async {
        let _ = stopped.await;
    }));
    let mut answer = String::new();
    for _ in 0..100 {
        if let Ok(a) = https_get(port, &der, "/login").await
            && !a.is_empty()
        {
            answer = a;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("ログイン"));
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    let cookies: Vec<&str> = answer
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .collect();
    assert!(!cookies.is_empty(), "{answer}");
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    // Plain HTTP to the TLS port gets no page.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut plain = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut plain)).await;
        assert!(!String::from_utf8_lossy(&plain).contains("ログイン"));
    }
    // A client that does not trust the certificate is refused, and the server carries on.
    let elsewhere = tempfile::tempdir().unwrap();
    let (_, _, other) = self_signed(elsewhere.path());
    assert!(https_get(port, &other, "/login").await.is_err());
    assert!(
        https_get(port, &der, "/login")
            .await
            .unwrap()
            .starts_with("HTTP/1.1 200")
    );
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops")
        .unwrap();
    assert!(result.is_ok());
}

#[test]
fn bad_certificate_or_key_files_are_clear_errors() {
    use mamori_core::Lang;
    use mamori_web::{TlsConfig, TlsError};
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = self_signed(dir.path());
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let e = TlsConfig::from_pem_files(&missing, &key).unwrap_err();
    assert!(matches!(e, TlsError::Certificate { .. }));
    assert!(
        e.message(Lang::Ja).contains("TLS 証明書") && e.message(Lang::Ja).contains("missing.pem")
    );
    assert!(matches!(
        TlsConfig::from_pem_files(&garbage, &key).unwrap_err(),
        TlsError::Certificate { .. }
    ));
    let e = TlsConfig::from_pem_files(&cert, &garbage).unwrap_err();
    assert!(matches!(e, TlsError::Key { .. }), "{e}");
    // A key that does not belong to the certificate.
    let other = tempfile::tempdir().unwrap();
    let (_, other_key, _) = self_signed(other.path());
    let e = TlsConfig::from_pem_files(&cert, &other_key).unwrap_err();
    assert!(matches!(e, TlsError::Config(_)), "{e}");
    assert!(e.message(Lang::En).contains("do not fit together"));
}
