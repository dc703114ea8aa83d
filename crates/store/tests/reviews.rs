//! 第8条 review records, measure evidence files, threat edits and policy reads (migration 0011),
//! on SQLite and on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use mamori_core::classification::mic_r6;
use mamori_core::measures::{ImplementationStatus, StatusRecord, StatusScope};
use mamori_core::policy_doc::{DocumentTier, ReviewTrigger};
use mamori_core::threats::{Threat, ThreatCategory, builtin_threats};
use mamori_core::{Department, DepartmentKind, Dimension, ModelVariant, Text};
use mamori_store::{AuditVerdict, NewReview, OpenMode, OrgData, PolicyDocument, Store, StoreError};

const AT: &str = "2026-11-26T09:00:00Z";

async fn initialised(url: &str) -> Store {
    let store = Store::open(url, OpenMode::Create).await.unwrap();
    store
        .init_organisation("能代市", &mic_r6(), ModelVariant::Alpha, "test", AT)
        .await
        .unwrap();
    let org = OrgData {
        departments: vec![Department {
            code: "1110".into(),
            name: "市民課".into(),
            kind: DepartmentKind::Ka,
            parent: None,
        }],
        staff: vec![],
        systems: vec![],
        assignments: vec![],
    };
    store.add_org_data(&org, "test", AT).await.unwrap();
    store
}

async fn audit_count(store: &Store) -> i64 {
    match store.verify_audit().await.unwrap() {
        AuditVerdict::Intact { entries, .. } => entries,
        broken => panic!("chain broken: {broken:?}"),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

async fn a_review_is_recorded_audited_and_marks_its_document_reviewed(url: String) {
    let store = initialised(&url).await;
    let doc = PolicyDocument {
        id: "kitei".into(),
        tier: DocumentTier::Regulation,
        title: "対策規程".into(),
        review_months: 12,
        last_reviewed: None,
    };
    store
        .add_policy_version(&doc, "初版", "{}", "第１条 本文。", "test", AT)
        .await
        .unwrap();
    let before = audit_count(&store).await;
    let review = NewReview {
        reviewed_on: day(20),
        trigger: ReviewTrigger::AuditResult,
        risks: vec!["SYS:JUKI:T-01".into(), "SYS:JUKI:T-02".into()],
        decision: "第6条第5号の対策を強化する改正案を起案する。".into(),
        document_id: Some("kitei".into()),
        document_version: Some(1),
    };
    let id = store
        .add_policy_review(&review, "web:ciso", AT)
        .await
        .unwrap();
    assert_eq!(id, 1);
    let saved = store.policy_review(1).await.unwrap().unwrap();
    assert_eq!(saved.trigger, ReviewTrigger::AuditResult);
    assert_eq!(saved.risks.len(), 2);
    assert_eq!(saved.document_version, Some(1));
    assert_eq!(saved.recorded_by, "web:ciso");
    assert_eq!(store.policy_reviews().await.unwrap(), vec![saved]);
    // The document counts as reviewed on that day.
    let docs = store.policy_documents().await.unwrap();
    assert_eq!(docs[0].document.last_reviewed, Some(day(20)));
    // One entry for the review and one for the document.
    assert_eq!(audit_count(&store).await, before + 2);
    let entries = store.audit_entries(5, None).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.entity == "policy_review" && e.entity_id == "1")
    );

    // Bad input changes nothing.
    let empty = NewReview {
        decision: "  ".into(),
        ..review.clone()
    };
    assert!(matches!(
        store.add_policy_review(&empty, "t", AT).await,
        Err(StoreError::Invalid(_))
    ));
    let unknown = NewReview {
        document_version: Some(9),
        ..review.clone()
    };
    assert!(matches!(
        store.add_policy_review(&unknown, "t", AT).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.policy_reviews().await.unwrap().len(), 1);
    assert_eq!(audit_count(&store).await, before + 2);

    // Review cycle and audited reads.
    store
        .set_policy_review_cycle("kitei", 6, "t", AT)
        .await
        .unwrap();
    assert_eq!(
        store.policy_documents().await.unwrap()[0]
            .document
            .review_months,
        6
    );
    assert!(
        store
            .set_policy_review_cycle("kitei", 0, "t", AT)
            .await
            .is_err()
    );
    store
        .record_policy_read("kitei", 1, "web:kanri", AT)
        .await
        .unwrap();
    let last = &store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.entity_id.as_str()),
        ("view", "kitei:1")
    );
    assert_eq!(store.policy_versions("kitei").await.unwrap().len(), 1);
}

