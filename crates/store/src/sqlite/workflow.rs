//! The 调度 cycle on SQLite: rounds, reports, review and publishing. Every state change checks
//! the rules of `duban_core::access` inside an IMMEDIATE transaction, so two requests racing on
//! one report are serialised and the loser sees the winner's state.

use super::{ApprovedExtensions, SqliteStore, audit, now, publish_round, target_no};
use crate::{
    PublicationSummary, Publications, ReportEdit, ReportView, Review, RoundSummary, StoreError,
    Workflow,
};
use duban_core::access::{TransitionError, check_reviewable, check_writable};
use duban_core::{Leader, Period, ReportState, RoundState, Unit};
use serde_json::json;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Row};

/// "Past the due date" is judged by the day it is in China.
fn today_in_china() -> jiff::civil::Date {
    duban_core::time::date_in_china(jiff::Timestamp::now())
}

/// A report with all a view shows, in one statement: a single report's view is read on every
/// save, and each statement is a hop to sqlx's SQLite thread. Names come as JSON arrays in
/// their order; last round's text is the accepted report of the same entry in the round just
/// before (by `period_rank`) of the same plan.
const VIEW_SELECT: &str = "SELECT r.id, r.progress, r.on_schedule, r.state, r.return_reason,
        r.late, r.version, r.updated_at, r.entry_id, e.position, t.no, t.content, t.deadline,
        rd.period, rd.state AS round_state, rd.due,
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
    JOIN rounds rd ON rd.id = r.round_id";

/// Reads one of the JSON name arrays of a view; names that no longer parse are left out.
pub(super) fn names<T>(
    row: &SqliteRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    let names: Vec<String> = serde_json::from_str(&row.get::<String, _>(column))
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))?;
    Ok(names.iter().filter_map(|n| parse(n)).collect())
}

fn parse_period(s: &str) -> Result<Period, StoreError> {
    s.parse()
        .map_err(|e: duban_core::period::PeriodError| StoreError::Corrupt(e.to_string()))
}

fn report_state(s: &str) -> Result<ReportState, StoreError> {
    ReportState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("report state {s}")))
}

fn round_state(s: &str) -> Result<RoundState, StoreError> {
    RoundState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("round state {s}")))
}

/// Builds views from rows of [`VIEW_SELECT`].
fn views(rows: Vec<SqliteRow>) -> Result<Vec<ReportView>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(ReportView {
                id: row.get("id"),
                period: parse_period(&row.get::<String, _>("period"))?,
                target_no: target_no(row)?.get(),
                entry: u32::try_from(row.get::<i64, _>("position")).unwrap_or(0),
                leaders: names(row, "leaders", |n| Leader::parse(n).ok())?,
                units: names(row, "units", |n| Unit::parse(n).ok())?,
                progress: row.get("progress"),
                on_schedule: row.get::<Option<i64>, _>("on_schedule").map(|v| v != 0),
                state: report_state(&row.get::<String, _>("state"))?,
                return_reason: row.get("return_reason"),
                late: row.get::<i64, _>("late") != 0,
                version: row.get("version"),
                target_content: row.get("content"),
                deadline: row.get("deadline"),
                round_state: round_state(&row.get::<String, _>("round_state"))?,
                due: row.get("due"),
                updated_at: row.get("updated_at"),
                previous_progress: row.get("previous_progress"),
            })
        })
        .collect()
}

pub(super) async fn view_of(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<ReportView, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{VIEW_SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    views(rows)?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("report {id}")))
}

/// The round of a period; several governments with the same period are refused rather than
/// guessed between.
async fn round_id(
    conn: &mut SqliteConnection,
    period: Period,
) -> Result<(i64, RoundState), StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, state FROM rounds WHERE period = $1")
        .bind(period.to_string())
        .fetch_all(&mut *conn)
        .await?;
    match rows.as_slice() {
        [] => Err(StoreError::NotFound(format!("round {period}"))),
        [(id, state)] => Ok((*id, round_state(state)?)),
        _ => Err(StoreError::Invalid(format!(
            "several governments have a round {period} in this database"
        ))),
    }
}

async fn summary_of(conn: &mut SqliteConnection, round: i64) -> Result<RoundSummary, StoreError> {
    let row = sqlx::query(
        "SELECT rd.period, rd.title, rd.state, rd.due, p.government,
                (SELECT COUNT(*) FROM reports r WHERE r.round_id = rd.id) AS reports
         FROM rounds rd JOIN plans p ON p.id = rd.plan_id WHERE rd.id = $1",
    )
    .bind(round)
    .fetch_one(&mut *conn)
    .await?;
    Ok(RoundSummary {
        period: parse_period(&row.get::<String, _>("period"))?,
        government: row.get("government"),
        title: row.get("title"),
        state: round_state(&row.get::<String, _>("state"))?,
        due: row.get("due"),
        reports: usize::try_from(row.get::<i64, _>("reports")).unwrap_or(0),
    })
}

