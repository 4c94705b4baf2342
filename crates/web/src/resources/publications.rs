//! What anyone may read without logging in: the home page, each round's published table (as a
//! page and as JSON), permalinks to every publication, and the list of published periods.
//! Only publications are read here, so nothing unpublished can leak through these routes.

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::error::{ApiError, PageError};
use crate::extract::{LangQuery, PagePath, PeriodPath, api_period};
use crate::government::{Gov, base_in, base_of};
use crate::view::filter::TableFilter;
use crate::view::i18n::Lang;
use crate::view::render::{self, FilterView};
use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use duban_core::{Period, Table};
use duban_store::{Publication, PublicationSummary};
use std::sync::Arc;

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
/// "The latest of a period" may be corrected, so caches must revalidate (cheaply, by ETag).
const LATEST: &str = "public, max-age=60, must-revalidate";
/// A target's page shows citizens' messages as the office publishes them: revalidated on
/// every visit (a 304 while nothing changed), so a reply shows at once.
const TARGET: &str = "public, no-cache";
/// A publication by hash never changes.
const FOREVER: &str = "public, max-age=31536000, immutable";

fn table_of(p: &Publication) -> Result<Table, ApiError> {
    serde_json::from_str(&p.content).map_err(|e| ApiError::internal(&e))
}

/// Compresses off the async threads: brotli at its best setting takes a while on big tables.
async fn compress(
    sha: String,
    content_type: &'static str,
    cache_control: &'static str,
    body: Vec<u8>,
) -> Result<Arc<Rendered>, ApiError> {
    tokio::task::spawn_blocking(move || Rendered::new(sha, content_type, cache_control, body))
        .await
        .map(Arc::new)
        .map_err(|e| ApiError::internal(&e))
}

/// The cached resource for `key` if it was made from the period's latest publication (asking
/// storage at most once per revalidation interval), else `None`.
async fn current(
    state: &AppState,
    key: &Key,
    gov: &Gov,
    period: Period,
) -> Result<Option<Arc<Rendered>>, ApiError> {
    let Some(r) = state.cache.get(key) else {
        return Ok(None);
    };
    if !r.due_for_check(state.cache.revalidate_after) {
        return Ok(Some(r));
    }
    if state
        .store
        .latest_sha256(gov.name(), period)
        .await?
        .as_deref()
        == Some(r.source_sha256.as_str())
    {
        r.mark_checked();
        return Ok(Some(r));
    }
    Ok(None)
}

/// The cached rendering of a period's latest publication, re-rendered when a newer one exists.
async fn latest(
    state: &AppState,
    key: Key,
    gov: &Gov,
    period: Period,
    content_type: &'static str,
    render: impl FnOnce(&Publication) -> Result<Vec<u8>, ApiError>,
) -> Result<Arc<Rendered>, ApiError> {
    let generation = state.cache.generation();
    if let Some(r) = current(state, &key, gov, period).await? {
        return Ok(r);
    }
    let p = state
        .store
        .latest_publication(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no publication for {period}")))?;
    let body = render(&p)?;
    let r = compress(p.summary.sha256.clone(), content_type, LATEST, body).await?;
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r)
}

fn table_html(
    state: &AppState,
    lang: Lang,
    base: &str,
    path: &str,
    p: &Publication,
    filter: Option<&TableFilter>,
) -> Result<Vec<u8>, ApiError> {
    let full = table_of(p)?;
    // Checked once per rendering; the page is then cached, so this is not on the hot path.
    let checks = state
        .public_checks
        .then(|| duban_checks::check_table(&full));
    let shown = match filter {
        Some(f) if !f.is_empty() => f.apply(&full, checks.as_ref()),
        _ => full.clone(),
    };
    let form = filter.map(|f| {
        (
            FilterView::new(lang, &full, f, checks.is_some(), shown.targets.len()),
            f.canonical(),
        )
    });
    render::table_page(
        lang,
        base,
        path,
        &shown,
        &full,
        &p.summary,
        checks.as_ref(),
        form,
    )
    .map(String::into_bytes)
    .map_err(|e| ApiError::internal(&e))
}

/// The home page: with one government, its rounds (as before governments were); with several,
/// the list of them.
pub async fn home(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let all = state.governments.get(&state, false).await?;
    if let [only] = all.as_slice() {
        let gov = Gov {
            government: only.clone(),
            base: String::new(),
        };
        return rounds_home(&state, q.lang(), &gov, &headers).await;
    }
    let published = state.store.published().await?;
    let governments: Vec<render::GovernmentItem> = all
        .iter()
        .map(|g| render::GovernmentItem {
            name: &g.name,
            href: base_of(g, &all),
            latest: published.iter().find(|p| p.government == g.name),
        })
        .collect();
    render::governments_home(q.lang(), &governments)
        .map(|h| Html(h).into_response())
        .map_err(|e| PageError(ApiError::internal(&e)))
}

