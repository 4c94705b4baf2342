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
/// entries without filling its page is too broad to be read as a list anyway.
pub(crate) const CANDIDATES: usize = 2_000;

/// The most candidates read at a time, newest first. A query starts smaller (see
/// [`Collector::batch`]): most fill their page from the first few candidates, and each one read
/// costs its text's transfer and, on PostgreSQL, the rows its index scan filtered out.
pub(crate) const BATCH: i64 = 400;

/// A government's id, which the sort key carries.
pub(crate) const GOVERNMENT_ID_SQL: &str = "SELECT id FROM governments WHERE name = $1";

/// A round's place in period order (`rounds.period_rank`).
pub(crate) const ROUND_RANK_SQL: &str = "SELECT period_rank FROM rounds WHERE id = $1";

/// A period's place in period order, from any round of it.
pub(crate) const PERIOD_RANK_SQL: &str = "SELECT period_rank FROM rounds WHERE period = $1 LIMIT 1";

/// The bits of a [`sort_key`] below the period's rank, and those of each part in them.
const RANK_SHIFT: u32 = 40;
const TARGET_BITS: u32 = 16;
const ENTRY_BITS: u32 = 12;
const GOVERNMENT_BITS: u32 = 12;

/// An entry's place in the order a search lists hits, as one integer that an index keeps in
/// order: the newest round first (a higher `period_rank`), then by target number and entry
/// (stored reversed, so that descending keys ascend in them), then by government. Unique per
/// entry of a round's newest publication. Read backwards from the largest, it is the order
/// INTERFACES.md promises; a period is the range [`period_range`].
pub(crate) fn sort_key(
    period_rank: i64,
    target_no: i64,
    entry: i64,
    government_id: i64,
) -> Result<i64, StoreError> {
    let fits = |v: i64, bits: u32| (0..1 << bits).contains(&v);
    if !(fits(target_no, TARGET_BITS)
        && fits(entry, ENTRY_BITS)
        && fits(government_id, GOVERNMENT_BITS)
        && (0..1 << (63 - RANK_SHIFT)).contains(&period_rank))
    {
        return Err(StoreError::Invalid(format!(
            "cannot index target {target_no}, entry {entry} of government {government_id}: \
             the search index holds up to {} targets, {} entries each and {} governments",
            (1 << TARGET_BITS) - 1,
            (1 << ENTRY_BITS) - 1,
            (1 << GOVERNMENT_BITS) - 1
        )));
    }
    let target = (1 << TARGET_BITS) - 1 - target_no;
    let entry = (1 << ENTRY_BITS) - 1 - entry;
    Ok((period_rank << RANK_SHIFT)
        | (target << (ENTRY_BITS + GOVERNMENT_BITS))
        | (entry << GOVERNMENT_BITS)
        | government_id)
}

/// The keys of one period's entries: `[from, to)`.
pub(crate) fn period_range(period_rank: i64) -> (i64, i64) {
    (period_rank << RANK_SHIFT, (period_rank + 1) << RANK_SHIFT)
}

/// Every key.
pub(crate) const ALL_KEYS: (i64, i64) = (0, i64::MAX);

/// The keys a query reads: every key, or its period's when it names one (given that period's
/// rank, read by [`PERIOD_RANK_SQL`]); `None` when the period named has no round, so nothing
/// can match.
pub(crate) fn key_range(query: &SearchQuery, period_rank: Option<i64>) -> Option<(i64, i64)> {
    match query.period {
        None => Some(ALL_KEYS),
        Some(_) => period_rank.map(period_range),
    }
}

/// One entry of a publication as `search_docs` holds it.
#[derive(Debug)]
pub(crate) struct Doc<'t> {
    pub sort_key: i64,
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

/// The entries of a published table, in table order; `period_rank` is its round's and
/// `government_id` its government's, for the [`sort_key`].
pub(crate) fn docs(
    table: &Table,
    period_rank: i64,
    government_id: i64,
) -> Result<Vec<Doc<'_>>, StoreError> {
    let period = table.period.to_string();
    let mut out = Vec::with_capacity(table.entry_count());
    for t in &table.targets {
        for (i, e) in t.entries.iter().enumerate() {
            let entry = i64::try_from(i).unwrap_or(i64::MAX);
            let leaders: Vec<&str> = e.leaders().iter().map(|l| l.as_str()).collect();
            let units: Vec<&str> = e.units.iter().map(|u| u.as_str()).collect();
            // What a citizen may look for: the target, what was reported (with its problems and
            // plans), and everyone named, assisting units too.
            let mut text = format!(
                "{} {} {} {}",
                t.content,
                e.progress,
                leaders.join(" "),
                units.join(" ")
            );
            for said in [&e.problems, &e.next_steps, &e.remarks]
                .into_iter()
                .flatten()
            {
                text.push(' ');
                text.push_str(said);
            }
            for u in &e.assisting_units {
                text.push(' ');
                text.push_str(u.as_str());
            }
            out.push(Doc {
                sort_key: sort_key(period_rank, i64::from(t.no.get()), entry, government_id)?,
                government: &table.government,
                period: period.clone(),
                target_no: i64::from(t.no.get()),
                entry,
                content: &t.content,
                deadline: t.deadline.to_string(),
                leaders: serde_json::to_string(&leaders).unwrap_or_default(),
                units: serde_json::to_string(&units).unwrap_or_default(),
                progress: &e.progress,
                on_schedule: e.answer(),
                terms: index_terms(&text),
            });
        }
    }
    Ok(out)
}

