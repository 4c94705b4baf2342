//! Resources made from a government's whole chain of publications — the open-data bundle, the
//! Atom feeds, the lists of units and leaders — built once per head of that chain and kept.
//!
//! A publication forgets them (see [`crate::cache`]); on SQLite, where another process's
//! publication is not announced, the head is re-asked at most once per revalidation interval.
//! So a reader polling a feed every minute costs a map lookup or a 304.

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::error::ApiError;
use crate::government::Gov;
use axum::http::HeaderMap;
use axum::response::Response;
use duban_store::Publication;
use std::sync::Arc;

/// The resource under `key`, made by `make` from the government's publications (in chain
/// order, oldest first) when the cached one is missing or older than the chain's head. `make`
/// runs off the async threads (reading every table is CPU work) and answers `None` for a
/// resource about nothing published (404), which is then not kept: made-up names cannot grow
/// the cache.
pub async fn serve(
    state: &AppState,
    gov: &Gov,
    key: Key,
    headers: &HeaderMap,
    make: impl FnOnce(String, Vec<Publication>) -> Result<Option<Rendered>, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let generation = state.cache.generation();
    let cached = state.cache.get(&key);
    if let Some(r) = &cached
        && !r.due_for_check(state.cache.revalidate_after)
    {
        return Ok(r.respond(headers));
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
        return Ok(r.respond(headers));
    }
    let chain = state.store.chain_of(gov.name()).await?;
    // The ETag is the head read above; a publication racing this one only makes the next
    // check rebuild.
    let r = tokio::task::spawn_blocking(move || make(head, chain))
        .await
        .map_err(|e| ApiError::internal(&e))??
        .ok_or_else(|| ApiError::not_found("nothing published names it"))?;
    let r = Arc::new(r);
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r.respond(headers))
}
