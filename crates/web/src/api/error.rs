//! Errors of the JSON API: `{ "error": { "code", "message" } }` with the right status. Like
//! `WebError`, causes are logged for the operator and never shown (no SQL, no paths).

use crate::WebError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn unauthorized() -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "API トークンが無いか、無効です。 / Missing or invalid API token (send Authorization: Bearer <token>).".into(),
        }
    }

    pub fn forbidden() -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: "権限がありません。 / Not permitted.".into(),
        }
    }

    pub fn not_found() -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: "見つかりません。 / Not found.".into(),
        }
    }

    /// A malformed request; `detail` says what was wrong with the caller's own input.
    pub fn bad_request(detail: String) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: format!("リクエストが正しくありません。 / Malformed request: {detail}"),
        }
    }

    fn internal() -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "サーバで問題が発生しました。 / The server could not complete the request."
                .into(),
        }
    }

    fn busy() -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "busy",
            message: "混み合っています。 / The database is busy; try again shortly.".into(),
        }
    }
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        match e {
            WebError::SignInRequired => ApiError::unauthorized(),
            WebError::Forbidden | WebError::Csrf => ApiError::forbidden(),
            WebError::NotFound => ApiError::not_found(),
            WebError::BadRequest(detail) => ApiError::bad_request(detail),
            WebError::Store(StoreError::Locked) => ApiError::busy(),
            WebError::Internal(_) | WebError::Store(_) => {
                eprintln!("mamori-web: api: {e}");
                ApiError::internal()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        WebError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code, "message": self.message }
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: "この API は読み取り専用です。 / This API is read-only (GET).".into(),
    }
}
