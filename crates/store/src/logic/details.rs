//! What a table carries beyond the seven columns of the 菏泽 一览表 (INTERFACES.md, "Any
//! table"), as the store keeps it: one JSON text per target (`targets.groups`), per entry
//! (`entries.details`) and per report (`reports.details`), NULL when the table has none of it.
//!
//! Kept as JSON text rather than as columns of their own because `extra` is any set of columns
//! an office invents, and because a NULL for the common case leaves every earlier row reading
//! back to the same table, byte for byte, on both backends.

use duban_core::{Extra, TableEntry, Unit};
use serde::{Deserialize, Serialize};

/// `entries.details`: what the plan knows of an entry besides its listed units and leaders.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EntryDetails {
    /// 配合单位, in the table's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assisting_units: Vec<String>,
    /// The table names no leaders for the entry at all (its JSON has no `leaders` key), which an
    /// entry with no `entry_leaders` rows cannot otherwise tell from an empty list.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leaders_unstated: bool,
}

/// `reports.details`: what a round's report says besides its progress text and answer.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReportDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_steps: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// The table asks no 是否按计划 of the entry (its JSON has no `on_schedule` key).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_asked: bool,
}

/// The JSON text of a value, or NULL when it is the default (nothing beyond the seven columns).
fn text<T: Serialize + Default + PartialEq>(value: &T) -> Option<String> {
    // Serialising plain strings, numbers and maps cannot fail.
    (*value != T::default()).then(|| serde_json::to_string(value).unwrap_or_default())
}

/// Reads a stored JSON text back; NULL is the default.
fn parse<T: for<'de> Deserialize<'de> + Default>(
    stored: Option<&str>,
    what: &str,
) -> Result<T, crate::StoreError> {
    stored.map_or_else(
        || Ok(T::default()),
        |s| serde_json::from_str(s).map_err(|e| crate::StoreError::Corrupt(format!("{what}: {e}"))),
    )
}

/// `targets.groups` for a target.
pub(crate) fn groups_text(group: &[String]) -> Option<String> {
    text(&group.to_vec())
}

pub(crate) fn groups_of(stored: Option<&str>) -> Result<Vec<String>, crate::StoreError> {
    parse(stored, "targets.groups")
}

/// `entries.details` for an entry of a table.
pub(crate) fn entry_text(e: &TableEntry) -> Option<String> {
    text(&EntryDetails {
        assisting_units: e.assisting_units.iter().map(ToString::to_string).collect(),
        leaders_unstated: e.leaders.is_none(),
    })
}

/// `entries.details` as stored for details written by the office (plan editing).
pub(crate) fn entry_details_text(d: &EntryDetails) -> Option<String> {
    text(d)
}

pub(crate) fn entry_of(stored: Option<&str>) -> Result<EntryDetails, crate::StoreError> {
    parse(stored, "entries.details")
}

impl EntryDetails {
    pub(crate) fn assisting(&self) -> Vec<Unit> {
        self.assisting_units
            .iter()
            .filter_map(|n| Unit::parse(n).ok())
            .collect()
    }
}

/// `reports.details` for an entry's report in a table.
pub(crate) fn report_text(e: &TableEntry) -> Option<String> {
    text(&ReportDetails {
        progress_percent: e.progress_percent.clone(),
        problems: e.problems.clone(),
        next_steps: e.next_steps.clone(),
        remarks: e.remarks.clone(),
        extra: e.extra.clone(),
        not_asked: !e.is_asked(),
    })
}

/// `reports.details` for a report written here: its 存在问题 and 下步打算 (blank is none).
pub(crate) fn said_text(problems: Option<&str>, next_steps: Option<&str>) -> Option<String> {
    let said = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    text(&ReportDetails {
        problems: said(problems),
        next_steps: said(next_steps),
        ..ReportDetails::default()
    })
}

pub(crate) fn report_of(stored: Option<&str>) -> Result<ReportDetails, crate::StoreError> {
    parse(stored, "reports.details")
}

impl ReportDetails {
    /// Writes what the report says onto the entry of a table.
    pub(crate) fn apply(self, e: &mut TableEntry) {
        e.progress_percent = self.progress_percent;
        e.problems = self.problems;
        e.next_steps = self.next_steps;
        e.remarks = self.remarks;
        e.extra = self.extra;
        if self.not_asked {
            e.on_schedule = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_beyond_the_seven_columns_is_null() {
        let e = TableEntry {
            leaders: Some(vec![]),
            units: vec![Unit::parse("市财政局").unwrap()],
            on_schedule: Some(Some(true)),
            ..TableEntry::default()
        };
        assert_eq!(entry_text(&e), None);
        assert_eq!(report_text(&e), None);
    }

    #[test]
    fn details_read_back() {
        let mut e = TableEntry {
            units: vec![Unit::parse("市教育局").unwrap()],
            assisting_units: vec![Unit::parse("市财政局").unwrap()],
            progress: "80%".into(),
            progress_percent: Some(80.into()),
            problems: Some("资金未到位".into()),
            ..TableEntry::default()
        };
        e.extra.insert("责任人".into(), "张三".into());
        let entry = entry_of(entry_text(&e).as_deref()).unwrap();
        assert!(entry.leaders_unstated);
        assert_eq!(entry.assisting(), e.assisting_units);
        let mut back = TableEntry {
            units: e.units.clone(),
            assisting_units: entry.assisting(),
            progress: e.progress.clone(),
            on_schedule: Some(None),
            ..TableEntry::default()
        };
        report_of(report_text(&e).as_deref())
            .unwrap()
            .apply(&mut back);
        assert_eq!(back, e);
        assert!(report_of(Some("{")).is_err());
    }
}
