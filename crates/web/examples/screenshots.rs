//! Screenshots of the main pages for the documentation, taken in headless Chromium over WebDriver
//! from the demo city (あおば市) served in-process, signed in as the CISO.
//!
//! `cargo run -p mamori-web --example screenshots -- docs/screenshots`
//! (needs chromium, chromium-driver and fonts-noto-cjk; `CHROMIUM` / `CHROMEDRIVER` override the paths).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/e2e/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use webdriver::{BrowserBinaries, Chromedriver, DemoServer, Session, enrol_totp, sign_in_password};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;
/// Tall pages are cut here so the images stay small.
const MAX_HEIGHT: u32 = 1400;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "docs/screenshots".into()),
    );
    match run(&out).await {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("スクリーンショットを撮れませんでした / screenshots failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(out: &Path) -> webdriver::Result<Vec<PathBuf>> {
    let bin = BrowserBinaries::find()?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let server = DemoServer::start(500).await?;
    let driver = Chromedriver::start(&bin.chromedriver).await?;
    let browser = Session::start(&driver, &bin.chromium, WIDTH, HEIGHT).await?;
    let result = take_all(&browser, &server, out).await;
    let _ = browser.quit().await;
    drop(driver);
    server.stop().await?;
    result
}

async fn take_all(b: &Session, server: &DemoServer, out: &Path) -> webdriver::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    b.goto(&server.url("/login")).await?;
    files.push(shot(b, out, "01-login.png", false).await?);

    // The CISO must use MFA: the enrolment page comes first (its QR code is made per account).
    sign_in_password(b, server, "ciso").await?;
    files.push(shot(b, out, "08-mfa-enrolment.png", true).await?);
    enrol_totp(b, server, "ciso").await?;
    let pages = [
        ("/", "02-dashboard.png", true),
        ("/assets", "03-assets.png", false),
        ("/findings", "05-findings.png", false),
        ("/org", "06-organisation.png", false),
        ("/audit", "07-audit-log.png", false),
    ];
    for (path, name, full) in pages {
        b.goto(&server.url(path)).await?;
        files.push(shot(b, out, name, full).await?);
        if path == "/assets" {
            // The detail page of the first asset in the register.
            let href = b
                .find("table tbody tr td a")
                .await?
                .attr("href")
                .await?
                .ok_or("the register has no rows")?;
            b.goto(&server.url(&href)).await?;
            files.push(shot(b, out, "04-asset-detail.png", true).await?);
        }
    }
    files.extend(import_and_settings(b, server, out).await?);
    // The policy library, 新旧対照, the risk register with its heat map, measures and threats.
    let policy_pages = [
        ("/policy", "12-policy.png", false),
        (
            "/policy/kitei/diff?from=1&to=2",
            "13-policy-diff.png",
            false,
        ),
        ("/risks", "14-risks.png", true),
        ("/measures", "15-measures.png", false),
        ("/threats", "16-threats.png", false),
    ];
    for (path, name, full) in policy_pages {
        b.goto(&server.url(path)).await?;
        files.push(shot(b, out, name, full).await?);
    }
    Ok(files)
}

/// 取込 (a file with errors, then a preview of a good one) and 設定.
async fn import_and_settings(
    b: &Session,
    server: &DemoServer,
    out: &Path,
) -> webdriver::Result<Vec<PathBuf>> {
    let dept = server
        .store
        .departments()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|d| d.kind == mamori_core::DepartmentKind::Ka)
        .ok_or("the demo city has no 課")?
        .code;
    let kind = "情報（電子データ）";
    let workbook = |rows: &[[&str; 5]]| {
        let headers = ["資産番号", "情報資産名", "種別", "所管課コード", "機密性"];
        let table = mamori_sheets::Table::new(
            headers.iter().map(|h| h.to_string()).collect(),
            rows.iter()
                .enumerate()
                .map(|(i, r)| mamori_sheets::Row {
                    number: i + 2,
                    cells: r.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        );
        mamori_sheets::write_xlsx(&table, mamori_sheets::REGISTER_SHEET_NAME)
            .map_err(|e| e.to_string())
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bad = dir.path().join("台帳_誤りあり.xlsx");
    let good = dir.path().join("台帳.xlsx");
    let write =
        |path: &Path, bytes: Vec<u8>| std::fs::write(path, bytes).map_err(|e| e.to_string());
    write(
        &bad,
        workbook(&[
            ["NEW-0001", "窓口受付簿", kind, &dept, "2"],
            ["NEW-0002", "臨時職員名簿", "名簿", &dept, "2"],
            ["NEW-0003", "委託契約書", kind, "9999", "5"],
        ])?,
    )?;
    write(
        &good,
        workbook(&[
            ["NEW-0001", "窓口受付簿", kind, &dept, "2"],
            ["NEW-0002", "臨時職員名簿", kind, &dept, "3A"],
            ["NEW-0003", "委託契約書", kind, &dept, "2"],
        ])?,
    )?;
    let mut files = Vec::new();
    for (file, name) in [
        (&bad, "09-import-errors.png"),
        (&good, "10-import-preview.png"),
    ] {
        b.goto(&server.url("/assets/import")).await?;
        b.find("input[name=file]")
            .await?
            .send_keys(&file.to_string_lossy())
            .await?;
        b.click_and_wait("form[action='/assets/import'] button")
            .await?;
        files.push(shot(b, out, name, true).await?);
    }
    b.goto(&server.url("/settings")).await?;
    files.push(shot(b, out, "11-settings.png", false).await?);
    Ok(files)
}

/// Save the viewport (or the whole page, up to [`MAX_HEIGHT`]) as `name`.
async fn shot(b: &Session, out: &Path, name: &str, full_page: bool) -> webdriver::Result<PathBuf> {
    if full_page {
        b.fit_height(WIDTH, MAX_HEIGHT).await?;
    } else {
        b.set_size(WIDTH, HEIGHT).await?;
    }
    let png = b.screenshot().await?;
    let path = out.join(name);
    std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
    b.set_size(WIDTH, HEIGHT).await?;
    Ok(path)
}
