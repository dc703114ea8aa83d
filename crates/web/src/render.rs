//! Page models for the askama templates. Templates only show what is here; every permission was
//! decided by the handler through the policy before a value was put in.

use crate::WebError;
use askama::Template;
use axum::response::Html;
use mamori_core::Lang;

/// What every page's frame needs.
pub struct Chrome {
    pub lang: Lang,
    pub signed_in: bool,
    /// Signed in but confined to MFA enrolment: no navigation to pages that would refuse.
    pub confined: bool,
    pub staff_name: String,
    pub login: String,
    pub csrf: String,
    pub may_view_audit: bool,
    pub may_view_network: bool,
    pub may_manage_settings: bool,
    pub may_view_risks: bool,
    pub may_view_reviews: bool,
    /// Which navigation entry is the current page.
    pub current: &'static str,
}

impl Chrome {
    pub fn signed_out(lang: Lang) -> Chrome {
        Chrome {
            lang,
            signed_in: false,
            confined: false,
            staff_name: String::new(),
            login: String::new(),
            csrf: String::new(),
            may_view_audit: false,
            may_view_network: false,
            may_manage_settings: false,
            may_view_risks: false,
            may_view_reviews: false,
            current: "",
        }
    }

    /// The text for the page's language.
    pub fn t(&self, ja: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(ja, en)
    }

    pub fn lang_attr(&self) -> &'static str {
        self.lang.pick("ja", "en")
    }

    pub fn is(&self, name: &str) -> bool {
        self.current == name
    }
}

pub fn html<T: Template>(page: &T) -> Result<Html<String>, WebError> {
    page.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// One choice in a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title_ja: &'static str,
    pub body_ja: &'static str,
    pub title_en: &'static str,
    pub body_en: &'static str,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub p: Chrome,
    pub csrf: String,
    pub login: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub p: Chrome,
    pub mfa_enrolled: bool,
    pub mfa_required: bool,
    pub message: Option<String>,
    pub error: Option<String>,
    /// A token just created: shown this once.
    pub new_token: Option<String>,
    pub tokens: Vec<TokenRow>,
}

#[derive(Template)]
#[template(path = "mfa_code.html")]
pub struct MfaCodePage {
    pub p: Chrome,
    pub csrf: String,
    pub message: Option<String>,
    /// The account was locked: no form, only the way back to sign-in.
    pub locked: bool,
}

/// What an enrolment waiting for its first code shows.
pub struct EnrolmentView {
    pub qr_data_url: String,
    /// The key in groups of four.
    pub key: String,
}

#[derive(Template)]
#[template(path = "mfa.html")]
pub struct MfaPage {
    pub p: Chrome,
    pub required: bool,
    pub enrolled: bool,
    pub enrolment: Option<EnrolmentView>,
    /// Shown once, right after enrolment.
    pub recovery_codes: Vec<String>,
    pub unused_codes: i64,
    pub message: Option<String>,
    pub error: Option<String>,
}

/// One of the person's own API tokens (never the token itself).
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used: String,
}

pub struct MatrixRow {
    pub label: String,
    pub counts: Vec<usize>,
    pub total: usize,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub change: String,
}

/// A policy document whose review is due, for the dashboard.
pub struct PolicyDueRow {
    pub id: String,
    pub title: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub p: Chrome,
    pub policy_due: Vec<PolicyDueRow>,
    /// The risk heat map, for those who may see risks.
    pub risk_map: Option<crate::risks::HeatMap>,
    pub org_name: String,
    pub zone_heads: Vec<String>,
    pub matrix: Vec<MatrixRow>,
    pub full_count: usize,
    pub existence_only: usize,
    /// `None` when the person may not see findings.
    pub findings: Option<usize>,
    pub reviews_due: usize,
    pub recent: Option<Vec<AuditRow>>,
}

pub struct AssetRow {
    pub id: String,
    /// `None` when only the asset's existence may be shown.
    pub name: Option<String>,
    pub kind: String,
    pub department: String,
    pub zone: String,
    pub c: String,
    pub i: String,
    pub a: String,
    pub status: String,
    pub review: String,
}

#[derive(Template)]
#[template(path = "assets.html")]
pub struct AssetListPage {
    pub p: Chrome,
    pub may_create: bool,
    pub may_import: bool,
    pub rows: Vec<AssetRow>,
    pub total: usize,
    pub first: usize,
    pub last: usize,
    pub page: usize,
    pub pages: usize,
    pub q: String,
    pub departments: Vec<Opt>,
    pub zones: Vec<Opt>,
    pub confidentiality: Vec<Opt>,
    pub integrity: Vec<Opt>,
    pub availability: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub sorts: Vec<Opt>,
    /// The list's filters and order as a query string, for the export links.
    pub export_query: String,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

#[derive(Template)]
#[template(path = "asset.html")]
pub struct AssetPage {
    pub p: Chrome,
    pub id: String,
    /// (label, value) pairs in register order.
    pub fields: Vec<(String, String)>,
    pub audited: bool,
    pub may_edit: bool,
    pub disposed: bool,
    pub history: Vec<AuditRow>,
}

#[derive(Template)]
#[template(path = "asset_restricted.html")]
pub struct AssetRestrictedPage {
    pub p: Chrome,
    pub id: String,
    pub kind: String,
    pub department: String,
    pub classification: String,
}

pub struct FindingRow {
    pub citation: String,
    pub title: String,
    pub asset_id: String,
    pub asset_name: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "findings.html")]
