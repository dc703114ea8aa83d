//! A minimal W3C WebDriver client for a local chromedriver, plus the demo city served in-process.
//! Shared by `tests/e2e.rs` and `examples/screenshots.rs`.
//!
//! Hand-written over one HTTP/1.1 request per connection (chromedriver on 127.0.0.1 needs nothing
//! more), so the test pulls in no TLS stack and no HTTP client crate.
#![allow(dead_code)]

use base64::Engine;
use mamori_app::{Actor, Now};
use mamori_store::{OpenMode, Store};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub type Result<T> = std::result::Result<T, String>;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser binaries are, from `CHROMIUM` / `CHROMEDRIVER` or the Debian paths.
pub struct BrowserBinaries {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl BrowserBinaries {
    /// `Err(reason)` when either binary is missing.
    pub fn find() -> Result<Self> {
        let pick = |var: &str, candidates: &[&str]| -> Result<PathBuf> {
            if let Ok(p) = std::env::var(var) {
                let p = PathBuf::from(p);
                return if p.is_file() {
                    Ok(p)
                } else {
                    Err(format!("{var}={} does not exist", p.display()))
                };
            }
            candidates
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .ok_or_else(|| format!("none of {candidates:?} exists (set {var})"))
        };
        Ok(BrowserBinaries {
            chromium: pick(
                "CHROMIUM",
                &[
                    "/usr/bin/chromium",
                    "/usr/bin/chromium-browser",
                    "/usr/bin/google-chrome",
                ],
            )?,
            chromedriver: pick("CHROMEDRIVER", &["/usr/bin/chromedriver"])?,
        })
    }
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// chromedriver as a child process, killed when dropped (also when a test panics).
pub struct Chromedriver {
    child: Child,
    pub port: u16,
}

impl Chromedriver {
    pub async fn start(binary: &Path) -> Result<Self> {
        let port = free_port()?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let driver = Chromedriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok((200, body)) = http(port, "GET", "/status", None).await
                && body["value"]["ready"] == json!(true)
            {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready within 10 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange with chromedriver: (status, JSON body).
async fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect to chromedriver: {e}"))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write to chromedriver: {e}"))?;
    // chromedriver may keep the connection open: read the headers, then exactly the body.
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 16384];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read from chromedriver: {e}"))?;
        if n == 0 {
            return Err("chromedriver closed the connection before answering".into());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {head}"))?;
    let content_length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let chunked = head.contains("transfer-encoding: chunked");
    let mut body = raw[split + 4..].to_vec();
    loop {
        let complete = match content_length {
            Some(len) => body.len() >= len,
            None if chunked => body.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read from chromedriver: {e}"))?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    if let Some(len) = content_length {
        body.truncate(len);
    } else if chunked {
        body = dechunk(&body)?;
    }
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|e| format!("chromedriver JSON: {e}"))?
    };
    Ok((status, value))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}

/// A browser session. Call [`Session::quit`] at the end; the driver's Drop ends Chromium anyway.
pub struct Session {
    port: u16,
    id: String,
    _profile: tempfile::TempDir,
}

impl Session {
    /// Headless Chromium with a fresh profile and nothing that would reach out to the network.
    pub async fn start(
        driver: &Chromedriver,
        chromium: &Path,
        width: u32,
        height: u32,
    ) -> Result<Self> {
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--lang=ja".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:chromeOptions": {
                    "binary": chromium.to_string_lossy(),
                    "args": args,
                    "prefs": { "intl.accept_languages": "ja" }
                }
            }}
        });
        let (status, v) = http(driver.port, "POST", "/session", Some(&caps)).await?;
        let id = v["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("new session failed ({status}): {v}"))?
            .to_string();
        Ok(Session {
            port: driver.port,
            id,
            _profile: profile,
        })
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let path = format!("/session/{}{path}", self.id);
        let body = body.or(if method == "POST" {
            Some(json!({}))
        } else {
            None
        });
        let (status, v) = http(self.port, method, &path, body.as_ref()).await?;
        if status != 200 {
            return Err(format!("{method} {path}: {status} {}", v["value"]));
        }
        Ok(v["value"].clone())
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.call("POST", "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    pub async fn current_url(&self) -> Result<String> {
        Ok(self
            .call("GET", "/url", None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    pub async fn title(&self) -> Result<String> {
        Ok(self
            .call("GET", "/title", None)
            .await?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    pub async fn find(&self, css: &str) -> Result<Element<'_>> {
        let v = self
            .call(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await
            .map_err(|e| format!("no element {css:?}: {e}"))?;
        Ok(Element {
            session: self,
            id: element_id(&v)?,
        })
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let v = self
            .call(
                "POST",
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        v.as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                Ok(Element {
                    session: self,
                    id: element_id(e)?,
                })
            })
            .collect()
    }

    /// Click what `css` finds and wait until the next page has loaded (a form post or a link).
    pub async fn click_and_wait(&self, css: &str) -> Result<()> {
        // Mark the current document; the next one will not carry the mark.
        self.execute("window.__mamoriOld = true;", vec![]).await?;
        self.find(css).await?.click().await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let loaded = self
                .execute(
                    "return !window.__mamoriOld && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .unwrap_or(Value::Bool(false));
            if loaded == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no new page within 10 s after clicking {css:?}"));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The text a person sees on the page.
    pub async fn body_text(&self) -> Result<String> {
        self.find("body").await?.text().await
    }

    /// Run a script in the page; `args` may hold elements (see [`Element::json`]).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The page's HTTP status as the browser saw it (Navigation Timing).
    pub async fn status(&self) -> Result<u64> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : 0;",
                "args": []
            })),
        )
        .await?
        .as_u64()
        .ok_or_else(|| "no navigation status".to_string())
    }

    /// Resize the window to the whole page, so a screenshot shows all of it (up to `max_height`).
    pub async fn fit_height(&self, width: u32, max_height: u32) -> Result<()> {
        let h = self
            .call(
                "POST",
                "/execute/sync",
                Some(json!({ "script": "return document.documentElement.scrollHeight;", "args": [] })),
            )
            .await?
            .as_u64()
            .unwrap_or(900)
            .clamp(600, u64::from(max_height));
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": h })),
        )
        .await
        .map(drop)
    }

    pub async fn set_size(&self, width: u32, height: u32) -> Result<()> {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await
        .map(drop)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.call("GET", "/screenshot", None).await?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or(""))
            .map_err(|e| format!("screenshot base64: {e}"))
    }

    pub async fn quit(self) -> Result<()> {
        self.call("DELETE", "", None).await.map(drop)
    }
}

