//! A small city with one person per role and assets whose visibility is known by hand, served
//! in-process through `router(...)` over a real store.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use http_body_util::BodyExt;
use mamori_app::{Actor, Now};
use mamori_core::classification::mic_r6;
use mamori_core::org::{RoleAssignment, RoleScope};
use mamori_core::{
    Asset, AssetKind, Classification, Department, DepartmentKind, InformationSystem, Lang,
    ModelVariant, Role, Staff, Zone,
};
use mamori_store::{OpenMode, OrgData, Store};
use mamori_web::accounts::{NewAccount, create_user};
use mamori_web::{AppState, Clock, RandomSource, router};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct-horse-battery";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn advance(&self, by: TimeDelta) {
        let mut t = self.0.lock().unwrap();
        *t += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Distinct, reproducible seeds.
pub struct CountingRandom(AtomicU64);

impl RandomSource for CountingRandom {
    fn seed(&self) -> [u8; 32] {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let mut s = [7u8; 32];
        s[..8].copy_from_slice(&n.to_le_bytes());
        s
    }
}

pub struct Harness {
    pub app: Router,
    pub store: Store,
    pub clock: Arc<TestClock>,
    _dir: Option<tempfile::TempDir>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The value of a cookie this response sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(String::from)
    }

    /// The text between the first `start` and the next `end`.
    pub fn between(&self, start: &str, end: &str) -> String {
        let from = self.body.find(start).expect("start marker") + start.len();
        let to = self.body[from..].find(end).expect("end marker") + from;
        self.body[from..to].to_string()
    }

    /// The first hidden `csrf` field in the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("no csrf field") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }
}

/// The recovery codes listed on the page shown right after enrolment.
pub fn recovery_codes(body: &str) -> Vec<String> {
    let Some(start) = body.find("id=\"recovery-codes\"") else {
        return Vec::new();
    };
    let list = &body[start..body[start..].find("</ol>").unwrap() + start];
    list.split("<code>")
        .skip(1)
        .filter_map(|c| c.split_once("</code>").map(|(code, _)| code.to_string()))
        .collect()
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap()
}

