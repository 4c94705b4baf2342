//! 检索 on PostgreSQL: each round's newest publication, entry by entry, in `search_docs`, with
//! the terms it is found by (`duban_core::search`: characters and character pairs) in a
//! `TEXT[]` under a GIN index. A query asks for the rows whose terms contain all of its own
//! (`terms @> $1`), in the same order and up to the same number of candidates as SQLite's FTS5
//! query, and `logic::search::hits` keeps those that really contain the text, as on SQLite.
//!
//! Indexed in the publishing transaction (under the `CHAIN` lock the publisher holds), so the
//! index never holds anything unpublished nor misses a publication, and two publications of a
//! round cannot interleave their rows. A database whose index was emptied by a migration (the
//! sort key's, `0003_search_order`) is refilled when the store opens ([`PgStore::backfill_search`]).

use super::PgStore;
use crate::logic::search::{
    CandidateRow, Collector, GOVERNMENT_ID_SQL, PERIOD_RANK_SQL, ROUND_RANK_SQL, docs, key_range,
};
use crate::{Search, SearchHit, SearchQuery, StoreError};
use duban_core::Table;
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
    let rank: i64 = sqlx::query_scalar(ROUND_RANK_SQL)
        .bind(round)
        .fetch_one(&mut *conn)
        .await?;
    let government: i64 = sqlx::query_scalar(GOVERNMENT_ID_SQL)
        .bind(&table.government)
        .fetch_one(&mut *conn)
        .await?;
    let docs = docs(table, rank, government)?;
    // A table's entries in a few statements rather than one each: the publisher holds the
    // chain lock meanwhile.
    for chunk in docs.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO search_docs (sort_key, round_id, publication_id, government, period,
                 target_no, entry, content, deadline, leaders, units, progress, on_schedule,
                 terms) ",
        );
        insert.push_values(chunk, |mut row, doc| {
            row.push_bind(doc.sort_key)
                .push_bind(round)
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

impl PgStore {
    /// Fills the index from the newest publication of every round when it is empty and
    /// something is published (after the migration that emptied it). Under the `CHAIN` lock,
    /// so that instances starting together fill it once and no publication interleaves.
    pub(crate) async fn backfill_search(&self) -> Result<(), StoreError> {
        let needed = "SELECT NOT EXISTS (SELECT 1 FROM search_docs)
                          AND EXISTS (SELECT 1 FROM publications)";
        let todo: bool = sqlx::query_scalar(needed).fetch_one(&self.pool).await?;
        if !todo {
            return Ok(());
        }
        let mut tx = self.write().await?;
        super::lock(&mut tx, super::locks::CHAIN).await?;
        let filled = sqlx::query_scalar::<_, bool>(needed)
            .fetch_one(&mut *tx)
            .await?;
        if filled {
            reindex(&mut tx).await?;
        }
        tx.commit().await?;
        if filled {
            // Statistics for the terms now, not whenever autovacuum comes by: without them the
            // planner takes a common word for a rare one and reads every entry it is in
            // (120 ms at 100,000 entries) instead of walking the key (1.5 ms).
            sqlx::query("ANALYZE search_docs")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// Fills the search index from the newest publication of each round.
pub(crate) async fn reindex(conn: &mut PgConnection) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT round_id, id, content FROM publications
         WHERE id IN (SELECT MAX(id) FROM publications GROUP BY round_id)",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (round, publication, content) in rows {
        let table: Table = serde_json::from_str(&content)
            .map_err(|e| StoreError::Corrupt(format!("publication {publication}: {e}")))?;
        index_publication(conn, round, publication, &table).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Search for PgStore {
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let terms = query.terms();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let rank: Option<i64> = match query.period {
            Some(p) => {
                sqlx::query_scalar(PERIOD_RANK_SQL)
                    .bind(p.to_string())
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => None,
        };
        let Some((from, to)) = key_range(query, rank) else {
            return Ok(Vec::new());
        };
        // SQLite's order and batches. A common word walks the key's b-tree backwards,
        // checking terms as it goes, and stops at the batch's limit; a rare one is found
        // through the GIN index and its few rows sorted. The planner chooses by the terms'
        // statistics.
        let mut hits = Collector::new(query, to);
        loop {
            let rows: Vec<CandidateRow> = sqlx::query_as(
                "SELECT d.sort_key, d.government, d.period, d.target_no, d.entry, d.content,
                     d.deadline, d.leaders, d.units, d.progress, d.on_schedule, p.sha256
                 FROM search_docs d JOIN publications p ON p.id = d.publication_id
                 WHERE d.terms @> $1::text[] AND d.sort_key >= $2 AND d.sort_key < $3
                   AND ($5::text IS NULL OR d.government = $5)
                 ORDER BY d.sort_key DESC LIMIT $4",
            )
            .bind(&terms)
            .bind(from)
            .bind(hits.below)
            .bind(hits.batch())
            .bind(&query.government)
            .fetch_all(&self.pool)
            .await?;
            if hits.take(rows)? {
                return Ok(hits.hits());
            }
        }
    }
}
