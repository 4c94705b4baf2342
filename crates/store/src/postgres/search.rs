//! 检索 on PostgreSQL: each round's newest publication, entry by entry, in `search_docs`, with
//! the terms it is found by (`duban_core::search`: characters and character pairs) in a
//! `TEXT[]` under a GIN index. A query asks for the rows whose terms contain all of its own
//! (`terms @> $1`), in the same order and up to the same number of candidates as SQLite's FTS5
//! query, and `logic::search::hits` keeps those that really contain the text, as on SQLite.
//!
//! Indexed in the publishing transaction (under the `CHAIN` lock the publisher holds), so the
//! index never holds anything unpublished nor misses a publication, and two publications of a
//! round cannot interleave their rows. Unlike SQLite, no database here was published before the
//! index existed, so there is nothing to backfill.

use super::PgStore;
use crate::logic::search::{CANDIDATES, CandidateRow, docs, hits};
use crate::{Search, SearchHit, SearchQuery, StoreError};
use duban_core::Table;
use duban_core::search::query_terms;
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, QueryBuilder};

/// Rows per `INSERT`: thirteen parameters each, well inside PostgreSQL's 65 535 per statement.
const ROWS_PER_INSERT: usize = 1_000;

/// Replaces the round's rows with the entries of its new publication.
pub(crate) async fn index_publication(
    conn: &mut PgConnection,
    round: i64,
    publication: i64,
    table: &Table,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM search_docs WHERE round_id = $1")
        .bind(round)
        .execute(&mut *conn)
        .await?;
    let docs = docs(table);
    // A table's entries in a few statements rather than one each: the publisher holds the
    // chain lock meanwhile.
    for chunk in docs.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO search_docs (round_id, publication_id, government, period, target_no,
                 entry, content, deadline, leaders, units, progress, on_schedule, terms) ",
        );
        insert.push_values(chunk, |mut row, doc| {
            row.push_bind(round)
                .push_bind(publication)
                .push_bind(doc.government)
                .push_bind(&doc.period)
                .push_bind(doc.target_no)
                .push_bind(doc.entry)
                .push_bind(doc.content)
                .push_bind(&doc.deadline)
                .push_bind(&doc.leaders)
                .push_bind(&doc.units)
                .push_bind(doc.progress)
                .push_bind(doc.on_schedule)
                .push_bind(doc.term_list());
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Search for PgStore {
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let terms = query_terms(&query.text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let period = query.period.map(|p| p.to_string());
        // The order and the limit of SQLite's query, `d.id` last so that rows equal in all else
        // come in the order they were indexed on both.
        let rows: Vec<CandidateRow> = sqlx::query_as(
            "SELECT d.government, d.period, d.target_no, d.entry, d.content, d.deadline,
                 d.leaders, d.units, d.progress, d.on_schedule, p.sha256
             FROM search_docs d JOIN publications p ON p.id = d.publication_id
             JOIN rounds r ON r.id = d.round_id
             WHERE d.terms @> $1::text[] AND ($2::text IS NULL OR d.period = $2)
               AND ($4::text IS NULL OR d.government = $4)
             ORDER BY r.period_rank DESC, d.target_no, d.entry, d.id LIMIT $3",
        )
        .bind(terms)
        .bind(period)
        .bind(CANDIDATES)
        .bind(&query.government)
        .fetch_all(&self.pool)
        .await?;
        hits(rows, query)
    }
}
