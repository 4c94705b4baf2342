//! Errors as clients see them: JSON `{"error": code, "message"}` for the API, a small HTML page
//! for browsers. Causes of 5xx are logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_store::StoreError;
use serde_json::json;

/// An error from an API handler.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable snake_case code that clients and the UI translate.
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            StoreError::Throttled { message } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
            }
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            other => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": self.code, "message": self.message})),
        )
            .into_response()
    }
}

/// The same error, for a browser.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (zh, en) = match self.0.status {
            StatusCode::NOT_FOUND => ("页面不存在或尚未公开", "Not found, or not published yet"),
            s if s.is_server_error() => ("服务器内部错误", "Internal server error"),
            _ => ("请求有误", "Bad request"),
        };
        // What was wrong with the request, so the user can fix it (a return without a reason,
        // a deadline that is not later); a server error's cause stays in the log.
        let detail = if self.0.status.is_client_error() && self.0.status != StatusCode::NOT_FOUND {
            format!("<p class=\"detail\">{}</p>", escape_html(&self.0.message))
        } else {
            String::new()
        };
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{zh}</title><body style=\"font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em\"><h1>{} {zh}</h1><p>{en}</p>{detail}<p><a href=\"/\">返回首页 · Home</a></p></body></html>",
            self.0.status.as_u16()
        );
        (self.0.status, Html(body)).into_response()
    }
}

/// Escapes text for HTML, where it is put together outside a template (this page, the
/// reviewer's diff). Hand-written: four characters, not worth a dependency.
pub(crate) fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
