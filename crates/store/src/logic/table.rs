//! A round's table from its rows: the head (plan and round), the entries' names in their order,
//! the approved extensions, and one row per report. The same rows give the same table, byte for
//! byte once serialised, on either backend; publication hashes depend on it.
//!
//! The statements are the same in both dialects, so they are written here; each backend runs
//! them in its own transaction (`load_round_table`) and hands the rows to [`assemble`].

use crate::StoreError;
use crate::logic::{details, parse_period, target_no};
use duban_core::{Deadline, Extension, Leader, Table, TableEntry, TableTarget, Timeliness, Unit};
use std::collections::HashMap;

/// Whether a table carries the deadline extensions approved so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovedExtensions {
    /// A round collected here: its publication shows every extension approved by then.
    Shown,
    /// A table imported as another system published it: exactly as published, nothing added.
    Omitted,
}

/// The plan and round: [`HeadRow`], by round id.
pub(crate) const HEAD_SQL: &str =
    "SELECT p.government, p.year, p.declared_total, r.period, r.title, r.intro, r.due
     FROM rounds r JOIN plans p ON p.id = r.plan_id WHERE r.id = $1";

/// The units of the round's entries ([`NameRow`]), each entry's in their order.
pub(crate) const UNITS_SQL: &str = "SELECT l.entry_id, n.name FROM entry_units l
     JOIN units n ON n.id = l.unit_id
     JOIN reports r ON r.entry_id = l.entry_id AND r.round_id = $1
     ORDER BY l.entry_id, l.position";

/// The leaders of the round's entries ([`NameRow`]), each entry's in their order.
pub(crate) const LEADERS_SQL: &str = "SELECT l.entry_id, n.name FROM entry_leaders l
     JOIN leaders n ON n.id = l.leader_id
     JOIN reports r ON r.entry_id = l.entry_id AND r.round_id = $1
     ORDER BY l.entry_id, l.position";

/// The approved extensions of the round's entries ([`ApprovedRow`]), oldest decision first.
pub(crate) const APPROVED_SQL: &str =
    "SELECT x.entry_id, x.new_deadline, x.reason, x.decided_at FROM extensions x
     JOIN reports r ON r.entry_id = x.entry_id AND r.round_id = $1
     WHERE x.state = 'approved' ORDER BY x.decided_at, x.id";

