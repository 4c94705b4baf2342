//! Atom feeds (`/feeds/…`): a government's new publications, one target across its year, one
//! unit's targets — for anyone who follows a target without coming back to look.
//!
//! Each is made from the government's chain and kept until its head moves ([`crate::chained`]).

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::chained;
use crate::error::ApiError;
use crate::extract::LangQuery;
use crate::government::Gov;
use crate::view::feed::{self, Item};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::Table;
use duban_store::PublicationSummary;

const ATOM: &str = "application/atom+xml; charset=utf-8";
/// A new publication changes every feed of its government: revalidate, cheaply, by ETag.
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

/// A feed made from the chain (oldest first): its tables read, newest first, and `render`
/// given them.
async fn serve(
    state: &AppState,
    gov: &Gov,
    key: Key,
    headers: &HeaderMap,
    render: impl FnOnce(&[Item]) -> Option<String> + Send + 'static,
) -> Result<Response, ApiError> {
    chained::serve(state, gov, key, headers, move |head, chain| {
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
