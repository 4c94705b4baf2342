//! Rounds and reports on every backend: views and summaries from rows, the checks a transition
//! makes on the report as it stands, and what the audit log records of it.
//!
//! The statement that reads a report's view differs between the dialects (how names are
//! aggregated, and on PostgreSQL the row lock taken first), so each backend writes its own;
//! they return the columns of [`ViewRow`].

use crate::logic::{parse_names, parse_period, target_no, u32_or_zero};
use crate::{ReportEdit, ReportView, Review, RoundSummary, StoreError};
use duban_core::access::{TransitionError, check_writable};
use duban_core::{Leader, Period, ReportState, RoundState, Unit};
use serde_json::{Value, json};

/// A round's summary ([`RoundRow`]); followed by `WHERE rd.id = $1` or an order.
pub(crate) const ROUND_SELECT: &str = "SELECT rd.period, rd.title, rd.state, rd.due, p.government,
        (SELECT COUNT(*) FROM reports r WHERE r.round_id = rd.id) AS reports
     FROM rounds rd JOIN plans p ON p.id = rd.plan_id";

/// "Past the due date" is judged by the day it is in China.
fn today_in_china() -> jiff::civil::Date {
    duban_core::time::date_in_china(jiff::Timestamp::now())
}

pub(crate) fn report_state(s: &str) -> Result<ReportState, StoreError> {
    ReportState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("report state {s}")))
}

pub(crate) fn round_state(s: &str) -> Result<RoundState, StoreError> {
    RoundState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("round state {s}")))
}

/// A report with all a view shows: names as JSON arrays in their order, and last round's text.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ViewRow {
    pub id: i64,
    pub government: String,
    pub period: String,
    pub no: i64,
    pub position: i64,
    pub leaders: String,
    pub units: String,
    pub progress: String,
    pub on_schedule: Option<bool>,
    pub state: String,
    pub return_reason: Option<String>,
    pub late: bool,
    pub version: i64,
    pub content: String,
    pub deadline: String,
    pub round_state: String,
    pub due: Option<String>,
    pub updated_at: String,
    pub previous_progress: Option<String>,
    pub details: Option<String>,
}

impl ViewRow {
    pub(crate) fn view(self) -> Result<ReportView, StoreError> {
        let said = crate::logic::details::report_of(self.details.as_deref())?;
        Ok(ReportView {
            id: self.id,
            government: self.government,
            period: parse_period(&self.period)?,
            target_no: target_no(self.no)?.get(),
            entry: u32_or_zero(self.position),
            leaders: parse_names(&self.leaders, "leaders", |n| Leader::parse(n).ok())?,
            units: parse_names(&self.units, "units", |n| Unit::parse(n).ok())?,
            progress: self.progress,
            on_schedule: self.on_schedule,
            state: report_state(&self.state)?,
            return_reason: self.return_reason,
            late: self.late,
            version: self.version,
            target_content: self.content,
            deadline: self.deadline,
            round_state: round_state(&self.round_state)?,
            due: self.due,
            updated_at: self.updated_at,
            previous_progress: self.previous_progress,
            problems: said.problems,
            next_steps: said.next_steps,
        })
    }
}

/// Views from rows.
pub(crate) fn views(rows: Vec<ViewRow>) -> Result<Vec<ReportView>, StoreError> {
    rows.into_iter().map(ViewRow::view).collect()
}

/// The one view a statement for report `id` returned.
pub(crate) fn one_view(rows: Vec<ViewRow>, id: i64) -> Result<ReportView, StoreError> {
    views(rows)?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("report {id}")))
}

/// What the audit log records of a report, before and after a change.
pub(crate) fn snapshot(v: &ReportView) -> Value {
    let mut s = json!({"progress": v.progress, "on_schedule": v.on_schedule, "state": v.state, "version": v.version, "late": v.late, "return_reason": v.return_reason});
    // Present only when said, so records of reports without them read as before.
    for (key, said) in [("problems", &v.problems), ("next_steps", &v.next_steps)] {
        if let Some(text) = said {
            s[key] = json!(text);
        }
    }
    s
}

/// The audit subject of a report.
pub(crate) fn subject(v: &ReportView) -> String {
    format!("report:{}/{}/{}", v.period, v.target_no, v.entry)
}

/// The view after `edit` is saved over `before` as `version`.
pub(crate) fn saved(
    before: &ReportView,
    edit: &ReportEdit,
    version: i64,
    updated_at: String,
) -> ReportView {
    let said = crate::logic::details::report_of(edit.details().as_deref()).unwrap_or_default();
    ReportView {
        progress: edit.progress.as_str().to_owned(),
        on_schedule: edit.on_schedule,
        problems: said.problems,
        next_steps: said.next_steps,
        version,
        updated_at,
        ..before.clone()
    }
}

/// Whether a save of `edit` may go straight to the conditional update (the report still at the
/// version its caller read); otherwise the backend finds out why under a lock.
pub(crate) fn may_try_fast_save(base: &ReportView, edit: &ReportEdit) -> bool {
    edit.version.is_none_or(|v| v == base.version)
}

