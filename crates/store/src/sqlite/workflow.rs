//! The 调度 cycle on SQLite: rounds, reports, review and publishing. Every state change checks
//! the rules of `duban_core::access` inside an IMMEDIATE transaction, so two requests racing on
//! one report are serialised and the loser sees the winner's state.

use super::{ApprovedExtensions, SqliteStore, audit, now, publish_round};
use crate::{
    PublicationSummary, ReportEdit, ReportView, Review, RoundSummary, Store, StoreError, Workflow,
};
use duban_core::access::{TransitionError, check_reviewable, check_writable};
use duban_core::{Leader, Period, ReportState, RoundState, Unit};
use serde_json::json;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Narratives longer than this are refused: the longest in the 菏泽 table is under 1,000
/// characters, and a cap keeps one request from filling the database.
const MAX_PROGRESS_CHARS: usize = 10_000;

/// China has one time zone and no daylight saving time, so "past the due date" is judged at
/// UTC+8 without a time-zone database (which isolated machines often lack).
fn today_in_china() -> jiff::civil::Date {
    let offset = jiff::tz::Offset::constant(8);
    offset.to_datetime(jiff::Timestamp::now()).date()
}

const VIEW_SELECT: &str =
    "SELECT r.id, r.progress, r.on_schedule, r.state, r.return_reason, r.late, r.version,
        r.updated_at, r.entry_id, e.position, t.no, t.content, t.deadline, t.plan_id,
        rd.id AS round_id, rd.period, rd.state AS round_state, rd.due
    FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
    JOIN rounds rd ON rd.id = r.round_id";

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

/// Names of a set of entries: (entry id → leaders, units), in order.
pub(super) async fn names_of(
    conn: &mut SqliteConnection,
    entries: &[i64],
) -> Result<HashMap<i64, (Vec<Leader>, Vec<Unit>)>, StoreError> {
    let mut out: HashMap<i64, (Vec<Leader>, Vec<Unit>)> = HashMap::new();
    if entries.is_empty() {
        return Ok(out);
    }
    // Ids are integers from the database, so inlining them is safe; it saves one round trip
    // per entry on a 200-target round. Leaders and units come in one statement, since a
    // single report's view is read on every save.
    let ids = entries
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT 0 AS is_unit, l.entry_id, n.name, l.position FROM entry_leaders l
             JOIN leaders n ON n.id = l.leader_id WHERE l.entry_id IN ({ids})
         UNION ALL
         SELECT 1, u.entry_id, n.name, u.position FROM entry_units u
             JOIN units n ON n.id = u.unit_id WHERE u.entry_id IN ({ids})
         ORDER BY 2, 1, 4"
    );
    for row in sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?
    {
        let (is_unit, entry, name): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
        let slot = out.entry(entry).or_default();
        if is_unit == 1 {
            slot.1.extend(Unit::parse(&name).ok());
        } else {
            slot.0.extend(Leader::parse(&name).ok());
        }
    }
    Ok(out)
}

/// The round before `round` in the same plan (by period), if any.
async fn previous_round(
    conn: &mut SqliteConnection,
    plan: i64,
    period: Period,
) -> Result<Option<i64>, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, period FROM rounds WHERE plan_id = $1")
            .bind(plan)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, p)| p.parse::<Period>().ok().map(|p| (p, id)))
        .filter(|(p, _)| *p < period)
        .max()
        .map(|(_, id)| id))
}

/// Builds views from report rows, with names and last round's accepted text.
async fn views(
    conn: &mut SqliteConnection,
    rows: Vec<SqliteRow>,
) -> Result<Vec<ReportView>, StoreError> {
    let entries: Vec<i64> = rows.iter().map(|r| r.get("entry_id")).collect();
    let mut names = names_of(conn, &entries).await?;
    // Integers from the database, so inlining them is safe (as in `names_of`). Without this, a
    // single report's view read every accepted narrative of the previous round, which a save
    // did three times.
    let entry_ids = entries
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // Last round's text, per (plan, period): usually one pair for the whole list.
    let mut previous: HashMap<(i64, String), HashMap<i64, String>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let plan: i64 = row.get("plan_id");
        let period_text: String = row.get("period");
        let period = parse_period(&period_text)?;
        if let Entry::Vacant(slot) = previous.entry((plan, period_text.clone())) {
            let mut texts = HashMap::new();
            if let Some(prev) = previous_round(conn, plan, period).await? {
                let rows: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT entry_id, progress FROM reports
                     WHERE round_id = $1 AND state = 'accepted' AND entry_id IN ({entry_ids})"
                )))
                .bind(prev)
                .fetch_all(&mut *conn)
                .await?;
                texts.extend(rows);
            }
            slot.insert(texts);
        }
        let entry_id: i64 = row.get("entry_id");
        let (leaders, units) = names.remove(&entry_id).unwrap_or_default();
        let no: i64 = row.get("no");
        out.push(ReportView {
            id: row.get("id"),
            period,
            target_no: u32::try_from(no)
                .map_err(|_| StoreError::Corrupt(format!("target {no}")))?,
            entry: u32::try_from(row.get::<i64, _>("position")).unwrap_or(0),
            leaders,
            units,
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
            previous_progress: previous
                .get(&(plan, period_text))
                .and_then(|m| m.get(&entry_id).cloned()),
        });
    }
    Ok(out)
}

