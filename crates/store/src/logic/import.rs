//! Importing a published table on every backend: how each target, entry and report of the table
//! compares with what is stored, what that changes, and what the audit log records of it. The
//! backends walk the table in the same order, one statement at a time inside one transaction,
//! and ask these functions what to write.

use crate::logic::details;
use crate::{ImportOutcome, PublicationSummary};
use duban_core::{PlanId, RoundId, Table, TableEntry, TableTarget};
use serde_json::{Value, json};

/// A target as stored: [`STORED_TARGET_SQL`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StoredTarget {
    pub id: i64,
    pub content: String,
    pub deadline: String,
    pub groups: Option<String>,
}

pub(crate) const STORED_TARGET_SQL: &str =
    "SELECT id, content, deadline, groups FROM targets WHERE plan_id = $1 AND no = $2";

/// What the table does to one of the plan's targets.
#[derive(Debug, PartialEq)]
pub(crate) enum TargetChange {
    /// New: `target.create` with this "after".
    Create { after: Value },
    /// Stored target `id` has another content or deadline now: `target.update`.
    Update {
        id: i64,
        before: Value,
        after: Value,
    },
    /// Stored target `id` says the same.
    Same { id: i64 },
}

pub(crate) fn target_change(old: Option<&StoredTarget>, t: &TableTarget) -> TargetChange {
    let deadline = t.deadline.to_string();
    let groups = details::groups_text(&t.group);
    let record = |content: &str, deadline: &str, groups: Option<&str>| {
        let mut v = json!({"content": content, "deadline": deadline});
        if let Some(g) = groups {
            v["group"] = serde_json::from_str(g).unwrap_or(Value::Null);
        }
        v
    };
    let after = || record(&t.content, &deadline, groups.as_deref());
    match old {
        None => TargetChange::Create { after: after() },
        Some(old)
            if old.content != t.content || old.deadline != deadline || old.groups != groups =>
        {
            TargetChange::Update {
                id: old.id,
                before: record(&old.content, &old.deadline, old.groups.as_deref()),
                after: after(),
            }
        }
        Some(old) => TargetChange::Same { id: old.id },
    }
}

/// What the table does to an entry's details ([`details::EntryDetails`]): `Some((before,
/// after))` for `entry.details` when they differ from the stored ones.
pub(crate) fn entry_details_change(
    stored: Option<String>,
    e: &TableEntry,
) -> Option<(Option<String>, Option<String>)> {
    let wanted = details::entry_text(e);
    (stored != wanted).then_some((stored, wanted))
}

/// The audit value of a details text: the JSON it holds, or null.
pub(crate) fn details_value(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// The audit subject of a target.
pub(crate) fn target_subject(table: &Table, t: &TableTarget) -> String {
    format!("target:{}/{}/{}", table.government, table.year, t.no.get())
}

/// The audit subject of an entry, under its target's.
pub(crate) fn entry_subject(target_subject: &str, position: usize) -> String {
    format!("{target_subject}/entry:{position}")
}

/// The kinds of names linked to entries, and the tables they live in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameKind {
    Units,
    Leaders,
}

impl NameKind {
    /// (link table, names table, link column).
    pub(crate) fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            NameKind::Units => ("entry_units", "units", "unit_id"),
            NameKind::Leaders => ("entry_leaders", "leaders", "leader_id"),
        }
    }

    /// The audit action of a change of an entry's names of this kind.
    pub(crate) fn action(self) -> String {
        format!("entry.{}", self.tables().1)
    }
}

/// An entry's names of each kind as the table has them, in the order an import compares them.
pub(crate) fn wanted_names(e: &TableEntry) -> [(NameKind, Vec<String>); 2] {
    [
        (NameKind::Leaders, strings(e.leaders())),
        (NameKind::Units, strings(&e.units)),
    ]
}

pub(crate) fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// The audit record of a change of an entry's names: "before" and "after".
pub(crate) fn names_changed(before: &[String], after: &[String]) -> (Value, Value) {
    (json!(before), json!(after))
}

/// A report as stored: [`STORED_REPORT_SQL`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StoredReport {
    pub progress: String,
    pub on_schedule: Option<bool>,
    pub state: String,
    pub details: Option<String>,
}

pub(crate) const STORED_REPORT_SQL: &str =
    "SELECT progress, on_schedule, state, details FROM reports
     WHERE round_id = $1 AND entry_id = $2";

