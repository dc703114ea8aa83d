#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The relay side of the quarantine release workflow over a real store (SQLite): a quarantined
//! message is recorded, an approved release is delivered as the original to the recipient who
//! asked, and an original past its retention is purged — each step in the audit log.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta};
use common::{Sink, test_config, wait_for};
use mamori_relay::smtp::client;
use mamori_relay::{Clock, QuarantineRecords, Relay};
use mamori_store::{OpenMode, QuarantineState, Store};
use tokio::sync::oneshot;

struct TestClock(Mutex<DateTime<FixedOffset>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap()
    }
}

fn zip_bomb() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("zeros.txt", opts).unwrap();
    w.write_all(&vec![0u8; 8 * 1024 * 1024]).unwrap();
    w.finish().unwrap().into_inner()
}

fn mail_with(bomb: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bomb);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "From: <billing@internet.example>\r\nTo: <taro@city.example.lg.jp>\r\n\
         Subject: invoice\r\nMessage-ID: <invoice-1@internet.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nsee attachment\r\n\
         --B\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"invoice.zip\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_original_is_delivered_and_expired_one_purged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mamori.db");
    let store = Store::open(db.to_str().unwrap(), OpenMode::Create)
        .await
        .unwrap();
    let sink = Sink::start(dir.path().join("sink")).await;
    let spool = dir.path().join("spool");
    let start = DateTime::parse_from_rfc3339("2026-11-26T09:00:00+09:00").unwrap();
    let clock = Arc::new(TestClock(Mutex::new(start)));
    let mut records = QuarantineRecords::new(store.clone());
    records.poll = Duration::from_millis(100);
    let relay = Relay::bind_with(
        test_config(spool.clone(), &sink.addr),
        clock.clone(),
        Some(records),
    )
    .await
    .unwrap();
    let addr = relay.local_addr().unwrap().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });

    let bomb = zip_bomb();
    let original = mail_with(&bomb);
    let sent = client::deliver(
        &addr,
        "client.test",
        Duration::from_secs(5),
        "billing@internet.example",
        &["taro@city.example.lg.jp".to_string()],
        &original,
    )
    .await;
    assert_eq!(sent.delivered.len(), 1, "{sent:?}");
    assert!(wait_for(Duration::from_secs(10), || sink.received().len() == 1).await);
    let sanitised = sink.received()[0].text();
    // Delivered sanitised: the zip itself (its first base64 line) is not in the message.
    let first_line: String = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(&bomb)
            .chars()
            .take(76)
            .collect()
    };
    assert!(sanitised.contains("X-Mamori-Sanitized"), "{sanitised}");
    assert!(
        !sanitised.contains(&first_line),
        "the zip must not be delivered"
    );

    // Recorded in the store, held.
    let mut items = Vec::new();
    for _ in 0..100 {
        items = store.quarantine_items(10).await.unwrap();
        if !items.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.state, QuarantineState::Held);
    assert_eq!(item.sender, "billing@internet.example");
    assert_eq!(item.recipients, vec!["taro@city.example.lg.jp"]);
    assert_eq!(item.subject, "invoice");
    assert_eq!(item.message_id, "<invoice-1@internet.example>");
    assert_eq!(
        item.files,
        vec![("invoice.zip".to_string(), bomb.len() as i64)]
    );
    assert_eq!(item.received_at, "2026-11-26T00:00:00.000000Z");
    assert_eq!(item.retain_until, "2026-12-26T00:00:00.000000Z");
    let qdir = spool.join("quarantine").join(&item.quarantine_id);
    assert!(qdir.join("original.eml").is_file());
    assert!(
        sanitised.contains(&item.quarantine_id),
        "the notice names the 隔離ID"
    );

    // Nothing is delivered while it is only requested.
    store
        .request_release(
            item.id,
            "S-TARO",
            "taro@city.example.lg.jp",
            "取引先の請求書",
            "web:taro",
            "2026-11-26T01:00:00.000000Z",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.received().len(), 1);

    store
        .decide_release(
            item.id,
            true,
            "S-KAN",
            "確認済み",
            "web:kanri",
            "2026-11-26T02:00:00.000000Z",
        )
        .await
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || sink.received().len() == 2).await,
        "the approved original was not delivered"
    );
    let released = &sink.received()[1];
    assert_eq!(released.rcpt, vec!["taro@city.example.lg.jp"]);
    assert_eq!(released.from, "billing@internet.example");
    let text = released.text();
    assert!(text.starts_with(&format!(
        "X-Mamori-Released: {}; approved-by=S-KAN\r\n",
        item.quarantine_id
    )));
    assert!(
        released
            .data
            .windows(original.len())
            .any(|w| w == original.as_slice()),
        "the original as received, untouched"
    );
    let mut state = QuarantineState::Approved;
    for _ in 0..100 {
        state = store.quarantine_item(item.id).await.unwrap().unwrap().state;
        if state == QuarantineState::Released {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, QuarantineState::Released);
    // Delivered once, not at every poll.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.received().len(), 2);

    // Past its retention the original is purged and the item expires.
    *clock.0.lock().unwrap() = start + TimeDelta::days(31);
    for _ in 0..100 {
        state = store.quarantine_item(item.id).await.unwrap().unwrap().state;
        if state == QuarantineState::Expired {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, QuarantineState::Expired);
    assert!(!qdir.exists(), "the original is gone from the spool");

    let steps: Vec<(String, String)> = store
        .audit_entries(100, Some(&item.quarantine_id))
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| (e.action, e.actor))
        .collect();
    let want = [
        ("quarantine", "mamori-relay"),
        ("request-release", "web:taro"),
        ("approve-release", "web:kanri"),
        ("release", "mamori-relay"),
        ("expire", "mamori-relay"),
    ];
    assert_eq!(
        steps,
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}
