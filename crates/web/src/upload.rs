//! A multipart form with at most one file, read with a size limit, and the small notice page
//! handlers show when they refuse something with a reason the person can act on.

use crate::render::{Chrome, html};
use crate::session::check_token_value;
use crate::{WebError, session::Viewer};
use askama::Template;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The uploaded file of a form.
pub struct UploadedFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct UploadForm {
    pub fields: HashMap<String, String>,
    pub file: Option<UploadedFile>,
}

impl UploadForm {
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map(|s| s.trim()).unwrap_or("")
    }
}

/// Why a multipart form could not be read.
pub enum UploadError {
    TooLarge,
    Web(WebError),
}

impl From<WebError> for UploadError {
    fn from(e: WebError) -> Self {
        UploadError::Web(e)
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Read every field; the file field `file_field` may hold at most `limit` bytes. The CSRF token
/// is checked before the caller looks at anything.
pub async fn read(
    mut form: Multipart,
    viewer: &Viewer,
    file_field: &str,
    limit: usize,
) -> Result<UploadForm, UploadError> {
    let mut fields = HashMap::new();
    let mut file = None;
    let bad = |why: String| UploadError::Web(WebError::BadRequest(why));
    let too_large =
        |e: &axum::extract::multipart::MultipartError| e.status() == StatusCode::PAYLOAD_TOO_LARGE;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
            Err(e) => return Err(bad(e.to_string())),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let file_name = field.file_name().map(|f| base_name(f).to_string());
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let mut field = field;
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        bytes.extend_from_slice(&chunk);
                        if bytes.len() > limit {
                            return Err(UploadError::TooLarge);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
                    Err(e) => return Err(bad(e.to_string())),
                }
            }
            if let Some(name) = file_name.filter(|n| !n.is_empty())
                && !bytes.is_empty()
            {
                file = Some(UploadedFile {
                    name,
                    content_type,
                    bytes,
                });
            }
        } else {
            let value = match field.text().await {
                Ok(t) => t,
                Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
                Err(e) => return Err(bad(e.to_string())),
            };
            fields.insert(name, value);
        }
    }
    check_token_value(
        fields.get("csrf").map(String::as_str).unwrap_or(""),
        &viewer.csrf,
    )?;
    Ok(UploadForm { fields, file })
}

#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub p: Chrome,
    pub title: String,
    pub message: String,
    pub back: String,
}

/// A page explaining why something was refused (nothing was changed), with the given status.
pub fn notice(
    p: Chrome,
    status: StatusCode,
    title: &str,
    message: String,
    back: &str,
) -> Result<Response, WebError> {
    let page = NoticePage {
        p,
        title: title.to_string(),
        message,
        back: back.to_string(),
    };
    Ok((status, html(&page)?).into_response())
}
