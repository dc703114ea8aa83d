//! The three-tier verifier in the browser: upload, report, evidence, and who may do what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Browser, Harness, harness};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../netcheck/examples");

fn file(rel: &str) -> String {
    std::fs::read_to_string(format!("{EXAMPLES}/{rel}")).unwrap()
}

/// A multipart/form-data body as a browser sends it.
fn multipart(csrf: &str, files: &[(&str, &str, String)], save: bool) -> (String, Vec<u8>) {
    let boundary = "----mamoriTestBoundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
    ));
    if save {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"save\"\r\n\r\n1\r\n"
        ));
    }
    for (field, name, text) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn upload(
    h: &Harness,
    b: &Browser,
    csrf: &str,
    files: &[(&str, &str, String)],
) -> common::Response {
    let (content_type, body) = multipart(csrf, files, true);
    let req = Request::post("/network")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, Harness::session_cookie(b))
        .body(Body::from(body))
        .unwrap();
    h.request(req).await
}

async fn network_verification_keeps_dated_evidence(url: String) {
    let h = harness(&url).await;
    let all = vec![
        ("inventory", "inventory.toml", file("inventory.toml")),
        (
            "configs",
            "core-fw.nft.json",
            file("configs/core-fw.nft.json"),
        ),
        (
            "configs",
            "edge-fw.iptables-save",
            file("configs/edge-fw.iptables-save"),
        ),
    ];
    let ciso = h.sign_in("ciso").await;
    let page = h.get("/network", Some(&ciso)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("enctype=\"multipart/form-data\"")
            && page.body.contains("まだありません")
    );

    let done = upload(&h, &ciso, &ciso.csrf, &all).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("適合") && done.body.contains("証跡番号 1"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("第6条第2号"),
        "the same report as the CLI: {}",
        done.body
    );

    // A configuration the inventory names but nobody uploaded: incomplete, never a silent OK.
    let partial = upload(&h, &ciso, &ciso.csrf, &all[..2]).await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.body);
    assert!(
        partial.body.contains("入力が不完全") && partial.body.contains("証跡番号 2"),
        "{}",
        partial.body
    );

    // A forged token changes nothing.
    let forged = upload(&h, &ciso, "forged-token", &all).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let list = h.get("/network", Some(&ciso)).await;
    assert!(
        list.body.contains("/network/evidence/2") && !list.body.contains("/network/evidence/3"),
        "{}",
        list.body
    );

    let evidence = h.get("/network/evidence/1", Some(&ciso)).await;
    assert_eq!(evidence.status, StatusCode::OK);
    assert!(evidence.body.contains("適合") && evidence.body.contains("inventory.toml"));
    assert_eq!(
        h.get("/network/evidence/99", Some(&ciso)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get("/network/evidence/x", Some(&ciso)).await.status,
        StatusCode::NOT_FOUND
    );

    // Auditors read evidence but do not run checks; ordinary staff see neither.
    let auditor = h.sign_in("auditor").await;
    let page = h.get("/network", Some(&auditor)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("multipart/form-data"));
    assert_eq!(
        h.get("/network/evidence/1", Some(&auditor)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        upload(&h, &auditor, &auditor.csrf, &all).await.status,
        StatusCode::FORBIDDEN
    );
    let staff = h.get("/", Some(&h.sign_in("staff").await)).await;
    assert!(!staff.body.contains("href=\"/network\""));
    let staff = h.sign_in("staff").await;
    assert_eq!(
        h.get("/network", Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.get("/network/evidence/1", Some(&staff)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.get("/network", None).await.status, StatusCode::SEE_OTHER);
}

mamori_testkit::both_backends!(network_verification_keeps_dated_evidence);
