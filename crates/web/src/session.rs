//! Who is signed in: the session cookie, the signed-in person as a policy `Subject`, CSRF checks,
//! and the sign-in, sign-out and account pages.

use crate::accounts::{self, AccountError, SignInFailure, lang_id, lang_of};
use crate::render::{AccountPage, Chrome, LoginPage, TokenRow, html};
use crate::tokens;
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_core::access::{Capability, Policy, Subject};
use mamori_core::org::DepartmentTree;
use mamori_core::{Department, Lang};
use mamori_store::StoreError;
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "mamori_session";
/// Pre-session token for the sign-in form (login CSRF), scoped to /login.
pub const LOGIN_COOKIE: &str = "mamori_login";
/// Language of the signed-out pages.
pub const LANG_COOKIE: &str = "mamori_lang";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub(crate) fn header_value(s: &str) -> Result<HeaderValue, WebError> {
    HeaderValue::from_str(s).map_err(|e| WebError::Internal(format!("header value: {e}")))
}

/// The organisation's departments, for building a [`Policy`].
#[derive(Clone)]
pub struct OrgView {
    pub departments: Vec<Department>,
    pub tree: DepartmentTree,
    /// Who may open 実施手順, when the organisation has decided (else the policy's default).
    pub procedure_readers: Option<Vec<mamori_core::Role>>,
}

impl OrgView {
    /// The organisation as of the current snapshot (`world`): no query beyond the snapshot's own
    /// check of the audit-chain position, which every change to departments or readers moves.
    pub async fn load(state: &AppState) -> Result<OrgView, WebError> {
        Ok(state.world().await?.org.clone())
    }

    /// Read from the store; only the snapshot loader calls this.
    pub(crate) async fn read(state: &AppState) -> Result<OrgView, WebError> {
        let departments = state.store.departments().await?;
        let tree = DepartmentTree::new(&departments);
        let procedure_readers = state.store.procedure_readers().await?;
        Ok(OrgView {
            departments,
            tree,
            procedure_readers,
        })
    }

    pub fn policy(&self) -> Policy<'_> {
        let policy = Policy::new(&self.tree, &self.departments);
        match &self.procedure_readers {
            Some(roles) => policy.with_procedure_readers(roles),
            None => policy,
        }
    }

    pub fn name_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.as_str())
            .unwrap_or(code)
    }
}

/// The signed-in person. Extracting it from a request without a valid session redirects to sign-in.
pub struct Viewer {
    pub login: String,
    pub staff_name: String,
    pub subject: Subject,
    pub lang: Lang,
    pub csrf: String,
    pub token_hash: String,
    /// The policy requires this person to use multi-factor authentication.
    pub mfa_required: bool,
    /// TOTP is enrolled and confirmed.
    pub mfa_enrolled: bool,
}

impl Viewer {
    /// How the audit log names this person's actions.
    pub fn actor(&self) -> String {
        format!("web:{}", self.login)
    }

    /// Required to use MFA but not enrolled: only the enrolment page and sign-out are open.
    pub fn confined(&self) -> bool {
        self.mfa_required && !self.mfa_enrolled
    }

    pub fn chrome(&self, org: &OrgView, current: &'static str) -> Chrome {
        Chrome {
            confined: self.confined(),
            lang: self.lang,
            signed_in: true,
            staff_name: self.staff_name.clone(),
            login: self.login.clone(),
            csrf: self.csrf.clone(),
            may_view_audit: org.policy().may(&self.subject, Capability::ViewAuditLog),
            may_view_network: org
                .policy()
                .may(&self.subject, Capability::ViewNetworkEvidence),
            may_manage_settings: org.policy().may(&self.subject, Capability::ManageSettings),
            may_view_risks: org.policy().may(&self.subject, Capability::ViewRisks),
            may_view_reviews: org.policy().may(&self.subject, Capability::ViewReviews),
            current,
        }
    }

    /// Parse a POSTed form after checking its synchronizer token against this session.
    pub fn form<T: DeserializeOwned>(&self, body: &Bytes) -> Result<T, WebError> {
        check_token(body, &self.csrf)?;
        serde_urlencoded::from_bytes(body).map_err(|e| WebError::BadRequest(e.to_string()))
    }
}

/// A synchronizer token that arrived outside a urlencoded form (e.g. in a multipart upload).
pub(crate) fn check_token_value(sent: &str, expected: &str) -> Result<(), WebError> {
    if expected.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(WebError::Csrf);
    }
    Ok(())
}

