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

    /// A form or body named a choice that does not exist (an `action` of a typo). Refused,
    /// never mapped to a default: the default of a review form would be the destructive one.
    pub fn unknown_choice(field: &str, value: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_choice",
            format!("{field}: “{value}” is not one of the choices"),
        )
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
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database cannot be reached just now; nothing was changed, try again in a moment",
                )
            }
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
        // Each refusal says what it is: a 403 is not a bad request, a 409 is a state.
        let (zh, en) = match self.0.status {
            StatusCode::NOT_FOUND => ("页面不存在或尚未公开", "Not found, or not published yet"),
            StatusCode::FORBIDDEN => ("无权进行此操作", "Not yours to do"),
            StatusCode::CONFLICT => ("当前状态不允许此操作", "Not possible in the current state"),
            StatusCode::PAYLOAD_TOO_LARGE => ("提交的内容过大", "Too large"),
            StatusCode::TOO_MANY_REQUESTS => ("尝试次数过多，请稍后再试", "Too many attempts"),
            StatusCode::SERVICE_UNAVAILABLE => ("系统繁忙，请稍后再试", "Busy; try again shortly"),
            s if s.is_server_error() => ("服务器内部错误", "Internal server error"),
            _ => ("请求有误", "Bad request"),
        };
        // What was wrong with the request, so the user can fix it (a return without a reason,
        // a deadline that is not later); a server error's cause stays in the log.
        let detail = if self.0.status.is_client_error() && self.0.status != StatusCode::NOT_FOUND {
            format!(
                "<p class=\"detail\">{}</p>",
                crate::view::escape_html(&self.0.message)
            )
        } else {
            String::new()
        };
        // In the site's chrome (its header and the way to the home and work pages), so a
        // refusal is plainly this site's and leads somewhere.
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{zh} · 督办</title><link rel=\"icon\" href=\"/favicon.ico\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/static/duban.css\"><body class=\"error\"><header class=\"site\"><a class=\"brand\" href=\"/\">督办 · 责任目标公开</a><nav class=\"noprint\"><a href=\"/\">首页 Home</a><a href=\"/work\">工作台 Work</a></nav></header><main><h1>{} {zh}</h1><p>{en}</p>{detail}<p><a href=\"/\">返回首页 · Home</a></p></main></body></html>",
            self.0.status.as_u16()
        );
        (self.0.status, Html(body)).into_response()
    }
}

/// The code for a refusal that left a layer below the handlers (the CSRF check, the body
/// limit, the timeout, axum's router) as plain text or nothing, or that an extractor could not
/// read past.
pub(crate) fn layer_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        // Handlers answer their own 403s in JSON; a bare one is the cross-site check's.
        StatusCode::FORBIDDEN => "cross_site_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "refused",
    }
}

/// Makes every `/api/v1` answer that is not a success the API's JSON error, whichever layer
/// produced it: handlers already do, but the CSRF layer answers 403 with no body, the body
/// limit 413 in plain text, and axum's router 405 with nothing. The text such a layer wrote
/// becomes the message; headers such as `Allow` stay.
pub(crate) async fn api_errors_as_json(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/v1/");
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // Such bodies are a line of text; anything longer is cut, not buffered.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_owned()
    } else {
        text
    };
    let fresh = ApiError::new(status, layer_code(status), message).into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.extend(fresh_parts.headers);
    Response::from_parts(parts, body)
}

/// Every refusal of the API carries this body: the statuses each call names, and any other
/// (`400`, `403` cross-site, `405`, `408`, `413`, `415`, `500`, `503`) as its `default` response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "forbidden", "message": "这不是你的权限范围 / not yours to do"}))]
pub struct ErrorBody {
    /// A stable snake_case code that clients and the UI translate: `unauthenticated`,
    /// `bad_credentials`, `forbidden`, `not_found`, `wrong_report_state`, `wrong_round_state`,
    /// `stale_version`, `round_exists`, `invalid_json`, `invalid_path`, `invalid_query`,
    /// `invalid_period`, `invalid`, `unknown_choice`, `too_many_attempts`, `payload_too_large`,
    /// `cross_site_request`, `method_not_allowed`, `request_timeout`, `unavailable`, `internal`,
    /// …
    pub error: String,
    /// A human-readable explanation (Chinese / English).
    pub message: String,
}
