//! A government's overview: its latest round at a glance, for the top of its home page — the
//! counts of 是 / 否 / 未报送, how many 是 the figures do not support, the targets whose figures
//! say behind, and status by leader and by lead unit as charts ([`crate::view::chart`]) whose
//! bars link to the table filtered to them. A table that asks no 是否按计划 (a 民生实事 table)
//! has no answers to count: its charts count what the checks read of its figures instead
//! (完成 / 按进度 / 滞后 / 未判断), and have none to show when the checks are off.
//! Pure: built from a publication's table and checks.

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
    /// Whether the table asks 是否按计划 at all; when not, the answer counts are not shown and
    /// the charts count verdicts.
    pub asked: bool,
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

/// Series of the charts of a table that asks no 是否按计划: what its figures say.
fn verdict_series(lang: Lang) -> [Series; 4] {
    let names = match lang {
        Lang::Zh => ["已完成", "按进度", "数据显示滞后", "未判断"],
        Lang::En => ["done", "on schedule", "figures behind", "not judged"],
    };
    let [met, on, behind, none] = names;
    [
        Series {
            name: met,
            class: "met",
            colour: "#2f6f9f",
        },
        Series {
            name: on,
            class: "yes",
            colour: "#4c9a5f",
        },
        Series {
            name: behind,
            class: "unsupported",
            colour: "#e0a030",
        },
        Series {
            name: none,
            class: "missing",
            colour: "#b8bec6",
        },
    ]
}

/// Which of [`verdict_series`] an entry counts in, from the verdicts on its figures: behind
/// if any is, else on schedule if any is ahead or on track, else done if any is met.
fn verdict_slot(verdicts: &[Verdict]) -> usize {
    if verdicts.contains(&Verdict::Behind) {
        2
    } else if verdicts
        .iter()
        .any(|v| matches!(v, Verdict::Ahead | Verdict::OnTrack))
    {
        1
    } else if verdicts.contains(&Verdict::Met) {
        0
    } else {
        3
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
    let asked = table
        .targets
        .iter()
        .flat_map(|t| &t.entries)
        .any(TableEntry::is_asked);
    for t in &table.targets {
        for (i, e) in t.entries.iter().enumerate() {
            let verdict = behind_at(t.no.get(), i);
            let unsupported = verdict.is_some() && e.answer() == Some(true);
            not_supported += usize::from(unsupported);
            let slot = match (asked, checks) {
                (true, _) => slot(e, unsupported),
                (false, Some(c)) => {
                    let mine: Vec<Verdict> = c
                        .indicators
                        .iter()
                        .filter(|v| v.target_no == t.no.get() && v.entry == i)
                        .map(|v| v.verdict)
                        .collect();
                    Some(verdict_slot(&mine))
                }
                // Nothing to chart: no answers, and the checks are not shown.
                (false, None) => None,
            };
            if let Some(s) = slot {
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
    let series = if asked {
        series(lang)
    } else {
        verdict_series(lang)
    };
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
    // Most to say first: entries not plainly 是 (without answers: figures behind, then the rest
    // not done), then entries.
    unit_rows.sort_by(|a, b| {
        let off = |c: &Vec<usize>| {
            if asked {
                (c[1] + c[2] + c[3], 0)
            } else {
                (c[2], c[1] + c[3])
            }
        };
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
        asked,
        targets: table.targets.len(),
        entries: table.entry_count(),
        yes: c.yes,
        no: c.no,
        missing: c.missing,
        not_supported: checks.filter(|_| asked).map(|_| not_supported),
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
    ];
    if o.asked {
        counts.extend([
            ("是".to_owned(), o.yes.to_string()),
            ("否".to_owned(), o.no.to_string()),
            ("未报送".to_owned(), o.missing.to_string()),
        ]);
    }
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
        series: if o.asked {
            series(Lang::Zh)
        } else {
            verdict_series(Lang::Zh)
        }
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
        ]
        .into_iter()
        // A table without leaders (or a 民生实事 table with the checks off) has nothing to chart.
        .filter(|c| !c.bars.is_empty())
        .collect(),
        note: if o.not_supported.is_some() || (!o.asked && checks.is_some()) {
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

    #[test]
    fn a_table_that_asks_no_yes_or_no_charts_what_its_figures_say() {
        let table = duban_formats::import(
            "某某区人民政府2024年民生实事项目四季度推进情况一览表\n\
             序号,项目内容,完成时限,当前进度,牵头单位\n\
             1,新建城市书房10处,年底,60%（3处未开放）,区文旅局\n\
             2,改造老旧小区12个,年底,100%,区住建局\n\
             3,建设口袋公园,长期坚持,进行中,区城管局\n"
                .as_bytes(),
            Some("t.csv"),
            &Default::default(),
        )
        .unwrap()
        .table;
        let checks = duban_checks::check_table(&table);
        let o = overview(Lang::Zh, "", &table, Some(&checks));
        assert!(!o.asked);
        // No 是 to contradict, so no count of them; the behind list still names target 1.
        assert_eq!(o.not_supported, None);
        assert_eq!(o.behind.len(), 1);
        assert_eq!((o.behind[0].no, o.behind[0].claimed), (1, false));
        assert_eq!(o.series, ["已完成", "按进度", "数据显示滞后", "未判断"]);
        let rows: BTreeMap<&str, &[usize]> = o
            .unit_rows
            .iter()
            .map(|(u, c)| (u.as_str(), c.as_slice()))
            .collect();
        assert_eq!(rows["区文旅局"], [0, 0, 1, 0]);
        assert_eq!(rows["区住建局"], [1, 0, 0, 0]);
        assert_eq!(rows["区城管局"], [0, 0, 0, 1]);
        assert_eq!(o.unit_rows[0].0, "区文旅局", "behind first");
        // No leaders: no leader chart on the PDF's first page, and no 是/否/未报送 counts.
        assert!(o.leader_rows.is_empty());
        let front = front_page(&table, Some(&checks));
        assert_eq!(front.charts.len(), 1);
        assert!(front.counts.iter().all(|(k, _)| k != "是" && k != "未报送"));
        // With the checks off there is nothing to chart.
        let o = overview(Lang::Zh, "", &table, None);
        assert!(o.unit_rows.is_empty() && o.behind.is_empty());
    }
}
