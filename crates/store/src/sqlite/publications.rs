//! Publications: a round's table assembled from its rows, frozen and hashed into the chain, and
//! read back by period, by hash and for verification. The statements and the pure steps are
//! `logic`'s; one writer at a time (the IMMEDIATE transaction the caller holds) is what keeps
//! the chain one line here.

use super::*;
use crate::Publications;
use crate::logic::publications::{
    CHAIN_SQL, ChainRow, Frozen, GOVERNMENT_HEAD_SQL, INSERT_SQL, LAST_OF_ROUND_SQL,
    LAST_POSITION_SQL, LATEST_SHA_SQL, LEGACY_END_SQL, PublicationRow, SUMMARY_COLUMNS,
    SUMMARY_FROM, SummaryRow, chain_of_sql, latest_sql, of_period_sql, sort_published, summaries,
    verify,
};
use crate::logic::table::{self, RoundRows};

pub(crate) use crate::logic::table::ApprovedExtensions;

/// Reads a round's table as it stands: reports not accepted show as not reported.
pub(crate) async fn load_round_table(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
) -> Result<Table, StoreError> {
    let head = sqlx::query_as(table::HEAD_SQL)
        .bind(round)
        .fetch_one(&mut *conn)
        .await?;
    let units = sqlx::query_as(table::UNITS_SQL)
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
    let leaders = sqlx::query_as(table::LEADERS_SQL)
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
    let approved = match extensions {
        ApprovedExtensions::Shown => {
            sqlx::query_as(table::APPROVED_SQL)
                .bind(round)
                .fetch_all(&mut *conn)
                .await?
        }
        ApprovedExtensions::Omitted => Vec::new(),
    };
    let reports = sqlx::query_as(table::REPORTS_SQL)
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
    table::assemble(RoundRows {
        head,
        units,
        leaders,
        approved,
        reports,
    })
}

/// The target number in column `no`.
pub(crate) fn target_no(row: &SqliteRow) -> Result<TargetNo, StoreError> {
    crate::logic::target_no(row.try_get("no")?)
}

/// Freezes a round's current table as a new publication, unless the newest one of the round
/// already holds exactly these bytes. Runs inside the caller's transaction.
pub(crate) async fn publish_round(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
    actor: &str,
) -> Result<Option<PublicationSummary>, StoreError> {
    let table = load_round_table(conn, round, extensions).await?;
    let frozen = Frozen::new(&table);
    let last_of_round: Option<(i64, String)> = sqlx::query_as(LAST_OF_ROUND_SQL)
        .bind(round)
        .fetch_optional(&mut *conn)
        .await?;
    if frozen.is_published_as(last_of_round.as_ref()) {
        mark_published(conn, round, &table, actor, true).await?;
        return Ok(None);
    }
    let last_position: Option<i64> = sqlx::query_scalar(LAST_POSITION_SQL)
        .fetch_one(&mut *conn)
        .await?;
    let previous: Option<String> = sqlx::query_scalar(GOVERNMENT_HEAD_SQL)
        .bind(&table.government)
        .fetch_optional(&mut *conn)
        .await?;
    let new = frozen.link(last_position, previous, last_of_round, now());
    let id: i64 = sqlx::query_scalar(INSERT_SQL)
        .bind(round)
        .bind(&new.period)
        .bind(new.chain_position)
        .bind(&new.sha256)
        .bind(&new.content_sha256)
        .bind(&new.previous_sha256)
        .bind(&new.published_at)
        .bind(new.supersedes)
        .bind(&new.content)
        .bind(&new.government)
        .fetch_one(&mut *conn)
        .await?;
    search::index_publication(conn, round, id, &table).await?;
    audit(
        conn,
        Some(&new.government),
        actor,
        "publication.create",
        &new.subject(),
        None,
        Some(new.audit_after()),
    )
    .await?;
    mark_published(conn, round, &table, actor, false).await?;
    let row: SummaryRow = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    row.summary().map(Some)
}

/// Leaves the round published. A reopened round that gained no correction (`unchanged`) is
/// published again as it stood, with a record of its own; otherwise the new publication's record
/// says it all.
async fn mark_published(
    conn: &mut SqliteConnection,
    round: i64,
    table: &Table,
    actor: &str,
    unchanged: bool,
) -> Result<(), StoreError> {
    let state: String = sqlx::query_scalar("SELECT state FROM rounds WHERE id = $1")
        .bind(round)
        .fetch_one(&mut *conn)
        .await?;
    if state == "published" {
        return Ok(());
    }
    sqlx::query("UPDATE rounds SET state = 'published' WHERE id = $1")
        .bind(round)
        .execute(&mut *conn)
        .await?;
    if unchanged {
        audit(
            conn,
            Some(&table.government),
            actor,
            "round.republish_unchanged",
            &crate::logic::reports::round_subject(table.period),
            Some(serde_json::json!({"state": state})),
            Some(serde_json::json!({"state": "published"})),
        )
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Publications for SqliteStore {
    async fn import_table(&self, table: &Table, actor: &str) -> Result<ImportOutcome, StoreError> {
        super::import::import_table(self, table, actor).await
    }

    async fn published(&self) -> Result<Vec<PublicationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
             WHERE p.id IN (SELECT MAX(id) FROM publications GROUP BY round_id)"
        );
        let rows = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut v = summaries(rows)?;
        sort_published(&mut v);
        Ok(v)
    }

    async fn latest_publication(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<Publication>, StoreError> {
        let row: Option<PublicationRow> = sqlx::query_as(AssertSqlSafe(latest_sql()))
            .bind(government)
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(PublicationRow::publication).transpose()
    }

    async fn latest_sha256(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(LATEST_SHA_SQL)
            .bind(government)
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn publication(&self, sha256: &str) -> Result<Option<Publication>, StoreError> {
        let sql = format!("SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM} WHERE p.sha256 = $1");
        let row: Option<PublicationRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(PublicationRow::publication).transpose()
    }

    async fn chain_of(&self, government: &str) -> Result<Vec<Publication>, StoreError> {
        let rows: Vec<PublicationRow> = sqlx::query_as(AssertSqlSafe(chain_of_sql()))
            .bind(government)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(PublicationRow::publication).collect()
    }

    async fn chain_head(&self, government: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(GOVERNMENT_HEAD_SQL)
            .bind(government)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn publications_of(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Vec<PublicationSummary>, StoreError> {
        let rows = sqlx::query_as(AssertSqlSafe(of_period_sql()))
            .bind(government)
            .bind(period.to_string())
            .fetch_all(&self.pool)
            .await?;
        summaries(rows)
    }

    async fn round_table(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<Table>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let round: Option<(i64, String)> = sqlx::query_as(crate::logic::reports::ROUND_ID_SQL)
            .bind(government)
            .bind(period.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        match round {
            Some((r, _)) => Ok(Some(
                load_round_table(&mut conn, r, ApprovedExtensions::Shown).await?,
            )),
            None => Ok(None),
        }
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let rows: Vec<ChainRow> = sqlx::query_as(CHAIN_SQL).fetch_all(&self.pool).await?;
        let legacy_end: Option<i64> = sqlx::query_scalar(LEGACY_END_SQL)
            .fetch_optional(&self.pool)
            .await?;
        Ok(verify(&rows, legacy_end))
    }
}
