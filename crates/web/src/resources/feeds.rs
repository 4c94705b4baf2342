//! Atom feeds (`/feeds/…`): a government's new publications, one target across its year, one
//! unit's targets — for anyone who follows a target without coming back to look.
//!
//! A feed is made from the government's chain and kept until its head moves (a publication
//! forgets it; on SQLite the head is re-asked at most every few seconds), so a reader polling
//! every minute costs a map lookup or a 304. Only names that some publication holds are kept,
//! so made-up unit names cannot grow the cache.

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::error::ApiError;
use crate::extract::LangQuery;
use crate::government::Gov;
use crate::view::feed::{self, Item};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::Table;
use duban_store::PublicationSummary;
use std::sync::Arc;

const ATOM: &str = "application/atom+xml; charset=utf-8";
/// A new publication changes every feed of its government: revalidate, cheaply, by ETag.
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

/// The feed under `key`, rendered from the government's publications (newest first) when the
/// cached one is missing or older than the chain's head; `render` says `None` for a feed
/// about nothing published (404).
async fn serve(
    state: &AppState,
    gov: &Gov,
    key: Key,
    headers: &HeaderMap,
    render: impl FnOnce(&[Item]) -> Option<String> + Send + 'static,
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
    // Reading every table and compressing the feed are CPU work: off the async threads.
    let r = tokio::task::spawn_blocking(move || -> Result<Option<Rendered>, ApiError> {
        let mut read: Vec<(PublicationSummary, Table)> = Vec::with_capacity(chain.len());
        for p in chain.into_iter().rev() {
            let table = serde_json::from_str(&p.content).map_err(|e| ApiError::internal(&e))?;
            read.push((p.summary, table));
        }
        let items: Vec<Item> = read
            .iter()
            .map(|(summary, table)| Item { summary, table })
            .collect();
        Ok(render(&items).map(|body| Rendered::new(head, ATOM, CACHE_CONTROL, body.into_bytes())))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??
    .ok_or_else(|| ApiError::not_found("feed"))?;
    let r = Arc::new(r);
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r.respond(headers))
}

/// `{file}` of a feed path without its `.atom`, or 404.
fn stem(file: &str) -> Result<&str, ApiError> {
    file.strip_suffix(".atom")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::not_found("feed"))
}

pub async fn publications(
    State(state): State<AppState>,
    gov: Gov,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = q.lang();
    let key = Key::Feed(gov.base.clone(), "publications".into(), lang.code());
    let (base, government) = (gov.base.clone(), gov.government.clone());
    serve(&state, &gov, key, &headers, move |items| {
        Some(feed::publications(lang, &base, &government, items))
    })
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct TargetFeedPath {
    year: i16,
    file: String,
}

pub async fn target(
    State(state): State<AppState>,
    gov: Gov,
    Path(TargetFeedPath { year, file }): Path<TargetFeedPath>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let no: u32 = stem(&file)?
        .parse()
        .map_err(|_| ApiError::not_found("target"))?;
    let lang = q.lang();
    let key = Key::Feed(
        gov.base.clone(),
        format!("targets/{year}/{no}"),
        lang.code(),
    );
    let (base, government) = (gov.base.clone(), gov.government.clone());
    serve(&state, &gov, key, &headers, move |items| {
        feed::target(lang, &base, &government, year, no, items)
    })
    .await
}

/// By field, not position: under `/g/{gov}` the path holds the government too.
#[derive(Debug, serde::Deserialize)]
pub struct UnitFeedPath {
    file: String,
}

pub async fn unit(
    State(state): State<AppState>,
    gov: Gov,
    Path(UnitFeedPath { file }): Path<UnitFeedPath>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let unit = stem(&file)?.to_owned();
    let lang = q.lang();
    let key = Key::Feed(gov.base.clone(), format!("units/{unit}"), lang.code());
    let (base, government) = (gov.base.clone(), gov.government.clone());
    serve(&state, &gov, key, &headers, move |items| {
        feed::unit(lang, &base, &government, &unit, items)
    })
    .await
}
