//! A declared progress percentage (形象进度 "80%", read into `progress_percent`) against the
//! entry's deadline: the figure a 民生实事 table gives instead of indicators in its text.
//!
//! - **Due by the end of the round** (年底 in a year-end round, 2023-06-30 in a Q3 round, or an
//!   approved extension's date) and below 100%: the work is unfinished past its deadline. An
//!   entry marked 是 gets an error.
//! - **Due later in the same year**: the percentage is compared with the share of the time to the
//!   deadline that has elapsed, counted from 1 January in months, as amounts added during the
//!   year are (see the crate's notes): Q3 against 年底 expects 75%, and up to one month's worth
//!   below is still on track. A project rarely advances evenly, so this is a warning — a
//!   question for the unit, not proof.
//! - **Due after the round's year, ongoing (长期坚持) or no deadline**: not judged. A
//!   multi-year project's percentage may count work done before this year, so the year's
//!   elapsed share says nothing about it.
//!
//! Entries answered 否 (or not at all) are not judged: they claim nothing.

use crate::finding::{Evidence, Finding, Rule, Severity};
use crate::rules::{Ctx, percent, share_f64};
use duban_core::Deadline;
use rust_decimal::Decimal;

/// claim_not_supported from `progress_percent`, for entries marked 是.
pub(crate) fn declared_percent(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let year = i32::from(ctx.round.year());
    let elapsed = i32::from(ctx.round.end_month());
    for e in &ctx.entries {
        let (Some(true), Some(declared)) = (e.on_schedule, e.percent) else {
            continue;
        };
        // Months from 1 January of the round's year to the end of the month the entry is due.
        let due = match e.due {
            Deadline::YearEnd => 12,
            Deadline::Date(d) => (i32::from(d.year()) - year) * 12 + i32::from(d.month()),
            Deadline::Ongoing | Deadline::Unstated => continue,
        };
        let share = declared / Decimal::ONE_HUNDRED;
        let t = &ctx.targets[e.target];
        let deadline_zh = match (e.due, e.extended) {
            (Deadline::YearEnd, _) => "年底".to_owned(),
            (d, false) => d.to_string(),
            (d, true) => format!("{d}（已批准延期）"),
        };
        let deadline_en = match e.extended {
            false => e.due.label_en(),
            true => format!("{} (extended)", e.due.label_en()),
        };
        let written = format!("{}%", declared.normalize());
        let (severity, expected, zh, en) = if due <= elapsed {
            if share >= Decimal::ONE {
                continue;
            }
            (
                Severity::Error,
                Decimal::ONE,
                format!(
                    "完成时限为{deadline_zh}，至{}末已到期，形象进度为{written}，尚未完成，但填报为“是”。",
                    ctx.round.label_zh()
                ),
                format!(
                    "Due {deadline_en}, which has passed by the end of {}, yet progress stands at {written} and it is marked on schedule (是).",
                    ctx.round.label_en()
                ),
            )
        } else if due <= 12 {
            let expected = Decimal::from(elapsed) / Decimal::from(due);
            // One month's worth of slack, as for amounts added during the year.
            if share >= expected - Decimal::ONE / Decimal::from(due) {
                continue;
            }
            let expected_pct = percent(expected);
            (
                Severity::Warning,
                expected,
                format!(
                    "完成时限为{deadline_zh}，至{}末时间已过{expected_pct}%，形象进度仅{written}，落后时序进度一个月以上，但填报为“是”。项目推进未必均衡，请向单位核实。",
                    ctx.round.label_zh()
                ),
                format!(
                    "Due {deadline_en}: by the end of {} {expected_pct}% of the time has passed, but progress is only {written}, more than a month behind, yet it is marked on schedule (是). Projects rarely advance evenly: ask the unit.",
                    ctx.round.label_en()
                ),
            )
        } else {
            continue;
        };
        out.push(Finding {
            target_no: t.no,
            entry: Some(e.entry),
            rule: Rule::ClaimNotSupported,
            severity,
            message: zh,
            message_en: en,
            evidence: Evidence {
                metric: Some("形象进度".to_owned()),
                target: Some(deadline_zh),
                actual: Some(written),
                expected_share: share_f64(Some(expected)),
                share: share_f64(Some(share)),
                round: Some(ctx.round.to_string()),
                ..Evidence::default()
            },
        });
    }
}
