//! Round trip on generated tables: whatever the text (commas, quotes, newlines, apostrophes,
//! leading = + - @), exporting to CSV or XLSX and importing again gives the same JSON.

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

fn entry() -> impl Strategy<Value = TableEntry> {
    (
        prop::collection::vec(name(), 0..3),
        prop::collection::vec(name(), 1..4),
        text(),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(leaders, units, progress, on_schedule)| TableEntry {
            leaders: leaders.iter().map(|l| Leader::parse(l).unwrap()).collect(),
            units: units.iter().map(|u| Unit::parse(u).unwrap()).collect(),
            progress,
            on_schedule,
            extension: None,
            timeliness: None,
        })
}

fn table() -> impl Strategy<Value = Table> {
    (2000i16..2100)
        .prop_flat_map(|year| {
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
                        text(),
                        deadline(),
                        prop::collection::vec(entry(), 1..4),
                    ),
                    1..8,
                ),
            )
        })
        .prop_map(|(year, period, gov, declared, rows)| {
            let mut no = 0;
            let targets = rows
                .into_iter()
                .map(|(step, content, deadline, entries)| {
                    no += step;
                    TableTarget {
                        no: TargetNo::new(no).unwrap(),
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
