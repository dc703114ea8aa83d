//! The 情報資産台帳 pages: the filtered, sorted, paged list and one asset's details.
//!
//! The list is filtered, ordered and paged by `listing` over the in-memory snapshot (`world`), with
//! every row's visibility decided by `Policy::visibility`.

use crate::listing::{Filters, ListQuery, Sort};
use crate::render::{AssetListPage, AssetPage, AssetRestrictedPage, AssetRow, AuditRow, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::world::World;
use crate::{AppState, WebError};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mamori_core::access::{AssetRef, Change, Policy, Subject, Visibility};
use mamori_core::register::format_date;
use mamori_core::{Asset, AssetKind, AssetStatus, Dimension, Lang, Scheme, Zone};
use std::sync::Arc;

pub const PAGE_SIZE: usize = 50;

/// Every asset the person may at least know exists, with how much they may see, as of the
/// current snapshot (nothing is copied).
pub struct VisibleAssets {
    world: Arc<World>,
    visibility: Arc<Vec<Visibility>>,
}

impl VisibleAssets {
    pub fn iter(&self) -> impl Iterator<Item = (&Asset, Visibility)> {
        self.world
            .register
            .assets
            .iter()
            .zip(self.visibility.iter().copied())
            .filter(|(_, v)| *v != Visibility::Hidden)
    }
}

pub async fn visible_assets(
    state: &AppState,
    subject: &Subject,
) -> Result<VisibleAssets, WebError> {
    let world = state.world().await?;
    let visibility = world.visibility(subject);
    Ok(VisibleAssets { world, visibility })
}

fn options<T: PartialEq>(
    items: impl IntoIterator<Item = (T, String, String)>,
    selected: Option<&T>,
) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(item, value, label)| Opt {
            selected: selected == Some(&item),
            value,
            label,
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let query: ListQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let world = state.world().await?;
    let org = &world.org;
    let policy = org.policy();
    let scheme = &world.organisation.scheme;
    let filters = Filters::parse(&query, org, scheme)?;
    let lang = viewer.lang;
    let rows = world.matching(&viewer.subject, &filters);
    let visibility = world.visibility(&viewer.subject);
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = filters.page.min(pages);
    let start = (page - 1) * PAGE_SIZE;
    let shown: Vec<AssetRow> = rows
        .iter()
        .skip(start)
        .take(PAGE_SIZE)
        .map(|i| {
            let i = *i as usize;
            asset_row(&world.register.assets[i], visibility[i], org, lang)
        })
        .collect();
    let first = if total == 0 { 0 } else { start + 1 };
    let last = start + shown.len();
    let level_options = |d: Dimension, selected: &Option<String>| {
        options(
            scheme.scale(d).levels.iter().map(|l| {
                (
                    l.code.clone(),
                    l.code.clone(),
                    l.label.get(lang).to_string(),
                )
            }),
            selected.as_ref(),
        )
    };
    let page_model = AssetListPage {
        may_create: crate::edit::may_create_in(&policy, &viewer, org, &world.systems),
        p: viewer.chrome(org, "assets"),
        total,
        first,
        last,
        page,
        pages,
        q: filters.q.clone(),
        departments: options(
            org.departments
                .iter()
                .filter(|d| d.kind != mamori_core::DepartmentKind::Kakari)
                .map(|d| {
                    (
                        d.code.clone(),
                        d.code.clone(),
                        format!("{} {}", d.code, d.name),
                    )
                }),
            filters.dept.as_ref(),
        ),
        zones: options(
            Zone::ALL
                .into_iter()
                .map(|z| (z, z.id().to_string(), z.label(lang).to_string())),
            filters.zone.as_ref(),
        ),
        confidentiality: level_options(Dimension::Confidentiality, &filters.levels[0]),
        integrity: level_options(Dimension::Integrity, &filters.levels[1]),
        availability: level_options(Dimension::Availability, &filters.levels[2]),
        kinds: options(
            AssetKind::ALL
                .into_iter()
                .map(|k| (k, k.id().to_string(), k.label(lang).to_string())),
            filters.kind.as_ref(),
        ),
        statuses: options(
            [AssetStatus::InUse, AssetStatus::Disposed]
                .into_iter()
                .map(|s| (s, s.id().to_string(), s.label(lang).to_string())),
            filters.status.as_ref(),
        ),
        sorts: options(
            Sort::ALL
                .into_iter()
                .map(|s| (s, s.id().to_string(), s.label(lang).to_string())),
            Some(&filters.sort),
        ),
        prev_link: (page > 1).then(|| filters.link(page - 1)),
        next_link: (page < pages).then(|| filters.link(page + 1)),
        rows: shown,
    };
    Ok(html(&page_model)?.into_response())
}

fn code(c: Option<&str>) -> String {
    c.unwrap_or("—").to_string()
}

fn asset_row(a: &Asset, v: Visibility, org: &OrgView, lang: Lang) -> AssetRow {
    let full = v == Visibility::Full;
    let withheld = || "—".to_string();
    AssetRow {
        id: a.id.clone(),
        name: full.then(|| a.name.clone()),
        kind: a.kind.label(lang).to_string(),
        department: a
            .department
            .as_deref()
            .map(|d| org.name_of(d).to_string())
            .unwrap_or_else(withheld),
        zone: if full {
            a.zone
                .map(|z| z.label(lang).to_string())
                .unwrap_or_else(withheld)
        } else {
            withheld()
        },
        c: code(a.classification.confidentiality.as_deref()),
        i: code(a.classification.integrity.as_deref()),
        a: code(a.classification.availability.as_deref()),
        status: if full {
            a.status.label(lang).to_string()
        } else {
            withheld()
        },
        review: match (full, a.next_review) {
            (true, Some(d)) => format_date(d),
            _ => withheld(),
        },
    }
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    let scheme = state.store.organisation().await?.scheme;
    let asset = state.store.asset(&id).await?.ok_or(WebError::NotFound)?;
    let aref = AssetRef::of(&asset, &scheme);
    let lang = viewer.lang;
    match policy.visibility(&viewer.subject, &aref) {
        // Unknown and hidden look the same, so that existence does not leak.
        Visibility::Hidden => Err(WebError::NotFound),
        Visibility::ExistenceOnly => {
            let c = &asset.classification;
            let page = AssetRestrictedPage {
                p: viewer.chrome(&org, "assets"),
                id: asset.id.clone(),
                kind: asset.kind.label(lang).to_string(),
                department: asset
                    .department
                    .as_deref()
                    .map(|d| org.name_of(d).to_string())
                    .unwrap_or_default(),
                classification: format!(
                    "{} {} / {} {} / {} {}",
                    Dimension::Confidentiality.label(lang),
                    code(c.confidentiality.as_deref()),
                    Dimension::Integrity.label(lang),
                    code(c.integrity.as_deref()),
                    Dimension::Availability.label(lang),
                    code(c.availability.as_deref()),
                ),
            };
            Ok((StatusCode::FORBIDDEN, html(&page)?).into_response())
        }
        Visibility::Full => {
            let audited = Policy::view_is_audited(&aref);
            if audited {
                state
                    .store
                    .record_asset_view(&asset.id, &viewer.actor(), &state.now().timestamp())
                    .await?;
            }
            let may_edit = policy.may_change(&viewer.subject, &aref, Change::Edit);
            let history = state
                .store
                .audit_entries(20, Some(&asset.id))
                .await?
                .into_iter()
                .filter(|e| e.entity == "asset")
                .map(|e| AuditRow {
                    seq: e.seq,
                    at: e.at,
                    actor: e.actor,
                    action: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id,
                    change: String::new(),
                })
                .collect();
            let page = AssetPage {
                p: viewer.chrome(&org, "assets"),
                id: asset.id.clone(),
                fields: fields(&asset, &org, &scheme, lang),
                audited,
                may_edit,
                disposed: asset.status == AssetStatus::Disposed,
                history,
            };
            Ok(html(&page)?.into_response())
        }
    }
}

fn fields(a: &Asset, org: &OrgView, scheme: &Scheme, lang: Lang) -> Vec<(String, String)> {
    let yes_no = |b: bool| {
        lang.pick(
            if b { "あり" } else { "なし" },
            if b { "yes" } else { "no" },
        )
    };
    let level = |d: Dimension| {
        a.classification
            .code(d)
            .map(|c| match scheme.scale(d).level(c) {
                Some(l) => l.label.get(lang).to_string(),
                None => c.to_string(),
            })
            .unwrap_or_else(|| lang.pick("未設定", "not set").to_string())
    };
    let t = |ja: &str, en: &str| lang.pick(ja, en).to_string();
    vec![
        (t("資産番号", "ID"), a.id.clone()),
        (t("名称", "Name"), a.name.clone()),
        (
            t("種別", "Kind"),
            format!("{}（{}）", a.kind.label(lang), a.kind.citation()),
        ),
        (
            t("所管課", "Department"),
            a.department
                .as_deref()
                .map(|d| org.name_of(d).to_string())
                .unwrap_or_default(),
        ),
        (
            t("管理者（職員番号）", "Manager (staff ID)"),
            a.manager.clone().unwrap_or_default(),
        ),
        (t("保管場所・設置場所", "Location"), a.location.clone()),
        (
            t("配置（ネットワーク区分）", "Zone"),
            a.zone
                .map(|z| z.label(lang).to_string())
                .unwrap_or_default(),
        ),
        (
            t("関連する情報システム", "Information system"),
            a.system.clone().unwrap_or_default(),
        ),
        (
            Dimension::Confidentiality.label(lang).to_string(),
            level(Dimension::Confidentiality),
        ),
        (
            Dimension::Integrity.label(lang).to_string(),
            level(Dimension::Integrity),
        ),
        (
            Dimension::Availability.label(lang).to_string(),
            level(Dimension::Availability),
        ),
        (
            t("個人情報", "Personal information"),
            yes_no(a.personal_info).to_string(),
        ),
        (
            t("特定個人情報（マイナンバー）", "My Number data"),
            yes_no(a.my_number).to_string(),
        ),
        (t("保存期間", "Retention"), a.retention.clone()),
        (t("廃棄方法", "Disposal method"), a.disposal_method.clone()),
        (t("状態", "Status"), a.status.label(lang).to_string()),
        (
            t("廃棄日", "Disposed on"),
            a.disposed_on.map(format_date).unwrap_or_default(),
        ),
        (
            t("見直し期限", "Next review"),
            a.next_review.map(format_date).unwrap_or_default(),
        ),
        (
            t("外部サービス", "External service"),
            a.external_service.clone(),
        ),
        (
            t("契約形態", "Service terms"),
            a.external_terms
                .map(|x| x.label(lang).to_string())
                .unwrap_or_default(),
        ),
        (t("備考", "Notes"), a.notes.clone()),
    ]
}
