//! Actuals in narratives: the figures a progress report gives, with the words around them (to
//! tie each to a target's metric) and the time they refer to (前三季度, 1-9月, 上半年, 全年).

use crate::indicator::{Comparator, Direction, Indicator, IndicatorKind, growth_direction};
use crate::number::{Quantity, QuantityKind, parse_quantities};
use crate::periods::{PeriodWord, find_period_words};
use crate::text::{Grams, clause_after, clause_before, sentence_before};

/// A figure reported in a narrative.
#[derive(Debug, Clone)]
pub struct Actual {
    pub quantity: Quantity,
    /// As written (“1.71万吨”).
    pub written: String,
    /// 控制在5.5%以内, 超过100家: the report gives a bound, not a measurement.
    pub bound: Option<Comparator>,
    /// A growth word before a percentage (增长6.9%, 下降25%).
    pub direction: Option<Direction>,
    /// 完成年度计划的90.6%: a percentage of the year's target rather than a figure in its unit.
    pub share_of_plan: bool,
    /// The period word that governs the figure: the nearest one before it.
    pub period: Option<PeriodWord>,
    /// Words of the figure's own clause (before and after it).
    pub(crate) near: Grams,
    /// Words of its sentence before it (up to 40 characters), where the subject often stands.
    pub(crate) wide: Grams,
}

/// Every figure in `narrative` that has a unit, read for a round of `year`.
pub fn actuals(narrative: &str, year: i16) -> Vec<Actual> {
    let words: Vec<PeriodWord> = find_period_words(narrative, year)
        .into_iter()
        .filter(|w| !w.reference)
        .collect();
    parse_quantities(narrative)
        .into_iter()
        .filter(|q| {
            matches!(
                q.kind(),
                QuantityKind::Absolute | QuantityKind::Percent | QuantityKind::PercentagePoints
            )
        })
        .map(|q| {
            let lead = clause_before(narrative, q.span.start);
            let before = sentence_before(narrative, q.span.start, 40);
            let after = clause_after(narrative, q.span.end, 12);
            let is_pct = q.kind() != QuantityKind::Absolute;
            let direction = if is_pct { growth_direction(lead) } else { None };
            let share_of_plan = q.kind() == QuantityKind::Percent
                && lead.contains("年度")
                && ["计划", "目标", "任务", "预算"]
                    .iter()
                    .any(|w| lead.contains(w));
            let period = words
                .iter()
                .rev()
                .find(|w| w.span.end <= q.span.start)
                .cloned();
            Actual {
                written: q.text(narrative).to_owned(),
                bound: bound(narrative, &q),
                direction,
                share_of_plan,
                period,
                near: Grams::content(&format!("{lead} {after}")),
                wide: Grams::content(before),
                quantity: q,
            }
        })
        .collect()
}

/// The qualifier of a *reported* figure. Unlike in a target, 达到 here reports a value reached,
/// and 约 or 左右 an estimate of one; only words that bound the truth make a bound.
fn bound(text: &str, q: &Quantity) -> Option<Comparator> {
    let after = text.get(q.span.end..).unwrap_or("");
    if after.starts_with("以上") || after.starts_with("及以上") {
        return Some(Comparator::AtLeast);
    }
    if after.starts_with("以内") || after.starts_with("以下") {
        return Some(Comparator::AtMost);
    }
    let lead = clause_before(text, q.span.start);
    let tail = crate::text::last_chars(lead, 5);
    if ["控制在", "不超过", "不高于", "低于"]
        .iter()
        .any(|w| tail.contains(w))
    {
        return Some(Comparator::AtMost);
    }
    if ["超过", "不低于", "不少于", "至少"]
        .iter()
        .any(|w| tail.contains(w))
        || q.at_least
    {
        return Some(Comparator::AtLeast);
    }
    None
}

/// Whether a reported figure can stand for an indicator at all (unit and kind agree).
pub(crate) fn compatible(ind: &Indicator, a: &Actual) -> bool {
    if a.share_of_plan {
        return matches!(ind.kind, IndicatorKind::AddedInYear | IndicatorKind::Level)
            && ind.quantity.kind() == QuantityKind::Absolute;
    }
    if !ind.unit().comparable(a.quantity.unit) {
        return false;
    }
    match ind.kind {
        IndicatorKind::GrowthRate => a.direction.is_some(),
        IndicatorKind::Share => a.direction.is_none(),
        _ => true,
    }
}

/// The reported figures that best match an indicator: compatible, sharing at least one
/// meaningful word with its metric, and sharing the most — words in the figure's own clause
/// count twice, since “A完成160亿元，B完成60亿元” puts A's words in B's sentence too.
/// Several are returned when they tie.
pub(crate) fn best_matches<'a>(ind: &Indicator, all: &'a [Actual]) -> Vec<&'a Actual> {
    let scored: Vec<(usize, &Actual)> = all
        .iter()
        .filter(|a| compatible(ind, a))
        .map(|a| (2 * ind.grams.shared(&a.near) + ind.grams.shared(&a.wide), a))
        .filter(|(s, _)| *s > 0)
        .collect();
    let Some(best) = scored.iter().map(|(s, _)| *s).max() else {
        return Vec::new();
    };
    scored
        .into_iter()
        .filter(|(s, _)| *s == best)
        .map(|(_, a)| a)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_growth_and_time() {
        let a = actuals(
            "前三季度,全市一般公共预算收入完成246.5亿元,增长6.9%,完成年度预算的77.8%",
            2023,
        );
        assert_eq!(a.len(), 3);
        assert_eq!(a[1].direction, Some(Direction::Up));
        assert_eq!(a[1].period.as_ref().unwrap().word, "前三季度");
        assert!(a[2].share_of_plan);
        let b = actuals("城镇调查失业率控制在5.5%以内", 2023);
        assert_eq!(b[0].bound, Some(Comparator::AtMost));
        let c = actuals("装机达537.4万千瓦", 2023);
        assert_eq!(c[0].bound, None);
    }
}
