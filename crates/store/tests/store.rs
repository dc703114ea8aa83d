//! The store's suite. Every scenario runs on SQLite and on a real PostgreSQL (see mamori-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use mamori_core::classification::{mic_legacy, mic_r6};
use mamori_core::org::{RoleAssignment, RoleScope};
use mamori_core::{
    Asset, AssetKind, Classification, Department, DepartmentKind, InformationSystem, ModelVariant,
    Role, Staff, Zone,
};
use mamori_store::{
    AssetFilter, AuditVerdict, Break, ImportSummary, OpenMode, OrgData, Store, StoreError,
};

const AT: &str = "2026-11-26T09:00:00Z";

async fn open(url: &str) -> Store {
    Store::open(url, OpenMode::Create).await.unwrap()
}

fn org_data() -> OrgData {
    let d = |code: &str, name: &str, kind, parent: Option<&str>| Department {
        code: code.into(),
        name: name.into(),
        kind,
        parent: parent.map(Into::into),
    };
    OrgData {
        // Children before parents on purpose: the store must order the tree itself.
        departments: vec![
            d("1110", "市民課", DepartmentKind::Ka, Some("1100")),
            d("1111", "住民記録係", DepartmentKind::Kakari, Some("1110")),
            d("1100", "市民福祉部", DepartmentKind::Bu, None),
        ],
        staff: vec![
            Staff {
                id: "S001".into(),
                name: "能代 太郎".into(),
                department: "1110".into(),
                email: Some("taro@example.lg.jp".into()),
                active: true,
            },
            Staff {
                id: "S002".into(),
                name: "秋田 花子".into(),
                department: "1100".into(),
                email: None,
                active: false,
            },
        ],
        systems: vec![InformationSystem {
            code: "JUKI".into(),
            name: "住民記録システム".into(),
            zone: Zone::MyNumber,
            department: "1110".into(),
        }],
        assignments: vec![
            RoleAssignment {
                staff: "S002".into(),
                role: Role::SecurityOfficer,
                scope: RoleScope::Department("1100".into()),
            },
            RoleAssignment {
                staff: "S001".into(),
                role: Role::SecurityAdministrator,
                scope: RoleScope::Department("1110".into()),
            },
            RoleAssignment {
                staff: "S001".into(),
                role: Role::SystemAdministrator,
                scope: RoleScope::System("JUKI".into()),
            },
            RoleAssignment {
                staff: "S002".into(),
                role: Role::Ciso,
                scope: RoleScope::Organisation,
            },
        ],
    }
}

async fn initialised(url: &str) -> Store {
    let store = open(url).await;
    store
        .init_organisation("能代市", &mic_r6(), ModelVariant::Alpha, "test", AT)
        .await
        .unwrap();
    store.add_org_data(&org_data(), "test", AT).await.unwrap();
    store
}

fn asset(id: &str, zone: Zone, conf: &str) -> Asset {
    let mut a = Asset::new(id, format!("資産{id}"), AssetKind::Information);
    a.department = Some("1110".into());
    a.manager = Some("S001".into());
    a.zone = Some(zone);
    a.classification = Classification::new(conf, "2", "1");
    a.next_review = NaiveDate::from_ymd_opt(2027, 3, 31);
    a.notes = "改行\nと\"引用符\"".into();
    a
}

async fn audit_count(store: &Store) -> i64 {
    match store.verify_audit().await.unwrap() {
        AuditVerdict::Intact { entries, .. } => entries,
        broken => panic!("chain broken: {broken:?}"),
    }
}

async fn organisation_is_created_once(url: String) {
    let store = open(&url).await;
    assert!(matches!(
        store.organisation().await,
        Err(StoreError::NotInitialised)
    ));
    store
        .init_organisation(
            "能代市",
            &mic_legacy(),
            ModelVariant::BetaPrime,
            "cli:admin",
            AT,
        )
        .await
        .unwrap();
    let org = store.organisation().await.unwrap();
    assert_eq!(org.name, "能代市");
    assert_eq!(org.scheme, mic_legacy());
    assert_eq!(org.model_variant, ModelVariant::BetaPrime);
    let again = store
        .init_organisation("別の市", &mic_r6(), ModelVariant::Alpha, "cli:admin", AT)
        .await;
    assert!(matches!(again, Err(StoreError::AlreadyInitialised(name)) if name == "能代市"));
    assert_eq!(audit_count(&store).await, 1);
    let entries = store.audit_entries(10, None).await.unwrap();
    assert_eq!(entries[0].actor, "cli:admin");
    assert_eq!(entries[0].entity, "organisation");
}

