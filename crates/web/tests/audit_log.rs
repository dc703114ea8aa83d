//! The audit log page and the account list on the organisation page. The audit log page: filters by actor, action, entity and date, pages backwards, refuses a
//! malformed date, and stays closed to people without the capability — on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{K1_SECRET, harness};

fn rows_with(body: &str, cell: &str) -> usize {
    body.matches(&format!("<td>{cell}</td>")).count()
}

async fn filters_page_and_refuse_bad_dates(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    // 105 audited views of a 機密性3 asset: more than one page of the filtered log.
    for _ in 0..105 {
        let page = h
            .get(&format!("/assets/{}", K1_SECRET.0), Some(&kanri))
            .await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let auditor = h.sign_in("auditor").await;

    let all = h.get("/audit", Some(&auditor)).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.body.contains("<option value=\"view\""),
        "actions offered"
    );

    let views = h
        .get("/audit?actor=web%3Akanri&action=view", Some(&auditor))
        .await;
    assert_eq!(views.status, StatusCode::OK);
    assert_eq!(rows_with(&views.body, "view"), 100, "one full page");
    assert_eq!(
        rows_with(&views.body, "web:auditor"),
        0,
        "only kanri's entries"
    );
    let older = views
        .body
        .split("id=\"audit-older\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .map(|s| {
            s.split('"')
                .next()
                .unwrap()
                .replace("&#38;", "&")
                .replace("&amp;", "&")
        })
        .expect("a link to older entries");
    assert!(older.contains("before="), "{older}");
    let rest = h.get(&older, Some(&auditor)).await;
    assert_eq!(rest.status, StatusCode::OK);
    assert_eq!(rows_with(&rest.body, "view"), 5, "the remaining five");
    assert!(!rest.body.contains("id=\"audit-older\""));

    // An entity ID and a date range that holds everything / nothing.
    let by_id = h
        .get(
            &format!(
                "/audit?action=view&id={}&from=2000-01-01&to=2999-12-31",
                K1_SECRET.0
            ),
            Some(&auditor),
        )
        .await;
    assert_eq!(rows_with(&by_id.body, "view"), 100);
    let none = h
        .get("/audit?action=view&to=2000-01-01", Some(&auditor))
        .await;
    assert_eq!(rows_with(&none.body, "view"), 0);
    assert!(none.body.contains("条件に合う記録はありません"));

    let bad = h.get("/audit?from=yesterday", Some(&auditor)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(!bad.body.contains("NaiveDate") && !bad.body.contains("yesterday"));

    let staff = h.sign_in("staff").await;
    let denied = h.get("/audit?action=view", Some(&staff)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!denied.body.contains(K1_SECRET.0));
}

async fn accounts_are_listed_to_officers_and_auditors_only(url: String) {
    let h = harness(&url).await;
    let auditor = h.sign_in("auditor").await;
    let page = h.get("/org", Some(&auditor)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("利用者アカウント"));
    assert!(page.body.contains("<td>kanri</td>") && page.body.contains("<td>staff</td>"));
    // The auditor signed in through the MFA helper, so at least that account shows as registered.
    assert!(page.body.contains("登録済み"));
    assert!(!page.body.contains("$argon2"), "no password hashes");
    let staff = h.sign_in("staff").await;
    let page = h.get("/org", Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("利用者アカウント") && !page.body.contains("<td>kanri</td>"));
}

mamori_testkit::both_backends!(
    filters_page_and_refuse_bad_dates,
    accounts_are_listed_to_officers_and_auditors_only,
);
