//! 检索 on SQLite: each round's newest publication, entry by entry, in `search_docs`, and the
//! terms it is found by in the FTS5 table `search_terms` (see `duban_core::search` for why the
//! terms are characters and pairs). Indexed in the publishing transaction, so the index never
//! holds anything unpublished nor misses a publication.

use super::SqliteStore;
use crate::logic::search::{CANDIDATES, CandidateRow, docs, hits};
use crate::{Search, SearchHit, SearchQuery, StoreError};
use duban_core::Table;
use duban_core::search::query_terms;
use sqlx::sqlite::SqliteConnection;

/// Replaces the round's rows with the entries of its new publication.
pub(crate) async fn index_publication(
    conn: &mut SqliteConnection,
    round: i64,
    publication: i64,
    table: &Table,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM search_terms WHERE rowid IN (SELECT id FROM search_docs WHERE round_id = $1)",
    )
    .bind(round)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM search_docs WHERE round_id = $1")
        .bind(round)
        .execute(&mut *conn)
        .await?;
    for doc in docs(table) {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO search_docs (round_id, publication_id, government, period, target_no,
                 entry, content, deadline, leaders, units, progress, on_schedule)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(round)
        .bind(publication)
        .bind(doc.government)
        .bind(&doc.period)
        .bind(doc.target_no)
        .bind(doc.entry)
        .bind(doc.content)
        .bind(&doc.deadline)
        .bind(&doc.leaders)
        .bind(&doc.units)
        .bind(doc.progress)
        .bind(doc.on_schedule.map(i64::from))
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO search_terms (rowid, terms) VALUES ($1, $2)")
            .bind(id)
            .bind(&doc.terms)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl SqliteStore {
    /// Indexes the newest publication of every round, for a database published before the
    /// index existed. Does nothing once anything is indexed.
    pub(crate) async fn backfill_search(&self) -> Result<(), StoreError> {
        // Every command opens the store: the common answer ("nothing to do") is read without
        // taking the write lock a running server may be using.
        let needed = "SELECT NOT EXISTS (SELECT 1 FROM search_docs)
                          AND EXISTS (SELECT 1 FROM publications)";
        let todo: bool = sqlx::query_scalar(needed).fetch_one(&self.pool).await?;
        if !todo {
            return Ok(());
        }
        let mut tx = self.write().await?;
        // Asked again under the lock: another process may have filled it meanwhile.
        if !sqlx::query_scalar::<_, bool>(needed)
            .fetch_one(&mut *tx)
            .await?
        {
            return Ok(());
        }
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT round_id, id, content FROM publications
             WHERE id IN (SELECT MAX(id) FROM publications GROUP BY round_id)",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (round, publication, content) in rows {
            let table: Table = serde_json::from_str(&content)
                .map_err(|e| StoreError::Corrupt(format!("publication {publication}: {e}")))?;
            index_publication(&mut tx, round, publication, &table).await?;
        }
        tx.commit().await
    }
}

#[async_trait::async_trait]
impl Search for SqliteStore {
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let terms = query_terms(&query.text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        // Terms are letters and digits only (see `query_terms`), quoted for FTS5. Every hit
        // contains the words, so they are listed as a table reader expects rather than by a
        // relevance score: the newest round first, then by number.
        let matching = terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" AND ");
        let period = query.period.map(|p| p.to_string());
        // `d.id` last: rows equal in everything else (two governments' entries of one period)
        // come in the order they were indexed, on either backend.
        let rows: Vec<CandidateRow> = sqlx::query_as(
            "SELECT d.*, p.sha256 FROM search_terms s JOIN search_docs d ON d.id = s.rowid
             JOIN publications p ON p.id = d.publication_id JOIN rounds r ON r.id = d.round_id
             WHERE search_terms MATCH $1 AND ($2 IS NULL OR d.period = $2)
               AND ($4 IS NULL OR d.government = $4)
             ORDER BY r.period_rank DESC, d.target_no, d.entry, d.id LIMIT $3",
        )
        .bind(matching)
        .bind(period)
        .bind(CANDIDATES)
        .bind(&query.government)
        .fetch_all(&self.pool)
        .await?;
        hits(rows, query)
    }
}
