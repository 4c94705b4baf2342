//! The data-quality rules over a whole round: empty, duplicated, restated, off-topic and stale
//! text, and the claims the figures do not support.

use crate::actual::{Actual, actuals};
use crate::finding::{EntryRef, Evidence, Finding, Rule, Severity, excerpt};
use crate::indicator::{Comparator, Direction, Indicator, IndicatorKind, indicators};
use crate::periods::{find_period_words, stale_in};
use crate::text::{Grams, has_substance, permille};
use crate::verdict::{IndicatorVerdict, Verdict, judge_indicator};
use duban_core::{Deadline, Period, Table};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A narrative this similar (Jaccard over bigrams) to another is a copy.
const DUPLICATE_PERMILLE: u32 = 800;
/// Below this many bigrams, narratives are stock phrases (已完成, 正在推进) that may repeat.
const DUPLICATE_MIN_GRAMS: usize = 12;
/// A narrative is a restatement when this much of it is already in the target.
const RESTATE_PERMILLE: u32 = 800;
/// A target text that reads as a narrative, and is this similar to its narrative, was overwritten.
const TARGET_AS_NARRATIVE_PERMILLE: u32 = 500;
/// A narrative fits another target when it holds this much of that target's words.
const FITS_OTHER_PERMILLE: u32 = 300;

/// Words that mark text as a report of work done rather than a goal.
const DONE_MARKERS: &[&str] = &[
    "印发了",
    "完成了",
    "实施了",
    "开展了",
    "召开了",
    "已完成",
    "已全部",
    "已实现",
    "已建成",
    "累计完成",
    "前三季度",
    "截至",
    "上半年",
    "1-9月",
];

pub(crate) struct TargetCtx<'a> {
    pub no: u32,
    pub content: &'a str,
    pub all: Grams,
    pub topic: Grams,
    pub indicators: Vec<Indicator>,
}

pub(crate) struct EntryCtx<'a> {
    pub target: usize,
    pub entry: usize,
    pub text: &'a str,
    pub on_schedule: Option<bool>,
    /// Bigrams with period words taken out (前三季度 says nothing about the subject).
    pub all: Grams,
    pub topic: Grams,
    pub actuals: Vec<Actual>,
    /// 形象进度 as the table gives it (80 for "80%（…）").
    pub percent: Option<Decimal>,
    /// When the entry is due: an approved extension's date, else the target's deadline.
    pub due: Deadline,
    /// Whether `due` comes from an extension.
    pub extended: bool,
}

pub(crate) struct Ctx<'a> {
    pub round: Period,
    pub targets: Vec<TargetCtx<'a>>,
    pub entries: Vec<EntryCtx<'a>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(table: &'a Table) -> Ctx<'a> {
        let round = table.period;
        let year = round.year();
        let mut targets = Vec::with_capacity(table.targets.len());
        let mut entries = Vec::new();
        for (ti, t) in table.targets.iter().enumerate() {
            targets.push(TargetCtx {
                no: t.no.get(),
                content: &t.content,
                all: Grams::of(&t.content),
                topic: Grams::content(&t.content),
                indicators: indicators(&t.content),
            });
            for (ei, e) in t.entries.iter().enumerate() {
                let plain = without_period_words(&e.progress, year);
                entries.push(EntryCtx {
                    target: ti,
                    entry: ei,
                    text: &e.progress,
                    on_schedule: e.answer(),
                    all: Grams::of(&plain),
                    topic: Grams::content(&plain),
                    actuals: actuals(&e.progress, year),
                    percent: e
                        .progress_percent
                        .as_ref()
                        .and_then(|n| n.to_string().parse().ok()),
                    due: e
                        .extension
                        .as_ref()
                        .map_or(t.deadline, |x| Deadline::Date(x.deadline)),
                    extended: e.extension.is_some(),
                });
            }
        }
        Ctx {
            round,
            targets,
            entries,
        }
    }

    fn entry_ref(&self, e: &EntryCtx<'_>) -> EntryRef {
        EntryRef {
            target_no: self.targets[e.target].no,
            entry: e.entry,
        }
    }
}

