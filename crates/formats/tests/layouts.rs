//! Layout cases the 菏泽 file does not show, from a table written for these tests
//! (`fixtures/layouts-2024-h1.txt`), and every kind of bad input.

use duban_core::{Deadline, Table};
use duban_formats::twoup::{ReadOptions, read};
use duban_formats::{ImportErrorKind, Side};

const LAYOUTS: &str = include_str!("../../../fixtures/layouts-2024-h1.txt");

fn names<T: std::fmt::Display>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn layouts() -> Table {
    read(LAYOUTS, &ReadOptions::default()).expect("the layouts fixture reads")
}

#[test]
fn header_synonyms_and_the_period_from_the_header() {
    let t = layouts();
    assert_eq!(t.government, "某某县人民政府");
    assert_eq!(t.year, 2024);
    assert_eq!(t.period.to_string(), "2024H1");
    assert_eq!(t.declared_total, Some(12));
    let nos: Vec<u32> = t.targets.iter().map(|t| t.no.get()).collect();
    assert_eq!(
        nos,
        [1, 2, 3, 4, 5, 6, 7],
        "sorted by number, across sides and pages"
    );
}

#[test]
fn continuations_with_the_leader_in_the_leader_column() {
    let t = layouts();
    let one = &t.targets[0];
    assert_eq!(one.entries.len(), 2);
    assert_eq!(names(one.entries[1].leaders()), ["李四"]);
    assert_eq!(names(&one.entries[1].units), ["县统计局"]);
    let six = &t.targets[5];
    assert_eq!(
        six.entries.len(),
        2,
        "the right side's continuation joins the right side's target"
    );
    assert_eq!(names(six.entries[1].leaders()), ["赵六"]);
    assert_eq!(six.entries[1].progress, "乡镇配合完成摸底");
    assert_eq!(
        t.targets[1].entries.len(),
        1,
        "not the left side's target 2 on the same line"
    );
}

#[test]
fn several_names_deadlines_and_empty_answers() {
    let t = layouts();
    assert_eq!(names(t.targets[2].entries[0].leaders()), ["张三", "李四"]);
    assert_eq!(
        names(&t.targets[2].entries[0].units),
        ["县工业和信息化局", "县通信发展办"]
    );
    assert_eq!(
        names(&t.targets[4].entries[0].units),
        ["县住房城乡建设局", "县财政局"],
        "全角 space"
    );
    assert_eq!(t.targets[4].deadline.to_string(), "2024-10-31");
    assert_eq!(t.targets[2].deadline.to_string(), "2024-06-30");
    assert_eq!(t.targets[5].deadline, Deadline::Ongoing);
    assert_eq!(t.targets[4].entries[0].answer(), Some(false));
    assert_eq!(
        t.targets[1].entries[0].on_schedule,
        Some(None),
        "asked, not answered"
    );
    assert_eq!(t.targets[1].entries[0].progress, "");
    assert_eq!(t.targets[3].content, "");
}

const HEADER1: &str =
    "序号\t市政府领导\t责任目标内容\t完成时限\t三季度完成情况\t是否按计划完成进度\t责任单位";
const TITLE: &str = "某市人民政府2023年责任目标三季度工作推进情况一览表";

fn one_up(rows: &[&str]) -> String {
    format!("{TITLE}\n{HEADER1}\n{}\n", rows.join("\n"))
}

