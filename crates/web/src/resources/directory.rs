//! Who is named in a government's published tables, and what each carries:
//! - `GET /api/v1/units` and `GET /api/v1/leaders`, for open-data users who want every unit's or
//!   leader's entries without guessing names; each name links to its page, the search filtered
//!   by it and, for a unit, its Atom feed;
//! - `/units/{name}` and `/leaders/{name}`: every entry they carry in each published round of a
//!   year, with the answer, the 核查 findings and timeliness (see [`crate::view::people`]).
//!
//! All read from the newest publication of every round (a superseded text names no one), and
//! kept per head of the chain ([`crate::chained`]).

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::chained;
use crate::error::{ApiError, PageError};
use crate::extract::{PagePath, YearQuery};
use crate::government::Gov;
use crate::view::feed::encoded;
use crate::view::people::{self, Who};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::{Period, Table};
use duban_store::Publication;
use serde::Serialize;

/// A new publication may name someone new: revalidate, cheaply, by ETag.
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";
const HTML: &str = "text/html; charset=utf-8";

/// A unit or leader named in the published tables.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    /// Exactly as the tables print it.
    #[schema(example = "市发展改革委")]
    name: String,
    /// The rounds whose newest publication names it, newest first.
    #[schema(value_type = Vec<String>, example = json!(["2023Q3"]))]
    periods: Vec<Period>,
    /// Entries naming it in the most recently published of those rounds.
    entries: usize,
    /// Its page: what it carries in each round of the newest year naming it.
    #[schema(example = "/units/%E5%B8%82%E5%8F%91%E5%B1%95%E6%94%B9%E9%9D%A9%E5%A7%94")]
    page: String,
    /// The search page for its entries.
    #[schema(example = "/search?unit=%E5%B8%82%E5%8F%91%E5%B1%95%E6%94%B9%E9%9D%A9%E5%A7%94")]
    search: String,
    /// Its Atom feed (units only).
    #[serde(skip_serializing_if = "Option::is_none")]
    feed: Option<String>,
}

/// Everyone of a kind named in the newest publication of each round (`chain` oldest first), in
/// the order they first appear going from the newest round down, each table in its order.
fn named(who: Who, base: &str, chain: Vec<Publication>) -> Result<Vec<Named>, ApiError> {
    let mut out: Vec<Named> = Vec::new();
    for p in chain.into_iter().rev().filter(|p| !p.summary.superseded) {
        let table: Table = serde_json::from_str(&p.content).map_err(|e| ApiError::internal(&e))?;
        let period = p.summary.period;
        for e in table.targets.iter().flat_map(|t| &t.entries) {
            let names: Vec<&str> = match who {
                Who::Unit => e.units.iter().map(|u| u.as_str()).collect(),
                Who::Leader => e.leaders().iter().map(|l| l.as_str()).collect(),
            };
            for name in names {
                let i = match out.iter().position(|n| n.name == name) {
                    Some(i) => i,
                    None => {
                        out.push(Named {
                            name: name.to_owned(),
                            periods: Vec::new(),
                            entries: 0,
                            page: format!("{base}/{}/{}", who.segment(), encoded(name)),
                            search: format!("{base}/search?{}={}", who.param(), encoded(name)),
                            feed: (who == Who::Unit)
                                .then(|| format!("{base}/feeds/units/{}.atom", encoded(name))),
                        });
                        out.len() - 1
                    }
                };
                let n = &mut out[i];
                if n.periods.last() != Some(&period) {
                    n.periods.push(period);
                }
                if n.periods[0] == period {
                    n.entries += 1;
                }
            }
        }
    }
    // Rounds newest first, whatever order the corrections were published in.
    for n in &mut out {
        n.periods.sort_by(|a, b| b.cmp(a));
    }
    Ok(out)
}

async fn list(
    state: &AppState,
    gov: &Gov,
    who: Who,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let key = Key::Names(gov.base.clone(), who.segment());
    let base = gov.base.clone();
    chained::serve(state, gov, key, headers, move |head, chain| {
        let body =
            serde_json::to_vec(&named(who, &base, chain)?).map_err(|e| ApiError::internal(&e))?;
        Ok(Some(Rendered::new(
            head,
            "application/json",
            CACHE_CONTROL,
            body,
        )))
    })
    .await
}

/// The units named in the published tables, with links to their entries and feeds.
#[utoipa::path(
    get,
    path = "/api/v1/units",
    tag = "public",
    responses(
        (status = 200, description = "Every unit named in the newest publication of a round", body = Vec<Named>),
        (status = 404, description = "Nothing is published yet", body = crate::error::ErrorBody),
    ),
)]
pub async fn api_units(
    State(state): State<AppState>,
    gov: Gov,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list(&state, &gov, Who::Unit, &headers).await
}

/// The leaders named in the published tables, with links to their entries.
#[utoipa::path(
    get,
    path = "/api/v1/leaders",
    tag = "public",
    responses(
        (status = 200, description = "Every leader named in the newest publication of a round", body = Vec<Named>),
        (status = 404, description = "Nothing is published yet", body = crate::error::ErrorBody),
    ),
)]
pub async fn api_leaders(
    State(state): State<AppState>,
    gov: Gov,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list(&state, &gov, Who::Leader, &headers).await
}

/// `/units/{name}` or `/leaders/{name}`.
#[derive(Debug, serde::Deserialize)]
pub struct NamePath {
    name: String,
}

/// A unit's page: every entry it leads or assists in, round by round.
pub async fn unit_page(
    State(state): State<AppState>,
    gov: Gov,
    PagePath(NamePath { name }): PagePath<NamePath>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    Ok(page(&state, &gov, Who::Unit, name, &q, &headers).await?)
}

/// A leader's page: every entry in the leader's charge, round by round.
pub async fn leader_page(
    State(state): State<AppState>,
    gov: Gov,
    PagePath(NamePath { name }): PagePath<NamePath>,
    Query(q): Query<YearQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    Ok(page(&state, &gov, Who::Leader, name, &q, &headers).await?)
}

async fn page(
    state: &AppState,
    gov: &Gov,
    who: Who,
    name: String,
    q: &YearQuery,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let (year, lang) = (q.year()?, q.lang());
    let key = Key::Person(
        gov.base.clone(),
        who.segment(),
        name.clone(),
        year,
        lang.code(),
    );
    let base = gov.base.clone();
    let public_checks = state.public_checks;
    chained::serve(state, gov, key, headers, move |head, chain| {
        let (tables, checks) = chained::newest_with_checks(chain, public_checks)?;
        let body = people::page(lang, &base, who, &name, year, &tables, &checks)
            .map_err(|e| ApiError::internal(&e))?;
        Ok(body.map(|b| Rendered::new(head, HTML, CACHE_CONTROL, b.into_bytes())))
    })
    .await
}