/// A government's home page (`/g/{gov}`): its latest round at a glance, then its published
/// rounds, newest first.
pub async fn government_home(
    State(state): State<AppState>,
    gov: Gov,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    rounds_home(&state, q.lang(), &gov, &headers).await
}

/// Made once per head of the government's chain (see [`crate::chained`]): the overview reads
/// and checks the latest round's table, which is work for a publication, not for a request.
async fn rounds_home(
    state: &AppState,
    lang: Lang,
    gov: &Gov,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let key = Key::Overview(gov.base.clone(), lang.code());
    let base = gov.base.clone();
    let public_checks = state.public_checks;
    let made = crate::chained::serve(state, gov, key, headers, move |head, chain| {
        // The newest publication of each period, newest period first.
        let mut latest: Vec<Publication> = Vec::new();
        for p in chain.into_iter().rev() {
            if !latest.iter().any(|q| q.summary.period == p.summary.period) {
                latest.push(p);
            }
        }
        latest.sort_by_key(|p| std::cmp::Reverse(p.summary.period));
        let overview = match latest.first() {
            Some(p) => {
                let table = table_of(p)?;
                let checks = public_checks.then(|| duban_checks::check_table(&table));
                Some(crate::view::overview::overview(
                    lang,
                    &base,
                    &table,
                    checks.as_ref(),
                ))
            }
            None => None,
        };
        let summaries: Vec<PublicationSummary> = latest.into_iter().map(|p| p.summary).collect();
        let body =
            render::home(lang, &base, &summaries, overview).map_err(|e| ApiError::internal(&e))?;
        Ok(Some(Rendered::new(head, HTML, LATEST, body.into_bytes())))
    })
    .await;
    match made {
        Ok(r) => Ok(r),
        // Nothing published yet: the page says so.
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            let body = render::home(lang, &gov.base, &[], None)
                .map_err(|e| PageError(ApiError::internal(&e)))?;
            Ok(Html(body).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

/// A filter's parameters, refused with 400 and the parameter named.
fn filter_of(query: Option<&str>) -> Result<TableFilter, ApiError> {
    TableFilter::parse(query.unwrap_or(""))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_filter", e))
}

/// The table page, filtered when the query asks (`?unit=…&answer=no…`, see
/// [`crate::view::filter`]). The unfiltered page is the pre-rendered one; each filter's page is
/// rendered once from the publication and cached beside it (see [`Key::Filtered`]).
pub async fn table_page(
    State(state): State<AppState>,
    gov: Gov,
    Path(PeriodPath { period }): Path<PeriodPath>,
    Query(q): Query<LangQuery>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let period = api_period(&period).map_err(|_| ApiError::not_found("period"))?;
    let lang = q.lang();
    let filter = filter_of(raw.as_deref())?;
    let path = gov.link(&format!("/tables/{period}"));
    let key = if filter.is_empty() {
        Key::LatestPage(gov.base.clone(), period.to_string(), lang.code())
    } else {
        Key::Filtered(
            gov.base.clone(),
            period.to_string(),
            lang.code(),
            filter.canonical(),
        )
    };
    let r = latest(&state, key, &gov, period, HTML, |p| {
        table_html(&state, lang, &gov.base, &path, p, Some(&filter))
    })
    .await?;
    Ok(r.respond(&headers))
}

pub async fn permalink(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let lang = q.lang();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("publication").into());
    }
    let key = Key::Permalink(sha256.clone(), lang.code());
    if let Some(r) = state.cache.get(&key) {
        return Ok(r.respond(&headers));
    }
    let p = state
        .store
        .publication(&sha256)
        .await?
        .ok_or_else(|| ApiError::not_found("publication"))?;
    // Links from a permalink go to its government's pages.
    let all = state.governments.get(&state, false).await?;
    let base = base_in(&all, &p.summary.government);
    let body = table_html(
        &state,
        lang,
        &base,
        &format!("/publications/{sha256}"),
        &p,
        None,
    )?;
    let r = compress(sha256, HTML, FOREVER, body).await?;
    state.cache.put(key, r.clone());
    Ok(r.respond(&headers))
}

/// One target followed through the year's published rounds (the newest publication of each),
/// with the approved extensions of the newest. Rendered once per set of publications and
/// re-checked like the other "latest" pages.
#[derive(Debug, serde::Deserialize)]
pub struct TargetPath {
    year: i16,
    no: u32,
}

pub async fn target_page(
    State(state): State<AppState>,
    gov: Gov,
    PagePath(TargetPath { year, no }): PagePath<TargetPath>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let lang = q.lang();
    let key = Key::Target(gov.base.clone(), year, no, lang.code());
    let generation = state.cache.generation();
    let cached = state.cache.get(&key);
    if let Some(r) = &cached
        && !r.due_for_check(state.cache.revalidate_after)
    {
        return Ok(r.respond(&headers));
    }
    // The newest publication of each of the government's rounds of the year, oldest first.
    let all: Vec<PublicationSummary> = state
        .store
        .published()
        .await?
        .into_iter()
        .filter(|p| p.government == gov.name())
        .collect();
    // The same target in the years before and after (结转), where those years have a table.
    let wanted = duban_core::TargetNo::new(no).map_err(|_| ApiError::not_found("target"))?;
    let lineage = state.store.lineage(gov.name(), year, wanted).await?;
    let shown = |r: &&duban_store::PlanRef| all.iter().any(|p| p.period.year() == r.year);
    let across: Vec<duban_store::PlanRef> = lineage
        .predecessor
        .iter()
        .filter(shown)
        .chain(lineage.successors.iter().filter(shown))
        .copied()
        .collect();
    let mut rounds: Vec<PublicationSummary> = all
        .into_iter()
        .filter(|p| p.period.year() == year)
        .collect();
    rounds.reverse();
    // The page shows the target's published messages too: it is current while the same
    // publications and the same decided messages stand.
    let filter = duban_store::MessageFilter::published_on(gov.name(), year, no);
    let mut messages = state.store.messages(&filter).await?;
    messages.reverse();
    let source = rounds
        .iter()
        .map(|p| p.sha256.as_str())
        .chain(
            messages
                .iter()
                .map(|m| m.decided_at.as_deref().unwrap_or("")),
        )
        .map(ToOwned::to_owned)
        .chain(across.iter().map(|r| format!("{}/{}", r.year, r.no)))
        .collect::<Vec<_>>()
        .join(",");
    if let Some(r) = cached
        && r.source_sha256 == source
    {
        r.mark_checked();
        return Ok(r.respond(&headers));
    }
    let mut tables = Vec::with_capacity(rounds.len());
    for p in &rounds {
        if let Some(publication) = state.store.publication(&p.sha256).await? {
            tables.push((p, table_of(&publication)?));
        }
    }
    let found: Vec<(&PublicationSummary, &duban_core::TableTarget)> = tables
        .iter()
        .filter_map(|(p, t)| Some((*p, t.targets.iter().find(|t| t.no.get() == no)?)))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found("target").into());
    }
    // The figures the checks read in each round's entries of this target (rendered once per
    // set of publications, like the page).
    let indicators: Vec<Vec<duban_checks::IndicatorVerdict>> = tables
        .iter()
        .filter(|(_, t)| t.targets.iter().any(|t| t.no.get() == no))
        .map(|(_, t)| {
            if !state.public_checks {
                return Vec::new();
            }
            duban_checks::check_table(t)
                .indicators
                .into_iter()
                .filter(|v| v.target_no == no)
                .collect()
        })
        .collect();
    let links = render::Across {
        predecessor: lineage.predecessor.filter(|r| across.contains(r)),
        successors: lineage
            .successors
            .iter()
            .filter(|r| across.contains(r))
            .copied()
            .collect(),
    };
    let body = render::target_page(
        lang,
        &gov.base,
        year,
        &found,
        &indicators,
        &messages,
        &links,
    )
    .map(String::into_bytes)
    .map_err(|e| ApiError::internal(&e))?;
    let r = compress(source, HTML, TARGET, body).await?;
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r.respond(&headers))
}

