//! 核查: reads the numbers in a round's targets and progress narratives, judges each
//! “on schedule” (是) claim against them, and finds damaged or copied text — pure functions over
//! a [`duban_core::Table`], no I/O.
//!
//! [`check_table`] is the entry point; it returns a [`CheckReport`] of [`Finding`]s (with the
//! rule ids of INTERFACES.md), one [`IndicatorVerdict`] per indicator and entry, and a
//! [`Summary`]. [`render_text`] prints the report for a terminal. The pieces:
//!
//! - [`number`]: the Chinese-number parser (16.9万户, 十六万九千, 2-3个, 5.5%, 2个百分点).
//! - [`indicator`]: indicators in a target's text — metric words, comparator, value, unit, kind.
//! - [`actual`]: figures in narratives, tied to a metric by unit and nearby words, with the
//!   period word they refer to.
//! - [`verdict`]: ahead / on_track / behind / met / unverifiable.
//! - [`periods`]: period words (前三季度, 1-9月, 上半年, 岁末年初) and whether they fit a round.
//! - [`finding`]: rules, severities, messages and evidence.
//!
//! # How progress is judged
//!
//! - **Growth rates** (增长10%左右) and **levels or shares** (装机达到460万千瓦, 覆盖率90%) are
//!   compared directly with the target: the cumulative growth to date is the figure the year will
//!   be judged on, and a level is either reached or not. A level above the target is `met`;
//!   a growth rate above it is `ahead`.
//! - **左右 (≈)** accepts one tenth of the target either way: 10%左右 is on track from 9% to 11%,
//!   5.5%左右 from 4.95% to 6.05%; 8.5% against 10%左右 is behind. 以上/不低于/超过/达到 (≥) and
//!   a bare figure get no tolerance; 以内/不超过/控制在 (≤) is on track at or under the limit.
//! - **Amounts added during the year** (新增100家, 增加8.6万吨, 完成投资20亿元) are compared with
//!   the share of the year elapsed when the figure was taken: the round's
//!   [`Period::elapsed_twelfths`](duban_core::Period::elapsed_twelfths) (Q3 → 9/12 = 75%, month m
//!   → m/12), or the figure's own period when it names an earlier one (上半年 → 6/12). Above that
//!   share is `ahead`; up to one month's worth (1/12 of the year) below it is still `on_track`;
//!   further below is `behind`; reaching the target (or 90% of it for 左右) is `met`.
//!   **Seasonal work can differ**: grain is stored after the harvest, planting happens in spring,
//!   construction stops in winter, so a figure behind the elapsed share is a question to ask the
//!   unit, not proof. The finding says so by quoting both shares.
//! - **Counts with no verb** saying whether they are new this year or a total (推动20个重点镇)
//!   are `met` when reached and otherwise not judged.
//! - A **declared percentage** (形象进度 "80%", the table's `progress_percent`) gets a verdict
//!   of kind `declared_progress` against the entry's deadline (or its approved extension):
//!   below 100% once the deadline has passed is `behind`; before a deadline in the same year,
//!   the elapsed share of the time to it is expected, with one month's slack. Under a 是, the
//!   first is an error and the second only a warning (the `declared` module says why).
//! - When nothing comparable is reported, or two equally fitting figures lead to different
//!   verdicts, the verdict is `unverifiable` — never a guess. Only `behind` on an entry marked 是
//!   makes a `claim_not_supported` finding.
//!
//! Every comparison is made on exact decimals ([`rust_decimal::Decimal`]); shares are turned
//! into JSON numbers only for display.

pub mod actual;
mod declared;
pub mod finding;
pub mod indicator;
pub mod number;
pub mod periods;
mod render;
mod rules;
mod text;
pub mod verdict;

pub use finding::{EntryRef, Evidence, Finding, Rule, Severity};
pub use indicator::{Comparator, Indicator, IndicatorKind};
pub use render::render_text;
pub use verdict::{IndicatorVerdict, Verdict};

use duban_core::Table;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Everything the checks say about one round.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Ordered by target number, then entry, then rule.
    pub findings: Vec<Finding>,
    pub indicators: Vec<IndicatorVerdict>,
    pub summary: Summary,
}

/// The round at a glance (an extension of INTERFACES.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The round's period (`2023Q3`).
    pub period: String,
    pub targets: usize,
    pub entries: usize,
    /// Entries answered 是 (on schedule).
    pub on_schedule: usize,
    /// Entries marked 是 whose own figures say behind.
    pub claims_not_supported: usize,
    /// Entries whose text is missing, duplicated, restated or off topic, by an error or a
    /// warning (a finding about a target's own text counts for each of its entries).
    pub damaged_or_copied: usize,
    /// Indicators judged, and how many got each verdict.
    pub indicators: usize,
    pub verdicts: BTreeMap<&'static str, usize>,
    /// Findings per rule id.
    pub rules: BTreeMap<&'static str, usize>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// Runs every check on a round's table. The table carries its own period, which sets the share
/// of the year elapsed and which period words are stale.
pub fn check_table(table: &Table) -> CheckReport {
    let ctx = rules::Ctx::new(table);
    let indicators = rules::verdicts(&ctx);
    let mut findings = Vec::new();
    rules::empty_content(&ctx, &mut findings);
    rules::duplicate_progress(&ctx, &mut findings);
    rules::progress_restates_target(&ctx, &mut findings);
    rules::progress_off_topic(&ctx, &mut findings);
    rules::claims(&ctx, &indicators, &mut findings);
    declared::claims(&ctx, &indicators, &mut findings);
    rules::stale_period(&ctx, &mut findings);
    findings.sort_by_key(|f| (f.target_no, f.entry, f.rule));

    let entries_of: BTreeMap<u32, usize> = table
        .targets
        .iter()
        .map(|t| (t.no.get(), t.entries.len()))
        .collect();
    let mut damaged = BTreeSet::new();
    let mut unsupported = BTreeSet::new();
    let mut summary = Summary {
        period: table.period.to_string(),
        targets: table.targets.len(),
        entries: table.entry_count(),
        on_schedule: table.schedule_counts().yes,
        indicators: indicators.len(),
        ..Summary::default()
    };
    for v in Verdict::ALL {
        summary.verdicts.insert(v.as_str(), 0);
    }
    for v in &indicators {
        *summary.verdicts.entry(v.verdict.as_str()).or_default() += 1;
    }
    for f in &findings {
        *summary.rules.entry(f.rule.as_str()).or_default() += 1;
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.notes += 1,
        }
        // Notes (severity info) are not counted: they are too weak to call text damaged.
        if f.rule.is_damage_or_copy() && f.severity != Severity::Info {
            match f.entry {
                Some(e) => {
                    damaged.insert((f.target_no, e));
                }
                None => {
                    for e in 0..entries_of.get(&f.target_no).copied().unwrap_or(1) {
                        damaged.insert((f.target_no, e));
                    }
                }
            }
        }
        if f.rule == Rule::ClaimNotSupported {
            unsupported.insert((f.target_no, f.entry));
        }
    }
    summary.damaged_or_copied = damaged.len();
    summary.claims_not_supported = unsupported.len();
    CheckReport {
        findings,
        indicators,
        summary,
    }
}
