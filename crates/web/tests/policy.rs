//! The policy library, threats, measures, risk register and 第8条 reviews in the web application,
//! on SQLite and on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{StatusCode, header};
use common::{Harness, PROCEDURES, PROCEDURES_TITLE, harness, seed_policy};
use mamori_core::policy_doc::VersionState;
use mamori_store::AuditVerdict;

async fn audit_count(h: &Harness) -> i64 {
    match h.store.verify_audit().await.unwrap() {
        AuditVerdict::Intact { entries, .. } => entries,
        broken => panic!("chain broken: {broken:?}"),
    }
}

async fn seeded(url: &str) -> Harness {
    let h = harness(url).await;
    seed_policy(&h).await;
    h
}

/// 第10条第2項: staff see neither the 実施手順 nor its title; every permitted read is audited.
async fn procedures_are_hidden_from_staff_and_every_read_is_audited(url: String) {
    let h = seeded(&url).await;
    let staff = h.sign_in("staff").await;
    for path in ["/policy/tejun", "/policy/tejun/v/1", "/policy/tejun/diff"] {
        let r = h.get(path, Some(&staff)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains(PROCEDURES_TITLE) && !r.body.contains("無害化装置"));
    }
    for path in ["/", "/policy"] {
        let r = h.get(path, Some(&staff)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains(PROCEDURES_TITLE), "{path} leaks the title");
        assert!(!r.body.contains("/policy/tejun"), "{path} leaks the link");
    }
    // Uploading into it is refused the same way, and nothing is added.
    let up = h
        .post_multipart(
            "/policy",
            &staff,
            &[("csrf", &staff.csrf), ("document", "tejun")],
            Some(("file", "t.txt", PROCEDURES.as_bytes())),
        )
        .await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);

    // A reader sees it; each read of a version is one audit entry naming the reader.
    let kanri = h.sign_in("kanri").await;
    let auditor = h.sign_in("auditor").await;
    let list = h.get("/policy", Some(&kanri)).await;
    assert!(list.body.contains(PROCEDURES_TITLE));
    let before = audit_count(&h).await;
    let page = h.get("/policy/tejun/v/1", Some(&kanri)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("無害化装置") && page.body.contains("監査ログに記録"));
    assert!(page.body.contains("id=\"a2-p2\""), "anchors per provision");
    assert_eq!(audit_count(&h).await, before + 1);
    let last = &h.store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(
        (
            last.actor.as_str(),
            last.action.as_str(),
            last.entity.as_str(),
            last.entity_id.as_str()
        ),
        ("web:kanri", "view", "policy_version", "tejun:1")
    );
    h.get("/policy/tejun/diff?from=1&to=1", Some(&auditor))
        .await;
    assert_eq!(audit_count(&h).await, before + 2);
    // The public regulation is not audited per read.
    h.get("/policy/kitei/v/1", Some(&kanri)).await;
    assert_eq!(audit_count(&h).await, before + 2);
}

async fn version_page_cites_provisions_and_diff_compares_them(url: String) {
    let h = seeded(&url).await;
    let staff = h.sign_in("staff").await;
    let v1 = h.get("/policy/kitei/v/1", Some(&staff)).await;
    assert!(
        v1.body.contains("id=\"a6-p1-i2-s2\""),
        "anchor of 第6条第2号イ"
    );
    assert!(v1.body.contains("第6条第2号イ"));
    assert!(v1.body.contains("href=\"#a6-p1-i2-s1\""));
    let diff = h.get("/policy/kitei/diff?from=1&to=2", Some(&staff)).await;
    assert!(
        diff.body.contains("第2条第14号") && diff.body.contains("削除"),
        "{}",
        diff.body
    );
    assert!(diff.body.contains("変更 1件"));
}

