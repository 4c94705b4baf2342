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
use duban_core::{Period, Table};
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

/// The newest publication of each round in `chain` (oldest first) as tables, newest round
/// first: a correction replaces what it corrects.
pub fn newest_per_round(chain: Vec<Publication>) -> Result<Vec<(Period, Table)>, ApiError> {
    let mut latest: Vec<(Period, Table)> = Vec::new();
    for p in chain.into_iter().rev() {
        if latest.iter().any(|(period, _)| *period == p.summary.period) {
            continue;
        }
        let table: Table = serde_json::from_str(&p.content).map_err(|e| ApiError::internal(&e))?;
        latest.push((p.summary.period, table));
    }
    latest.sort_by_key(|(period, _)| std::cmp::Reverse(*period));
    Ok(latest)
}

/// Each round's newest table (newest round first) and, in the same order, what the checks find.
pub type RoundsWithChecks = (Vec<(Period, Table)>, Vec<duban_checks::CheckReport>);

/// [`newest_per_round`] with what the checks find in each table (or nothing, when the
/// deployment does not show them).
pub fn newest_with_checks(
    chain: Vec<Publication>,
    public_checks: bool,
) -> Result<RoundsWithChecks, ApiError> {
    let tables = newest_per_round(chain)?;
    let checks = tables
        .iter()
        .map(|(_, t)| public_checks_of(t, public_checks))
        .collect();
    Ok((tables, checks))
}

/// What the checks find in `table`, or nothing when the deployment does not show them.
pub fn public_checks_of(table: &Table, public_checks: bool) -> duban_checks::CheckReport {
    if public_checks {
        duban_checks::check_table(table)
    } else {
        duban_checks::CheckReport {
            findings: Vec::new(),
            indicators: Vec::new(),
            summary: duban_checks::Summary::default(),
        }
    }
}
