#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The relay in process, between a client and a sink, all on 127.0.0.1 ephemeral ports.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Sink, html_mail, test_config, wait_for};
use mamori_relay::relay::RelayStats;
use mamori_relay::smtp::client;
use mamori_relay::{Relay, RelayConfig, SystemClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

struct Running {
    addr: String,
    stats: Arc<RelayStats>,
    events: tokio::sync::broadcast::Receiver<mamori_relay::RelayEvent>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(cfg: RelayConfig) -> Running {
    let relay = Relay::bind(cfg, Arc::new(SystemClock)).await.unwrap();
    let addr = relay.local_addr().unwrap().to_string();
    let stats = relay.stats();
    let events = relay.subscribe();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        stats,
        events,
        stop,
        task,
    }
}

impl Running {
    async fn shutdown(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("relay shuts down within 5 s")
            .unwrap();
    }
}

async fn send(relay: &str, from: &str, rcpt: &[&str], body: &[u8]) -> client::Attempt {
    let rcpt: Vec<String> = rcpt.iter().map(|s| s.to_string()).collect();
    client::deliver(
        relay,
        "client.test",
        Duration::from_secs(3),
        from,
        &rcpt,
        body,
    )
    .await
}

fn spool_files(dir: &std::path::Path, stage: &str) -> usize {
    std::fs::read_dir(dir.join(stage)).unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_mail_arrives_as_sanitised_text_and_other_domains_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let spool = dir.path().join("spool");
    let relay = start(test_config(spool.clone(), &sink.addr)).await;

    let denied = send(
        &relay.addr,
        "a@internet.example",
        &["victim@elsewhere.example"],
        b"Subject: x\r\n\r\nx\r\n",
    )
    .await;
    assert!(denied.delivered.is_empty());
    assert!(denied.permanent[0].1.starts_with("550 5.7.1"), "{denied:?}");

    let ok = send(
        &relay.addr,
        "a@internet.example",
        &["taro@city.example.lg.jp"],
        &html_mail("e2e-html"),
    )
    .await;
    assert_eq!(ok.delivered, vec!["taro@city.example.lg.jp".to_string()]);

    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    let got = &sink.received()[0];
    assert_eq!(got.from, "a@internet.example");
    assert_eq!(got.rcpt, vec!["taro@city.example.lg.jp".to_string()]);
    let text = got.text();
    if std::env::var_os("MAMORI_RELAY_SHOW").is_some() {
        eprintln!("{text}");
    }
    assert!(text.contains("X-Mamori-Sanitized:"), "{text}");
    assert!(text.contains("Subject: e2e-html"), "{text}");
    assert!(text.contains("Content-Type: text/plain"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("text/html"), "{text}");
    assert!(!text.contains("<script>"), "{text}");
    let body = common::decoded_body(&text);
    assert!(body.contains("Hello e2e-html"), "{body}");
    assert!(body.contains("hxxp://evil[.]example/x"), "{body}");
    // The dot-stuffed line survived both SMTP hops unchanged.
    assert!(body.contains(".a line starting with a dot"), "{body}");
    assert!(!body.contains("alert"), "{body}");
    // Delivered: nothing left in the queue directories.
    assert!(
        wait_for(Duration::from_secs(5), || spool_files(&spool, "sanitized")
            == 0
            && spool_files(&spool, "incoming") == 0)
        .await
    );
    assert_eq!(relay.stats.accepted.load(Ordering::Relaxed), 1);
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_failure_bounces_to_sender_and_partial_delivery_goes_through() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let relay = start(test_config(dir.path().join("spool"), &sink.addr)).await;
    let ok = send(
        &relay.addr,
        "a@internet.example",
        &["unknown@city.example.lg.jp", "hanako@city.example.lg.jp"],
        &html_mail("e2e-bounce"),
    )
    .await;
    assert_eq!(ok.delivered.len(), 2, "the relay accepts both: {ok:?}");
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 2).await);
    let got = sink.received();
    let original = got.iter().find(|m| !m.from.is_empty()).unwrap();
    assert_eq!(original.rcpt, vec!["hanako@city.example.lg.jp".to_string()]);
    let bounce = got.iter().find(|m| m.from.is_empty()).expect("a bounce");
    assert_eq!(bounce.rcpt, vec!["a@internet.example".to_string()]);
    let text = bounce.text();
    assert!(text.contains("multipart/report; report-type=delivery-status"));
    assert!(
        text.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user"),
        "{text}"
    );
    assert!(
        text.contains("Subject: e2e-bounce"),
        "original headers attached"
    );
    assert!(text.contains("Final-Recipient: rfc822; unknown@city.example.lg.jp"));
    assert_eq!(relay.stats.bounced.load(Ordering::Relaxed), 1);
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_failure_is_retried_with_backoff_then_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    sink.tempfail.store(2, Ordering::SeqCst);
    let relay = start(test_config(dir.path().join("spool"), &sink.addr)).await;
    let started = std::time::Instant::now();
    let ok = send(
        &relay.addr,
        "a@internet.example",
        &["taro@city.example.lg.jp"],
        &html_mail("e2e-retry"),
    )
    .await;
    assert_eq!(ok.delivered.len(), 1);
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    assert_eq!(sink.data_attempts.load(Ordering::SeqCst), 3);
    assert_eq!(relay.stats.deferred.load(Ordering::Relaxed), 2);
    assert_eq!(relay.stats.bounced.load(Ordering::Relaxed), 0);
    // Backoff 50 ms then 100 ms: at least 150 ms, but far from the production minutes.
    assert!(started.elapsed() >= Duration::from_millis(150));
    let mut relay = relay;
    let mut log = Vec::new();
    while let Ok(e) = relay.events.try_recv() {
        log.push(e.message(mamori_core::Lang::En));
    }
    let kinds: Vec<&str> = log
        .iter()
        .map(|l| l.split_once(": ").unwrap().1.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["accepted", "sanitised", "deferred", "deferred", "delivered"],
        "{log:?}"
    );
    assert!(log[2].contains("451 4.3.0 try later"), "{log:?}");
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn giving_up_after_max_attempts_bounces() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let mut cfg = test_config(dir.path().join("spool"), &sink.addr);
    cfg.retry.max_attempts = 2;
    // Fail the original twice; the bounce itself then goes through.
    sink.tempfail.store(2, Ordering::SeqCst);
    let relay = start(cfg).await;
    send(
        &relay.addr,
        "a@internet.example",
        &["taro@city.example.lg.jp"],
        &html_mail("e2e-expire"),
    )
    .await;
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    let got = &sink.received()[0];
    assert!(got.from.is_empty(), "only the bounce arrives");
    assert!(got.text().contains("Status: 4.4.7"));
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_commands_get_replies_in_order_over_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let relay = start(test_config(dir.path().join("spool"), &sink.addr)).await;
    let mut s = tokio::net::TcpStream::connect(&relay.addr).await.unwrap();
    s.write_all(
        b"EHLO c\r\nMAIL FROM:<a@internet.example>\r\nRCPT TO:<x@elsewhere.example>\r\n\
          RCPT TO:<taro@city.example.lg.jp>\r\nDATA\r\nSubject: p\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
    )
    .await
    .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    let codes: Vec<&str> = out
        .lines()
        .filter(|l| l.as_bytes().get(3) == Some(&b' '))
        .map(|l| &l[..3])
        .collect();
    assert_eq!(
        codes,
        vec!["220", "250", "250", "550", "250", "354", "250", "221"],
        "{out}"
    );
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_and_command_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let mut cfg = test_config(dir.path().join("spool"), &sink.addr);
    cfg.limits.max_connections = 1;
    cfg.limits.command_timeout = Duration::from_millis(300);
    let relay = start(cfg).await;
    let mut first = tokio::net::TcpStream::connect(&relay.addr).await.unwrap();
    let mut greeting = [0u8; 3];
    first.read_exact(&mut greeting).await.unwrap();
    assert_eq!(&greeting, b"220");
    let mut second = tokio::net::TcpStream::connect(&relay.addr).await.unwrap();
    let mut out = String::new();
    second.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("421 4.7.0"), "{out}");
    // The idle first connection is closed with 421 after the command timeout.
    let mut rest = String::new();
    tokio::time::timeout(Duration::from_secs(3), first.read_to_string(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert!(rest.contains("421 4.4.2"), "{rest}");
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spooled_mail_is_delivered_after_restart_and_quarantine_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    // The next hop is down (nothing listens on this port) while mail comes in.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap().to_string();
    drop(dead);
    let exe_mail = b"From: a@internet.example\r\nTo: taro@city.example.lg.jp\r\nSubject: e2e-restart\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--b\r\nContent-Type: application/octet-stream; name=tool.exe\r\nContent-Disposition: attachment; filename=tool.exe\r\n\
Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n";
    let mut cfg = test_config(spool.clone(), &dead_addr);
    cfg.policy.types.insert(
        mamori_sanitize::FileKind::Executable,
        mamori_sanitize::Decision::Quarantine,
    );
    let relay = start(cfg).await;
    let ok = send(
        &relay.addr,
        "a@internet.example",
        &["taro@city.example.lg.jp"],
        exe_mail,
    )
    .await;
    assert_eq!(ok.delivered.len(), 1);
    assert!(
        wait_for(Duration::from_secs(5), || {
            relay.stats.deferred.load(Ordering::Relaxed) >= 1
        })
        .await
    );
    relay.shutdown().await;
    assert_eq!(spool_files(&spool, "sanitized"), 1);
    let quarantined: Vec<_> = std::fs::read_dir(spool.join("quarantine"))
        .unwrap()
        .collect();
    assert_eq!(quarantined.len(), 1);
    let qdir = quarantined[0].as_ref().unwrap().path();
    assert!(qdir.join("report.json").exists());
    assert!(std::fs::read_dir(&qdir).unwrap().count() >= 2);

    // Restart with the next hop up: the spool is the source of truth.
    let sink = Sink::start(dir.path().join("sink")).await;
    let relay = start(test_config(spool.clone(), &sink.addr)).await;
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    let text = sink.received()[0].text();
    assert!(text.contains("Subject: e2e-restart"));
    let id = qdir.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        text.contains(&id),
        "the notice names the quarantine ID {id}"
    );
    relay.shutdown().await;
}