async fn view_of(conn: &mut SqliteConnection, id: i64) -> Result<ReportView, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{VIEW_SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    views(conn, rows)
        .await?
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

/// Reads the report's and its round's states for a transition.
async fn states(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<(RoundState, ReportState, i64, Option<String>), StoreError> {
    let row = sqlx::query(
        "SELECT r.state, r.version, rd.state AS round_state, rd.due
         FROM reports r JOIN rounds rd ON rd.id = r.round_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
    Ok((
        round_state(&row.get::<String, _>("round_state"))?,
        report_state(&row.get::<String, _>("state"))?,
        row.get("version"),
        row.get("due"),
    ))
}

/// `v` with the columns a workflow step can change read again, in one query: for use inside a
/// write transaction on a view read before it (names, target and period do not change there).
async fn refreshed(conn: &mut SqliteConnection, v: ReportView) -> Result<ReportView, StoreError> {
    let row = sqlx::query(
        "SELECT r.progress, r.on_schedule, r.state, r.return_reason, r.late, r.version,
                r.updated_at, rd.state AS round_state, rd.due
         FROM reports r JOIN rounds rd ON rd.id = r.round_id WHERE r.id = $1",
    )
    .bind(v.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("report {}", v.id)))?;
    Ok(ReportView {
        progress: row.get("progress"),
        on_schedule: row.get::<Option<i64>, _>("on_schedule").map(|v| v != 0),
        state: report_state(&row.get::<String, _>("state"))?,
        return_reason: row.get("return_reason"),
        late: row.get::<i64, _>("late") != 0,
        version: row.get("version"),
        updated_at: row.get("updated_at"),
        round_state: round_state(&row.get::<String, _>("round_state"))?,
        due: row.get("due"),
        ..v
    })
}

fn snapshot(v: &ReportView) -> serde_json::Value {
    json!({"progress": v.progress, "on_schedule": v.on_schedule, "state": v.state, "version": v.version, "late": v.late, "return_reason": v.return_reason})
}

fn subject(v: &ReportView) -> String {
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let words = match period {
            Period::Quarter { quarter, .. } => {
                format!("{}季度", ["一", "二", "三", "四"][usize::from(quarter - 1)])
            }
            Period::Month { month, .. } => format!("1-{month}月"),
            Period::Half { half, .. } => (if half == 1 { "上半年" } else { "下半年" }).to_owned(),
            Period::Year { .. } => "全年".to_owned(),
        };
        let title = format!(
            "{government}{}年经济社会发展责任目标{words}工作推进情况一览表",
            period.year()
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        views(&mut conn, rows).await
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
        if edit.progress.chars().count() > MAX_PROGRESS_CHARS {
            return Err(StoreError::Invalid(format!(
                "progress is longer than {MAX_PROGRESS_CHARS} characters"
            )));
        }
        // Saves are the busiest writes, so the write lock is held for as few statements as can
        // be: every statement is a hop to sqlx's connection thread while other writers wait.
        // The caller read `base` (names, target, last round's text) before any lock; the
        // UPDATE goes through only if the report is still at `base`'s version and writable,
        // which also proves that `base` is the "before" of the audit record.
        let updated_at = now();
        let on_schedule = edit.on_schedule.map(i64::from);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // The one-statement path, when the edit is based on `base` (or names no version).
        let fast: Option<i64> = if edit.version.is_none_or(|v| v == base.version) {
            sqlx::query_scalar(
                "UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
                     updated_at = $3
                 WHERE id = $4 AND version = $5 AND state IN ('draft', 'returned')
                   AND (SELECT state FROM rounds WHERE id = reports.round_id) = 'open'
                 RETURNING version",
            )
            .bind(&edit.progress)
            .bind(on_schedule)
            .bind(&updated_at)
            .bind(base.id)
            .bind(base.version)
            .fetch_optional(&mut *tx)
            .await?
        } else {
            None
        };
        let (before, version) = match fast {
            Some(v) => (base.clone(), v),
            None => {
                // Why not: a state the rules refuse, a stale version, or (with no version
                // given) another save since `base` was read, which this one then overwrites.
                let current = refreshed(&mut tx, base.clone()).await?;
                check_writable(current.round_state, current.state)?;
                if let Some(v) = edit.version
                    && v != current.version
                {
                    return Err(StoreError::conflict(
                        "stale_version",
                        format!(
                            "the report changed since version {v} (now {}); reload and edit again",
                            current.version
                        ),
                    ));
                }
                let v: i64 = sqlx::query_scalar(
                    "UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
                         updated_at = $3 WHERE id = $4 RETURNING version",
                )
                .bind(&edit.progress)
                .bind(on_schedule)
                .bind(&updated_at)
                .bind(base.id)
                .fetch_one(&mut *tx)
                .await?;
                (current, v)
            }
        };
        let after = ReportView {
            progress: edit.progress.clone(),
            on_schedule: edit.on_schedule,
            version,
            updated_at,
            ..before.clone()
        };
        audit(
            &mut tx,
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (round, state, _, due) = states(&mut tx, id).await?;
        check_writable(round, state)?;
        let before = view_of(&mut tx, id).await?;
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
        let late = due
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
            Review::Return { reason } if reason.trim().is_empty() => {
                return Err(TransitionError::NoReason.into());
            }
            Review::Return { reason } => ("returned", Some(reason.trim()), "report.return"),
        };
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (round, current, _, _) = states(&mut tx, id).await?;
        check_reviewable(round, current)?;
        let before = view_of(&mut tx, id).await?;
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