/// The `csrf` field of a form must equal `expected` (compared in constant time).
pub(crate) fn check_token(body: &Bytes, expected: &str) -> Result<(), WebError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| WebError::Csrf)?;
    let sent = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .ok_or(WebError::Csrf)?;
    if expected.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(WebError::Csrf);
    }
    Ok(())
}

/// The signed-in person behind the request's session cookie, confined or not.
async fn load_viewer(parts: &Parts, state: &AppState) -> Result<Viewer, WebError> {
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::SignInRequired)?;
    let (session, user) = accounts::resolve_session(&state.store, token, state.now())
        .await?
        .ok_or(WebError::SignInRequired)?;
    if session.mfa_pending {
        return Err(WebError::SecondFactorRequired);
    }
    let world = state.world().await?;
    let person = world.person(&user.staff).ok_or(WebError::SignInRequired)?;
    let subject = person.subject;
    let mfa_required = Policy::requires_mfa(&subject);
    let mfa_enrolled = state
        .store
        .mfa(&user.login)
        .await?
        .is_some_and(|m| m.confirmed);
    Ok(Viewer {
        login: user.login,
        staff_name: person.name,
        subject,
        lang: lang_of(&user.lang),
        csrf: session.csrf_secret,
        token_hash: session.token_hash,
        mfa_required,
        mfa_enrolled,
    })
}

/// Every page but enrolment and sign-out: someone who must use MFA and has not enrolled is sent
/// to the enrolment page instead.
impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let viewer = load_viewer(parts, state).await?;
        if viewer.confined() {
            return Err(WebError::MfaEnrolmentRequired);
        }
        Ok(viewer)
    }
}

/// The signed-in person on the pages open before MFA enrolment (enrolment itself, sign-out).
pub struct Enrolling(pub Viewer);

impl FromRequestParts<AppState> for Enrolling {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        load_viewer(parts, state).await.map(Enrolling)
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

pub(crate) fn signed_out_lang(headers: &HeaderMap, query: &LangQuery) -> Lang {
    match query.lang.as_deref().or(cookie(headers, LANG_COOKIE)) {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    }
}

fn random_token(state: &AppState) -> String {
    let mut bytes = [0u8; 32];
    state.rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn login_response(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    token: &str,
    login: &str,
    message: Option<String>,
) -> Result<Response, WebError> {
    let page = LoginPage {
        p: Chrome::signed_out(lang),
        csrf: token.to_string(),
        login: login.to_string(),
        message,
    };
    let mut response = (status, html(&page)?).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        header_value(&set_cookie(
            LOGIN_COOKIE,
            token,
            "/login",
            None,
            state.secure_cookies,
        ))?,
    );
    h.append(
        header::SET_COOKIE,
        header_value(&set_cookie(
            LANG_COOKIE,
            lang_id(lang),
            "/",
            Some(31_536_000),
            state.secure_cookies,
        ))?,
    );
    Ok(response)
}

pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && accounts::resolve_session(&state.store, token, state.now())
            .await?
            .is_some_and(|(session, _)| !session.mfa_pending)
    {
        return Ok(Redirect::to("/").into_response());
    }
    let lang = signed_out_lang(&headers, &query);
    let token = random_token(&state);
    login_response(&state, StatusCode::OK, lang, &token, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("").to_string();
    check_token(&body, &expected)?;
    let form: LoginForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let lang = signed_out_lang(&headers, &LangQuery::default());
    let now = state.now();
    let login = form.login.trim().to_string();
    let failure = match accounts::sign_in(
        &state.store,
        &login,
        &form.password,
        now,
        &mut state.rng(),
    )
    .await
    {
        Ok(signed_in) => {
            let next = if signed_in.session.mfa_pending {
                "/login/mfa"
            } else {
                "/"
            };
            let mut response = Redirect::to(next).into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                header_value(&set_cookie(
                    SESSION_COOKIE,
                    &signed_in.token,
                    "/",
                    None,
                    state.secure_cookies,
                ))?,
            );
            h.append(
                header::SET_COOKIE,
                header_value(&set_cookie(
                    LOGIN_COOKIE,
                    "",
                    "/login",
                    Some(0),
                    state.secure_cookies,
                ))?,
            );
            return Ok(response);
        }
        Err(SignInFailure::Refused(AccountError::Store(e))) => return Err(e.into()),
        Err(SignInFailure::Refused(e)) => e,
        Err(SignInFailure::UnknownLogin) => unknown_login_failure(&state, &login, now.0)?,
    };
    login_response(
        &state,
        StatusCode::UNAUTHORIZED,
        lang,
        &expected,
        &login,
        Some(failure.message(lang)),
    )
}