/// Every publication, newest first; superseded ones say so.
#[utoipa::path(
    get,
    path = "/api/v1/periods",
    tag = "public",
    responses(
        (status = 200, description = "The published rounds", body = Vec<PublicationSummary>),
    ),
)]
pub async fn api_periods(
    State(state): State<AppState>,
    gov: Gov,
) -> Result<Json<Vec<PublicationSummary>>, ApiError> {
    let mut all = state.store.published().await?;
    all.retain(|p| p.government == gov.name());
    Ok(Json(all))
}

/// The latest publication of a period, in the table JSON of INTERFACES.md: the exact bytes that
/// were hashed. Compressed by `Accept-Encoding`; revalidate with `If-None-Match`.
#[utoipa::path(
    get,
    path = "/api/v1/tables/{period}",
    tag = "public",
    params(("period" = String, Path, description = "2023Q3, 2023M09, 2023H1 or 2023", example = "2023Q3")),
    responses(
        (status = 200, description = "The table as published", body = Table,
            headers(("ETag" = String, description = "Changes when a correction is published"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 404, description = "Nothing published for this period yet", body = crate::error::ErrorBody),
        (status = 422, description = "Not a period", body = crate::error::ErrorBody),
    ),
)]
pub async fn api_table(
    State(state): State<AppState>,
    gov: Gov,
    Path(PeriodPath { period }): Path<PeriodPath>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let period = api_period(&period)?;
    let key = Key::LatestJson(gov.base.clone(), period.to_string());
    let r = latest(&state, key, &gov, period, JSON, |p| {
        Ok(p.content.clone().into_bytes())
    })
    .await?;
    Ok(r.respond(&headers))
}

