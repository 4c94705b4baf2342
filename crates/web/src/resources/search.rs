//! 检索 for the public: `GET /api/v1/search` (INTERFACES.md) and the `/search` page. Both read
//! only the search index, which holds each round's newest publication and nothing else.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::ApiQuery;
use crate::government::Gov;
use crate::view::i18n::{Labels, Lang};
use crate::view::render;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use duban_core::Period;
use duban_store::{SearchHit, SearchQuery};
use serde::{Deserialize, Serialize};

/// Hits returned when the caller names no limit, and the most it may ask for.
const DEFAULT_LIMIT: usize = 50;
/// Hits on one page of the search page.
const PAGE: usize = 20;
const MAX_LIMIT: usize = 200;
/// The deepest page start: the index reads a bounded number of candidates per query, and a
/// reader this far down wants a narrower search.
const MAX_OFFSET: usize = 1_000;

/// Turns the short names in a query's words (发改委, or an office's alias) into the units they
/// stand for: each such word becomes a group of units one of which a hit must name, instead of
/// a word its text must hold. Storage is asked for the units only when a word may be one.
async fn resolve_aliases(state: &AppState, query: &mut SearchQuery) -> Result<(), ApiError> {
    let Some(government) = query.government.clone() else {
        return Ok(());
    };
    let office = state.store.aliases(&government).await?;
    let words: Vec<String> = query.text.split_whitespace().map(str::to_owned).collect();
    let maybe = |w: &str| {
        duban_core::aliases::is_short_form(w) || office.iter().any(|(alias, _)| alias == w)
    };
    if !words.iter().any(|w| maybe(w)) {
        return Ok(());
    }
    let units = state.store.unit_names(&government).await?;
    let mut kept = Vec::new();
    for word in words {
        let stands_for = duban_core::aliases::units_for(&word, &units, &office);
        if stands_for.is_empty() {
            kept.push(word);
        } else {
            query
                .unit_groups
                .push(stands_for.into_iter().map(str::to_owned).collect());
        }
    }
    query.text = kept.join(" ");
    Ok(())
}

/// How many hits the search page counts one by one at least; past it, it says "more than".
/// Counting costs a check per hit: at 100,000 published entries a count to 1,000 took 11–43 ms
/// at p50 and a count to 200 3–12 ms, about a third (`cargo bench -p duban-store --bench
/// search`, both backends), for a page whose top 20 take about a millisecond.
const COUNT_AT_LEAST: usize = 200;

/// How many hits a search has in all, up to [`COUNT_AT_LEAST`] or the end of the page shown
/// (a reader deep in the results is told at least how far they go), and whether there are
/// more. Each hit must be checked to contain the words whole (the index finds candidates by
/// characters and pairs), so counting costs as many checks as there are hits: the page counts,
/// the API (whose goal is the top 20 in a few milliseconds) says only whether more follow.
async fn count(state: &AppState, query: &SearchQuery) -> Result<(usize, bool), ApiError> {
    let cap = COUNT_AT_LEAST.max(query.offset + query.limit);
    let mut all = query.clone();
    resolve_aliases(state, &mut all).await?;
    all.offset = 0;
    all.limit = cap + 1;
    let n = state.store.search(&all).await?.len();
    Ok((n.min(cap), n > cap))
}

/// A page of hits, and whether another follows (asked for by reading one hit more).
async fn search_page(
    state: &AppState,
    query: &SearchQuery,
) -> Result<(Vec<SearchHit>, bool), ApiError> {
    let mut one_more = query.clone();
    resolve_aliases(state, &mut one_more).await?;
    one_more.limit += 1;
    let mut hits = state.store.search(&one_more).await?;
    let more = hits.len() > query.limit;
    hits.truncate(query.limit);
    Ok((hits, more))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find in a target, its progress, its leaders or units (Chinese or not).
    #[param(min_length = 1, max_length = 100)]
    q: Option<String>,
    /// Only this round: 2023Q3, 2023M09, 2023H1 or 2023.
    #[param(value_type = Option<Period>)]
    period: Option<String>,
    /// Only entries naming this unit, leading or assisting (its name as published).
    #[param(max_length = 100)]
    unit: Option<String>,
    /// Only entries naming this leader (the name as published).
    #[param(max_length = 100)]
    leader: Option<String>,
    /// At most this many hits (default 50, at most 200; more is taken as 200).
    #[param(minimum = 0)]
    limit: Option<usize>,
    /// Hits to skip: where a page starts (default 0, at most 1,000).
    #[param(minimum = 0, maximum = 1000)]
    offset: Option<usize>,
    #[param(ignore)]
    lang: Option<String>,
}

