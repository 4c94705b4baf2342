//! Verdicts per indicator: ahead, on track, behind, met, or unverifiable — with the rules for
//! each kind of indicator spelled out in the crate docs.

use crate::actual::{Actual, best_matches};
use crate::indicator::{Comparator, Indicator, IndicatorKind};
use duban_core::Period;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// What the figures say about one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Further along than the target or the elapsed share of the year asks.
    Ahead,
    /// Where it should be (within the tolerance).
    OnTrack,
    /// Short of where it should be: the report's figures do not support “on schedule”.
    Behind,
    /// The year's target is already reached.
    Met,
    /// Nothing comparable was reported, or the figures could be read more than one way.
    Unverifiable,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Ahead,
        Verdict::OnTrack,
        Verdict::Behind,
        Verdict::Met,
        Verdict::Unverifiable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ahead => "ahead",
            Verdict::OnTrack => "on_track",
            Verdict::Behind => "behind",
            Verdict::Met => "met",
            Verdict::Unverifiable => "unverifiable",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Ahead => "超前",
            Verdict::OnTrack => "符合进度",
            Verdict::Behind => "滞后",
            Verdict::Met => "已完成",
            Verdict::Unverifiable => "无法核实",
        }
    }
}

/// One indicator of one entry, judged. Serialised as in INTERFACES.md (`target`, `actual` as
/// decimal strings in the base `unit`; `expected_share`, `share` as numbers).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorVerdict {
    pub target_no: u32,
    /// 0-based entry of the target, in source order.
    pub entry: usize,
    pub metric: String,
    pub kind: IndicatorKind,
    pub comparator: Comparator,
    #[serde(serialize_with = "decimal_str")]
    pub target: Decimal,
    /// For a range target (2-3个), its upper end.
    #[serde(
        serialize_with = "opt_decimal_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_upper: Option<Decimal>,
    /// The base unit (“吨”, “%”, “家”).
    pub unit: &'static str,
    /// The target's figure as written (“8.6万吨”).
    pub target_text: String,
    /// The clause of the target that holds the figure (“增加市级储备粮8.6万吨”).
    pub target_clause: String,
    /// The figure used, in the base unit; a percentage of the year's plan when
    /// `actual_is_share_of_plan`.
    #[serde(serialize_with = "opt_decimal_str")]
    pub actual: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_text: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub actual_is_share_of_plan: bool,
    /// The report gave a bound (控制在5.5%以内), not a measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_bound: Option<Comparator>,
    /// The period word that governs the figure (前三季度, 上半年).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_period: Option<String>,
    /// For amounts added in the year: the share of the year elapsed when the figure was taken.
    #[serde(serialize_with = "opt_share")]
    pub expected_share: Option<Decimal>,
    /// For amounts added in the year: actual ÷ target.
    #[serde(serialize_with = "opt_share")]
    pub share: Option<Decimal>,
    pub verdict: Verdict,
    /// Why, in Chinese, when the verdict needs it (ambiguous figures, nothing comparable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn decimal_str<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.normalize())
}

fn opt_decimal_str<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(&d.normalize()),
        None => s.serialize_none(),
    }
}

/// Shares are for display and charts, so they go out as JSON numbers rounded to 4 places; all
/// comparisons were made on the exact decimals before this.
fn opt_share<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    match d.and_then(|d| d.round_dp(4).to_f64()) {
        Some(f) => s.serialize_f64(f),
        None => s.serialize_none(),
    }
}

/// The result of comparing one figure with one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Judged {
    pub verdict: Verdict,
    pub share: Option<Decimal>,
    pub expected: Option<Decimal>,
}

/// The months of the year a figure covers: its own period word when that names an earlier span
/// than the round (上半年 in a Q3 report covers 6 months), else the round's.
fn elapsed_months(a: &Actual, round: Period) -> u8 {
    let r = round.elapsed_twelfths();
    a.period
        .as_ref()
        .and_then(|w| w.period)
        .map(|p| p.elapsed_twelfths())
        .filter(|m| *m <= r)
        .unwrap_or(r)
}

