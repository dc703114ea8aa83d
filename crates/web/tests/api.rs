//! The JSON API (/api/v1) in-process over a real store, on SQLite and on a real PostgreSQL:
//! tokens, every route × every role, no leaks, JSON errors, and the OpenAPI snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Harness, K1_LOW, K1_SECRET, K2_MID, K3_SECRET, PEOPLE, Response, harness};
use mamori_app::{Actor, Now};
use serde_json::Value;
use std::collections::BTreeSet;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

async fn api(h: &Harness, method: &str, path: &str, token: Option<&str>) -> Response {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    h.request(req.body(Body::empty()).unwrap()).await
}

async fn get(h: &Harness, path: &str, token: Option<&str>) -> Response {
    api(h, "GET", path, token).await
}

fn json(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// A token for each person of the fixture, made as the account page makes them.
async fn tokens(h: &Harness) -> Vec<String> {
    let mut out = Vec::new();
    for (login, _, _) in PEOPLE {
        let created = mamori_web::tokens::create_token(
            &h.store,
            login,
            "テスト",
            &format!("web:{login}"),
            Now(common::start_time()),
            &mut rand::rng(),
        )
        .await
        .unwrap();
        out.push(created.token);
    }
    out
}

/// Who may call which route. Expected outcomes are written by hand from the rules in
/// `mamori_core::access` and the fixture's appointments, not computed by the policy.
async fn api_routes_by_role(url: String) {
    use StatusCode as S;
    const OK: S = S::OK;
    const NO: S = S::FORBIDDEN;
    const NF: S = S::NOT_FOUND;
    const BAD: S = S::BAD_REQUEST;
    const AUTH: S = S::UNAUTHORIZED;
    let h = harness(&url).await;
    let mut tokens: Vec<Option<String>> = tokens(&h).await.into_iter().map(Some).collect();
    tokens.push(None);
    tokens.push(Some(
        "mamori_0000000000000000000000000000000000000000000000000000000000000000".into(),
    ));
    let names = [
        "ciso",
        "tokatsu",
        "sekinin",
        "kanri",
        "sysadm",
        "staff",
        "auditor",
        "no token",
        "bad token",
    ];
    let detail = |id: &str| format!("/api/v1/assets/{id}");
    let (k1_low, k1_secret, k3_secret, k2_mid) = (
        detail(K1_LOW.0),
        detail(K1_SECRET.0),
        detail(K3_SECRET.0),
        detail(K2_MID.0),
    );
    //                     CISO 統括 責任者(B2) 管理者(K1) システム(SYS1) 職員(G1) 監査 なし 偽
    let table: Vec<(&str, [S; 9])> = vec![
        ("/api/v1/assets", [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH]),
        (
            "/api/v1/assets?zone=lgwan&sort=name&q=A-&per_page=2&page=1",
            [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH],
        ),
        (&k1_low, [OK, OK, NF, OK, NF, OK, OK, AUTH, AUTH]),
        (&k1_secret, [OK, OK, NF, OK, NF, NO, OK, AUTH, AUTH]),
        (&k3_secret, [OK, OK, OK, NF, OK, NF, OK, AUTH, AUTH]),
        (&k2_mid, [OK, OK, NF, NF, OK, NF, OK, AUTH, AUTH]),
        (
            "/api/v1/assets/A-NO-SUCH",
            [NF, NF, NF, NF, NF, NF, NF, AUTH, AUTH],
        ),
        (
            "/api/v1/departments",
            [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH],
        ),
        ("/api/v1/staff", [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH]),
        ("/api/v1/findings", [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH]),
        (
            "/api/v1/findings?page=2&per_page=1",
            [OK, OK, OK, OK, OK, OK, OK, AUTH, AUTH],
        ),
        ("/api/v1/openapi.json", [OK; 9]),
        (
            "/api/v1/assets?zone=nowhere",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/assets?sort=secret",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/assets?dept=NOPE",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/assets?page=0",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/assets?page=abc",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/assets?per_page=501",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        (
            "/api/v1/findings?per_page=0",
            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, AUTH, AUTH],
        ),
        ("/api/v1/nothing-here", [NF; 9]),
    ];
    // Asset names each role may not see, and asset IDs each may not even know exist.
    let withheld_names: [&[&str]; 9] = [
        &[],
        &[],
        &[K1_LOW.1, K1_SECRET.1, K2_MID.1],
        &[K3_SECRET.1, K2_MID.1],
        &[K1_LOW.1, K1_SECRET.1],
        &[K1_SECRET.1, K3_SECRET.1, K2_MID.1],
        &[],
        &[K1_LOW.1, K1_SECRET.1, K3_SECRET.1, K2_MID.1],
        &[K1_LOW.1, K1_SECRET.1, K3_SECRET.1, K2_MID.1],
    ];
    let hidden_ids: [&[&str]; 9] = [
        &[],
        &[],
        &[K1_LOW.0, K1_SECRET.0, K2_MID.0],
        &[K3_SECRET.0, K2_MID.0],
        &[K1_LOW.0, K1_SECRET.0],
        &[K3_SECRET.0, K2_MID.0],
        &[],
        &[K1_LOW.0, K1_SECRET.0, K3_SECRET.0, K2_MID.0],
        &[K1_LOW.0, K1_SECRET.0, K3_SECRET.0, K2_MID.0],
    ];
    let listings = [
        "/api/v1/assets",
        "/api/v1/assets?sort=name",
        "/api/v1/assets?sort=review",
        "/api/v1/assets?q=%E6%A5%B5%E7%A7%98",
        "/api/v1/assets?q=%E4%BD%8F%E6%B0%91",
        "/api/v1/assets?c=3A",
        "/api/v1/assets?per_page=1&page=2",
        "/api/v1/findings",
        "/api/v1/departments",
        "/api/v1/staff",
    ];
    let mut covered = BTreeSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let who = names[i];
        for (path, expected) in &table {
            let r = get(&h, path, token.as_deref()).await;
            assert_eq!(r.status, expected[i], "{who} GET {path}: {}", r.body);
            assert_eq!(
                r.headers.get(header::CONTENT_TYPE).unwrap(),
                "application/json",
                "{who} GET {path}"
            );
            let body = json(&r);
            if r.status != OK {
                let code = body["error"]["code"].as_str().unwrap();
                assert!(!code.is_empty() && body["error"]["message"].is_string());
            }
            if r.status == AUTH {
                assert_eq!(r.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
            }
            covered.insert(path.split('?').next().unwrap().to_string());
        }
        for path in listings {
            let r = get(&h, path, token.as_deref()).await;
            for name in withheld_names[i] {
                assert!(!r.body.contains(name), "{who} GET {path} leaks {name}");
            }
            for id in hidden_ids[i] {
                assert!(!r.body.contains(id), "{who} GET {path} shows hidden {id}");
            }
        }
    }
    // Every documented path was exercised.
    let doc = json(&get(&h, "/api/v1/openapi.json", None).await);
    for path in doc["paths"].as_object().unwrap().keys() {
        if POLICY_API_PATHS.contains(&path.as_str()) {
            continue; // exercised by policy_api_routes_by_role
        }
        let concrete = format!("/api/v1{}", path.replace("{id}", K1_LOW.0));
        assert!(covered.contains(&concrete), "{path} is not in the table");
    }

    // Positive controls: the list shows what may be seen and marks existence-only rows.
    let staff = tokens[5].as_deref();
    let list = json(&get(&h, "/api/v1/assets", staff).await);
    assert_eq!(list["total"], 2);
    let rows = list["items"].as_array().unwrap();
    let secret = rows.iter().find(|r| r["id"] == K1_SECRET.0).unwrap();
    assert_eq!(secret["restricted"], true);
    assert!(secret["name"].is_null() && secret["zone"].is_null() && secret["status"].is_null());
    assert_eq!(secret["classification"]["confidentiality"], "3A");
    assert_eq!(secret["department"], "K1");
    let low = rows.iter().find(|r| r["id"] == K1_LOW.0).unwrap();
    assert_eq!(
        (&low["restricted"], &low["name"], &low["zone"]),
        (
            &Value::Bool(false),
            &Value::from(K1_LOW.1),
            &Value::from("lgwan")
        )
    );
    // Searching a withheld name finds nothing, not even the existence-only row.
    let search = json(&get(&h, "/api/v1/assets?q=%E6%A5%B5%E7%A7%98", staff).await);
    assert_eq!(search["total"], 0);
    // The detail of an existence-only asset is refused without its contents.
    let refused = get(&h, &k1_secret, staff).await;
    assert!(!refused.body.contains(K1_SECRET.1) && !refused.body.contains("lgwan"));
    // Paging: 4 assets for the CISO, 3 per page.
    let ciso = tokens[0].as_deref();
    let p2 = json(&get(&h, "/api/v1/assets?per_page=3&page=2", ciso).await);
    assert_eq!(
        (
            &p2["total"],
            &p2["pages"],
            p2["items"].as_array().unwrap().len()
        ),
        (&Value::from(4), &Value::from(2), 1)
    );
    let past = json(&get(&h, "/api/v1/assets?page=9", ciso).await);
    assert_eq!(
        (
            past["total"].as_u64(),
            past["items"].as_array().unwrap().len()
        ),
        (Some(4), 0)
    );
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Sorted by name (人 < 住 < 情 < 極), not by ID; the department filter takes the tree below.
    let by_name = json(&get(&h, "/api/v1/assets?sort=name", ciso).await);
    assert_eq!(
        ids(&by_name),
        [K2_MID.0, K3_SECRET.0, K1_LOW.0, K1_SECRET.0]
    );
    let in_b1 = json(&get(&h, "/api/v1/assets?dept=B1", ciso).await);
    assert_eq!(ids(&in_b1), [K1_LOW.0, K1_SECRET.0, K2_MID.0]);
    let in_g1 = json(&get(&h, "/api/v1/assets?dept=G1", ciso).await);
    assert_eq!(in_g1["total"], 0);
    let full = json(&get(&h, &k3_secret, ciso).await);
    assert_eq!(full["name"], K3_SECRET.1);
    assert_eq!(full["system"], "SYS1");
    assert_eq!(full["retention"], "5年");
    let people = json(&get(&h, "/api/v1/staff", staff).await);
    let kanri = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "S-KAN")
        .unwrap();
    assert_eq!(kanri["roles"][0]["role"], "security-administrator");
    assert_eq!(kanri["roles"][0]["scope"]["code"], "K1");
    // The API is read-only.
    let post = api(&h, "POST", "/api/v1/assets", ciso).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json(&post)["error"]["code"], "method_not_allowed");
}