impl SearchParams {
    /// The query within one government's publications.
    fn query(&self, gov: &Gov) -> Result<SearchQuery, ApiError> {
        let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", m);
        let text = self.q.as_deref().map(str::trim).unwrap_or_default();
        let name = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        };
        let (unit, leader) = (name(&self.unit), name(&self.leader));
        if text.is_empty() && unit.is_none() && leader.is_none() {
            return Err(invalid(
                "q: write what to search for (or name a unit or leader)",
            ));
        }
        for (field, value) in [
            ("q", Some(text)),
            ("unit", unit.as_deref()),
            ("leader", leader.as_deref()),
        ] {
            if value.is_some_and(|v| v.chars().count() > 100) {
                return Err(invalid(&format!("{field}: at most 100 characters")));
            }
        }
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(invalid(&format!(
                "offset: at most {MAX_OFFSET}; narrow the search by period, unit or leader"
            )));
        }
        let period = match self.period.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(crate::extract::api_period(p)?),
        };
        Ok(SearchQuery {
            text: text.to_owned(),
            government: Some(gov.name().to_owned()),
            period,
            unit,
            leader,
            offset,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            ..SearchQuery::default()
        })
    }
}

/// What a search answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchAnswer {
    /// The words searched for, trimmed.
    query: String,
    period: Option<Period>,
    unit: Option<String>,
    leader: Option<String>,
    /// Where this page starts.
    offset: usize,
    /// Whether more hits follow this page (ask again with `offset` + the hits returned).
    more: bool,
    /// The newest round first, then by target number; each from its round's newest
    /// publication.
    hits: Vec<ApiHit>,
}

/// A hit, with the snippet a list of results shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiHit {
    #[serde(flatten)]
    hit: SearchHit,
    /// The progress around the first match, as HTML: the text escaped, each match in
    /// `<mark>`, `…` where it was cut.
    #[schema(example = "…增加市级<mark>储备粮</mark>1.71万吨")]
    snippet: String,
}

/// Searches what was published: the newest publication of every round. Chinese words of any
/// length match (the index is built from characters and character pairs).
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "public",
    params(SearchParams),
    responses(
        (status = 200, description = "The matching published entries", body = SearchAnswer),
        (status = 422, description = "No query, or not a period (`invalid_query`, `invalid_period`)", body = crate::error::ErrorBody),
    ),
)]
pub async fn api_search(
    State(state): State<AppState>,
    gov: Gov,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let query = params.query(&gov)?;
    let (hits, more) = search_page(&state, &query).await?;
    let words: Vec<&str> = query.text.split_whitespace().collect();
    let hits = hits
        .into_iter()
        .map(|hit| ApiHit {
            snippet: snippet_html(&snippet(&hit.progress, &words, SNIPPET_RADIUS)),
            hit,
        })
        .collect();
    Ok(Json(SearchAnswer {
        query: query.text,
        period: query.period,
        unit: query.unit,
        leader: query.leader,
        offset: query.offset,
        more,
        hits,
    }))
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Labels,
    text: String,
    unit: String,
    leader: String,
    /// Whether anything was searched for.
    asked: bool,
    /// The hits shown, counted from 1, and whether more follow.
    from: usize,
    to: usize,
    more: bool,
    /// How many hits in all (at most [`COUNT_AT_LEAST`] or the page's end), and whether there
    /// are more than that.
    total: usize,
    total_capped: bool,
    previous: Option<String>,
    next: Option<String>,
    period: String,
    /// Published periods to choose from: (code, label).
    periods: Vec<(String, String)>,
    hits: Vec<HitRow>,
}

/// Text to show with the query's words marked: (text, marked).
type Parts = Vec<(String, bool)>;

struct HitRow {
    /// The target's text, whole, its matches marked.
    content_parts: Parts,
    /// The progress around its first match, its matches marked.
    progress_parts: Parts,
    period: String,
    period_label: String,
    year: i16,
    target_no: u32,
    content: String,
    leaders: String,
    units: String,
    progress: String,
    on_schedule: &'static str,
    on_schedule_class: &'static str,
}

/// Characters shown before a hit's first match in its progress (twice as many after): a
/// report may run to 10,000 characters, and the reader wants where the words are.
const SNIPPET_RADIUS: usize = 40;

/// Snippet parts as HTML, for the API: each part escaped, the marked ones in `<mark>`.
fn snippet_html(parts: &Parts) -> String {
    parts
        .iter()
        .map(|(t, marked)| {
            let t = crate::view::escape_html(t);
            if *marked {
                format!("<mark>{t}</mark>")
            } else {
                t
            }
        })
        .collect()
}

/// `text` cut to the `radius` characters before its first match and twice that after (whole
/// when short), with every match of `words` marked; `…` where it was cut. Parts, not HTML: the
/// template escapes each and wraps the marked ones in `<mark>`.
fn snippet(text: &str, words: &[&str], radius: usize) -> Parts {
    let marks = duban_core::search::marks(text, words);
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let at_char = |byte: usize| {
        chars
            .iter()
            .position(|&b| b >= byte)
            .unwrap_or(chars.len() - 1)
    };
    let (first_start, first_end) = marks.first().map_or((0, 0), |m| (m.start, m.end));
    let from = at_char(first_start).saturating_sub(radius);
    let to = at_char(first_end)
        .saturating_add(radius.saturating_mul(2))
        .min(chars.len() - 1);
    let (from_b, to_b) = (chars[from], chars[to]);
    let mut parts: Parts = Vec::new();
    if from_b > 0 {
        parts.push(("…".to_owned(), false));
    }
    let mut at = from_b;
    for m in marks.iter().filter(|m| m.end > from_b && m.start < to_b) {
        let (start, end) = (m.start.max(from_b), m.end.min(to_b));
        if start > at {
            parts.push((text[at..start].to_owned(), false));
        }
        parts.push((text[start..end].to_owned(), true));
        at = end;
    }
    if at < to_b {
        parts.push((text[at..to_b].to_owned(), false));
    }
    if to_b < text.len() {
        parts.push(("…".to_owned(), false));
    }
    parts
}