async fn organisation_data_round_trips(url: String) {
    let store = initialised(&url).await;
    let mut departments = store.departments().await.unwrap();
    departments.sort_by(|a, b| a.code.cmp(&b.code));
    let mut expected = org_data().departments;
    expected.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(departments, expected);
    assert_eq!(store.staff().await.unwrap(), org_data().staff);
    assert_eq!(store.systems().await.unwrap(), org_data().systems);
    let mut got = store.role_assignments().await.unwrap();
    let mut want = org_data().assignments;
    got.sort_by_key(|a| (a.staff.clone(), a.role));
    want.sort_by_key(|a| (a.staff.clone(), a.role));
    assert_eq!(got, want);
    // 1 organisation + 3 departments + 2 staff + 1 system + 4 appointments
    assert_eq!(audit_count(&store).await, 11);
}

async fn bad_appointment_changes_nothing(url: String) {
    let store = initialised(&url).await;
    let before = audit_count(&store).await;
    let bad = OrgData {
        staff: vec![Staff {
            id: "S003".into(),
            name: "新任 次郎".into(),
            department: "1110".into(),
            email: None,
            active: true,
        }],
        // 情報セキュリティ管理者 is appointed per 課, not per 部.
        assignments: vec![RoleAssignment {
            staff: "S003".into(),
            role: Role::SecurityAdministrator,
            scope: RoleScope::Department("1100".into()),
        }],
        ..OrgData::default()
    };
    assert!(matches!(
        store.add_org_data(&bad, "test", AT).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.staff().await.unwrap().len(), 2);
    assert_eq!(audit_count(&store).await, before);
}

async fn import_creates_updates_and_leaves_unchanged(url: String) {
    let store = initialised(&url).await;
    let scheme = mic_r6();
    let assets = vec![
        asset("A-1", Zone::Lgwan, "2"),
        asset("A-2", Zone::MyNumber, "3B"),
        asset("A-3", Zone::Internet, "1"),
    ];
    let s = store
        .import_assets(assets.clone(), &scheme, "test", AT, false)
        .await
        .unwrap();
    assert_eq!(
        s,
        ImportSummary {
            created: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let base = audit_count(&store).await;

    let s = store
        .import_assets(assets.clone(), &scheme, "test", AT, false)
        .await
        .unwrap();
    assert_eq!(
        s,
        ImportSummary {
            created: 0,
            updated: 0,
            unchanged: 3
        }
    );
    assert_eq!(
        audit_count(&store).await,
        base,
        "an unchanged import writes no audit entries"
    );

    let mut changed = assets.clone();
    changed[1].classification.confidentiality = Some("3A".into());
    changed.push(asset("A-4", Zone::Lgwan, "2"));
    let dry = store
        .import_assets(changed.clone(), &scheme, "test", AT, true)
        .await
        .unwrap();
    assert_eq!(
        dry,
        ImportSummary {
            created: 1,
            updated: 1,
            unchanged: 2
        }
    );
    assert_eq!(
        store.count_assets().await.unwrap(),
        3,
        "a dry run writes nothing"
    );
    assert_eq!(audit_count(&store).await, base);

    let s = store
        .import_assets(changed.clone(), &scheme, "test", AT, false)
        .await
        .unwrap();
    assert_eq!(s, dry);
    assert_eq!(store.asset("A-2").await.unwrap().unwrap(), changed[1]);
    let entries = store.audit_entries(5, Some("A-2")).await.unwrap();
    assert_eq!(entries[0].action, "update");
    assert!(entries[0].before.as_deref().unwrap().contains("\"3B\""));
    assert!(entries[0].after.as_deref().unwrap().contains("\"3A\""));
    assert_eq!(audit_count(&store).await, base + 2);
}

async fn import_with_unknown_reference_is_all_or_nothing(url: String) {
    let store = initialised(&url).await;
    let mut bad = asset("A-9", Zone::Lgwan, "2");
    bad.department = Some("9999".into());
    let result = store
        .import_assets(
            vec![asset("A-8", Zone::Lgwan, "2"), bad],
            &mic_r6(),
            "test",
            AT,
            false,
        )
        .await;
    assert!(result.is_err());
    assert_eq!(store.count_assets().await.unwrap(), 0);
    assert_eq!(audit_count(&store).await, 11);
}

async fn list_filters_by_zone_and_confidentiality(url: String) {
    let store = initialised(&url).await;
    let assets = vec![
        asset("A-1", Zone::Lgwan, "1"),
        asset("A-2", Zone::Lgwan, "2"),
        asset("A-3", Zone::Lgwan, "3C"),
        asset("A-4", Zone::MyNumber, "3A"),
        asset("A-5", Zone::Internet, "2"),
    ];
    store
        .import_assets(assets, &mic_r6(), "test", AT, false)
        .await
        .unwrap();
    let ids = |v: Vec<Asset>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let f = AssetFilter {
        zone: Some(Zone::Lgwan),
        min_confidentiality_rank: Some(1),
        ..Default::default()
    };
    assert_eq!(ids(store.assets(&f).await.unwrap()), ["A-2", "A-3"]);
    let f = AssetFilter {
        min_confidentiality_rank: Some(2),
        ..Default::default()
    };
    assert_eq!(ids(store.assets(&f).await.unwrap()), ["A-3", "A-4"]);
    let f = AssetFilter {
        limit: Some(2),
        offset: 1,
        ..Default::default()
    };
    assert_eq!(ids(store.assets(&f).await.unwrap()), ["A-2", "A-3"]);
    assert_eq!(
        store.assets(&AssetFilter::default()).await.unwrap().len(),
        5
    );
}

/// A store with 11 org entries + 3 asset entries = 14 audit entries.
async fn chain_of_14(url: &str) -> Store {
    let store = initialised(url).await;
    let assets = vec![
        asset("A-1", Zone::Lgwan, "1"),
        asset("A-2", Zone::Lgwan, "2"),
        asset("A-3", Zone::Lgwan, "2"),
    ];
    store
        .import_assets(assets, &mic_r6(), "test", AT, false)
        .await
        .unwrap();
    assert_eq!(audit_count(&store).await, 14);
    store
}

async fn audit_log_refuses_updates_and_deletes(url: String) {
    let store = chain_of_14(&url).await;
    assert!(
        store
            .execute_for_test("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
            .await
            .is_err()
    );
    assert!(
        store
            .execute_for_test("DELETE FROM audit_log WHERE seq = 3")
            .await
            .is_err()
    );
    assert_eq!(audit_count(&store).await, 14);
}

async fn verify_names_an_altered_entry(url: String) {
    let store = chain_of_14(&url).await;
    store.tamper_for_test(&["UPDATE audit_log SET after_json = replace(after_json, '資産A-2', '資産X') WHERE seq = 13"]).await.unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 13,
            problem: Break::Altered
        }
    );
}

async fn verify_names_a_deleted_entry(url: String) {
    let store = chain_of_14(&url).await;
    store
        .tamper_for_test(&["DELETE FROM audit_log WHERE seq = 5"])
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 6,
            problem: Break::Discontinuous { expected_seq: 5 }
        }
    );
}

