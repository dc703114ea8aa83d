//! Dashboard, findings, audit log and organisation pages.

use crate::assets::{VisibleAssets, visible_assets};
use crate::render::{
    AccountRow, AuditFilterView, AuditPage, AuditRow, DashboardPage, DepartmentRow, FindingRow,
    FindingsPage, MatrixRow, Opt, OrgPage, PolicyDueRow, StaffRow, html,
};
use crate::session::{OrgView, Viewer};
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeDelta};
use mamori_core::access::{Capability, Visibility};
use mamori_core::compliance::{RuleContext, evaluate};
use mamori_core::org::RoleScope;
use mamori_core::{AssetStatus, Lang, Zone};
use mamori_store::{AuditEntry, AuditQuery, AuditVerdict};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

fn audit_row(e: AuditEntry) -> AuditRow {
    let change: String = e.after.as_deref().unwrap_or("").chars().take(160).collect();
    AuditRow {
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        entity: e.entity,
        entity_id: e.entity_id,
        change,
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    let organisation = state.store.organisation().await?;
    let scheme = &organisation.scheme;
    let policy = org.policy();
    let lang = viewer.lang;
    let visible = visible_assets(&state, &viewer.subject).await?;
    let now = state.now();
    let today = now.today_in_japan();
    let due_by = today + TimeDelta::days(30);

    // Counted over assets the person may see in full: the zone of an existence-only asset is
    // part of what is withheld from them.
    let mut zones: Vec<Option<Zone>> = Zone::ALL.into_iter().map(Some).collect();
    zones.push(None);
    let mut levels: Vec<Option<String>> = scheme
        .confidentiality
        .levels
        .iter()
        .rev()
        .map(|l| Some(l.code.clone()))
        .collect();
    levels.push(None);
    let mut counts: HashMap<(Option<String>, Option<Zone>), usize> = HashMap::new();
    let (mut full, mut existence_only, mut reviews_due) = (0, 0, 0);
    for (asset, vis) in visible.iter() {
        if vis != Visibility::Full {
            existence_only += 1;
            continue;
        }
        full += 1;
        let code = asset
            .classification
            .confidentiality
            .as_deref()
            .and_then(|c| scheme.confidentiality.level(c))
            .map(|l| l.code.clone());
        *counts.entry((code, asset.zone)).or_default() += 1;
        if asset.status == AssetStatus::InUse && asset.next_review.is_some_and(|d| d <= due_by) {
            reviews_due += 1;
        }
    }
    let matrix = levels
        .iter()
        .map(|level| {
            let row: Vec<usize> = zones
                .iter()
                .map(|z| counts.get(&(level.clone(), *z)).copied().unwrap_or(0))
                .collect();
            MatrixRow {
                label: match level {
                    Some(code) => format!("{}{code}", lang.pick("機密性", "C")),
                    None => lang.pick("未分類", "Unclassified").to_string(),
                },
                total: row.iter().sum(),
                counts: row,
            }
        })
        .collect();
    let zone_heads = zones
        .iter()
        .map(|z| match z {
            Some(z) => z.label(lang).to_string(),
            None => lang.pick("未設定", "None").to_string(),
        })
        .collect();
    let findings = if policy.may(&viewer.subject, Capability::ViewFindings) {
        Some(visible_findings(&state, &visible, now).await?.len())
    } else {
        None
    };
    let recent = if policy.may(&viewer.subject, Capability::ViewAuditLog) {
        Some(
            state
                .store
                .audit_entries(10, None)
                .await?
                .into_iter()
                .map(audit_row)
                .collect(),
        )
    } else {
        None
    };
    // Policy documents (that the person may read) whose review is overdue or due within 30 days.
    let policy_due = crate::policy_docs::due_for_review(&state, &policy, &viewer, today, 30)
        .await?
        .into_iter()
        .map(|d| PolicyDueRow {
            id: d.id,
            title: d.title,
            due: d.due.format("%Y-%m-%d").to_string(),
            overdue: d.overdue,
        })
        .collect();
    let risk_map = if policy.may(&viewer.subject, Capability::ViewRisks) {
        crate::risks::heat_map(&state.store.risks().await?, false, lang)
    } else {
        None
    };
    let page = DashboardPage {
        p: viewer.chrome(&org, "dashboard"),
        policy_due,
        risk_map,
        org_name: organisation.name,
        zone_heads,
        matrix,
        full_count: full,
        existence_only,
        findings,
        reviews_due,
        recent,
    };
    Ok(html(&page)?.into_response())
}

/// Findings on assets the person may see in full, by the same rules as `mamori check`
/// (`mamori_app::check`), evaluated over the rows already loaded. A finding about an existence-only
/// asset would disclose what is withheld (its zone, its services), so those are left out.
pub(crate) async fn visible_findings(
    state: &AppState,
    visible: &VisibleAssets,
    now: mamori_app::Now,
) -> Result<Vec<mamori_core::compliance::Finding>, WebError> {
    let scheme = state.store.organisation().await?.scheme;
    let systems = state.store.systems().await?;
    let ctx = RuleContext::new(&scheme, now.today_in_japan(), &systems);
    Ok(evaluate(
        visible
            .iter()
            .filter(|(_, v)| *v == Visibility::Full)
            .map(|(a, _)| a),
        &ctx,
    ))
}

#[derive(serde::Deserialize, Default)]
pub struct FindingsQuery {
    page: Option<usize>,
}

/// Findings per page.
const FINDINGS_PAGE: usize = 100;

pub async fn findings(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let query: FindingsQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let org = OrgView::load(&state).await?;
    let policy = org.policy();
    if !policy.may(&viewer.subject, Capability::ViewFindings) {
        return Err(WebError::Forbidden);
    }
    let visible = visible_assets(&state, &viewer.subject).await?;
    let lang = viewer.lang;
    let all = visible_findings(&state, &visible, state.now()).await?;
    let mut by_rule: Vec<(String, String, usize)> = Vec::new();
    for f in &all {
        let citation = match lang {
            Lang::Ja => f.citation.to_string(),
            Lang::En => f.citation.english(),
        };
        match by_rule.iter_mut().find(|(_, t, _)| t == f.title.get(lang)) {
            Some(entry) => entry.2 += 1,
            None => by_rule.push((citation, f.title.get(lang).to_string(), 1)),
        }
    }
    let total = all.len();
    let pages = total.div_ceil(FINDINGS_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = all
        .into_iter()
        .skip((page - 1) * FINDINGS_PAGE)
        .take(FINDINGS_PAGE)
        .map(|f| FindingRow {
            citation: match lang {
                Lang::Ja => f.citation.to_string(),
                Lang::En => f.citation.english(),
            },
            title: f.title.get(lang).to_string(),
            asset_id: f.asset_id,
            asset_name: f.asset_name,
            detail: f.detail.get(lang).to_string(),
        })
        .collect();
    let page = FindingsPage {
        p: viewer.chrome(&org, "findings"),
        rows,
        by_rule,
        total,
        page,
        pages,
        prev_link: (page > 1).then(|| format!("/findings?page={}", page - 1)),
        next_link: (page < pages).then(|| format!("/findings?page={}", page + 1)),
    };
    Ok(html(&page)?.into_response())
}

/// The audit log filter as it arrives in the query string; empty fields mean "any".
#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<i64>,
}

impl AuditFilter {
    fn query(&self) -> Result<AuditQuery, WebError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let date = |s: &str| -> Result<Option<NaiveDate>, WebError> {
            opt(s)
                .map(|d| {
                    NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|_| WebError::BadRequest(format!("date {d:?}")))
                })
                .transpose()
        };
        Ok(AuditQuery {
            actor: opt(&self.actor),
            action: opt(&self.action),
            entity: opt(&self.entity),
            entity_id: opt(&self.id),
            from: date(&self.from)?,
            until: date(&self.to)?,
            before: self.before,
            limit: AUDIT_PAGE_SIZE,
        })
    }

    /// The same filter as a query string, starting before `before` when given.
    fn link(&self, before: Option<i64>) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("entity", &self.entity),
            ("id", &self.id),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
        if let Some(b) = before {
            pairs.push(("before", b.to_string()));
        }
        format!(
            "/audit?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

const AUDIT_PAGE_SIZE: i64 = 100;

async fn audit_page(
    state: &AppState,
    viewer: &Viewer,
    filter: &AuditFilter,
    verdict: Option<(bool, String)>,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewAuditLog) {
        return Err(WebError::Forbidden);
    }
    let query = filter.query()?;
    let entries = state.store.search_audit(&query).await?;
    let older_link = (entries.len() as i64 == AUDIT_PAGE_SIZE)
        .then(|| entries.last().map(|e| filter.link(Some(e.seq))))
        .flatten();
    let newest_link = filter.before.map(|_| filter.link(None));
    let (actions, entities) = state.store.audit_vocabulary().await?;
    let choices = |values: Vec<String>, selected: &str| -> Vec<Opt> {
        values
            .into_iter()
            .map(|v| Opt {
                selected: v == selected.trim(),
                label: v.clone(),
                value: v,
            })
            .collect()
    };
    let page = AuditPage {
        p: viewer.chrome(&org, "audit"),
        rows: entries.into_iter().map(audit_row).collect(),
        verdict,
        actions: choices(actions, &filter.action),
        entities: choices(entities, &filter.entity),
        filter: AuditFilterView {
            actor: filter.actor.trim().to_string(),
            id: filter.id.trim().to_string(),
            from: filter.from.trim().to_string(),
            to: filter.to.trim().to_string(),
        },
        older_link,
        newest_link,
    };
    Ok(html(&page)?.into_response())
}

pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let filter: AuditFilter = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    audit_page(&state, &viewer, &filter, None).await
}

pub async fn verify_audit(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let _: Vec<(String, String)> = viewer.form(&body)?;
    let org = OrgView::load(&state).await?;
    if !org.policy().may(&viewer.subject, Capability::ViewAuditLog) {
        return Err(WebError::Forbidden);
    }
    let verdict = state.store.verify_audit().await?;
    let intact = matches!(verdict, AuditVerdict::Intact { .. });
    audit_page(
        &state,
        &viewer,
        &AuditFilter::default(),
        Some((intact, verdict.message(viewer.lang))),
    )
    .await
}

pub async fn organisation(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    let org = OrgView::load(&state).await?;
    if !org
        .policy()
        .may(&viewer.subject, Capability::ViewOrganisation)
    {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let organisation = state.store.organisation().await?;
    let staff = state.store.staff().await?;
    let assignments = state.store.role_assignments().await?;
    let systems = state.store.systems().await?;
    let scope_label = |scope: &RoleScope| match scope {
        RoleScope::Organisation => lang.pick("組織全体", "whole organisation").to_string(),
        RoleScope::Department(code) => org.name_of(code).to_string(),
        RoleScope::System(code) => systems
            .iter()
            .find(|s| &s.code == code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| code.clone()),
    };
    let mut roles_of: HashMap<&str, Vec<String>> = HashMap::new();
    for a in &assignments {
        roles_of.entry(a.staff.as_str()).or_default().push(format!(
            "{}（{}）",
            a.role.label(lang),
            scope_label(&a.scope)
        ));
    }
    // Appointments grouped by role (in the order of 第5条) and person.
    let mut by_role: BTreeMap<(mamori_core::Role, &str), Vec<String>> = BTreeMap::new();
    for a in &assignments {
        by_role
            .entry((a.role, a.staff.as_str()))
            .or_default()
            .push(scope_label(&a.scope));
    }
    let name_of_staff = |id: &str| {
        staff
            .iter()
            .find(|s| s.id == id)
            .map(|s| format!("{} ({id})", s.name))
            .unwrap_or_else(|| id.to_string())
    };
    let role_holders = by_role
        .into_iter()
        .map(|((role, id), scopes)| {
            (
                format!("{} {}", role.label(lang), role.citation()),
                name_of_staff(id),
                scopes,
            )
        })
        .collect();
    // Departments in tree order (parents before children), indented by depth.
    let mut departments = Vec::new();
    let mut stack: Vec<(usize, &mamori_core::Department)> = org
        .departments
        .iter()
        .filter(|d| d.parent.is_none())
        .rev()
        .map(|d| (0, d))
        .collect();
    while let Some((depth, d)) = stack.pop() {
        if departments.len() > org.departments.len() {
            break;
        }
        departments.push(DepartmentRow {
            depth_pad: "\u{3000}".repeat(depth),
            code: d.code.clone(),
            name: d.name.clone(),
            kind: d.kind.label(lang).to_string(),
            staff: staff
                .iter()
                .filter(|s| s.department == d.code && s.active)
                .map(|s| StaffRow {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    roles: roles_of.get(s.id.as_str()).cloned().unwrap_or_default(),
                })
                .collect(),
        });
        let children: Vec<&mamori_core::Department> = org
            .departments
            .iter()
            .filter(|c| c.parent.as_deref() == Some(d.code.as_str()))
            .collect();
        for c in children.into_iter().rev() {
            stack.push((depth + 1, c));
        }
    }
    let accounts = if org.policy().may(&viewer.subject, Capability::ViewAccounts) {
        Some(account_rows(&state, &org, &staff, lang).await?)
    } else {
        None
    };
    let page = OrgPage {
        p: viewer.chrome(&org, "org"),
        org_name: organisation.name,
        departments,
        role_holders,
        accounts,
    };
    Ok(html(&page)?.into_response())
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// The user accounts with their state: disabled, locked until when, MFA registered or not.
async fn account_rows(
    state: &AppState,
    org: &OrgView,
    staff: &[mamori_core::Staff],
    lang: Lang,
) -> Result<Vec<AccountRow>, WebError> {
    let now = state.clock.now();
    let enrolled_logins = state.store.confirmed_mfa_logins().await?;
    let mut rows = Vec::new();
    for user in state.store.users().await? {
        let person = staff.iter().find(|s| s.id == user.staff);
        let locked_until = user
            .locked_until
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .filter(|t| *t > now);
        let status = if user.disabled {
            lang.pick("無効", "disabled").to_string()
        } else if let Some(t) = locked_until {
            format!(
                "{}（{} UTC）",
                lang.pick("ロック中", "locked until"),
                t.format("%Y-%m-%d %H:%M")
            )
        } else {
            lang.pick("有効", "active").to_string()
        };
        let enrolled = enrolled_logins.contains(&user.login);
        rows.push(AccountRow {
            staff: person.map(|p| p.name.clone()).unwrap_or_default(),
            department: person
                .map(|p| org.name_of(&p.department).to_string())
                .unwrap_or_default(),
            status,
            mfa: if enrolled {
                lang.pick("登録済み", "registered")
            } else {
                lang.pick("未登録", "not registered")
            }
            .to_string(),
            password_changed: user.password_changed_at.chars().take(10).collect(),
            login: user.login,
        });
    }
    Ok(rows)
}
