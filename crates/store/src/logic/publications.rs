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

/// The head of the chain: its position and hash.
pub(crate) const CHAIN_HEAD_SQL: &str =
    "SELECT chain_position, sha256 FROM publications ORDER BY chain_position DESC LIMIT 1";

/// Appends a [`NewPublication`] (binds in field order, then `content`), returning its id.
pub(crate) const INSERT_SQL: &str = "INSERT INTO publications (round_id, period, chain_position,
         sha256, content_sha256, previous_sha256, published_at, supersedes, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

/// Every publication in chain order, for [`verify`].
pub(crate) const CHAIN_SQL: &str = "SELECT chain_position, period, sha256, content_sha256,
         previous_sha256, published_at, content
     FROM publications ORDER BY chain_position";

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
    pub period: String,
    pub content: String,
    pub content_sha256: String,
}

impl Frozen {
    pub(crate) fn new(table: &Table) -> Frozen {
        let content = table.to_canonical_json();
        Frozen {
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

    /// The publication these bytes make at `published_at`, after the chain's `head` (position,
    /// hash) and replacing the round's `last_of_round`.
    pub(crate) fn link(
        self,
        head: Option<(i64, String)>,
        last_of_round: Option<(i64, String)>,
        published_at: String,
    ) -> NewPublication {
        let (chain_position, previous_sha256) = match head {
            Some((position, sha)) => (position + 1, Some(sha)),
            None => (0, None),
        };
        let sha256 = publication_sha256(
            &self.period,
            &published_at,
            previous_sha256.as_deref(),
            &self.content_sha256,
        );
        NewPublication {
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
    pub period: String,
    pub sha256: String,
    pub content_sha256: String,
    pub previous_sha256: Option<String>,
    pub published_at: String,
    pub content: String,
}

/// Recomputes every publication's hashes and the links of the chain ([`CHAIN_SQL`]'s rows, in
/// chain order), naming each publication that fails.
pub(crate) fn verify(rows: &[ChainRow]) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut previous: Option<&str> = None;
    for (i, row) in rows.iter().enumerate() {
        report.checked += 1;
        let sha = row.sha256.as_str();
        let name = format!(
            "publication {} {}…",
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
        if row.previous_sha256.as_deref() != previous {
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
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(contents: &[&str]) -> Vec<ChainRow> {
        let mut rows: Vec<ChainRow> = Vec::new();
        for (i, content) in contents.iter().enumerate() {
            let frozen = Frozen {
                period: "2023Q3".into(),
                content: (*content).into(),
                content_sha256: content_sha256(content),
            };
            let head = rows.last().map(|r| (r.chain_position, r.sha256.clone()));
            let p = frozen.link(head, None, format!("2023-10-3{i}T00:00:00.000Z"));
            rows.push(ChainRow {
                chain_position: p.chain_position,
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
        let mut rows = chain(&["a", "b", "c"]);
        assert_eq!(
            verify(&rows),
            VerifyReport {
                checked: 3,
                problems: vec![]
            }
        );
        rows[1].content.push(' ');
        let report = verify(&rows);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].starts_with("publication 2023Q3 "));
        assert!(report.problems[0].contains("content no longer matches"));
        rows.remove(1);
        let report = verify(&rows);
        assert!(report.problems[0].contains("gap") && report.problems[0].contains("link"));
    }
}
