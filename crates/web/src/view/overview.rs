//! A government's overview: its latest round at a glance, for the top of its home page — the
//! counts of 是 / 否 / 未报送, how many 是 the figures do not support, the targets whose figures
//! say behind, and status by leader and by lead unit as charts ([`crate::view::chart`]) whose
//! bars link to the table filtered to them. Pure: built from a publication's table and checks.

use crate::view::chart::{self, Bar, Series};
use crate::view::i18n::Lang;
use crate::view::{clip, percent};
use duban_checks::{CheckReport, Verdict};
use duban_core::{Table, TableEntry};
use std::collections::BTreeMap;

/// The latest round at a glance.
#[derive(Debug)]
pub struct Overview {
    pub period: String,
    pub title: String,
    pub targets: usize,
    pub entries: usize,
    pub yes: usize,
    pub no: usize,
    pub missing: usize,
    /// 是 whose own figures say behind; `None` when the deployment does not show the checks.
    pub not_supported: Option<usize>,
    /// The targets whose figures say behind, with the figures.
    pub behind: Vec<Behind>,
    pub by_leader: String,
    pub by_unit: String,
    /// The numbers of both charts, as tables (their text alternative).
    pub leader_rows: Vec<(String, Vec<usize>)>,
    pub unit_rows: Vec<(String, Vec<usize>)>,
    /// How many units the unit chart leaves out (it shows those with the most to say).
    pub units_left_out: usize,
    pub series: Vec<&'static str>,
}

/// A target whose figures say it is behind.
#[derive(Debug)]
pub struct Behind {
    pub no: u32,
    pub content: String,
    /// "1.71万吨 / 8.6万吨，完成 19.9%，应达 75%".
    pub figures: String,
    /// Whether the entry still said 是.
    pub claimed: bool,
}

/// Units on the chart: a city has dozens; the chart shows those with the most entries not on
/// track, and the table below it the rest.
const UNITS_CHARTED: usize = 12;

/// Series of the charts, in stacking order.
fn series(lang: Lang) -> [Series; 4] {
    match lang {
        Lang::Zh => [
            Series {
                name: "是",
                class: "yes",
                colour: "#4c9a5f",
            },
            Series {
                name: "是·数据显示滞后",
                class: "unsupported",
                colour: "#e0a030",
            },
            Series {
                name: "否",
                class: "no",
                colour: "#c0392b",
            },
            Series {
                name: "未报送",
                class: "missing",
                colour: "#b8bec6",
            },
        ],
        Lang::En => [
            Series {
                name: "yes",
                class: "yes",
                colour: "#4c9a5f",
            },
            Series {
                name: "yes, figures behind",
                class: "unsupported",
                colour: "#e0a030",
            },
            Series {
                name: "no",
                class: "no",
                colour: "#c0392b",
            },
            Series {
                name: "not reported",
                class: "missing",
                colour: "#b8bec6",
            },
        ],
    }
}

/// Which series an entry counts in; none for an entry of a table that asks no 是否按计划.
fn slot(entry: &TableEntry, unsupported: bool) -> Option<usize> {
    match entry.on_schedule? {
        Some(true) if unsupported => Some(1),
        Some(true) => Some(0),
        Some(false) => Some(2),
        None => Some(3),
    }
}

