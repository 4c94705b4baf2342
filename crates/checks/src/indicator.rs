//! Indicators in a target's text: what is measured (metric words), a comparator from the
//! qualifier (左右, 以上, 以内 …), a value with its unit, and a kind (growth rate, amount added in
//! the year, level reached, share, count). A target may hold several.

use crate::number::{Quantity, QuantityKind, Unit, parse_quantities};
use crate::text::{Grams, clause_after, clause_before};
use rust_decimal::Decimal;
use serde::Serialize;

/// How a figure relates to its target value, from the qualifier written with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Comparator {
    /// 左右, 约: about the value (see the crate docs for the tolerance).
    #[serde(rename = "≈")]
    Approx,
    /// 以上, 不低于, 不少于, 超过, 达到, 至少: at least the value.
    #[serde(rename = ">=")]
    AtLeast,
    /// 以内, 以下, 不超过, 不高于, 控制在: at most the value.
    #[serde(rename = "<=")]
    AtMost,
    /// No qualifier: the value is the target.
    #[serde(rename = "=")]
    Target,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Approx => "≈",
            Comparator::AtLeast => ">=",
            Comparator::AtMost => "<=",
            Comparator::Target => "=",
        }
    }
}

/// What an indicator measures, which decides how progress is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// 增长5.5%, 下降3%, 提高2个百分点: compared directly with the target.
    GrowthRate,
    /// 新增100家, 增加8.6万吨, 完成投资20亿元: accumulates over the year, compared with the
    /// share of the year elapsed.
    AddedInYear,
    /// 装机达到460万千瓦, 累计达到: a level or stock reached, compared directly.
    Level,
    /// 覆盖率达到90%, 占比: a share, compared directly.
    Share,
    /// A number of things with no verb saying whether they are new this year or a total
    /// (推动20个重点镇): met when reached, otherwise not judged.
    Count,
    /// 形象进度 a table declares for an entry ("80%"), compared with the time to the entry's
    /// deadline. Never read from a target's text: the `declared` module judges it.
    DeclaredProgress,
}

impl IndicatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::GrowthRate => "growth_rate",
            IndicatorKind::AddedInYear => "added_in_year",
            IndicatorKind::Level => "level",
            IndicatorKind::Share => "share",
            IndicatorKind::Count => "count",
            IndicatorKind::DeclaredProgress => "declared_progress",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            IndicatorKind::GrowthRate => "增速",
            IndicatorKind::AddedInYear => "年度新增量",
            IndicatorKind::Level => "达到水平",
            IndicatorKind::Share => "比率",
            IndicatorKind::Count => "数量",
            IndicatorKind::DeclaredProgress => "形象进度",
        }
    }
}

/// Up or down, for growth rates (增长 / 下降).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

/// One measurable promise in a target's text.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// The words naming what is measured (“新增规模以上服务业”, “固定资产投资”).
    pub metric: String,
    pub comparator: Comparator,
    /// The quantity in its base unit; a range's lower end is the target.
    pub quantity: Quantity,
    /// The figure as written (“8.6万吨”, “10%”).
    pub written: String,
    /// The clause of the target that holds it, for messages (“增加市级储备粮8.6万吨”).
    pub clause: String,
    pub kind: IndicatorKind,
    /// For growth rates: up (增长) or down (下降).
    pub direction: Direction,
    /// Whether the target says outright that it is a number to reach (a verb or a qualifier):
    /// only then is a missing figure in the narrative worth a finding.
    pub explicit: bool,
    pub(crate) grams: Grams,
}

impl Indicator {
    pub fn unit(&self) -> Unit {
        self.quantity.unit
    }

    pub fn value(&self) -> Decimal {
        self.quantity.value
    }
}

/// Verbs that make a number an amount added during the year.
const ADDED_VERBS: &[&str] = &[
    "新增",
    "增加",
    "新登记",
    "新建",
    "新开工",
    "新培育",
    "新认定",
    "新引进",
    "新发展",
    "新设立",
    "培育",
    "引进",
    "招引",
    "完成",
    "发放",
    "建成",
    "改造",
    "开工",
    "签约",
    "落地",
    "实施",
    "打造",
    "创建",
    "培训",
    "植树",
    "造林",
    "新开",
    "提供",
    "开展",
    "举办",
    "帮扶",
    "减少",
    "压减",
    "淘汰",
    "化解",
    "整治",
    "创造",
    "吸纳",
    "安置",
    "争取",
    "储备",
];

/// Words that make a number a level or stock reached.
const LEVEL_WORDS: &[&str] = &[
    "达到",
    "达",
    "累计",
    "总量",
    "总数",
    "规模",
    "突破",
    "保持",
    "稳定在",
    "装机",
];

