//! Filtering, ordering and paging the register, shared by the /assets page and `GET /api/v1/assets`.
//!
//! Every row passes through `Policy::visibility` first (see `World::visibility`). Hidden assets are
//! never listed, counted or matched; existence-only assets show their ID, kind, department and
//! classification, and only those fields can find or order them (searching or sorting by name,
//! zone, status or review date would disclose what is withheld).
//!
//! The work is done over indices into the in-memory register: nothing is cloned per request, the
//! sort orders are computed once per snapshot, and the matching indices once per person and filter.

use crate::WebError;
use crate::session::OrgView;
use crate::world::World;
use mamori_core::access::Visibility;
use mamori_core::{AssetKind, AssetStatus, Dimension, Lang, Scheme, Zone};
use serde::Deserialize;

/// The query of the list: the same names on the page and in the API.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub dept: String,
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub c: String,
    #[serde(default)]
    pub i: String,
    #[serde(default)]
    pub a: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<usize>,
    /// API only: rows per page (the page shows a fixed number).
    #[serde(default)]
    pub per_page: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sort {
    Id,
    Name,
    Department,
    Confidentiality,
    Review,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Id,
        Sort::Name,
        Sort::Department,
        Sort::Confidentiality,
        Sort::Review,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Name => "name",
            Sort::Department => "dept",
            Sort::Confidentiality => "c",
            Sort::Review => "review",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
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
pub struct Filters {
    pub q: String,
    pub dept: Option<String>,
    pub zone: Option<Zone>,
    pub levels: [Option<String>; 3],
    pub kind: Option<AssetKind>,
    pub status: Option<AssetStatus>,
    pub sort: Sort,
    /// As asked (at least 1); a page past the end is clamped by the page and empty in the API.
    pub page: usize,
}

impl Filters {
    pub fn parse(query: &ListQuery, org: &OrgView, scheme: &Scheme) -> Result<Filters, WebError> {
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

    /// Everything that decides which rows match and in which order (not the page).
    pub(crate) fn cache_key(&self) -> String {
        format!(
            "{}\u{0}{:?}\u{0}{:?}\u{0}{:?}\u{0}{:?}\u{0}{:?}\u{0}{:?}",
            self.q, self.dept, self.zone, self.levels, self.kind, self.status, self.sort
        )
    }

    /// The query string for another page of the same list.
    pub fn link(&self, page: usize) -> String {
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
        pairs.push(("page", page.to_string()));
        format!(
            "/assets?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

/// The matching, not-hidden assets of the register in the order asked for.
pub(crate) fn select(world: &World, visibility: &[Visibility], f: &Filters) -> Vec<u32> {
    let register = &world.register;
    let departments = world.asset_department();
    // Which departments the department filter accepts: the chosen one and everything below it.
    let accepted: Option<Vec<bool>> = f.dept.as_ref().map(|d| {
        world
            .org
            .departments
            .iter()
            .map(|x| world.org.tree.is_within(&x.code, d))
            .collect()
    });
    let q = f.q.to_lowercase();
    let matches = |i: u32| -> bool {
        let i = i as usize;
        let v = visibility[i];
        if v == Visibility::Hidden {
            return false;
        }
        let full = v == Visibility::Full;
        let a = &register.assets[i];
        if let Some(accepted) = &accepted
            && !departments[i].is_some_and(|d| accepted[d as usize])
        {
            return false;
        }
        for (dim, wanted) in Dimension::ALL.iter().zip(&f.levels) {
            if let Some(w) = wanted
                && a.classification.code(*dim) != Some(w.as_str())
            {
                return false;
            }
        }
        if let Some(k) = f.kind
            && a.kind != k
        {
            return false;
        }
        // Zone and status are withheld from existence-only rows, so they cannot match on them.
        if let Some(z) = f.zone
            && !(full && a.zone == Some(z))
        {
            return false;
        }
        if let Some(s) = f.status
            && !(full && a.status == s)
        {
            return false;
        }
        if !q.is_empty() {
            let by_id = register.id_lower[i].contains(&q);
            let by_name = full && register.name_lower[i].contains(&q);
            if !(by_id || by_name) {
                return false;
            }
        }
        true
    };
    let full = |i: &u32| visibility[*i as usize] == Visibility::Full;
    let assets = &register.assets;
    match f.sort {
        Sort::Id | Sort::Department | Sort::Confidentiality => world
            .order(f.sort)
            .iter()
            .copied()
            .filter(|i| matches(*i))
            .collect(),
        // Rows whose name may be seen, by name; then existence-only rows by ID, so that withheld
        // names do not order them.
        Sort::Name => world
            .order(Sort::Name)
            .iter()
            .filter(|i| full(i))
            .chain(world.order(Sort::Id).iter().filter(|i| !full(i)))
            .copied()
            .filter(|i| matches(*i))
            .collect(),
        // Rows with a review date that may be seen, soonest first; then all others by ID.
        Sort::Review => {
            let dated = |i: &u32| full(i) && assets[*i as usize].next_review.is_some();
            world
                .order(Sort::Review)
                .iter()
                .filter(|i| dated(i))
                .chain(world.order(Sort::Id).iter().filter(|i| !dated(i)))
                .copied()
                .filter(|i| matches(*i))
                .collect()
        }
    }
}
