//! The stylesheet every page links to, and the site's icon, each compressed once when first
//! asked for and served with an ETag. It is a file rather than a `<style>` block so the Content-Security-Policy can
//! refuse inline styles ([`crate::security`]).

use crate::cache::Rendered;
use axum::http::HeaderMap;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../static/duban.css");

static STYLESHEET: LazyLock<Rendered> = LazyLock::new(|| {
    Rendered::new(
        hex::encode(Sha256::digest(CSS.as_bytes())),
        "text/css; charset=utf-8",
        // An hour, then a cheap revalidation: a new release may change it.
        "public, max-age=3600",
        CSS.as_bytes().to_vec(),
    )
});

pub async fn stylesheet(headers: HeaderMap) -> Response {
    STYLESHEET.respond(&headers)
}

/// The site's icon (three lines of a table on the red of the header rule), as SVG: small, and
/// sharp at any size. Served at `/favicon.ico`, where browsers look when a page names none.
const FAVICON: &str = include_str!("../static/favicon.svg");

static ICON: LazyLock<Rendered> = LazyLock::new(|| {
    Rendered::new(
        hex::encode(Sha256::digest(FAVICON.as_bytes())),
        "image/svg+xml",
        "public, max-age=86400",
        FAVICON.as_bytes().to_vec(),
    )
});

pub async fn favicon(headers: HeaderMap) -> Response {
    ICON.respond(&headers)
}
