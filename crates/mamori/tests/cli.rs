//! The `mamori` binary, run as a user would run it, on real files, against SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mamori(lang: &str, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("MAMORI_DATABASE_URL")
        .env("LANG", lang)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ja(args: &[&str]) -> Run {
    mamori("ja_JP.UTF-8", args)
}

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run
}

fn read_table(path: &Path) -> mamori_sheets::Table {
    let bytes = std::fs::read(path).unwrap();
    let format = mamori_sheets::detect_format(&path.to_string_lossy(), &bytes).unwrap();
    mamori_sheets::read_table(&bytes, format).unwrap()
}

fn audit_entries(db: &str) -> usize {
    let run = ok(mamori("C", &["audit", "verify", "--db", db]));
    // "The audit log is intact (N entries, …)"
    let n: String = run
        .stdout
        .split('(')
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    n.parse().unwrap()
}

/// Where a scenario keeps its files, and a second database URL of the same backend.
struct Place {
    dir: tempfile::TempDir,
    db: String,
    db2: String,
}

fn place(url: String) -> Place {
    let dir = tempfile::tempdir().unwrap();
    let db2 = if url.starts_with("postgres") {
        mamori_testkit::postgres_database().unwrap()
    } else {
        dir.path().join("second.db").to_string_lossy().into_owned()
    };
    Place { dir, db: url, db2 }
}

impl Place {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

async fn export_import_round_trip_in_every_format(url: String) {
    let p = place(url);
    ok(ja(&["seed-demo", "--db", &p.db, "--assets", "120"]));
    let xlsx = p.file("台帳.xlsx");
    let csv = p.file("台帳.csv");
    let sjis = p.file("台帳_sjis.csv");
    ok(ja(&[
        "assets",
        "export",
        xlsx.to_str().unwrap(),
        "--db",
        &p.db,
    ]));
    ok(ja(&[
        "assets",
        "export",
        csv.to_str().unwrap(),
        "--db",
        &p.db,
    ]));
    ok(ja(&[
        "assets",
        "export",
        sjis.to_str().unwrap(),
        "--encoding",
        "cp932",
        "--db",
        &p.db,
    ]));
    assert!(
        std::fs::read(&csv).unwrap().starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 CSV carries a BOM for Excel"
    );
    let sjis_bytes = std::fs::read(&sjis).unwrap();
    assert!(
        std::str::from_utf8(&sjis_bytes).is_err(),
        "the cp932 export is not UTF-8"
    );
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis_bytes);
    assert!(!bad && decoded.contains("情報資産名"));

    let entries = audit_entries(&p.db);
    for f in [&xlsx, &csv, &sjis] {
        let run = ok(ja(&[
            "assets",
            "import",
            f.to_str().unwrap(),
            "--db",
            &p.db,
        ]));
        assert!(
            run.stdout.contains("新規 0件、更新 0件、変更なし 120件"),
            "{}",
            run.stdout
        );
    }
    assert_eq!(
        audit_entries(&p.db),
        entries,
        "re-importing an unchanged export changes nothing"
    );

    // The same organisation without assets, then the export imported: the registers are identical.
    ok(ja(&["seed-demo", "--db", &p.db2, "--assets", "0"]));
    let run = ok(ja(&[
        "assets",
        "import",
        xlsx.to_str().unwrap(),
        "--db",
        &p.db2,
    ]));
    assert!(run.stdout.contains("新規 120件"), "{}", run.stdout);
    let again = p.file("again.xlsx");
    ok(ja(&[
        "assets",
        "export",
        again.to_str().unwrap(),
        "--db",
        &p.db2,
    ]));
    let (a, b) = (read_table(&xlsx), read_table(&again));
    assert_eq!(a.headers, b.headers);
    assert_eq!(a.rows.len(), 120);
    assert_eq!(
        a.rows.iter().map(|r| &r.cells).collect::<Vec<_>>(),
        b.rows.iter().map(|r| &r.cells).collect::<Vec<_>>()
    );
}

