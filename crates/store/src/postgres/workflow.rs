//! The 调度 cycle on PostgreSQL: rounds, reports, review and publishing, with the views, checks
//! and audit records of `logic::reports` (the same as SQLite's).
//!
//! Any number of instances write at once, so every decision is taken under a lock PostgreSQL
//! holds, never one of this process:
//! - a save carries its version check in the `UPDATE` itself: of two saves of the same version,
//!   the second's `UPDATE` waits for the first's row lock, then finds the version moved on and
//!   changes nothing, and is refused as stale under `SELECT … FOR UPDATE`;
//! - a submission or a review locks the report row (`FOR UPDATE`) before it reads the state it
//!   checks, so of two at once the second sees the first's outcome;
//! - a review also holds its round's row (`FOR SHARE`) until it commits, and publishing locks
//!   that row (`FOR UPDATE`) before it reads the reports: an acceptance is either in the
//!   publication or refused because the round is published, never lost between the two;
//! - closing locks the round row, opening takes the `STRUCTURE` advisory lock.
//!
//! Row locks are always taken round first, then report, as an import takes them too, so these
//! writers cannot deadlock each other.

use super::publications::publish_round;
use super::{PgStore, audit, lock, locks, now};
use crate::logic::reports::{
    PLAN_ID_SQL, ROUND_ID_SQL, ROUND_SELECT, RoundChange, RoundRow, ViewRow, check_save,
    check_submit, found_plan, found_round, may_try_fast_save, one_view, review_change,
    round_exists, round_opened, round_subject, round_title, saved, snapshot, sort_rounds, subject,
    views,
};
use crate::logic::table::ApprovedExtensions;
use crate::{
    PublicationSummary, Publications, ReportEdit, ReportView, Review, RoundSummary, StoreError,
    Workflow,
};
use duban_core::access::check_reviewable;
use duban_core::{Period, RoundState};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;

/// A report with all a view shows ([`ViewRow`]), in one statement. Names come as JSON arrays
/// in their order (`json_agg`, `[]` for none, as SQLite's `json_group_array` gives); last
/// round's text is the accepted report of the same entry in the round just before (by
/// `period_rank`) of the same plan.
const VIEW_SELECT: &str = "SELECT r.id, r.progress, r.on_schedule, r.state, r.return_reason,
        r.late, r.version, r.updated_at, r.details, r.entry_id, e.position, t.no, t.content, t.deadline,
        rd.period, rd.state AS round_state, rd.due, pl.government,
        (SELECT COALESCE(json_agg(n.name ORDER BY l.position), '[]'::json)::text
            FROM entry_leaders l JOIN leaders n ON n.id = l.leader_id
            WHERE l.entry_id = r.entry_id) AS leaders,
        (SELECT COALESCE(json_agg(n.name ORDER BY l.position), '[]'::json)::text
            FROM entry_units l JOIN units n ON n.id = l.unit_id
            WHERE l.entry_id = r.entry_id) AS units,
        (SELECT p.progress FROM reports p WHERE p.entry_id = r.entry_id
            AND p.state = 'accepted'
            AND p.round_id = (SELECT pr.id FROM rounds pr WHERE pr.plan_id = rd.plan_id
                AND pr.period_rank < rd.period_rank ORDER BY pr.period_rank DESC LIMIT 1)
        ) AS previous_progress
    FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
    JOIN rounds rd ON rd.id = r.round_id JOIN plans pl ON pl.id = rd.plan_id";

