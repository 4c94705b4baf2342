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
    /// Exactly as published; empty when the source lost it.
    pub content: String,
    pub deadline: Deadline,
    /// At least one; in the source's order.
    pub entries: Vec<TableEntry>,
}

/// One entry's answer in the round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableEntry {
    pub leaders: Vec<Leader>,
    /// The first unit leads.
    pub units: Vec<Unit>,
    /// 完成情况, exactly as published; empty when nothing was reported.
    pub progress: String,
    /// 是否按计划完成进度: 是 → true, 否 → false, nothing reported → null.
    pub on_schedule: Option<bool>,
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

    /// Counts of entries answered 是, 否 and not at all.
    pub fn schedule_counts(&self) -> ScheduleCounts {
        let mut c = ScheduleCounts::default();
        for e in self.targets.iter().flat_map(|t| &t.entries) {
            match e.on_schedule {
                Some(true) => c.yes += 1,
                Some(false) => c.no += 1,
                None => c.missing += 1,
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
}