/// The lifecycle follows core::policy_doc: a step by the wrong role is refused with its reason and
/// changes nothing.
async fn lifecycle_by_the_wrong_role_is_refused_and_changes_nothing(url: String) {
    let h = seeded(&url).await;
    let state = |h: &Harness| {
        let store = h.store.clone();
        async move {
            store
                .policy_version("kitei", Some(2))
                .await
                .unwrap()
                .unwrap()
                .version
                .state
        }
    };
    let staff = h.sign_in("staff").await;
    let r = h
        .post(
            "/policy/kitei/v/2/advance",
            Some(&Harness::session_cookie(&staff)),
            &[("csrf", &staff.csrf), ("to", "under-review")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(state(&h).await, VersionState::Draft);

    let kanri = h.sign_in("kanri").await;
    let cookie = Harness::session_cookie(&kanri);
    let r = h
        .post(
            "/policy/kitei/v/2/advance",
            Some(&cookie),
            &[("csrf", &kanri.csrf), ("to", "under-review")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state(&h).await, VersionState::UnderReview);
    let before = audit_count(&h).await;
    let r = h
        .post(
            "/policy/kitei/v/2/advance",
            Some(&cookie),
            &[("csrf", &kanri.csrf), ("to", "approved")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("最高情報セキュリティ責任者"), "{}", r.body);
    assert_eq!(state(&h).await, VersionState::UnderReview);
    assert_eq!(audit_count(&h).await, before);

    let tokatsu = h.sign_in("tokatsu").await;
    let cookie = Harness::session_cookie(&tokatsu);
    let post = |to: &'static str, instrument: &'static str, effective: &'static str| {
        let (h, cookie, csrf) = (&h, cookie.clone(), tokatsu.csrf.clone());
        async move {
            h.post(
                "/policy/kitei/v/2/advance",
                Some(&cookie),
                &[
                    ("csrf", &csrf),
                    ("to", to),
                    ("instrument", instrument),
                    ("effective", effective),
                ],
            )
            .await
        }
    };
    assert_eq!(post("approved", "", "").await.status, StatusCode::SEE_OTHER);
    let r = post("in-force", "", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("訓令番号"));
    assert_eq!(state(&h).await, VersionState::Approved);
    let r = post("draft", "", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "approved cannot go back");
    let r = post("in-force", "令和８年訓令第３号", "2026-12-01").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state(&h).await, VersionState::InForce);
    let v1 = h
        .store
        .policy_version("kitei", Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.version.state, VersionState::Superseded);
}

async fn uploads_name_the_first_line_they_cannot_place(url: String) {
    let h = seeded(&url).await;
    let kanri = h.sign_in("kanri").await;
    let csrf = kanri.csrf.clone();
    let bad = h
        .post_multipart(
            "/policy",
            &kanri,
            &[("csrf", &csrf), ("document", "memo"), ("tier", "standards")],
            Some(("file", "memo.txt", "議事録\n本日は晴れ。\n".as_bytes())),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let alert = bad.body.split("role=\"alert\">").nth(1).unwrap_or("");
    assert!(alert.contains("1行目"), "{alert}");
    assert!(
        h.store
            .policy_documents()
            .await
            .unwrap()
            .iter()
            .all(|d| d.document.id != "memo")
    );
    let ok = h
        .post_multipart(
            "/policy",
            &kanri,
            &[
                ("csrf", &csrf),
                ("document", "kitei"),
                ("summary", "再登録"),
            ],
            Some(("file", "kitei.txt", common::REGULATION.as_bytes())),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), Some("/policy/kitei/v/3"));
    // Forged token: refused before anything is read.
    let forged = h
        .post_multipart(
            "/policy",
            &kanri,
            &[("csrf", "0000"), ("document", "kitei")],
            Some(("file", "kitei.txt", common::REGULATION.as_bytes())),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(h.store.policy_versions("kitei").await.unwrap().len(), 3);
}

async fn evidence_is_uploaded_downloaded_audited_and_limited(url: String) {
    let h = seeded(&url).await;
    let kanri = h.sign_in("kanri").await;
    let csrf = kanri.csrf.clone();
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let r = h
        .post_multipart(
            "/measures/M-13/status",
            &kanri,
            &[
                ("csrf", &csrf),
                ("scope", "department:K1"),
                ("status", "partial"),
                ("on", "2026-11-20"),
                ("note", "施錠保管庫を一部導入"),
            ],
            Some(("file", "保管庫.jpg", &photo)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let files = h.store.measure_evidence_files().await.unwrap();
    let file = files.iter().find(|f| f.measure == "M-13").unwrap();
    assert_eq!(file.size_bytes, 200_000);
    let page = h.get("/measures/M-13", Some(&kanri)).await;
    assert!(page.body.contains("保管庫.jpg") && page.body.contains("一部実施"));

    let auditor = h.sign_in("auditor").await;
    let before = audit_count(&h).await;
    let (status, headers, bytes) = h
        .get_bytes(&format!("/measures/evidence/{}", file.id), &auditor)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, photo);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(audit_count(&h).await, before + 1);
    let last = &h.store.audit_entries(1, None).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("view", "measure_evidence")
    );

    // Outside one's appointment: refused, nothing changed.
    let r = h
        .post_multipart(
            "/measures/M-13/status",
            &kanri,
            &[
                ("csrf", &csrf),
                ("scope", "department:K3"),
                ("status", "implemented"),
                ("on", "2026-11-20"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Too large: 413, nothing changed (neither the status nor the files).
    let status_before = h.store.measure_status().await.unwrap();
    let big = vec![0u8; mamori_web_limit() + 1];
    let r = h
        .post_multipart(
            "/measures/M-13/status",
            &kanri,
            &[
                ("csrf", &csrf),
                ("scope", "department:K1"),
                ("status", "implemented"),
                ("on", "2026-11-21"),
            ],
            Some(("file", "big.bin", &big)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("10MB"), "{}", r.body);
    // Far beyond the limit the server stops reading the body: still 413, not 400.
    let huge = vec![0u8; mamori_web_limit() + 512 * 1024];
    let r = h
        .post_multipart(
            "/measures/M-13/status",
            &kanri,
            &[
                ("csrf", &csrf),
                ("scope", "department:K1"),
                ("status", "implemented"),
                ("on", "2026-11-21"),
            ],
            Some(("file", "huge.bin", &huge)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(h.store.measure_status().await.unwrap(), status_before);
    assert_eq!(
        h.store.measure_evidence_files().await.unwrap().len(),
        files.len()
    );
    // 対象外 without a reason: 400, nothing changed.
    let r = h
        .post_multipart(
            "/measures/M-13/status",
            &kanri,
            &[
                ("csrf", &csrf),
                ("scope", "department:K1"),
                ("status", "not-applicable"),
                ("on", "2026-11-21"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.store.measure_status().await.unwrap(), status_before);
    let soa = h.get_bytes("/measures/soa.xlsx", &kanri).await;
    assert_eq!(soa.0, StatusCode::OK);
    assert!(soa.2.starts_with(b"PK"), "an xlsx is a zip");
}

fn mamori_web_limit() -> usize {
    10 * 1024 * 1024
}

async fn risk_acceptance_by_a_non_officer_is_refused(url: String) {
    let h = seeded(&url).await;
    let sekinin = h.sign_in("sekinin").await;
    let cookie = Harness::session_cookie(&sekinin);
    let r = h
        .post(
            "/risks/assess",
            Some(&cookie),
            &[("csrf", &sekinin.csrf), ("matrix", "5x5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("変更なし 21件"), "{}", r.body);
    let accepted = |h: &Harness| {
        let store = h.store.clone();
        async move {
            store
                .risks()
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.risk.asset == "SYS:SYS1" && r.risk.threat == "T-03")
                .unwrap()
                .risk
                .acceptance
        }
    };
    let before = audit_count(&h).await;
    let r = h
        .post(
            "/risks/SYS:SYS1/T-03/accept",
            Some(&cookie),
            &[("csrf", &sekinin.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body
            .contains("統括情報セキュリティ責任者又は最高情報セキュリティ責任者"),
        "{}",
        r.body
    );
    assert!(accepted(&h).await.is_none());
    assert_eq!(audit_count(&h).await, before);
    // Out of the matrix: 400, nothing changed.
    let r = h
        .post(
            "/risks/SYS:SYS1/T-03",
            Some(&cookie),
            &[("csrf", &sekinin.csrf), ("likelihood", "6")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("1〜5"));
    assert_eq!(audit_count(&h).await, before);
    let r = h
        .post(
            "/risks/SYS:SYS1/T-03",
            Some(&cookie),
            &[
                ("csrf", &sekinin.csrf),
                ("likelihood", "2"),
                ("treatment", "reduce"),
                ("measure", "M-19"),
                ("measure", "M-22"),
                ("residual_likelihood", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let staff = h.sign_in("staff").await;
    let r = h
        .post(
            "/risks/assess",
            Some(&Harness::session_cookie(&staff)),
            &[("csrf", &staff.csrf), ("matrix", "5x5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let tokatsu = h.sign_in("tokatsu").await;
    let r = h
        .post(
            "/risks/SYS:SYS1/T-03/accept",
            Some(&Harness::session_cookie(&tokatsu)),
            &[("csrf", &tokatsu.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = accepted(&h).await.unwrap();
    assert_eq!(a.role, mamori_core::Role::ChiefSecurityOfficer);
    assert_eq!(a.staff, "S-TOK");
    let page = h.get("/risks", Some(&tokatsu)).await;
    assert!(page.body.contains("M-19, M-22") && page.body.contains("低減"));
    assert!(page.body.contains("class=\"heat\"") && page.body.contains("残留リスク"));
}

async fn a_review_record_is_saved_and_audited(url: String) {
    let h = seeded(&url).await;
    let ciso = h.sign_in("ciso").await;
    let cookie = Harness::session_cookie(&ciso);
    let form = |decision: &'static str| {
        vec![
            ("csrf", ciso.csrf.clone()),
            ("on", "2026-11-25".to_string()),
            ("trigger", "environment-change".to_string()),
            ("risk", "SYS:SYS1:T-02".to_string()),
            ("risk", "SYS:SYS1:T-19".to_string()),
            ("decision", decision.to_string()),
            ("version", "tejun:1".to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, cookie: String| {
        let h = &h;
        async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            h.post("/reviews", Some(&cookie), &borrowed).await
        }
    };
    let before = audit_count(&h).await;
    let r = post(form("  "), cookie.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.store.policy_reviews().await.unwrap().len(), 1);
    assert_eq!(audit_count(&h).await, before);
    let r = post(form("クラウド移行に伴い実施手順を改める。"), cookie.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/reviews/2"));
    let saved = h.store.policy_review(2).await.unwrap().unwrap();
    assert_eq!(saved.risks, vec!["SYS:SYS1:T-02", "SYS:SYS1:T-19"]);
    assert_eq!(saved.document_id.as_deref(), Some("tejun"));
    assert_eq!(saved.recorded_by, "web:ciso");
    let entries = h.store.audit_entries(5, None).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.entity == "policy_review" && e.entity_id == "2" && e.actor == "web:ciso")
    );
    let page = h.get("/reviews/2", Some(&ciso)).await;
    assert!(page.body.contains("環境の変化") && page.body.contains(PROCEDURES_TITLE));
    // The 責任者 reads reviews but does not record them.
    let sekinin = h.sign_in("sekinin").await;
    let r = post(
        vec![
            ("csrf", sekinin.csrf.clone()),
            ("on", "2026-11-25".into()),
            ("trigger", "periodic".into()),
            ("decision", "x".into()),
        ],
        Harness::session_cookie(&sekinin),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(h.store.policy_reviews().await.unwrap().len(), 2);
}

async fn dashboard_lists_overdue_reviews_and_the_heat_map(url: String) {
    let h = seeded(&url).await;
    let ciso = h.sign_in("ciso").await;
    let page = h.get("/", Some(&ciso)).await;
    assert!(page.body.contains("見直し期限が近い・過ぎたポリシー文書"));
    assert!(page.body.contains("href=\"/policy/kitei\"") && page.body.contains("期限超過"));
    assert!(
        page.body.contains(PROCEDURES_TITLE),
        "a reader sees the 実施手順 due"
    );
    assert!(page.body.contains("class=\"heat\"") && page.body.contains("固有リスク"));
    assert!(page.body.contains("href=\"/risks\""));
    let staff = h.sign_in("staff").await;
    let page = h.get("/", Some(&staff)).await;
    assert!(page.body.contains("href=\"/policy/kitei\""));
    assert!(!page.body.contains(PROCEDURES_TITLE));
    assert!(
        !page.body.contains("class=\"heat\""),
        "staff may not see risks"
    );
    // Navigation only to what the person may use.
    assert!(!page.body.contains("href=\"/risks\"") && !page.body.contains("href=\"/reviews\""));
    assert!(page.body.contains("href=\"/policy\"") && page.body.contains("href=\"/measures\""));
    // Reviewing the document moves it out of the list.
    let r = h
        .post(
            "/reviews",
            Some(&Harness::session_cookie(&ciso)),
            &[
                ("csrf", &ciso.csrf),
                ("on", "2026-11-26"),
                ("trigger", "periodic"),
                ("decision", "現行どおり"),
                ("version", "kitei:1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = h.get("/", Some(&staff)).await;
    assert!(
        !page.body.contains("href=\"/policy/kitei\""),
        "reviewed today"
    );
}

async fn threats_are_edited_by_the_security_division_only(url: String) {
    let h = seeded(&url).await;
    let kanri = h.sign_in("kanri").await;
    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("id", "T-90".to_string()),
            ("category", "infrastructure".to_string()),
            ("name_ja", "空調の停止".to_string()),
            ("a", "1".to_string()),
        ]
    };
    let post = |b: &common::Browser| {
        let f = fields(&b.csrf);
        let cookie = Harness::session_cookie(b);
        let h = &h;
        async move {
            let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            h.post("/threats", Some(&cookie), &borrowed).await
        }
    };
    assert_eq!(post(&kanri).await.status, StatusCode::FORBIDDEN);
    let tokatsu = h.sign_in("tokatsu").await;
    let before = audit_count(&h).await;
    let r = post(&tokatsu).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(audit_count(&h).await, before + 1);
    let list = h.get("/threats", Some(&kanri)).await;
    assert!(list.body.contains("空調の停止") && list.body.contains("第3条第5号"));
    // Adding the same ID again does not overwrite.
    assert_eq!(post(&tokatsu).await.status, StatusCode::BAD_REQUEST);
    let r = h
        .post(
            "/threats/T-90",
            Some(&Harness::session_cookie(&tokatsu)),
            &[
                ("csrf", &tokatsu.csrf),
                ("category", "infrastructure"),
                ("name_ja", "空調の停止"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no dimension chosen");
    assert_eq!(audit_count(&h).await, before + 1);
}

/// When the organisation narrows the readers of 実施手順, the pages (and the API) follow at once.
async fn the_organisation_s_choice_of_procedure_readers_applies(url: String) {
    let h = seeded(&url).await;
    let kanri = h.sign_in("kanri").await;
    assert_eq!(
        h.get("/policy/tejun", Some(&kanri)).await.status,
        StatusCode::OK
    );
    h.store
        .set_procedure_readers(
            &[mamori_core::Role::Ciso, mamori_core::Role::Auditor],
            "test",
            "2026-11-26T00:00:00Z",
        )
        .await
        .unwrap();
    let r = h.get("/policy/tejun/v/1", Some(&kanri)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = h.get("/policy", Some(&kanri)).await;
    assert!(!list.body.contains(PROCEDURES_TITLE));
    let auditor = h.sign_in("auditor").await;
    assert_eq!(
        h.get("/policy/tejun/v/1", Some(&auditor)).await.status,
        StatusCode::OK
    );
}

mamori_testkit::both_backends!(
    the_organisation_s_choice_of_procedure_readers_applies,
    procedures_are_hidden_from_staff_and_every_read_is_audited,
    version_page_cites_provisions_and_diff_compares_them,
    lifecycle_by_the_wrong_role_is_refused_and_changes_nothing,
    uploads_name_the_first_line_they_cannot_place,
    evidence_is_uploaded_downloaded_audited_and_limited,
    risk_acceptance_by_a_non_officer_is_refused,
    a_review_record_is_saved_and_audited,
    dashboard_lists_overdue_reviews_and_the_heat_map,
    threats_are_edited_by_the_security_division_only,
);
