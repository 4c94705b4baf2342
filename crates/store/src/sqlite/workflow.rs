//! The 调度 cycle on SQLite: rounds, reports, review and publishing. Every state change checks
//! the rules of `duban_core::access` inside an IMMEDIATE transaction, so two requests racing on
//! one report are serialised and the loser sees the winner's state. The views, checks and audit
//! records are `logic::reports`'s, shared with PostgreSQL.

use super::{ApprovedExtensions, SqliteStore, audit, now, publish_round};
use crate::logic::reports::{
    PLAN_ID_SQL, ROUND_ID_SQL, ROUND_SELECT, RoundChange, RoundRow, ViewRow, check_submit,
    found_plan, found_round, one_view, review_change, round_exists, round_opened, round_subject,
    round_title, snapshot, sort_rounds, subject, views,
};
use crate::{
    PublicationSummary, Publications, ReportEdit, ReportView, Review, RoundSummary, StoreError,
    Workflow,
};
use duban_core::Period;
use duban_core::access::check_reviewable;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Row};

/// A report with all a view shows ([`ViewRow`]), in one statement: a single report's view is
/// read on every save, and each statement is a hop to sqlx's SQLite thread. Names come as JSON
/// arrays in their order; last round's text is the accepted report of the same entry in the
/// round just before (by `period_rank`) of the same plan.
const VIEW_SELECT: &str = "SELECT r.id, r.progress, r.on_schedule, r.state, r.return_reason,
        r.late, r.version, r.updated_at, r.details, r.entry_id, e.position, t.no, t.content, t.deadline,
        rd.period, rd.state AS round_state, rd.due, pl.government,
        (SELECT json_group_array(n.name ORDER BY l.position) FROM entry_leaders l
            JOIN leaders n ON n.id = l.leader_id WHERE l.entry_id = r.entry_id) AS leaders,
        (SELECT json_group_array(n.name ORDER BY l.position) FROM entry_units l
            JOIN units n ON n.id = l.unit_id WHERE l.entry_id = r.entry_id) AS units,
        (SELECT p.progress FROM reports p WHERE p.entry_id = r.entry_id
            AND p.state = 'accepted'
            AND p.round_id = (SELECT pr.id FROM rounds pr WHERE pr.plan_id = rd.plan_id
                AND pr.period_rank < rd.period_rank ORDER BY pr.period_rank DESC LIMIT 1)
        ) AS previous_progress
    FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
    JOIN rounds rd ON rd.id = r.round_id JOIN plans pl ON pl.id = rd.plan_id";

/// Reads one of the JSON name arrays a query built; names that no longer parse are left out.
pub(super) fn names<T>(
    row: &SqliteRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    crate::logic::parse_names(&row.try_get::<String, _>(column)?, column, parse)
}

