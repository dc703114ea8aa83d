//! End to end in a real headless Chromium, driven over WebDriver (chromedriver), against the demo
//! city served in-process on 127.0.0.1. Skips with a reason when the browser is not installed,
//! unless `MAMORI_REQUIRE_BROWSER=1` (CI), where a missing browser fails.
//!
//! Covers: sign-in, TOTP enrolment and recovery codes, creating an asset, importing an xlsx
//! (preview with a row error, then a confirmed import), a 403 as ordinary staff, sign-out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "e2e/webdriver.rs"]
mod webdriver;

use mamori_core::Role;
use mamori_core::org::RoleScope;
use std::time::Instant;
use webdriver::{
    BrowserBinaries, Chromedriver, DemoServer, Session, enrol_totp, sign_in, sign_in_password,
    sign_out,
};

/// The binaries, or `None` after printing why the test is skipped.
fn browser_or_skip() -> Option<BrowserBinaries> {
    match BrowserBinaries::find() {
        Ok(b) => Some(b),
        Err(reason) => {
            if std::env::var("MAMORI_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("MAMORI_REQUIRE_BROWSER=1 but no browser: {reason}");
            }
            eprintln!(
                "SKIPPED e2e: {reason}. Install chromium and chromium-driver \
                 (set MAMORI_REQUIRE_BROWSER=1 to make this a failure)."
            );
            None
        }
    }
}

/// The 課 the demo city's 情報セキュリティ管理者 (kanrisha) administers.
async fn kanrisha_department(server: &DemoServer) -> String {
    let staff_id = &server
        .accounts
        .iter()
        .find(|a| a.login == "kanrisha")
        .expect("the demo city has a 情報セキュリティ管理者")
        .staff_id;
    server
        .store
        .role_assignments()
        .await
        .unwrap()
        .into_iter()
        .find_map(|a| match a.scope {
            RoleScope::Department(code)
                if &a.staff == staff_id && a.role == Role::SecurityAdministrator =>
            {
                Some(code)
            }
            _ => None,
        })
        .expect("kanrisha administers a 課")
}