async fn bad_rows_are_all_reported_and_nothing_is_written(url: String) {
    let p = place(url);
    ok(ja(&["seed-demo", "--db", &p.db, "--assets", "10"]));
    let before = audit_entries(&p.db);
    let csv = p.file("bad.csv");
    let body = "資産番号,情報資産名,種別,所管課,機密性,完全性,可用性,次回見直し日\r\n\
                B-1,正しい行,情報,市民課,2,1,1,2027-04-01\r\n\
                B-2,分類が不正,情報,市民課,4,1,1,\r\n\
                B-3,所属が不明,情報,架空課,2,1,1,\r\n\
                B-1,番号が重複,情報,市民課,2,1,1,\r\n\
                B-5,日付が不正,情報,市民課,2,1,1,2027/02/30\r\n";
    std::fs::write(&csv, body).unwrap();
    let run = ja(&["assets", "import", csv.to_str().unwrap(), "--db", &p.db]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for expected in [
        "3行目「機密性」",
        "4行目「所管課」",
        "5行目: 資産番号が2行目と重複",
        "6行目「次回見直し日」",
        "台帳は変更していません",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("2行目")),
        "the good row has no error:\n{}",
        run.stderr
    );
    let list = ok(mamori("C", &["assets", "list", "--json", "--db", &p.db]));
    let assets: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(assets.len(), 10);
    assert_eq!(audit_entries(&p.db), before);

    // In English when LANG says so.
    let run = mamori(
        "en_US.UTF-8",
        &["assets", "import", csv.to_str().unwrap(), "--db", &p.db],
    );
    assert!(
        run.stderr.contains("row 3, column \"機密性\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("The register was not changed"),
        "{}",
        run.stderr
    );
}

async fn dry_run_reports_without_writing(url: String) {
    let p = place(url);
    ok(ja(&["seed-demo", "--db", &p.db, "--assets", "5"]));
    let csv = p.file("new.csv");
    std::fs::write(
        &csv,
        "資産番号,情報資産名,種別,機密性,完全性,可用性\nN-1,新しい資産,情報,2,1,1\n",
    )
    .unwrap();
    let run = ok(ja(&[
        "assets",
        "import",
        csv.to_str().unwrap(),
        "--dry-run",
        "--db",
        &p.db,
    ]));
    assert!(
        run.stdout.contains("検証のみ") && run.stdout.contains("新規 1件"),
        "{}",
        run.stdout
    );
    let list = ok(mamori("C", &["assets", "list", "--json", "--db", &p.db]));
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&list.stdout)
            .unwrap()
            .len(),
        5
    );
}

async fn check_and_audit_verify(url: String) {
    let p = place(url);
    ok(ja(&["seed-demo", "--db", &p.db, "--assets", "200"]));
    let run = ja(&["check", "--json", "--db", &p.db]);
    assert_eq!(run.code, 1, "the demo city has findings: {}", run.stderr);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["article"].as_str().unwrap().starts_with("第"))
    );
    let run = ok(ja(&["audit", "verify", "--db", &p.db]));
    assert!(
        run.stdout.contains("改ざんされていません"),
        "{}",
        run.stdout
    );
}

