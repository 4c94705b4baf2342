//! 一览表: the table a round is published as — the JSON of INTERFACES.md, and what every
//! importer produces and every exporter writes.

use crate::{Deadline, Extension, Leader, Period, TargetNo, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A published (or to-be-published) progress table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// 菏泽市人民政府
    pub government: String,
    /// The title exactly as published.
    pub title: String,
    pub year: i16,
    pub period: Period,
    /// How many targets the document says it covers (确定的200项); `None` when it says none.
    pub declared_total: Option<u32>,
    /// The paragraph under the title, when there is one (an extension of INTERFACES.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Ordered by number.
    pub targets: Vec<TableTarget>,
}

/// One numbered row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableTarget {
    pub no: TargetNo,
    /// The group headings above it, outermost first (`["一、民生实事", "(一)教育"]`); absent
    /// when the table has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<String>,
    /// Exactly as published; empty when the source lost it.
    pub content: String,
    /// Absent when the table has no 完成时限 column.
    #[serde(default, skip_serializing_if = "Deadline::is_unstated")]
    pub deadline: Deadline,
    /// At least one; in the source's order.
    pub entries: Vec<TableEntry>,
}

/// One entry's answer in the round. Each key beyond the seven columns of the 菏泽 table is
/// present only when the table has it, so a table without them hashes as it always did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableEntry {
    /// 市政府领导; `None` (the key absent) when the table has no leaders column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaders: Option<Vec<Leader>>,
    /// 牵头单位 or 责任单位 as listed: the first unit leads.
    pub units: Vec<Unit>,
    /// 配合单位, when the table lists them apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assisting_units: Vec<Unit>,
    /// 完成情况, exactly as published; empty when nothing was reported.
    pub progress: String,
    /// 形象进度 as a number (80 for "80%（新区实验幼儿园滞后）"), read from the progress text; the
    /// digits as published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub progress_percent: Option<serde_json::Number>,
    /// 是否按计划完成进度: 是 → `Some(Some(true))`, 否 → `Some(Some(false))`, nothing reported →
    /// `Some(None)` (JSON null); `None` — the key absent — when the table asks no such question.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>))]
    pub on_schedule: Option<Option<bool>>,
    /// 存在问题.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<String>,
    /// 下步打算.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_steps: Option<String>,
    /// 备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Every other column the table has, header → text, in the table's column order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Extra,
    /// A deadline extension (延期) the office approved for this entry before publishing; absent
    /// when none (an extension of INTERFACES.md, so tables without one hash as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// How the entry's report came in, for a round collected here (absent for a table imported
    /// as another system published it, whose timeliness nobody here knows). Frozen into the
    /// publication, so it is covered by its hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeliness: Option<Timeliness>,
}

/// The columns of a table that duban has no name for, header → text in column order.
pub type Extra = indexmap::IndexMap<String, String>;

/// A key that is present reads as `Some`, even when its value is null: serde's default gives
/// `None` only when the key is absent. This is how `on_schedule` tells "not reported" (null)
/// from "not asked" (absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<bool>>, D::Error> {
    Option::<bool>::deserialize(d).map(Some)
}

impl TableEntry {
    /// The answer to 是否按计划完成进度: `None` when not reported or not asked.
    pub fn answer(&self) -> Option<bool> {
        self.on_schedule.flatten()
    }

    /// Whether the table asks 是否按计划 of this entry at all.
    pub fn is_asked(&self) -> bool {
        self.on_schedule.is_some()
    }

    /// The leaders in charge; none when the table names none.
    pub fn leaders(&self) -> &[Leader] {
        self.leaders.as_deref().unwrap_or_default()
    }

    /// Every unit named on the entry: those listed, then the assisting ones.
    pub fn all_units(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().chain(&self.assisting_units)
    }
}

/// Reads 形象进度 from the start of a progress text ("80%（新区实验幼儿园滞后）", "80％"), with
/// its digits as written. A text that does not open with a percentage gives none.
pub fn leading_percent(progress: &str) -> Option<serde_json::Number> {
    let t = progress.trim_start();
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let rest = &t[digits.len()..];
    if digits.is_empty() || !(rest.starts_with('%') || rest.starts_with('％')) {
        return None;
    }
    let n: serde_json::Number = digits.parse().ok()?;
    (n.as_f64()? <= 1000.0).then_some(n)
}