fn assert_contains(text: &str, wanted: &str, context: &str) {
    assert!(
        text.contains(wanted),
        "{context}: expected {wanted:?} on the page, got:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_and_staff_use_the_site_in_a_real_browser() {
    let Some(bin) = browser_or_skip() else {
        return;
    };
    let started = Instant::now();
    let server = DemoServer::start(300).await.unwrap();
    let driver = Chromedriver::start(&bin.chromedriver).await.unwrap();
    let browser = Session::start(&driver, &bin.chromium, 1280, 900)
        .await
        .unwrap();
    let ready = started.elapsed();
    let result = Box::pin(scenario(&browser, &server)).await;
    let _ = browser.quit().await;
    drop(driver);
    server.stop().await.unwrap();
    result.unwrap();
    eprintln!(
        "e2e: ready in {:.1} s, whole scenario {:.1} s",
        ready.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

async fn scenario(b: &Session, server: &DemoServer) -> webdriver::Result<()> {
    // Signed out, every page leads to the sign-in form.
    b.goto(&server.url("/assets")).await?;
    let login_page = b.body_text().await?;
    assert_contains(&login_page, "ログイン名", "signed out");
    assert!(b.current_url().await?.contains("/login"));

    // A wrong password is refused, in Japanese, and nobody is signed in.
    b.find("input[name=login]")
        .await?
        .send_keys("kanrisha")
        .await?;
    b.find("input[name=password]")
        .await?
        .send_keys("wrong-password-1")
        .await?;
    b.click_and_wait("form[action='/login'] button").await?;
    let refused = b.body_text().await?;
    assert!(b.current_url().await?.contains("/login"), "{refused}");
    assert!(!refused.contains("ログアウト"), "{refused}");

    // 情報セキュリティ管理者 must use MFA: after the password only the enrolment page opens.
    let enrol_page = sign_in_password(b, server, "kanrisha").await?;
    assert!(
        b.current_url().await?.ends_with("/account/mfa"),
        "{enrol_page}"
    );
    assert_contains(&enrol_page, "多要素認証が必要です", "enrolment page");
    assert!(b.find_all("nav a[href='/assets']").await?.is_empty());
    b.goto(&server.url("/assets")).await?;
    assert!(b.current_url().await?.ends_with("/account/mfa"));
    // Enrol as a person with an authenticator app would: the key read from the page, the code
    // computed from it (RFC 6238) and typed in; ten recovery codes are shown once.
    let enrolled = enrol_totp(b, server, "kanrisha").await?;
    assert_contains(&enrolled, "認証アプリを登録しました", "after enrolment");
    assert_contains(&enrolled, "予備コード", "after enrolment");
    b.click_and_wait("a.button.primary[href='/']").await?;
    let dashboard = b.body_text().await?;
    assert_contains(&dashboard, "ダッシュボード", "kanrisha dashboard");
    assert_contains(&dashboard, "閲覧できる情報資産", "kanrisha dashboard");
    assert_contains(&dashboard, "ログアウト", "kanrisha dashboard");
    assert_contains(&dashboard, "（kanrisha）", "kanrisha dashboard");
    assert_eq!(b.status().await?, 200);

    // 情報資産台帳 through the menu, then filtered to the 課 kanrisha administers.
    b.click_and_wait("nav a[href='/assets']").await?;
    let register = b.body_text().await?;
    assert_contains(&register, "情報資産台帳", "register");
    let all_rows = b.find_all("table tbody tr").await?.len();
    assert!(all_rows > 0, "the register lists assets");
    let dept = kanrisha_department(server).await;
    b.find(&format!("select[name=dept] option[value='{dept}']"))
        .await?
        .click()
        .await?;
    b.find("select[name=c] option[value='2']")
        .await?
        .click()
        .await?;
    b.click_and_wait("form.filters button").await?;
    let url = b.current_url().await?;
    assert!(
        url.contains(&format!("dept={dept}")) && url.contains("c=2"),
        "{url}"
    );
    let dept_name = server
        .store
        .departments()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|d| d.code == dept)
        .map(|d| d.name)
        .expect("the 課 exists");
    let filtered = b.find_all("table tbody tr").await?;
    assert!(!filtered.is_empty(), "kanrisha's 課 has 機密性2 assets");
    for row in &filtered {
        let cells = b
            .execute(
                "return Array.from(arguments[0].cells).map(c => c.textContent.trim());",
                vec![row.json()],
            )
            .await?;
        let department = cells[3].as_str().unwrap_or("");
        let confidentiality = cells[5].as_str().unwrap_or("");
        assert_eq!(department, dept_name, "department cell: {cells}");
        assert!(confidentiality.contains('2'), "機密性 cell: {cells}");
    }
    let filtered_text = b.body_text().await?;
    assert_contains(&filtered_text, "件", "filtered register");

    // Register a new asset through the form.
    b.click_and_wait("a[href='/assets/new']").await?;
    assert_contains(&b.body_text().await?, "情報資産の登録", "new asset form");
    let asset_id = "E2E-0001";
    let asset_name = "ブラウザ試験で登録した住民向け案内文書";
    b.find("#f-id").await?.send_keys(asset_id).await?;
    b.find("#f-name").await?.send_keys(asset_name).await?;
    for (select, value) in [
        ("kind", "information"),
        ("department", dept.as_str()),
        ("zone", "lgwan"),
        ("c", "2"),
        ("i", "2"),
        ("a", "2"),
        ("status", "in-use"),
    ] {
        b.find(&format!("select[name={select}] option[value='{value}']"))
            .await?
            .click()
            .await?;
    }
    b.find("#f-retention").await?.send_keys("5年").await?;
    b.find("#f-disposal_method")
        .await?
        .send_keys("溶解処理")
        .await?;
    // A date input's typing order depends on the browser's locale; set the ISO value directly.
    let review = b.find("#f-next_review").await?;
    b.execute("arguments[0].value = '2027-04-01';", vec![review.json()])
        .await?;
    b.click_and_wait("form.stacked button[type=submit]").await?;
    let created = b.body_text().await?;
    let url = b.current_url().await?;
    assert!(
        url.ends_with(&format!("/assets/{asset_id}")),
        "{url}\n{created}"
    );
    assert_contains(&created, asset_name, "created asset");
    assert_contains(&created, "溶解処理", "created asset");
    let stored = server
        .store
        .asset(asset_id)
        .await
        .map_err(|e| e.to_string())?
        .expect("the asset is in the store");
    assert_eq!(stored.name, asset_name);
    assert_eq!(stored.department.as_deref(), Some(dept.as_str()));

    // It is in the register list too.
    b.goto(&server.url(&format!("/assets?q={asset_id}")))
        .await?;
    assert_contains(
        &b.body_text().await?,
        asset_name,
        "search for the new asset",
    );

    // 取込: an xlsx with a bad row, then a good one, confirmed.
    import_register(b, server, &dept).await?;

    // Sign out: back at the sign-in form, and the register is closed again.
    let after = sign_out(b).await?;
    assert_contains(&after, "ログイン名", "after sign-out");
    b.goto(&server.url("/assets")).await?;
    assert!(b.current_url().await?.contains("/login"));

    // Signing in again asks for the code after the password; a recovery code works once.
    let code_page = sign_in_password(b, server, "kanrisha").await?;
    assert!(
        b.current_url().await?.ends_with("/login/mfa"),
        "{code_page}"
    );
    assert_contains(&code_page, "確認コード", "code page");
    let recovery = server.totp.lock().unwrap()["kanrisha"].recovery_codes[0].clone();
    b.find("#code").await?.send_keys(&recovery).await?;
    b.click_and_wait("form[action='/login/mfa'] button").await?;
    assert_contains(
        &b.body_text().await?,
        "ダッシュボード",
        "signed in with a recovery code",
    );
    sign_out(b).await?;
    sign_in_password(b, server, "kanrisha").await?;
    b.find("#code").await?.send_keys(&recovery).await?;
    b.click_and_wait("form[action='/login/mfa'] button").await?;
    assert_eq!(b.status().await?, 401);
    assert_contains(
        &b.body_text().await?,
        "既に使われています",
        "a used recovery code",
    );
    b.goto(&server.url("/login")).await?;

    // 一般職員: no 監査ログ in the menu, and 403 when asking for it directly.
    let dashboard = sign_in(b, server, "shokuin").await?;
    assert_contains(&dashboard, "ダッシュボード", "shokuin dashboard");
    assert!(
        b.find_all("nav a[href='/audit']").await?.is_empty(),
        "ordinary staff are not offered the audit log"
    );
    assert!(
        b.find_all("a[href='/assets/new']").await?.is_empty(),
        "ordinary staff cannot register assets"
    );
    b.goto(&server.url("/audit")).await?;
    assert_eq!(b.status().await?, 403);
    let denied = b.body_text().await?;
    assert_contains(&denied, "権限がありません", "audit log as shokuin");
    assert_contains(&denied, "HTTP 403", "audit log as shokuin");
    b.goto(&server.url("/assets/new")).await?;
    assert_eq!(b.status().await?, 403);

    b.goto(&server.url("/")).await?;
    let after = sign_out(b).await?;
    assert_contains(&after, "ログイン名", "shokuin sign-out");
    Ok(())
}

/// A register workbook with the required columns and the given rows
/// (ID, name, kind, department code, 機密性).
fn register_workbook(rows: &[[&str; 5]]) -> Vec<u8> {
    let headers = [
        "資産番号",
        "情報資産名",
        "種別",
        "所管課コード",
        "機密性",
        "完全性",
        "可用性",
    ];
    let table = mamori_sheets::Table::new(
        headers.iter().map(|h| h.to_string()).collect(),
        rows.iter()
            .enumerate()
            .map(|(i, r)| mamori_sheets::Row {
                number: i + 2,
                cells: r
                    .iter()
                    .map(|c| c.to_string())
                    .chain(["2".to_string(), "2".to_string()])
                    .collect(),
            })
            .collect(),
    );
    mamori_sheets::write_xlsx(&table, mamori_sheets::REGISTER_SHEET_NAME).unwrap()
}

/// 情報資産台帳 → 取込 as the signed-in 情報セキュリティ管理者 of `dept`: a workbook with one bad
/// row shows the row's error in the preview and writes nothing; a good workbook is previewed,
/// confirmed with 「取り込む」 and its assets appear in the register.
async fn import_register(b: &Session, server: &DemoServer, dept: &str) -> webdriver::Result<()> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let kind = "情報（電子データ）";
    let bad = dir.path().join("台帳_誤りあり.xlsx");
    std::fs::write(
        &bad,
        register_workbook(&[
            ["E2E-IMP-1", "取込試験の名簿", kind, dept, "2"],
            ["E2E-IMP-2", "取込試験の手順書", "宇宙船", dept, "2"],
        ]),
    )
    .map_err(|e| e.to_string())?;
    let good = dir.path().join("台帳.xlsx");
    std::fs::write(
        &good,
        register_workbook(&[
            ["E2E-IMP-1", "取込試験の名簿", kind, dept, "2"],
            ["E2E-IMP-2", "取込試験の手順書", kind, dept, "1"],
        ]),
    )
    .map_err(|e| e.to_string())?;

    b.goto(&server.url("/assets")).await?;
    b.click_and_wait("a[href='/assets/import']").await?;
    assert_contains(&b.body_text().await?, "情報資産台帳の取込", "import page");
    b.find("input[name=file]")
        .await?
        .send_keys(&bad.to_string_lossy())
        .await?;
    b.click_and_wait("form[action='/assets/import'] button")
        .await?;
    let preview = b.body_text().await?;
    assert_contains(&preview, "1行に誤りがあります", "preview of the bad file");
    assert_contains(
        &preview,
        "種別「宇宙船」は使えません",
        "preview of the bad file",
    );
    assert!(
        b.find_all("#confirm-import").await?.is_empty(),
        "a file with errors cannot be imported"
    );
    let cells = b
        .execute(
            "return Array.from(document.querySelectorAll('table.row-errors tbody td')).map(c => c.textContent.trim());",
            vec![],
        )
        .await?;
    assert_eq!(cells[0], "3", "the error is on row 3: {cells}");
    assert_eq!(cells[1], "種別", "in the kind column: {cells}");
    let written = server
        .store
        .asset("E2E-IMP-1")
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        written.is_none(),
        "nothing is written from a file with errors"
    );

    b.find("input[name=file]")
        .await?
        .send_keys(&good.to_string_lossy())
        .await?;
    b.click_and_wait("form[action='/assets/import'] button")
        .await?;
    let preview = b.body_text().await?;
    assert_contains(&preview, "新規 2 件・更新 0 件・変更なし 0 件", "preview");
    assert_contains(&preview, "取込試験の手順書", "preview");
    b.click_and_wait("#confirm-import").await?;
    assert_contains(&b.body_text().await?, "取り込みました", "after confirming");
    b.goto(&server.url("/assets?q=E2E-IMP")).await?;
    let list = b.body_text().await?;
    assert_contains(&list, "取込試験の名簿", "the register after the import");
    assert_contains(&list, "取込試験の手順書", "the register after the import");
    Ok(())
}