/// `mamori user reset-mfa`: an administrator removes a lost authenticator; the person enrols again.
async fn user_reset_mfa_removes_the_enrolment(url: String) {
    let p = place(url);
    ok(ja(&["seed-demo", "--db", &p.db, "--assets", "10"]));
    let store = mamori_store::Store::open(&p.db, mamori_store::OpenMode::Existing)
        .await
        .unwrap();
    let staff = store.staff().await.unwrap()[0].id.clone();
    ok(ja(&[
        "user", "add", "tanaka", "--staff", &staff, "--db", &p.db,
    ]));
    const AT: &str = "2026-11-26T09:00:00.000000Z";
    store
        .begin_mfa_enrolment("tanaka", "GEZDGNBVGY3TQOJQ", "web:tanaka", AT)
        .await
        .unwrap();
    assert!(
        store
            .confirm_mfa_enrolment(
                "tanaka",
                "GEZDGNBVGY3TQOJQ",
                1,
                &["h".into()],
                "web:tanaka",
                AT
            )
            .await
            .unwrap()
    );
    let run = ok(ja(&["user", "reset-mfa", "tanaka", "--db", &p.db]));
    assert!(run.stdout.contains("初期化しました"), "{}", run.stdout);
    assert!(store.mfa("tanaka").await.unwrap().is_none());
    assert_eq!(store.unused_recovery_codes("tanaka").await.unwrap(), 0);
    let run = ok(mamori("C", &["user", "reset-mfa", "tanaka", "--db", &p.db]));
    assert!(run.stdout.contains("Nothing was changed"), "{}", run.stdout);
    let run = ja(&["user", "reset-mfa", "nobody", "--db", &p.db]);
    assert_ne!(run.code, 0);
    let entries = store.audit_entries(20, Some("tanaka")).await.unwrap();
    let reset = entries.iter().find(|e| e.action == "mfa-reset").unwrap();
    assert!(reset.actor.starts_with("cli:"), "{}", reset.actor);
}

mamori_testkit::both_backends!(
    user_reset_mfa_removes_the_enrolment,
    export_import_round_trip_in_every_format,
    bad_rows_are_all_reported_and_nothing_is_written,
    dry_run_reports_without_writing,
    check_and_audit_verify,
);

