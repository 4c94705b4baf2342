//! Filters on a published table (`/tables/{period}?unit=…&leader=…&answer=…&deadline=…&flagged=1
//! &verdict=…`, INTERFACES.md): which targets a citizen asked to see.
//!
//! Each parameter may repeat: values of one parameter are alternatives (OR), different parameters
//! must all hold (AND). Unit, leader, answer and verdict are asked of each entry (a unit asks of
//! the lead unit and the assisting ones alike); deadline and flagged of the target. A target is
//! shown when one of its entries answers every entry question, and then whole, with all its
//! entries: a merged target is never cut apart. Pure: the caller holds the table and its checks.

use duban_checks::{CheckReport, Severity, Verdict};
use duban_core::{Table, TableEntry, TableTarget};

/// An answer to 是否按计划完成进度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answer {
    Yes,
    No,
    Missing,
    /// The table asks no 是否按计划 of the entry (a 民生实事 table, say).
    NotAsked,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Yes, Answer::No, Answer::Missing, Answer::NotAsked];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Missing => "missing",
            Answer::NotAsked => "not_asked",
        }
    }

    fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s)
    }

    fn of(entry: &TableEntry) -> Answer {
        match entry.on_schedule {
            Some(Some(true)) => Answer::Yes,
            Some(Some(false)) => Answer::No,
            Some(None) => Answer::Missing,
            None => Answer::NotAsked,
        }
    }
}

/// What a citizen asked to see. Empty: everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFilter {
    pub units: Vec<String>,
    pub leaders: Vec<String>,
    pub answers: Vec<Answer>,
    pub deadlines: Vec<String>,
    pub flagged: bool,
    pub verdicts: Vec<Verdict>,
}

/// The most values one filter takes: more is not a person choosing.
const MAX_VALUES: usize = 50;

impl TableFilter {
    /// Reads a query string. Empty values (a form's "all") are ignored, as are parameters
    /// that are not filters (`lang`); an answer or verdict that is not one of the choices is
    /// refused, naming the parameter.
    pub fn parse(query: &str) -> Result<TableFilter, String> {
        let mut f = TableFilter::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "unit" => f.units.push(value.to_owned()),
                "leader" => f.leaders.push(value.to_owned()),
                "deadline" => f.deadlines.push(value.to_owned()),
                "answer" => f.answers.push(Answer::parse(value).ok_or_else(|| {
                    format!("answer: “{value}” is not one of yes, no, missing")
                })?),
                "verdict" => f.verdicts.push(
                    Verdict::ALL
                        .into_iter()
                        .find(|v| v.as_str() == value)
                        .ok_or_else(|| {
                            format!(
                                "verdict: “{value}” is not one of ahead, on_track, behind, met, unverifiable"
                            )
                        })?,
                ),
                "flagged" => f.flagged = matches!(value, "1" | "true" | "yes" | "on"),
                _ => {}
            }
        }
        for list in [&mut f.units, &mut f.leaders, &mut f.deadlines] {
            list.sort();
            list.dedup();
        }
        f.answers.sort();
        f.answers.dedup();
        f.verdicts.sort_by_key(|v| v.as_str());
        f.verdicts.dedup();
        let n = f.units.len() + f.leaders.len() + f.deadlines.len();
        if n + f.answers.len() + f.verdicts.len() > MAX_VALUES {
            return Err(format!("at most {MAX_VALUES} filter values"));
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        *self == TableFilter::default()
    }

    /// The filter as a query string in one order, whatever order it was asked in: the key
    /// of its cached page, and what the page's links carry.
    pub fn canonical(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for u in &self.units {
            q.append_pair("unit", u);
        }
        for l in &self.leaders {
            q.append_pair("leader", l);
        }
        for a in &self.answers {
            q.append_pair("answer", a.as_str());
        }
        for d in &self.deadlines {
            q.append_pair("deadline", d);
        }
        if self.flagged {
            q.append_pair("flagged", "1");
        }
        for v in &self.verdicts {
            q.append_pair("verdict", v.as_str());
        }
        q.finish()
    }

    /// The table with only the targets asked for, each whole.
    pub fn apply(&self, table: &Table, checks: Option<&CheckReport>) -> Table {
        let mut kept = table.clone();
        kept.targets.retain(|t| self.keeps(t, checks));
        kept
    }

    fn keeps(&self, t: &TableTarget, checks: Option<&CheckReport>) -> bool {
        let no = t.no.get();
        if !self.deadlines.is_empty() && !self.deadlines.contains(&t.deadline.to_string()) {
            return false;
        }
        if self.flagged && !flagged(no, checks) {
            return false;
        }
        t.entries.iter().enumerate().any(|(i, e)| {
            (self.units.is_empty()
                || e.all_units()
                    .any(|u| self.units.iter().any(|x| x == u.as_str())))
                && (self.leaders.is_empty()
                    || e.leaders()
                        .iter()
                        .any(|l| self.leaders.iter().any(|x| x == l.as_str())))
                && (self.answers.is_empty() || self.answers.contains(&Answer::of(e)))
                && (self.verdicts.is_empty()
                    || checks.is_some_and(|c| {
                        c.indicators.iter().any(|v| {
                            v.target_no == no && v.entry == i && self.verdicts.contains(&v.verdict)
                        })
                    }))
        })
    }
}

