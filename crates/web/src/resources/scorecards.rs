//! The year's scorecard (`/scorecards/{year}`, and `/scorecards/{year}.csv`): every lead unit
//! ranked as a 通报 ranks them, with the rule on the page and each number linking to the entries
//! behind it (the table filtered to the unit). Made once per head of the government's chain of
//! publications (see `crate::chained`) and served pre-compressed with its ETag.

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::error::ApiError;
use crate::extract::LangQuery;
use crate::government::Gov;
use crate::view::i18n::{Labels, Lang};
use crate::view::scorecard::{UnitScore, scores};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::{Period, Table};
use serde::Deserialize;

const HTML: &str = "text/html; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

#[derive(Debug, Deserialize)]
pub struct ScorecardPath {
    /// `2023` or `2023.csv`.
    file: String,
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct ScorecardPage {
    l: Labels,
    year: i16,
    /// The rounds counted, newest first: (period, its label).
    rounds: Vec<(String, String)>,
    /// Rank, score, the newest table filtered to the unit, the unit's page.
    rows: Vec<(usize, UnitScore, String, String)>,
}

pub async fn scorecard(
    State(state): State<AppState>,
    gov: Gov,
    Path(ScorecardPath { file }): Path<ScorecardPath>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (year, csv) = match file.strip_suffix(".csv") {
        Some(y) => (y, true),
        None => (file.as_str(), false),
    };
    let year: i16 = year
        .parse()
        .ok()
        .filter(|y| (1949..=2200).contains(y))
        .ok_or_else(|| ApiError::not_found("year"))?;
    let lang = q.lang();
    let kind = if csv { "csv" } else { lang.code() };
    let key = Key::Scorecard(gov.base.clone(), year, kind);
    let base = gov.base.clone();
    let public_checks = state.public_checks;
    crate::chained::serve(&state, &gov, key, &headers, move |head, chain| {
        // The newest publication of each of the year's rounds, newest round first.
        let latest: Vec<(Period, Table)> = crate::chained::newest_per_round(chain)?
            .into_iter()
            .filter(|(p, _)| p.year() == year)
            .collect();
        if latest.is_empty() {
            return Ok(None);
        }
        let checks: Vec<duban_checks::CheckReport> = latest
            .iter()
            .map(|(_, t)| crate::chained::public_checks_of(t, public_checks))
            .collect();
        let rounds: Vec<(&Table, &duban_checks::CheckReport)> =
            latest.iter().map(|(_, t)| t).zip(&checks).collect();
        let ranked = scores(&rounds);
        let body = if csv {
            csv_of(&ranked)?
        } else {
            page(lang, &base, year, &latest, ranked)?
        };
        Ok(Some(Rendered::new(
            head,
            if csv { CSV } else { HTML },
            CACHE_CONTROL,
            body,
        )))
    })
    .await
}

fn page(
    lang: Lang,
    base: &str,
    year: i16,
    latest: &[(Period, Table)],
    ranked: Vec<UnitScore>,
) -> Result<Vec<u8>, ApiError> {
    let newest = latest
        .first()
        .map(|(p, _)| p.to_string())
        .unwrap_or_default();
    let suffix = if lang == Lang::En { "&lang=en" } else { "" };
    let rows = ranked
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("unit", &s.unit)
                .finish();
            let page = format!(
                "{base}/units/{}?year={year}{suffix}",
                crate::view::feed::encoded(&s.unit)
            );
            (
                i + 1,
                s,
                format!("{base}/tables/{newest}?{q}{suffix}"),
                page,
            )
        })
        .collect();
    ScorecardPage {
        l: Labels::new(lang, &format!("{base}/scorecards/{year}")).under(base),
        year,
        rounds: latest
            .iter()
            .map(|(p, _)| (p.to_string(), lang.period_label(*p)))
            .collect(),
        rows,
    }
    .render()
    .map(String::into_bytes)
    .map_err(|e| ApiError::internal(&e))
}

/// The same table as CSV (UTF-8 with a BOM, so Excel shows the Chinese).
fn csv_of(ranked: &[UnitScore]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| ApiError::internal(&e);
    w.write_record([
        "名次",
        "责任单位",
        "牵头条目",
        "按时报送",
        "迟报",
        "未报送",
        "按时率",
        "被退回次数",
        "填报“是”但数据显示滞后",
        "文字缺失或重复等",
    ])
    .map_err(io)?;
    for (i, s) in ranked.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            duban_formats::neutralise::escape(&s.unit).into_owned(),
            s.entries.to_string(),
            s.on_time.to_string(),
            s.late.to_string(),
            s.missing.to_string(),
            s.on_time_rate(),
            s.returned.to_string(),
            s.not_supported.to_string(),
            s.damaged.to_string(),
        ])
        .map_err(io)?;
    }
    w.into_inner().map_err(|e| ApiError::internal(&e))
}
