//! The web application in-process (`router` + `oneshot`) over a real store, on SQLite and on a real
//! PostgreSQL (see mamori-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use chrono::TimeDelta;
use common::{Browser, Harness, K1_LOW, K1_SECRET, K2_MID, K3_SECRET, PASSWORD, harness};

const LOCK_WORD: &str = "ロックされています";
const WRONG_WORD: &str = "ログイン名又はパスワードが正しくありません";

/// The message shown on a failed sign-in page.
fn alert(body: &str) -> &str {
    let start = body.find("role=\"alert\">").map(|i| i + 13).unwrap_or(0);
    let end = body[start..].find('<').map(|i| i + start).unwrap_or(start);
    &body[start..end]
}

async fn sign_in_succeeds_and_failures_do_not_reveal_accounts(url: String) {
    let h = harness(&url).await;
    let ok = h.try_sign_in("kanri", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), Some("/"));
    let cookie = ok.set_cookie("mamori_session").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("Secure"), "plain-HTTP test server");
    let token = common::cookie_value(&cookie);
    assert_eq!(token.len(), 64, "256-bit token in hex");
    // Only the token's hash is stored.
    let hash = mamori_web::accounts::token_hash(&token);
    assert!(h.store.session(&token).await.unwrap().is_none());
    assert!(h.store.session(&hash).await.unwrap().is_some());

    let wrong = h.try_sign_in("kanri", "not-the-password").await;
    let unknown = h.try_sign_in("nobody", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.set_cookie("mamori_session").is_none());
    assert!(alert(&wrong.body).contains(WRONG_WORD));
    assert_eq!(alert(&wrong.body), alert(&unknown.body));

    // Signed in, the dashboard shows; signing out ends the session.
    let b = h.sign_in("kanri").await;
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    let out = h
        .post(
            "/logout",
            Some(&Harness::session_cookie(&b)),
            &[("csrf", &b.csrf)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), Some("/login"));
    let after = h.get("/", Some(&b)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), Some("/login"));
}

