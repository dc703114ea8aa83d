//! The register's import (upload → preview → confirm), its export of exactly what the filter shows,
//! and the settings page, in-process over a real store on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Reader, Xlsx};
use common::{Browser, Harness, K1_LOW, K1_SECRET, K2_MID, K3_SECRET, harness};
use http_body_util::BodyExt;
use mamori_core::Lang;
use mamori_sheets::{Row, Table};
use std::io::Cursor;
use tower::ServiceExt;

/// A multipart/form-data body with the token and one file, as a browser sends it.
fn multipart(csrf: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----mamoriImportBoundary0x5e2f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    h: &Harness,
    b: &Browser,
    csrf: &str,
    file_name: &str,
    bytes: &[u8],
) -> common::Response {
    let (content_type, body) = multipart(csrf, file_name, bytes);
    let req = Request::post("/assets/import")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, Harness::session_cookie(b))
        .body(Body::from(body))
        .unwrap();
    h.request(req).await
}

async fn confirm(h: &Harness, b: &Browser, csrf: &str, upload: &str) -> common::Response {
    h.post(
        "/assets/import/confirm",
        Some(&Harness::session_cookie(b)),
        &[("csrf", csrf), ("upload", upload)],
    )
    .await
}

/// The hidden upload ID of a preview page.
fn upload_id(body: &str) -> Option<String> {
    let marker = "name=\"upload\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The register as the CLI exports it (Japanese headers), reduced to the given IDs, each row
/// passed through `edit`.
async fn register_rows(
    h: &Harness,
    ids: &[&str],
    edit: impl Fn(&str, &mut Vec<String>, &[String]),
) -> Table {
    let table = mamori_app::register::export_table(
        &h.store,
        &mamori_store::AssetFilter::default(),
        Lang::Ja,
    )
    .await
    .unwrap();
    let rows = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut cells = table
                .rows
                .iter()
                .find(|r| r.cells[0] == *id)
                .map(|r| r.cells.clone())
                .unwrap_or_else(|| table.rows[0].cells.clone());
            edit(id, &mut cells, &table.headers);
            Row {
                number: i + 2,
                cells,
            }
        })
        .collect();
    Table::new(table.headers.clone(), rows)
}

fn set(cells: &mut [String], headers: &[String], header: &str, value: &str) {
    let i = headers.iter().position(|h| h == header).unwrap();
    cells[i] = value.to_string();
}

fn xlsx(table: &Table) -> Vec<u8> {
    mamori_sheets::write_xlsx(table, mamori_sheets::REGISTER_SHEET_NAME).unwrap()
}

/// (number of audit entries, number of assets): unchanged means nothing was written.
async fn footprint(h: &Harness) -> (usize, i64) {
    (
        h.store.audit_entries(100_000, None).await.unwrap().len(),
        h.store.count_assets().await.unwrap(),
    )
}

