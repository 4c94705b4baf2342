//! The real 菏泽市 2023 Q3 table: what the checks must find, and whom they must not accuse.

use duban_checks::{CheckReport, Rule, Severity, Verdict, check_table, render_text};
use duban_core::Table;

/// `fixtures/heze-2023-q3.txt` as `duban_formats::twoup::read` imports it (its canonical JSON,
/// produced by the importer at commit 4095b3b). Kept as JSON so that these tests do not build
/// the formats crate and its PDF stack.
const FIXTURE: &str = include_str!("data/heze-2023-q3.json");

fn report() -> CheckReport {
    let table: Table = serde_json::from_str(FIXTURE).expect("the fixture parses");
    check_table(&table)
}

fn targets_with(r: &CheckReport, rule: Rule) -> Vec<u32> {
    let mut v: Vec<u32> = r
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.severity != Severity::Info)
        .map(|f| f.target_no)
        .collect();
    v.dedup();
    v
}

fn verdict(r: &CheckReport, no: u32) -> Vec<Verdict> {
    r.indicators
        .iter()
        .filter(|v| v.target_no == no)
        .map(|v| v.verdict)
        .collect()
}

#[test]
fn finds_the_empty_target() {
    let r = report();
    assert_eq!(targets_with(&r, Rule::EmptyContent), [13]);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::EmptyContent)
        .unwrap();
    assert_eq!(f.entry, None);
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn finds_the_shared_narrative_and_names_the_other_target() {
    let r = report();
    assert_eq!(targets_with(&r, Rule::DuplicateProgress), [20, 21]);
    for (me, other) in [(20, 21), (21, 20)] {
        let f = r
            .findings
            .iter()
            .find(|f| f.rule == Rule::DuplicateProgress && f.target_no == me)
            .unwrap();
        assert_eq!(f.evidence.others[0].target_no, other);
        assert!(f.message.contains(&format!("第{other}项")), "{}", f.message);
    }
}

#[test]
fn finds_the_misplaced_narrative_but_not_its_rightful_owner() {
    let r = report();
    assert_eq!(targets_with(&r, Rule::ProgressOffTopic), [20]);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::ProgressOffTopic && f.target_no == 20)
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.evidence.others[0].target_no, 21);
}

#[test]
fn finds_the_target_overwritten_by_a_narrative() {
    let r = report();
    let restated = targets_with(&r, Rule::ProgressRestatesTarget);
    assert!(restated.contains(&25), "{restated:?}");
    // 6 and 8 give new figures in the target's words: that is a report, not a restatement.
    assert!(
        !restated.contains(&6) && !restated.contains(&8),
        "{restated:?}"
    );
}

#[test]
fn finds_the_claims_the_figures_do_not_support() {
    let r = report();
    assert_eq!(targets_with(&r, Rule::ClaimNotSupported), [7, 16, 39]);
    assert_eq!(r.summary.claims_not_supported, 3);
    let f39 = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::ClaimNotSupported && f.target_no == 39)
        .unwrap();
    assert_eq!(
        f39.message,
        "目标为“增加市级储备粮8.6万吨”，前三季度仅完成1.71万吨（19.9%），低于时序进度75%，但填报为“是”。"
    );
    assert!(f39.message_en.contains("75%"));
    assert_eq!(f39.evidence.actual.as_deref(), Some("1.71万吨"));
}

#[test]
fn does_not_accuse_rows_whose_figures_hold() {
    let r = report();
    let accused = targets_with(&r, Rule::ClaimNotSupported);
    for no in [2, 6, 8, 12, 19, 28] {
        assert!(!accused.contains(&no), "{no} accused");
    }
    assert_eq!(verdict(&r, 28), [Verdict::Ahead]);
    assert_eq!(verdict(&r, 12), [Verdict::Met]);
    assert_eq!(verdict(&r, 19), [Verdict::Met]);
    for no in [2, 6, 8] {
        assert_eq!(verdict(&r, no), [Verdict::Ahead], "{no}");
    }
}

#[test]
fn finds_the_stale_period_word() {
    let r = report();
    let stale = targets_with(&r, Rule::StalePeriod);
    assert!(stale.contains(&10), "{stale:?}");
    // 岁末年初 (a winter campaign) in a Q3 report.
    assert!(stale.contains(&38), "{stale:?}");
}

#[test]
fn indicators_serialise_as_interfaces_md_says() {
    let r = report();
    let json = serde_json::to_value(&r).unwrap();
    let i16 = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["target_no"] == 16)
        .unwrap();
    assert_eq!(i16["comparator"], ">=");
    assert_eq!(i16["target"], "100");
    assert_eq!(i16["unit"], "家");
    assert_eq!(i16["actual"], "33");
    assert_eq!(i16["expected_share"], 0.75);
    assert_eq!(i16["share"], 0.33);
    assert_eq!(i16["verdict"], "behind");
    assert_eq!(i16["entry"], 0);
    let f = &json["findings"][0];
    for key in [
        "target_no",
        "entry",
        "rule",
        "severity",
        "message",
        "evidence",
    ] {
        assert!(f.get(key).is_some(), "{key}");
    }
    assert_eq!(json["summary"]["claims_not_supported"], 3);
}

#[test]
fn the_text_report_reads() {
    let r = report();
    let text = render_text(&r);
    assert!(text.contains("数据不支持进度声明的条目：3 个"), "{text}");
    assert!(text.contains("增加市级储备粮8.6万吨"));
    println!("{text}");
}