/// How an entry's report came in (INTERFACES.md: `"timeliness": {"submitted_at", "late",
/// "returned"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeliness {
    /// When the unit last submitted it (UTC, RFC 3339); absent when it never did (missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// Submitted after the round's due date.
    pub late: bool,
    /// How many times a reviewer returned it.
    pub returned: u32,
}

/// A table that breaks the rules every table keeps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("target {0} appears more than once")]
    DuplicateTarget(TargetNo),
    #[error("target {0} has no entry (no leader, unit or progress)")]
    NoEntries(TargetNo),
    #[error("target {no}, entry {entry}: no responsible unit (责任单位)")]
    NoUnit { no: TargetNo, entry: usize },
    #[error("the year {table} does not match the period {period}")]
    YearMismatch { table: i16, period: Period },
    #[error("the government's name is empty")]
    NoGovernment,
}

impl Table {
    /// Checks the rules that hold for every table, whatever its source.
    pub fn validate(&self) -> Result<(), TableError> {
        if self.government.trim().is_empty() {
            return Err(TableError::NoGovernment);
        }
        if self.period.year() != self.year {
            return Err(TableError::YearMismatch {
                table: self.year,
                period: self.period,
            });
        }
        let mut seen = BTreeSet::new();
        for t in &self.targets {
            if !seen.insert(t.no) {
                return Err(TableError::DuplicateTarget(t.no));
            }
            if t.entries.is_empty() {
                return Err(TableError::NoEntries(t.no));
            }
            if let Some(entry) = t.entries.iter().position(|e| e.units.is_empty()) {
                return Err(TableError::NoUnit { no: t.no, entry });
            }
        }
        Ok(())
    }

    /// Puts targets in number order (sources may list them column by column, page by page).
    pub fn sort_targets(&mut self) {
        self.targets.sort_by_key(|t| t.no);
    }

    pub fn entry_count(&self) -> usize {
        self.targets.iter().map(|t| t.entries.len()).sum()
    }

    /// Counts of entries answered 是, 否, not at all, and not asked.
    pub fn schedule_counts(&self) -> ScheduleCounts {
        let mut c = ScheduleCounts::default();
        for e in self.targets.iter().flat_map(|t| &t.entries) {
            match e.on_schedule {
                Some(Some(true)) => c.yes += 1,
                Some(Some(false)) => c.no += 1,
                Some(None) => c.missing += 1,
                None => c.not_asked += 1,
            }
        }
        c
    }

    /// The canonical bytes of a table: what is hashed, stored, exported and served.
    /// Pretty-printed so that a citizen can read and diff it; keys in declaration order.
    pub fn to_canonical_json(&self) -> String {
        // Serialising plain strings, numbers and vectors cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Entries by their 是否按计划完成进度 answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScheduleCounts {
    pub yes: usize,
    pub no: usize,
    pub missing: usize,
    /// Entries of a table that asks no such question.
    pub not_asked: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_tells_null_from_absent() {
        let read = |json: &str| {
            serde_json::from_str::<TableEntry>(json)
                .unwrap()
                .on_schedule
        };
        assert_eq!(read(r#"{"units":["市财政局"],"progress":""}"#), None);
        assert_eq!(
            read(r#"{"units":["市财政局"],"progress":"","on_schedule":null}"#),
            Some(None)
        );
        assert_eq!(
            read(r#"{"units":["市财政局"],"progress":"","on_schedule":true}"#),
            Some(Some(true))
        );
        let e = TableEntry {
            units: vec![Unit::parse("市财政局").unwrap()],
            on_schedule: Some(None),
            ..TableEntry::default()
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"units":["市财政局"],"progress":"","on_schedule":null}"#
        );
        assert_eq!(serde_json::from_str::<TableEntry>(&json).unwrap(), e);
    }

    #[test]
    fn extra_columns_keep_their_order() {
        let e: TableEntry = serde_json::from_str(
            r#"{"units":["市财政局"],"progress":"","extra":{"责任人":"张三","联系电话":"1"}}"#,
        )
        .unwrap();
        let keys: Vec<&str> = e.extra.keys().map(String::as_str).collect();
        assert_eq!(keys, ["责任人", "联系电话"]);
    }

    #[test]
    fn percent_at_the_start_of_progress() {
        let p = |s| leading_percent(s).map(|n| n.to_string());
        assert_eq!(p("80%（新区实验幼儿园滞后）").as_deref(), Some("80"));
        assert_eq!(p(" 92.5％").as_deref(), Some("92.5"));
        assert_eq!(p("完成 75%"), None);
        assert_eq!(p("80"), None);
        assert_eq!(p("1.2.3%"), None);
    }
}