/// A signed-in browser.
#[derive(Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Harness {
    pub async fn request(&self, req: Request<Body>) -> Response {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, browser: Option<&Browser>) -> Response {
        let mut req = Request::get(path);
        if let Some(b) = browser {
            req = req.header(header::COOKIE, format!("mamori_session={}", b.cookie));
        }
        self.request(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Response {
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        self.request(req.body(Body::from(body)).unwrap()).await
    }

    /// Open the sign-in page and post the form: the response of the POST.
    pub async fn try_sign_in(&self, login: &str, password: &str) -> Response {
        let page = self.get("/login", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let token = cookie_value(&page.set_cookie("mamori_login").unwrap());
        assert_eq!(page.csrf(), token);
        self.post(
            "/login",
            Some(&format!("mamori_login={token}")),
            &[("csrf", &token), ("login", login), ("password", password)],
        )
        .await
    }

    /// Sign in as a person would: the password, then the authenticator code when TOTP is
    /// enrolled, or the enrolment (key read from the page, code computed from the test clock)
    /// when the policy requires MFA and none is enrolled yet.
    pub async fn sign_in(&self, login: &str) -> Browser {
        let resp = self.try_sign_in(login, PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{login}: {}", resp.body);
        let cookie = cookie_value(&resp.set_cookie("mamori_session").unwrap());
        let mut b = Browser {
            cookie,
            csrf: String::new(),
        };
        if resp.location() == Some("/login/mfa") {
            let answer = self.answer_code(&b, login).await;
            assert_eq!(
                answer.status,
                StatusCode::SEE_OTHER,
                "{login}: {}",
                answer.body
            );
            assert_eq!(answer.location(), Some("/"));
        }
        let mut account = self.get("/account", Some(&b)).await;
        if account.location() == Some("/account/mfa") {
            self.enrol(&b).await;
            account = self.get("/account", Some(&b)).await;
        }
        assert_eq!(account.status, StatusCode::OK);
        b.csrf = account.csrf();
        b
    }

    /// The current code for `login`'s enrolled secret, moving the test clock on to the next
    /// 30-second step first if this step's code was already used (codes are single-use).
    pub async fn fresh_code(&self, login: &str) -> String {
        let record = self.store.mfa(login).await.unwrap().unwrap();
        let step = mamori_web::totp::step_at(self.clock.now());
        if let Some(last) = record.last_step
            && last >= step
        {
            self.clock
                .advance(TimeDelta::seconds(30 * (last - step + 1)));
        }
        mamori_web::totp::code_at(&record.secret, self.clock.now()).unwrap()
    }

    /// Post a code on the sign-in's code page.
    pub async fn post_code(&self, b: &Browser, code: &str) -> Response {
        let page = self.get("/login/mfa", Some(b)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.post(
            "/login/mfa",
            Some(&Harness::session_cookie(b)),
            &[("csrf", &page.csrf()), ("code", code)],
        )
        .await
    }

    pub async fn answer_code(&self, b: &Browser, login: &str) -> Response {
        let code = self.fresh_code(login).await;
        self.post_code(b, &code).await
    }

    /// Enrol TOTP from the enrolment page: read the key shown for manual entry, compute the code,
    /// submit it. The response shows the recovery codes, returned too.
    pub async fn enrol(&self, b: &Browser) -> (Response, Vec<String>) {
        let page = self.get("/account/mfa", Some(b)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("data:image/svg+xml;base64,"),
            "QR code shown"
        );
        let key = page.between("id=\"mfa-key\" class=\"key\">", "</code>");
        let secret: String = key.split_whitespace().collect();
        let code = mamori_web::totp::code_at(&secret, self.clock.now()).unwrap();
        let resp = self
            .post(
                "/account/mfa",
                Some(&Harness::session_cookie(b)),
                &[("csrf", &page.csrf()), ("code", &code)],
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
        let codes = recovery_codes(&resp.body);
        assert_eq!(codes.len(), 10, "{}", resp.body);
        (resp, codes)
    }

    pub fn session_cookie(b: &Browser) -> String {
        format!("mamori_session={}", b.cookie)
    }
}

pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()
}

/// The people of the fixture: (login, staff ID, department, role and scope).
pub const PEOPLE: &[(&str, &str, &str)] = &[
    ("ciso", "S-CISO", "B1"),
    ("tokatsu", "S-TOK", "B1"),
    ("sekinin", "S-SEK", "B2"),
    ("kanri", "S-KAN", "K1"),
    ("sysadm", "S-SYS", "K2"),
    ("staff", "S-STF", "G1"),
    ("auditor", "S-AUD", "K2"),
];

/// Asset IDs and names.
pub const K1_LOW: (&str, &str) = ("A-K1-LOW", "情報政策課の公開資料");
pub const K1_SECRET: (&str, &str) = ("A-K1-SECRET", "極秘ネットワーク構成図");
pub const K3_SECRET: (&str, &str) = ("A-K3-SECRET", "住民基本台帳データ");
pub const K2_MID: (&str, &str) = ("A-K2-MID", "人事評価記録");

fn assignments() -> Vec<RoleAssignment> {
    let a = |staff: &str, role, scope| RoleAssignment {
        staff: staff.into(),
        role,
        scope,
    };
    let dep = |c: &str| RoleScope::Department(c.into());
    vec![
        a("S-CISO", Role::Ciso, RoleScope::Organisation),
        a("S-TOK", Role::ChiefSecurityOfficer, RoleScope::Organisation),
        a("S-SEK", Role::SecurityOfficer, dep("B2")),
        a("S-KAN", Role::SecurityAdministrator, dep("K1")),
        a(
            "S-SYS",
            Role::SystemAdministrator,
            RoleScope::System("SYS1".into()),
        ),
        a("S-AUD", Role::Auditor, RoleScope::Organisation),
    ]
}

fn asset(
    (id, name): (&str, &str),
    department: &str,
    c: &str,
    zone: Zone,
    system: Option<&str>,
    today: chrono::NaiveDate,
) -> Asset {
    let mut a = Asset::new(id, name, AssetKind::Information);
    a.department = Some(department.into());
    a.classification = Classification::new(c, "2", "2");
    a.zone = Some(zone);
    a.system = system.map(String::from);
    a.next_review = Some(today + TimeDelta::days(10));
    a.retention = "5年".into();
    a.disposal_method = "完全消去".into();
    a
}

pub async fn harness(url: &str) -> Harness {
    let store = Store::open(url, OpenMode::Create).await.unwrap();
    let now = Now(start_time());
    let at = now.timestamp();
    let scheme = mic_r6();
    store
        .init_organisation("テスト市", &scheme, ModelVariant::Alpha, "test", &at)
        .await
        .unwrap();
    let d = |code: &str, name: &str, kind, parent: Option<&str>| Department {
        code: code.into(),
        name: name.into(),
        kind,
        parent: parent.map(Into::into),
    };
    let org = OrgData {
        departments: vec![
            d("B1", "総務部", DepartmentKind::Bu, None),
            d("K1", "情報政策課", DepartmentKind::Ka, Some("B1")),
            d("G1", "情報システム係", DepartmentKind::Kakari, Some("K1")),
            d("K2", "人事課", DepartmentKind::Ka, Some("B1")),
            d("B2", "市民生活部", DepartmentKind::Bu, None),
            d("K3", "市民課", DepartmentKind::Ka, Some("B2")),
        ],
        staff: PEOPLE
            .iter()
            .map(|(login, id, dept)| Staff {
                id: (*id).into(),
                name: format!("職員{login}"),
                department: (*dept).into(),
                email: None,
                active: true,
            })
            .collect(),
        systems: vec![InformationSystem {
            code: "SYS1".into(),
            name: "住民記録システム".into(),
            zone: Zone::MyNumber,
            department: "K3".into(),
        }],
        assignments: assignments(),
    };
    store.add_org_data(&org, "test", &at).await.unwrap();
    let today = now.today_in_japan();
    let assets = vec![
        asset(K1_LOW, "K1", "1", Zone::Lgwan, None, today),
        asset(K1_SECRET, "K1", "3A", Zone::Lgwan, None, today),
        asset(K3_SECRET, "K3", "3B", Zone::MyNumber, Some("SYS1"), today),
        asset(K2_MID, "K2", "2", Zone::Lgwan, None, today),
    ];
    store
        .import_assets(assets, &scheme, "test", &at, false)
        .await
        .unwrap();
    let mut rng = StdRng::seed_from_u64(42);
    for (login, id, _) in PEOPLE {
        create_user(
            &store,
            NewAccount {
                login,
                staff_id: id,
                password: PASSWORD,
                lang: Lang::Ja,
            },
            &Actor("test".into()),
            now,
            &mut rng,
        )
        .await
        .unwrap();
    }
    let clock = Arc::new(TestClock(Mutex::new(start_time())));
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        Arc::new(CountingRandom(AtomicU64::new(1))),
        false,
    );
    Harness {
        app: router(state),
        store,
        clock,
        _dir: None,
    }
}

/// The seed regulation (the demo city's) and the demo 実施手順.
pub const REGULATION: &str =
    include_str!("../../../provisions/tests/fixtures/noshiro_security_regulation.txt");
pub const PROCEDURES: &str = include_str!("../../../app/data/demo_procedures.txt");
/// The title of the non-public 実施手順: it must never reach someone who may not read it.
pub const PROCEDURES_TITLE: &str = "あおば市情報セキュリティ実施手順（メール無害化・持ち出し）";

/// The policy library and risk analysis of the fixture city: the regulation `kitei` (version 1 in
/// force since 2021, last reviewed 2024-10-01, so overdue; version 2 a draft), the 実施手順 `tejun` (last
/// reviewed two years ago), the risk register (SYS1 × every threat, 5×5), the status of M-11 for
/// 情報政策課 with evidence file 1, and review record 1.
pub async fn seed_policy(h: &Harness) {
    use mamori_app::policy::{PolicyDocumentSpec, import};
    use mamori_core::measures::{ImplementationStatus, StatusRecord, StatusScope};
    use mamori_core::policy_doc::{DocumentTier, ReviewTrigger, VersionState};
    let now = Now(start_time());
    let at = now.timestamp();
    let actor = Actor("test".into());
    let spec = |summary: &str| PolicyDocumentSpec {
        id: "kitei".into(),
        tier: DocumentTier::Regulation,
        title: None,
        review_months: 12,
        change_summary: summary.into(),
    };
    import(
        &h.store,
        "kitei.txt",
        REGULATION.as_bytes(),
        spec("初版"),
        &actor,
        now,
    )
    .await
    .unwrap();
    for (to, enactment) in [
        (VersionState::UnderReview, None),
        (VersionState::Approved, None),
        (
            VersionState::InForce,
            Some((
                "訓令第１号".to_string(),
                chrono::NaiveDate::from_ymd_opt(2021, 2, 1).unwrap(),
            )),
        ),
    ] {
        h.store
            .advance_policy_version("kitei", 1, to, &[Role::Ciso], enactment, "test", &at)
            .await
            .unwrap();
    }
    let amended = REGULATION.replace(
        "（１４） 外部サービス（クラウドサービス） クラウドサービスをいう。",
        "",
    );
    import(
        &h.store,
        "kitei2.txt",
        amended.as_bytes(),
        spec("外部サービスの定義を削る（案）"),
        &actor,
        now,
    )
    .await
    .unwrap();
    let tree = mamori_provisions::parse(PROCEDURES).unwrap();
    h.store
        .add_policy_version(
            &mamori_store::PolicyDocument {
                id: "tejun".into(),
                tier: DocumentTier::Procedures,
                title: tree.title.clone(),
                review_months: 12,
                last_reviewed: chrono::NaiveDate::from_ymd_opt(2024, 11, 1),
            },
            "制定",
            &serde_json::to_string(&tree).unwrap(),
            PROCEDURES,
            "test",
            &at,
        )
        .await
        .unwrap();
    assert_eq!(tree.title, PROCEDURES_TITLE);
    mamori_app::risk::assess(
        &h.store,
        &mamori_core::risk::Matrix::five_by_five(),
        &actor,
        now,
    )
    .await
    .unwrap();
    let scope = StatusScope::Department("K1".into());
    h.store
        .set_measure_status_with_evidence(
            &StatusRecord {
                measure: "M-11".into(),
                scope,
                status: ImplementationStatus::Implemented,
                evidence: vec!["入退室記録.csv".into()],
                assessed_on: now.today_in_japan(),
                justification: String::new(),
            },
            Some(("入退室記録.csv", "text/csv", "日付,氏名\n".as_bytes())),
            "test",
            &at,
        )
        .await
        .unwrap();
    h.store
        .add_policy_review(
            &mamori_store::NewReview {
                // Long ago, so that the regulation is overdue for its next review.
                reviewed_on: chrono::NaiveDate::from_ymd_opt(2024, 10, 1).unwrap(),
                trigger: ReviewTrigger::Periodic,
                risks: vec!["SYS:SYS1:T-01".into()],
                decision: "定期見直し".into(),
                document_id: Some("kitei".into()),
                document_version: Some(2),
            },
            "test",
            &at,
        )
        .await
        .unwrap();
}

/// A multipart/form-data body: text fields, then optionally one file.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----mamori-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Harness {
    /// POST a multipart form as a signed-in browser.
    pub async fn post_multipart(
        &self,
        path: &str,
        b: &Browser,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Response {
        let (content_type, body) = multipart(fields, file);
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, format!("mamori_session={}", b.cookie))
            .body(Body::from(body))
            .unwrap();
        self.request(req).await
    }

    /// The raw bytes of a GET (for downloads).
    pub async fn get_bytes(&self, path: &str, b: &Browser) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = Request::get(path)
            .header(header::COOKIE, format!("mamori_session={}", b.cookie))
            .body(Body::empty())
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }
}