#[test]
fn serve_with_unreadable_tls_files_exits_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["seed-demo", "--db", db, "--assets", "5"]));
    let garbage = dir.path().join("cert.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let garbage = garbage.to_str().unwrap();
    let missing = dir.path().join("key.pem");
    let missing = missing.to_str().unwrap();
    let run = ja(&[
        "serve",
        "--db",
        db,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        garbage,
        "--tls-key",
        missing,
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("TLS 証明書") && run.stderr.contains("cert.pem"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("起動しました"), "{}", run.stdout);
    // Half a pair is refused by the argument parser.
    let run = ja(&["serve", "--db", db, "--tls-cert", garbage]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--tls-key"), "{}", run.stderr);
}

#[test]
fn broken_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["seed-demo", "--db", db, "--assets", "3"]));
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.csv", b"", "空"),
        (
            "truncated.xlsx",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
            "xlsx",
        ),
        (
            "csv-named.xlsx",
            "資産番号,情報資産名,種別\n".as_bytes(),
            "xlsx",
        ),
        ("latin1.csv", b"\xa0\xe9\xff\xfe,\xff\n", "文字コード"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let run = ja(&["assets", "import", path.to_str().unwrap(), "--db", db]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
    let run = ja(&[
        "assets",
        "import",
        dir.path().join("missing.csv").to_str().unwrap(),
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("読めません"), "{}", run.stderr);
}

#[test]
fn databases_that_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let run = ja(&["assets", "list", "--db", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("開けません") && run.stderr.contains("mamori init"),
        "{}",
        run.stderr
    );
    assert!(!missing.exists(), "listing must not create a database");
    let run = ja(&["init", "--name", "x", "--db", "/nonexistent-dir/sub/m.db"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("開けません"), "{}", run.stderr);
    let run = mamori("C", &["init", "--name", "x", "--db", "mysql://host/db"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not supported"), "{}", run.stderr);
}

#[test]
fn user_token_prints_a_token_once_and_stores_only_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(mamori("C", &["seed-demo", "--assets", "10", "--db", db]));
    let roles = ok(mamori("C", &["org", "roles", "--json", "--db", db]));
    let roles: serde_json::Value = serde_json::from_str(&roles.stdout).unwrap();
    let ciso = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "ciso")
        .unwrap()["staff"]
        .as_str()
        .unwrap()
        .to_string();
    ok(mamori(
        "C",
        &["user", "add", "boss", "--staff", &ciso, "--db", db],
    ));
    let run = ok(ja(&[
        "user",
        "token",
        "boss",
        "--name",
        "夜間集計",
        "--db",
        db,
    ]));
    let token = run.stdout.trim();
    assert!(token.starts_with("mamori_") && token.len() == 71, "{token}");
    assert!(
        run.stderr.contains("二度と表示されません"),
        "{}",
        run.stderr
    );
    // Only the hash is in the database file.
    let bytes = std::fs::read(dir.path().join("m.db")).unwrap();
    let wal = std::fs::read(dir.path().join("m.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(!file.windows(token.len()).any(|w| w == token.as_bytes()));
    }
    let bad = ja(&["user", "token", "boss", "--name", "  ", "--db", db]);
    assert_ne!(bad.code, 0);
    assert!(bad.stdout.is_empty());
    let unknown = ja(&["user", "token", "nobody", "--db", db]);
    assert_ne!(unknown.code, 0);
    assert!(unknown.stdout.is_empty());
}

#[test]
fn init_then_list_filters() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    let run = ok(ja(&[
        "init",
        "--name",
        "能代市",
        "--scheme",
        "mic-legacy",
        "--db",
        db,
    ]));
    assert!(run.stdout.contains("能代市"));
    let again = ja(&["init", "--name", "能代市", "--db", db]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("初期化済み"), "{}", again.stderr);
    let csv = dir.path().join("a.csv");
    std::fs::write(
        &csv,
        "資産番号,情報資産名,種別,ネットワーク区分,機密性,完全性,可用性\n\
         A-1,住民情報,情報,マイナンバー利用事務系,3,2,2\n\
         A-2,会議資料,情報,LGWAN接続系,2,1,1\n\
         A-3,公開資料,情報,LGWAN接続系,1,1,1\n",
    )
    .unwrap();
    ok(ja(&["assets", "import", csv.to_str().unwrap(), "--db", db]));
    let run = ok(mamori(
        "C",
        &[
            "assets",
            "list",
            "--zone",
            "lgwan",
            "--min-confidentiality",
            "2",
            "--json",
            "--db",
            db,
        ],
    ));
    let ids: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&run.stdout)
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["A-2"]);
    let run = ok(ja(&[
        "assets", "list", "--zone", "lgwan", "--limit", "1", "--db", db,
    ]));
    assert!(
        run.stdout.contains("全2件のうち1件を表示"),
        "{}",
        run.stdout
    );
    let run = ok(ja(&[
        "assets", "list", "--zone", "lgwan", "--all", "--db", db,
    ]));
    assert!(
        run.stdout.contains("A-2")
            && run.stdout.contains("A-3")
            && run.stdout.trim_end().ends_with("2件"),
        "{}",
        run.stdout
    );
    let run = ja(&["assets", "list", "--min-confidentiality", "3A", "--db", db]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("3、2、1"),
        "the legacy scheme's levels are offered: {}",
        run.stderr
    );
}

#[test]
fn csv_export_defuses_formulas_and_imports_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["init", "--name", "能代市", "--db", db]));
    let src = dir.path().join("src.csv");
    std::fs::write(&src, "資産番号,情報資産名,種別,備考\nF-1,\"=HYPERLINK(\"\"http://x.example\"\",\"\"開く\"\")\",情報,-\n").unwrap();
    ok(ja(&["assets", "import", src.to_str().unwrap(), "--db", db]));
    let out = dir.path().join("out.csv");
    ok(ja(&["assets", "export", out.to_str().unwrap(), "--db", db]));
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(
        text.contains(",-,") || text.trim_end().ends_with(",-"),
        "a lone hyphen stays: {text}"
    );
    let run = ok(ja(&["assets", "import", out.to_str().unwrap(), "--db", db]));
    assert!(run.stdout.contains("変更なし 1件"), "{}", run.stdout);
    let list = ok(mamori("C", &["assets", "list", "--json", "--db", db]));
    assert!(
        list.stdout.contains("\"name\": \"=HYPERLINK("),
        "{}",
        list.stdout
    );
}

