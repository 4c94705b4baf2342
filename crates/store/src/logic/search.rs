//! 检索 on every backend: the rows a publication is indexed as, and the hits a query's
//! candidates make. Each backend finds candidates by the terms of `duban_core::search` (SQLite
//! through FTS5, PostgreSQL through a GIN index on a `TEXT[]`), in the same order and up to the
//! same number; [`hits`] then keeps those that really contain the text, so the same data gives
//! the same hits on both.

use crate::logic::{parse_names, parse_period, u32_or_zero};
use crate::{SearchHit, SearchQuery, StoreError};
use duban_core::search::{contains, index_terms};
use duban_core::{Leader, Table, Unit};

/// Candidates read before the containment check; a query matching more than this many
/// entries is too broad to be read as a list anyway.
pub(crate) const CANDIDATES: i64 = 2_000;

/// One entry of a publication as `search_docs` holds it.
#[derive(Debug)]
pub(crate) struct Doc<'t> {
    pub government: &'t str,
    pub period: String,
    pub target_no: i64,
    pub entry: i64,
    pub content: &'t str,
    pub deadline: String,
    /// JSON array.
    pub leaders: String,
    /// JSON array.
    pub units: String,
    pub progress: &'t str,
    pub on_schedule: Option<bool>,
    /// What the entry is found by: `index_terms` of its target, progress, leaders and units,
    /// separated by spaces.
    pub terms: String,
}

impl Doc<'_> {
    /// The terms one by one, for PostgreSQL's `TEXT[]` (SQLite's FTS5 takes the string).
    pub(crate) fn term_list(&self) -> Vec<String> {
        self.terms.split_whitespace().map(str::to_owned).collect()
    }
}

/// The entries of a published table, in table order.
pub(crate) fn docs(table: &Table) -> Vec<Doc<'_>> {
    let period = table.period.to_string();
    let mut out = Vec::with_capacity(table.entry_count());
    for t in &table.targets {
        for (i, e) in t.entries.iter().enumerate() {
            let leaders: Vec<&str> = e.leaders.iter().map(|l| l.as_str()).collect();
            let units: Vec<&str> = e.units.iter().map(|u| u.as_str()).collect();
            let text = format!(
                "{} {} {} {}",
                t.content,
                e.progress,
                leaders.join(" "),
                units.join(" ")
            );
            out.push(Doc {
                government: &table.government,
                period: period.clone(),
                target_no: i64::from(t.no.get()),
                entry: i64::try_from(i).unwrap_or(i64::MAX),
                content: &t.content,
                deadline: t.deadline.to_string(),
                leaders: serde_json::to_string(&leaders).unwrap_or_default(),
                units: serde_json::to_string(&units).unwrap_or_default(),
                progress: &e.progress,
                on_schedule: e.on_schedule,
                terms: index_terms(&text),
            });
        }
    }
    out
}

/// A candidate: a `search_docs` row and its publication's hash.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CandidateRow {
    pub government: String,
    pub period: String,
    pub target_no: i64,
    pub entry: i64,
    pub content: String,
    pub deadline: String,
    pub leaders: String,
    pub units: String,
    pub progress: String,
    pub on_schedule: Option<bool>,
    pub sha256: String,
}

/// The candidates, in the order the backend read them (newest round first, then by target
/// and entry), that really contain every word of the query, up to its limit.
pub(crate) fn hits(
    rows: Vec<CandidateRow>,
    query: &SearchQuery,
) -> Result<Vec<SearchHit>, StoreError> {
    // Several words mean all of them, each whole within one field (a target's text, the
    // progress, a leader, a unit): "储备粮 万吨" finds target 39, and a word whose halves lie
    // in two fields does not match.
    let words: Vec<&str> = query.text.split_whitespace().collect();
    let mut hits = Vec::new();
    for row in rows {
        let leaders = parse_names(&row.leaders, "leaders", |n| Leader::parse(n).ok())?;
        let units = parse_names(&row.units, "units", |n| Unit::parse(n).ok())?;
        let fields: Vec<&str> = [row.content.as_str(), row.progress.as_str()]
            .into_iter()
            .chain(leaders.iter().map(|l| l.as_str()))
            .chain(units.iter().map(|u| u.as_str()))
            .collect();
        let found = !words.is_empty()
            && words
                .iter()
                .all(|word| fields.iter().any(|text| contains(text, word)));
        if !found {
            continue;
        }
        hits.push(SearchHit {
            government: row.government,
            period: parse_period(&row.period)
                .map_err(|_| StoreError::Corrupt(format!("period {}", row.period)))?,
            target_no: u32_or_zero(row.target_no),
            entry: u32_or_zero(row.entry),
            content: row.content,
            deadline: row.deadline,
            leaders,
            units,
            progress: row.progress,
            on_schedule: row.on_schedule,
            sha256: row.sha256,
        });
        if hits.len() >= query.limit {
            break;
        }
    }
    Ok(hits)
}