pub(super) async fn view_of(conn: &mut PgConnection, id: i64) -> Result<ReportView, StoreError> {
    let rows: Vec<ViewRow> =
        sqlx::query_as(AssertSqlSafe(format!("{VIEW_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    one_view(rows, id)
}

/// Locks a report's row until the transaction ends, so that what is read of it next stays
/// true until the change is written. A missing report is found missing by the read after.
async fn lock_report(conn: &mut PgConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("SELECT id FROM reports WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(())
}

/// The round of a government's period. `for_update` locks its row until the transaction ends.
async fn round_id(
    conn: &mut PgConnection,
    government: &str,
    period: Period,
    for_update: bool,
) -> Result<(i64, RoundState), StoreError> {
    let sql = if for_update {
        format!("{ROUND_ID_SQL} FOR UPDATE OF rd")
    } else {
        ROUND_ID_SQL.to_owned()
    };
    let row: Option<(i64, String)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(government)
        .bind(period.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    found_round(row, government, period)
}

async fn summary_of(conn: &mut PgConnection, round: i64) -> Result<RoundSummary, StoreError> {
    let row: RoundRow = sqlx::query_as(AssertSqlSafe(format!("{ROUND_SELECT} WHERE rd.id = $1")))
        .bind(round)
        .fetch_one(&mut *conn)
        .await?;
    row.summary()
}

/// The conditional save: the report still at `base.version`, writable, its round open. The
/// audit record is written by the same statement, only if the update happened, with the
/// report's `updated_at` as its time (as on SQLite). One statement is one transaction, and one
/// round trip.
const FAST_SAVE: &str = "WITH saved AS (
        UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
            updated_at = $3, details = $11
        WHERE id = $4 AND version = $5 AND state IN ('draft', 'returned')
          AND (SELECT state FROM rounds WHERE id = reports.round_id) = 'open'
        RETURNING version
    ), logged AS (
        INSERT INTO audit_log (at, actor, action, subject, before, after, government)
        SELECT $3, $6, 'report.save', $7, $8, $9, $10 FROM saved
    )
    SELECT version FROM saved";

#[async_trait::async_trait]
impl Workflow for PgStore {
    async fn open_round(
        &self,
        government: &str,
        period: Period,
        due: jiff::civil::Date,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        // Plans and rounds read, then written: two openings of one round at once take turns,
        // and the second finds the first's round (round_exists) rather than a unique violation.
        lock(&mut tx, locks::STRUCTURE).await?;
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
        let (round, _) = round_id(&mut tx, government, period, false).await?;
        let published = publish_round(&mut tx, round, ApprovedExtensions::Shown, actor).await?;
        tx.commit().await?;
        match published {
            Some(p) => Ok(p),
            // Nothing changed since the last publication (perhaps made a moment ago by another
            // instance): that one stands.
            None => self
                .publications_of(government, period)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::NotFound(format!("publication of {period}"))),
        }
    }

    async fn rounds(&self) -> Result<Vec<RoundSummary>, StoreError> {
        // One statement rather than SQLite's one per round (a hop there is cheap, a network
        // round trip here is not); by plan, so that rounds of one period keep SQLite's order.
        let rows: Vec<RoundRow> =
            sqlx::query_as(AssertSqlSafe(format!("{ROUND_SELECT} ORDER BY rd.plan_id")))
                .fetch_all(&self.pool)
                .await?;
        let mut out = rows
            .into_iter()
            .map(RoundRow::summary)
            .collect::<Result<Vec<_>, _>>()?;
        sort_rounds(&mut out);
        Ok(out)
    }

    async fn round(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<RoundSummary>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match round_id(&mut conn, government, period, false).await {
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
        let (round, _) = round_id(&mut conn, government, period, false).await?;
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
        if may_try_fast_save(base, edit) {
            let updated_at = now();
            let after = saved(base, edit, base.version + 1, updated_at.clone());
            let version: Option<i64> = sqlx::query_scalar(FAST_SAVE)
                .bind(edit.progress.as_str())
                .bind(edit.on_schedule)
                .bind(&updated_at)
                .bind(base.id)
                .bind(base.version)
                .bind(actor)
                .bind(subject(base))
                .bind(snapshot(base).to_string())
                .bind(snapshot(&after).to_string())
                .bind(&base.government)
                .bind(edit.details())
                .fetch_optional(&self.pool)
                .await?;
            if version == Some(after.version) {
                return Ok(after);
            }
        }
        // The report moved on since `base` was read: find out why with its row locked, and
        // refuse (a state the rules refuse, a stale version) or, with no version given,
        // overwrite what is there now.
        let mut tx = self.write().await?;
        lock_report(&mut tx, base.id).await?;
        let before = view_of(&mut tx, base.id).await?;
        check_save(&before, edit)?;
        let updated_at = now();
        let version: i64 = sqlx::query_scalar(
            "UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
                 updated_at = $3, details = $5 WHERE id = $4 RETURNING version",
        )
        .bind(edit.progress.as_str())
        .bind(edit.on_schedule)
        .bind(&updated_at)
        .bind(base.id)
        .bind(edit.details())
        .fetch_one(&mut *tx)
        .await?;
        let after = saved(&before, edit, version, updated_at);
        audit(
            &mut tx,
            Some(&after.government),
            actor,
            "report.save",
            &subject(&after),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn submit_report(&self, id: i64, actor: &str) -> Result<ReportView, StoreError> {
        let mut tx = self.write().await?;
        lock_report(&mut tx, id).await?;
        let before = view_of(&mut tx, id).await?;
        let late = check_submit(&before)?;
        sqlx::query("UPDATE reports SET state = 'submitted', late = $1, version = version + 1, updated_at = $2, submitted_at = $2 WHERE id = $3")
            .bind(late)
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
        // The round's row first (see the module's documentation): a publication under way
        // finishes before this reads the round's state, and none starts until this commits.
        sqlx::query(
            "SELECT id FROM rounds WHERE id = (SELECT round_id FROM reports WHERE id = $1)
             FOR SHARE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        lock_report(&mut tx, id).await?;
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

impl PgStore {
    /// Closes or reopens a round, audited, in one transaction.
    async fn change_round(
        &self,
        government: &str,
        period: Period,
        change: RoundChange,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        // The row stays locked until the commit: of two changes at once, the second reads
        // the first one's state and is refused.
        let (round, state) = round_id(&mut tx, government, period, true).await?;
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