async fn preview_lists_row_errors_and_writes_nothing(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    // Row 2: an edit of kanri's own asset (fine). Row 3: a new asset with an unknown kind.
    // Row 4: an asset of 市民課, which kanri does not manage.
    let table = register_rows(
        &h,
        &[K1_LOW.0, "A-NEW-1", K3_SECRET.0],
        |id, cells, headers| match id {
            "A-NEW-1" => {
                set(cells, headers, "資産番号", "A-NEW-1");
                set(cells, headers, "種別", "宇宙船");
            }
            id if id == K1_LOW.0 => set(cells, headers, "情報資産名", "改訂した公開資料"),
            _ => set(cells, headers, "情報資産名", "書き換えた住民データ"),
        },
    )
    .await;
    let before = footprint(&h).await;
    let page = upload(&h, &kanri, &kanri.csrf, "台帳.xlsx", &xlsx(&table)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("台帳は変更していません"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("種別「宇宙船」は使えません"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<td class=\"num\">3</td><td>種別</td>"),
        "row and column of the bad kind: {}",
        page.body
    );
    assert!(
        page.body.contains(
            "<td class=\"num\">4</td><td>—</td><td>この情報資産を登録・変更する権限がありません"
        ),
        "another 課's row is refused: {}",
        page.body
    );
    assert!(upload_id(&page.body).is_none(), "no confirmation offered");
    assert_eq!(footprint(&h).await, before);
    assert_eq!(
        h.store.asset(K3_SECRET.0).await.unwrap().unwrap().name,
        K3_SECRET.1
    );

    // The same file in English for an English-speaking user.
    h.post(
        "/account/lang",
        Some(&Harness::session_cookie(&kanri)),
        &[("csrf", &kanri.csrf), ("lang", "en")],
    )
    .await;
    let before = footprint(&h).await;
    let page = upload(&h, &kanri, &kanri.csrf, "register.xlsx", &xlsx(&table)).await;
    assert!(
        page.body.contains("unknown kind &#34;宇宙船&#34;"),
        "{}",
        page.body
    );
    assert!(page.body.contains("The register was not changed"));
    assert_eq!(footprint(&h).await, before);
}

async fn confirmation_writes_all_rows_once(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    let table = register_rows(
        &h,
        &[K1_LOW.0, "A-NEW-2", K1_SECRET.0],
        |id, cells, headers| match id {
            "A-NEW-2" => {
                set(cells, headers, "資産番号", "A-NEW-2");
                set(cells, headers, "情報資産名", "取込で登録した文書");
            }
            id if id == K1_LOW.0 => set(cells, headers, "情報資産名", "改訂した公開資料"),
            _ => {}
        },
    )
    .await;
    let before = footprint(&h).await;
    let page = upload(&h, &kanri, &kanri.csrf, "台帳.xlsx", &xlsx(&table)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("新規 1 件・更新 1 件・変更なし 1 件"),
        "{}",
        page.body
    );
    assert!(page.body.contains("取込で登録した文書") && page.body.contains("改訂した公開資料"));
    let id = upload_id(&page.body).expect("a confirmation form");
    assert_eq!(footprint(&h).await, before, "the preview writes nothing");

    // Another person's session cannot confirm it; a forged token is refused; nothing written.
    let ciso = h.sign_in("ciso").await;
    let before = footprint(&h).await;
    let r = confirm(&h, &ciso, &ciso.csrf, &id).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = confirm(&h, &kanri, "forged", &id).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(footprint(&h).await, before);

    let done = confirm(&h, &kanri, &kanri.csrf, &id).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains("取り込みました: 新規 1 件・更新 1 件・変更なし 1 件")
    );
    assert_eq!(
        h.store.asset("A-NEW-2").await.unwrap().unwrap().name,
        "取込で登録した文書"
    );
    assert_eq!(
        h.store.asset(K1_LOW.0).await.unwrap().unwrap().name,
        "改訂した公開資料"
    );
    let entries = h.store.audit_entries(10, None).await.unwrap();
    let writes: Vec<(&str, &str, &str)> = entries
        .iter()
        .filter(|e| e.entity == "asset")
        .map(|e| (e.action.as_str(), e.entity_id.as_str(), e.actor.as_str()))
        .collect();
    assert!(
        writes.contains(&("create", "A-NEW-2", "web:kanri")),
        "{writes:?}"
    );
    assert!(
        writes.contains(&("update", K1_LOW.0, "web:kanri")),
        "{writes:?}"
    );
    // The list shows the new asset at once.
    assert!(
        h.get("/assets", Some(&kanri))
            .await
            .body
            .contains("取込で登録した文書")
    );

    // A preview is confirmed at most once.
    let after = footprint(&h).await;
    let again = confirm(&h, &kanri, &kanri.csrf, &id).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("有効期限が切れたか"));
    assert_eq!(footprint(&h).await, after);

    // A CSV in Shift_JIS goes through the same use case.
    let csv = "資産番号,情報資産名,種別,所管課コード,機密性,完全性,可用性\r\nA-CSV-1,ＣＳＶで登録した名簿,情報（電子データ）,K1,2,2,2\r\n";
    let sjis = encoding_rs::SHIFT_JIS.encode(csv).0.into_owned();
    let page = upload(&h, &kanri, &kanri.csrf, "台帳.csv", &sjis).await;
    assert!(page.body.contains("新規 1 件"), "{}", page.body);
    let done = confirm(&h, &kanri, &kanri.csrf, &upload_id(&page.body).unwrap()).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        h.store.asset("A-CSV-1").await.unwrap().unwrap().name,
        "ＣＳＶで登録した名簿"
    );
}

