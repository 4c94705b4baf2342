//! One unit's or one leader's year (`/units/{name}`, `/leaders/{name}`): every entry they carry
//! — a unit as lead (牵头, first listed) or assisting (配合), a leader as one of those in charge —
//! in the newest publication of each of the year's rounds, newest round first, with the answer,
//! the 核查 findings and, for rounds collected here, timeliness (frozen into the publication, so
//! nobody can change it afterwards). Pure: built from the publications' tables and their checks.

use crate::view::feed::encoded;
use crate::view::i18n::{Labels, Lang};
use crate::view::{clip, shown_time};
use askama::Template;
use duban_checks::{CheckReport, Severity};
use duban_core::{Period, Table, TableEntry, Timeliness};

/// Whose page it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Unit,
    Leader,
}

impl Who {
    /// The path segment and the table filter's parameter (`units` / `unit`).
    pub fn segment(self) -> &'static str {
        match self {
            Who::Unit => "units",
            Who::Leader => "leaders",
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            Who::Unit => "unit",
            Who::Leader => "leader",
        }
    }

    /// Whether `entry` names `name` in this role.
    fn names(self, entry: &TableEntry, name: &str) -> bool {
        match self {
            Who::Unit => entry.units.iter().any(|u| u.as_str() == name),
            Who::Leader => entry.leaders().iter().any(|l| l.as_str() == name),
        }
    }
}

/// One entry they carry in one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub no: u32,
    /// The target, cut to a line (the target page has it whole).
    pub content: String,
    pub deadline: String,
    /// A unit's part (牵头 / 配合); on a leader's page, the lead unit.
    pub role: String,
    /// Who else: on a unit's page the leaders in charge, on a leader's page the other units.
    pub with: String,
    pub answer: &'static str,
    pub answer_class: &'static str,
    /// The 核查 findings on the entry (and on its target as a whole): class, label.
    pub findings: Vec<(&'static str, &'static str)>,
    /// "按时 · 10月8日 16:02 北京时间", "迟报", "未报送", with how often it was returned; `None`
    /// for a round imported from another system, which says nothing of timeliness.
    pub timeliness: Option<String>,
    pub timeliness_class: &'static str,
}

/// One round of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub period: String,
    pub label: String,
    /// Whether the round was collected here (its entries carry timeliness).
    pub collected: bool,
    pub rows: Vec<Row>,
}

/// The year's facts in a line: entries in the newest round, and over the year's collected
/// reports how many came on time, late or never, and how often they were returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub lead: usize,
    pub assisting: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub returned: u32,
    /// Entries answered 是 whose own figures say behind, over the year.
    pub not_supported: usize,
}

/// `name`'s year over `rounds` (the newest publication of each round, newest round first, each
/// with its checks); empty when no round names them.
pub fn year_of(
    lang: Lang,
    who: Who,
    name: &str,
    rounds: &[(&Table, &CheckReport)],
) -> (Vec<Round>, Totals) {
    let mut out = Vec::new();
    let mut totals = Totals::default();
    for (i, (table, checks)) in rounds.iter().enumerate() {
        let mut rows = Vec::new();
        let mut collected = false;
        for t in &table.targets {
            let no = t.no.get();
            for (e_at, e) in t.entries.iter().enumerate() {
                if !who.names(e, name) {
                    continue;
                }
                let lead = e.units.first().map(|u| u.as_str());
                let leads = lead == Some(name);
                if i == 0 {
                    match who {
                        Who::Unit if !leads => totals.assisting += 1,
                        _ => totals.lead += 1,
                    }
                }
                // Each rule once (a finding on the target and one on the entry say the same
                // to a reader), at its gravest.
                let mut findings: Vec<(&'static str, &'static str)> = Vec::new();
                for f in checks.findings.iter().filter(|f| {
                    f.severity != Severity::Info
                        && f.target_no == no
                        && f.entry.is_none_or(|x| x == e_at)
                }) {
                    let class = if f.severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    };
                    match findings.iter_mut().find(|(_, l)| *l == f.rule.label_zh()) {
                        Some(seen) if class == "error" => seen.0 = class,
                        Some(_) => {}
                        None => findings.push((class, f.rule.label_zh())),
                    }
                }
                if findings
                    .iter()
                    .any(|(_, l)| *l == duban_checks::Rule::ClaimNotSupported.label_zh())
                {
                    totals.not_supported += 1;
                }
                let (answer, answer_class) = super::i18n::answer(lang, e.on_schedule);
                let (timeliness, timeliness_class) = match &e.timeliness {
                    Some(t) => {
                        collected = true;
                        // A unit answers for its own reports only as their lead: the lead
                        // unit writes the entry. A leader's page counts every entry.
                        if who == Who::Leader || leads {
                            count(&mut totals, t);
                        }
                        let (text, class) = timeliness(lang, t);
                        (Some(text), class)
                    }
                    None => (None, "unknown"),
                };
                rows.push(Row {
                    no,
                    content: clip(&t.content, 60),
                    deadline: match lang {
                        Lang::Zh => t.deadline.to_string(),
                        Lang::En => t.deadline.label_en(),
                    },
                    role: match (who, lang) {
                        (Who::Unit, Lang::Zh) if leads => "牵头".to_owned(),
                        (Who::Unit, Lang::Zh) => "配合".to_owned(),
                        (Who::Unit, Lang::En) if leads => "lead".to_owned(),
                        (Who::Unit, Lang::En) => "assisting".to_owned(),
                        (Who::Leader, _) => lead.unwrap_or("").to_owned(),
                    },
                    with: match who {
                        Who::Unit => join(e.leaders().iter().map(|l| l.as_str())),
                        Who::Leader => join(e.units.iter().skip(1).map(|u| u.as_str())),
                    },
                    answer,
                    answer_class,
                    findings,
                    timeliness,
                    timeliness_class,
                });
            }
        }
        if !rows.is_empty() {
            out.push(Round {
                period: table.period.to_string(),
                label: lang.period_label(table.period),
                collected,
                rows,
            });
        }
    }
    (out, totals)
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage<'a> {
    l: Labels,
    unit: bool,
    name: &'a str,
    year: i16,
    /// The other years naming them: (year, link).
    years: Vec<(i16, String)>,
    rounds: Vec<Round>,
    totals: Totals,
    /// The newest round's table filtered to them, and (units) the year's scorecard.
    table_href: String,
    scorecard_href: String,
}