const UP_WORDS: &[&str] = &[
    "增长",
    "增速",
    "增长率",
    "提高",
    "提升",
    "上升",
    "增加",
    "增幅",
];
const DOWN_WORDS: &[&str] = &["下降", "降低", "减少", "下降率", "降幅", "压减", "削减"];

/// Qualifier words written before a number, and what they make the comparator.
const BEFORE: &[(&str, Comparator)] = &[
    ("不低于", Comparator::AtLeast),
    ("不少于", Comparator::AtLeast),
    ("超过", Comparator::AtLeast),
    ("达到", Comparator::AtLeast),
    ("至少", Comparator::AtLeast),
    ("突破", Comparator::AtLeast),
    ("力争", Comparator::AtLeast),
    ("不超过", Comparator::AtMost),
    ("不高于", Comparator::AtMost),
    ("控制在", Comparator::AtMost),
    ("低于", Comparator::AtMost),
    ("少于", Comparator::AtMost),
    ("大约", Comparator::Approx),
    ("约", Comparator::Approx),
];

/// Qualifier words written after a number.
const AFTER: &[(&str, Comparator)] = &[
    ("左右", Comparator::Approx),
    ("上下", Comparator::Approx),
    ("及以上", Comparator::AtLeast),
    ("以上", Comparator::AtLeast),
    ("以内", Comparator::AtMost),
    ("以下", Comparator::AtMost),
];

/// Reads the qualifier around a quantity: the words right after it win (5.5%以内), then the
/// words right before (不低于90%). Returns the comparator and how many bytes the trailing
/// qualifier takes.
pub(crate) fn qualifier(text: &str, q: &Quantity) -> (Option<Comparator>, usize) {
    let after = text.get(q.span.end..).unwrap_or("");
    if let Some((w, c)) = AFTER.iter().find(|(w, _)| after.starts_with(w)) {
        return (Some(*c), w.len());
    }
    let before = clause_before(text, q.span.start);
    // Allow a few characters between the qualifier and the number (控制在5.5%, 达到了460).
    let window = crate::text::last_chars(before, 5);
    let found = BEFORE
        .iter()
        .filter_map(|(w, c)| window.rfind(w).map(|at| (at, *c)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, c)| c);
    if found.is_some() {
        return (found, 0);
    }
    if q.at_least {
        return (Some(Comparator::AtLeast), 0);
    }
    (None, 0)
}

/// Whether a quantity sits inside quotes or a title (“八抓20条”, 《…30条》): a name, not a goal.
fn quoted(text: &str, at: usize) -> bool {
    let head = text.get(..at).unwrap_or("");
    let depth = |open: char, close: char| {
        let opens = head.matches(open).count();
        let closes = head.matches(close).count();
        opens > closes
    };
    depth('“', '”') || depth('《', '》') || depth('「', '」') || head.matches('"').count() % 2 == 1
}

/// Strips qualifier and growth words from the end of a lead, leaving the metric words.
fn trim_lead(mut s: &str) -> &str {
    loop {
        let before = s;
        for w in BEFORE
            .iter()
            .map(|(w, _)| *w)
            .chain(UP_WORDS.iter().copied())
            .chain(DOWN_WORDS.iter().copied())
            .chain(["为", "了", "达"])
        {
            if let Some(t) = s.strip_suffix(w) {
                s = t;
            }
        }
        if s == before {
            return s;
        }
    }
}

fn ends_with_any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| s.ends_with(w))
}

/// Growth direction if the lead (the words before a percentage) ends with a growth word, once
/// connecting words (为, 了, 达到, 约 …) are set aside.
pub(crate) fn growth_direction(lead: &str) -> Option<Direction> {
    let mut s = lead.trim_end();
    for _ in 0..3 {
        if ends_with_any(s, DOWN_WORDS) {
            return Some(Direction::Down);
        }
        if ends_with_any(s, UP_WORDS) {
            return Some(Direction::Up);
        }
        const LINKS: [&str; 11] = [
            "为",
            "了",
            "达到",
            "达",
            "约",
            "近",
            "超",
            "在",
            "控制在",
            "保持在",
            "分别",
        ];
        let w = LINKS.iter().find(|w| s.ends_with(*w))?;
        s = &s[..s.len() - w.len()];
    }
    None
}

