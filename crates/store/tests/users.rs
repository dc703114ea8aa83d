//! Accounts and sessions, on SQLite and on a real PostgreSQL (see mamori-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_core::classification::mic_r6;
use mamori_core::{Department, DepartmentKind, ModelVariant, Staff};
use mamori_store::{
    AuditVerdict, NewUser, OpenMode, OrgData, SecondFactor, SessionRecord, Store, StoreError,
};

const AT: &str = "2026-11-26T09:00:00.000000Z";

async fn store_with_staff(url: &str) -> Store {
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
    store
}

fn new_user<'a>(login: &'a str, staff: &'a str) -> NewUser<'a> {
    NewUser {
        login,
        staff,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        lang: "ja",
    }
}

fn session(token_hash: &str, login: &str) -> SessionRecord {
    SessionRecord {
        token_hash: token_hash.into(),
        login: login.into(),
        created_at: AT.into(),
        last_seen: AT.into(),
        expires_at: "2026-11-26T19:00:00.000000Z".into(),
        csrf_secret: format!("csrf-{token_hash}"),
        mfa_pending: false,
    }
}

async fn accounts_are_created_once_per_login_and_staff(url: String) {
    let store = store_with_staff(&url).await;
    store
        .create_user(&new_user("suzuki", "S1"), "cli:admin", AT)
        .await
        .unwrap();
    let u = store.user("suzuki").await.unwrap().unwrap();
    assert_eq!(
        (
            u.staff.as_str(),
            u.disabled,
            u.failed_logins,
            u.locked_until.as_deref(),
            u.lang.as_str()
        ),
        ("S1", false, 0, None, "ja")
    );
    assert!(matches!(
        store
            .create_user(&new_user("suzuki", "S2"), "cli:admin", AT)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .create_user(&new_user("other", "S1"), "cli:admin", AT)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .create_user(&new_user("ghost", "S9"), "cli:admin", AT)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.users().await.unwrap().len(), 1);
    // The audit entry records the account but never its password hash.
    let entries = store.audit_entries(5, Some("suzuki")).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "create");
    let after = entries[0].after.as_deref().unwrap();
    assert!(after.contains("\"staff\":\"S1\"") && !after.contains("argon2"));
}