/// A candidate: a `search_docs` row and its publication's hash.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CandidateRow {
    pub sort_key: i64,
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

/// Gathers the hits of a query from its candidates, read batch by batch in key order (newest
/// round first, then by target and entry): it keeps those of the government asked for that
/// really contain every word of the query, and says when the page is full or enough was read.
#[derive(Debug)]
pub(crate) struct Collector<'q> {
    query: &'q SearchQuery,
    words: Vec<&'q str>,
    hits: Vec<SearchHit>,
    /// Matches passed over for the query's offset.
    skipped: usize,
    read: usize,
    /// The smallest key read: the next batch reads below it.
    pub below: i64,
    /// How many candidates the next batch asks for.
    batch: i64,
}

impl<'q> Collector<'q> {
    /// A collector for keys below `below`.
    pub(crate) fn new(query: &'q SearchQuery, below: i64) -> Collector<'q> {
        Collector {
            query,
            // Several words mean all of them, each whole within one field (a target's text,
            // the progress, a leader, a unit): "储备粮 万吨" finds target 39, and a word whose
            // halves lie in two fields does not match.
            words: query.text.split_whitespace().collect(),
            hits: Vec::new(),
            skipped: 0,
            read: 0,
            below,
            // Twice what the page needs: a single word's candidates are nearly all hits, and
            // several words' (each whole within one field) mostly are.
            batch: i64::try_from((query.offset + query.limit).saturating_mul(2))
                .unwrap_or(BATCH)
                .clamp(32, BATCH),
        }
    }

    /// How many candidates to read next: a first batch sized to the page, then four times more
    /// each time the page is still not full, up to [`BATCH`].
    pub(crate) fn batch(&self) -> i64 {
        self.batch
    }

    /// Takes a batch (at most [`Collector::batch`] rows, in descending key order); `true` when
    /// no further batch is needed: the page is full, the candidates ran out, or enough were
    /// read.
    pub(crate) fn take(&mut self, rows: Vec<CandidateRow>) -> Result<bool, StoreError> {
        let exhausted = rows.len() < usize::try_from(self.batch).unwrap_or(usize::MAX);
        self.batch = self.batch.saturating_mul(4).min(BATCH);
        self.read += rows.len();
        for row in rows {
            self.below = row.sort_key;
            if self.hits.len() >= self.query.limit {
                break;
            }
            if self
                .query
                .government
                .as_ref()
                .is_some_and(|g| *g != row.government)
            {
                continue;
            }
            let leaders = parse_names(&row.leaders, "leaders", |n| Leader::parse(n).ok())?;
            let units = parse_names(&row.units, "units", |n| Unit::parse(n).ok())?;
            let fields: Vec<&str> = [row.content.as_str(), row.progress.as_str()]
                .into_iter()
                .chain(leaders.iter().map(|l| l.as_str()))
                .chain(units.iter().map(|u| u.as_str()))
                .collect();
            let found = !self.query.is_empty()
                && self
                    .words
                    .iter()
                    .all(|word| fields.iter().any(|text| contains(text, word)))
                && named(&self.query.unit, &units, Unit::as_str)
                && named(&self.query.leader, &leaders, Leader::as_str)
                && self
                    .query
                    .unit_groups
                    .iter()
                    .all(|group| units.iter().any(|u| group.iter().any(|g| g == u.as_str())));
            if !found {
                continue;
            }
            if self.skipped < self.query.offset {
                self.skipped += 1;
                continue;
            }
            self.hits.push(SearchHit {
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
        }
        Ok(self.hits.len() >= self.query.limit || exhausted || self.read >= CANDIDATES)
    }

    pub(crate) fn hits(self) -> Vec<SearchHit> {
        self.hits
    }
}

/// Whether `names` hold `wanted` exactly (or nothing is wanted).
fn named<T>(wanted: &Option<String>, names: &[T], name: fn(&T) -> &str) -> bool {
    wanted
        .as_deref()
        .is_none_or(|w| names.iter().any(|n| name(n) == w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_as_a_search_lists() {
        let k = |rank, no, entry, gov| sort_key(rank, no, entry, gov).unwrap();
        // Newest round first; within it by target, then entry, ascending.
        assert!(k(2_023_093, 40, 0, 1) > k(2_023_061, 1, 0, 1));
        assert!(k(2_023_093, 1, 0, 1) > k(2_023_093, 2, 0, 1));
        assert!(k(2_023_093, 1, 0, 1) > k(2_023_093, 1, 1, 1));
        assert_ne!(k(2_023_093, 1, 0, 1), k(2_023_093, 1, 0, 2));
        let (from, to) = period_range(2_023_093);
        assert!((from..to).contains(&k(2_023_093, 1, 0, 1)));
        assert!((from..to).contains(&k(2_023_093, 65_535, 4_095, 4_095)));
        assert!(!(from..to).contains(&k(2_023_094, 1, 0, 1)));
        assert!(sort_key(2_023_093, 1 << 16, 0, 1).is_err());
        assert!(sort_key(2_023_093, 1, 1 << 12, 1).is_err());
    }
}