async fn verify_names_an_inserted_entry(url: String) {
    let store = chain_of_14(&url).await;
    // Make room at 7 by shifting the tail, then insert a forged entry that links to entry 6.
    store
        .tamper_for_test(&[
            "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 7",
            "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 107",
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) \
             SELECT 7, at, 'intruder', action, entity, entity_id, before_json, after_json, hash, hash FROM audit_log WHERE seq = 6",
        ])
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 7,
            problem: Break::Altered
        }
    );
}

async fn verify_names_reordered_entries(url: String) {
    let store = chain_of_14(&url).await;
    store
        .tamper_for_test(&[
            "UPDATE audit_log SET seq = 1000 WHERE seq = 9",
            "UPDATE audit_log SET seq = 9 WHERE seq = 10",
            "UPDATE audit_log SET seq = 10 WHERE seq = 1000",
        ])
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 9,
            problem: Break::Unlinked
        }
    );
}

async fn verify_notices_a_cut_tail(url: String) {
    let store = chain_of_14(&url).await;
    store
        .tamper_for_test(&["DELETE FROM audit_log WHERE seq >= 13"])
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 13,
            problem: Break::HeadMismatch {
                head_seq: 14,
                last_seq: 12
            }
        }
    );
}

async fn opening_an_existing_database_does_not_create_one(url: String) {
    if url.starts_with("postgres") {
        // A PostgreSQL database is created by its administrator, not by mamori.
        let store = Store::open(&url, OpenMode::Existing).await.unwrap();
        assert!(matches!(
            store.organisation().await,
            Err(StoreError::NotInitialised)
        ));
        return;
    }
    let result = Store::open(&url, OpenMode::Existing).await;
    assert!(matches!(result, Err(StoreError::Missing(_))));
    assert!(!std::path::Path::new(&url).exists());
}