async fn bad_uploads_are_refused_with_a_clear_message(url: String) {
    let h = harness(&url).await;
    let kanri = h.sign_in("kanri").await;
    let staff = h.sign_in("staff").await;
    let good = xlsx(
        &register_rows(&h, &[K1_LOW.0], |_, cells, headers| {
            set(cells, headers, "情報資産名", "変えてはいけない名前")
        })
        .await,
    );
    let before = footprint(&h).await;

    // A forged or missing token: 403 before the file is read.
    for token in ["forged-token", ""] {
        let r = upload(&h, &kanri, token, "台帳.xlsx", &good).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("確認用トークン"));
    }
    // Ordinary staff may not import at all.
    let r = upload(&h, &staff, &staff.csrf, "台帳.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let cases: [(&str, &[u8], &str); 5] = [
        (
            "台帳.xlsx",
            b"this is plain text, not a workbook",
            "中身が Excel ブック（xlsx）ではありません",
        ),
        ("台帳.xlsx", b"", "ファイルが空です"),
        ("empty.csv", b"\xEF\xBB\xBF", "ファイルが空です"),
        (
            "台帳.csv",
            b"\xE8\xB3\x87\xE7\x94\xA3\xE7\x95\xAA\xE5\x8F\xB7\r\n\xFF\xFE\xFD\xFC\r\n",
            "文字コード",
        ),
        ("../../etc/passwd", b"root:x:0:0", "passwd"),
    ];
    for (name, bytes, wanted) in cases {
        let r = upload(&h, &kanri, &kanri.csrf, name, bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(r.body.contains(wanted), "{name}: {}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{name}");
        assert!(
            !r.body.contains("../"),
            "the path is not echoed: {}",
            r.body
        );
    }

    // Over the limit: 413 with a page that says so.
    let huge = vec![b'a'; mamori_web::IMPORT_UPLOAD_LIMIT + 1024];
    let r = upload(&h, &kanri, &kanri.csrf, "huge.csv", &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("ファイルが大きすぎます"), "{}", r.body);

    // An unknown or tampered upload ID.
    for id in ["", "../../etc/passwd", "00"] {
        let r = confirm(&h, &kanri, &kanri.csrf, id).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{id}");
    }
    assert_eq!(footprint(&h).await, before);
    assert_eq!(
        h.store.asset(K1_LOW.0).await.unwrap().unwrap().name,
        K1_LOW.1
    );
}

/// The raw bytes and headers of a GET.
async fn download(
    h: &Harness,
    path: &str,
    b: &Browser,
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, Harness::session_cookie(b))
        .body(Body::empty())
        .unwrap();
    let resp = h.app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, bytes)
}

/// The cells of the register sheet, header row first.
fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = book
        .worksheet_range(mamori_sheets::REGISTER_SHEET_NAME)
        .unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

