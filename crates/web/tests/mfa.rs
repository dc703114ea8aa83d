//! TOTP multi-factor authentication through the web application, on SQLite and on a real
//! PostgreSQL: enrolment with a QR code and a first code, confinement of people who must enrol,
//! the code step of a sign-in, replay, recovery codes, lockout, disabling and an administrator's
//! reset. Codes are computed from the key shown on the page and the test clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use base64::Engine;
use chrono::TimeDelta;
use common::{Browser, Harness, PASSWORD, harness};
use mamori_app::{Actor, Now};
use mamori_web::Clock;
use mamori_web::totp;

fn alert(body: &str) -> &str {
    let start = body.find("role=\"alert\">").map(|i| i + 13).unwrap_or(0);
    let end = body[start..].find('<').map(|i| i + start).unwrap_or(start);
    &body[start..end]
}

/// Sign in with the password only: the session cookie, and where the browser was sent.
async fn password_step(h: &Harness, login: &str) -> (Browser, String) {
    let resp = h.try_sign_in(login, PASSWORD).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    let b = Browser {
        cookie: common::cookie_value(&resp.set_cookie("mamori_session").unwrap()),
        csrf: String::new(),
    };
    (b, resp.location().unwrap().to_string())
}

async fn actions(h: &Harness, login: &str) -> Vec<String> {
    let mut a: Vec<String> = h
        .store
        .audit_entries(200, Some(login))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    a.reverse();
    a
}