/// Compares one reported figure with one indicator. See the crate docs for the rules.
pub(crate) fn judge(ind: &Indicator, a: &Actual, round: Period) -> Judged {
    let t = ind.value();
    let higher_better = ind.comparator != Comparator::AtMost;
    // A figure for the other direction (下降 against a target of 增长) counts as negative.
    let av = match (ind.kind, a.direction) {
        (IndicatorKind::GrowthRate, Some(d)) if d != ind.direction => -a.quantity.value,
        _ => a.quantity.value,
    };
    // 左右 accepts one tenth of the target either way.
    let tol = if ind.comparator == Comparator::Approx {
        t.abs() / Decimal::TEN
    } else {
        Decimal::ZERO
    };
    let mut out = Judged {
        verdict: Verdict::Unverifiable,
        share: None,
        expected: None,
    };
    out.verdict = match ind.kind {
        IndicatorKind::AddedInYear => {
            let m = elapsed_months(a, round);
            let expected = Decimal::from(m) / Decimal::from(12);
            let share = if a.share_of_plan {
                Some(av / Decimal::ONE_HUNDRED)
            } else if t > Decimal::ZERO {
                Some(av / t)
            } else {
                None
            };
            out.expected = Some(expected);
            out.share = share;
            match share {
                None => Verdict::Unverifiable,
                Some(share) if !higher_better => {
                    if share <= Decimal::ONE {
                        Verdict::OnTrack
                    } else {
                        Verdict::Behind
                    }
                }
                Some(share) => {
                    let met_at = Decimal::ONE - if t.is_zero() { Decimal::ZERO } else { tol / t };
                    let twelfths = share * Decimal::from(12);
                    if share >= met_at {
                        Verdict::Met
                    } else if twelfths > Decimal::from(m) {
                        Verdict::Ahead
                    } else if twelfths >= Decimal::from(m) - Decimal::ONE {
                        // One month's worth of slack: work is rarely spread evenly.
                        Verdict::OnTrack
                    } else {
                        Verdict::Behind
                    }
                }
            }
        }
        IndicatorKind::GrowthRate => {
            if !higher_better {
                if av <= t {
                    Verdict::OnTrack
                } else {
                    Verdict::Behind
                }
            } else if av > t + tol {
                Verdict::Ahead
            } else if av >= t - tol {
                Verdict::OnTrack
            } else {
                Verdict::Behind
            }
        }
        IndicatorKind::Level | IndicatorKind::Share => {
            if !higher_better {
                if av <= t {
                    Verdict::OnTrack
                } else {
                    Verdict::Behind
                }
            } else if av >= t {
                Verdict::Met
            } else if av >= t - tol {
                Verdict::OnTrack
            } else {
                Verdict::Behind
            }
        }
        // Not an indicator of a target's text: the `declared` module judges these.
        IndicatorKind::DeclaredProgress => Verdict::Unverifiable,
        IndicatorKind::Count => {
            let reached = if higher_better { av >= t } else { av <= t };
            if reached {
                Verdict::Met
            } else {
                Verdict::Unverifiable
            }
        }
    };
    // A bound only tells which side of a number the truth lies: keep the verdict only when
    // every value on that side gives the same one.
    out.verdict = match (a.bound, out.verdict) {
        (None, v) => v,
        (Some(Comparator::AtMost), v) if !higher_better && v == Verdict::OnTrack => v,
        (Some(Comparator::AtLeast), v) if higher_better && v != Verdict::Behind => v,
        _ => Verdict::Unverifiable,
    };
    out
}

/// Judges one indicator against a narrative's figures.
pub(crate) fn judge_indicator(
    target_no: u32,
    entry: usize,
    ind: &Indicator,
    figures: &[Actual],
    round: Period,
) -> IndicatorVerdict {
    let candidates = best_matches(ind, figures);
    let judged: Vec<Judged> = candidates.iter().map(|a| judge(ind, a, round)).collect();
    let mut v = IndicatorVerdict {
        target_no,
        entry,
        metric: ind.metric.clone(),
        kind: ind.kind,
        comparator: ind.comparator,
        target: ind.value(),
        target_upper: ind.quantity.upper,
        unit: ind.unit().as_str(),
        target_text: ind.written.clone(),
        target_clause: ind.clause.clone(),
        actual: None,
        actual_text: None,
        actual_is_share_of_plan: false,
        actual_bound: None,
        actual_period: None,
        expected_share: None,
        share: None,
        verdict: Verdict::Unverifiable,
        note: None,
    };
    let (Some(first), Some(j)) = (candidates.first(), judged.first()) else {
        v.note = Some("完成情况中没有可与该指标比较的数据".into());
        return v;
    };
    v.actual = Some(first.quantity.value);
    v.actual_text = Some(first.written.clone());
    v.actual_is_share_of_plan = first.share_of_plan;
    v.actual_bound = first.bound;
    v.actual_period = first.period.as_ref().map(|w| w.word.clone());
    v.expected_share = j.expected;
    v.share = j.share;
    // Figures that fit equally well but lead to different verdicts: do not pick one.
    if judged.iter().any(|o| o.verdict != j.verdict) {
        let all: Vec<&str> = candidates.iter().map(|a| a.written.as_str()).collect();
        v.note = Some(format!(
            "完成情况中有多个数据（{}）都可能对应该指标，无法确定",
            all.join("、")
        ));
        return v;
    }
    v.verdict = j.verdict;
    if v.verdict == Verdict::Unverifiable {
        v.note = Some(if first.bound.is_some() {
            "完成情况只给出范围，无法判断进度".into()
        } else {
            "该类指标未说明是年度新增还是累计，数据未达目标时不作判断".into()
        });
    }
    v
}