async fn exports_hold_exactly_what_the_list_shows(url: String) {
    let h = harness(&url).await;
    let staff = h.sign_in("staff").await;
    let (status, headers, bytes) = download(&h, "/assets.xlsx", &staff).await;
    assert_eq!(status, StatusCode::OK);
    let disposition = headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        disposition,
        "attachment; filename=\"asset-register_20261126.xlsx\"; \
         filename*=UTF-8''%E6%83%85%E5%A0%B1%E8%B3%87%E7%94%A3%E5%8F%B0%E5%B8%B3_20261126.xlsx"
    );
    let rows = sheet(&bytes);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    // 職員 (情報システム係) sees 情報政策課's assets: the 機密性1 one fully, the 3A one by existence.
    assert_eq!(ids, [K1_LOW.0, K1_SECRET.0]);
    let secret = &rows[2];
    assert_eq!(secret[col("情報資産名")], "（機密性3のため非表示）");
    assert_eq!(secret[col("機密性")], "3A");
    assert_eq!(secret[col("所管課コード")], "K1");
    for withheld in [
        "保管場所",
        "ネットワーク区分",
        "保存期間",
        "廃棄方法",
        "次回見直し日",
    ] {
        assert_eq!(secret[col(withheld)], "", "{withheld} is withheld");
    }
    assert_eq!(rows[1][col("情報資産名")], K1_LOW.1);
    assert_eq!(rows[1][col("廃棄方法")], "完全消去");
    let text = String::from_utf8_lossy(&bytes);
    for absent in [K1_SECRET.1, K3_SECRET.0, K2_MID.0] {
        assert!(
            !rows.iter().flatten().any(|c| c.contains(absent)),
            "{absent}"
        );
        assert!(!text.contains(absent));
    }

    // The same filter as the list: 機密性 3A only, for the CISO, who sees everything.
    let ciso = h.sign_in("ciso").await;
    let (_, _, bytes) = download(&h, "/assets.xlsx?c=3A&sort=id", &ciso).await;
    let rows = sheet(&bytes);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], K1_SECRET.0);
    assert_eq!(rows[1][1], K1_SECRET.1);
    // A bad filter is a 400, as on the list.
    assert_eq!(
        download(&h, "/assets.csv?zone=nowhere", &ciso).await.0,
        StatusCode::BAD_REQUEST
    );

    // CSV: UTF-8 with BOM, formulas defused as in the CLI.
    let edited = register_rows(&h, &[K1_LOW.0], |_, cells, headers| {
        set(
            cells,
            headers,
            "情報資産名",
            "=HYPERLINK(\"http://evil\",\"x\")",
        )
    })
    .await;
    let kanri = h.sign_in("kanri").await;
    let page = upload(&h, &kanri, &kanri.csrf, "台帳.xlsx", &xlsx(&edited)).await;
    confirm(&h, &kanri, &kanri.csrf, &upload_id(&page.body).unwrap()).await;
    let (status, headers, bytes) = download(&h, "/assets.csv?q=A-K1", &staff).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename=\"asset-register_20261126.csv\"")
    );
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let csv = String::from_utf8(bytes).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        "{csv}"
    );
    assert!(!csv.contains(K1_SECRET.1));
    assert_eq!(csv.lines().count(), 3, "{csv}");

    // Every export is in the audit log: who, which filter, how many rows.
    let exports: Vec<(String, String)> = h
        .store
        .audit_entries(100, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "export")
        .map(|e| (e.actor, e.after.unwrap_or_default()))
        .collect();
    assert_eq!(exports.len(), 3, "{exports:?}");
    let (actor, after) = &exports[0];
    assert_eq!(actor, "web:staff");
    let after: serde_json::Value = serde_json::from_str(after).unwrap();
    assert_eq!(after["format"], "csv");
    assert_eq!(after["rows"], 2);
    assert_eq!(after["filter"], "q=A-K1&sort=id");
}