#[test]
fn net_check_runs_the_verifier_with_exit_codes() {
    let inventory = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../netcheck/examples/inventory.toml"
    );
    let run = ja(&["net", "check", "--inventory", inventory]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("第6条第2号"), "{}", run.stdout);
    let run = mamori(
        "C",
        &[
            "net",
            "check",
            "--inventory",
            inventory,
            "--format",
            "sarif",
        ],
    );
    assert_eq!(run.code, 0);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml");
    let run = ja(&["net", "check", "--inventory", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn sanitize_turns_html_mail_into_text_with_defanged_links() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.eml");
    let output = dir.path().join("out.eml");
    std::fs::write(
        &input,
        "From: a@example.com\r\nTo: b@city.example.lg.jp\r\nMessage-ID: <m1@example.com>\r\nSubject: test\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>Visit <a href=\"https://evil.example/x\">here</a></p>",
    )
    .unwrap();
    let run = ja(&[
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--report",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = String::from_utf8(std::fs::read(&output).unwrap()).unwrap();
    assert!(!out.to_ascii_lowercase().contains("text/html"), "{out}");
    assert!(out.contains("X-Mamori-Sanitized:"), "{out}");
    assert!(out.contains("Message-ID: <m1@example.com>"), "{out}");
    assert!(
        run.stderr.contains("\"links_defanged\": 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn policy_import_versions_and_diff_in_utf8_and_shift_jis() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["init", "--name", "能代市", "--db", db]));
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../provisions/tests/fixtures/noshiro_security_regulation.txt"
    );
    let run = ok(ja(&[
        "policy",
        "import",
        seed,
        "--id",
        "kitei",
        "--summary",
        "現行",
        "--db",
        db,
    ]));
    assert!(
        run.stdout.contains("第1版") && run.stdout.contains("条 10、附則 3"),
        "{}",
        run.stdout
    );
    // The version before 令６訓令８, saved by Excel-era tools in Shift_JIS.
    let text = std::fs::read_to_string(seed).unwrap().replace(
        "（１４） 外部サービス（クラウドサービス） クラウドサービスをいう。",
        "",
    );
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!bad);
    let old = dir.path().join("旧規程.txt");
    std::fs::write(&old, &sjis).unwrap();
    ok(ja(&[
        "policy",
        "import",
        old.to_str().unwrap(),
        "--id",
        "kitei",
        "--db",
        db,
    ]));
    let run = ok(ja(&["policy", "diff", "kitei", "2", "1", "--db", db]));
    assert!(
        run.stdout.contains("■ 第2条第14号 [追加]") && run.stdout.contains("変更 1件"),
        "{}",
        run.stdout
    );
    let run = ok(ja(&[
        "policy",
        "show",
        "kitei",
        "--version",
        "1",
        "--db",
        db,
    ]));
    assert!(
        run.stdout
            .contains("第6条第2号イ ＬＧＷＡＮ接続系においては"),
        "{}",
        run.stdout
    );
    // Review and decision follow 第5条 roles: the demo has none here, so the first step is refused.
    let run = ja(&[
        "policy",
        "advance",
        "kitei",
        "2",
        "--to",
        "under-review",
        "--as",
        "S404",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("登録されていません"), "{}", run.stderr);
    let bad = dir.path().join("memo.txt");
    std::fs::write(&bad, "議事録\n本日は晴れ。\n").unwrap();
    let run = ja(&[
        "policy",
        "import",
        bad.to_str().unwrap(),
        "--id",
        "x",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("1行目「議事録」"), "{}", run.stderr);
    let run = ok(ja(&["policy", "list", "--db", db]));
    assert!(
        run.stdout.contains("kitei") && run.stdout.contains("第2版"),
        "{}",
        run.stdout
    );
}

#[test]
fn policy_readers_are_the_default_until_the_organisation_decides() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["init", "--name", "能代市", "--db", db]));
    let run = ok(ja(&["policy", "readers", "--db", db]));
    assert!(
        run.stdout.contains("既定値") && run.stdout.contains("情報システム管理者"),
        "{}",
        run.stdout
    );
    let run = ok(ja(&[
        "policy",
        "readers",
        "--set",
        "ciso,auditor",
        "--db",
        db,
    ]));
    assert!(!run.stdout.contains("既定値") && !run.stdout.contains("情報システム管理者"));
    let run = ja(&["policy", "readers", "--set", "mayor", "--db", db]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("役割「mayor」はありません"),
        "{}",
        run.stderr
    );
    let run = ok(ja(&["policy", "readers", "--db", db]));
    assert!(run.stdout.contains("auditor") && !run.stdout.contains("既定値"));
}

#[test]
fn unparseable_mail_is_never_passed_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("garbage.eml");
    let output = dir.path().join("out.eml");
    let quarantine = dir.path().join("q");
    std::fs::write(&input, [0u8, 159, 146, 150, 0xff, 0xfe, b'\n', 0, 0]).unwrap();
    let run = ja(&[
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--quarantine-dir",
        quarantine.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let out = std::fs::read(&output).unwrap();
    assert!(
        !out.windows(4).any(|w| w == [0u8, 159, 146, 150]),
        "the original bytes must not be delivered"
    );
    let stored: Vec<_> = std::fs::read_dir(&quarantine).unwrap().flatten().collect();
    assert_eq!(stored.len(), 1, "one quarantine folder for the message");
}

#[test]
fn risk_register_follows_classification_changes_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["seed-demo", "--db", db, "--assets", "200"]));
    let run = ok(ja(&["risk", "assess", "--db", db]));
    let created: usize = run
        .stdout
        .split("新規 ")
        .nth(1)
        .unwrap()
        .split('件')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        created > 0 && created.is_multiple_of(21),
        "systems × 21 threats: {}",
        run.stdout
    );
    let run = ok(ja(&["risk", "assess", "--db", db]));
    assert!(
        run.stdout.contains(&format!("変更なし {created}件")),
        "{}",
        run.stdout
    );
    // Raise one internet-tier asset to 機密性2 with integrity 2: its system's risks are proposed higher.
    let csv = dir.path().join("change.csv");
    ok(ja(&[
        "assets",
        "export",
        csv.to_str().unwrap(),
        "--zone",
        "internet",
        "--db",
        db,
    ]));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let headers: Vec<&str> = lines[0].trim_start_matches('\u{feff}').split(',').collect();
    let (ci, ii, ai) = (
        headers.iter().position(|h| *h == "機密性").unwrap(),
        headers.iter().position(|h| *h == "完全性").unwrap(),
        headers.iter().position(|h| *h == "可用性").unwrap(),
    );
    let row = lines
        .iter()
        .position(|l| l.contains("SYS-CMS") || l.contains("ホームページ管理システム"))
        .unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
    cells[ci] = "2".into();
    cells[ii] = "2".into();
    cells[ai] = "2".into();
    lines[row] = cells.join(",");
    std::fs::write(&csv, lines.join("\n")).unwrap();
    ok(ja(&["assets", "import", csv.to_str().unwrap(), "--db", db]));
    let run = ok(ja(&["risk", "assess", "--db", db]));
    assert!(
        !run.stdout.contains("更新 0件"),
        "changed classification must update risks: {}",
        run.stdout
    );
    let xlsx = dir.path().join("リスク台帳.xlsx");
    ok(ja(&["risk", "export", xlsx.to_str().unwrap(), "--db", db]));
    let t = read_table(&xlsx);
    assert_eq!(t.headers[0], "対象");
    assert_eq!(t.rows.len(), created);
    assert!(
        t.rows.iter().all(|r| r.cells[2].starts_with("第3条第")),
        "every threat cites 第3条"
    );
    let first: u32 = t.rows[0].cells[9].parse().unwrap();
    let last: u32 = t.rows[t.rows.len() - 1].cells[9].parse().unwrap();
    assert!(first >= last, "highest residual risk first");
}