/// The round's reports with their targets ([`ReportRow`]), in table order.
pub(crate) const REPORTS_SQL: &str =
    "SELECT t.no, t.content, t.deadline, t.groups, e.id AS entry_id, e.details AS entry_details,
            r.progress, r.on_schedule, r.state, r.submitted_at, r.late, r.returned_count,
            r.details AS report_details
     FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
     WHERE r.round_id = $1 ORDER BY t.no, e.position";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct HeadRow {
    pub government: String,
    pub year: i16,
    pub declared_total: Option<i64>,
    pub period: String,
    pub title: String,
    pub intro: Option<String>,
    /// Set for a round opened here; an imported round has none.
    pub due: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct NameRow {
    pub entry_id: i64,
    pub name: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ApprovedRow {
    pub entry_id: i64,
    pub new_deadline: String,
    pub reason: String,
    pub decided_at: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ReportRow {
    pub no: i64,
    pub content: String,
    pub deadline: String,
    pub groups: Option<String>,
    pub entry_id: i64,
    pub entry_details: Option<String>,
    pub progress: String,
    pub on_schedule: Option<bool>,
    pub state: String,
    pub submitted_at: Option<String>,
    pub late: bool,
    pub returned_count: i64,
    pub report_details: Option<String>,
}

/// Everything a round's table is made of.
#[derive(Debug)]
pub(crate) struct RoundRows {
    pub head: HeadRow,
    pub units: Vec<NameRow>,
    pub leaders: Vec<NameRow>,
    /// Empty for [`ApprovedExtensions::Omitted`].
    pub approved: Vec<ApprovedRow>,
    pub reports: Vec<ReportRow>,
}

/// The names of each entry, in the order the rows give them.
fn by_entry(rows: Vec<NameRow>) -> HashMap<i64, Vec<String>> {
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for row in rows {
        names.entry(row.entry_id).or_default().push(row.name);
    }
    names
}

fn names_of(names: &HashMap<i64, Vec<String>>, entry: i64) -> &[String] {
    names.get(&entry).map_or(&[], Vec::as_slice)
}

/// The table the rows say: reports not accepted show as not reported.
pub(crate) fn assemble(rows: RoundRows) -> Result<Table, StoreError> {
    let RoundRows {
        head,
        units,
        leaders,
        approved,
        reports,
    } = rows;
    // A round opened here (it has a due date) carries its entries' timeliness; an imported
    // table's do not: nobody here knows it.
    let collected = head.due.is_some();
    let period = parse_period(&head.period)?;
    let units = by_entry(units);
    let leaders = by_entry(leaders);

    // The latest approval per entry is the one in force: each must go past the one before.
    let mut granted: HashMap<i64, Extension> = HashMap::new();
    for row in approved {
        let deadline = row
            .new_deadline
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("extension date {}", row.new_deadline)))?;
        granted.insert(
            row.entry_id,
            Extension {
                deadline,
                reason: row.reason,
                approved_at: row.decided_at,
            },
        );
    }

    let mut targets: Vec<TableTarget> = Vec::new();
    for row in reports {
        let no = target_no(row.no)?;
        let accepted = row.state == "accepted";
        let shape = details::entry_of(row.entry_details.as_deref())?;
        let mut entry = TableEntry {
            leaders: (!shape.leaders_unstated).then(|| {
                names_of(&leaders, row.entry_id)
                    .iter()
                    .filter_map(|n| Leader::parse(n).ok())
                    .collect()
            }),
            units: names_of(&units, row.entry_id)
                .iter()
                .filter_map(|n| Unit::parse(n).ok())
                .collect(),
            assisting_units: shape.assisting(),
            on_schedule: Some(if accepted { row.on_schedule } else { None }),
            progress: if accepted {
                row.progress
            } else {
                String::new()
            },
            extension: granted.remove(&row.entry_id),
            timeliness: collected.then(|| Timeliness {
                submitted_at: row.submitted_at,
                late: row.late,
                returned: u32::try_from(row.returned_count).unwrap_or(0),
            }),
            ..TableEntry::default()
        };
        // What a report says beyond its text and answer shows once it is accepted, like its
        // text; whether the table asks 是否按计划 at all shows always.
        let said = details::report_of(row.report_details.as_deref())?;
        if accepted {
            said.apply(&mut entry);
        } else if said.not_asked {
            entry.on_schedule = None;
        }
        match targets.last_mut() {
            Some(t) if t.no == no => t.entries.push(entry),
            _ => targets.push(TableTarget {
                no,
                group: details::groups_of(row.groups.as_deref())?,
                content: row.content,
                deadline: Deadline::from_json_text(&row.deadline)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                entries: vec![entry],
            }),
        }
    }
    Ok(Table {
        government: head.government,
        title: head.title,
        year: head.year,
        period,
        declared_total: head.declared_total.and_then(|n| u32::try_from(n).ok()),
        intro: head.intro,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(no: i64, entry_id: i64, state: &str, progress: &str) -> ReportRow {
        ReportRow {
            no,
            content: format!("目标{no}"),
            deadline: "年底".into(),
            groups: None,
            entry_id,
            entry_details: None,
            progress: progress.into(),
            on_schedule: Some(true),
            state: state.into(),
            submitted_at: None,
            late: false,
            returned_count: 0,
            report_details: None,
        }
    }

    #[test]
    fn entries_group_under_their_targets_and_only_accepted_text_shows() {
        let name = |entry_id, name: &str| NameRow {
            entry_id,
            name: name.into(),
        };
        let table = assemble(RoundRows {
            head: HeadRow {
                government: "某市人民政府".into(),
                year: 2023,
                declared_total: Some(2),
                period: "2023Q4".into(),
                title: "标题".into(),
                intro: None,
                due: None,
            },
            units: vec![
                name(10, "甲局"),
                name(10, "乙局"),
                name(11, "丙局"),
                name(12, "丁局"),
            ],
            leaders: vec![name(10, "张三")],
            approved: vec![
                ApprovedRow {
                    entry_id: 12,
                    new_deadline: "2024-03-31".into(),
                    reason: "一".into(),
                    decided_at: "2023-11-01T00:00:00.000Z".into(),
                },
                ApprovedRow {
                    entry_id: 12,
                    new_deadline: "2024-06-30".into(),
                    reason: "二".into(),
                    decided_at: "2023-12-01T00:00:00.000Z".into(),
                },
            ],
            reports: vec![
                report(1, 10, "accepted", "完成"),
                report(1, 11, "submitted", "未审"),
                report(2, 12, "accepted", "推进"),
            ],
        })
        .unwrap();
        assert_eq!(table.targets.len(), 2);
        let first = &table.targets[0].entries;
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].units.len(), 2);
        assert_eq!(first[0].leaders()[0].as_str(), "张三");
        assert_eq!(
            (first[0].progress.as_str(), first[0].on_schedule),
            ("完成", Some(Some(true)))
        );
        assert_eq!(
            (first[1].progress.as_str(), first[1].on_schedule),
            ("", Some(None))
        );
        let extension = table.targets[1].entries[0].extension.as_ref().unwrap();
        assert_eq!(
            (
                extension.deadline.to_string().as_str(),
                extension.reason.as_str()
            ),
            ("2024-06-30", "二")
        );
        assert_eq!(table.declared_total, Some(2));
    }
}
