//! Publications on every backend: what a summary is read from, when a round's table becomes a
//! new publication and how it links to the chain ([`crate::chain`]), and the verification of
//! the whole chain, as pure functions over rows.
//!
//! The statements read the same in both dialects (`EXISTS` is an integer on SQLite and a
//! boolean on PostgreSQL; both decode as `bool`), so they are written here once. Taking turns on
//! the chain is each backend's business: SQLite's write lock, PostgreSQL's advisory lock.

use crate::chain::{content_sha256, publication_sha256};
use crate::logic::parse_period;
use crate::{Publication, PublicationSummary, StoreError, VerifyReport};
use duban_core::Table;
use serde_json::{Value, json};

/// The columns of a [`SummaryRow`]; with [`SUMMARY_FROM`].
pub(crate) const SUMMARY_COLUMNS: &str =
    "p.period, pl.government, r.title, p.sha256, p.content_sha256, p.previous_sha256,
    p.published_at, (SELECT s.sha256 FROM publications s WHERE s.id = p.supersedes) AS supersedes,
    EXISTS (SELECT 1 FROM publications n WHERE n.supersedes = p.id) AS superseded";
pub(crate) const SUMMARY_FROM: &str =
    "FROM publications p JOIN rounds r ON r.id = p.round_id JOIN plans pl ON pl.id = r.plan_id";

/// The newest publication of a round: its id and content hash.
pub(crate) const LAST_OF_ROUND_SQL: &str =
    "SELECT id, content_sha256 FROM publications WHERE round_id = $1 ORDER BY id DESC LIMIT 1";

/// The head of a government's chain: the hash its next publication links to.
pub(crate) const GOVERNMENT_HEAD_SQL: &str = "SELECT sha256 FROM publications
    WHERE government = $1 ORDER BY chain_position DESC LIMIT 1";

/// The last place taken in the order over all publications.
pub(crate) const LAST_POSITION_SQL: &str = "SELECT MAX(chain_position) FROM publications";

/// Appends a [`NewPublication`] (binds in field order, then `content`, then the government),
/// returning its id.
pub(crate) const INSERT_SQL: &str = "INSERT INTO publications (round_id, period, chain_position,
         sha256, content_sha256, previous_sha256, published_at, supersedes, content, government)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

/// Every publication in chain order, for [`verify`].
pub(crate) const CHAIN_SQL: &str = "SELECT chain_position, government, period, sha256,
         content_sha256, previous_sha256, published_at, content
     FROM publications ORDER BY chain_position";

/// The last place of the publications made before chains were per government (see the
/// migration `0007_governments`): those link to the one before them over all governments.
pub(crate) const LEGACY_END_SQL: &str = "SELECT last_position FROM chain_legacy";

/// The newest publication of a government's period, with its content.
pub(crate) fn latest_sql() -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM}
         WHERE p.government = $1 AND p.period = $2 ORDER BY p.id DESC LIMIT 1"
    )
}

/// The hash alone of [`latest_sql`]'s publication.
pub(crate) const LATEST_SHA_SQL: &str = "SELECT sha256 FROM publications
    WHERE government = $1 AND period = $2 ORDER BY id DESC LIMIT 1";

/// Every publication of a government in chain order, with its content.
pub(crate) fn chain_of_sql() -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM}
         WHERE p.government = $1 ORDER BY p.chain_position"
    )
}

/// Every publication of a government's period, newest first.
pub(crate) fn of_period_sql() -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
         WHERE p.government = $1 AND p.period = $2 ORDER BY p.id DESC"
    )
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SummaryRow {
    pub period: String,
    pub government: String,
    pub title: String,
    pub sha256: String,
    pub content_sha256: String,
    pub previous_sha256: Option<String>,
    pub published_at: String,
    pub supersedes: Option<String>,
    pub superseded: bool,
}

impl SummaryRow {
    pub(crate) fn summary(self) -> Result<PublicationSummary, StoreError> {
        Ok(PublicationSummary {
            period: parse_period(&self.period)?,
            government: self.government,
            title: self.title,
            sha256: self.sha256,
            content_sha256: self.content_sha256,
            previous_sha256: self.previous_sha256,
            published_at: self.published_at,
            supersedes: self.supersedes,
            superseded: self.superseded,
        })
    }
}

/// [`SUMMARY_COLUMNS`] and `p.content`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PublicationRow {
    #[sqlx(flatten)]
    pub summary: SummaryRow,
    pub content: String,
}

