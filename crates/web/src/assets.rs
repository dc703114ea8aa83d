//! The 情報資産台帳 pages: the filtered, sorted, paged list and one asset's details.
//!
//! Every row passes through `Policy::visibility` first. Hidden assets are never listed, counted or
//! matched; existence-only assets show their ID, kind, department and classification, and only
//! those fields can find or order them (searching or sorting by name, zone or status would disclose
//! what is withheld).

use crate::render::{AssetListPage, AssetPage, AssetRestrictedPage, AssetRow, AuditRow, Opt, html};
use crate::session::{OrgView, Viewer};
use crate::{AppState, WebError};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_app::register::ExportItem;
use mamori_core::access::{AssetRef, Capability, Change, Policy, Visibility};
use mamori_core::register::format_date;
use mamori_core::{Asset, AssetKind, AssetStatus, Dimension, Lang, Scheme, Zone};
use mamori_sheets::{CsvEncoding, Format};
use serde::Deserialize;

pub const PAGE_SIZE: usize = 50;

/// Every asset the person may at least know exists, with how much they may see.
pub async fn visible_assets(
    state: &AppState,
    policy: &Policy<'_>,
    viewer: &Viewer,
    scheme: &Scheme,
) -> Result<Vec<(Asset, Visibility)>, WebError> {
    let all = state.all_assets().await?;
    Ok(all
        .iter()
        .filter_map(|a| {
            let v = policy.visibility(&viewer.subject, &AssetRef::of(a, scheme));
            (v != Visibility::Hidden).then(|| (a.clone(), v))
        })
        .collect())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    dept: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    c: String,
    #[serde(default)]
    i: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Id,
    Name,
    Department,
    Confidentiality,
    Review,
}

impl Sort {
    const ALL: [Sort; 5] = [
        Sort::Id,
        Sort::Name,
        Sort::Department,
        Sort::Confidentiality,
        Sort::Review,
    ];

    fn id(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Name => "name",
            Sort::Department => "dept",
            Sort::Confidentiality => "c",
            Sort::Review => "review",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Sort::Id => lang.pick("資産番号", "ID"),
            Sort::Name => lang.pick("名称", "Name"),
            Sort::Department => lang.pick("所管課", "Department"),
            Sort::Confidentiality => {
                lang.pick("機密性（高い順）", "Confidentiality (highest first)")
            }
            Sort::Review => lang.pick("見直し期限（近い順）", "Next review (soonest first)"),
        }
    }
}

fn bad(what: &str, value: &str) -> WebError {
    WebError::BadRequest(format!("{what} {value:?}"))
}

/// The filters, validated: an unknown value is a malformed request, not an empty result.
struct Filters {
    q: String,
    dept: Option<String>,
    zone: Option<Zone>,
    levels: [Option<String>; 3],
    kind: Option<AssetKind>,
    status: Option<AssetStatus>,
    sort: Sort,
    page: usize,
}