/// A save of `edit` over the report as it stands now (read under the backend's lock): refused
/// if the report is no longer writable, or changed since the version the edit names.
pub(crate) fn check_save(now: &ReportView, edit: &ReportEdit) -> Result<(), StoreError> {
    check_writable(now.round_state, now.state)?;
    if let Some(v) = edit.version
        && v != now.version
    {
        return Err(StoreError::conflict(
            "stale_version",
            format!(
                "the report changed since version {v} (now {}); reload and edit again",
                now.version
            ),
        ));
    }
    Ok(())
}

/// Whether the report as it stands may be submitted; if so, whether it is late.
pub(crate) fn check_submit(before: &ReportView) -> Result<bool, StoreError> {
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
    Ok(before
        .due
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .is_some_and(|d| today_in_china() > d))
}

/// A review as a change: the new state, the return reason, and the audit action. A return
/// without a reason is refused before anything is read.
pub(crate) fn review_change(
    review: &Review,
) -> Result<(&'static str, Option<&str>, &'static str), StoreError> {
    match review {
        Review::Accept => Ok(("accepted", None, "report.accept")),
        Review::Return { reason } if reason.is_blank() => Err(TransitionError::NoReason.into()),
        Review::Return { reason } => {
            Ok(("returned", Some(reason.as_str().trim()), "report.return"))
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct RoundRow {
    pub period: String,
    pub title: String,
    pub state: String,
    pub due: Option<String>,
    pub government: String,
    pub reports: i64,
}

impl RoundRow {
    pub(crate) fn summary(self) -> Result<RoundSummary, StoreError> {
        Ok(RoundSummary {
            period: parse_period(&self.period)?,
            government: self.government,
            title: self.title,
            state: round_state(&self.state)?,
            due: self.due,
            reports: usize::try_from(self.reports).unwrap_or(0),
        })
    }
}

/// Rounds as `rounds` lists them: newest period first. The sort is stable: rounds of one
/// period (of different plans) keep the order they were read in, by plan on both backends.
pub(crate) fn sort_rounds(v: &mut [RoundSummary]) {
    v.sort_by_key(|r| std::cmp::Reverse(r.period));
}

/// The round of a government's period: `(id, state)`; binds the government's name, then the
/// period.
pub(crate) const ROUND_ID_SQL: &str = "SELECT rd.id, rd.state FROM rounds rd
    JOIN plans p ON p.id = rd.plan_id WHERE p.government = $1 AND rd.period = $2";

/// The round [`ROUND_ID_SQL`] found, or which one was not found.
pub(crate) fn found_round(
    row: Option<(i64, String)>,
    government: &str,
    period: Period,
) -> Result<(i64, RoundState), StoreError> {
    match row {
        None => Err(StoreError::NotFound(format!(
            "round {period} of {government}"
        ))),
        Some((id, state)) => Ok((id, round_state(&state)?)),
    }
}

/// The plan a round of a government's period opens in; binds the government's name, then
/// the year.
pub(crate) const PLAN_ID_SQL: &str = "SELECT id FROM plans WHERE government = $1 AND year = $2";

/// The plan [`PLAN_ID_SQL`] found, or which one was not found.
pub(crate) fn found_plan(
    id: Option<i64>,
    government: &str,
    period: Period,
) -> Result<i64, StoreError> {
    id.ok_or_else(|| StoreError::NotFound(format!("a {} plan of {government}", period.year())))
}

/// Refuses to open a round that exists.
pub(crate) fn round_exists(period: Period) -> StoreError {
    StoreError::conflict("round_exists", format!("the round {period} already exists"))
}

/// The title of a round opened here.
pub(crate) fn round_title(government: &str, period: Period) -> String {
    format!(
        "{government}{}年经济社会发展责任目标{}工作推进情况一览表",
        period.year(),
        period.progress_word()
    )
}

/// The audit subject of a round.
pub(crate) fn round_subject(period: Period) -> String {
    format!("round:{period}")
}

/// The audit record's "after" of `round.open`.
pub(crate) fn round_opened(due: jiff::civil::Date, reports: u64, title: &str) -> Value {
    json!({"due": due.to_string(), "reports": reports, "title": title})
}

/// A change of a round's state by the office: closing an open round (no more submissions), or
/// reopening a published one for corrections (its publication stands until the next one
/// supersedes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoundChange {
    Close,
    Reopen,
}

impl RoundChange {
    /// Whether a round in `state` may make this change.
    pub(crate) fn check(self, state: RoundState) -> Result<(), StoreError> {
        match self {
            RoundChange::Close if state != RoundState::Open => {
                Err(TransitionError::RoundNotClosable(state.as_str()).into())
            }
            RoundChange::Close => Ok(()),
            RoundChange::Reopen => Ok(duban_core::access::check_reopenable(state)?),
        }
    }

    /// The state the round is left in.
    pub(crate) fn to(self) -> RoundState {
        match self {
            RoundChange::Close => RoundState::Closed,
            RoundChange::Reopen => RoundState::Open,
        }
    }

    /// The audit record's action.
    pub(crate) fn action(self) -> &'static str {
        match self {
            RoundChange::Close => "round.close",
            RoundChange::Reopen => "round.reopen",
        }
    }

    /// The audit record's "before" and "after".
    pub(crate) fn audited(self, from: RoundState) -> (Value, Value) {
        (
            json!({"state": from.as_str()}),
            json!({"state": self.to().as_str()}),
        )
    }
}
