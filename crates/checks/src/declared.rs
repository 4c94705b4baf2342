//! A declared progress percentage (形象进度 "80%", read into `progress_percent`) against the
//! entry's deadline: the figure a 民生实事 table gives instead of indicators in its text. Each
//! such entry gets an [`IndicatorVerdict`] of kind `declared_progress` (so the overview, the
//! filters and the target page read it like any figure), and a 是 it contradicts gets a
//! `claim_not_supported` finding.
//!
//! - **Due by the end of the round** (年底 in a year-end round, 2023-06-30 in a Q3 round, or an
//!   approved extension's date): 100% is `met`, anything less `behind` — unfinished past the
//!   deadline. Under a 是 it is an error.
//! - **Due later in the same year**: the percentage is compared with the share of the time to the
//!   deadline that has elapsed, counted from 1 January in months, as amounts added during the
//!   year are (see the crate's notes): Q3 against 年底 expects 75%; above it is `ahead`, up to
//!   one month's worth below `on_track`, further below `behind`. A project rarely advances
//!   evenly, so under a 是 this is a warning — a question for the unit, not proof.
//! - **Due after the round's year, ongoing (长期坚持) or no deadline**: no verdict. A
//!   multi-year project's percentage may count work done before this year, so the year's
//!   elapsed share says nothing about it.

use crate::finding::{Evidence, Finding, Rule, Severity};
use crate::indicator::{Comparator, IndicatorKind};
use crate::rules::{Ctx, EntryCtx, percent, share_f64};
use crate::verdict::{IndicatorVerdict, Verdict};
use duban_core::Deadline;
use rust_decimal::Decimal;

const METRIC: &str = "形象进度";

/// The verdict on an entry's declared percentage, when it has one and a deadline in the round's
/// year or before.
pub(crate) fn judge(ctx: &Ctx<'_>, e: &EntryCtx<'_>) -> Option<IndicatorVerdict> {
    let declared = e.percent?;
    let year = i32::from(ctx.round.year());
    let elapsed = i32::from(ctx.round.end_month());
    // Months from 1 January of the round's year to the end of the month the entry is due.
    let due = match e.due {
        Deadline::YearEnd => 12,
        Deadline::Date(d) => (i32::from(d.year()) - year) * 12 + i32::from(d.month()),
        Deadline::Ongoing | Deadline::Unstated => return None,
    };
    if due > 12 {
        return None;
    }
    let share = declared / Decimal::ONE_HUNDRED;
    let passed = due <= elapsed;
    let expected = if passed {
        Decimal::ONE
    } else {
        Decimal::from(elapsed) / Decimal::from(due)
    };
    let verdict = if share >= Decimal::ONE {
        Verdict::Met
    } else if passed {
        Verdict::Behind
    } else if share > expected {
        Verdict::Ahead
    } else if share >= expected - Decimal::ONE / Decimal::from(due) {
        // One month's worth of slack, as for amounts added during the year.
        Verdict::OnTrack
    } else {
        Verdict::Behind
    };
    let t = &ctx.targets[e.target];
    Some(IndicatorVerdict {
        target_no: t.no,
        entry: e.entry,
        metric: METRIC.to_owned(),
        kind: IndicatorKind::DeclaredProgress,
        comparator: Comparator::AtLeast,
        target: Decimal::ONE_HUNDRED,
        target_upper: None,
        unit: "%",
        target_text: "100%".to_owned(),
        // The same across rounds, so the target page charts one figure even when an extension
        // moves the deadline.
        target_clause: METRIC.to_owned(),
        actual: Some(declared),
        actual_text: Some(format!("{}%", declared.normalize())),
        actual_is_share_of_plan: true,
        actual_bound: None,
        actual_period: None,
        expected_share: Some(expected),
        share: Some(share),
        verdict,
        note: None,
    })
}

fn deadline_zh(e: &EntryCtx<'_>) -> String {
    match (e.due, e.extended) {
        (Deadline::YearEnd, _) => "年底".to_owned(),
        (d, false) => d.to_string(),
        (d, true) => format!("{d}（已批准延期）"),
    }
}

/// claim_not_supported for each entry marked 是 whose declared percentage is behind.
pub(crate) fn claims(ctx: &Ctx<'_>, verdicts: &[IndicatorVerdict], out: &mut Vec<Finding>) {
    for v in verdicts
        .iter()
        .filter(|v| v.kind == IndicatorKind::DeclaredProgress && v.verdict == Verdict::Behind)
    {
        let Some(e) = ctx
            .entries
            .iter()
            .find(|e| ctx.targets[e.target].no == v.target_no && e.entry == v.entry)
        else {
            continue;
        };
        if e.on_schedule != Some(true) {
            continue;
        }
        let deadline_zh = deadline_zh(e);
        let deadline_en = match e.extended {
            false => e.due.label_en(),
            true => format!("{} (extended)", e.due.label_en()),
        };
        let written = v.actual_text.clone().unwrap_or_default();
        let passed = v.expected_share == Some(Decimal::ONE);
        let (severity, zh, en) = if passed {
            (
                Severity::Error,
                format!(
                    "完成时限为{deadline_zh}，至{}末已到期，形象进度为{written}，尚未完成，但填报为“是”。",
                    ctx.round.label_zh()
                ),
                format!(
                    "Due {deadline_en}, which has passed by the end of {}, yet progress stands at {written} and it is marked on schedule (是).",
                    ctx.round.label_en()
                ),
            )
        } else {
            let expected_pct = v.expected_share.map(percent).unwrap_or_default();
            (
                Severity::Warning,
                format!(
                    "完成时限为{deadline_zh}，至{}末时间已过{expected_pct}%，形象进度仅{written}，落后时序进度一个月以上，但填报为“是”。项目推进未必均衡，请向单位核实。",
                    ctx.round.label_zh()
                ),
                format!(
                    "Due {deadline_en}: by the end of {} {expected_pct}% of the time has passed, but progress is only {written}, more than a month behind, yet it is marked on schedule (是). Projects rarely advance evenly: ask the unit.",
                    ctx.round.label_en()
                ),
            )
        };
        out.push(Finding {
            target_no: v.target_no,
            entry: Some(v.entry),
            rule: Rule::ClaimNotSupported,
            severity,
            message: zh,
            message_en: en,
            evidence: Evidence {
                metric: Some(METRIC.to_owned()),
                target: Some(deadline_zh),
                actual: Some(written),
                expected_share: share_f64(v.expected_share),
                share: share_f64(v.share),
                round: Some(ctx.round.to_string()),
                ..Evidence::default()
            },
        });
    }
}
