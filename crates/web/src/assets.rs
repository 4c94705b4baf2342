//! The stylesheet every page links to, compressed once when first asked for and served with
//! an ETag. It is a file rather than a `<style>` block so the Content-Security-Policy can
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
