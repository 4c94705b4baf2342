//! 检索 on SQLite: each round's newest publication, entry by entry, in `search_docs`, and the
//! terms it is found by in the FTS5 table `search_terms` (see `duban_core::search` for why the
//! terms are characters and pairs). Indexed in the publishing transaction, so the index never
//! holds anything unpublished nor misses a publication.

use super::SqliteStore;
use crate::logic::search::{
    CandidateRow, Collector, GOVERNMENT_ID_SQL, PERIOD_RANK_SQL, ROUND_RANK_SQL, docs, key_range,
};
use crate::{Search, SearchHit, SearchQuery, StoreError};
use duban_core::Table;
use sqlx::sqlite::SqliteConnection;

/// The term an entry of a government is also found by, so that FTS5 itself keeps a search
/// within one government (the government's id is not a range of keys). A user's words may
/// happen to spell it; the containment check then drops what the words do not really match.
fn government_term(id: i64) -> String {
    format!("duban0gov{id}")
}

/// Replaces the round's rows with the entries of its new publication.
pub(crate) async fn index_publication(
    conn: &mut SqliteConnection,
    round: i64,
    publication: i64,
    table: &Table,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM search_terms
         WHERE rowid IN (SELECT sort_key FROM search_docs WHERE round_id = $1)",
    )
    .bind(round)
    .execute(&mut *conn)
    .await?;
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
    for doc in docs(table, rank, government)? {
        sqlx::query(
            "INSERT INTO search_docs (sort_key, round_id, publication_id, government, period,
                 target_no, entry, content, deadline, leaders, units, progress, on_schedule)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(doc.sort_key)
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
        .execute(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO search_terms (rowid, terms) VALUES ($1, $2)")
            .bind(doc.sort_key)
            .bind(format!("{} {}", doc.terms, government_term(government)))
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
        let terms = query.terms();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        // Terms are letters and digits only (see `query_terms`), quoted for FTS5. Every hit
        // contains the words, so they are listed as a table reader expects rather than by a
        // relevance score: the newest round first, then by number.
        let mut terms = terms;
        if let Some(g) = &query.government {
            let id: Option<i64> = sqlx::query_scalar(GOVERNMENT_ID_SQL)
                .bind(g)
                .fetch_optional(&self.pool)
                .await?;
            match id {
                Some(id) => terms.push(government_term(id)),
                None => return Ok(Vec::new()),
            }
        }
        let matching = terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" AND ");
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
        // FTS5 walks the terms' entries from the largest key down and stops at the batch's
        // limit: a common word costs what the page shows, not every entry it is in.
        let mut hits = Collector::new(query, to);
        loop {
            let rows: Vec<CandidateRow> = sqlx::query_as(
                "SELECT d.*, p.sha256
                 FROM (SELECT rowid AS k FROM search_terms
                       WHERE search_terms MATCH $1 AND rowid >= $2 AND rowid < $3
                       ORDER BY rowid DESC LIMIT $4) m
                 JOIN search_docs d ON d.sort_key = m.k
                 JOIN publications p ON p.id = d.publication_id
                 ORDER BY d.sort_key DESC",
            )
            .bind(&matching)
            .bind(from)
            .bind(hits.below)
            .bind(hits.batch())
            .fetch_all(&self.pool)
            .await?;
            if hits.take(rows)? {
                return Ok(hits.hits());
            }
        }
    }
}
