//! Headers that tell a browser what a page may do, on every response.
//!
//! The pages run no inline script and no inline style (the stylesheet is `/static/duban.css`),
//! so the Content-Security-Policy can allow only this site's own files: an injected `<script>`
//! or `style` attribute that escaped the templates' escaping would still not run. Swagger UI
//! (`/api/docs/`) loads only its own vendored files and works under the same policy.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every HTML response. `data:` images are Swagger UI's icons; `form-action`
/// keeps a form from posting elsewhere; `frame-ancestors` refuses framing (clickjacking).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // Older browsers that do not read `frame-ancestors`.
    (header::X_FRAME_OPTIONS, "DENY"),
    // Links leave nothing of a work page's address (a report id, a filter) behind.
    (header::REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Adds the headers to every response; the policy to HTML (and SVG) responses, where a
/// browser runs what it finds.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    let active = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("image/svg"));
    if active {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    resp
}