async fn enrolment_with_qr_code_and_confinement_until_enrolled(url: String) {
    let h = harness(&url).await;
    // 情報セキュリティ管理者: the policy requires MFA; nothing is enrolled yet.
    let (b, next) = password_step(&h, "kanri").await;
    assert_eq!(next, "/");
    let cookie = Harness::session_cookie(&b);
    for path in [
        "/",
        "/assets",
        "/assets/A-K1-LOW",
        "/findings",
        "/org",
        "/account",
        "/audit",
    ] {
        let r = h.get(path, Some(&b)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), Some("/account/mfa"), "{path}");
    }
    // A state-changing request is refused the same way and changes nothing.
    let before = h.store.audit_entries(1, None).await.unwrap()[0].seq;
    let r = h
        .post(
            "/assets/A-K1-LOW/dispose",
            Some(&cookie),
            &[("csrf", "x"), ("method", "完全消去")],
        )
        .await;
    assert_eq!(r.location(), Some("/account/mfa"));
    assert_eq!(h.store.audit_entries(1, None).await.unwrap()[0].seq, before);

    // The enrolment page: QR code as an inline SVG image, the key as text, no navigation.
    let page = h.get("/account/mfa", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("多要素認証が必要です"));
    assert!(
        !page.body.contains("href=\"/assets\""),
        "no navigation while confined"
    );
    let data = page.between("src=\"data:image/svg+xml;base64,", "\"");
    let svg = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    let key = page.between("id=\"mfa-key\" class=\"key\">", "</code>");
    let secret: String = key.split_whitespace().collect();
    assert_eq!(secret.len(), 32, "160-bit key in base32");
    assert_eq!(h.store.mfa("kanri").await.unwrap().unwrap().secret, secret);
    // Reloading keeps the key already shown.
    let again = h.get("/account/mfa", Some(&b)).await;
    assert_eq!(
        again.between("id=\"mfa-key\" class=\"key\">", "</code>"),
        key
    );

    // A wrong code does not enrol.
    let now_code = totp::code_at(&secret, h.clock.now()).unwrap();
    let wrong = if now_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let r = h
        .post(
            "/account/mfa",
            Some(&cookie),
            &[("csrf", &page.csrf()), ("code", wrong)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(alert(&r.body).contains("確認コードが正しくありません"));
    assert!(!h.store.mfa("kanri").await.unwrap().unwrap().confirmed);
    assert_eq!(h.get("/", Some(&b)).await.location(), Some("/account/mfa"));

    // The right code enrols and shows ten recovery codes once.
    let r = h
        .post(
            "/account/mfa",
            Some(&cookie),
            &[("csrf", &page.csrf()), ("code", &now_code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = common::recovery_codes(&r.body);
    assert_eq!(codes.len(), 10);
    assert!(h.store.mfa("kanri").await.unwrap().unwrap().confirmed);
    assert_eq!(h.store.unused_recovery_codes("kanri").await.unwrap(), 10);
    let shown = h.get("/account/mfa", Some(&b)).await;
    assert!(
        common::recovery_codes(&shown.body).is_empty(),
        "shown only once"
    );
    assert!(!shown.body.contains(&codes[0]));
    assert!(shown.body.contains("id=\"unused-codes\">10<"));
    // Everything opens now.
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    assert_eq!(h.get("/assets", Some(&b)).await.status, StatusCode::OK);
    let log = actions(&h, "kanri").await;
    assert!(
        log.ends_with(&["mfa-enrol-start".to_string(), "mfa-enrol".to_string()]),
        "{log:?}"
    );

    // Ordinary staff are not required to enrol (but may).
    let staff = h.sign_in("staff").await;
    assert_eq!(h.get("/assets", Some(&staff)).await.status, StatusCode::OK);
    let account = h.get("/account", Some(&staff)).await;
    assert!(account.body.contains("認証アプリを登録する"));
    assert!(h.store.mfa("staff").await.unwrap().is_none());
}

async fn sign_in_asks_for_the_code_and_refuses_wrong_and_replayed_codes(url: String) {
    let h = harness(&url).await;
    h.sign_in("ciso").await; // enrols
    let (b, next) = password_step(&h, "ciso").await;
    assert_eq!(next, "/login/mfa");
    // The password alone opens nothing.
    for path in ["/", "/assets", "/account", "/account/mfa"] {
        let r = h.get(path, Some(&b)).await;
        assert_eq!(r.location(), Some("/login/mfa"), "{path}");
    }
    let log = actions(&h, "ciso").await;
    assert_eq!(log.last().map(String::as_str), Some("sign-in-password"));

    let good = h.fresh_code("ciso").await;
    let wrong = if good == "123456" { "654321" } else { "123456" };
    let r = h.post_code(&b, wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(alert(&r.body).contains("確認コードが正しくないか"));
    let r = h.post_code(&b, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/"));
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    assert_eq!(actions(&h, "ciso").await.last().unwrap(), "sign-in");

    // The same code again, within its 30 seconds, on a new sign-in: refused.
    let (b2, _) = password_step(&h, "ciso").await;
    let r = h.post_code(&b2, &good).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a code works once");
    assert_eq!(h.get("/", Some(&b2)).await.location(), Some("/login/mfa"));
    // The next step's code is accepted.
    h.clock.advance(TimeDelta::seconds(30));
    let next = h.fresh_code("ciso").await;
    assert_ne!(next, good);
    assert_eq!(h.post_code(&b2, &next).await.status, StatusCode::SEE_OTHER);
    assert_eq!(h.get("/", Some(&b2)).await.status, StatusCode::OK);
    // A code for a step already used is not accepted even though it is within the window.
    let (b3, _) = password_step(&h, "ciso").await;
    assert_eq!(
        h.post_code(&b3, &good).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The code page waits only a few minutes.
    let (b4, _) = password_step(&h, "ciso").await;
    h.clock.advance(TimeDelta::minutes(6));
    let r = h.get("/login/mfa", Some(&b4)).await;
    assert_eq!(r.location(), Some("/login"));
}

async fn recovery_codes_work_once_each(url: String) {
    let h = harness(&url).await;
    let b = h.sign_in("auditor").await;
    // Enrolled by sign_in; start over to hold the codes: disable with a code, enrol again.
    let code = h.fresh_code("auditor").await;
    let r = h
        .post(
            "/account/mfa/disable",
            Some(&Harness::session_cookie(&b)),
            &[("csrf", &b.csrf), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("登録を解除しました"));
    // Required by the policy: the same page now offers a new enrolment, and nothing else opens.
    assert!(r.body.contains("id=\"mfa-key\""));
    assert_eq!(h.get("/", Some(&b)).await.location(), Some("/account/mfa"));
    let (_, codes) = h.enrol(&b).await;

    let (b1, _) = password_step(&h, "auditor").await;
    let r = h.post_code(&b1, &codes[3]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(h.get("/audit", Some(&b1)).await.status, StatusCode::OK);
    assert_eq!(h.store.unused_recovery_codes("auditor").await.unwrap(), 9);
    let (b2, _) = password_step(&h, "auditor").await;
    assert_eq!(
        h.post_code(&b2, &codes[3]).await.status,
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
    // Typed loosely (capitals, spaces for hyphens) another one still works.
    let loose = codes[4].to_uppercase().replace('-', " ");
    assert_eq!(h.post_code(&b2, &loose).await.status, StatusCode::SEE_OTHER);
    let log = actions(&h, "auditor").await;
    for a in ["mfa-disable", "mfa-enrol", "sign-in-password", "sign-in"] {
        assert!(log.contains(&a.to_string()), "{a}: {log:?}");
    }
    // No code or secret is written to the audit log.
    let secret = h.store.mfa("auditor").await.unwrap().unwrap().secret;
    for e in h.store.audit_entries(500, None).await.unwrap() {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains(&secret) && !text.contains(&codes[5]));
    }
}

async fn wrong_codes_count_toward_the_lockout(url: String) {
    let h = harness(&url).await;
    h.sign_in("tokatsu").await;
    // One wrong password and four wrong codes: five failures in a row lock the login.
    let wrong_pw = h.try_sign_in("tokatsu", "wrong-password!").await;
    assert_eq!(wrong_pw.status, StatusCode::UNAUTHORIZED);
    let (b, _) = password_step(&h, "tokatsu").await;
    let good = h.fresh_code("tokatsu").await;
    let wrong = if good == "000000" { "999999" } else { "000000" };
    for attempt in 1..=3 {
        let r = h.post_code(&b, wrong).await;
        assert!(
            alert(&r.body).contains("確認コードが正しくないか"),
            "attempt {attempt}: {}",
            r.body
        );
    }
    // Signing in again with the password does not reset the count.
    let (b, _) = password_step(&h, "tokatsu").await;
    let r = h.post_code(&b, wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(alert(&r.body).contains("ロックされています"), "{}", r.body);
    assert!(
        r.set_cookie("mamori_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    // The waiting session is gone, and even the right password is refused for 15 minutes.
    assert_eq!(
        h.get("/login/mfa", Some(&b)).await.location(),
        Some("/login")
    );
    let locked = h.try_sign_in("tokatsu", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(alert(&locked.body).contains("ロックされています"));
    assert!(actions(&h, "tokatsu").await.contains(&"lock".to_string()));
    h.clock.advance(TimeDelta::minutes(16));
    let b = h.sign_in("tokatsu").await;
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    // A complete sign-in clears the count.
    assert_eq!(
        h.store
            .user("tokatsu")
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        0
    );
}

async fn an_administrator_resets_a_lost_authenticator(url: String) {
    let h = harness(&url).await;
    h.sign_in("sysadm").await;
    assert!(
        mamori_web::mfa::is_enrolled(&h.store, "sysadm")
            .await
            .unwrap()
    );
    // What `mamori user reset-mfa sysadm` does.
    let now = Now(h.clock.now());
    let actor = Actor("cli:root".into());
    assert!(
        mamori_web::mfa::reset(&h.store, "sysadm", &actor, now)
            .await
            .unwrap()
    );
    assert!(
        !mamori_web::mfa::reset(&h.store, "sysadm", &actor, now)
            .await
            .unwrap(),
        "nothing left to reset"
    );
    // The next sign-in asks for no code but leads to a fresh enrolment.
    let (b, next) = password_step(&h, "sysadm").await;
    assert_eq!(next, "/");
    assert_eq!(h.get("/", Some(&b)).await.location(), Some("/account/mfa"));
    h.enrol(&b).await;
    assert_eq!(h.get("/", Some(&b)).await.status, StatusCode::OK);
    let entries = h.store.audit_entries(50, Some("sysadm")).await.unwrap();
    let reset = entries.iter().find(|e| e.action == "mfa-reset").unwrap();
    assert_eq!(reset.actor, "cli:root");
}

mamori_testkit::both_backends!(
    enrolment_with_qr_code_and_confinement_until_enrolled,
    sign_in_asks_for_the_code_and_refuses_wrong_and_replayed_codes,
    recovery_codes_work_once_each,
    wrong_codes_count_toward_the_lockout,
    an_administrator_resets_a_lost_authenticator,
);