impl PublicationRow {
    pub(crate) fn publication(self) -> Result<Publication, StoreError> {
        Ok(Publication {
            summary: self.summary.summary()?,
            content: self.content,
        })
    }
}

/// Summaries from rows.
pub(crate) fn summaries(rows: Vec<SummaryRow>) -> Result<Vec<PublicationSummary>, StoreError> {
    rows.into_iter().map(SummaryRow::summary).collect()
}

/// The newest publication of each round, as `published` lists them: newest period first, then
/// by government.
pub(crate) fn sort_published(v: &mut [PublicationSummary]) {
    v.sort_by(|a, b| {
        b.period
            .cmp(&a.period)
            .then_with(|| a.government.cmp(&b.government))
    });
}

/// A table frozen to its published bytes.
#[derive(Debug)]
pub(crate) struct Frozen {
    pub government: String,
    pub period: String,
    pub content: String,
    pub content_sha256: String,
}

impl Frozen {
    pub(crate) fn new(table: &Table) -> Frozen {
        let content = table.to_canonical_json();
        Frozen {
            government: table.government.clone(),
            period: table.period.to_string(),
            content_sha256: content_sha256(&content),
            content,
        }
    }

    /// Whether the round's newest publication (id, content hash) already holds these bytes:
    /// then nothing is published.
    pub(crate) fn is_published_as(&self, last_of_round: Option<&(i64, String)>) -> bool {
        last_of_round.is_some_and(|(_, h)| *h == self.content_sha256)
    }

    /// The publication these bytes make at `published_at`: in the place after `last_position`
    /// (over all governments), linked to `previous_sha256` (the head of its government's
    /// chain), replacing the round's `last_of_round`.
    pub(crate) fn link(
        self,
        last_position: Option<i64>,
        previous_sha256: Option<String>,
        last_of_round: Option<(i64, String)>,
        published_at: String,
    ) -> NewPublication {
        let chain_position = last_position.map_or(0, |p| p + 1);
        let sha256 = publication_sha256(
            &self.period,
            &published_at,
            previous_sha256.as_deref(),
            &self.content_sha256,
        );
        NewPublication {
            government: self.government,
            period: self.period,
            chain_position,
            sha256,
            content_sha256: self.content_sha256,
            previous_sha256,
            published_at,
            supersedes: last_of_round.map(|(id, _)| id),
            content: self.content,
        }
    }
}

/// A publication about to be appended ([`INSERT_SQL`]).
#[derive(Debug)]
pub(crate) struct NewPublication {
    pub government: String,
    pub period: String,
    pub chain_position: i64,
    pub sha256: String,
    pub content_sha256: String,
    pub previous_sha256: Option<String>,
    pub published_at: String,
    pub supersedes: Option<i64>,
    pub content: String,
}

impl NewPublication {
    /// The audit subject of `publication.create`.
    pub(crate) fn subject(&self) -> String {
        format!("round:{}", self.period)
    }

