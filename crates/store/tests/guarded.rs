//! The guarded import (a row check inside the import transaction) and the settings update, on
//! SQLite and on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_core::classification::mic_r6;
use mamori_core::{Asset, AssetKind, Classification, Department, DepartmentKind, ModelVariant};
use mamori_store::{AuditVerdict, OpenMode, OrgData, Settings, Store, StoreError};

const AT: &str = "2026-11-26T09:00:00Z";

async fn store_with_two_departments(url: &str) -> Store {
    let store = Store::open(url, OpenMode::Create).await.unwrap();
    store
        .init_organisation("試験市", &mic_r6(), ModelVariant::Alpha, "test", AT)
        .await
        .unwrap();
    let d = |code: &str| Department {
        code: code.into(),
        name: code.into(),
        kind: DepartmentKind::Ka,
        parent: None,
    };
    store
        .add_org_data(
            &OrgData {
                departments: vec![d("K1"), d("K2")],
                ..OrgData::default()
            },
            "test",
            AT,
        )
        .await
        .unwrap();
    store
}

fn asset(id: &str, name: &str, department: &str) -> Asset {
    let mut a = Asset::new(id, name, AssetKind::Information);
    a.department = Some(department.into());
    a.classification = Classification::new("2", "2", "2");
    a
}

async fn audit_len(store: &Store) -> usize {
    store.audit_entries(10_000, None).await.unwrap().len()
}

async fn a_refused_row_stops_the_whole_import(url: String) {
    let store = store_with_two_departments(&url).await;
    store
        .import_assets(
            vec![asset("A1", "一", "K1"), asset("B1", "他課", "K2")],
            &mic_r6(),
            "test",
            AT,
            false,
        )
        .await
        .unwrap();
    // Only K1's assets, judged on the stored asset as well as on the incoming row.
    let only_k1 = |incoming: &Asset, stored: Option<&Asset>| {
        incoming.department.as_deref() == Some("K1")
            && stored.is_none_or(|s| s.department.as_deref() == Some("K1"))
    };
    let before = audit_len(&store).await;
    let outcome = store
        .import_assets_guarded(
            vec![
                asset("A1", "一（改）", "K1"),
                asset("A2", "新規", "K1"),
                // Takes over K2's asset by moving it into K1: refused on the stored asset.
                asset("B1", "乗っ取り", "K1"),
            ],
            &mic_r6(),
            "web:kanri",
            AT,
            false,
            &only_k1,
        )
        .await
        .unwrap();
    assert_eq!(outcome.refused, ["B1"]);
    assert_eq!((outcome.summary.created, outcome.summary.updated), (1, 2));
    assert_eq!(audit_len(&store).await, before, "nothing written");
    assert!(store.asset("A2").await.unwrap().is_none());
    assert_eq!(store.asset("B1").await.unwrap().unwrap().name, "他課");

    let outcome = store
        .import_assets_guarded(
            vec![
                asset("A1", "一（改）", "K1"),
                asset("A2", "新規", "K1"),
                asset("A3", "三", "K1"),
            ],
            &mic_r6(),
            "web:kanri",
            AT,
            false,
            &only_k1,
        )
        .await
        .unwrap();
    assert!(outcome.refused.is_empty());
    assert_eq!(outcome.created, ["A2", "A3"]);
    assert_eq!(outcome.updated, ["A1"]);
    assert_eq!(store.asset("A1").await.unwrap().unwrap().name, "一（改）");
    assert_eq!(audit_len(&store).await, before + 3);
}

async fn settings_change_together_and_levels_stay_locked(url: String) {
    let store = store_with_two_departments(&url).await;
    let before = audit_len(&store).await;
    let mut scheme = mic_r6();
    scheme.confidentiality.levels[0].grade = 2;
    let locked = store
        .update_settings(
            &Settings {
                name: "新試験市".into(),
                model_variant: ModelVariant::Beta,
                scheme,
            },
            "web:ciso",
            AT,
        )
        .await;
    assert!(matches!(locked, Err(StoreError::Invalid(_))), "{locked:?}");
    let org = store.organisation().await.unwrap();
    assert_eq!(
        (org.name.as_str(), org.model_variant),
        ("試験市", ModelVariant::Alpha)
    );
    assert_eq!(audit_len(&store).await, before);

    let mut scheme = mic_r6();
    scheme.integrity.levels[0].label.ja = "完全性・低".into();
    let settings = Settings {
        name: "新試験市".into(),
        model_variant: ModelVariant::AlphaPrime,
        scheme: scheme.clone(),
    };
    assert!(
        store
            .update_settings(&settings, "web:ciso", AT)
            .await
            .unwrap()
    );
    let org = store.organisation().await.unwrap();
    assert_eq!(org.name, "新試験市");
    assert_eq!(org.model_variant, ModelVariant::AlphaPrime);
    assert_eq!(org.scheme, scheme);
    assert_eq!(
        audit_len(&store).await,
        before + 2,
        "organisation and scheme"
    );
    // Saving the same again changes and records nothing.
    assert!(
        !store
            .update_settings(&settings, "web:ciso", AT)
            .await
            .unwrap()
    );
    assert_eq!(audit_len(&store).await, before + 2);
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
}

mamori_testkit::both_backends!(
    a_refused_row_stops_the_whole_import,
    settings_change_together_and_levels_stay_locked,
);