/// The page of `name` in `year` (or the newest year naming them) over `tables` (the newest
/// publication of each round, newest first; see `crate::chained::newest_per_round`) with their
/// checks; `None` when no round of that year names them.
pub fn page(
    lang: Lang,
    base: &str,
    who: Who,
    name: &str,
    year: Option<i16>,
    tables: &[(Period, Table)],
    checks: &[CheckReport],
) -> Result<Option<String>, askama::Error> {
    let years = years_naming(who, name, tables);
    let Some(year) = year.or_else(|| years.first().copied()) else {
        return Ok(None);
    };
    let rounds: Vec<(&Table, &CheckReport)> = tables
        .iter()
        .zip(checks)
        .filter(|((p, _), _)| p.year() == year)
        .map(|((_, t), c)| (t, c))
        .collect();
    let (shown, totals) = year_of(lang, who, name, &rounds);
    let Some(newest) = shown.first() else {
        return Ok(None);
    };
    let path = format!("{base}/{}/{}", who.segment(), encoded(name));
    let mut l = Labels::new(lang, &format!("{path}?year={year}")).under(base);
    if who == Who::Unit {
        l = l.with_feed(
            match lang {
                Lang::Zh => format!("{name}承担的目标"),
                Lang::En => format!("Targets of {name}"),
            },
            format!("{base}/feeds/units/{}.atom", encoded(name)),
        );
    }
    // `Labels::new` offers the other language at `path?lang=en`; this page's path has a query.
    l.other_lang_href = l.other_lang_href.replacen("?lang=en", "&lang=en", 1);
    let suffix = if lang == Lang::En { "&lang=en" } else { "" };
    let page = PersonPage {
        unit: who == Who::Unit,
        name,
        year,
        years: years
            .into_iter()
            .filter(|y| *y != year)
            .map(|y| (y, format!("{path}?year={y}{suffix}")))
            .collect(),
        table_href: format!(
            "{base}/tables/{}?{}={}{suffix}",
            newest.period,
            who.param(),
            encoded(name)
        ),
        scorecard_href: format!("{base}/scorecards/{year}{}", lang.query()),
        rounds: shown,
        totals,
        l,
    };
    page.render().map(Some)
}

fn count(totals: &mut Totals, t: &Timeliness) {
    match (&t.submitted_at, t.late) {
        (None, _) => totals.missing += 1,
        (Some(_), true) => totals.late += 1,
        (Some(_), false) => totals.on_time += 1,
    }
    totals.returned += t.returned;
}

fn join<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join("、")
}

/// What the publication froze about a report: when it came, whether late, how often returned.
fn timeliness(lang: Lang, t: &Timeliness) -> (String, &'static str) {
    let (mut text, class) = match (&t.submitted_at, t.late, lang) {
        // Not 未报送 again: the answer beside it already says that; this is about the report.
        (None, _, Lang::Zh) => ("报告未提交".to_owned(), "missing"),
        (None, _, Lang::En) => ("never submitted".to_owned(), "missing"),
        (Some(at), late, Lang::Zh) => (
            format!(
                "{} · {}",
                if late { "迟报" } else { "按时" },
                shown_time(at, lang)
            ),
            if late { "late" } else { "on-time" },
        ),
        (Some(at), late, Lang::En) => (
            format!(
                "{} · {}",
                if late { "late" } else { "on time" },
                shown_time(at, lang)
            ),
            if late { "late" } else { "on-time" },
        ),
    };
    if t.returned > 0 {
        text.push_str(&match lang {
            Lang::Zh => format!(" · 退回 {} 次", t.returned),
            Lang::En => format!(" · returned {}×", t.returned),
        });
    }
    (text, class)
}