fn tls_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls")
}

fn tls_client() -> tokio_rustls::TlsConnector {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(tls_dir().join("cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn read_reply<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> String {
    use tokio::io::AsyncBufReadExt;
    let mut all = String::new();
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(5), r.read_line(&mut line))
            .await
            .unwrap()
            .unwrap();
        all.push_str(&line);
        if n == 0 || line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_then_mail_and_plaintext_injection_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let mut cfg = test_config(dir.path().join("spool"), &sink.addr);
    cfg.tls = Some(
        mamori_relay::TlsConfig::from_pem_files(
            &tls_dir().join("cert.pem"),
            &tls_dir().join("key.pem"),
        )
        .unwrap(),
    );
    cfg.require_tls = true;
    let relay = start(cfg).await;

    let stream = tokio::net::TcpStream::connect(&relay.addr).await.unwrap();
    let mut plain = tokio::io::BufReader::new(stream);
    assert!(read_reply(&mut plain).await.starts_with("220 "));
    plain.get_mut().write_all(b"EHLO c\r\n").await.unwrap();
    assert!(read_reply(&mut plain).await.contains("250-STARTTLS\r\n"));
    plain
        .get_mut()
        .write_all(b"MAIL FROM:<a@internet.example>\r\n")
        .await
        .unwrap();
    assert!(read_reply(&mut plain).await.starts_with("530 5.7.0"));
    plain.get_mut().write_all(b"STARTTLS\r\n").await.unwrap();
    assert!(read_reply(&mut plain).await.starts_with("220 "));
    let server_name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tls_client()
        .connect(server_name, plain.into_inner())
        .await
        .unwrap();
    let mut tls = tokio::io::BufReader::new(tls);
    tls.get_mut()
        .write_all(
            b"EHLO c\r\nMAIL FROM:<a@internet.example>\r\nRCPT TO:<taro@city.example.lg.jp>\r\nDATA\r\n",
        )
        .await
        .unwrap();
    let ehlo = read_reply(&mut tls).await;
    assert!(
        ehlo.starts_with("250-") && !ehlo.contains("STARTTLS"),
        "{ehlo}"
    );
    assert!(read_reply(&mut tls).await.starts_with("250 "));
    assert!(read_reply(&mut tls).await.starts_with("250 "));
    assert!(read_reply(&mut tls).await.starts_with("354 "));
    tls.get_mut()
        .write_all(b"Subject: e2e-tls\r\n\r\nover tls\r\n.\r\nQUIT\r\n")
        .await
        .unwrap();
    assert!(read_reply(&mut tls).await.starts_with("250 "));
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    assert!(sink.received()[0].text().contains("Subject: e2e-tls"));

    // Commands pipelined behind STARTTLS in plain text would be injected into the TLS session:
    // the relay hangs up at once instead (without the check it would wait for a TLS handshake
    // until the 300 s command timeout, and the 5 s read below would fail).
    let mut s = tokio::net::TcpStream::connect(&relay.addr).await.unwrap();
    s.write_all(b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@internet.example>\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("220 2.0.0"), "{out}");
    assert!(!out.contains("530") && !out.contains("250 2.1.0"), "{out}");
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_limit_holds_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap().to_string();
    drop(dead);
    let config = || {
        let mut cfg = test_config(spool.clone(), &dead_addr);
        cfg.retry.initial = Duration::from_millis(300);
        cfg.retry.max_delay = Duration::from_secs(2);
        cfg.retry.max_attempts = 3;
        cfg
    };
    let relay = start(config()).await;
    send(
        &relay.addr,
        "a@internet.example",
        &["taro@city.example.lg.jp"],
        &html_mail("e2e-limit"),
    )
    .await;
    assert!(
        wait_for(Duration::from_secs(5), || {
            relay.stats.deferred.load(Ordering::Relaxed) >= 2
        })
        .await
    );
    relay.shutdown().await;
    // Two attempts are on record; after a restart the third is the last one.
    let relay = start(config()).await;
    assert!(
        wait_for(Duration::from_secs(3), || {
            relay.stats.bounced.load(Ordering::Relaxed) >= 1
        })
        .await,
        "gave up on the first attempt after the restart"
    );
    relay.shutdown().await;
    // Only the bounce is left in the queue (the next hop is still down).
    let left: Vec<_> = std::fs::read_dir(spool.join("sanitized"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(left.len(), 1);
    assert!(left[0].contains("\nfrom <>\nreceived "), "{}", left[0]);
    assert!(left[0].contains("\nto <a@internet.example>\n"));
}