pub struct FindingsPage {
    pub p: Chrome,
    pub rows: Vec<FindingRow>,
    /// (provision, rule title, number of findings)
    pub by_rule: Vec<(String, String, usize)>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub p: Chrome,
    pub rows: Vec<AuditRow>,
    /// The result of "verify the chain", when it was asked for: (intact, message).
    pub verdict: Option<(bool, String)>,
    pub filter: AuditFilterView,
    pub actions: Vec<Opt>,
    pub entities: Vec<Opt>,
    /// The next (older) page of the same filter.
    pub older_link: Option<String>,
    pub newest_link: Option<String>,
}

/// The audit log filter as the form shows it.
#[derive(Default)]
pub struct AuditFilterView {
    pub actor: String,
    pub id: String,
    pub from: String,
    pub to: String,
}

pub struct DepartmentRow {
    pub depth_pad: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub staff: Vec<StaffRow>,
}

pub struct StaffRow {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "org.html")]
pub struct OrgPage {
    pub p: Chrome,
    pub org_name: String,
    pub departments: Vec<DepartmentRow>,
    pub role_holders: Vec<(String, String, Vec<String>)>,
    /// The user accounts, for those the policy lets see them.
    pub accounts: Option<Vec<AccountRow>>,
}

/// One user account as the organisation page lists it (never its secrets).
pub struct AccountRow {
    pub login: String,
    pub staff: String,
    pub department: String,
    pub status: String,
    pub mfa: String,
    pub password_changed: String,
}

/// One input of the asset form.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `select`, `checkbox`, `date` or `textarea`.
    pub input: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<Opt>,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "asset_form.html")]
pub struct AssetFormPage {
    pub p: Chrome,
    /// `None` when creating.
    pub id: Option<String>,
    pub action: String,
    pub fields: Vec<FormField>,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "network.html")]
pub struct NetworkPage {
    pub p: Chrome,
    pub may_verify: bool,
    /// (id, checked at, actor, inventory, verdict label, verdict class)
    pub evidence: Vec<(i64, String, String, String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "network_report.html")]
pub struct NetworkReportPage {
    pub p: Chrome,
    pub inventory: String,
    pub verdict: String,
    pub verdict_class: &'static str,
    pub report: String,
    pub evidence_id: Option<i64>,
    pub checked_at: String,
}

/// One row of an import preview.
pub struct PreviewRowView {
    pub row: usize,
    pub id: String,
    pub name: String,
    pub department: String,
}

/// What a valid file would do, waiting for "取り込む".
pub struct ImportPreview {
    /// The random ID the upload waits under.
    pub upload: String,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The three counts in one sentence.
    pub summary: String,
    /// (title, the first rows) for new, updated and unchanged rows.
    pub sections: Vec<(&'static str, Vec<PreviewRowView>)>,
    pub ignored_columns: String,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub p: Chrome,
    pub limit_mb: usize,
    /// A problem with the file as a whole (not xlsx, empty, unreadable, no header …).
    pub error: Option<String>,
    pub file_name: Option<String>,
    pub error_summary: Option<String>,
    /// (row, column, reason)
    pub row_errors: Vec<(usize, String, String)>,
    pub more_errors: usize,
    pub preview: Option<ImportPreview>,
    /// After writing: what was done.
    pub done: Option<String>,
}

/// One text of a scheme level, in both languages.
pub struct TextInput {
    pub field: &'static str,
    pub label: &'static str,
    pub ja: String,
    pub en: String,
    /// A textarea rather than a one-line input.
    pub long: bool,
}

/// One level of a scale: its locked code and grade, and its editable texts.
pub struct LevelView {
    /// The form-field prefix, e.g. `c-3`.
    pub key: String,
    pub code: String,
    pub grade: u8,
    pub texts: Vec<TextInput>,
}

pub struct SchemeDimensionView {
    pub title: String,
    /// Highest level first.
    pub levels: Vec<LevelView>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub p: Chrome,
    pub name: String,
    pub models: Vec<Opt>,
    pub scheme_name: String,
    pub dimensions: Vec<SchemeDimensionView>,
    pub errors: Vec<String>,
    pub saved: bool,
}