fn element_id(v: &Value) -> Result<String> {
    v[ELEMENT_KEY]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("not an element: {v}"))
}

pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

impl Element<'_> {
    /// The element as a script argument.
    pub fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub async fn text(&self) -> Result<String> {
        let v = self
            .session
            .call("GET", &format!("/element/{}/text", self.id), None)
            .await?;
        Ok(v.as_str().unwrap_or("").to_string())
    }

    pub async fn click(&self) -> Result<()> {
        self.session
            .call("POST", &format!("/element/{}/click", self.id), None)
            .await
            .map(drop)
    }

    pub async fn clear(&self) -> Result<()> {
        self.session
            .call("POST", &format!("/element/{}/clear", self.id), None)
            .await
            .map(drop)
    }

    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.session
            .call(
                "POST",
                &format!("/element/{}/value", self.id),
                Some(json!({ "text": text })),
            )
            .await
            .map(drop)
    }

    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let v = self
            .session
            .call(
                "GET",
                &format!("/element/{}/attribute/{name}", self.id),
                None,
            )
            .await?;
        Ok(v.as_str().map(String::from))
    }

    pub async fn tag(&self) -> Result<String> {
        let v = self
            .session
            .call("GET", &format!("/element/{}/name", self.id), None)
            .await?;
        Ok(v.as_str().unwrap_or("").to_string())
    }
}

