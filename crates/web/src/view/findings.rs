//! The 自动核查 findings on a round's texts as they stand (drafts included), for the work
//! pages that show them beside the reports: the round page, and a leader's home.

use duban_core::{Table, TableEntry, TableTarget, TargetNo};
use duban_store::{ReportView, RoundSummary};
use std::collections::BTreeMap;

/// A finding beside a report: CSS class, rule label, message.
pub(crate) type FindingNote = (&'static str, &'static str, String);

/// The round as a table (current texts, not only accepted ones), for the checks.
fn table_of(round: &RoundSummary, reports: &[ReportView]) -> Table {
    let mut targets: Vec<TableTarget> = Vec::new();
    for r in reports {
        let entry = TableEntry {
            leaders: Some(r.leaders.clone()),
            units: r.units.clone(),
            progress: r.progress.clone(),
            on_schedule: Some(r.on_schedule),
            ..TableEntry::default()
        };
        match targets.last_mut() {
            Some(t) if t.no.get() == r.target_no => t.entries.push(entry),
            _ => {
                let Ok(no) = TargetNo::new(r.target_no) else {
                    continue;
                };
                let Ok(deadline) = duban_core::Deadline::from_json_text(&r.deadline) else {
                    continue;
                };
                targets.push(TableTarget {
                    no,
                    group: Vec::new(),
                    content: r.target_content.clone(),
                    deadline,
                    entries: vec![entry],
                });
            }
        }
    }
    Table {
        government: round.government.clone(),
        title: round.title.clone(),
        year: round.period.year(),
        period: round.period,
        declared_total: None,
        intro: None,
        targets,
    }
}

/// The 核查 findings (errors and warnings) on a round's current texts, by (target, entry);
/// `None` for a finding about the target as a whole.
pub(crate) fn findings_of(
    round: &RoundSummary,
    reports: &[ReportView],
) -> BTreeMap<(u32, Option<usize>), Vec<FindingNote>> {
    let checks = duban_checks::check_table(&table_of(round, reports));
    let mut findings: BTreeMap<(u32, Option<usize>), Vec<FindingNote>> = BTreeMap::new();
    for f in checks
        .findings
        .iter()
        .filter(|f| f.severity != duban_checks::Severity::Info)
    {
        let class = if f.severity == duban_checks::Severity::Error {
            "error"
        } else {
            "warning"
        };
        findings.entry((f.target_no, f.entry)).or_default().push((
            class,
            f.rule.label_zh(),
            f.message.clone(),
        ));
    }
    findings
}
