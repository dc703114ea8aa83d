//! The pages of multi-factor authentication: the code page of a sign-in (`/login/mfa`) and the
//! enrolment page (`/account/mfa`), which is all a person who must enrol can open.

use crate::accounts::{self, AccountError, lang_of};
use crate::mfa;
use crate::render::{Chrome, EnrolmentView, MfaCodePage, MfaPage, html};
use crate::session::{
    Enrolling, OrgView, SESSION_COOKIE, Viewer, check_token, cookie, header_value, set_cookie,
};
use crate::totp;
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_store::{SessionRecord, UserAccount};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// The session waiting for a code, or where to send the browser instead.
async fn pending_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Result<(String, SessionRecord, UserAccount), Response>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Err(Redirect::to("/login").into_response()));
    };
    match accounts::resolve_session(&state.store, token, state.now()).await? {
        None => Ok(Err(Redirect::to("/login").into_response())),
        Some((session, _)) if !session.mfa_pending => Ok(Err(Redirect::to("/").into_response())),
        Some((session, user)) => Ok(Ok((token.to_string(), session, user))),
    }
}

fn code_page(
    status: StatusCode,
    user: &UserAccount,
    csrf: &str,
    message: Option<String>,
    locked: bool,
) -> Result<Response, WebError> {
    let page = MfaCodePage {
        p: Chrome::signed_out(lang_of(&user.lang)),
        csrf: csrf.to_string(),
        message,
        locked,
    };
    Ok((status, html(&page)?).into_response())
}

pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    match pending_session(&state, &headers).await? {
        Err(elsewhere) => Ok(elsewhere),
        Ok((_, session, user)) => {
            code_page(StatusCode::OK, &user, &session.csrf_secret, None, false)
        }
    }
}

pub async fn submit_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (token, session, user) = match pending_session(&state, &headers).await? {
        Err(elsewhere) => return Ok(elsewhere),
        Ok(found) => found,
    };
    check_token(&body, &session.csrf_secret)?;
    let form: CodeForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let lang = lang_of(&user.lang);
    match mfa::second_factor(&state.store, &user.login, &token, &form.code, state.now()).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e @ AccountError::Locked { .. }) => {
            // The store ended the waiting session; the cookie goes too.
            let mut response = code_page(
                StatusCode::UNAUTHORIZED,
                &user,
                "",
                Some(e.message(lang)),
                true,
            )?;
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
        Err(e) => code_page(
            StatusCode::UNAUTHORIZED,
            &user,
            &session.csrf_secret,
            Some(e.message(lang)),
            false,
        ),
    }
}

struct PageState {
    status: StatusCode,
    recovery_codes: Vec<String>,
    message: Option<String>,
    error: Option<String>,
}

/// The enrolment page in whatever state the account is: enrolled, or waiting for its first code
/// (a secret is made on first view and kept across reloads).
async fn enrolment_page(
    state: &AppState,
    viewer: &Viewer,
    shown: PageState,
) -> Result<Response, WebError> {
    let org = OrgView::load(state).await?;
    let organisation = state.store.organisation().await?;
    let enrolled = mfa::is_enrolled(&state.store, &viewer.login)
        .await
        .map_err(account_error)?;
    let enrolment = if enrolled {
        None
    } else {
        mfa::pending_enrolment(
            &state.store,
            &viewer.login,
            &organisation.name,
            state.now(),
            &mut state.rng(),
        )
        .await
        .map_err(account_error)?
        .map(|e| EnrolmentView {
            qr_data_url: e.qr_data_url,
            key: totp::grouped(&e.secret),
        })
    };
    let unused_codes = if enrolled {
        state.store.unused_recovery_codes(&viewer.login).await?
    } else {
        0
    };
    let mut p = viewer.chrome(&org, "account");
    // Right after enrolment (recovery codes on screen) the navigation opens again.
    p.confined = viewer.mfa_required && !enrolled;
    let page = MfaPage {
        p,
        required: viewer.mfa_required,
        enrolled,
        enrolment,
        recovery_codes: shown.recovery_codes,
        unused_codes,
        message: shown.message,
        error: shown.error,
    };
    Ok((shown.status, html(&page)?).into_response())
}

fn account_error(e: AccountError) -> WebError {
    match e {
        AccountError::Store(e) => e.into(),
        other => WebError::Internal(other.to_string()),
    }
}

pub async fn page(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
) -> Result<Response, WebError> {
    enrolment_page(
        &state,
        &viewer,
        PageState {
            status: StatusCode::OK,
            recovery_codes: Vec::new(),
            message: None,
            error: None,
        },
    )
    .await
}

pub async fn confirm(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: CodeForm = viewer.form(&body)?;
    let lang = viewer.lang;
    let shown = match mfa::confirm_enrolment(
        &state.store,
        &viewer.login,
        &form.code,
        state.now(),
        &mut state.rng(),
    )
    .await
    {
        Ok(codes) => PageState {
            status: StatusCode::OK,
            recovery_codes: codes,
            message: Some(
                lang.pick(
                    "認証アプリを登録しました。次回からログインのたびに確認コードを入力します。",
                    "Your authenticator app is registered. From now on every sign-in asks for its code.",
                )
                .to_string(),
            ),
            error: None,
        },
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(_) => PageState {
            status: StatusCode::BAD_REQUEST,
            recovery_codes: Vec::new(),
            message: None,
            error: Some(
                lang.pick(
                    "確認コードが正しくありません。アプリに表示されている最新の6桁を入力してください（スマートフォンの時刻が正しいことも確かめてください）。登録はまだ完了していません。",
                    "The code is incorrect. Enter the newest 6 digits the app shows (and check that the phone's clock is right). Registration is not finished yet.",
                )
                .to_string(),
            ),
        },
    };
    enrolment_page(&state, &viewer, shown).await
}

pub async fn disable(
    State(state): State<AppState>,
    Enrolling(viewer): Enrolling,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: CodeForm = viewer.form(&body)?;
    let lang = viewer.lang;
    let shown = match mfa::disable_own(&state.store, &viewer.login, &form.code, state.now()).await {
        Ok(()) => PageState {
            status: StatusCode::OK,
            recovery_codes: Vec::new(),
            message: Some(
                lang.pick(
                    "多要素認証の登録を解除しました。",
                    "Multi-factor authentication was turned off.",
                )
                .to_string(),
            ),
            error: None,
        },
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(e) => PageState {
            status: StatusCode::BAD_REQUEST,
            recovery_codes: Vec::new(),
            message: None,
            error: Some(e.message(lang)),
        },
    };
    // After turning it off, someone who must use MFA sees a fresh enrolment on the same page
    // (enrolment_page reads the enrolment itself).
    enrolment_page(&state, &viewer, shown).await
}