/// The demo city (あおば市) on a temporary SQLite file, served on 127.0.0.1 with an ephemeral port
/// until dropped.
pub struct DemoServer {
    pub base: String,
    pub accounts: Vec<mamori_web::accounts::DemoAccount>,
    /// What the browser enrolled: login → (the key read from the enrolment page, recovery codes
    /// read from the page after it, the last 30-second step whose code was used).
    pub totp: std::sync::Mutex<std::collections::HashMap<String, Enrolled>>,
    pub store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::result::Result<(), mamori_web::WebError>>>,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    pub async fn start(asset_count: usize) -> Result<Self> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let db = dir.path().join("demo.db");
        let store = Store::open(&db.to_string_lossy(), OpenMode::Create)
            .await
            .map_err(|e| format!("open store: {e}"))?;
        let now = Now(chrono::Utc::now());
        let actor = Actor("demo".into());
        let scheme = mamori_core::classification::mic_r6();
        mamori_app::demo::seed(&store, asset_count, 1, &scheme, &actor, now)
            .await
            .map_err(|e| format!("seed: {e}"))?;
        // As `mamori demo`: the policy library, threats, measures and risk register too.
        mamori_app::demo_policy::seed(&store, &actor, now)
            .await
            .map_err(|e| format!("seed policy: {}", e.message(mamori_core::Lang::En)))?;
        let accounts = mamori_web::accounts::demo_accounts(&store, &actor, now, &mut rand::rng())
            .await
            .map_err(|e| format!("demo accounts: {e}"))?;
        let port = free_port()?;
        let listen: SocketAddr = ([127, 0, 0, 1], port).into();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(mamori_web::serve(
            store.clone(),
            mamori_web::ServerConfig::new(listen),
            async {
                let _ = stopped.await;
            },
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(listen).await.is_err() {
            if Instant::now() > deadline {
                return Err("the server did not start within 10 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(DemoServer {
            base: format!("http://{listen}"),
            accounts,
            totp: std::sync::Mutex::new(std::collections::HashMap::new()),
            store,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn password(&self, login: &str) -> Result<String> {
        self.accounts
            .iter()
            .find(|a| a.login == login)
            .map(|a| a.password.clone())
            .ok_or_else(|| format!("the demo city has no account {login}"))
    }

    /// Stop serving and wait for the server to finish.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .map_err(|_| "the server did not stop within 10 s".to_string())?
                .map_err(|e| format!("server task: {e}"))?
                .map_err(|e| format!("server: {e}"))?;
        }
        Ok(())
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An authenticator app's memory of one account, as the browser test learnt it from the pages.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub secret: String,
    pub recovery_codes: Vec<String>,
    pub last_step: i64,
}

/// Type login and password into the sign-in form and submit; returns the next page's text (the
/// dashboard, the code page or the enrolment page).
pub async fn sign_in_password(
    session: &Session,
    server: &DemoServer,
    login: &str,
) -> Result<String> {
    let password = server.password(login)?;
    session.goto(&server.url("/login")).await?;
    session
        .find("input[name=login]")
        .await?
        .send_keys(login)
        .await?;
    session
        .find("input[name=password]")
        .await?
        .send_keys(&password)
        .await?;
    session
        .click_and_wait("form[action='/login'] button")
        .await?;
    session.body_text().await
}

/// A TOTP code for `secret` from the real clock, never for a step already used (waits for the
/// next 30-second step instead, as a person would).
async fn fresh_code(secret: &str, last_step: Option<i64>) -> Result<(String, i64)> {
    loop {
        let now = chrono::Utc::now();
        let step = mamori_web::totp::step_at(now);
        if last_step.is_none_or(|last| step > last) {
            let code = mamori_web::totp::code_at(secret, now).ok_or("the key is not base32")?;
            return Ok((code, step));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// On the enrolment page: read the key shown for manual entry, compute the code as an
/// authenticator app would, submit it, keep the recovery codes shown and continue to the
/// dashboard. Returns the text of the page with the recovery codes.
pub async fn enrol_totp(session: &Session, server: &DemoServer, login: &str) -> Result<String> {
    let key = session.find("#mfa-key").await?.text().await?;
    let secret: String = key.split_whitespace().collect();
    let qr = session
        .find("img.qr")
        .await?
        .attr("src")
        .await?
        .unwrap_or_default();
    if !qr.starts_with("data:image/svg+xml;base64,") {
        return Err(format!("no inline QR code on the enrolment page: {qr:.60}"));
    }
    let (code, step) = fresh_code(&secret, None).await?;
    session.find("#code").await?.send_keys(&code).await?;
    session
        .click_and_wait("form[action='/account/mfa'] button")
        .await?;
    let shown = session.body_text().await?;
    let mut recovery_codes = Vec::new();
    for li in session.find_all("#recovery-codes code").await? {
        recovery_codes.push(li.text().await?);
    }
    if recovery_codes.len() != 10 {
        return Err(format!(
            "expected 10 recovery codes after enrolment, page:\n{shown}"
        ));
    }
    if let Ok(mut known) = server.totp.lock() {
        known.insert(
            login.to_string(),
            Enrolled {
                secret,
                recovery_codes,
                last_step: step,
            },
        );
    }
    Ok(shown)
}

/// On the code page: type the current code of the key learnt at enrolment.
pub async fn answer_totp(session: &Session, server: &DemoServer, login: &str) -> Result<String> {
    let known = server
        .totp
        .lock()
        .map_err(|_| "poisoned")?
        .get(login)
        .cloned()
        .ok_or_else(|| format!("{login} was not enrolled by this test"))?;
    let (code, step) = fresh_code(&known.secret, Some(known.last_step)).await?;
    session.find("#code").await?.send_keys(&code).await?;
    session
        .click_and_wait("form[action='/login/mfa'] button")
        .await?;
    if let Ok(mut all) = server.totp.lock()
        && let Some(k) = all.get_mut(login)
    {
        k.last_step = step;
    }
    session.body_text().await
}

/// Sign in through the login form as a person would, enrolling TOTP on the way when the site asks
/// (administrators) or answering its code; returns the dashboard's text.
pub async fn sign_in(session: &Session, server: &DemoServer, login: &str) -> Result<String> {
    let text = sign_in_password(session, server, login).await?;
    let url = session.current_url().await?;
    if url.ends_with("/account/mfa") {
        enrol_totp(session, server, login).await?;
        session.click_and_wait("a.button.primary[href='/']").await?;
        return session.body_text().await;
    }
    if url.ends_with("/login/mfa") {
        return answer_totp(session, server, login).await;
    }
    Ok(text)
}

/// Press the sign-out button (a POST form with CSRF, as the page shows it).
pub async fn sign_out(session: &Session) -> Result<String> {
    session
        .click_and_wait("form[action='/logout'] button")
        .await?;
    session.body_text().await
}