pub fn overview(lang: Lang, base: &str, table: &Table, checks: Option<&CheckReport>) -> Overview {
    let period = table.period.to_string();
    let behind_at = |no: u32, entry: usize| {
        checks
            .into_iter()
            .flat_map(|c| &c.indicators)
            .find(|v| v.target_no == no && v.entry == entry && v.verdict == Verdict::Behind)
    };
    let mut leaders: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut units: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut behind = Vec::new();
    let mut not_supported = 0;
    for t in &table.targets {
        for (i, e) in t.entries.iter().enumerate() {
            let verdict = behind_at(t.no.get(), i);
            let unsupported = verdict.is_some() && e.answer() == Some(true);
            not_supported += usize::from(unsupported);
            if let Some(s) = slot(e, unsupported) {
                for l in e.leaders() {
                    leaders
                        .entry(l.as_str().to_owned())
                        .or_insert_with(|| vec![0; 4])[s] += 1;
                }
                if let Some(u) = e.units.first() {
                    units
                        .entry(u.as_str().to_owned())
                        .or_insert_with(|| vec![0; 4])[s] += 1;
                }
            }
            if let Some(v) = verdict
                && !behind.iter().any(|b: &Behind| b.no == t.no.get())
            {
                let done = v.share.map(percent).unwrap_or_default();
                let due = v.expected_share.map(percent).unwrap_or_default();
                let actual = v.actual_text.clone().unwrap_or_default();
                behind.push(Behind {
                    no: t.no.get(),
                    content: clip(&t.content, 40),
                    figures: {
                        // A rate (增长10%左右) has no share done: the two figures say it.
                        let mut f = match lang {
                            Lang::Zh => format!("{actual} / {}", v.target_text),
                            Lang::En => format!("{actual} of {}", v.target_text),
                        };
                        if !done.is_empty() {
                            f.push_str(&match lang {
                                Lang::Zh => format!("，完成 {done}"),
                                Lang::En => format!(": {done} done"),
                            });
                        }
                        if !due.is_empty() {
                            f.push_str(&match lang {
                                Lang::Zh => format!("，按时间应达 {due}"),
                                Lang::En => format!(", {due} of the year elapsed"),
                            });
                        }
                        f
                    },
                    claimed: e.answer() == Some(true),
                });
            }
        }
    }
    let c = table.schedule_counts();
    let series = series(lang);
    let link = |key: &str, name: &str| {
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair(key, name)
            .finish();
        format!(
            "{base}/tables/{period}?{q}{}",
            if lang == Lang::En { "&lang=en" } else { "" }
        )
    };
    let bars_of = |rows: &[(String, Vec<usize>)], key: &str| -> Vec<Bar> {
        rows.iter()
            .map(|(name, counts)| Bar {
                label: name.clone(),
                counts: counts.clone(),
                href: Some(link(key, name)),
            })
            .collect()
    };
    let leader_rows: Vec<(String, Vec<usize>)> = leaders.into_iter().collect();
    let mut unit_rows: Vec<(String, Vec<usize>)> = units.into_iter().collect();
    // Most to say first: entries not plainly 是, then entries.
    unit_rows.sort_by(|a, b| {
        let off = |c: &Vec<usize>| c[1] + c[2] + c[3];
        off(&b.1)
            .cmp(&off(&a.1))
            .then_with(|| b.1.iter().sum::<usize>().cmp(&a.1.iter().sum::<usize>()))
            .then_with(|| a.0.cmp(&b.0))
    });
    let charted = &unit_rows[..unit_rows.len().min(UNITS_CHARTED)];
    let (leader_title, unit_title) = match lang {
        Lang::Zh => ("各分管领导的条目状态", "各牵头单位的条目状态"),
        Lang::En => ("Entries by leader", "Entries by lead unit"),
    };
    Overview {
        title: table.title.clone(),
        targets: table.targets.len(),
        entries: table.entry_count(),
        yes: c.yes,
        no: c.no,
        missing: c.missing,
        not_supported: checks.map(|_| not_supported),
        behind,
        by_leader: chart::stacked_bars(leader_title, &series, &bars_of(&leader_rows, "leader")),
        by_unit: chart::stacked_bars(unit_title, &series, &bars_of(charted, "unit")),
        units_left_out: unit_rows.len() - charted.len(),
        leader_rows,
        unit_rows,
        series: series.iter().map(|s| s.name).collect(),
        period,
    }
}

/// The first page of the round's PDF: the counts and both charts, in Chinese as the official
/// table is. `checks` are the round's when the deployment shows them.
pub fn front_page(table: &Table, checks: Option<&CheckReport>) -> duban_formats::export::FrontPage {
    use duban_formats::export::{FrontChart, FrontPage};
    let o = overview(Lang::Zh, "", table, checks);
    let mut counts = vec![
        ("责任目标".to_owned(), format!("{} 项", o.targets)),
        ("承办条目".to_owned(), format!("{} 条", o.entries)),
        ("是".to_owned(), o.yes.to_string()),
        ("否".to_owned(), o.no.to_string()),
        ("未报送".to_owned(), o.missing.to_string()),
    ];
    if let Some(n) = o.not_supported {
        counts.push(("填报“是”但数据显示滞后".to_owned(), n.to_string()));
    }
    let units_title = if o.units_left_out > 0 {
        format!(
            "各牵头单位的条目状态（条目未全为“是”者居前，另有 {} 个单位未列）",
            o.units_left_out
        )
    } else {
        "各牵头单位的条目状态".to_owned()
    };
    FrontPage {
        counts,
        series: series(Lang::Zh)
            .iter()
            .map(|s| (s.name.to_owned(), s.colour.to_owned()))
            .collect(),
        charts: vec![
            FrontChart {
                title: "各分管领导的条目状态".to_owned(),
                bars: o.leader_rows,
            },
            FrontChart {
                title: units_title,
                bars: o.unit_rows.into_iter().take(UNITS_CHARTED).collect(),
            },
        ],
        note: if o.not_supported.is_some() {
            "“数据显示滞后”由系统根据公开文字中的数字自动核查得出，供阅读参考，不代表官方结论。"
                .to_owned()
        } else {
            String::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heze_round_at_a_glance() {
        let table = duban_formats::twoup::read(
            include_str!("../../../../fixtures/heze-2023-q3.txt"),
            &duban_formats::twoup::ReadOptions::default(),
        )
        .unwrap();
        let checks = duban_checks::check_table(&table);
        let o = overview(Lang::Zh, "", &table, Some(&checks));
        assert_eq!(
            (o.targets, o.entries),
            (table.targets.len(), table.entry_count())
        );
        assert_eq!(o.yes + o.no + o.missing, o.entries);
        assert_eq!(o.not_supported, Some(checks.summary.claims_not_supported));
        // Target 39: 1.71 of 8.6 万吨 at the third quarter.
        let t39 = o.behind.iter().find(|b| b.no == 39).expect("39 is behind");
        assert!(
            t39.figures.contains("8.6万吨") && t39.figures.contains("19.9%"),
            "{}",
            t39.figures
        );
        assert!(t39.claimed);
        // Every entry is counted once per leader in charge and once for its lead unit.
        let by_unit: usize = o
            .unit_rows
            .iter()
            .map(|(_, c)| c.iter().sum::<usize>())
            .sum();
        assert_eq!(by_unit, o.entries);
        assert!(o.by_leader.contains("/tables/2023Q3?leader="));
    }
}
