//! 检索 on SQLite: each round's newest publication, entry by entry, in `search_docs`, and the
//! terms it is found by in the FTS5 table `search_terms` (see `duban_core::search` for why the
//! terms are characters and pairs). Indexed in the publishing transaction, so the index never
//! holds anything unpublished nor misses a publication.

use super::SqliteStore;
use super::workflow::names;
use crate::{Search, SearchHit, SearchQuery, StoreError};
use duban_core::search::{contains, index_terms, query_terms};
use duban_core::{Leader, Table, Unit};
use sqlx::Row;
use sqlx::sqlite::SqliteConnection;

/// Candidates read before the containment check; a query matching more than this many
/// entries is too broad to be read as a list anyway.
const CANDIDATES: i64 = 2_000;

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
    let period = table.period.to_string();
    for t in &table.targets {
        for (i, e) in t.entries.iter().enumerate() {
            let leaders: Vec<&str> = e.leaders.iter().map(|l| l.as_str()).collect();
            let units: Vec<&str> = e.units.iter().map(|u| u.as_str()).collect();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO search_docs (round_id, publication_id, government, period, target_no,
                     entry, content, deadline, leaders, units, progress, on_schedule)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(round)
            .bind(publication)
            .bind(&table.government)
            .bind(&period)
            .bind(i64::from(t.no.get()))
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(&t.content)
            .bind(t.deadline.to_string())
            .bind(serde_json::to_string(&leaders).unwrap_or_default())
            .bind(serde_json::to_string(&units).unwrap_or_default())
            .bind(&e.progress)
            .bind(e.on_schedule.map(i64::from))
            .fetch_one(&mut *conn)
            .await?;
            let text = format!(
                "{} {} {} {}",
                t.content,
                e.progress,
                leaders.join(" "),
                units.join(" ")
            );
            sqlx::query("INSERT INTO search_terms (rowid, terms) VALUES ($1, $2)")
                .bind(id)
                .bind(index_terms(&text))
                .execute(&mut *conn)
                .await?;
        }
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
        let rows = sqlx::query(
            "SELECT d.*, p.sha256 FROM search_terms s JOIN search_docs d ON d.id = s.rowid
             JOIN publications p ON p.id = d.publication_id JOIN rounds r ON r.id = d.round_id
             WHERE search_terms MATCH $1 AND ($2 IS NULL OR d.period = $2)
             ORDER BY r.period_rank DESC, d.target_no, d.entry LIMIT $3",
        )
        .bind(matching)
        .bind(period)
        .bind(CANDIDATES)
        .fetch_all(&self.pool)
        .await?;
        let mut hits = Vec::new();
        for row in rows {
            let leaders = names(&row, "leaders", |n| Leader::parse(n).ok())?;
            let units = names(&row, "units", |n| Unit::parse(n).ok())?;
            let content: String = row.get("content");
            let progress: String = row.get("progress");
            let found = [content.as_str(), progress.as_str()]
                .into_iter()
                .chain(leaders.iter().map(|l| l.as_str()))
                .chain(units.iter().map(|u| u.as_str()))
                .any(|text| contains(text, &query.text));
            if !found {
                continue;
            }
            let period: String = row.get("period");
            hits.push(SearchHit {
                government: row.get("government"),
                period: period
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("period {period}")))?,
                target_no: u32::try_from(row.get::<i64, _>("target_no")).unwrap_or(0),
                entry: u32::try_from(row.get::<i64, _>("entry")).unwrap_or(0),
                content,
                deadline: row.get("deadline"),
                leaders,
                units,
                progress,
                on_schedule: row.get::<Option<i64>, _>("on_schedule").map(|v| v != 0),
                sha256: row.get("sha256"),
            });
            if hits.len() >= query.limit {
                break;
            }
        }
        Ok(hits)
    }
}