pub async fn not_found() -> impl IntoResponse {
    PageError(ApiError::not_found("page"))
}

/// The system's CJK fonts, read once, for PDFs (the bundled subset is the fallback).
static PDF_FONTS: std::sync::LazyLock<Vec<Vec<u8>>> =
    std::sync::LazyLock::new(duban_formats::export::system_fonts);

/// The latest publication of a period as a file: `csv`, `xlsx`, `pdf` or `json`.
#[derive(Debug, serde::Deserialize)]
pub struct DownloadPath {
    period: String,
    format: String,
}

pub async fn download(
    State(state): State<AppState>,
    gov: Gov,
    Path(DownloadPath { period, format }): Path<DownloadPath>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let period = api_period(&period)?;
    // The table page's filter, so a download offers the rows the page shows.
    let filter = filter_of(raw.as_deref())?;
    let (format, content_type): (&'static str, &'static str) = match format.as_str() {
        "csv" => ("csv", "text/csv; charset=utf-8"),
        "xlsx" => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "pdf" => ("pdf", "application/pdf"),
        "json" => ("json", JSON),
        _ => return Err(ApiError::not_found("format")),
    };
    let key = if filter.is_empty() {
        Key::Download(gov.base.clone(), period.to_string(), format)
    } else {
        Key::Filtered(
            gov.base.clone(),
            period.to_string(),
            format,
            filter.canonical(),
        )
    };
    let generation = state.cache.generation();
    if let Some(r) = current(&state, &key, &gov, period).await? {
        return Ok(r.respond(&headers));
    }
    let p = state
        .store
        .latest_publication(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no publication for {period}")))?;
    let mut table = table_of(&p)?;
    // What the checks find in the whole round: the filter reads them, and so does the PDF's
    // first page (a filtered table keeps its targets' numbers and entries, so they still apply).
    let checks = (state.public_checks && (!filter.is_empty() || format == "pdf"))
        .then(|| duban_checks::check_table(&table));
    if !filter.is_empty() {
        table = filter.apply(&table, checks.as_ref());
    }
    let stamp = duban_formats::Stamp {
        published_at: p.summary.published_at.clone(),
        sha256: p.summary.sha256.clone(),
    };
    let sha = p.summary.sha256.clone();
    let file = match gov.base.is_empty() {
        true => format!("duban-{period}.{format}"),
        false => format!("duban-{}-{period}.{format}", gov.government.code),
    };
    // Typesetting and zipping are CPU work: off the async threads.
    let r = tokio::task::spawn_blocking(move || -> Result<Rendered, String> {
        Ok(match format {
            "csv" => Rendered::new(
                sha,
                content_type,
                LATEST,
                duban_formats::export::csv(&table),
            )
            .with_attachment(&file),
            "json" => Rendered::new(sha, content_type, LATEST, p.content.into_bytes())
                .with_attachment(&file),
            "xlsx" => Rendered::download(
                sha,
                content_type,
                LATEST,
                duban_formats::export::xlsx(&table, Some(&stamp)).map_err(|e| e.to_string())?,
                &file,
            ),
            _ => Rendered::download(
                sha,
                content_type,
                LATEST,
                duban_formats::export::pdf_with_fonts(
                    &table,
                    Some(&stamp),
                    &PDF_FONTS,
                    Some(&crate::view::overview::front_page(&table, checks.as_ref())),
                )
                .map_err(|e| e.to_string())?,
                &file,
            ),
        })
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))?;
    let r = Arc::new(r);
    state.cache.put_unless_forgotten(key, r.clone(), generation);
    Ok(r.respond(&headers))
}