/// Whether the checks flag a target: an error or a warning, as the table prints beside it.
pub fn flagged(no: u32, checks: Option<&CheckReport>) -> bool {
    checks.is_some_and(|c| {
        c.findings
            .iter()
            .any(|f| f.target_no == no && f.severity != Severity::Info)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heze() -> Table {
        duban_formats::twoup::read(
            include_str!("../../../../fixtures/heze-2023-q3.txt"),
            &duban_formats::twoup::ReadOptions::default(),
        )
        .unwrap()
    }

    fn nos(t: &Table) -> Vec<u32> {
        t.targets.iter().map(|t| t.no.get()).collect()
    }

    #[test]
    fn reads_repeats_and_ignores_blanks_and_other_parameters() {
        let f = TableFilter::parse("unit=%E5%B8%82%E8%B4%A2%E6%94%BF%E5%B1%80&unit=&lang=en&answer=no&answer=yes&flagged=1")
            .unwrap();
        assert_eq!(f.units, ["市财政局"]);
        assert_eq!(f.answers, [Answer::Yes, Answer::No]);
        assert!(f.flagged);
        assert_eq!(
            f.canonical(),
            "unit=%E5%B8%82%E8%B4%A2%E6%94%BF%E5%B1%80&answer=yes&answer=no&flagged=1"
        );
        assert!(TableFilter::parse("lang=en&unit=").unwrap().is_empty());
        assert!(
            TableFilter::parse("answer=maybe")
                .unwrap_err()
                .starts_with("answer:")
        );
        assert!(
            TableFilter::parse("verdict=late")
                .unwrap_err()
                .starts_with("verdict:")
        );
    }

    #[test]
    fn keeps_whole_targets_whose_entries_match() {
        let table = heze();
        let checks = duban_checks::check_table(&table);
        // Target 39 has two entries; a unit of either keeps both.
        let t39 = &table.targets.iter().find(|t| t.no.get() == 39).unwrap();
        let assisting = t39
            .entries
            .last()
            .unwrap()
            .units
            .last()
            .unwrap()
            .as_str()
            .to_owned();
        let f = TableFilter {
            units: vec![assisting.clone()],
            ..TableFilter::default()
        };
        let kept = f.apply(&table, Some(&checks));
        assert!(nos(&kept).contains(&39));
        let kept39 = kept.targets.iter().find(|t| t.no.get() == 39).unwrap();
        assert_eq!(kept39.entries.len(), t39.entries.len());
        assert!(kept.targets.iter().all(|t| {
            t.entries
                .iter()
                .any(|e| e.units.iter().any(|u| u.as_str() == assisting))
        }));

        // Exactly the targets with an entry answering 是 whose figures say behind.
        let f = TableFilter {
            answers: vec![Answer::Yes],
            verdicts: vec![Verdict::Behind],
            ..TableFilter::default()
        };
        let kept = f.apply(&table, Some(&checks));
        let mut expected: Vec<u32> = checks
            .indicators
            .iter()
            .filter(|v| v.verdict == Verdict::Behind)
            .filter(|v| {
                let t = table
                    .targets
                    .iter()
                    .find(|t| t.no.get() == v.target_no)
                    .unwrap();
                t.entries[v.entry].answer() == Some(true)
            })
            .map(|v| v.target_no)
            .collect();
        expected.dedup();
        assert!(!expected.is_empty());
        assert_eq!(nos(&kept), expected);

        // Flagged: the targets the table prints a note beside.
        let f = TableFilter {
            flagged: true,
            ..TableFilter::default()
        };
        let kept = f.apply(&table, Some(&checks));
        assert!(!kept.targets.is_empty() && kept.targets.len() < table.targets.len());
        assert!(nos(&kept).iter().all(|n| flagged(*n, Some(&checks))));

        // A deadline as printed; an unknown unit keeps nothing.
        let year_end = table
            .targets
            .iter()
            .filter(|t| t.deadline.to_string() == "年底")
            .count();
        let f = TableFilter {
            deadlines: vec!["年底".into()],
            ..TableFilter::default()
        };
        let kept = f.apply(&table, None);
        assert_eq!(kept.targets.len(), year_end);
        assert!(year_end > 0 && year_end < table.targets.len(), "{year_end}");
        let f = TableFilter {
            units: vec!["不存在的单位".into()],
            ..TableFilter::default()
        };
        assert!(f.apply(&table, None).targets.is_empty());
    }
}
