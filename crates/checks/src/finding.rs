//! Findings (核查结果): a rule, a severity, a message a clerk understands (Chinese first, English
//! available) and the evidence behind it.

use serde::Serialize;

/// The rule ids of INTERFACES.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The target text (or an entry's narrative) is missing.
    EmptyContent,
    /// The same or nearly the same narrative stands under different targets.
    DuplicateProgress,
    /// The narrative only repeats the target, or the target text is itself a narrative.
    ProgressRestatesTarget,
    /// The narrative shares almost nothing with its target's text.
    ProgressOffTopic,
    /// Marked on schedule (是), but the figures say behind.
    ClaimNotSupported,
    /// The target has numbers; the narrative gives none that compare.
    NoActualReported,
    /// A period word that does not fit the round (上半年 in a Q3 report).
    StalePeriod,
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::EmptyContent,
        Rule::DuplicateProgress,
        Rule::ProgressRestatesTarget,
        Rule::ProgressOffTopic,
        Rule::ClaimNotSupported,
        Rule::NoActualReported,
        Rule::StalePeriod,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::EmptyContent => "empty_content",
            Rule::DuplicateProgress => "duplicate_progress",
            Rule::ProgressRestatesTarget => "progress_restates_target",
            Rule::ProgressOffTopic => "progress_off_topic",
            Rule::ClaimNotSupported => "claim_not_supported",
            Rule::NoActualReported => "no_actual_reported",
            Rule::StalePeriod => "stale_period",
        }
    }

    /// A short Chinese name for tables and filters.
    pub fn label_zh(self) -> &'static str {
        match self {
            Rule::EmptyContent => "内容缺失",
            Rule::DuplicateProgress => "完成情况重复",
            Rule::ProgressRestatesTarget => "复述目标",
            Rule::ProgressOffTopic => "答非所问",
            Rule::ClaimNotSupported => "进度声明无数据支撑",
            Rule::NoActualReported => "未报告可比数据",
            Rule::StalePeriod => "时段不符",
        }
    }

    /// Whether the rule finds damaged or copied text (counted in the round's summary).
    pub fn is_damage_or_copy(self) -> bool {
        matches!(
            self,
            Rule::EmptyContent
                | Rule::DuplicateProgress
                | Rule::ProgressRestatesTarget
                | Rule::ProgressOffTopic
        )
    }
}

/// How much a finding matters to a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The table is wrong or a claim is contradicted by its own figures.
    Error,
    /// Worth asking the unit about.
    Warning,
    /// For the record.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

/// Another entry a finding points at (the target whose narrative was copied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    pub target_no: u32,
    pub entry: usize,
}

/// What a finding rests on. Only the fields that apply are set (and serialised).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// The other entries involved (a duplicate's twins; the target a narrative fits better).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<EntryRef>,
    /// Similarity of the two texts compared (0–1, over character bigrams).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Words the texts share (or the few that they do).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared_words: Vec<String>,
    /// The indicator's metric, target and reported figure (claim_not_supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// The period word found and the round's period (stale_period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_word: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
    /// A short excerpt of the text in question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// One thing the checks say about a target or one of its entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub target_no: u32,
    /// The entry (0-based, source order); `null` when the finding is about the target itself
    /// (its text is empty).
    pub entry: Option<usize>,
    pub rule: Rule,
    pub severity: Severity,
    /// For a clerk, in Chinese.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    pub evidence: Evidence,
}

impl Finding {
    pub fn message_en(&self) -> &str {
        &self.message_en
    }
}

/// Up to `n` characters of `s`, with an ellipsis when cut.
pub(crate) fn excerpt(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}