async fn lockout_sessions_and_disabling_are_stored_and_audited(url: String) {
    let store = store_with_staff(&url).await;
    store
        .create_user(&new_user("sato", "S2"), "cli:admin", AT)
        .await
        .unwrap();
    store
        .record_failed_login("sato", 4, None, AT)
        .await
        .unwrap();
    store
        .record_failed_login("sato", 0, Some("2026-11-26T09:15:00.000000Z"), AT)
        .await
        .unwrap();
    let u = store.user("sato").await.unwrap().unwrap();
    assert_eq!(
        u.locked_until.as_deref(),
        Some("2026-11-26T09:15:00.000000Z")
    );

    store
        .start_session(&session("h1", "sato"), AT)
        .await
        .unwrap();
    store
        .start_session(&session("h2", "sato"), AT)
        .await
        .unwrap();
    let u = store.user("sato").await.unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, None));
    assert_eq!(
        store.session("h1").await.unwrap(),
        Some(session("h1", "sato"))
    );
    store
        .touch_session("h1", "2026-11-26T09:05:00.000000Z")
        .await
        .unwrap();
    assert_eq!(
        store.session("h1").await.unwrap().unwrap().last_seen,
        "2026-11-26T09:05:00.000000Z"
    );

    // A password change keeps the session that made it and ends the others.
    store
        .set_password_hash("sato", "$argon2id$new", Some("h1"), "web:sato", AT)
        .await
        .unwrap();
    assert!(store.session("h1").await.unwrap().is_some());
    assert!(store.session("h2").await.unwrap().is_none());
    assert_eq!(
        store.user("sato").await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );

    store
        .set_user_lang("sato", "en", "web:sato", AT)
        .await
        .unwrap();
    assert_eq!(store.user("sato").await.unwrap().unwrap().lang, "en");

    // Disabling ends every session.
    store
        .set_user_disabled("sato", true, "cli:admin", AT)
        .await
        .unwrap();
    assert!(store.user("sato").await.unwrap().unwrap().disabled);
    assert!(store.session("h1").await.unwrap().is_none());

    store
        .start_session(&session("h3", "sato"), AT)
        .await
        .unwrap();
    store.end_session("h3", "sign-out", AT).await.unwrap();
    assert!(store.session("h3").await.unwrap().is_none());
    store
        .record_asset_view("A-1", "web:sato", AT)
        .await
        .unwrap();

    let actions: Vec<String> = store
        .audit_entries(50, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_id == "sato" || e.entity_id == "A-1")
        .map(|e| e.action)
        .rev()
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "sign-in-failed",
            "lock",
            "sign-in",
            "sign-in",
            "change-password",
            "update",
            "disable",
            "sign-in",
            "sign-out",
            "view"
        ]
    );
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
    assert!(matches!(
        store
            .set_user_disabled("nobody", true, "cli:admin", AT)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn last_change_seq_moves_only_with_changes_to_that_entity(url: String) {
    let store = store_with_staff(&url).await;
    assert_eq!(store.last_change_seq("asset").await.unwrap(), 0);
    let asset = mamori_core::Asset::new("A-1", "資産", mamori_core::AssetKind::Information);
    store
        .import_assets(vec![asset], &mic_r6(), "test", AT, false)
        .await
        .unwrap();
    let after_import = store.last_change_seq("asset").await.unwrap();
    assert!(after_import > 0);
    store.record_asset_view("A-1", "web:x", AT).await.unwrap();
    store
        .create_user(&new_user("kato", "S1"), "cli:admin", AT)
        .await
        .unwrap();
    assert_eq!(store.last_change_seq("asset").await.unwrap(), after_import);
    assert!(store.last_change_seq("user").await.unwrap() > after_import);
}

async fn mfa_enrolment_codes_and_reset_are_single_use_and_audited(url: String) {
    let store = store_with_staff(&url).await;
    store
        .create_user(&new_user("ito", "S1"), "cli:admin", AT)
        .await
        .unwrap();
    assert_eq!(store.mfa("ito").await.unwrap(), None);
    store
        .begin_mfa_enrolment("ito", "OLDSECRET", "web:ito", AT)
        .await
        .unwrap();
    // Restarting replaces the unconfirmed secret; confirming the old one no longer works.
    store
        .begin_mfa_enrolment("ito", "NEWSECRET", "web:ito", AT)
        .await
        .unwrap();
    let hashes: Vec<String> = (0..10).map(|i| format!("hash{i}")).collect();
    assert!(
        !store
            .confirm_mfa_enrolment("ito", "OLDSECRET", 100, &hashes, "web:ito", AT)
            .await
            .unwrap()
    );
    assert!(!store.mfa("ito").await.unwrap().unwrap().confirmed);
    assert!(
        store
            .confirm_mfa_enrolment("ito", "NEWSECRET", 100, &hashes, "web:ito", AT)
            .await
            .unwrap()
    );
    let m = store.mfa("ito").await.unwrap().unwrap();
    assert_eq!(
        (m.secret.as_str(), m.confirmed, m.last_step),
        ("NEWSECRET", true, Some(100))
    );
    assert_eq!(store.unused_recovery_codes("ito").await.unwrap(), 10);
    assert!(matches!(
        store
            .begin_mfa_enrolment("ito", "THIRD", "web:ito", AT)
            .await,
        Err(StoreError::Invalid(_))
    ));

    // A pending session becomes a full one only with a step newer than the last accepted one.
    let mut pending = session("p1", "ito");
    pending.mfa_pending = true;
    store.start_session(&pending, AT).await.unwrap();
    assert!(store.session("p1").await.unwrap().unwrap().mfa_pending);
    let later = "2026-11-26T20:00:00.000000Z";
    for replayed in [99, 100] {
        assert!(
            !store
                .complete_mfa_sign_in("p1", "ito", SecondFactor::TotpStep(replayed), later, AT)
                .await
                .unwrap()
        );
    }
    assert!(store.session("p1").await.unwrap().unwrap().mfa_pending);
    assert!(
        store
            .complete_mfa_sign_in("p1", "ito", SecondFactor::TotpStep(101), later, AT)
            .await
            .unwrap()
    );
    let s = store.session("p1").await.unwrap().unwrap();
    assert_eq!((s.mfa_pending, s.expires_at.as_str()), (false, later));
    assert_eq!(
        store.mfa("ito").await.unwrap().unwrap().last_step,
        Some(101)
    );
    // Not pending any more: nothing to complete.
    assert!(
        !store
            .complete_mfa_sign_in("p1", "ito", SecondFactor::TotpStep(102), later, AT)
            .await
            .unwrap()
    );

    // A recovery code works once.
    pending.token_hash = "p2".into();
    store.start_session(&pending, AT).await.unwrap();
    assert!(
        store
            .complete_mfa_sign_in("p2", "ito", SecondFactor::RecoveryCode("hash3"), later, AT)
            .await
            .unwrap()
    );
    assert_eq!(store.unused_recovery_codes("ito").await.unwrap(), 9);
    pending.token_hash = "p3".into();
    store.start_session(&pending, AT).await.unwrap();
    for code in ["hash3", "unknown"] {
        assert!(
            !store
                .complete_mfa_sign_in("p3", "ito", SecondFactor::RecoveryCode(code), later, AT)
                .await
                .unwrap()
        );
    }

    // A wrong second factor that locks the account ends the sessions waiting for a code.
    store
        .record_failed_second_factor("ito", 0, Some(later), AT)
        .await
        .unwrap();
    assert!(store.session("p3").await.unwrap().is_none());
    assert!(store.session("p1").await.unwrap().is_some());

    // Disabling with a used step changes nothing; with a fresh one it removes everything.
    assert!(
        !store
            .remove_mfa(
                "ito",
                Some(SecondFactor::TotpStep(101)),
                "mfa-disable",
                "web:ito",
                AT
            )
            .await
            .unwrap()
    );
    assert!(store.mfa("ito").await.unwrap().is_some());
    assert!(
        store
            .remove_mfa(
                "ito",
                Some(SecondFactor::TotpStep(102)),
                "mfa-disable",
                "web:ito",
                AT
            )
            .await
            .unwrap()
    );
    assert_eq!(store.mfa("ito").await.unwrap(), None);
    assert_eq!(store.unused_recovery_codes("ito").await.unwrap(), 0);
    // An administrator's reset needs no factor; with nothing enrolled it reports so.
    store
        .begin_mfa_enrolment("ito", "AGAIN", "web:ito", AT)
        .await
        .unwrap();
    assert!(
        store
            .remove_mfa("ito", None, "mfa-reset", "cli:admin", AT)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_mfa("ito", None, "mfa-reset", "cli:admin", AT)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .remove_mfa("nobody", None, "mfa-reset", "cli:admin", AT)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let entries = store.audit_entries(50, Some("ito")).await.unwrap();
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "mfa-enrol-start",
            "mfa-enrol-start",
            "mfa-enrol",
            "sign-in-password",
            "sign-in",
            "sign-in-password",
            "sign-in",
            "sign-in-password",
            "lock",
            "mfa-disable",
            "mfa-enrol-start",
            "mfa-reset",
        ]
    );
    // Neither the secret nor a recovery code hash is ever written to the audit log.
    for e in &entries {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(
            !text.contains("SECRET") && !text.contains("hash3"),
            "{text}"
        );
    }
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
}

mamori_testkit::both_backends!(
    mfa_enrolment_codes_and_reset_are_single_use_and_audited,
    last_change_seq_moves_only_with_changes_to_that_entity,
    accounts_are_created_once_per_login_and_staff,
    lockout_sessions_and_disabling_are_stored_and_audited,
);
