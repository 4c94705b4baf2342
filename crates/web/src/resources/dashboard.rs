//! The office's dashboard of a round: who still owes what, by lead unit or by leader, each
//! state in words as well as colour (red / yellow / green), and the 催办 list as CSV.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::{PageActor, PeriodPath, page_period};
use crate::government::Gov;
use crate::policy::require;
use crate::view::{html, nav_who, report_state_zh};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use duban_core::ReportState;
use duban_core::access::Action;
use duban_store::{ReportView, RoundSummary};
use std::collections::BTreeMap;

// ---- the dashboard and the 催办 list ----

#[derive(Template)]
#[template(path = "work_dashboard.html")]
struct Dashboard {
    l: crate::view::i18n::Labels,
    who: String,
    round: RoundSummary,
    units: Vec<UnitRow>,
    reminder: String,
    by_leader: bool,
    /// Whether 催办 can be mailed (SMTP configured).
    mail_on: bool,
    /// Mails a 催办 press just queued.
    chased: Option<u64>,
}

/// How the dashboard groups the round's reports.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    /// `unit` (the lead unit, the default) or `leader` (each leader in charge).
    #[serde(default)]
    by: Option<String>,
    /// Mails queued by the 催办 press this page follows.
    #[serde(default)]
    chased: Option<u64>,
}

/// One lead unit's (or leader's) reports in a round.
#[derive(Debug, Default)]
struct UnitRow {
    name: String,
    assigned: usize,
    submitted: usize,
    returned: usize,
    accepted: usize,
    /// Not submitted: drafts and returned reports.
    missing: usize,
    late: usize,
    color: &'static str,
    /// The colour in words, for whoever cannot tell the tints apart (or prints in grey).
    status: &'static str,
    owed: Vec<u32>,
}

/// Rows by lead unit, or with `by_leader` by each leader in charge (a report with two leaders
/// counts under both).
fn unit_rows(round: &RoundSummary, reports: &[ReportView], by_leader: bool) -> Vec<UnitRow> {
    let mut by: BTreeMap<String, UnitRow> = BTreeMap::new();
    for r in reports {
        let keys: Vec<&str> = if by_leader {
            r.leaders.iter().map(|l| l.as_str()).collect()
        } else {
            r.units.first().map(|u| u.as_str()).into_iter().collect()
        };
        for key in keys {
            let row = by.entry(key.to_owned()).or_insert_with(|| UnitRow {
                name: key.to_owned(),
                ..UnitRow::default()
            });
            count(row, r);
        }
    }
    let due = round
        .due
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let today = duban_core::time::date_in_china(jiff::Timestamp::now());
    let mut rows: Vec<UnitRow> = by.into_values().collect();
    for row in &mut rows {
        (row.color, row.status) = match due {
            _ if row.missing == 0 => ("green", "已齐 Done"),
            Some(d) if today > d => ("red", "逾期 Overdue"),
            Some(d) if (d - today).get_days() <= 3 => ("yellow", "临近截止 Due soon"),
            _ => ("", "报送中 In progress"),
        };
    }
    // Who owes most comes first.
    rows.sort_by(|a, b| b.missing.cmp(&a.missing).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// Adds one report to a row.
fn count(row: &mut UnitRow, r: &ReportView) {
    row.assigned += 1;
    match r.state {
        ReportState::Submitted => row.submitted += 1,
        ReportState::Accepted => row.accepted += 1,
        ReportState::Returned => row.returned += 1,
        ReportState::Draft => {}
    }
    if matches!(r.state, ReportState::Draft | ReportState::Returned) {
        row.missing += 1;
        row.owed.push(r.target_no);
    }
    if r.late {
        row.late += 1;
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
    Query(q): Query<DashboardQuery>,
) -> Result<Html<String>, PageError> {
    require(&actor, gov.name(), Action::SeeDashboard)?;
    let period = page_period(&p)?;
    let by_leader = match q.by.as_deref() {
        None | Some("" | "unit") => false,
        Some("leader") => true,
        Some(other) => return Err(ApiError::unknown_choice("by", other).into()),
    };
    let round = state
        .store
        .round(gov.name(), period)
        .await?
        .ok_or_else(|| ApiError::not_found("round"))?;
    let reports = state.store.reports(gov.name(), period).await?;
    let units = unit_rows(&round, &reports, by_leader);
    // The 催办 text goes to units, whichever way the table is grouped.
    let by_unit = if by_leader {
        unit_rows(&round, &reports, false)
    } else {
        Vec::new()
    };
    let owing: Vec<&UnitRow> = if by_leader { &by_unit } else { &units }
        .iter()
        .filter(|u| u.missing > 0)
        .collect();
    let reminder = if owing.is_empty() {
        String::new()
    } else {
        let mut s = format!(
            "【催办】{}报送截止日期为{}。以下单位尚有未提交（或被退回待修改）的事项，请抓紧报送：\n",
            round.title,
            round.due.as_deref().unwrap_or("（未设定）")
        );
        for u in &owing {
            let nos: Vec<String> = u.owed.iter().map(|n| format!("第{n}项")).collect();
            s.push_str(&format!(
                "{}：{} 项（{}）\n",
                u.name,
                u.missing,
                nos.join("、")
            ));
        }
        s
    };
    html(&Dashboard {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work").under(&gov.base),
        who: nav_who(&actor),
        round,
        units,
        reminder,
        by_leader,
        mail_on: state.mail.is_some(),
        chased: q.chased,
    })
}

/// The 催办 list as CSV (UTF-8 with a BOM, so Excel shows the Chinese).
pub async fn chase_csv(
    State(state): State<AppState>,
    gov: Gov,
    PageActor(actor): PageActor,
    Path(PeriodPath { period: p }): Path<PeriodPath>,
) -> Result<Response, PageError> {
    require(&actor, gov.name(), Action::SeeDashboard)?;
    let period = page_period(&p)?;
    let reports = state.store.reports(gov.name(), period).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| PageError(ApiError::internal(&e));
    w.write_record(["责任单位", "序号", "条目", "状态", "退回原因", "迟报"])
        .map_err(io)?;
    for r in reports
        .iter()
        .filter(|r| matches!(r.state, ReportState::Draft | ReportState::Returned))
    {
        w.write_record([
            r.units.first().map(|u| u.as_str()).unwrap_or(""),
            &r.target_no.to_string(),
            &(r.entry + 1).to_string(),
            report_state_zh(r.state),
            // The reason is a reviewer's free text: neutralised against formula injection.
            &duban_formats::neutralise::escape(r.return_reason.as_deref().unwrap_or("")),
            if r.late { "是" } else { "否" },
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chase-{period}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