async fn evidence_files_are_kept_with_their_digest_and_reads_audited(url: String) {
    let store = initialised(&url).await;
    let scope = StatusScope::Department("1110".into());
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    // No status yet: refused.
    assert!(matches!(
        store
            .add_measure_evidence(
                "M-11",
                &scope,
                "a.bin",
                "application/octet-stream",
                &bytes,
                "t",
                AT
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .set_measure_status(
            &StatusRecord {
                measure: "M-11".into(),
                scope: scope.clone(),
                status: ImplementationStatus::Implemented,
                evidence: vec![],
                assessed_on: day(1),
                justification: String::new(),
            },
            "t",
            AT,
        )
        .await
        .unwrap();
    let id = store
        .add_measure_evidence(
            "M-11",
            &scope,
            "入退室記録.bin",
            "application/octet-stream",
            &bytes,
            "web:kanri",
            AT,
        )
        .await
        .unwrap();
    let listed = store.measure_evidence_files().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size_bytes, 70_000);
    assert_eq!(listed[0].file_name, "入退室記録.bin");
    let before = audit_count(&store).await;
    let (file, content) = store
        .read_measure_evidence(id, "web:auditor", AT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(content, bytes, "bytes round-trip unchanged");
    assert_eq!(file.sha256.len(), 64);
    assert_eq!(audit_count(&store).await, before + 1);
    assert!(
        store
            .read_measure_evidence(99, "t", AT)
            .await
            .unwrap()
            .is_none()
    );
}

async fn threats_are_added_and_edited_with_audit(url: String) {
    let store = initialised(&url).await;
    store
        .ensure_threats(&builtin_threats(), "t", AT)
        .await
        .unwrap();
    let before = audit_count(&store).await;
    let mut t = store.threats().await.unwrap()[0].clone();
    t.name = Text::new("不正アクセス（外部）", "External intrusion");
    store.save_threat(&t, "web:tokatsu", AT).await.unwrap();
    let new = Threat {
        id: "T-90".into(),
        category: ThreatCategory::Infrastructure,
        name: Text::new("空調の停止", "Cooling failure"),
        description: Text::new("", ""),
        citation: ThreatCategory::Infrastructure.citation(),
        affects: vec![Dimension::Availability],
    };
    store.save_threat(&new, "web:tokatsu", AT).await.unwrap();
    let all = store.threats().await.unwrap();
    assert_eq!(all[0].name.ja, "不正アクセス（外部）");
    let added = all.iter().find(|x| x.id == "T-90").unwrap();
    assert_eq!(added.citation.to_string(), "第3条第5号");
    assert_eq!(audit_count(&store).await, before + 2);
    let nothing = Threat {
        affects: vec![],
        ..new.clone()
    };
    assert!(store.save_threat(&nothing, "t", AT).await.is_err());
    assert_eq!(audit_count(&store).await, before + 2);
}

async fn the_organisation_decides_who_reads_procedures(url: String) {
    use mamori_core::Role;
    let store = initialised(&url).await;
    assert_eq!(store.procedure_readers().await.unwrap(), None);
    let before = audit_count(&store).await;
    assert!(store.set_procedure_readers(&[], "t", AT).await.is_err());
    store
        .set_procedure_readers(&[Role::Auditor, Role::Ciso, Role::Ciso], "web:ciso", AT)
        .await
        .unwrap();
    assert_eq!(
        store.procedure_readers().await.unwrap(),
        Some(vec![Role::Ciso, Role::Auditor])
    );
    assert_eq!(audit_count(&store).await, before + 1);
    let last = &store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(last.entity, "procedure_readers");
}

mamori_testkit::both_backends!(
    the_organisation_decides_who_reads_procedures,
    a_review_is_recorded_audited_and_marks_its_document_reviewed,
    evidence_files_are_kept_with_their_digest_and_reads_audited,
    threats_are_added_and_edited_with_audit,
);
