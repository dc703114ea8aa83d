//! Personal API tokens, on SQLite and on a real PostgreSQL (see mamori-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_core::classification::mic_r6;
use mamori_core::{Department, DepartmentKind, ModelVariant, Staff};
use mamori_store::{AuditVerdict, NewUser, OpenMode, OrgData, Store, StoreError};

const AT: &str = "2026-11-26T09:00:00.000000Z";
const LATER: &str = "2026-11-26T10:00:00.000000Z";

async fn store_with_users(url: &str) -> Store {
    let store = Store::open(url, OpenMode::Create).await.unwrap();
    store
        .init_organisation("能代市", &mic_r6(), ModelVariant::Alpha, "test", AT)
        .await
        .unwrap();
    let staff = |id: &str| Staff {
        id: id.into(),
        name: format!("職員{id}"),
        department: "1110".into(),
        email: None,
        active: true,
    };
    store
        .add_org_data(
            &OrgData {
                departments: vec![Department {
                    code: "1110".into(),
                    name: "市民課".into(),
                    kind: DepartmentKind::Ka,
                    parent: None,
                }],
                staff: vec![staff("S1"), staff("S2")],
                ..OrgData::default()
            },
            "test",
            AT,
        )
        .await
        .unwrap();
    for (login, staff) in [("suzuki", "S1"), ("sato", "S2")] {
        store
            .create_user(
                &NewUser {
                    login,
                    staff,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                    lang: "ja",
                },
                "cli:admin",
                AT,
            )
            .await
            .unwrap();
    }
    store
}

async fn tokens_are_found_by_hash_listed_touched_and_revoked_by_their_owner(url: String) {
    let store = store_with_users(&url).await;
    let first = store
        .create_api_token("suzuki", "集計", "hash-1", "web:suzuki", AT)
        .await
        .unwrap();
    let second = store
        .create_api_token("suzuki", "監視", "hash-2", "web:suzuki", AT)
        .await
        .unwrap();
    assert_ne!(first, second);
    // The hash is unique: the same token cannot be stored twice.
    assert!(
        store
            .create_api_token("sato", "x", "hash-1", "web:sato", AT)
            .await
            .is_err()
    );
    assert!(matches!(
        store
            .create_api_token("nobody", "x", "hash-9", "web:nobody", AT)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let found = store.api_token_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.login.as_str(), found.name.as_str()),
        (first, "suzuki", "集計")
    );
    assert_eq!(found.last_used, None);
    assert!(store.api_token_by_hash("hash-3").await.unwrap().is_none());

    store.touch_api_token(first, LATER).await.unwrap();
    let listed = store.api_tokens("suzuki").await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|t| (t.name.as_str(), t.last_used.as_deref()))
            .collect::<Vec<_>>(),
        vec![("集計", Some(LATER)), ("監視", None)]
    );
    assert!(store.api_tokens("sato").await.unwrap().is_empty());

    // Someone else cannot revoke it; its owner can, once.
    assert!(
        !store
            .revoke_api_token("sato", first, "web:sato", LATER)
            .await
            .unwrap()
    );
    assert!(store.api_token_by_hash("hash-1").await.unwrap().is_some());
    assert!(
        store
            .revoke_api_token("suzuki", first, "web:suzuki", LATER)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_token("suzuki", first, "web:suzuki", LATER)
            .await
            .unwrap()
    );
    assert!(store.api_token_by_hash("hash-1").await.unwrap().is_none());
    assert_eq!(store.api_tokens("suzuki").await.unwrap().len(), 1);

    // Creation and revocation are audited, without the hash; the chain still verifies.
    let entries: Vec<_> = store
        .audit_entries(100, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "api-token")
        .collect();
    let mut actions: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.action.clone(), e.entity_id.clone()))
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            ("create".to_string(), first.to_string()),
            ("create".to_string(), second.to_string()),
            ("revoke".to_string(), first.to_string()),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.after.as_deref().unwrap_or("").contains("hash-"))
    );
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
}

mamori_testkit::both_backends!(tokens_are_found_by_hash_listed_touched_and_revoked_by_their_owner,);