pub(super) async fn view_of(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<ReportView, StoreError> {
    let rows: Vec<ViewRow> =
        sqlx::query_as(AssertSqlSafe(format!("{VIEW_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    one_view(rows, id)
}

/// The round of a government's period.
async fn round_id(
    conn: &mut SqliteConnection,
    government: &str,
    period: Period,
) -> Result<(i64, duban_core::RoundState), StoreError> {
    let row: Option<(i64, String)> = sqlx::query_as(ROUND_ID_SQL)
        .bind(government)
        .bind(period.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    found_round(row, government, period)
}

async fn summary_of(conn: &mut SqliteConnection, round: i64) -> Result<RoundSummary, StoreError> {
    let row: RoundRow = sqlx::query_as(AssertSqlSafe(format!("{ROUND_SELECT} WHERE rd.id = $1")))
        .bind(round)
        .fetch_one(&mut *conn)
        .await?;
    row.summary()
}

#[async_trait::async_trait]
impl Workflow for SqliteStore {
    async fn open_round(
        &self,
        government: &str,
        period: Period,
        due: jiff::civil::Date,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        let plan: Option<i64> = sqlx::query_scalar(PLAN_ID_SQL)
            .bind(government)
            .bind(period.year())
            .fetch_optional(&mut *tx)
            .await?;
        let plan = found_plan(plan, government, period)?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rounds WHERE plan_id = $1 AND period = $2")
                .bind(plan)
                .bind(period.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(round_exists(period));
        }
        let title = round_title(government, period);
        let at = now();
        let round: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (plan_id, period, title, intro, state, due, created_at)
             VALUES ($1, $2, $3, NULL, 'open', $4, $5) RETURNING id",
        )
        .bind(plan)
        .bind(period.to_string())
        .bind(&title)
        .bind(due.to_string())
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let slots = sqlx::query(
            "INSERT INTO reports (round_id, entry_id, progress, state, updated_at)
             SELECT $1, e.id, '', 'draft', $2 FROM entries e JOIN targets t ON t.id = e.target_id
             WHERE t.plan_id = $3 AND t.retired_at IS NULL AND e.retired_at IS NULL",
        )
        .bind(round)
        .bind(&at)
        .bind(plan)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        audit(
            &mut tx,
            Some(government),
            actor,
            "round.open",
            &round_subject(period),
            None,
            Some(round_opened(due, slots, &title)),
        )
        .await?;
        let s = summary_of(&mut tx, round).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn close_round(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        self.change_round(government, period, RoundChange::Close, actor)
            .await
    }

    async fn reopen_round(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        self.change_round(government, period, RoundChange::Reopen, actor)
            .await
    }

    async fn publish(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<PublicationSummary, StoreError> {
        let mut tx = self.write().await?;
        let (round, _) = round_id(&mut tx, government, period).await?;
        let published = publish_round(&mut tx, round, ApprovedExtensions::Shown, actor).await?;
        tx.commit().await?;
        match published {
            Some(p) => Ok(p),
            // Nothing changed since the last publication: that one stands.
            None => self
                .publications_of(government, period)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::NotFound(format!("publication of {period}"))),
        }
    }

    async fn rounds(&self) -> Result<Vec<RoundSummary>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        // By plan (the covering index SQLite scans anyway), so that rounds of one period,
        // which are of different plans, keep that order through the sort (as on PostgreSQL).
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM rounds ORDER BY plan_id")
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(summary_of(&mut conn, id).await?);
        }
        sort_rounds(&mut out);
        Ok(out)
    }

    async fn round(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<RoundSummary>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match round_id(&mut conn, government, period).await {
            Ok((id, _)) => Ok(Some(summary_of(&mut conn, id).await?)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn reports(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Vec<ReportView>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (round, _) = round_id(&mut conn, government, period).await?;
        let rows: Vec<ViewRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{VIEW_SELECT} WHERE r.round_id = $1 ORDER BY t.no, e.position"
        )))
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
        views(rows)
    }

    async fn report(&self, id: i64) -> Result<Option<ReportView>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match view_of(&mut conn, id).await {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn save_report(
        &self,
        base: &ReportView,
        edit: &ReportEdit,
        actor: &str,
    ) -> Result<ReportView, StoreError> {
        // Its length was capped where it was parsed (`Progress`).
        self.saver.save(base, edit, actor).await
    }

    async fn submit_report(&self, id: i64, actor: &str) -> Result<ReportView, StoreError> {
        let mut tx = self.write().await?;
        // One statement gives the states the rules need and the audit's "before".
        let before = view_of(&mut tx, id).await?;
        let late = check_submit(&before)?;
        sqlx::query("UPDATE reports SET state = 'submitted', late = $1, version = version + 1, updated_at = $2, submitted_at = $2 WHERE id = $3")
            .bind(i64::from(late))
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
            Some(&after.government),
            actor,
            "report.submit",
            &subject(&after),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn review_report(
        &self,
        id: i64,
        review: &Review,
        actor: &str,
    ) -> Result<ReportView, StoreError> {
        let (state, reason, action) = review_change(review)?;
        let mut tx = self.write().await?;
        let before = view_of(&mut tx, id).await?;
        check_reviewable(before.round_state, before.state)?;
        sqlx::query("UPDATE reports SET state = $1, return_reason = $2, version = version + 1, updated_at = $3,
             returned_count = returned_count + CASE WHEN $1 = 'returned' THEN 1 ELSE 0 END WHERE id = $4")
            .bind(state)
            .bind(reason)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
            Some(&after.government),
            actor,
            action,
            &subject(&after),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

impl SqliteStore {
    /// Closes or reopens a round, audited, in one transaction.
    async fn change_round(
        &self,
        government: &str,
        period: Period,
        change: RoundChange,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        let (round, state) = round_id(&mut tx, government, period).await?;
        change.check(state)?;
        sqlx::query("UPDATE rounds SET state = $1 WHERE id = $2")
            .bind(change.to().as_str())
            .bind(round)
            .execute(&mut *tx)
            .await?;
        let (before, after) = change.audited(state);
        audit(
            &mut tx,
            Some(government),
            actor,
            change.action(),
            &round_subject(period),
            Some(before),
            Some(after),
        )
        .await?;
        let s = summary_of(&mut tx, round).await?;
        tx.commit().await?;
        Ok(s)
    }
}
