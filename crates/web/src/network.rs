//! The three-tier verifier (第6条第2号) in the browser: upload an inventory and the firewall
//! configurations it names, read the same report as `mamori net check`, keep it as dated evidence.

use crate::render::{NetworkPage, NetworkReportPage, html};
use crate::session::{OrgView, Viewer, check_token_value};
use crate::{AppState, WebError};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use mamori_core::Lang;
use mamori_core::access::Capability;
use mamori_netcheck::{Loader, NetcheckError, Verdict};
use mamori_store::NewEvidence;
use std::collections::BTreeMap;

/// Uploads: a browser sends file names without folders, so configurations are found by the last
/// component of the path the inventory gives.
struct UploadLoader {
    files: BTreeMap<String, String>,
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

impl Loader for UploadLoader {
    fn load(&self, path: &str) -> Result<String, NetcheckError> {
        self.files
            .get(base_name(path))
            .cloned()
            .ok_or_else(|| NetcheckError::Io {
                path: path.to_string(),
                reason: "this file was not uploaded / このファイルはアップロードされていません"
                    .into(),
            })
    }

    /// Every uploaded configuration counts as being in the inventory's configuration folder, so
    /// an upload no device names is reported like a stray file on disk.
    fn list_dir(&self, dir: &str) -> Result<Vec<String>, NetcheckError> {
        let dir = dir.trim_end_matches('/');
        Ok(self
            .files
            .keys()
            .map(|k| {
                if dir.is_empty() {
                    k.clone()
                } else {
                    format!("{dir}/{k}")
                }
            })
            .collect())
    }
}

fn verdict_label(v: &str, lang: Lang) -> (String, &'static str) {
    match v {
        "holds" => (
            lang.pick("適合（三層の分離は保たれています）", "Holds")
                .to_string(),
            "ok",
        ),
        "violated" => (lang.pick("違反あり", "Violated").to_string(), "bad"),
        _ => (
            lang.pick(
                "入力が不完全（判定できない部分があります）",
                "Incomplete input",
            )
            .to_string(),
            "warn",
        ),
    }
}

fn verdict_id(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds",
        Verdict::Violated => "violated",
        Verdict::Incomplete => "incomplete",
    }
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewNetworkEvidence) {
        return Err(WebError::Forbidden);
    }
    let evidence = state
        .store
        .network_evidence_list(100)
        .await?
        .into_iter()
        .map(|e| {
            let (label, class) = verdict_label(&e.verdict, viewer.lang);
            (e.id, e.checked_at, e.actor, e.inventory_name, label, class)
        })
        .collect();
    let page = NetworkPage {
        p: viewer.chrome(&org, "network"),
        may_verify: policy.may(&viewer.subject, Capability::VerifyNetwork),
        evidence,
    };
    Ok(html(&page)?.into_response())
}

pub async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::VerifyNetwork) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let mut csrf = None;
    let mut inventory: Option<(String, String)> = None;
    let mut files = BTreeMap::new();
    let mut save = false;
    let bad = |why: &str| WebError::BadRequest(why.to_string());
    while let Some(field) = form.next_field().await.map_err(|e| bad(&e.to_string()))? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(|f| base_name(f).to_string());
        let bytes = field.bytes().await.map_err(|e| bad(&e.to_string()))?;
        let text = || String::from_utf8(bytes.to_vec()).map_err(|_| bad("not UTF-8 text"));
        match name.as_str() {
            "csrf" => csrf = Some(text()?),
            "save" => save = true,
            "inventory" if !bytes.is_empty() => {
                inventory = Some((
                    file_name.unwrap_or_else(|| "inventory.toml".into()),
                    text()?,
                ))
            }
            "configs" if !bytes.is_empty() => {
                if let Some(f) = file_name {
                    files.insert(f, text()?);
                }
            }
            _ => {}
        }
    }
    // The token is checked before anything is read or run.
    check_token_value(csrf.as_deref().unwrap_or(""), &viewer.csrf)?;
    let Some((inventory_name, inventory_text)) = inventory else {
        return Err(bad(lang.pick(
            "インベントリのファイルを選んでください。",
            "Choose the inventory file.",
        )));
    };
    let loader = UploadLoader { files };
    let now = state.now();
    let (verdict, report_ja, report_en, report_json) =
        match mamori_netcheck::check_with_loader(&inventory_name, &inventory_text, &loader, None) {
            Ok(report) => (
                verdict_id(report.verdict),
                report.to_text(Lang::Ja),
                report.to_text(Lang::En),
                report.to_json(),
            ),
            // Input errors (syntax, missing configurations) are a result too: incomplete, with the message.
            Err(e) => (
                "incomplete",
                e.message(Lang::Ja),
                e.message(Lang::En),
                String::from("{}"),
            ),
        };
    let evidence_id = if save {
        let e = NewEvidence {
            inventory_name: &inventory_name,
            verdict,
            report_ja: &report_ja,
            report_en: &report_en,
            report_json: &report_json,
        };
        Some(
            state
                .store
                .save_network_evidence(&e, &format!("web:{}", viewer.login), &now.timestamp())
                .await?,
        )
    } else {
        None
    };
    let (label, class) = verdict_label(verdict, lang);
    let page = NetworkReportPage {
        p: viewer.chrome(&org, "network"),
        inventory: inventory_name,
        verdict: label,
        verdict_class: class,
        report: lang.pick(&report_ja, &report_en).to_string(),
        evidence_id,
        checked_at: now.timestamp(),
    };
    Ok(html(&page)?.into_response())
}

pub async fn evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org
        .policy()
        .may(&viewer.subject, Capability::ViewNetworkEvidence)
    {
        return Err(WebError::Forbidden);
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let e = state
        .store
        .network_evidence(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (label, class) = verdict_label(&e.verdict, viewer.lang);
    let page = NetworkReportPage {
        p: viewer.chrome(&org, "network"),
        inventory: e.inventory_name,
        verdict: label,
        verdict_class: class,
        report: viewer.lang.pick(&e.report_ja, &e.report_en).to_string(),
        evidence_id: Some(e.id),
        checked_at: e.checked_at,
    };
    Ok(html(&page)?.into_response())
}
