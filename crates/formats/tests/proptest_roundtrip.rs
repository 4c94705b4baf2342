//! Round trip on generated tables: whatever the text (commas, quotes, newlines, apostrophes,
//! leading = + - @) and whatever columns the table has (with or without leaders, deadline and
//! answer; 配合单位, 存在问题, 下步打算, 备注, 形象进度, columns of its own; group headings),
//! exporting to CSV or XLSX and importing again gives the same JSON.

use duban_core::{
    Deadline, Leader, Period, PeriodKind, Table, TableEntry, TableTarget, TargetNo, Unit,
};
use duban_formats::{ImportOptions, export, import};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "[\u{4e00}-\u{9fa5}a-z0-9=+@'\\-,\"。、%（）\n ]{0,60}".prop_map(|s| s.trim().to_owned())
}

fn name() -> impl Strategy<Value = String> {
    "[\u{4e00}-\u{9fa5}]{2,8}"
}

fn deadline() -> impl Strategy<Value = Deadline> {
    prop_oneof![
        Just(Deadline::YearEnd),
        Just(Deadline::Ongoing),
        (2000i16..2100, 1i8..=12, 1i8..=28)
            .prop_map(|(y, m, d)| Deadline::Date(jiff::civil::date(y, m, d))),
    ]
}

fn period(year: i16) -> impl Strategy<Value = Period> {
    prop_oneof![
        (1u8..=4).prop_map(move |quarter| PeriodKind::Quarter { year, quarter }),
        (1u8..=12).prop_map(move |month| PeriodKind::Month { year, month }),
        (1u8..=2).prop_map(move |half| PeriodKind::Half { year, half }),
        Just(PeriodKind::Year { year }),
    ]
    .prop_map(|kind| Period::new(kind).unwrap())
}

/// Which columns a generated table has beyond 序号, target, progress and units.
#[derive(Debug, Clone)]
struct Shape {
    leaders: bool,
    deadline: bool,
    answer: bool,
    assisting: bool,
    problems: bool,
    next_steps: bool,
    remarks: bool,
    percent: bool,
    extra: Vec<&'static str>,
    groups: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::array::uniform9(any::<bool>()),
        prop::sample::subsequence(vec!["责任人", "联系电话", "资金（万元）", "投资额"], 0..3),
    )
        .prop_map(|(f, extra)| Shape {
            leaders: f[0],
            deadline: f[1],
            answer: f[2],
            assisting: f[3],
            problems: f[4],
            next_steps: f[5],
            remarks: f[6],
            percent: f[7],
            extra,
            groups: f[8],
        })
}

/// A text a cell gives when the column has one: never empty (an empty cell is no text).
fn said(on: bool) -> impl Strategy<Value = Option<String>> {
    prop::option::of(text().prop_filter("said", |t| !t.is_empty()))
        .prop_map(move |t| t.filter(|_| on))
}

fn entry(shape: Shape) -> impl Strategy<Value = TableEntry> {
    (
        prop::collection::vec(name(), 0..3),
        prop::collection::vec(name(), 1..4),
        prop::collection::vec(name(), 0..3),
        (text(), 0u32..=100),
        prop::option::of(any::<bool>()),
        (
            said(shape.problems),
            said(shape.next_steps),
            said(shape.remarks),
        ),
        prop::collection::vec(prop::option::of(name()), shape.extra.len()),
    )
        .prop_map(
            move |(leaders, units, assisting, (progress, percent), on_schedule, texts, extra)| {
                let (problems, next_steps, remarks) = texts;
                TableEntry {
                    leaders: shape
                        .leaders
                        .then(|| leaders.iter().map(|l| Leader::parse(l).unwrap()).collect()),
                    units: units.iter().map(|u| Unit::parse(u).unwrap()).collect(),
                    assisting_units: if shape.assisting {
                        assisting.iter().map(|u| Unit::parse(u).unwrap()).collect()
                    } else {
                        Vec::new()
                    },
                    progress: if shape.percent {
                        format!("{percent}%{progress}")
                    } else {
                        progress
                    },
                    progress_percent: shape.percent.then(|| percent.into()),
                    on_schedule: shape.answer.then_some(on_schedule),
                    problems,
                    next_steps,
                    remarks,
                    extra: shape
                        .extra
                        .iter()
                        .zip(extra)
                        .filter_map(|(h, v)| Some(((*h).to_owned(), v?)))
                        .collect(),
                    ..TableEntry::default()
                }
            },
        )
}

/// Group paths as offices number them; once a table has groups, every target is in one.
fn group(on: bool) -> impl Strategy<Value = Vec<String>> {
    let paths: Vec<Vec<&str>> = vec![
        vec!["一、民生实事"],
        vec!["二、城市建设"],
        vec!["一、民生实事", "（一）教育"],
        vec!["一、民生实事", "（二）医疗卫生"],
        vec!["二、城市建设", "（一）交通"],
    ];
    prop::sample::select(paths).prop_map(move |p| {
        if on {
            p.iter().map(|s| (*s).to_owned()).collect()
        } else {
            Vec::new()
        }
    })
}

fn table() -> impl Strategy<Value = Table> {
    (2000i16..2100, shape())
        .prop_flat_map(|(year, shape)| {
            (
                Just(year),
                period(year),
                prop_oneof![
                    Just("菏泽市人民政府"),
                    Just("某某县人民政府"),
                    Just("某新区管委会")
                ],
                prop::option::of(1u32..500),
                prop::collection::vec(
                    (
                        1u32..4,
                        group(shape.groups),
                        text(),
                        deadline().prop_map(move |d| {
                            if shape.deadline {
                                d
                            } else {
                                Deadline::Unstated
                            }
                        }),
                        prop::collection::vec(entry(shape.clone()), 1..4),
                    ),
                    1..8,
                ),
            )
        })
        .prop_map(|(year, period, gov, declared, rows)| {
            let mut no = 0;
            let targets = rows
                .into_iter()
                .map(|(step, group, content, deadline, entries)| {
                    no += step;
                    TableTarget {
                        no: TargetNo::new(no).unwrap(),
                        group,
                        content,
                        deadline,
                        entries,
                    }
                })
                .collect();
            Table {
                government: gov.to_owned(),
                title: format!(
                    "{gov}{year}年经济社会发展责任目标{}工作推进情况一览表",
                    period.label_zh().trim_start_matches(&format!("{year}年"))
                ),
                year,
                period,
                declared_total: declared,
                intro: declared
                    .map(|n| format!("对{year}年《政府工作报告》确定的{n}项责任目标进行了调度。")),
                targets,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn csv_and_xlsx_round_trip(t in table()) {
        let want = t.to_canonical_json();
        let csv = import(&export::csv(&t), Some("t.csv"), &ImportOptions::default())
            .map_err(|e| TestCaseError::fail(format!("csv: {e}")))?;
        prop_assert_eq!(csv.table.to_canonical_json(), want.clone());
        let xlsx = export::xlsx(&t, None).unwrap();
        let back = import(&xlsx, Some("t.xlsx"), &ImportOptions::default())
            .map_err(|e| TestCaseError::fail(format!("xlsx: {e}")))?;
        prop_assert_eq!(back.table.to_canonical_json(), want);
    }
}