/// Every indicator in a target's text.
pub fn indicators(text: &str) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    let mut floor = 0; // the end of the previous indicator: a metric never reaches past it
    for q in parse_quantities(text) {
        let usable = matches!(
            q.kind(),
            QuantityKind::Absolute | QuantityKind::Percent | QuantityKind::PercentagePoints
        );
        // One Chinese character (三个, 一件) is almost always part of a set phrase.
        let idiom = q.chinese && q.text(text).chars().count() <= 2;
        if !usable || idiom || quoted(text, q.span.start) {
            continue;
        }
        let (comparator, qual_len) = qualifier(text, &q);
        // The words before the number, back to the clause start or the previous indicator.
        let lead = clause_before(text, q.span.start);
        let lead_start = q.span.start - lead.len();
        let lead = if floor > lead_start && floor <= q.span.start {
            text.get(floor..q.span.start).unwrap_or(lead)
        } else {
            lead
        };
        let tail = clause_after(text, q.span.end + qual_len, 30);
        let direction_word = growth_direction(lead);
        let kind = match q.kind() {
            QuantityKind::Percent | QuantityKind::PercentagePoints => {
                if direction_word.is_some() || q.unit == Unit::PercentagePoint {
                    IndicatorKind::GrowthRate
                } else {
                    IndicatorKind::Share
                }
            }
            _ => {
                if ADDED_VERBS.iter().any(|v| lead.contains(v)) {
                    IndicatorKind::AddedInYear
                } else if LEVEL_WORDS.iter().any(|v| lead.contains(v)) {
                    IndicatorKind::Level
                } else {
                    IndicatorKind::Count
                }
            }
        };
        let direction = direction_word.unwrap_or(Direction::Up);
        let metric_lead = trim_lead(lead.trim());
        let noun: String = tail
            .chars()
            .take_while(|c| !matches!(c, '，' | ',' | '。' | '；'))
            .collect();
        // A measure word counts the noun after it (20个重点镇): that noun is part of the metric.
        let counted = matches!(q.unit, Unit::Count(_));
        let metric = if metric_lead.chars().count() >= 2 && !counted {
            metric_lead.to_owned()
        } else {
            format!("{metric_lead}{noun}")
        };
        let grams = Grams::content(&format!("{lead} {noun}"));
        let clause_end = q.span.end + qual_len;
        let clause = format!("{lead}{}", text.get(q.span.start..clause_end).unwrap_or(""));
        let explicit = comparator.is_some() || kind != IndicatorKind::Count;
        floor = clause_end;
        out.push(Indicator {
            metric,
            comparator: comparator.unwrap_or(Comparator::Target),
            written: q.text(text).to_owned(),
            clause,
            kind,
            direction,
            explicit,
            quantity: q,
            grams,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Indicator {
        let v = indicators(s);
        assert_eq!(v.len(), 1, "{s}: {v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn kinds_and_comparators() {
        let i = one("固定资产投资增长10%左右");
        assert_eq!(
            (i.kind, i.comparator),
            (IndicatorKind::GrowthRate, Comparator::Approx)
        );
        assert_eq!(i.metric, "固定资产投资");
        assert_eq!(i.clause, "固定资产投资增长10%左右");
        let i = one("精心培育“种子”“幼苗”“准四上”企业,新增规模以上服务业100家以上");
        assert_eq!(
            (i.kind, i.comparator),
            (IndicatorKind::AddedInYear, Comparator::AtLeast)
        );
        assert_eq!(i.metric, "新增规模以上服务业");
        let i = one("城镇调查失业率控制在5.5%以内");
        assert_eq!(
            (i.kind, i.comparator),
            (IndicatorKind::Share, Comparator::AtMost)
        );
        let i = one("新能源和可再生能源发电装机达到460万千瓦以上");
        assert_eq!(
            (i.kind, i.comparator),
            (IndicatorKind::Level, Comparator::AtLeast)
        );
        let i = one("单位GDP能耗下降3%");
        assert_eq!(
            (i.kind, i.direction),
            (IndicatorKind::GrowthRate, Direction::Down)
        );
        let i = one("积极推动20个重点镇快速发展");
        assert_eq!(i.kind, IndicatorKind::Count);
        assert!(!i.explicit);
    }

    #[test]
    fn several_in_one_target() {
        let v = indicators("全年完成固定资产投资200亿元以上、新增产值100亿元以上");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].metric, "全年完成固定资产投资");
        assert_eq!(v[1].metric, "新增产值");
        assert!(v.iter().all(|i| i.kind == IndicatorKind::AddedInYear));
    }

    #[test]
    fn names_are_not_goals() {
        assert!(indicators("严格落实省委省政府“八抓20条”措施").is_empty());
        assert!(indicators("推进企业“一件事一次办”").is_empty());
        assert!(indicators("围绕“三个十大”行动").is_empty());
        assert!(indicators("全面推动新型智慧城市四星级试点建设工作").is_empty());
    }
}