pub(super) fn snapshot(v: &ReportView) -> serde_json::Value {
    json!({"progress": v.progress, "on_schedule": v.on_schedule, "state": v.state, "version": v.version, "late": v.late, "return_reason": v.return_reason})
}

pub(super) fn subject(v: &ReportView) -> String {
    format!("report:{}/{}/{}", v.period, v.target_no, v.entry)
}

#[async_trait::async_trait]
impl Workflow for SqliteStore {
    async fn open_round(
        &self,
        period: Period,
        due: jiff::civil::Date,
        actor: &str,
    ) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        let plans: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, government FROM plans WHERE year = $1")
                .bind(period.year())
                .fetch_all(&mut *tx)
                .await?;
        let (plan, government) = match plans.as_slice() {
            [] => {
                return Err(StoreError::NotFound(format!(
                    "a plan for {}",
                    period.year()
                )));
            }
            [one] => one.clone(),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "several governments have a {} plan",
                    period.year()
                )));
            }
        };
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rounds WHERE plan_id = $1 AND period = $2")
                .bind(plan)
                .bind(period.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::conflict(
                "round_exists",
                format!("the round {period} already exists"),
            ));
        }
        let title = format!(
            "{government}{}年经济社会发展责任目标{}工作推进情况一览表",
            period.year(),
            period.progress_word()
        );
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
             WHERE t.plan_id = $3",
        )
        .bind(round)
        .bind(&at)
        .bind(plan)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        audit(
            &mut tx,
            actor,
            "round.open",
            &format!("round:{period}"),
            None,
            Some(json!({"due": due.to_string(), "reports": slots, "title": title})),
        )
        .await?;
        let s = summary_of(&mut tx, round).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn close_round(&self, period: Period, actor: &str) -> Result<RoundSummary, StoreError> {
        let mut tx = self.write().await?;
        let (round, state) = round_id(&mut tx, period).await?;
        if state != RoundState::Open {
            return Err(TransitionError::RoundNotClosable(state.as_str()).into());
        }
        sqlx::query("UPDATE rounds SET state = 'closed' WHERE id = $1")
            .bind(round)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "round.close",
            &format!("round:{period}"),
            Some(json!({"state": "open"})),
            Some(json!({"state": "closed"})),
        )
        .await?;
        let s = summary_of(&mut tx, round).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn publish(&self, period: Period, actor: &str) -> Result<PublicationSummary, StoreError> {
        let mut tx = self.write().await?;
        let (round, _) = round_id(&mut tx, period).await?;
        let published = publish_round(&mut tx, round, ApprovedExtensions::Shown, actor).await?;
        tx.commit().await?;
        match published {
            Some(p) => Ok(p),
            // Nothing changed since the last publication: that one stands.
            None => self
                .publications_of(period)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::NotFound(format!("publication of {period}"))),
        }
    }

    async fn rounds(&self) -> Result<Vec<RoundSummary>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM rounds")
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(summary_of(&mut conn, id).await?);
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.period));
        Ok(out)
    }

    async fn round(&self, period: Period) -> Result<Option<RoundSummary>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        match round_id(&mut conn, period).await {
            Ok((id, _)) => Ok(Some(summary_of(&mut conn, id).await?)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn reports(&self, period: Period) -> Result<Vec<ReportView>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (round, _) = round_id(&mut conn, period).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
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
        check_writable(before.round_state, before.state)?;
        if before.progress.trim().is_empty() {
            return Err(StoreError::Invalid(
                "write the progress (完成情况) before submitting".into(),
            ));
        }
        if before.on_schedule.is_none() {
            return Err(StoreError::Invalid(
                "answer 是否按计划完成进度 (是/否) before submitting".into(),
            ));
        }
        let late = before
            .due
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .is_some_and(|d| today_in_china() > d);
        sqlx::query("UPDATE reports SET state = 'submitted', late = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(late))
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
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
        let (state, reason, action) = match review {
            Review::Accept => ("accepted", None, "report.accept"),
            Review::Return { reason } if reason.is_blank() => {
                return Err(TransitionError::NoReason.into());
            }
            Review::Return { reason } => {
                ("returned", Some(reason.as_str().trim()), "report.return")
            }
        };
        let mut tx = self.write().await?;
        let before = view_of(&mut tx, id).await?;
        check_reviewable(before.round_state, before.state)?;
        sqlx::query("UPDATE reports SET state = $1, return_reason = $2, version = version + 1, updated_at = $3 WHERE id = $4")
            .bind(state)
            .bind(reason)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
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