async fn confidential_api_views_are_audited(url: String) {
    let h = harness(&url).await;
    let tokens = tokens(&h).await;
    let kanri = tokens[3].as_str();
    let views = |entries: Vec<mamori_store::AuditEntry>| {
        entries
            .into_iter()
            .filter(|e| e.action == "view")
            .map(|e| e.actor)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        get(&h, &format!("/api/v1/assets/{}", K1_SECRET.0), Some(kanri))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&h, &format!("/api/v1/assets/{}", K1_LOW.0), Some(kanri))
            .await
            .status,
        StatusCode::OK
    );
    // Listing is not a detail view; the staff member's refused view is not a view either.
    get(&h, "/api/v1/assets", Some(kanri)).await;
    get(
        &h,
        &format!("/api/v1/assets/{}", K1_SECRET.0),
        Some(&tokens[5]),
    )
    .await;
    assert_eq!(
        views(h.store.audit_entries(100, Some(K1_SECRET.0)).await.unwrap()),
        vec!["api:kanri".to_string()]
    );
    assert!(views(h.store.audit_entries(100, Some(K1_LOW.0)).await.unwrap()).is_empty());
}

async fn tokens_are_made_shown_once_listed_and_revoked_on_the_account_page(url: String) {
    let h = harness(&url).await;
    let b = h.sign_in("kanri").await;
    let cookie = Harness::session_cookie(&b);
    // Without the form's token nothing is made.
    let forged = h
        .post("/account/tokens", Some(&cookie), &[("name", "夜間集計")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(h.store.api_tokens("kanri").await.unwrap().is_empty());
    let empty = h
        .post(
            "/account/tokens",
            Some(&cookie),
            &[("csrf", &b.csrf), ("name", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(h.store.api_tokens("kanri").await.unwrap().is_empty());

    let made = h
        .post(
            "/account/tokens",
            Some(&cookie),
            &[("csrf", &b.csrf), ("name", "夜間集計")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let marker = "<code id=\"new-token\">";
    let start = made.body.find(marker).expect("token shown") + marker.len();
    let token = made.body[start..start + made.body[start..].find('<').unwrap()].to_string();
    assert!(token.starts_with("mamori_") && token.len() == 71, "{token}");
    // Stored only as its hash; shown once.
    let stored = h.store.api_tokens("kanri").await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].token_hash,
        mamori_web::accounts::token_hash(&token)
    );
    assert!(h.store.api_token_by_hash(&token).await.unwrap().is_none());
    let page = h.get("/account", Some(&b)).await;
    assert!(page.body.contains("夜間集計") && !page.body.contains(&token));
    assert!(page.body.contains("未使用"));

    // It acts as its owner and records when it was last used.
    let r = get(&h, "/api/v1/assets", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json(&r)["total"], 2, "kanri sees the two K1 assets");
    assert!(
        h.store.api_tokens("kanri").await.unwrap()[0]
            .last_used
            .is_some()
    );

    // Someone else cannot revoke it.
    let other = h.sign_in("ciso").await;
    let path = format!("/account/tokens/{}/revoke", stored[0].id);
    let r = h
        .post(
            &path,
            Some(&Harness::session_cookie(&other)),
            &[("csrf", &other.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&h, "/api/v1/assets", Some(&token)).await.status,
        StatusCode::OK
    );
    let r = h
        .post(
            "/account/tokens/not-a-number/revoke",
            Some(&cookie),
            &[("csrf", &b.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Its owner can; then it stops working at once.
    let r = h.post(&path, Some(&cookie), &[("csrf", &b.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&h, "/api/v1/assets", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let actions: Vec<(String, String)> = h
        .store
        .audit_entries(200, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "api-token")
        .map(|e| (e.action, e.actor))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(actions.iter().all(|(_, actor)| actor == "web:kanri"));
}

async fn a_disabled_owner_s_tokens_stop_working(url: String) {
    let h = harness(&url).await;
    let tokens = tokens(&h).await;
    let staff = tokens[5].as_str();
    assert_eq!(
        get(&h, "/api/v1/assets", Some(staff)).await.status,
        StatusCode::OK
    );
    let now = Now(common::start_time());
    mamori_web::accounts::disable_user(&h.store, "staff", &Actor("test".into()), now)
        .await
        .unwrap();
    assert_eq!(
        get(&h, "/api/v1/assets", Some(staff)).await.status,
        StatusCode::UNAUTHORIZED
    );
    mamori_web::accounts::enable_user(&h.store, "staff", &Actor("test".into()), now)
        .await
        .unwrap();
    assert_eq!(
        get(&h, "/api/v1/assets", Some(staff)).await.status,
        StatusCode::OK
    );
    // Malformed Authorization headers are a 401 too, never a 500.
    for value in [
        "Bearer",
        "Basic abc",
        "Bearer  ",
        "bearer x y z",
        "Token mamori_x",
    ] {
        let req = Request::get("/api/v1/assets")
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            h.request(req).await.status,
            StatusCode::UNAUTHORIZED,
            "{value}"
        );
    }
}

/// The documented paths `policy_api_routes_by_role` covers (over a fixture with a policy library).
const POLICY_API_PATHS: &[&str] = &[
    "/policy-documents",
    "/policy-documents/{id}",
    "/policy-documents/{id}/versions/{version}",
    "/threats",
    "/measures",
    "/risks",
    "/reviews",
    "/reviews/{id}",
];

/// Whether a concrete path is an instance of a documented one (`{…}` matches one segment).
fn instance_of(concrete: &str, documented: &str) -> bool {
    let (c, d): (Vec<&str>, Vec<&str>) = (
        concrete.split('/').collect(),
        documented.split('/').collect(),
    );
    c.len() == d.len() && c.iter().zip(&d).all(|(c, d)| d.starts_with('{') || c == d)
}

/// The policy library, threats, measures, risks and reviews: who may call which route, 実施手順
/// hidden (titles included) from those who may not read them, and reads of their versions audited.
async fn policy_api_routes_by_role(url: String) {
    use StatusCode as S;
    const OK: S = S::OK;
    const NO: S = S::FORBIDDEN;
    const NF: S = S::NOT_FOUND;
    const AUTH: S = S::UNAUTHORIZED;
    let h = harness(&url).await;
    common::seed_policy(&h).await;
    let mut tokens: Vec<Option<String>> = tokens(&h).await.into_iter().map(Some).collect();
    tokens.push(None);
    //                     CISO 統括 責任者(B2) 管理者(K1) システム(SYS1) 職員(G1) 監査 なし
    let table: Vec<(&str, [S; 8])> = vec![
        (
            "/api/v1/policy-documents",
            [OK, OK, OK, OK, OK, OK, OK, AUTH],
        ),
        (
            "/api/v1/policy-documents/kitei",
            [OK, OK, OK, OK, OK, OK, OK, AUTH],
        ),
        (
            "/api/v1/policy-documents/kitei/versions/2",
            [OK, OK, OK, OK, OK, OK, OK, AUTH],
        ),
        (
            "/api/v1/policy-documents/kitei/versions/9",
            [NF, NF, NF, NF, NF, NF, NF, AUTH],
        ),
        (
            "/api/v1/policy-documents/tejun",
            [OK, OK, OK, OK, OK, NF, OK, AUTH],
        ),
        (
            "/api/v1/policy-documents/tejun/versions/1",
            [OK, OK, OK, OK, OK, NF, OK, AUTH],
        ),
        (
            "/api/v1/policy-documents/nothing",
            [NF, NF, NF, NF, NF, NF, NF, AUTH],
        ),
        ("/api/v1/threats", [OK, OK, OK, OK, OK, OK, OK, AUTH]),
        ("/api/v1/measures", [OK, OK, OK, OK, OK, OK, OK, AUTH]),
        ("/api/v1/risks", [OK, OK, OK, OK, OK, NO, OK, AUTH]),
        ("/api/v1/reviews", [OK, OK, OK, NO, NO, NO, OK, AUTH]),
        ("/api/v1/reviews/1", [OK, OK, OK, NO, NO, NO, OK, AUTH]),
        ("/api/v1/reviews/9", [NF, NF, NF, NO, NO, NO, NF, AUTH]),
    ];
    for documented in POLICY_API_PATHS {
        assert!(
            table
                .iter()
                .any(|(p, _)| instance_of(p.trim_start_matches("/api/v1"), documented)),
            "{documented} is not in the table"
        );
    }
    for (i, token) in tokens.iter().enumerate() {
        for (path, expected) in &table {
            let r = get(&h, path, token.as_deref()).await;
            assert_eq!(r.status, expected[i], "caller {i} GET {path}: {}", r.body);
            let _ = json(&r);
        }
        let list = get(&h, "/api/v1/policy-documents", token.as_deref()).await;
        let leaks = list.body.contains(common::PROCEDURES_TITLE) || list.body.contains("\"tejun\"");
        assert_eq!(leaks, i != 5 && i != 7, "caller {i}: 実施手順 in the list");
    }
    // Every read of a 実施手順 version is audited, naming the API caller.
    let kanri = tokens[3].clone().unwrap();
    let before = h.store.audit_entries(1, None).await.unwrap()[0].seq;
    let r = get(
        &h,
        "/api/v1/policy-documents/tejun/versions/1",
        Some(&kanri),
    )
    .await;
    assert!(json(&r)["provisions"].as_array().unwrap().len() > 3);
    let last = &h.store.audit_entries(1, None).await.unwrap()[0];
    assert!(last.seq > before);
    assert_eq!(
        (
            last.actor.as_str(),
            last.action.as_str(),
            last.entity_id.as_str()
        ),
        ("api:kanri", "view", "tejun:1")
    );
    let v = json(
        &get(
            &h,
            "/api/v1/policy-documents/kitei/versions/1",
            Some(&kanri),
        )
        .await,
    );
    assert!(
        v["provisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["citation"] == "第6条第2号イ" && p["anchor"] == "a6-p1-i2-s2")
    );
    let risks = json(&get(&h, "/api/v1/risks", Some(&kanri)).await);
    assert_eq!(risks["items"].as_array().unwrap().len(), 21);
    let threats = json(&get(&h, "/api/v1/threats", Some(&kanri)).await);
    assert!(
        threats["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["citation"]["ja"].as_str().unwrap().starts_with("第3条第"))
    );
}

/// The in-memory snapshot follows every change: a new appointment widens what a person sees at
/// once, a new asset is listed at once, and a view of a 機密性3 asset (which moves the audit head
/// but changes nothing) keeps the answers the same.
async fn answers_follow_changes_to_appointments_and_the_register(url: String) {
    let h = harness(&url).await;
    let tokens = tokens(&h).await;
    let staff = Some(tokens[5].as_str());
    let before = json(&get(&h, "/api/v1/assets", staff).await);
    assert_eq!(before["total"], 2);
    // A view by someone else moves the audit head; the staff member's answer is unchanged.
    get(
        &h,
        &format!("/api/v1/assets/{}", K1_SECRET.0),
        Some(&tokens[0]),
    )
    .await;
    assert_eq!(json(&get(&h, "/api/v1/assets", staff).await), before);

    let at = Now(common::start_time()).timestamp();
    h.store
        .add_org_data(
            &mamori_store::OrgData {
                assignments: vec![mamori_core::org::RoleAssignment {
                    staff: "S-STF".into(),
                    role: mamori_core::Role::SecurityAdministrator,
                    scope: mamori_core::org::RoleScope::Department("K2".into()),
                }],
                ..Default::default()
            },
            "test",
            &at,
        )
        .await
        .unwrap();
    let after = json(&get(&h, "/api/v1/assets?q=A-K2", staff).await);
    assert_eq!(
        after["total"], 1,
        "now 情報セキュリティ管理者 of K2: {after}"
    );
    assert_eq!(after["items"][0]["name"], K2_MID.1);

    let mut new =
        mamori_core::Asset::new("A-K1-NEW", "新しい資料", mamori_core::AssetKind::Printed);
    new.department = Some("K1".into());
    new.classification = mamori_core::Classification::new("1", "1", "1");
    h.store
        .import_assets(
            vec![new],
            &mamori_core::classification::mic_r6(),
            "test",
            &at,
            false,
        )
        .await
        .unwrap();
    let listed = json(&get(&h, "/api/v1/assets?q=new", staff).await);
    assert_eq!(listed["items"][0]["name"], "新しい資料");
    let page = h
        .get("/assets?q=new", Some(&h.sign_in("staff").await))
        .await;
    assert!(page.body.contains("新しい資料"));
}

/// The OpenAPI document must equal the committed snapshot, so that changes are deliberate.
async fn openapi_document_matches_the_snapshot(url: String) {
    let h = harness(&url).await;
    let r = get(&h, "/api/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = json(&r);
    // The enumerations are the core's own identifiers.
    let ids = |name: &str| -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    use mamori_core::{AssetKind, AssetStatus, Zone};
    assert_eq!(ids("AssetKind"), AssetKind::ALL.map(|k| k.id().to_string()));
    assert_eq!(ids("Zone"), Zone::ALL.map(|z| z.id().to_string()));
    assert_eq!(
        ids("AssetStatus"),
        [AssetStatus::InUse, AssetStatus::Disposed].map(|s| s.id().to_string())
    );
    let served = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, &served).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        served == committed,
        "the OpenAPI document differs from {SNAPSHOT}.\nIf the change is deliberate, update the snapshot with:\n  UPDATE_SNAPSHOTS=1 cargo test -p mamori-web --test api openapi\nand commit it."
    );
}

mamori_testkit::both_backends!(
    api_routes_by_role,
    confidential_api_views_are_audited,
    tokens_are_made_shown_once_listed_and_revoked_on_the_account_page,
    a_disabled_owner_s_tokens_stop_working,
    answers_follow_changes_to_appointments_and_the_register,
    openapi_document_matches_the_snapshot,
    policy_api_routes_by_role,
);