async fn scheme_texts_can_be_edited_but_not_its_levels(url: String) {
    let store = initialised(&url).await;
    let before = audit_count(&store).await;
    let mut scheme = store.organisation().await.unwrap().scheme;
    scheme.confidentiality.levels[4].definition.ja = "本市の秘密文書".into();
    store.update_scheme(&scheme, "test", AT).await.unwrap();
    assert_eq!(store.organisation().await.unwrap().scheme, scheme);
    assert_eq!(audit_count(&store).await, before + 1);
    let mut broken = scheme.clone();
    broken.confidentiality.levels.remove(0);
    assert!(matches!(
        store.update_scheme(&broken, "test", AT).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.organisation().await.unwrap().scheme, scheme);
    assert_eq!(audit_count(&store).await, before + 1);
}

async fn policy_documents_keep_versions(url: String) {
    use mamori_core::policy_doc::{DocumentTier, VersionState};
    use mamori_store::PolicyDocument;
    let store = initialised(&url).await;
    let before = audit_count(&store).await;
    let doc = PolicyDocument {
        id: "kitei".into(),
        tier: DocumentTier::Regulation,
        title: "対策規程".into(),
        review_months: 12,
        last_reviewed: None,
    };
    assert_eq!(
        store
            .add_policy_version(&doc, "初版", "{\"v\":1}", "第１条 本文。", "test", AT)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .add_policy_version(
                &doc,
                "第2条改正",
                "{\"v\":2}",
                "第１条 改正後。",
                "test",
                AT
            )
            .await
            .unwrap(),
        2
    );
    let list = store.policy_documents().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].latest_version, list[0].latest_state),
        (2, VersionState::Draft)
    );
    let v1 = store
        .policy_version("kitei", Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (v1.tree_json.as_str(), v1.version.change_summary.as_str()),
        ("{\"v\":1}", "初版")
    );
    assert_eq!(
        store
            .policy_version("kitei", None)
            .await
            .unwrap()
            .unwrap()
            .version
            .version,
        2
    );
    assert!(
        store
            .policy_version("kitei", Some(9))
            .await
            .unwrap()
            .is_none()
    );
    // Same ID, another tier: refused, nothing written.
    let wrong = PolicyDocument {
        tier: DocumentTier::Procedures,
        ..doc
    };
    assert!(matches!(
        store
            .add_policy_version(&wrong, "", "{}", "", "test", AT)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(audit_count(&store).await, before + 3);

    // Lifecycle: an administrator reviews; only the CISO/統括 decides and brings into force.
    use mamori_core::Role;
    let at = |v, to, roles: &[Role], e| {
        let store = store.clone();
        let roles = roles.to_vec();
        async move {
            store
                .advance_policy_version("kitei", v, to, &roles, e, "test", AT)
                .await
        }
    };
    at(
        1,
        VersionState::UnderReview,
        &[Role::SecurityAdministrator],
        None,
    )
    .await
    .unwrap();
    assert!(matches!(
        at(
            1,
            VersionState::Approved,
            &[Role::SecurityAdministrator],
            None
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    at(1, VersionState::Approved, &[Role::Ciso], None)
        .await
        .unwrap();
    let enact = Some((
        "令和３年訓令第１号".to_string(),
        chrono::NaiveDate::from_ymd_opt(2021, 2, 1).unwrap(),
    ));
    at(1, VersionState::InForce, &[Role::Ciso], enact)
        .await
        .unwrap();
    at(
        2,
        VersionState::UnderReview,
        &[Role::ChiefSecurityOfficer],
        None,
    )
    .await
    .unwrap();
    at(
        2,
        VersionState::Approved,
        &[Role::ChiefSecurityOfficer],
        None,
    )
    .await
    .unwrap();
    assert!(matches!(
        at(2, VersionState::InForce, &[Role::Ciso], None).await,
        Err(StoreError::Invalid(_))
    ));
    let enact = Some((
        "令和６年訓令第８号".to_string(),
        chrono::NaiveDate::from_ymd_opt(2024, 12, 2).unwrap(),
    ));
    at(2, VersionState::InForce, &[Role::Ciso], enact)
        .await
        .unwrap();
    assert_eq!(
        store
            .policy_version("kitei", Some(1))
            .await
            .unwrap()
            .unwrap()
            .version
            .state,
        VersionState::Superseded
    );
    let v2 = store
        .policy_version("kitei", Some(2))
        .await
        .unwrap()
        .unwrap()
        .version;
    assert_eq!(
        (v2.state, v2.instrument.as_deref()),
        (VersionState::InForce, Some("令和６年訓令第８号"))
    );
    assert!(matches!(
        at(9, VersionState::UnderReview, &[Role::Ciso], None).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn risk_register_round_trips(url: String) {
    use mamori_core::risk::{Acceptance, Matrix, Risk, Treatment};
    use mamori_core::threats::builtin_threats;
    use mamori_store::StoredRisk;
    let store = initialised(&url).await;
    let threats = builtin_threats();
    assert_eq!(
        store.ensure_threats(&threats, "test", AT).await.unwrap(),
        threats.len()
    );
    assert_eq!(store.ensure_threats(&threats, "test", AT).await.unwrap(), 0);
    assert_eq!(store.threats().await.unwrap(), threats);
    let m = Matrix::five_by_five();
    let target = asset("SYS:JUKI", Zone::MyNumber, "3B");
    let mut r = Risk::assess(&m, &mic_r6(), &target, &threats[0], 3).unwrap();
    let stored = |r: &Risk| StoredRisk {
        risk: r.clone(),
        target_name: "住民記録システム".into(),
        matrix: "5x5".into(),
    };
    let s = store.save_risks(&[stored(&r)], "test", AT).await.unwrap();
    assert_eq!((s.created, s.updated, s.unchanged), (1, 0, 0));
    r.treatment = Some(Treatment::Reduce);
    r.measures = vec!["M-16".into(), "M-18".into()];
    r.residual_likelihood = Some(1);
    r.acceptance = Some(Acceptance {
        staff: "S002".into(),
        role: mamori_core::Role::Ciso,
        on: "2026-11-26".into(),
    });
    let before = audit_count(&store).await;
    let s = store.save_risks(&[stored(&r)], "test", AT).await.unwrap();
    assert_eq!((s.created, s.updated, s.unchanged), (0, 1, 0));
    assert_eq!(store.risks().await.unwrap(), vec![stored(&r)]);
    let s = store.save_risks(&[stored(&r)], "test", AT).await.unwrap();
    assert_eq!(s.unchanged, 1);
    assert_eq!(audit_count(&store).await, before + 1);
}

async fn measure_status_is_kept_per_scope(url: String) {
    use mamori_core::measures::{ImplementationStatus, StatusRecord, StatusScope};
    let store = initialised(&url).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let mut rec = StatusRecord {
        measure: "M-11".into(),
        scope: StatusScope::Department("1110".into()),
        status: ImplementationStatus::Partial,
        evidence: vec!["入退室記録.xlsx".into(), "写真.jpg".into()],
        assessed_on: day,
        justification: String::new(),
    };
    store.set_measure_status(&rec, "test", AT).await.unwrap();
    rec.status = ImplementationStatus::Implemented;
    store.set_measure_status(&rec, "test", AT).await.unwrap();
    let sys = StatusRecord {
        scope: StatusScope::System("JUKI".into()),
        ..rec.clone()
    };
    store.set_measure_status(&sys, "test", AT).await.unwrap();
    assert_eq!(
        store.measure_status().await.unwrap(),
        vec![rec.clone(), sys]
    );
    let na = StatusRecord {
        status: ImplementationStatus::NotApplicable,
        ..rec.clone()
    };
    assert!(matches!(
        store.set_measure_status(&na, "test", AT).await,
        Err(StoreError::Invalid(_))
    ));
    let unknown = StatusRecord {
        scope: StatusScope::Department("9999".into()),
        ..rec
    };
    assert!(matches!(
        store.set_measure_status(&unknown, "test", AT).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_count(&store).await, 11 + 3);
}

mamori_testkit::both_backends!(
    measure_status_is_kept_per_scope,
    risk_register_round_trips,
    policy_documents_keep_versions,
    scheme_texts_can_be_edited_but_not_its_levels,
    organisation_is_created_once,
    organisation_data_round_trips,
    bad_appointment_changes_nothing,
    import_creates_updates_and_leaves_unchanged,
    import_with_unknown_reference_is_all_or_nothing,
    list_filters_by_zone_and_confidentiality,
    audit_log_refuses_updates_and_deletes,
    verify_names_an_altered_entry,
    verify_names_a_deleted_entry,
    verify_names_an_inserted_entry,
    verify_names_reordered_entries,
    verify_notices_a_cut_tail,
    opening_an_existing_database_does_not_create_one,
);

#[tokio::test]
async fn a_locked_sqlite_file_gives_a_clear_error_and_changes_nothing() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.db");
    let url = path.to_string_lossy().into_owned();
    let store = initialised(&url).await;
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{url}"))
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    let result = store
        .import_assets(
            vec![asset("A-1", Zone::Lgwan, "2")],
            &mic_r6(),
            "test",
            AT,
            false,
        )
        .await;
    assert!(matches!(result, Err(StoreError::Locked)), "{result:?}");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    assert_eq!(store.count_assets().await.unwrap(), 0);
}