/// Count a failure for a login that does not exist exactly as for one that does.
fn unknown_login_failure(
    state: &AppState,
    login: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AccountError, WebError> {
    let mut guard = state
        .unknown_logins
        .lock()
        .map_err(|_| WebError::Internal("unknown-login table poisoned".into()))?;
    if guard.attempts.len() > 10_000 {
        guard.attempts.clear();
    }
    let entry = guard.attempts.entry(login.to_string()).or_insert((0, None));
    if let Some(until) = entry.1
        && until > now
    {
        return Ok(AccountError::Locked { until });
    }
    entry.0 += 1;
    if entry.0 >= accounts::MAX_FAILED_LOGINS {
        let until = now + accounts::LOCKOUT;
        *entry = (0, Some(until));
        return Ok(AccountError::Locked { until });
    }
    Ok(AccountError::InvalidCredentials)
}

pub async fn logout(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    check_token(&body, &viewer.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        accounts::sign_out(&state.store, token, state.now()).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        header_value(&set_cookie(
            SESSION_COOKIE,
            "",
            "/",
            Some(0),
            state.secure_cookies,
        ))?,
    );
    Ok(response)
}

pub async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    account_response(&state, &viewer, StatusCode::OK, None, None, None).await
}

/// The account page with the person's own API tokens.
async fn account_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    new_token: Option<String>,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    let never = viewer.lang.pick("未使用", "never");
    let tokens = state
        .store
        .api_tokens(&viewer.login)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created_at: t.created_at.chars().take(19).collect(),
            last_used: t
                .last_used
                .map(|u| u.chars().take(19).collect())
                .unwrap_or_else(|| never.to_string()),
        })
        .collect();
    let page = AccountPage {
        mfa_enrolled: viewer.mfa_enrolled,
        mfa_required: viewer.mfa_required,
        p: viewer.chrome(&org, "account"),
        message,
        error,
        new_token,
        tokens,
    };
    Ok((status, html(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

/// Create a personal API token; the page shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: TokenForm = viewer.form(&body)?;
    match tokens::create_token(
        &state.store,
        &viewer.login,
        &form.name,
        &viewer.actor(),
        state.now(),
        &mut state.rng(),
    )
    .await
    {
        Ok(created) => {
            account_response(
                &state,
                &viewer,
                StatusCode::OK,
                None,
                None,
                Some(created.token),
            )
            .await
        }
        Err(StoreError::Invalid(_)) => {
            let message = viewer.lang.pick(
                "トークンの名前は1〜100文字で付けてください。トークンは作成していません。",
                "Give the token a name of 1 to 100 characters. No token was created.",
            );
            account_response(
                &state,
                &viewer,
                StatusCode::BAD_REQUEST,
                None,
                Some(message.to_string()),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Revoke one of the person's own tokens; anyone else's (or an unknown number) is a 404.
pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let _: Vec<(String, String)> = viewer.form(&body)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    if !state
        .store
        .revoke_api_token(&viewer.login, id, &viewer.actor(), &state.now().timestamp())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/account#tokens").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PasswordForm = viewer.form(&body)?;
    let lang = viewer.lang;
    let result = if form.new_password != form.confirm {
        Err(lang
            .pick(
                "新しいパスワードと確認用の入力が一致しません。パスワードは変更していません。",
                "The new password and its confirmation differ. The password was not changed.",
            )
            .to_string())
    } else {
        match accounts::change_own_password(
            &state.store,
            &viewer.login,
            &form.current,
            &form.new_password,
            &viewer.token_hash,
            state.now(),
            &mut state.rng(),
        )
        .await
        {
            Ok(()) => Ok(()),
            Err(AccountError::Store(e)) => return Err(e.into()),
            Err(e) => Err(e.message(lang)),
        }
    };
    let (status, message, error) = match result {
        Ok(()) => (
            StatusCode::OK,
            Some(
                lang.pick(
                    "パスワードを変更しました。他の端末のログインは終了しました。",
                    "Your password was changed. Sessions on other devices were ended.",
                )
                .to_string(),
            ),
            None,
        ),
        Err(e) => (StatusCode::BAD_REQUEST, None, Some(e)),
    };
    account_response(&state, &viewer, status, message, error, None).await
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
}

pub async fn change_lang(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: LangForm = viewer.form(&body)?;
    let lang = match form.lang.as_str() {
        "ja" => Lang::Ja,
        "en" => Lang::En,
        other => return Err(WebError::BadRequest(format!("language {other}"))),
    };
    state
        .store
        .set_user_lang(
            &viewer.login,
            lang_id(lang),
            &viewer.actor(),
            &state.now().timestamp(),
        )
        .await?;
    Ok(Redirect::to("/account").into_response())
}