/// What the table does to the round's report of an entry: `report.import`, recorded as accepted.
#[derive(Debug, PartialEq)]
pub(crate) struct ReportChange {
    pub before: Option<Value>,
    pub after: Value,
    /// What to store in `reports.details`.
    pub details: Option<String>,
}

/// The report the table gives an entry, unless the stored one says exactly that already. The
/// audit records 是/否 as 1/0, as SQLite stored it from the start, on every backend.
pub(crate) fn report_change(old: Option<StoredReport>, e: &TableEntry) -> Option<ReportChange> {
    let wanted = details::report_text(e);
    let same = old.as_ref().is_some_and(|o| {
        o.progress == e.progress
            && o.on_schedule == e.answer()
            && o.state == "accepted"
            && o.details == wanted
    });
    if same {
        return None;
    }
    let record = |progress: &str, on_schedule: Option<bool>, state: &str, details: Option<&str>| {
        let mut v = json!({"progress": progress, "on_schedule": on_schedule.map(i64::from), "state": state});
        if details.is_some() {
            v["details"] = details_value(details);
        }
        v
    };
    Some(ReportChange {
        before: old.map(|o| record(&o.progress, o.on_schedule, &o.state, o.details.as_deref())),
        after: record(&e.progress, e.answer(), "accepted", wanted.as_deref()),
        details: wanted,
    })
}

/// The audit subject of an entry's report in a round.
pub(crate) fn report_subject(entry_subject: &str, table: &Table) -> String {
    format!("{entry_subject}/round:{}", table.period)
}

/// The audit record's "before" of `entry.delete`, when a target lost entries.
pub(crate) fn entries_removed(n: u64) -> Value {
    json!({"entries_removed": n})
}

/// The audit subject and "after" of `round.import`.
pub(crate) fn round_imported(table: &Table) -> (String, Value) {
    (
        format!("round:{}", table.period),
        json!({"title": table.title, "targets": table.targets.len(), "entries": table.entry_count()}),
    )
}

/// What an import counts as it goes.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub targets_added: usize,
    pub targets_changed: usize,
    pub reports_changed: usize,
}

impl Counts {
    pub(crate) fn target(&mut self, change: &TargetChange) {
        match change {
            TargetChange::Create { .. } => self.targets_added += 1,
            TargetChange::Update { .. } => self.targets_changed += 1,
            TargetChange::Same { .. } => {}
        }
    }

    pub(crate) fn outcome(
        self,
        government: duban_core::Government,
        registered: bool,
        plan: i64,
        round: i64,
        published: Option<PublicationSummary>,
    ) -> ImportOutcome {
        ImportOutcome {
            government,
            registered,
            plan: PlanId(plan),
            round: RoundId(round),
            targets_added: self.targets_added,
            targets_changed: self.targets_changed,
            reports_changed: self.reports_changed,
            published,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(progress: &str, on_schedule: Option<bool>) -> TableEntry {
        TableEntry {
            leaders: Some(vec![]),
            units: vec![duban_core::Unit::parse("市财政局").unwrap()],
            progress: progress.into(),
            on_schedule: Some(on_schedule),
            ..TableEntry::default()
        }
    }

    #[test]
    fn an_accepted_report_saying_the_same_is_left_alone() {
        let stored = |state: &str| StoredReport {
            progress: "完成".into(),
            on_schedule: Some(true),
            state: state.into(),
            details: None,
        };
        assert_eq!(
            report_change(Some(stored("accepted")), &entry("完成", Some(true))),
            None
        );
        let change = report_change(Some(stored("draft")), &entry("完成", Some(true))).unwrap();
        assert_eq!(
            change.before.unwrap().to_string(),
            r#"{"progress":"完成","on_schedule":1,"state":"draft"}"#
        );
        let change = report_change(None, &entry("", None)).unwrap();
        assert_eq!(change.before, None);
        assert_eq!(
            change.after.to_string(),
            r#"{"progress":"","on_schedule":null,"state":"accepted"}"#
        );
        // A 民生实事 table asks no 是否按计划: the report says so in its details.
        let mut e = entry("80%", None);
        e.on_schedule = None;
        e.progress_percent = Some(80.into());
        let change = report_change(Some(stored("accepted")), &e).unwrap();
        assert_eq!(
            change.details.as_deref(),
            Some(r#"{"progress_percent":80,"not_asked":true}"#)
        );
    }
}
