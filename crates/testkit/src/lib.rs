//! Test support shared by mamori's test suites.
//!
//! The store's tests run against SQLite always and against a real PostgreSQL whenever one can be
//! started here: [`postgres`] runs `initdb` and `postgres` from the machine's PostgreSQL binaries into
//! a temporary directory, once per test process, and hands each test a fresh database. When no
//! binaries are found the PostgreSQL half is skipped with a message, unless `MAMORI_REQUIRE_POSTGRES=1`
//! (set by CI), in which case it fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct PgServer {
    port: u16,
    /// Kept so the directory lives as long as the process; the watchdog removes it afterwards.
    _dir: PathBuf,
}

#[derive(Debug)]
pub enum PgUnavailable {
    /// No PostgreSQL binaries on this machine.
    NotInstalled,
    /// Binaries exist but the server did not start.
    Failed(String),
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Whether the PostgreSQL half of the suite must run (CI sets this).
pub fn postgres_required() -> bool {
    std::env::var("MAMORI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A URL to a fresh, empty PostgreSQL database on the shared test server.
pub fn postgres_database() -> Result<String, PgUnavailable> {
    let Some(bin) = find_bin_dir() else {
        return Err(PgUnavailable::NotInstalled);
    };
    let server = SERVER.get_or_init(|| start(&bin));
    let server = server
        .as_ref()
        .map_err(|e| PgUnavailable::Failed(e.clone()))?;
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("t{}_{n}", std::process::id());
    let out = Command::new(bin.join("psql"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-U",
            "mamori",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
        ])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .map_err(|e| PgUnavailable::Failed(format!("psql: {e}")))?;
    if !out.status.success() {
        return Err(PgUnavailable::Failed(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    Ok(format!(
        "postgres://mamori@127.0.0.1:{}/{name}",
        server.port
    ))
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("MAMORI_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() && dir.join("postgres").exists() {
            return Some(dir);
        }
    }
    // Debian keeps server binaries off PATH, under /usr/lib/postgresql/<version>/bin.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root; as root we run it as the `postgres` (or `nobody`) user.
/// setpriv execs in place, so the PID we hold is the server's own and the watchdog can stop it.
fn as_user(program: &Path, run_as: Option<&str>) -> Command {
    match run_as {
        Some(user) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={user}"))
                .arg(format!("--regid={user}"))
                .arg("--clear-groups")
                .arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn start(bin: &Path) -> Result<PgServer, String> {
    let dir = tempfile::Builder::new()
        .prefix("mamori-pg-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?
        .keep();
    let run_as = if is_root() {
        let user = if Command::new("id")
            .arg("postgres")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            "postgres"
        } else {
            "nobody"
        };
        let status = Command::new("chown")
            .args(["-R", user])
            .arg(&dir)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !status.success() {
            return Err("chown of the PostgreSQL directory failed".into());
        }
        Some(user)
    } else {
        None
    };
    let data = dir.join("data");
    let out = as_user(&bin.join("initdb"), run_as)
        .arg("-D")
        .arg(&data)
        .args([
            "-A",
            "trust",
            "-U",
            "mamori",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))?;
    let child = as_user(&bin.join("postgres"), run_as)
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(&dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(dir.join("server.log"))
                .map(Stdio::from)
                .unwrap_or(Stdio::null()),
        )
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    // A watchdog outlives nothing: when this test process exits, it stops the server and removes
    // the directory, so no test run leaves a PostgreSQL behind.
    let watchdog = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; kill -INT {pg} 2>/dev/null; sleep 2; kill -9 {pg} 2>/dev/null; rm -rf '{dir}'",
        parent = std::process::id(),
        pg = child.id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = Command::new(bin.join("pg_isready"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "mamori",
                "-q",
            ])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("PostgreSQL did not become ready: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(PgServer { port, _dir: dir })
}

/// Generate one `#[tokio::test]` per backend for each `async fn name(url: String)` scenario.
/// The PostgreSQL variant skips (with a printed reason) when no server can be had, unless required.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = ::tempfile::tempdir().unwrap();
                    let url = dir.path().join("t.db").to_string_lossy().into_owned();
                    super::$name(url).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    match $crate::postgres_database() {
                        Ok(url) => super::$name(url).await,
                        Err(e) if !$crate::postgres_required() => {
                            eprintln!("skipped {} on PostgreSQL: {e:?}", stringify!($name));
                        }
                        Err(e) => panic!("PostgreSQL is required (MAMORI_REQUIRE_POSTGRES=1) but unavailable: {e:?}"),
                    }
                }
            )*
        }
    };
}