async fn five_failures_lock_for_fifteen_minutes_known_or_not(url: String) {
    let h = harness(&url).await;
    for attempt in 1..=4 {
        let r = h.try_sign_in("staff", "wrong-password!").await;
        assert!(alert(&r.body).contains(WRONG_WORD), "attempt {attempt}");
    }
    let fifth = h.try_sign_in("staff", "wrong-password!").await;
    assert!(alert(&fifth.body).contains(LOCK_WORD), "{}", fifth.body);
    // Locked: even the right password is refused.
    let locked = h.try_sign_in("staff", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(alert(&locked.body).contains(LOCK_WORD));

    // An unknown login behaves the same, so the lock does not reveal which logins exist.
    let mut unknown_messages = Vec::new();
    for _ in 0..6 {
        unknown_messages
            .push(alert(&h.try_sign_in("ghost", "wrong-password!").await.body).to_string());
    }
    assert!(unknown_messages[..4].iter().all(|m| m.contains(WRONG_WORD)));
    assert!(unknown_messages[4].contains(LOCK_WORD) && unknown_messages[5].contains(LOCK_WORD));

    h.clock.advance(TimeDelta::minutes(14));
    assert!(alert(&h.try_sign_in("staff", PASSWORD).await.body).contains(LOCK_WORD));
    h.clock.advance(TimeDelta::minutes(2));
    let ok = h.try_sign_in("staff", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let actions: Vec<String> = h
        .store
        .audit_entries(100, Some("staff"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"lock".to_string()) && actions.contains(&"sign-in".to_string()));
}

async fn csrf_missing_or_forged_is_refused_and_changes_nothing(url: String) {
    let h = harness(&url).await;
    let b = h.sign_in("kanri").await;
    let cookie = Harness::session_cookie(&b);
    let forged: &[&[(&str, &str)]] = &[
        &[("lang", "en")],
        &[("lang", "en"), ("csrf", "")],
        &[
            ("lang", "en"),
            (
                "csrf",
                "0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ],
    ];
    for form in forged {
        let r = h.post("/account/lang", Some(&cookie), form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form:?}");
        assert!(r.body.contains("確認用トークン"), "clear message");
    }
    assert_eq!(h.store.user("kanri").await.unwrap().unwrap().lang, "ja");

    let r = h
        .post(
            "/account/password",
            Some(&cookie),
            &[
                ("current", PASSWORD),
                ("new_password", "a-new-password-1"),
                ("confirm", "a-new-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h.post("/logout", Some(&cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .post(
            "/audit/verify",
            Some(&Harness::session_cookie(&h.sign_in("auditor").await)),
            &[("csrf", &b.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another session's token");
    // Still signed in with the old password.
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    assert_eq!(
        h.try_sign_in("kanri", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // Sign-in itself needs the pre-session token.
    let r = h
        .post(
            "/login",
            None,
            &[("login", "kanri"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.set_cookie("mamori_session").is_none());

    // With the token, the same changes go through.
    let r = h
        .post(
            "/account/lang",
            Some(&cookie),
            &[("csrf", &b.csrf), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(h.store.user("kanri").await.unwrap().unwrap().lang, "en");
    let page = h.get("/assets", Some(&b)).await;
    assert!(page.body.contains("Information asset register"));
}

/// Who may open which page. Expected outcomes are written by hand from the rules in
/// `mamori_core::access` and the fixture's appointments, not computed by the policy.
async fn routes_by_role(url: String) {
    use StatusCode as S;
    const OK: S = S::OK;
    const NO: S = S::FORBIDDEN;
    const NF: S = S::NOT_FOUND;
    const LOGIN: S = S::SEE_OTHER;
    const BAD: S = S::BAD_REQUEST;
    let h = harness(&url).await;
    common::seed_policy(&h).await;
    let roles = [
        "ciso", "tokatsu", "sekinin", "kanri", "sysadm", "staff", "auditor", "",
    ];
    let k1_secret = format!("/assets/{}", K1_SECRET.0);
    let k3_secret = format!("/assets/{}", K3_SECRET.0);
    let k2_mid = format!("/assets/{}", K2_MID.0);
    let k1_low = format!("/assets/{}", K1_LOW.0);
    //                          CISO 統括 責任者(B2) 管理者(K1) システム(SYS1) 職員(G1) 監査 未ログイン
    let table: Vec<(&str, [S; 8])> = vec![
        ("/", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/assets", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        (
            "/assets?zone=lgwan&sort=name&q=A-",
            [OK, OK, OK, OK, OK, OK, OK, LOGIN],
        ),
        ("/findings", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/org", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/account", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/account/mfa", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/audit", [OK, OK, NO, NO, NO, NO, OK, LOGIN]),
        // Everyone may have quarantined mail; each sees only theirs (tests/quarantine.rs).
        ("/quarantine", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        (&k1_low, [OK, OK, NF, OK, NF, OK, OK, LOGIN]),
        (&k1_secret, [OK, OK, NF, OK, NF, NO, OK, LOGIN]),
        (&k3_secret, [OK, OK, OK, NF, OK, NF, OK, LOGIN]),
        (&k2_mid, [OK, OK, NF, NF, OK, NF, OK, LOGIN]),
        ("/assets/A-NO-SUCH", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        (
            "/assets?zone=nowhere",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOGIN],
        ),
        (
            "/assets?sort=secret",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOGIN],
        ),
        // The policy library: the public tiers for everyone, 実施手順 only for the roles allowed
        // (第10条第2項), hidden from the others as if it did not exist.
        ("/policy", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/policy/kitei", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/policy/kitei/v/1", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        (
            "/policy/kitei/diff?from=1&to=2",
            [OK, OK, OK, OK, OK, OK, OK, LOGIN],
        ),
        ("/policy/kitei/v/99", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        ("/policy/kitei/v/x", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        (
            "/policy/kitei/diff?from=x",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOGIN],
        ),
        ("/policy/tejun", [OK, OK, OK, OK, OK, NF, OK, LOGIN]),
        ("/policy/tejun/v/1", [OK, OK, OK, OK, OK, NF, OK, LOGIN]),
        ("/policy/tejun/diff", [OK, OK, OK, OK, OK, NF, OK, LOGIN]),
        ("/policy/nothing", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        ("/threats", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/threats/T-01", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/threats/T-99", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        ("/measures", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/measures/M-11", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/measures/M-99", [NF, NF, NF, NF, NF, NF, NF, LOGIN]),
        ("/measures/soa.xlsx", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        ("/measures/evidence/1", [OK, OK, OK, OK, OK, NO, OK, LOGIN]),
        ("/measures/evidence/9", [NF, NF, NF, NF, NF, NO, NF, LOGIN]),
        ("/risks", [OK, OK, OK, OK, OK, NO, OK, LOGIN]),
        ("/risks/export.xlsx", [OK, OK, OK, OK, OK, NO, OK, LOGIN]),
        ("/risks/SYS:SYS1/T-01", [OK, OK, OK, OK, OK, NO, OK, LOGIN]),
        ("/risks/SYS:SYS1/T-99", [NF, NF, NF, NF, NF, NO, NF, LOGIN]),
        ("/reviews", [OK, OK, OK, NO, NO, NO, OK, LOGIN]),
        ("/reviews/1", [OK, OK, OK, NO, NO, NO, OK, LOGIN]),
        ("/reviews/9", [NF, NF, NF, NO, NO, NO, NF, LOGIN]),
        ("/assets/import", [OK, OK, OK, OK, OK, NO, NO, LOGIN]),
        ("/assets.xlsx", [OK, OK, OK, OK, OK, OK, OK, LOGIN]),
        (
            "/assets.csv?c=3A&sort=name",
            [OK, OK, OK, OK, OK, OK, OK, LOGIN],
        ),
        (
            "/assets.csv?zone=nowhere",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOGIN],
        ),
        ("/settings", [OK, OK, NO, NO, NO, NO, NO, LOGIN]),
    ];
    // POSTs with a valid token: an import preview, a confirmation of an unknown upload (400 for
    // those who may import), unchanged settings (303 back to the page for those who may).
    const SEE: S = S::SEE_OTHER;
    let posts: [(&str, [S; 7]); 3] = [
        ("/assets/import", [OK, OK, OK, OK, OK, NO, NO]),
        ("/assets/import/confirm", [BAD, BAD, BAD, BAD, BAD, NO, NO]),
        ("/settings", [SEE, SEE, NO, NO, NO, NO, NO]),
    ];
    // Names each role may not see (their visibility is Hidden or ExistenceOnly).
    let withheld: [&[&str]; 8] = [
        &[],
        &[],
        &[K1_LOW.1, K1_SECRET.1, K2_MID.1],
        &[K3_SECRET.1, K2_MID.1],
        &[K1_LOW.1, K1_SECRET.1],
        &[K1_SECRET.1, K3_SECRET.1, K2_MID.1],
        &[],
        &[K1_LOW.1, K1_SECRET.1, K3_SECRET.1, K2_MID.1],
    ];
    let listing_pages = [
        "/",
        "/policy",
        "/reviews",
        "/assets",
        "/assets?sort=name",
        "/assets?q=%E6%A5%B5%E7%A7%98",
        "/assets?q=%E4%BD%8F%E6%B0%91",
        "/assets?c=3A",
        "/findings",
        "/org",
        "/assets.csv",
        "/assets.csv?sort=name",
        "/assets.csv?q=%E6%A5%B5%E7%A7%98",
        "/assets.csv?c=3A",
    ];
    for (i, role) in roles.iter().enumerate() {
        let browser: Option<Browser> = if role.is_empty() {
            None
        } else {
            Some(h.sign_in(role).await)
        };
        for (path, expected) in &table {
            let r = h.get(path, browser.as_ref()).await;
            assert_eq!(r.status, expected[i], "{role:?} GET {path}");
            if expected[i] == LOGIN {
                assert_eq!(r.location(), Some("/login"), "{role:?} GET {path}");
            }
        }
        for path in listing_pages {
            let r = h.get(path, browser.as_ref()).await;
            for name in withheld[i] {
                assert!(!r.body.contains(name), "{role:?} GET {path} leaks {name}");
            }
            // 実施手順 titles only for those who may read them (第10条第2項).
            if *role == "staff" || role.is_empty() {
                assert!(
                    !r.body.contains(common::PROCEDURES_TITLE),
                    "{role:?} GET {path} leaks the 実施手順"
                );
            }
        }
        let Some(b) = browser else { continue };
        for (path, expected) in &posts {
            let r = post_as(&h, &b, path).await;
            assert_eq!(r.status, expected[i], "{role:?} POST {path}: {}", r.body);
        }
    }
    // Positive controls: the listing really shows what may be seen, and marks existence-only rows.
    let staff = h.sign_in("staff").await;
    let list = h.get("/assets", Some(&staff)).await;
    assert!(list.body.contains(K1_LOW.1));
    assert!(list.body.contains(K1_SECRET.0));
    assert!(list.body.contains("（機密性3のため非表示）"));
    assert!(!list.body.contains(K3_SECRET.0) && !list.body.contains(K2_MID.0));
    // Searching a withheld name finds nothing, not even the ID of the existence-only row.
    let search = h.get("/assets?q=%E6%A5%B5%E7%A7%98", Some(&staff)).await;
    assert!(!search.body.contains(K1_SECRET.0));
    let restricted = h.get(&k1_secret, Some(&staff)).await;
    assert!(restricted.body.contains("詳細は"));
    let ciso = h.sign_in("ciso").await;
    let all = h.get("/assets", Some(&ciso)).await;
    for (_, name) in [K1_LOW, K1_SECRET, K3_SECRET, K2_MID] {
        assert!(all.body.contains(name));
    }
}

/// A well-formed POST to one of the routes of the POST table, with the session's token.
async fn post_as(h: &Harness, b: &Browser, path: &str) -> common::Response {
    use axum::body::Body;
    use axum::http::{Request, header};
    match path {
        "/assets/import" => {
            let boundary = "----mamoriRouteTable";
            let csv = "資産番号,情報資産名,種別,所管課コード\r\nA-ROUTE,経路表の試験,情報（電子データ）,K1\r\n";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\n{csv}\r\n\
                 --{boundary}--\r\n",
                b.csrf
            );
            let req = Request::post(path)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, Harness::session_cookie(b))
                .body(Body::from(body))
                .unwrap();
            h.request(req).await
        }
        "/assets/import/confirm" => {
            h.post(
                path,
                Some(&Harness::session_cookie(b)),
                &[("csrf", &b.csrf), ("upload", "0000")],
            )
            .await
        }
        _ => {
            h.post(
                path,
                Some(&Harness::session_cookie(b)),
                &[("csrf", &b.csrf), ("name", "テスト市"), ("model", "alpha")],
            )
            .await
        }
    }
}

async fn confidential_views_are_audited_and_the_chain_verifies(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    let views = |entries: Vec<mamori_store::AuditEntry>| {
        entries
            .into_iter()
            .filter(|e| e.action == "view")
            .map(|e| (e.actor, e.entity_id))
            .collect::<Vec<_>>()
    };
    let page = h.get(&format!("/assets/{}", K1_LOW.0), Some(&kanri)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        views(h.store.audit_entries(100, None).await.unwrap()).is_empty(),
        "機密性1 is not audited"
    );
    let page = h
        .get(&format!("/assets/{}", K1_SECRET.0), Some(&kanri))
        .await;
    assert!(page.body.contains(K1_SECRET.1) && page.body.contains("監査ログに記録"));
    assert_eq!(
        views(h.store.audit_entries(100, None).await.unwrap()),
        [("web:kanri".to_string(), K1_SECRET.0.to_string())]
    );
    // The existence-only page is not a view of the details.
    let staff = h.sign_in("staff").await;
    h.get(&format!("/assets/{}", K1_SECRET.0), Some(&staff))
        .await;
    assert_eq!(
        views(h.store.audit_entries(100, None).await.unwrap()).len(),
        1
    );

    let auditor = h.sign_in("auditor").await;
    let verified = h
        .post(
            "/audit/verify",
            Some(&Harness::session_cookie(&auditor)),
            &[("csrf", &auditor.csrf)],
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    assert!(
        verified.body.contains("改ざんされていません"),
        "{}",
        verified.body
    );
    let denied = h
        .post(
            "/audit/verify",
            Some(&Harness::session_cookie(&kanri)),
            &[("csrf", &kanri.csrf)],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

async fn password_change_needs_the_current_password(url: String) {
    let h = harness(&url).await;
    let b = h.sign_in("sekinin").await;
    let cookie = Harness::session_cookie(&b);
    let wrong = h
        .post(
            "/account/password",
            Some(&cookie),
            &[
                ("csrf", &b.csrf),
                ("current", "nope-nope-nope"),
                ("new_password", "brand-new-pass"),
                ("confirm", "brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("現在のパスワードが正しくありません"));
    let ok = h
        .post(
            "/account/password",
            Some(&cookie),
            &[
                ("csrf", &b.csrf),
                ("current", PASSWORD),
                ("new_password", "brand-new-pass"),
                ("confirm", "brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        h.get("/", Some(&b)).await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        h.try_sign_in("sekinin", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.try_sign_in("sekinin", "brand-new-pass").await.status,
        StatusCode::SEE_OTHER
    );
}

async fn security_headers_on_every_response(url: String) {
    let h = harness(&url).await;
    let b = h.sign_in("staff").await;
    let responses = vec![
        ("/login", h.get("/login", None).await),
        ("/ signed out", h.get("/", None).await),
        ("/", h.get("/", Some(&b)).await),
        ("/audit (403)", h.get("/audit", Some(&b)).await),
        ("/nowhere (404)", h.get("/nowhere", Some(&b)).await),
        (
            "/static/mamori.css",
            h.get("/static/mamori.css", None).await,
        ),
        (
            "csrf failure",
            h.post("/logout", Some(&Harness::session_cookie(&b)), &[])
                .await,
        ),
    ];
    for (what, r) in &responses {
        let header = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        assert_eq!(
            header("content-security-policy"),
            mamori_web::CONTENT_SECURITY_POLICY,
            "{what}"
        );
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(header("x-frame-options"), "DENY", "{what}");
    }
    // Error pages say what happened without internals.
    let not_found = &responses[4].1;
    assert!(not_found.body.contains("見つかりません") && not_found.body.contains("Not found"));
    // No page refers to anything outside the server.
    for (what, r) in &responses {
        assert!(
            !r.body.contains("http://") && !r.body.contains("https://"),
            "{what}"
        );
        assert!(!r.body.contains("<script"), "{what}");
    }
}

async fn expired_sessions_send_the_browser_to_sign_in(url: String) {
    let h = harness(&url).await;
    // Idle: 30 minutes without a request.
    let b = h.sign_in("staff").await;
    h.clock.advance(TimeDelta::minutes(29));
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    h.clock.advance(TimeDelta::minutes(29));
    assert_eq!(
        h.get("/", Some(&b)).await.status,
        StatusCode::OK,
        "activity keeps it alive"
    );
    h.clock.advance(TimeDelta::minutes(31));
    let r = h.get("/", Some(&b)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login"));
    // Absolute: 10 hours after sign-in, however active.
    let b = h.sign_in("staff").await;
    for _ in 0..20 {
        h.clock.advance(TimeDelta::minutes(29));
        assert_eq!(h.get("/assets", Some(&b)).await.status, StatusCode::OK);
    }
    h.clock.advance(TimeDelta::minutes(25));
    let r = h.get("/assets", Some(&b)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let expired = h.store.audit_entries(200, Some("staff")).await.unwrap();
    assert_eq!(expired.iter().filter(|e| e.action == "expired").count(), 2);
}

fn asset_form<'a>(
    csrf: &'a str,
    id: &'a str,
    name: &'a str,
    department: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("id", id),
        ("name", name),
        ("kind", "information"),
        ("department", department),
        ("zone", "lgwan"),
        ("c", "2"),
        ("i", "2"),
        ("a", "2"),
        ("personal_info", "1"),
        ("retention", "5年"),
        ("disposal_method", "溶解処理"),
        ("status", "in-use"),
        ("next_review", "2027-04-01"),
    ]
}

async fn assets_are_created_edited_and_disposed_only_where_the_policy_allows(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    let staff = h.sign_in("staff").await;
    let auditor = h.sign_in("auditor").await;
    let kc = Harness::session_cookie(&kanri);
    assert_eq!(
        h.get("/assets/new", Some(&kanri)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.get("/assets/new", Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.get("/assets/new", Some(&auditor)).await.status,
        StatusCode::FORBIDDEN
    );

    // Create in the 課 they manage.
    let r = h
        .post(
            "/assets/new",
            Some(&kc),
            &asset_form(&kanri.csrf, "A-NEW", "新しい資産", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/assets/A-NEW"));
    let created = h.store.asset("A-NEW").await.unwrap().unwrap();
    assert!(created.personal_info && created.department.as_deref() == Some("K1"));
    let entry = &h.store.audit_entries(1, Some("A-NEW")).await.unwrap()[0];
    assert_eq!(
        (entry.action.as_str(), entry.actor.as_str()),
        ("create", "web:kanri")
    );

    // Not in someone else's 課; not without a name; not without the token; not an existing ID.
    let r = h
        .post(
            "/assets/new",
            Some(&kc),
            &asset_form(&kanri.csrf, "A-OTHER", "他課の資産", "K3"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .post(
            "/assets/new",
            Some(&kc),
            &asset_form(&kanri.csrf, "A-NONAME", "", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("情報資産名") && r.body.contains("必須"),
        "{}",
        r.body
    );
    let r = h
        .post(
            "/assets/new",
            Some(&kc),
            &asset_form("forged", "A-FORGED", "偽造", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .post(
            "/assets/new",
            Some(&kc),
            &asset_form(&kanri.csrf, K3_SECRET.0, "上書き", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for id in ["A-OTHER", "A-NONAME", "A-FORGED"] {
        assert!(h.store.asset(id).await.unwrap().is_none(), "{id}");
    }
    assert_eq!(
        h.store.asset(K3_SECRET.0).await.unwrap().unwrap().name,
        K3_SECRET.1
    );

    // Edit: renaming is allowed, moving the asset to a 課 they do not manage is not.
    let edit = format!("/assets/{}/edit", K1_LOW.0);
    assert_eq!(h.get(&edit, Some(&kanri)).await.status, StatusCode::OK);
    // The list is loaded (and cached) before the change, and must show the change after it.
    assert!(h.get("/assets", Some(&kanri)).await.body.contains(K1_LOW.1));
    let r = h
        .post(
            &edit,
            Some(&kc),
            &asset_form(&kanri.csrf, "", "公開資料（改訂）", "K3"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .post(
            &edit,
            Some(&kc),
            &asset_form(&kanri.csrf, "", "公開資料（改訂）", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        h.store.asset(K1_LOW.0).await.unwrap().unwrap().name,
        "公開資料（改訂）"
    );
    let list = h.get("/assets", Some(&kanri)).await.body;
    assert!(list.contains("公開資料（改訂）") && !list.contains(K1_LOW.1));
    // Staff may see the asset but not change it; a hidden asset is not found.
    let sc = Harness::session_cookie(&staff);
    let r = h
        .post(
            &edit,
            Some(&sc),
            &asset_form(&staff.csrf, "", "職員による変更", "K1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        h.get(&edit, Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
    let hidden = format!("/assets/{}/edit", K3_SECRET.0);
    assert_eq!(
        h.get(&hidden, Some(&staff)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.store.asset(K1_LOW.0).await.unwrap().unwrap().name,
        "公開資料（改訂）"
    );

    // Dispose.
    let dispose = format!("/assets/{}/dispose", K1_LOW.0);
    let r = h.post(&dispose, Some(&sc), &[("csrf", &staff.csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h.post(&dispose, Some(&kc), &[("csrf", &kanri.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let disposed = h.store.asset(K1_LOW.0).await.unwrap().unwrap();
    assert_eq!(disposed.status, mamori_core::AssetStatus::Disposed);
    assert_eq!(
        disposed.disposed_on,
        Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
    );
    assert!(matches!(
        h.store.verify_audit().await.unwrap(),
        mamori_store::AuditVerdict::Intact { .. }
    ));
}

async fn findings_cite_the_regulation_and_follow_visibility(url: String) {
    let h = harness(&url).await;
    // A 機密性2 asset of 情報政策課 holding My Number data outside the My Number tier (第6条第2号ア).
    let mut a = mamori_core::Asset::new(
        "A-MYNUM",
        "番号付き名簿",
        mamori_core::AssetKind::Information,
    );
    a.department = Some("K1".into());
    a.classification = mamori_core::Classification::new("2", "2", "2");
    a.zone = Some(mamori_core::Zone::Lgwan);
    a.personal_info = true;
    a.my_number = true;
    a.next_review = Some(chrono::NaiveDate::from_ymd_opt(2027, 4, 1).unwrap());
    h.store
        .import_assets(
            vec![a],
            &mamori_core::classification::mic_r6(),
            "test",
            "2026-11-26T00:00:00Z",
            false,
        )
        .await
        .unwrap();
    for (role, sees) in [
        ("kanri", true),
        ("staff", true),
        ("ciso", true),
        ("sekinin", false),
        ("sysadm", false),
    ] {
        let b = h.sign_in(role).await;
        let page = h.get("/findings", Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body.contains("A-MYNUM"), sees, "{role}");
        assert_eq!(page.body.contains("第6条第2号ア"), sees, "{role}");
        assert_eq!(page.body.contains("番号付き名簿"), sees, "{role}");
    }
}

mamori_testkit::both_backends!(
    findings_cite_the_regulation_and_follow_visibility,
    assets_are_created_edited_and_disposed_only_where_the_policy_allows,
    sign_in_succeeds_and_failures_do_not_reveal_accounts,
    five_failures_lock_for_fifteen_minutes_known_or_not,
    csrf_missing_or_forged_is_refused_and_changes_nothing,
    routes_by_role,
    confidential_views_are_audited_and_the_chain_verifies,
    password_change_needs_the_current_password,
    security_headers_on_every_response,
    expired_sessions_send_the_browser_to_sign_in,
);