impl Filters {
    fn parse(query: ListQuery, org: &OrgView, scheme: &Scheme) -> Result<Filters, WebError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let dept = opt(&query.dept);
        if let Some(d) = &dept
            && !org.tree.contains(d)
        {
            return Err(bad("department", d));
        }
        let zone = opt(&query.zone)
            .map(|z| Zone::parse(&z).ok_or_else(|| bad("zone", &z)))
            .transpose()?;
        let level = |d: Dimension, v: &str| -> Result<Option<String>, WebError> {
            opt(v)
                .map(|c| {
                    scheme
                        .scale(d)
                        .level(&c)
                        .map(|l| l.code.clone())
                        .ok_or_else(|| bad("level", &c))
                })
                .transpose()
        };
        let levels = [
            level(Dimension::Confidentiality, &query.c)?,
            level(Dimension::Integrity, &query.i)?,
            level(Dimension::Availability, &query.a)?,
        ];
        let kind = opt(&query.kind)
            .map(|k| AssetKind::parse(&k).ok_or_else(|| bad("kind", &k)))
            .transpose()?;
        let status = opt(&query.status)
            .map(|s| AssetStatus::parse(&s).ok_or_else(|| bad("status", &s)))
            .transpose()?;
        let sort = match opt(&query.sort) {
            None => Sort::Id,
            Some(s) => Sort::ALL
                .into_iter()
                .find(|x| x.id() == s)
                .ok_or_else(|| bad("sort", &s))?,
        };
        Ok(Filters {
            q: query.q.trim().to_string(),
            dept,
            zone,
            levels,
            kind,
            status,
            sort,
            page: query.page.unwrap_or(1).max(1),
        })
    }

    fn matches(&self, a: &Asset, v: Visibility, org: &OrgView) -> bool {
        let full = v == Visibility::Full;
        if let Some(d) = &self.dept
            && !a
                .department
                .as_deref()
                .is_some_and(|ad| org.tree.is_within(ad, d))
        {
            return false;
        }
        for (dim, wanted) in Dimension::ALL.iter().zip(&self.levels) {
            if let Some(w) = wanted
                && a.classification.code(*dim) != Some(w.as_str())
            {
                return false;
            }
        }
        if let Some(k) = self.kind
            && a.kind != k
        {
            return false;
        }
        // Zone and status are withheld from existence-only rows, so they cannot match on them.
        if let Some(z) = self.zone
            && !(full && a.zone == Some(z))
        {
            return false;
        }
        if let Some(s) = self.status
            && !(full && a.status == s)
        {
            return false;
        }
        if !self.q.is_empty() {
            let q = self.q.to_lowercase();
            let by_id = a.id.to_lowercase().contains(&q);
            let by_name = full && a.name.to_lowercase().contains(&q);
            if !(by_id || by_name) {
                return false;
            }
        }
        true
    }

    /// The query string for another page of the same list.
    fn link(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        pairs.push(("page", page.to_string()));
        format!(
            "/assets?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }

    /// The filters and order as a query string (no page): what an export of this list carries.
    fn query(&self) -> String {
        serde_urlencoded::to_string(self.pairs()).unwrap_or_default()
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if let Some(d) = &self.dept {
            pairs.push(("dept", d.clone()));
        }
        if let Some(z) = self.zone {
            pairs.push(("zone", z.id().to_string()));
        }
        for (name, v) in ["c", "i", "a"].iter().zip(&self.levels) {
            if let Some(v) = v {
                pairs.push((name, v.clone()));
            }
        }
        if let Some(k) = self.kind {
            pairs.push(("kind", k.id().to_string()));
        }
        if let Some(s) = self.status {
            pairs.push(("status", s.id().to_string()));
        }
        pairs.push(("sort", self.sort.id().to_string()));
        pairs
    }
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

/// The person's list for a query: every visible asset the filters match, in the chosen order.
struct Listing {
    org: OrgView,
    scheme: Scheme,
    filters: Filters,
    rows: Vec<(Asset, Visibility)>,
}

async fn listing(
    state: &AppState,
    viewer: &Viewer,
    raw: Option<&str>,
) -> Result<Listing, WebError> {
    let query: ListQuery = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let org = OrgView::load(state).await?;
    let scheme = state.store.organisation().await?.scheme;
    let filters = Filters::parse(query, &org, &scheme)?;
    let mut rows: Vec<(Asset, Visibility)> = {
        let policy = org.policy();
        visible_assets(state, &policy, viewer, &scheme)
            .await?
            .into_iter()
            .filter(|(a, v)| filters.matches(a, *v, &org))
            .collect()
    };
    let rank = |a: &Asset| a.rank(&scheme, Dimension::Confidentiality);
    match filters.sort {
        Sort::Id => rows.sort_by(|x, y| x.0.id.cmp(&y.0.id)),
        // Existence-only rows sort after the others, by ID: their names must not order them.
        Sort::Name => rows.sort_by(|x, y| {
            let key = |(a, v): &(Asset, Visibility)| {
                (
                    *v != Visibility::Full,
                    if *v == Visibility::Full {
                        a.name.clone()
                    } else {
                        String::new()
                    },
                    a.id.clone(),
                )
            };
            key(x).cmp(&key(y))
        }),
        Sort::Department => rows.sort_by(|x, y| {
            (
                org.name_of(x.0.department.as_deref().unwrap_or("")),
                &x.0.id,
            )
                .cmp(&(
                    org.name_of(y.0.department.as_deref().unwrap_or("")),
                    &y.0.id,
                ))
        }),
        Sort::Confidentiality => {
            rows.sort_by(|x, y| rank(&y.0).cmp(&rank(&x.0)).then(x.0.id.cmp(&y.0.id)))
        }
        Sort::Review => rows.sort_by(|x, y| {
            let key = |(a, v): &(Asset, Visibility)| {
                let date = if *v == Visibility::Full {
                    a.next_review
                } else {
                    None
                };
                (date.is_none(), date, a.id.clone())
            };
            key(x).cmp(&key(y))
        }),
    }
    Ok(Listing {
        org,
        scheme,
        filters,
        rows,
    })
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let Listing {
        org,
        scheme,
        filters,
        rows,
    } = listing(&state, &viewer, raw.as_deref()).await?;
    let policy = org.policy();
    let lang = viewer.lang;
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = filters.page.min(pages);
    let start = (page - 1) * PAGE_SIZE;
    let shown: Vec<AssetRow> = rows
        .iter()
        .skip(start)
        .take(PAGE_SIZE)
        .map(|(a, v)| asset_row(a, *v, &org, lang))
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
    let systems = state.store.systems().await?;
    let page_model = AssetListPage {
        may_create: crate::edit::may_create_in(&policy, &viewer, &org, &systems),
        may_import: policy.may(&viewer.subject, Capability::ImportRegister),
        p: viewer.chrome(&org, "assets"),
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
        export_query: filters.query(),
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

pub async fn export_xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    export(state, viewer, raw, Format::Xlsx).await
}

pub async fn export_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    export(state, viewer, raw, Format::Csv).await
}

/// Exactly what the list shows for the same query (all pages), as a file: hidden assets absent,
/// existence-only assets reduced to what the list shows of them. Every export is audited.
async fn export(
    state: AppState,
    viewer: Viewer,
    raw: Option<String>,
    format: Format,
) -> Result<Response, WebError> {
    // UTF-8 with a byte order mark: Excel opens it, and every character survives (CP932 cannot
    // hold every name, and a failed export would help nobody).
    let encoding = CsvEncoding::Utf8Bom;
    let listing = listing(&state, &viewer, raw.as_deref()).await?;
    let items: Vec<ExportItem> = listing
        .rows
        .iter()
        .map(|(asset, v)| ExportItem {
            asset,
            withheld: *v != Visibility::Full,
        })
        .collect();
    let (bytes, count) =
        mamori_app::register::export_items(&state.store, &items, format, encoding, viewer.lang)
            .await
            .map_err(|e| match e {
                mamori_app::AppError::Store(e) => WebError::Store(e),
                other => WebError::Internal(format!("export: {other}")),
            })?;
    let now = state.now();
    let (extension, content_type, format_id) = match format {
        Format::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Csv => ("csv", "text/csv; charset=utf-8", "csv"),
    };
    state
        .store
        .record_register_export(
            format_id,
            &listing.filters.query(),
            count,
            &viewer.actor(),
            &now.timestamp(),
        )
        .await?;
    let date = now.today_in_japan().format("%Y%m%d").to_string();
    let disposition = content_disposition(
        &format!(
            "{}_{date}.{extension}",
            viewer.lang.pick("情報資産台帳", "asset-register")
        ),
        &format!("asset-register_{date}.{extension}"),
    );
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition)
                .map_err(|e| WebError::Internal(format!("content-disposition: {e}")))?,
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((headers, bytes).into_response())
}

/// `attachment` with an ASCII fallback name and the real (Japanese) name per RFC 5987/6266.
pub fn content_disposition(name: &str, ascii_fallback: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        // RFC 5987 attr-char.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let fallback: String = ascii_fallback
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_has_ascii_fallback_and_utf8_name() {
        assert_eq!(
            super::content_disposition("台帳 1.csv", "register-1.csv"),
            "attachment; filename=\"register-1.csv\"; filename*=UTF-8''%E5%8F%B0%E5%B8%B3%201.csv"
        );
    }
}