/// The search page: a form, and the hits when there is a query.
pub async fn page(
    State(state): State<AppState>,
    gov: Gov,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, PageError> {
    let lang = Lang::from_query(params.lang.as_deref());
    let l = Labels::new(lang, &gov.link("/search")).under(&gov.base);
    let text = params.q.as_deref().map(str::trim).unwrap_or_default();
    let mut periods: Vec<(String, String)> = state
        .store
        .published()
        .await?
        .iter()
        .filter(|p| p.government == gov.name())
        .map(|p| (p.period.to_string(), lang.period_label(p.period)))
        .collect();
    periods.dedup();
    let unit = params.unit.as_deref().map(str::trim).unwrap_or_default();
    let leader = params.leader.as_deref().map(str::trim).unwrap_or_default();
    let asked = !(text.is_empty() && unit.is_empty() && leader.is_empty());
    let (hits, more, offset, total) = if asked {
        let mut query = params.query(&gov)?;
        query.limit = params.limit.unwrap_or(PAGE).clamp(1, MAX_LIMIT);
        let (hits, more) = search_page(&state, &query).await?;
        // One page that is the whole result counts itself; otherwise the hits are counted.
        let total = if more || query.offset > 0 {
            count(&state, &query).await?
        } else {
            (hits.len(), false)
        };
        (hits, more, query.offset, total)
    } else {
        (Vec::new(), false, 0, (0, false))
    };
    // Links to the pages before and after this one: the same search, another start.
    let shown = hits.len();
    let page_link = |start: usize| {
        let mut href = format!("{}/search?", gov.base);
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", text),
            ("period", params.period.as_deref().unwrap_or_default()),
            ("unit", unit),
            ("leader", leader),
        ] {
            if !v.is_empty() {
                pairs.append_pair(k, v);
            }
        }
        if start > 0 {
            pairs.append_pair("offset", &start.to_string());
        }
        if let Some(limit) = params.limit {
            pairs.append_pair("limit", &limit.to_string());
        }
        if lang == Lang::En {
            pairs.append_pair("lang", "en");
        }
        href.push_str(&pairs.finish());
        href
    };
    let limit = params.limit.unwrap_or(PAGE).clamp(1, MAX_LIMIT);
    let previous = (offset > 0).then(|| page_link(offset.saturating_sub(limit)));
    let next = more.then(|| page_link(offset + shown));
    let words: Vec<&str> = text.split_whitespace().collect();
    let rows = hits
        .into_iter()
        .map(|h| {
            let (on_schedule, class) = match h.on_schedule {
                Some(true) => (l.yes, ""),
                Some(false) => (l.no, "behind"),
                None => (l.not_reported, "no-answer"),
            };
            HitRow {
                content_parts: snippet(&h.content, &words, usize::MAX),
                progress_parts: snippet(&h.progress, &words, SNIPPET_RADIUS),
                period: h.period.to_string(),
                period_label: lang.period_label(h.period),
                year: h.period.year(),
                target_no: h.target_no,
                content: h.content,
                leaders: render::names(h.leaders.iter().map(|n| n.as_str())),
                units: render::names(h.units.iter().map(|n| n.as_str())),
                progress: h.progress,
                on_schedule,
                on_schedule_class: class,
            }
        })
        .collect();
    SearchPage {
        text: text.to_owned(),
        unit: unit.to_owned(),
        leader: leader.to_owned(),
        asked,
        from: offset + 1,
        to: offset + shown,
        more,
        total: total.0,
        total_capped: total.1,
        previous,
        next,
        period: params.period.clone().unwrap_or_default(),
        periods,
        hits: rows,
        l,
    }
    .render()
    .map(Html)
    .map_err(|e| PageError(ApiError::internal(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(parts: &Parts) -> String {
        parts
            .iter()
            .map(|(t, m)| if *m { format!("[{t}]") } else { t.clone() })
            .collect()
    }

    #[test]
    fn a_snippet_is_cut_around_the_first_match() {
        let long = format!(
            "{}增加市级储备粮1.71万吨{}",
            "甲".repeat(100),
            "乙".repeat(100)
        );
        let s = shown(&snippet(&long, &["储备粮", "万吨"], 5));
        // Five characters before the first match, ten after it.
        assert_eq!(s, "…甲增加市级[储备粮]1.71[万吨]乙乙乙乙…");
        // Short text whole; no match, the start.
        assert_eq!(shown(&snippet("储备粮", &["储备"], 40)), "[储备]粮");
        assert_eq!(shown(&snippet("abcdef", &["x"], 1)), "ab…");
    }
}