async fn settings_are_saved_audited_and_locked_fields_refused(url: String) {
    let h = harness(&url).await;
    let ciso = h.sign_in("ciso").await;
    let kanri = h.sign_in("kanri").await;
    let page = h.get("/settings", Some(&ciso)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"c-0-label-ja\"") && page.body.contains("テスト市"));
    assert!(
        page.body.contains("href=\"/settings\""),
        "in the navigation"
    );
    assert!(
        !h.get("/", Some(&kanri))
            .await
            .body
            .contains("href=\"/settings\"")
    );
    let cookie = Harness::session_cookie(&ciso);
    let scheme_before = h.store.organisation().await.unwrap().scheme;

    // A locked field: the grade of 機密性1, the set of levels, a code.
    let before = footprint(&h).await;
    for (field, value, wanted) in [
        ("c-0-grade", "3", "段階（grade）は変更できません"),
        ("c-9-label-ja", "機密性9", "区分の追加"),
        ("c-0-code", "0", "の区分（"),
    ] {
        let r = h
            .post(
                "/settings",
                Some(&cookie),
                &[
                    ("csrf", &ciso.csrf),
                    ("name", "新テスト市"),
                    ("model", "beta"),
                    (field, value),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}");
        assert!(r.body.contains(wanted), "{field}: {}", r.body);
        assert!(r.body.contains("設定は保存していません"));
    }
    // Empty name, empty label, unknown model: errors on the form.
    let r = h
        .post(
            "/settings",
            Some(&cookie),
            &[
                ("csrf", &ciso.csrf),
                ("name", " "),
                ("model", "gamma"),
                ("c-0-label-ja", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("団体名を入力してください") && r.body.contains("モデルを選んでください")
    );
    // Not the CISO or 統括: 403; a forged token: 403.
    let r = h
        .post(
            "/settings",
            Some(&Harness::session_cookie(&kanri)),
            &[
                ("csrf", &kanri.csrf),
                ("name", "乗っ取り市"),
                ("model", "beta"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h
        .post(
            "/settings",
            Some(&cookie),
            &[
                ("csrf", "forged"),
                ("name", "乗っ取り市"),
                ("model", "beta"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(footprint(&h).await, before);
    let org = h.store.organisation().await.unwrap();
    assert_eq!(org.name, "テスト市");
    assert_eq!(org.scheme, scheme_before);

    // A real change.
    let r = h
        .post(
            "/settings",
            Some(&cookie),
            &[
                ("csrf", &ciso.csrf),
                ("name", "新テスト市"),
                ("model", "beta-prime"),
                ("c-0-label-ja", "公開（機密性1）"),
                ("c-0-storage-en", "Anywhere."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/settings?saved=1"));
    let org = h.store.organisation().await.unwrap();
    assert_eq!(org.name, "新テスト市");
    assert_eq!(org.model_variant, mamori_core::ModelVariant::BetaPrime);
    let level = &org.scheme.confidentiality.levels[0];
    assert_eq!(level.label.ja, "公開（機密性1）");
    assert_eq!(level.handling.storage.en, "Anywhere.");
    assert_eq!(level.code, scheme_before.confidentiality.levels[0].code);
    let changed: Vec<(String, String, String)> = h
        .store
        .audit_entries(2, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.entity, e.actor))
        .collect();
    assert!(changed.contains(&("update".into(), "organisation".into(), "web:ciso".into())));
    assert!(changed.contains(&(
        "update".into(),
        "classification_scheme".into(),
        "web:ciso".into()
    )));
    let saved = h.get("/settings?saved=1", Some(&ciso)).await;
    assert!(saved.body.contains("設定を保存しました") && saved.body.contains("公開（機密性1）"));
    assert!(matches!(
        h.store.verify_audit().await.unwrap(),
        mamori_store::AuditVerdict::Intact { .. }
    ));
}

mamori_testkit::both_backends!(
    preview_lists_row_errors_and_writes_nothing,
    confirmation_writes_all_rows_once,
    bad_uploads_are_refused_with_a_clear_message,
    exports_hold_exactly_what_the_list_shows,
    settings_are_saved_audited_and_locked_fields_refused,
);