#[test]
fn measure_status_and_statement_of_applicability() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["seed-demo", "--db", db, "--assets", "10"]));
    ok(ja(&[
        "measures",
        "set",
        "M-11",
        "--department",
        "1300",
        "--status",
        "implemented",
        "--evidence",
        "入退室記録.xlsx",
        "--date",
        "2026-11-01",
        "--db",
        db,
    ]));
    ok(ja(&[
        "measures",
        "set",
        "M-11",
        "--department",
        "3100",
        "--status",
        "not-implemented",
        "--db",
        db,
    ]));
    let run = ja(&[
        "measures",
        "set",
        "M-25",
        "--department",
        "2200",
        "--status",
        "not-applicable",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("理由"), "{}", run.stderr);
    ok(ja(&[
        "measures",
        "set",
        "M-25",
        "--department",
        "2200",
        "--status",
        "not-applicable",
        "--justification",
        "SNS を利用していない",
        "--db",
        db,
    ]));
    let run = ja(&[
        "measures",
        "set",
        "M-99",
        "--department",
        "2200",
        "--status",
        "implemented",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2);
    let run = ja(&[
        "measures",
        "set",
        "M-11",
        "--department",
        "0000",
        "--status",
        "implemented",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2, "unknown department: {}", run.stderr);
    let run = ok(ja(&["measures", "list", "--db", db]));
    assert!(
        run.stdout.contains("M-11") && run.stdout.contains("[一部実施]"),
        "{}",
        run.stdout
    );
    let xlsx = dir.path().join("適用宣言書.xlsx");
    ok(ja(&[
        "measures",
        "export",
        xlsx.to_str().unwrap(),
        "--db",
        db,
    ]));
    let t = read_table(&xlsx);
    let row = |id: &str| {
        t.rows
            .iter()
            .find(|r| r.cells[0] == id)
            .unwrap()
            .cells
            .clone()
    };
    assert_eq!(row("M-11")[4], "一部実施");
    assert_eq!(row("M-25")[4], "対象外");
    assert_eq!(row("M-25")[7], "SNS を利用していない");
    assert_eq!(row("M-01")[4], "未実施");
}

#[test]
fn risk_treatment_and_acceptance_follow_the_roles() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let db = db.to_str().unwrap();
    ok(ja(&["seed-demo", "--db", db, "--assets", "100"]));
    ok(ja(&["risk", "assess", "--matrix", "3x3", "--db", db]));
    let roles: Vec<serde_json::Value> =
        serde_json::from_str(&ok(mamori("C", &["org", "roles", "--json", "--db", db])).stdout)
            .unwrap();
    let holder = |role: &str| {
        roles.iter().find(|a| a["role"] == role).unwrap()["staff"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ciso, admin) = (holder("ciso"), holder("security-administrator"));
    let run = ja(&[
        "risk",
        "set",
        "SYS-JUKI",
        "T-01",
        "--likelihood",
        "4",
        "--db",
        db,
    ]);
    assert_eq!(run.code, 2, "3×3 has no likelihood 4: {}", run.stderr);
    assert!(run.stderr.contains("1〜3"), "{}", run.stderr);
    ok(ja(&[
        "risk",
        "set",
        "SYS-JUKI",
        "T-01",
        "--likelihood",
        "3",
        "--treatment",
        "reduce",
        "--measures",
        "M-16,M-18",
        "--residual-likelihood",
        "1",
        "--db",
        db,
    ]));
    let run = ja(&[
        "risk", "accept", "SYS-JUKI", "T-01", "--as", &admin, "--db", db,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("統括情報セキュリティ責任者又は最高情報セキュリティ責任者"),
        "{}",
        run.stderr
    );
    ok(ja(&[
        "risk", "accept", "SYS-JUKI", "T-01", "--as", &ciso, "--db", db,
    ]));
    let xlsx = dir.path().join("r.xlsx");
    ok(ja(&["risk", "export", xlsx.to_str().unwrap(), "--db", db]));
    let t = read_table(&xlsx);
    let row = t
        .rows
        .iter()
        .find(|r| r.cells[0] == "住民記録システム" && r.cells[1] == "不正アクセス")
        .unwrap();
    assert_eq!(
        (
            row.cells[3].as_str(),
            row.cells[7].as_str(),
            row.cells[8].as_str()
        ),
        ("3", "低減", "M-16、M-18")
    );
    assert!(
        row.cells[10].contains(&ciso) && row.cells[10].contains("最高情報セキュリティ責任者"),
        "{:?}",
        row.cells
    );
    // Re-assessing keeps the division's likelihood, treatment and acceptance.
    ok(ja(&["risk", "assess", "--matrix", "3x3", "--db", db]));
    ok(ja(&["risk", "export", xlsx.to_str().unwrap(), "--db", db]));
    let t = read_table(&xlsx);
    let row = t
        .rows
        .iter()
        .find(|r| r.cells[0] == "住民記録システム" && r.cells[1] == "不正アクセス")
        .unwrap();
    assert!(row.cells[10].contains(&ciso), "{:?}", row.cells);
}

/// GET a path from a server on 127.0.0.1 with a plain HTTP/1.1 request; the status line and headers.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn demo_seeds_prints_one_account_per_role_and_serves_until_stopped() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let run_demo = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args([
                "demo",
                "--db",
                db.to_str().unwrap(),
                "--assets",
                "30",
                "--listen",
                &listen,
            ])
            .env("LANG", "ja_JP.UTF-8")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    for round in 0..2 {
        let mut child = run_demo();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let serving = line.contains("起動しました");
            seen.push(line);
            if serving {
                break;
            }
        }
        let text = seen.join("\n");
        for login in [
            "ciso",
            "tokatsu",
            "sekininsha",
            "kanrisha",
            "system",
            "kansa",
            "shokuin",
        ] {
            assert!(
                text.contains(login),
                "round {round}: {login} missing in\n{text}"
            );
        }
        assert!(
            text.contains("認証アプリ（TOTP）の登録を求められます"),
            "round {round}: the demo says administrators register an authenticator app\n{text}"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let page = loop {
            if let Some(p) = http_get(port, "/login") {
                break p;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server did not answer"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(
            page.to_ascii_lowercase()
                .contains("content-security-policy"),
            "{page}"
        );
        // SIGTERM: the server shuts down gracefully and exits 0.
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "round {round}: {status:?}");
    }
}

