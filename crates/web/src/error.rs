//! The one error type of the web layer. It logs the cause for the operator and shows the person a
//! page in Japanese and English without internals (no SQL, no paths, no stack traces).

use crate::render::ErrorPage;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mamori_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No valid session: send the browser to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// The password was right; the session waits for a TOTP or recovery code.
    #[error("second factor required")]
    SecondFactorRequired,
    /// The policy requires MFA and the person has not enrolled: only enrolment is open.
    #[error("MFA enrolment required")]
    MfaEnrolmentRequired,
    #[error("forbidden")]
    Forbidden,
    /// Unknown, or hidden from this person (which must look the same).
    #[error("not found")]
    NotFound,
    /// A malformed form or query; the detail is logged, not shown.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An upload over the size limit.
    #[error("upload too large")]
    TooLarge,
    /// Missing or wrong synchronizer token on a POST.
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::SignInRequired
            | WebError::SecondFactorRequired
            | WebError::MfaEnrolmentRequired => StatusCode::SEE_OTHER,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Store(StoreError::Locked) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) | WebError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (title, explanation) in Japanese and in English.
    fn texts(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            WebError::SignInRequired
            | WebError::SecondFactorRequired
            | WebError::MfaEnrolmentRequired => (
                "ログインが必要です",
                "ログインしてください。",
                "Sign-in required",
                "Please sign in.",
            ),
            WebError::Forbidden => (
                "権限がありません",
                "このページを表示する権限がありません。必要な場合は所属の情報セキュリティ管理者に相談してください。",
                "Not permitted",
                "You are not permitted to see this page. Ask your information security administrator if you need it.",
            ),
            WebError::NotFound => (
                "見つかりません",
                "指定されたページ又は情報資産は見つかりません。",
                "Not found",
                "The page or information asset was not found.",
            ),
            WebError::BadRequest(_) => (
                "入力が正しくありません",
                "送信された内容を読み取れませんでした。画面から操作し直してください。",
                "Malformed request",
                "The submitted data could not be read. Please go back and try again from the page.",
            ),
            WebError::TooLarge => (
                "ファイルが大きすぎます",
                "送信されたファイルが上限を超えているため受け付けませんでした。何も変更していません。ファイルを分けるか、不要なシートや列を削除してからやり直してください。",
                "The file is too large",
                "The uploaded file exceeds the size limit and was not accepted. Nothing was changed. Split the file or remove unneeded sheets or columns and try again.",
            ),
            WebError::Csrf => (
                "画面の有効期限が切れています",
                "安全のため、この送信は受け付けませんでした（確認用トークンが無いか一致しません）。何も変更していません。画面を開き直してからもう一度操作してください。",
                "The form has expired",
                "For your safety this submission was refused (its verification token was missing or wrong). Nothing was changed. Reload the page and try again.",
            ),
            WebError::Store(StoreError::Locked) => (
                "混み合っています",
                "データベースが他の処理で使用中です。何も変更していません。しばらくしてからやり直してください。",
                "Busy",
                "The database is busy with other work. Nothing was changed. Please try again shortly.",
            ),
            WebError::Internal(_) | WebError::Store(_) => (
                "処理できませんでした",
                "サーバで問題が発生しました。何も変更していない可能性があります。解決しない場合はシステム管理者に連絡してください（詳細はサーバのログにあります）。",
                "Something went wrong",
                "The server could not complete the request. Please contact the system administrator if this persists (details are in the server log).",
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let redirect = match self {
            WebError::SignInRequired => Some("/login"),
            WebError::SecondFactorRequired => Some("/login/mfa"),
            WebError::MfaEnrolmentRequired => Some("/account/mfa"),
            _ => None,
        };
        if let Some(to) = redirect {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)], ()).into_response();
        }
        let status = self.status();
        match &self {
            WebError::Internal(_) | WebError::Store(_) | WebError::BadRequest(_) => {
                eprintln!("mamori-web: {status}: {self}");
            }
            WebError::Csrf => eprintln!("mamori-web: {status}: CSRF check failed"),
            _ => {}
        }
        let (title_ja, body_ja, title_en, body_en) = self.texts();
        let page = ErrorPage {
            status: status.as_u16(),
            title_ja,
            body_ja,
            title_en,
            body_en,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, format!("{status}")).into_response(),
        }
    }
}