#[test]
fn a_single_table_and_a_trimmed_right_side() {
    let t = read(
        &one_up(&[
            "1\t甲\t目标一\t年底\t进展一\t是\t市一局",
            "2\t乙\t目标二\t年底\t进展二\t否\t市二局",
        ]),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(t.targets.len(), 2);
    assert_eq!(t.period.to_string(), "2023Q3");

    let two = format!("{TITLE}\n{HEADER1}\t{HEADER1}\n1\t甲\t目标一\t年底\t进展一\t是\t市一局\n");
    let t = read(&two, &ReadOptions::default()).unwrap();
    assert_eq!(t.targets.len(), 1, "a line with only the left side's cells");
}

#[test]
fn an_empty_left_side() {
    let e = "\t".repeat(6);
    let text = format!(
        "{TITLE}\n{HEADER1}\t{HEADER1}\n1\t甲\t目标一\t年底\t进展一\t是\t市一局\t2\t乙\t目标二\t年底\t进展二\t是\t市二局\n{e}\t3\t丙\t目标三\t年底\t进展三\t是\t市三局\n"
    );
    let t = read(&text, &ReadOptions::default()).unwrap();
    assert_eq!(t.targets.len(), 3);
    assert_eq!(t.targets[2].content, "目标三");
}

// ---- bad input: each names where, and returns no table at all ----

#[test]
fn no_header_row() {
    let e = read(
        "某市人民政府2023年三季度一览表\n1\t甲\t目标\n",
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::NoHeader);
    assert!(
        e.to_string()
            .starts_with("no header row found: expected 序号, 市政府领导, 责任目标内容"),
        "{e}"
    );
}

#[test]
fn too_few_cells_names_the_line_and_side() {
    // Line 9 of a copy of the fixture with one cell of the left table removed.
    let mut lines: Vec<String> = include_str!("../../../fixtures/heze-2023-q3.txt")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut cells: Vec<&str> = lines[9].split('\t').collect();
    cells.remove(2);
    lines[9] = cells.join("\t");
    let e = read(&lines.join("\n"), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.at.line, Some(10));
    assert_eq!(e.at.side, Some(Side::Left));
    assert_eq!(
        e.to_string(),
        "line 10, left table: 13 fields, expected 14 (left table has 6 cells, expected 7)"
    );

    let mut lines: Vec<String> = include_str!("../../../fixtures/heze-2023-q3.txt")
        .lines()
        .map(str::to_owned)
        .collect();
    lines[11].push_str("\t多余");
    let e = read(&lines.join("\n"), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.at.side, Some(Side::Right));
    assert_eq!(
        e.to_string(),
        "line 12, right table: 15 fields, expected 14 (right table has 8 cells, expected 7)"
    );
}

#[test]
fn a_number_that_is_not_a_number() {
    let e = read(
        &one_up(&[
            "1\t甲\t目标一\t年底\t进展\t是\t市一局",
            "2a\t乙\t目标二\t年底\t进展\t是\t市二局",
        ]),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.at.line, Some(4));
    assert_eq!(e.at.column.as_deref(), Some("序号"));
    assert!(matches!(e.kind, ImportErrorKind::NotANumber(_)));
    assert_eq!(
        e.to_string(),
        "line 4, column 序号: “2a” is not a target number (序号): expected a whole number from 1"
    );
}

#[test]
fn an_unknown_period_word() {
    let text = format!(
        "某市人民政府2023年责任目标一览表\n{}\n1\t甲\t目标\t年底\t进展\t是\t市一局\n",
        HEADER1.replace("三季度", "五季度")
    );
    let e = read(&text, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.at.line, Some(2));
    assert_eq!(e.at.column.as_deref(), Some("五季度完成情况"));
    assert!(
        e.to_string().contains("“五季度” is not a period word"),
        "{e}"
    );
    // --period settles it.
    let opts = ReadOptions {
        period: Some("2023Q3".parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(read(&text, &opts).unwrap().period.to_string(), "2023Q3");
}

#[test]
fn a_year_no_period_can_hold_is_refused_at_import() {
    // The title parser once made 1901Q3 from this, which storage then could not read back.
    let text = format!(
        "某市人民政府1901年责任目标三季度一览表\n{HEADER1}\n1\t甲\t目标\t年底\t进展\t是\t市一局\n"
    );
    let e = read(&text, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("1901 is not a year"), "{e}");
}

#[test]
fn other_cell_problems() {
    let cases: [(&str, &str); 5] = [
        (
            "1\t甲\t目标\t明年\t进展\t是\t市一局",
            "line 3, column 完成时限: “明年” is not a deadline",
        ),
        (
            "1\t甲\t目标\t年底\t进展\t基本是\t市一局",
            "line 3, column 是否按计划完成进度: “基本是” is not an answer",
        ),
        (
            "1\t甲\t目标\t年底\t进展\t是\t",
            "line 3, column 责任单位: no responsible unit",
        ),
        (
            "\t甲\t\t年底\t进展\t是\t市一局",
            "line 3: a row without 序号 continues the target above it, but there is none",
        ),
        (
            "1\t甲\t目标\t年底\t进展\t是\t市一局\n1\t乙\t目标\t年底\t进展\t是\t市二局",
            "line 4, column 序号: target 1 appears twice: first at line 3",
        ),
    ];
    for (rows, want) in cases {
        let e = read(&one_up(&[rows]), &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with(want), "{e}\nwanted {want}");
    }
}

#[test]
fn continuation_rows_must_be_merged_cells() {
    let e = read(
        &one_up(&[
            "1\t甲\t目标\t年底\t进展\t是\t市一局",
            "\t乙\t另一个目标\t年底\t进展\t是\t市二局",
        ]),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ImportErrorKind::ContinuationWithContent(_)),
        "{e}"
    );
    let e = read(
        &one_up(&[
            "1\t甲\t目标\t年底\t进展\t是\t市一局",
            "\t乙\t\t2023年6月底\t进展\t是\t市二局",
        ]),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("continues target 1, whose deadline is 年底, but gives 2023-06-30"),
        "{e}"
    );
}
