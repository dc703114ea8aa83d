//! 隔離メール in the browser: who sees which quarantined mail, the recipient's request, the
//! 管理者's approval or refusal, forged tokens — on SQLite and on a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{Browser, Harness, harness};
use mamori_store::{NewQuarantine, QuarantineState};

const TO_STAFF: &str = "見積書の件（職員あて）";
const TO_SYSADM: &str = "人事課あての請求書";

/// Gives the fixture's people addresses and records two quarantined mails: one to `staff`
/// (情報システム係 under 情報政策課, whose 管理者 is `kanri`), one to `sysadm` (人事課).
async fn setup(h: &Harness) -> (i64, i64) {
    for (id, mail) in [
        ("S-STF", "staff@city.example.lg.jp"),
        ("S-SYS", "sysadm@city.example.lg.jp"),
        ("S-KAN", "kanri@city.example.lg.jp"),
    ] {
        h.store
            .execute_for_test(&format!(
                "UPDATE staff SET email = '{mail}' WHERE id = '{id}'"
            ))
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for (qid, to, subject) in [
        (
            "20261126T090000000000-000001",
            "Staff@City.Example.LG.JP",
            TO_STAFF,
        ),
        (
            "20261126T090000000000-000002",
            "sysadm@city.example.lg.jp",
            TO_SYSADM,
        ),
    ] {
        let recipients = vec![to.to_string()];
        let files = vec![("mitsumori.zip".to_string(), 1234i64)];
        ids.push(
            h.store
                .record_quarantine(
                    &NewQuarantine {
                        quarantine_id: qid,
                        message_id: "<m@internet.example>",
                        sender: "sales@internet.example",
                        recipients: &recipients,
                        subject,
                        reason: "mitsumori.zip: 暗号化された ZIP",
                        files: &files,
                        size: 2000,
                        original_path: "/spool/quarantine/x/original.eml",
                        received_at: "2026-11-26T00:00:00.000000Z",
                        retain_until: "2026-12-26T00:00:00.000000Z",
                    },
                    "mamori-relay",
                    "2026-11-26T00:00:00.000000Z",
                )
                .await
                .unwrap(),
        );
    }
    (ids[0], ids[1])
}

async fn state_of(h: &Harness, id: i64) -> QuarantineState {
    h.store.quarantine_item(id).await.unwrap().unwrap().state
}

async fn post(h: &Harness, b: &Browser, path: &str, form: &[(&str, &str)]) -> StatusCode {
    let mut fields = vec![("csrf", b.csrf.as_str())];
    fields.extend_from_slice(form);
    h.post(path, Some(&Harness::session_cookie(b)), &fields)
        .await
        .status
}

async fn each_sees_only_their_own_and_their_reviewers(url: String) {
    let h = harness(&url).await;
    setup(&h).await;
    // (login, sees the mail to staff, sees the mail to sysadm)
    let cases = [
        ("staff", true, false),
        ("sysadm", false, true),
        ("kanri", true, false),
        ("sekinin", false, false),
        ("tokatsu", true, true),
        ("ciso", true, true),
        ("auditor", false, false),
    ];
    for (login, to_staff, to_sysadm) in cases {
        let b = h.sign_in(login).await;
        let page = h.get("/quarantine", Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK, "{login}");
        assert_eq!(page.body.contains(TO_STAFF), to_staff, "{login}");
        assert_eq!(page.body.contains(TO_SYSADM), to_sysadm, "{login}");
        assert!(page.body.contains("href=\"/quarantine\""), "nav entry");
    }
}

async fn recipient_requests_and_the_kanri_approves(url: String) {
    let h = harness(&url).await;
    let (to_staff, to_sysadm) = setup(&h).await;
    let staff = h.sign_in("staff").await;
    let kanri = h.sign_in("kanri").await;
    let path = format!("/quarantine/{to_staff}/request");
    let decide = format!("/quarantine/{to_staff}/decide");

    // Nothing to decide before a request; the recipient cannot decide at all.
    assert_eq!(
        post(
            &h,
            &kanri,
            &decide,
            &[("decision", "approve"), ("note", "")]
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    let page = h.get("/quarantine", Some(&staff)).await;
    assert!(page.body.contains(&format!("action=\"{path}\"")));
    assert!(!page.body.contains(&format!("action=\"{decide}\"")));
    // A request needs a reason.
    assert_eq!(
        post(&h, &staff, &path, &[("reason", "  ")]).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(state_of(&h, to_staff).await, QuarantineState::Held);
    // Someone else's mail: not even its existence is told.
    assert_eq!(
        post(
            &h,
            &staff,
            &format!("/quarantine/{to_sysadm}/request"),
            &[("reason", "x")]
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&h, &staff, "/quarantine/999/request", &[("reason", "x")]).await,
        StatusCode::NOT_FOUND
    );
    // The 管理者 sees it but is not a recipient: may not ask for it.
    assert_eq!(
        post(&h, &kanri, &path, &[("reason", "x")]).await,
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        post(
            &h,
            &staff,
            &path,
            &[("reason", "取引先からの正式な見積書です")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let item = h.store.quarantine_item(to_staff).await.unwrap().unwrap();
    assert_eq!(item.state, QuarantineState::Requested);
    assert_eq!(item.requested_by.as_deref(), Some("S-STF"));
    assert_eq!(item.release_to.as_deref(), Some("staff@city.example.lg.jp"));
    // The recipient still cannot approve their own request.
    assert_eq!(
        post(
            &h,
            &staff,
            &decide,
            &[("decision", "approve"), ("note", "")]
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(state_of(&h, to_staff).await, QuarantineState::Requested);

    let page = h.get("/quarantine", Some(&kanri)).await;
    assert!(page.body.contains("取引先からの正式な見積書です"));
    assert!(page.body.contains(&format!("action=\"{decide}\"")));
    assert_eq!(
        post(&h, &kanri, &decide, &[("decision", "delete"), ("note", "")]).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(
            &h,
            &kanri,
            &decide,
            &[("decision", "approve"), ("note", "送信元に電話で確認済み")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let item = h.store.quarantine_item(to_staff).await.unwrap().unwrap();
    assert_eq!(item.state, QuarantineState::Approved);
    assert_eq!(item.decided_by.as_deref(), Some("S-KAN"));
    // Approving twice is refused.
    assert_eq!(
        post(
            &h,
            &kanri,
            &decide,
            &[("decision", "approve"), ("note", "")]
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    let page = h.get("/quarantine", Some(&staff)).await;
    assert!(page.body.contains("承認済み"));

    let steps: Vec<(String, String)> = h
        .store
        .audit_entries(50, Some("20261126T090000000000-000001"))
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| (e.action, e.actor))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("quarantine".to_string(), "mamori-relay".to_string()),
            ("request-release".to_string(), "web:staff".to_string()),
            ("approve-release".to_string(), "web:kanri".to_string()),
        ]
    );
}

async fn refusal_needs_a_note_and_only_reviewers_of_the_recipient_decide(url: String) {
    let h = harness(&url).await;
    let (_, to_sysadm) = setup(&h).await;
    let sysadm = h.sign_in("sysadm").await;
    let kanri = h.sign_in("kanri").await;
    let tokatsu = h.sign_in("tokatsu").await;
    let decide = format!("/quarantine/{to_sysadm}/decide");
    assert_eq!(
        post(
            &h,
            &sysadm,
            &format!("/quarantine/{to_sysadm}/request"),
            &[("reason", "人事課の業務で必要です")]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    // The 管理者 of another 課 does not see it.
    assert_eq!(
        post(
            &h,
            &kanri,
            &decide,
            &[("decision", "approve"), ("note", "")]
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(
            &h,
            &tokatsu,
            &decide,
            &[("decision", "refuse"), ("note", "")]
        )
        .await,
        StatusCode::BAD_REQUEST,
        "a refusal says why"
    );
    assert_eq!(
        post(
            &h,
            &tokatsu,
            &decide,
            &[
                ("decision", "refuse"),
                ("note", "マクロ付きの文書のため解放しません")
            ]
        )
        .await,
        StatusCode::SEE_OTHER
    );
    let item = h.store.quarantine_item(to_sysadm).await.unwrap().unwrap();
    assert_eq!(item.state, QuarantineState::Refused);
    assert_eq!(
        item.decision_note.as_deref(),
        Some("マクロ付きの文書のため解放しません")
    );
    let page = h.get("/quarantine", Some(&sysadm)).await;
    assert!(page.body.contains("却下"));
    assert!(page.body.contains("マクロ付きの文書のため解放しません"));
    // After a refusal the recipient may ask again.
    assert!(
        page.body
            .contains(&format!("action=\"/quarantine/{to_sysadm}/request\""))
    );
}

async fn forged_tokens_change_nothing(url: String) {
    let h = harness(&url).await;
    let (to_staff, _) = setup(&h).await;
    let staff = h.sign_in("staff").await;
    let kanri = h.sign_in("kanri").await;
    let path = format!("/quarantine/{to_staff}/request");
    let cookie = Harness::session_cookie(&staff);
    for csrf in [
        None,
        Some(""),
        Some("0000000000000000000000000000000000000000000000000000000000000000"),
        Some(kanri.csrf.as_str()),
    ] {
        let mut form = vec![("reason", "x")];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let r = h.post(&path, Some(&cookie), &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{csrf:?}");
    }
    assert_eq!(state_of(&h, to_staff).await, QuarantineState::Held);
    assert_eq!(
        post(&h, &staff, &path, &[("reason", "必要です")]).await,
        StatusCode::SEE_OTHER
    );
    let r = h
        .post(
            &format!("/quarantine/{to_staff}/decide"),
            Some(&Harness::session_cookie(&kanri)),
            &[("csrf", staff.csrf.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&h, to_staff).await, QuarantineState::Requested);
    // Signed out: to the sign-in page, nothing changed.
    let r = h.post(&path, None, &[("csrf", "x"), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login"));
}

mamori_testkit::both_backends!(
    each_sees_only_their_own_and_their_reviewers,
    recipient_requests_and_the_kanri_approves,
    refusal_needs_a_note_and_only_reviewers_of_the_recipient_decide,
    forged_tokens_change_nothing,
);