fn without_period_words(text: &str, year: i16) -> String {
    let words = find_period_words(text, year);
    if words.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for w in words {
        out.push_str(text.get(at..w.span.start).unwrap_or(""));
        out.push(' ');
        at = w.span.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

fn ratio(p: u32) -> f64 {
    f64::from(p) / 1000.0
}

fn pct(p: u32) -> u32 {
    p / 10
}

/// empty_content: a target with no text, an entry with no narrative.
pub(crate) fn empty_content(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for t in &ctx.targets {
        if !has_substance(t.content) {
            out.push(Finding {
                target_no: t.no,
                entry: None,
                rule: Rule::EmptyContent,
                severity: Severity::Error,
                message: format!(
                    "第{}项的“责任目标内容”为空：看不出这一项要做什么，也无法核对完成情况。请对照原件补全。",
                    t.no
                ),
                message_en: format!(
                    "Target {} has no text: nobody can tell what it promises or check its progress. Restore it from the original.",
                    t.no
                ),
                evidence: Evidence::default(),
            });
        }
    }
    for e in &ctx.entries {
        if !has_substance(e.text) {
            let no = ctx.targets[e.target].no;
            out.push(Finding {
                target_no: no,
                entry: Some(e.entry),
                rule: Rule::EmptyContent,
                severity: Severity::Warning,
                message: format!("第{no}项（第{}个承办条目）没有填写完成情况。", e.entry + 1),
                message_en: format!(
                    "Target {no}, entry {}: no progress was reported.",
                    e.entry + 1
                ),
                evidence: Evidence::default(),
            });
        }
    }
}

/// duplicate_progress: the same or nearly the same narrative under different targets.
pub(crate) fn duplicate_progress(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let n = ctx.entries.len();
    let mut twins: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n];
    for i in 0..n {
        let a = &ctx.entries[i];
        if a.all.len() < DUPLICATE_MIN_GRAMS {
            continue;
        }
        for j in i + 1..n {
            let b = &ctx.entries[j];
            if b.target == a.target || b.all.len() < DUPLICATE_MIN_GRAMS {
                continue;
            }
            // Jaccard can never exceed the ratio of the sizes: skip pairs that cannot match.
            let (lo, hi) = (a.all.len().min(b.all.len()), a.all.len().max(b.all.len()));
            if permille(lo, hi) < DUPLICATE_PERMILLE {
                continue;
            }
            let s = a.all.jaccard_permille(&b.all);
            if s >= DUPLICATE_PERMILLE {
                twins[i].push((j, s));
                twins[j].push((i, s));
            }
        }
    }
    for (i, list) in twins.iter().enumerate() {
        if list.is_empty() {
            continue;
        }
        let e = &ctx.entries[i];
        let no = ctx.targets[e.target].no;
        let others: Vec<EntryRef> = list
            .iter()
            .map(|(j, _)| ctx.entry_ref(&ctx.entries[*j]))
            .collect();
        let best = list.iter().map(|(_, s)| *s).max().unwrap_or(0);
        let names: Vec<String> = others
            .iter()
            .map(|o| format!("第{}项", o.target_no))
            .collect();
        let names_en: Vec<String> = others.iter().map(|o| o.target_no.to_string()).collect();
        let same = if best >= 1000 {
            "完全相同".to_owned()
        } else {
            format!("几乎相同（相似度{}%）", pct(best))
        };
        out.push(Finding {
            target_no: no,
            entry: Some(e.entry),
            rule: Rule::DuplicateProgress,
            severity: Severity::Error,
            message: format!(
                "第{no}项的完成情况与{}的完成情况{same}。不同目标的完成情况不应相同，可能是复制粘贴时填错了位置，请承办单位核实。",
                names.join("、")
            ),
            message_en: format!(
                "The progress of target {no} is {} that of target {} ({}% similar). Different targets should not share a narrative; it was probably pasted into the wrong row.",
                if best >= 1000 { "identical to" } else { "nearly the same as" },
                names_en.join(", "),
                pct(best)
            ),
            evidence: Evidence {
                others,
                similarity: Some(ratio(best)),
                excerpt: Some(excerpt(e.text, 40)),
                ..Evidence::default()
            },
        });
    }
}

/// progress_restates_target: a target overwritten by a narrative, or a narrative that only
/// repeats its target.
pub(crate) fn progress_restates_target(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for e in &ctx.entries {
        let t = &ctx.targets[e.target];
        if t.all.is_empty() || e.all.len() < 3 {
            continue;
        }
        let markers: Vec<&str> = DONE_MARKERS
            .iter()
            .copied()
            .filter(|m| t.content.contains(m))
            .collect();
        let sim = t.all.jaccard_permille(&e.all);
        if !markers.is_empty() && sim >= TARGET_AS_NARRATIVE_PERMILLE {
            let quoted: Vec<String> = markers.iter().map(|m| format!("“{m}”")).collect();
            out.push(Finding {
                target_no: t.no,
                entry: Some(e.entry),
                rule: Rule::ProgressRestatesTarget,
                severity: Severity::Error,
                message: format!(
                    "第{}项的“责任目标内容”读起来是一段完成情况（含{}），且与本项完成情况几乎相同（相似度{}%）：目标原文可能被完成情况覆盖，请对照原件恢复目标内容。",
                    t.no,
                    quoted.join("、"),
                    pct(sim)
                ),
                message_en: format!(
                    "The text of target {} reads as a progress report (it has {}) and is {}% similar to its progress: the target was probably overwritten by the narrative.",
                    t.no,
                    markers.join(", "),
                    pct(sim)
                ),
                evidence: Evidence {
                    similarity: Some(ratio(sim)),
                    shared_words: markers.iter().map(|m| (*m).to_owned()).collect(),
                    excerpt: Some(excerpt(t.content, 40)),
                    ..Evidence::default()
                },
            });
            continue;
        }
        let contained = e.all.contained_in_permille(&t.all);
        if contained >= RESTATE_PERMILLE && !reports_new_figure(t.content, e) {
            out.push(Finding {
                target_no: t.no,
                entry: Some(e.entry),
                rule: Rule::ProgressRestatesTarget,
                severity: Severity::Warning,
                message: format!(
                    "第{}项的完成情况只是重复了目标内容（“{}”），没有说明实际做了什么、做到了多少。",
                    t.no,
                    excerpt(e.text, 30)
                ),
                message_en: format!(
                    "The progress of target {} only repeats the target's own words ({}% of it is in the target); it says nothing of what was done.",
                    t.no,
                    pct(contained)
                ),
                evidence: Evidence {
                    similarity: Some(ratio(contained)),
                    excerpt: Some(excerpt(e.text, 40)),
                    ..Evidence::default()
                },
            });
        }
    }
}

/// Whether a narrative gives a figure its target does not (增长7.0% against 增长5.5%左右):
/// then it reports a result, even in the target's own words.
fn reports_new_figure(target: &str, e: &EntryCtx<'_>) -> bool {
    let mine: Vec<(Decimal, crate::number::Unit)> = crate::number::parse_quantities(target)
        .into_iter()
        .map(|q| (q.value, q.unit))
        .collect();
    e.actuals
        .iter()
        .any(|a| !mine.contains(&(a.quantity.value, a.quantity.unit)))
}

/// progress_off_topic: a narrative that shares (almost) no meaningful words with its target.
pub(crate) fn progress_off_topic(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for e in &ctx.entries {
        let t = &ctx.targets[e.target];
        // Too little text on either side to say anything.
        if t.topic.len() < 4 || e.topic.len() < 8 {
            continue;
        }
        let shared = t.topic.shared(&e.topic);
        if shared > 1 || permille(shared, t.topic.len()) >= 100 {
            continue;
        }
        // Does the narrative fit another target's text far better? Then it was misplaced.
        let other = ctx
            .targets
            .iter()
            .enumerate()
            .filter(|(i, o)| *i != e.target && o.topic.len() >= 3)
            .map(|(i, o)| {
                (
                    i,
                    o.topic.shared(&e.topic),
                    o.topic.contained_in_permille(&e.topic),
                )
            })
            .filter(|(_, n, p)| *n >= 3 && *p >= FITS_OTHER_PERMILLE)
            .max_by_key(|(_, n, p)| (*p, *n));
        let words = t.topic.shared_words(&e.topic, 5);
        let target_text = excerpt(t.content, 30);
        match other {
            Some((oi, _, p)) => {
                let o = &ctx.targets[oi];
                out.push(Finding {
                    target_no: t.no,
                    entry: Some(e.entry),
                    rule: Rule::ProgressOffTopic,
                    severity: Severity::Error,
                    message: format!(
                        "第{}项的目标是“{}”，但完成情况讲的是另一件事，与第{}项的目标“{}”相符：完成情况可能填错了行。",
                        t.no,
                        target_text,
                        o.no,
                        excerpt(o.content, 30)
                    ),
                    message_en: format!(
                        "Target {}'s progress is about something else: it matches target {}'s text ({}% of its words), not its own. It was probably put in the wrong row.",
                        t.no,
                        o.no,
                        pct(p)
                    ),
                    evidence: Evidence {
                        others: vec![EntryRef { target_no: o.no, entry: 0 }],
                        similarity: Some(ratio(permille(shared, t.topic.len()))),
                        shared_words: o.topic.shared_words(&e.topic, 8),
                        excerpt: Some(excerpt(e.text, 40)),
                        ..Evidence::default()
                    },
                });
            }
            // Targets are often written in shorthand (落实安委会15条 for work safety), so no
            // shared words alone is only worth a note; it takes a better-fitting target to
            // say the narrative is misplaced.
            None => out.push(Finding {
                target_no: t.no,
                entry: Some(e.entry),
                rule: Rule::ProgressOffTopic,
                severity: Severity::Info,
                message: format!(
                    "第{}项的完成情况与目标“{}”几乎没有共同的词语，请核实所填内容是否对应本项目标。",
                    t.no, target_text
                ),
                message_en: format!(
                    "Target {}'s progress shares almost no words with the target's text; check that it answers this target.",
                    t.no
                ),
                evidence: Evidence {
                    similarity: Some(ratio(permille(shared, t.topic.len()))),
                    shared_words: words,
                    excerpt: Some(excerpt(e.text, 40)),
                    ..Evidence::default()
                },
            }),
        }
    }
}

/// stale_period: period words that do not fit the round.
pub(crate) fn stale_period(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let year = ctx.round.year();
    let round_zh = ctx.round.label_zh();
    for e in &ctx.entries {
        let stale: Vec<_> = find_period_words(e.text, year)
            .into_iter()
            .filter(|w| stale_in(w, ctx.round))
            .collect();
        let Some(first) = stale.first() else {
            continue;
        };
        let no = ctx.targets[e.target].no;
        let mut words: Vec<String> = stale.iter().map(|w| w.word.clone()).collect();
        words.dedup();
        let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
        let around = context_around(e.text, first.span.clone(), 12);
        out.push(Finding {
            target_no: no,
            entry: Some(e.entry),
            rule: Rule::StalePeriod,
            severity: Severity::Warning,
            message: format!(
                "第{no}项的完成情况出现{}（“{around}”），与本轮（{round_zh}）不符：可能沿用了过期数据或上期报告，请更新为本期数据。",
                quoted.join("、")
            ),
            message_en: format!(
                "Target {no}'s progress speaks of {} in a {} round: the figures may be out of date or copied from an earlier report.",
                words.join(", "),
                ctx.round.label_en()
            ),
            evidence: Evidence {
                period_word: Some(first.word.clone()),
                round: Some(ctx.round.to_string()),
                excerpt: Some(around),
                ..Evidence::default()
            },
        });
    }
}

fn context_around(text: &str, span: std::ops::Range<usize>, n: usize) -> String {
    let before: String = text
        .get(..span.start)
        .unwrap_or("")
        .chars()
        .rev()
        .take(n)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text.get(span.end..).unwrap_or("").chars().take(n).collect();
    format!("{before}{}{after}", text.get(span).unwrap_or(""))
}

/// Judges every indicator of every entry.
pub(crate) fn verdicts(ctx: &Ctx<'_>) -> Vec<IndicatorVerdict> {
    let mut out = Vec::new();
    for e in &ctx.entries {
        let t = &ctx.targets[e.target];
        if has_substance(e.text) {
            for ind in &t.indicators {
                out.push(judge_indicator(t.no, e.entry, ind, &e.actuals, ctx.round));
            }
        }
        // A declared 形象进度 is read even when the text says nothing else ("100%").
        out.extend(crate::declared::judge(ctx, e));
    }
    out
}

pub(crate) fn percent(d: Decimal) -> String {
    (d * Decimal::ONE_HUNDRED)
        .round_dp(1)
        .normalize()
        .to_string()
}

pub(crate) fn share_f64(d: Option<Decimal>) -> Option<f64> {
    d.and_then(|d| d.round_dp(4).to_f64())
}

/// claim_not_supported and no_actual_reported, from the verdicts.
pub(crate) fn claims(ctx: &Ctx<'_>, verdicts: &[IndicatorVerdict], out: &mut Vec<Finding>) {
    for e in &ctx.entries {
        let t = &ctx.targets[e.target];
        // `verdicts` holds one verdict per indicator of each entry, in the target's order (a
        // declared 形象进度 has no indicator in the text; the `declared` module reads it).
        let mine: Vec<(&Indicator, &IndicatorVerdict)> = verdicts
            .iter()
            .filter(|v| v.target_no == t.no && v.entry == e.entry)
            .filter(|v| v.kind != IndicatorKind::DeclaredProgress)
            .zip(&t.indicators)
            .map(|(v, i)| (i, v))
            .collect();
        if e.on_schedule == Some(true) {
            for (ind, v) in mine.iter().filter(|(_, v)| v.verdict == Verdict::Behind) {
                out.push(claim_finding(ctx, t.no, e.entry, ind, v));
            }
        }
        let explicit: Vec<&(&Indicator, &IndicatorVerdict)> =
            mine.iter().filter(|(i, _)| i.explicit).collect();
        if !explicit.is_empty() && explicit.iter().all(|(_, v)| v.actual.is_none()) {
            let figures: Vec<String> = explicit.iter().map(|(i, _)| i.written.clone()).collect();
            out.push(Finding {
                target_no: t.no,
                entry: Some(e.entry),
                rule: Rule::NoActualReported,
                severity: Severity::Warning,
                message: format!(
                    "第{}项目标含量化指标（{}），但完成情况中没有可与之比较的数据（单位或指标对不上），无法核实进度。请补报实际完成数。",
                    t.no,
                    figures.join("、")
                ),
                message_en: format!(
                    "Target {} sets figures ({}), but the progress reports none that compare (no matching unit or metric); progress cannot be checked.",
                    t.no,
                    figures.join(", ")
                ),
                evidence: Evidence {
                    target: Some(figures.join("、")),
                    metric: Some(explicit.iter().map(|(i, _)| i.metric.as_str()).collect::<Vec<_>>().join("、")),
                    excerpt: Some(excerpt(e.text, 40)),
                    ..Evidence::default()
                },
            });
        }
    }
}

fn claim_finding(
    ctx: &Ctx<'_>,
    no: u32,
    entry: usize,
    ind: &Indicator,
    v: &IndicatorVerdict,
) -> Finding {
    let when = v
        .actual_period
        .clone()
        .unwrap_or_else(|| "截至本期".to_owned());
    let when_en = v
        .actual_period
        .as_deref()
        .and_then(|w| Period::from_word(ctx.round.year(), w).ok())
        .unwrap_or(ctx.round)
        .label_en();
    let actual = v.actual_text.clone().unwrap_or_default();
    let clause = &ind.clause;
    let (zh, en) = match ind.kind {
        IndicatorKind::AddedInYear if ind.comparator != Comparator::AtMost => {
            let share = v.share.map(percent).unwrap_or_default();
            let expected = v.expected_share.map(percent).unwrap_or_default();
            let done = if v.actual_is_share_of_plan {
                format!("仅完成年度计划的{actual}")
            } else {
                format!("仅完成{actual}（{share}%）")
            };
            (
                format!("目标为“{clause}”，{when}{done}，低于时序进度{expected}%，但填报为“是”。"),
                format!(
                    "Target “{clause}”: by {when_en} {actual} is done ({share}% of the target) against {expected}% of the year elapsed, yet it is marked on schedule (是)."
                ),
            )
        }
        IndicatorKind::GrowthRate if ind.comparator != Comparator::AtMost => {
            let verb = match ind.direction {
                Direction::Up => "增长",
                Direction::Down => "下降",
            };
            let floor = if ind.comparator == Comparator::Approx {
                let lo = ind.value() - ind.value().abs() / Decimal::TEN;
                format!(
                    "按“左右”允许上下浮动十分之一计，应不低于{}{}",
                    lo.normalize(),
                    ind.unit().as_str()
                )
            } else {
                format!("应不低于{}", ind.written)
            };
            (
                format!(
                    "目标为“{clause}”，{when}实际{verb}{actual}，低于目标（{floor}），但填报为“是”。"
                ),
                format!(
                    "Target “{clause}”: by {when_en} the actual rate is {actual}, below the target, yet it is marked on schedule (是)."
                ),
            )
        }
        _ if ind.comparator == Comparator::AtMost => (
            format!("目标为“{clause}”，{when}实际为{actual}，超出了目标上限，但填报为“是”。"),
            format!(
                "Target “{clause}”: by {when_en} the actual is {actual}, above the limit, yet it is marked on schedule (是)."
            ),
        ),
        _ => (
            format!("目标为“{clause}”，{when}实际为{actual}，尚未达到目标，但填报为“是”。"),
            format!(
                "Target “{clause}”: by {when_en} the actual is {actual}, short of the target, yet it is marked on schedule (是)."
            ),
        ),
    };
    Finding {
        target_no: no,
        entry: Some(entry),
        rule: Rule::ClaimNotSupported,
        severity: Severity::Error,
        message: zh,
        message_en: en,
        evidence: Evidence {
            metric: Some(ind.metric.clone()),
            target: Some(ind.written.clone()),
            actual: v.actual_text.clone(),
            expected_share: share_f64(v.expected_share),
            share: share_f64(v.share),
            period_word: v.actual_period.clone(),
            ..Evidence::default()
        },
    }
}
