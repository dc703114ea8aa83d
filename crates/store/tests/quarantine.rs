//! The 無害化 quarantine record and its release workflow, on SQLite and on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_store::{AuditVerdict, NewQuarantine, OpenMode, QuarantineState, Store, StoreError};

const AT: &str = "2026-11-26T09:00:00.000000Z";
const LATER: &str = "2026-11-27T09:00:00.000000Z";

async fn record(store: &Store, qid: &str, retain_until: &str) -> i64 {
    let recipients = vec!["taro@city.example.lg.jp".to_string()];
    let files = vec![("請求書.zip".to_string(), 4096i64)];
    store
        .record_quarantine(
            &NewQuarantine {
                quarantine_id: qid,
                message_id: "<m1@internet.example>",
                sender: "news@internet.example",
                recipients: &recipients,
                subject: "請求書の送付",
                reason: "zip bomb",
                files: &files,
                size: 5000,
                original_path: "/var/spool/mamori/quarantine/Q1",
                received_at: AT,
                retain_until,
            },
            "relay",
            AT,
        )
        .await
        .unwrap()
}

async fn release_workflow_is_recorded_and_audited(url: String) {
    let store = Store::open(&url, OpenMode::Create).await.unwrap();
    let id = record(&store, "Q1", "2026-12-26T09:00:00.000000Z").await;
    // Recording again (a relay retry) changes nothing.
    assert_eq!(
        record(&store, "Q1", "2026-12-26T09:00:00.000000Z").await,
        id
    );
    assert_eq!(store.quarantine_items(10).await.unwrap().len(), 1);
    let item = store.quarantine_item(id).await.unwrap().unwrap();
    assert_eq!(item.state, QuarantineState::Held);
    assert_eq!(item.recipients, vec!["taro@city.example.lg.jp"]);
    assert_eq!(item.files, vec![("請求書.zip".to_string(), 4096)]);

    // Deciding before anyone asked is refused, with nothing changed.
    let early = store
        .decide_release(id, true, "S-KAN", "ok", "web:kanri", AT)
        .await;
    assert!(matches!(early, Err(StoreError::Invalid(_))), "{early:?}");
    assert!(store.approved_releases().await.unwrap().is_empty());

    let r = store
        .request_release(
            id,
            "S-TARO",
            "taro@city.example.lg.jp",
            "取引先からの正式な請求書です",
            "web:taro",
            AT,
        )
        .await
        .unwrap();
    assert_eq!(r.state, QuarantineState::Requested);
    let refused = store
        .decide_release(
            id,
            false,
            "S-KAN",
            "送信元に確認してください",
            "web:kanri",
            AT,
        )
        .await
        .unwrap();
    assert_eq!(refused.state, QuarantineState::Refused);
    assert_eq!(
        refused.decision_note.as_deref(),
        Some("送信元に確認してください")
    );
    // Asked again after a refusal, then approved.
    store
        .request_release(
            id,
            "S-TARO",
            "taro@city.example.lg.jp",
            "電話で確認しました",
            "web:taro",
            AT,
        )
        .await
        .unwrap();
    let approved = store
        .decide_release(id, true, "S-KAN", "確認済み", "web:kanri", AT)
        .await
        .unwrap();
    assert_eq!(approved.state, QuarantineState::Approved);
    assert_eq!(approved.decided_by.as_deref(), Some("S-KAN"));
    assert_eq!(store.approved_releases().await.unwrap().len(), 1);
    // Approved items are not purged before they are delivered.
    assert!(
        store
            .expired_quarantine("2027-01-01T00:00:00.000000Z")
            .await
            .unwrap()
            .is_empty()
    );
    let released = store.mark_released(id, "relay", LATER).await.unwrap();
    assert_eq!(released.state, QuarantineState::Released);
    assert_eq!(released.released_at.as_deref(), Some(LATER));
    assert!(store.approved_releases().await.unwrap().is_empty());
    // Released twice is refused.
    assert!(matches!(
        store.mark_released(id, "relay", LATER).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.mark_released(999, "relay", LATER).await,
        Err(StoreError::NotFound { .. })
    ));

    let actions: Vec<(String, String)> = store
        .audit_entries(100, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "quarantine")
        .map(|e| (e.action, e.actor))
        .collect();
    let expected = [
        ("quarantine", "relay"),
        ("request-release", "web:taro"),
        ("refuse-release", "web:kanri"),
        ("request-release", "web:taro"),
        ("approve-release", "web:kanri"),
        ("release", "relay"),
    ];
    // Newest first in the log.
    let mut in_order = actions.clone();
    in_order.reverse();
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(in_order, want);
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
}

async fn retention_expires_what_is_past_it(url: String) {
    let store = Store::open(&url, OpenMode::Create).await.unwrap();
    let old = record(&store, "Q-OLD", "2026-11-27T00:00:00.000000Z").await;
    let young = record(&store, "Q-YOUNG", "2026-12-26T00:00:00.000000Z").await;
    let due = store
        .expired_quarantine("2026-11-28T00:00:00.000000Z")
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![old],
        "only the item past its retention"
    );
    let expired = store.mark_expired(old, "relay", LATER).await.unwrap();
    assert_eq!(expired.state, QuarantineState::Expired);
    assert!(
        store
            .expired_quarantine("2026-11-28T00:00:00.000000Z")
            .await
            .unwrap()
            .is_empty()
    );
    // An expired item can no longer be asked for.
    assert!(matches!(
        store
            .request_release(old, "S", "a@b", "x", "web:x", LATER)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.quarantine_item(young).await.unwrap().unwrap().state,
        QuarantineState::Held
    );
}

mamori_testkit::both_backends!(
    release_workflow_is_recorded_and_audited,
    retention_expires_what_is_past_it,
);
