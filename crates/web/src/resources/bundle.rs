//! The open-data bundle (`/downloads/bundle.zip`): every publication of a government, its JSON
//! exactly as hashed, its CSV and a manifest of the chain, in one file that can be checked
//! offline (`duban verify --bundle`, or `sha256sum`; see `duban_formats::bundle`).
//!
//! It is built once per head of the government's chain and kept, like the other downloads; a
//! new publication forgets it, and on SQLite the head is re-asked at most every few seconds.

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::error::ApiError;
use crate::government::Gov;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::Government;
use duban_formats::bundle;
use duban_store::Store;
use std::sync::Arc;

/// A new publication changes the bundle, so it is revalidated like "the latest" of a period.
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

/// A government's bundle, made from storage: for this page and for `duban export --bundle`.
pub async fn make(store: &dyn Store, government: &Government) -> Result<Vec<u8>, ApiError> {
    let publications = store.chain_of(&government.name).await?;
    let sources: Vec<bundle::Source> = publications
        .into_iter()
        .map(|p| bundle::Source {
            period: p.summary.period.to_string(),
            sha256: p.summary.sha256,
            previous_sha256: p.summary.previous_sha256,
            content_sha256: p.summary.content_sha256,
            published_at: p.summary.published_at,
            supersedes: p.summary.supersedes,
            content: p.content,
        })
        .collect();
    let (name, code) = (government.name.clone(), government.code.to_string());
    // Rendering every table's CSV and deflating it is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || bundle::write(&name, &code, &sources))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))
}

pub async fn download(
    State(state): State<AppState>,
    gov: Gov,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = Key::Bundle(gov.base.clone());
    let generation = state.cache.generation();
    let cached = state.cache.get(&key);
    if let Some(r) = &cached
        && !r.due_for_check(state.cache.revalidate_after)
    {
        return Ok(r.respond(&headers));
    }
    let head = state
        .store
        .chain_head(gov.name())
        .await?
        .ok_or_else(|| ApiError::not_found("nothing is published yet"))?;
    if let Some(r) = cached
        && r.source_sha256 == head
    {
        r.mark_checked();
        return Ok(r.respond(&headers));
    }
    let bytes = make(state.store.as_ref(), &gov.government).await?;
    let file = match gov.base.is_empty() {
        true => "duban-bundle.zip".to_string(),
        false => format!("duban-{}-bundle.zip", gov.government.code),
    };
    // The ETag is the head the bundle was asked for; a publication racing this one only makes
    // the next check rebuild it.
    let r = Arc::new(Rendered::download(
        head,
        "application/zip",
        CACHE_CONTROL,
        bytes,
        &file,
    ));
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r.respond(&headers))
}