/// The years in which any round names them, newest first (for the links between years).
pub fn years_naming(who: Who, name: &str, tables: &[(Period, Table)]) -> Vec<i16> {
    let mut years: Vec<i16> = tables
        .iter()
        .filter(|(_, t)| {
            t.targets
                .iter()
                .flat_map(|t| &t.entries)
                .any(|e| who.names(e, name))
        })
        .map(|(p, _)| p.year())
        .collect();
    years.sort_by(|a, b| b.cmp(a));
    years.dedup();
    years
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_core::{Deadline, Leader, TableTarget, TargetNo, Unit};

    fn entry(leaders: &[&str], units: &[&str], answer: Option<bool>) -> TableEntry {
        TableEntry {
            leaders: Some(leaders.iter().map(|l| Leader::parse(l).unwrap()).collect()),
            units: units.iter().map(|u| Unit::parse(u).unwrap()).collect(),
            progress: "已完成年度任务的80%。".to_owned(),
            on_schedule: Some(answer),
            ..TableEntry::default()
        }
    }

    fn table(period: &str, targets: Vec<(u32, Vec<TableEntry>)>) -> Table {
        let period: Period = period.parse().unwrap();
        Table {
            government: "菏泽市".to_owned(),
            title: "一览表".to_owned(),
            year: period.year(),
            period,
            declared_total: None,
            intro: None,
            targets: targets
                .into_iter()
                .map(|(no, entries)| TableTarget {
                    no: TargetNo::new(no).unwrap(),
                    group: Vec::new(),
                    content: format!("目标{no}"),
                    deadline: Deadline::YearEnd,
                    entries,
                })
                .collect(),
        }
    }

    fn no_checks() -> CheckReport {
        CheckReport {
            findings: Vec::new(),
            indicators: Vec::new(),
            summary: duban_checks::Summary::default(),
        }
    }

    #[test]
    fn a_unit_leads_some_entries_and_assists_others_and_only_its_leads_count_for_timeliness() {
        let mut on_time = entry(&["王"], &["市财政局", "市发展改革委"], Some(true));
        on_time.timeliness = Some(Timeliness {
            submitted_at: Some("2023-10-08T08:00:00Z".to_owned()),
            late: false,
            returned: 2,
        });
        let mut assisting = entry(&["李"], &["市发展改革委", "市财政局"], Some(true));
        assisting.timeliness = Some(Timeliness {
            submitted_at: None,
            late: false,
            returned: 0,
        });
        let q3 = table(
            "2023Q3",
            vec![
                (1, vec![on_time]),
                (2, vec![assisting]),
                (3, vec![entry(&["王"], &["市教育局"], None)]),
            ],
        );
        let q2 = table(
            "2023Q2",
            vec![(1, vec![entry(&["王"], &["市财政局"], None)])],
        );
        let checks = no_checks();
        let (rounds, totals) = year_of(
            Lang::Zh,
            Who::Unit,
            "市财政局",
            &[(&q3, &checks), (&q2, &checks)],
        );
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds[0].period, "2023Q3");
        assert!(rounds[0].collected);
        assert!(!rounds[1].collected);
        let rows = &rounds[0].rows;
        assert_eq!(
            rows.iter()
                .map(|r| (r.no, r.role.as_str()))
                .collect::<Vec<_>>(),
            vec![(1, "牵头"), (2, "配合")]
        );
        assert_eq!(
            rows[0].timeliness.as_deref(),
            Some("按时 · 2023-10-08 16:00 北京时间 · 退回 2 次")
        );
        assert_eq!(rows[1].timeliness.as_deref(), Some("报告未提交"));
        assert_eq!(rounds[1].rows[0].timeliness, None);
        assert_eq!(rounds[1].rows[0].answer, "未报送");
        // The missing report was the other unit's to write: only the lead's report counts.
        assert_eq!(
            totals,
            Totals {
                lead: 1,
                assisting: 1,
                on_time: 1,
                late: 0,
                missing: 0,
                returned: 2,
                not_supported: 0,
            }
        );
        let (none, _) = year_of(Lang::Zh, Who::Unit, "市公安局", &[(&q3, &checks)]);
        assert!(none.is_empty());
    }

    #[test]
    fn a_leader_sees_every_entry_in_their_charge_with_the_lead_unit() {
        let q3 = table(
            "2023Q3",
            vec![
                (
                    1,
                    vec![
                        entry(&["王", "李"], &["市财政局", "市教育局"], Some(true)),
                        entry(&["张"], &["市公安局"], Some(true)),
                    ],
                ),
                (2, vec![entry(&["李"], &["市发展改革委"], Some(false))]),
            ],
        );
        let checks = no_checks();
        let (rounds, totals) = year_of(Lang::En, Who::Leader, "李", &[(&q3, &checks)]);
        let rows = &rounds[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].role.as_str(), rows[0].with.as_str()),
            ("市财政局", "市教育局")
        );
        assert_eq!((rows[1].answer, rows[1].answer_class), ("否 (no)", "no"));
        assert_eq!(totals.lead, 2);
        assert_eq!(
            years_naming(Who::Leader, "李", &[(q3.period, q3.clone())]),
            vec![2023]
        );
        assert!(years_naming(Who::Leader, "赵", &[(q3.period, q3)]).is_empty());
    }
}