#[test]
fn relay_accepts_only_its_domains_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "relay",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--deliver",
            "127.0.0.1:9",
            "--spool",
            dir.path().join("spool").to_str().unwrap(),
            "--accept-domain",
            "city.example.lg.jp",
        ])
        .env("LANG", "ja_JP.UTF-8")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let stream = loop {
        if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "relay did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let mut reply = || {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    };
    assert!(reply().starts_with("220"));
    write!(w, "EHLO test.example\r\n").unwrap();
    let ehlo = reply();
    assert!(
        ehlo.contains("SIZE") && ehlo.contains("8BITMIME") && ehlo.contains("PIPELINING"),
        "{ehlo}"
    );
    write!(w, "MAIL FROM:<a@example.com>\r\n").unwrap();
    assert!(reply().starts_with("250"));
    write!(w, "RCPT TO:<someone@elsewhere.example>\r\n").unwrap();
    assert!(reply().starts_with("550"), "no open relay");
    write!(w, "RCPT TO:<kakari@city.example.lg.jp>\r\n").unwrap();
    assert!(reply().starts_with("250"));
    write!(w, "QUIT\r\n").unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn relay_records_quarantine_only_in_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let spool = dir.path().join("spool");
    let args = |db: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--db",
            db,
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--deliver",
            "127.0.0.1:9",
            "--spool",
            spool.to_str().unwrap(),
            "--accept-domain",
            "city.example.lg.jp",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| ja(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let r = run(args(missing.to_str().unwrap(), &["--record-quarantine"]));
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("ファイルがありません"), "{}", r.stderr);
    assert!(!missing.exists(), "no database is created by the relay");
    // Retention needs the record and a sensible number of days.
    let r = run(args(missing.to_str().unwrap(), &["--retention-days", "30"]));
    assert_ne!(r.code, 0);
    let r = run(args(
        missing.to_str().unwrap(),
        &["--record-quarantine", "--retention-days", "0"],
    ));
    assert_ne!(r.code, 0);
}