    /// The audit record's "after" of `publication.create`.
    pub(crate) fn audit_after(&self) -> Value {
        json!({"sha256": self.sha256, "previous_sha256": self.previous_sha256, "content_sha256": self.content_sha256})
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChainRow {
    pub chain_position: i64,
    pub government: Option<String>,
    pub period: String,
    pub sha256: String,
    pub content_sha256: String,
    pub previous_sha256: Option<String>,
    pub published_at: String,
    pub content: String,
}

/// Recomputes every publication's hashes and the links of each government's chain
/// ([`CHAIN_SQL`]'s rows, in chain order), naming the government and the publication of each
/// that fails. Publications up to `legacy_end` were linked in one chain over all governments
/// and are checked by that rule.
pub(crate) fn verify(rows: &[ChainRow], legacy_end: Option<i64>) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut previous: Option<&str> = None;
    let mut previous_of: std::collections::HashMap<&str, &str> = Default::default();
    for (i, row) in rows.iter().enumerate() {
        report.checked += 1;
        let sha = row.sha256.as_str();
        let government = row.government.as_deref().unwrap_or("");
        let name = format!(
            "{government}: publication {} {}…",
            row.period,
            sha.get(..12).unwrap_or(sha)
        );
        let mut wrong = Vec::new();
        if row.chain_position != i as i64 {
            wrong.push("the chain has a gap before it");
        }
        let actual_content_sha = content_sha256(&row.content);
        if actual_content_sha != row.content_sha256 {
            wrong.push("its content no longer matches its hash");
        }
        let legacy = legacy_end.is_some_and(|end| row.chain_position <= end);
        let expected = if legacy {
            previous
        } else {
            previous_of.get(government).copied()
        };
        if row.previous_sha256.as_deref() != expected {
            wrong.push("it does not link to the publication before it");
        }
        let recomputed = publication_sha256(
            &row.period,
            &row.published_at,
            row.previous_sha256.as_deref(),
            &actual_content_sha,
        );
        if recomputed != sha {
            wrong.push("its hash does not match its period, date, link and content");
        }
        if !wrong.is_empty() {
            report
                .problems
                .push(format!("{name}: {}", wrong.join("; ")));
        }
        previous = Some(sha);
        previous_of.insert(government, sha);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Publications of `(government, content)` in this order, each linked to its government's.
    fn chain(contents: &[(&str, &str)]) -> Vec<ChainRow> {
        let mut rows: Vec<ChainRow> = Vec::new();
        for (i, (government, content)) in contents.iter().enumerate() {
            let frozen = Frozen {
                government: (*government).into(),
                period: "2023Q3".into(),
                content: (*content).into(),
                content_sha256: content_sha256(content),
            };
            let previous = rows
                .iter()
                .rev()
                .find(|r| r.government.as_deref() == Some(*government))
                .map(|r| r.sha256.clone());
            let last = rows.last().map(|r| r.chain_position);
            let p = frozen.link(last, previous, None, format!("2023-10-3{i}T00:00:00.000Z"));
            rows.push(ChainRow {
                chain_position: p.chain_position,
                government: Some(p.government),
                period: p.period,
                sha256: p.sha256,
                content_sha256: p.content_sha256,
                previous_sha256: p.previous_sha256,
                published_at: p.published_at,
                content: p.content,
            });
        }
        rows
    }

    #[test]
    fn a_sound_chain_verifies_and_a_changed_byte_is_named() {
        let mut rows = chain(&[("H", "a"), ("H", "b"), ("H", "c")]);
        assert_eq!(
            verify(&rows, None),
            VerifyReport {
                checked: 3,
                problems: vec![]
            }
        );
        rows[1].content.push(' ');
        let report = verify(&rows, None);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].starts_with("H: publication 2023Q3 "));
        assert!(report.problems[0].contains("content no longer matches"));
        rows.remove(1);
        let report = verify(&rows, None);
        assert!(report.problems[0].contains("gap") && report.problems[0].contains("link"));
    }

    #[test]
    fn each_government_has_its_chain_and_a_break_names_it() {
        let mut rows = chain(&[("H", "a"), ("Y", "b"), ("H", "c"), ("Y", "d")]);
        assert_eq!(
            rows[2].previous_sha256.as_deref(),
            Some(rows[0].sha256.as_str())
        );
        assert!(verify(&rows, None).problems.is_empty());
        rows[3].content.push(' ');
        let report = verify(&rows, None);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].starts_with("Y: "),
            "{:?}",
            report.problems
        );
        // Read as one chain over both, the same rows break at every change of government.
        rows[3].content.pop();
        assert!(!verify(&rows, Some(3)).problems.is_empty());
    }

    #[test]
    fn a_chain_from_before_governments_verifies_by_its_own_rule() {
        // Made before: one chain over both governments.
        let mut rows: Vec<ChainRow> = Vec::new();
        for (i, (government, content)) in [("H", "a"), ("Y", "b"), ("H", "c")].iter().enumerate() {
            let frozen = Frozen {
                government: (*government).into(),
                period: "2023Q3".into(),
                content: (*content).into(),
                content_sha256: content_sha256(content),
            };
            let last = rows.last().map(|r| (r.chain_position, r.sha256.clone()));
            let p = frozen.link(
                last.as_ref().map(|l| l.0),
                last.map(|l| l.1),
                None,
                format!("2023-10-3{i}T00:00:00.000Z"),
            );
            rows.push(ChainRow {
                chain_position: p.chain_position,
                government: Some(p.government),
                period: p.period,
                sha256: p.sha256,
                content_sha256: p.content_sha256,
                previous_sha256: p.previous_sha256,
                published_at: p.published_at,
                content: p.content,
            });
        }
        assert!(verify(&rows, Some(2)).problems.is_empty());
        assert!(!verify(&rows, None).problems.is_empty());
    }
}
