//! Generic cases, not from the fixture: other governments, periods and wordings, and honest
//! rows that must not be accused.

use duban_checks::{CheckReport, IndicatorKind, Rule, Severity, Verdict, check_table};
use duban_core::{Deadline, Period, Table, TableEntry, TableTarget, TargetNo, Unit};

/// A one-entry row: (target text, progress, on schedule).
type Row<'a> = (&'a str, &'a str, Option<bool>);

fn table(period: &str, rows: &[Row<'_>]) -> Table {
    let period: Period = period.parse().unwrap();
    Table {
        government: "某市人民政府".into(),
        title: "某市责任目标推进情况".into(),
        year: period.year(),
        period,
        declared_total: None,
        intro: None,
        targets: rows
            .iter()
            .enumerate()
            .map(|(i, (content, progress, on_schedule))| TableTarget {
                no: TargetNo::new(u32::try_from(i + 1).unwrap()).unwrap(),
                group: Vec::new(),
                content: (*content).into(),
                deadline: Deadline::YearEnd,
                entries: vec![TableEntry {
                    leaders: Some(vec![]),
                    units: vec![Unit::parse("市发展改革委").unwrap()],
                    progress: (*progress).into(),
                    on_schedule: Some(*on_schedule),
                    ..TableEntry::default()
                }],
            })
            .collect(),
    }
}

fn check(period: &str, rows: &[Row<'_>]) -> CheckReport {
    check_table(&table(period, rows))
}

fn one_verdict(period: &str, target: &str, progress: &str) -> Verdict {
    let r = check(period, &[(target, progress, Some(true))]);
    assert_eq!(r.indicators.len(), 1, "{:#?}", r.indicators);
    r.indicators[0].verdict
}

fn rules(r: &CheckReport) -> Vec<Rule> {
    r.findings.iter().map(|f| f.rule).collect()
}

fn accused(r: &CheckReport) -> bool {
    r.findings.iter().any(|f| f.rule == Rule::ClaimNotSupported)
}

#[test]
fn at_most_targets() {
    let t = "城镇调查失业率控制在5.5%以内";
    assert_eq!(
        one_verdict("2024Q2", t, "上半年，城镇调查失业率为5.3%"),
        Verdict::OnTrack
    );
    assert_eq!(
        one_verdict("2024Q2", t, "上半年，城镇调查失业率为5.8%"),
        Verdict::Behind
    );
    let r = check("2024Q2", &[(t, "上半年，城镇调查失业率为5.8%", Some(true))]);
    assert!(accused(&r));
    assert!(
        r.findings[0].message.contains("超出"),
        "{}",
        r.findings[0].message
    );
}

#[test]
fn growth_rates_and_the_tolerance_of_zuoyou() {
    let t = "规模以上工业增加值增长8%左右";
    // 左右 accepts one tenth either way: 7.2% to 8.8%.
    assert_eq!(
        one_verdict("2024Q3", t, "1-9月，规模以上工业增加值增长7.3%"),
        Verdict::OnTrack
    );
    assert_eq!(
        one_verdict("2024Q3", t, "1-9月，规模以上工业增加值增长7.2%"),
        Verdict::OnTrack
    );
    assert_eq!(
        one_verdict("2024Q3", t, "1-9月，规模以上工业增加值增长7.1%"),
        Verdict::Behind
    );
    assert_eq!(
        one_verdict("2024Q3", t, "1-9月，规模以上工业增加值增长9%"),
        Verdict::Ahead
    );
    // A bare figure gets no tolerance.
    assert_eq!(
        one_verdict(
            "2024Q3",
            "社会消费品零售总额增长7%",
            "社会消费品零售总额增长6.9%"
        ),
        Verdict::Behind
    );
    // Percentage points are their own unit.
    assert_eq!(
        one_verdict(
            "2024Q3",
            "常住人口城镇化率提高1个百分点",
            "常住人口城镇化率提高1.2个百分点"
        ),
        Verdict::Ahead
    );
}

#[test]
fn declines() {
    let t = "单位地区生产总值能耗下降3%";
    assert_eq!(
        one_verdict("2024Q3", t, "前三季度，单位地区生产总值能耗下降3.5%"),
        Verdict::Ahead
    );
    assert_eq!(
        one_verdict("2024Q3", t, "前三季度，单位地区生产总值能耗增长1%"),
        Verdict::Behind
    );
}

#[test]
fn amounts_added_follow_the_elapsed_share_of_the_year() {
    let t = "新增城镇就业3万人";
    // August: 8/12 = 66.7% of the year; 2.1 of 3 is 70%.
    assert_eq!(
        one_verdict("2024M08", t, "1-8月，新增城镇就业2.1万人"),
        Verdict::Ahead
    );
    // One month's slack: 62% is still on track at 66.7% (seasonal work can lag).
    assert_eq!(
        one_verdict("2024M08", t, "1-8月，新增城镇就业1.86万人"),
        Verdict::OnTrack
    );
    assert_eq!(
        one_verdict("2024M08", t, "1-8月，新增城镇就业1.2万人"),
        Verdict::Behind
    );
    assert_eq!(
        one_verdict("2024M08", t, "1-8月，新增城镇就业3.1万人"),
        Verdict::Met
    );
    // A Q1 round expects a quarter of the year.
    assert_eq!(
        one_verdict("2024Q1", t, "一季度，新增城镇就业0.8万人"),
        Verdict::Ahead
    );
    let r = check("2024M08", &[(t, "1-8月，新增城镇就业2.1万人", Some(true))]);
    let v = &r.indicators[0];
    assert_eq!(v.kind, IndicatorKind::AddedInYear);
    assert_eq!(v.target.to_string(), "30000");
    assert_eq!(v.unit, "人");
}

#[test]
fn a_figure_for_an_earlier_span_is_held_to_that_span() {
    // 上半年 in a Q3 report: 55 of 100 is ahead of half a year, but the word is stale.
    let r = check(
        "2024Q3",
        &[(
            "新增规模以上工业企业100家",
            "上半年，新增规模以上工业企业55家",
            Some(true),
        )],
    );
    assert_eq!(r.indicators[0].verdict, Verdict::Ahead);
    assert_eq!(rules(&r), [Rule::StalePeriod]);
}

#[test]
fn several_indicators_in_one_target() {
    let r = check(
        "2024Q3",
        &[(
            "全年完成固定资产投资200亿元以上、新增产值100亿元以上",
            "前三季度，完成固定资产投资160亿元，新增产值60亿元",
            Some(true),
        )],
    );
    let v: Vec<Verdict> = r.indicators.iter().map(|v| v.verdict).collect();
    assert_eq!(v, [Verdict::Ahead, Verdict::Behind]);
    assert_eq!(rules(&r), [Rule::ClaimNotSupported]);
    assert!(r.findings[0].message.contains("新增产值100亿元以上"));
}

#[test]
fn chinese_numerals_and_shares_of_plan() {
    assert_eq!(
        one_verdict("2024Q3", "新增城镇就业两万人", "新增城镇就业1.6万人"),
        Verdict::Ahead
    );
    assert_eq!(
        one_verdict(
            "2024Q3",
            "完成重点项目投资50亿元",
            "重点项目已完成年度投资计划的80%"
        ),
        Verdict::Ahead
    );
}

#[test]
fn honest_rows_are_not_accused() {
    let rows: &[Row<'_>] = &[
        (
            "地区生产总值增长6%左右",
            "前三季度，全市地区生产总值增长6.2%，高于全省0.3个百分点",
            Some(true),
        ),
        (
            "一般公共预算收入增长5%",
            "1-9月，一般公共预算收入完成180亿元，同比增长5.6%",
            Some(true),
        ),
        (
            "植树造林10万亩",
            "春季造林已全部完成，前三季度累计完成植树造林7万亩，秋冬季造林正在准备",
            Some(true),
        ),
        (
            "新建改造农村公路500公里",
            "前三季度，新建改造农村公路420公里，其余路段正在施工",
            Some(true),
        ),
        (
            "深化“放管服”改革，优化营商环境",
            "出台优化营商环境若干措施，推行“一网通办”，企业开办时间压缩至1个工作日",
            Some(true),
        ),
        (
            "新增高新技术企业80家以上",
            "前三季度，新认定高新技术企业62家，另有30家已通过初审",
            Some(true),
        ),
        (
            "城镇调查失业率控制在5.5%以内",
            "前三季度，城镇调查失业率为5.1%",
            Some(true),
        ),
        (
            "建设保障性租赁住房2000套",
            "保障性租赁住房已开工2100套，建成1500套",
            Some(true),
        ),
    ];
    let r = check("2024Q3", rows);
    let bad: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(r.summary.claims_not_supported, 0);
    assert_eq!(r.summary.damaged_or_copied, 0);
}

#[test]
fn no_claim_without_a_yes() {
    let t = "社会消费品零售总额增长7%";
    let r = check("2024Q3", &[(t, "社会消费品零售总额增长5%", Some(false))]);
    assert_eq!(r.indicators[0].verdict, Verdict::Behind);
    assert!(!accused(&r));
    let r = check("2024Q3", &[(t, "社会消费品零售总额增长5%", None)]);
    assert!(!accused(&r));
}

#[test]
fn ambiguous_or_missing_figures_are_unverifiable_never_guessed() {
    // Two figures tie for the metric and disagree: no verdict, no accusation.
    let r = check(
        "2024Q3",
        &[(
            "新增规模以上工业企业100家",
            "新增规模以上工业企业入库30家，新增规模以上工业企业培育库90家",
            Some(true),
        )],
    );
    assert_eq!(r.indicators[0].verdict, Verdict::Unverifiable);
    assert!(!accused(&r));
    // Nothing comparable: a warning to report the figure, not an accusation.
    let r = check(
        "2024Q3",
        &[(
            "建成5G基站1000个",
            "加快推进5G网络建设，优化站址布局",
            Some(true),
        )],
    );
    assert_eq!(r.indicators[0].verdict, Verdict::Unverifiable);
    assert_eq!(rules(&r), [Rule::NoActualReported]);
    assert_eq!(r.findings[0].severity, Severity::Warning);
}

#[test]
fn stale_period_words_depend_on_the_round() {
    let t = "推进老旧小区改造";
    let p = "一季度，启动老旧小区改造项目12个";
    assert_eq!(
        rules(&check("2024Q2", &[(t, p, Some(true))])),
        [Rule::StalePeriod]
    );
    // A monthly round may quote the last finished quarter.
    assert!(rules(&check("2024M04", &[(t, p, Some(true))])).is_empty());
    let p = "前三季度，老旧小区改造完成项目12个";
    assert_eq!(
        rules(&check("2024", &[(t, p, Some(true))])),
        [Rule::StalePeriod]
    );
    assert!(rules(&check("2024Q3", &[(t, p, Some(true))])).is_empty());
    // Comparisons and other years are not stale.
    let p = "前三季度，老旧小区改造开工量较上半年增加一倍，2023年上半年仅开工3个";
    assert!(rules(&check("2024Q3", &[(t, p, Some(true))])).is_empty());
}

#[test]
fn copies_and_restatements() {
    let long = "组织召开专题推进会议，印发工作方案，建立周调度月通报机制，协调解决土地、资金等要素保障问题，项目建设进展顺利";
    let r = check(
        "2024Q3",
        &[
            ("推进城市更新行动", long, Some(true)),
            ("加快乡村振兴示范片区建设", long, Some(true)),
            ("做好防汛抗旱工作", "正在推进", Some(true)),
            ("做好森林防火工作", "正在推进", Some(true)),
            ("完善养老服务体系", "完善养老服务体系", Some(true)),
        ],
    );
    let dup: Vec<u32> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::DuplicateProgress)
        .map(|f| f.target_no)
        .collect();
    // Short stock phrases may repeat; long narratives may not.
    assert_eq!(dup, [1, 2]);
    let restated: Vec<u32> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::ProgressRestatesTarget)
        .map(|f| f.target_no)
        .collect();
    assert_eq!(restated, [5]);
}

#[test]
fn empty_texts() {
    let r = check(
        "2024Q3",
        &[
            ("", "做了很多工作", Some(true)),
            ("推进数字政府建设", "  ", Some(true)),
        ],
    );
    let f: Vec<(u32, Option<usize>, Rule)> = r
        .findings
        .iter()
        .map(|f| (f.target_no, f.entry, f.rule))
        .collect();
    assert_eq!(
        f,
        [
            (1, None, Rule::EmptyContent),
            (2, Some(0), Rule::EmptyContent)
        ]
    );
    assert_eq!(r.summary.damaged_or_copied, 2);
}

#[test]
fn odd_text_never_panics() {
    let odd = [
        "约3成",
        "翻一番",
        "1,234.5万",
        "全覆盖",
        "",
        "%%%",
        "万万亿亿",
        "十十十",
        "99999999999999999999999999999999999万亿元",
        "0.0000000000000000000000000001%",
        "１２３４５６７８９０万吨",
        "—",
        "2-",
        "-2",
        "百分之",
        "第",
        "左右以上以内",
    ];
    for a in odd {
        for b in odd {
            let r = check("2024M01", &[(a, b, Some(true))]);
            let _ = duban_checks::render_text(&r);
        }
    }
}

/// A one-target round (年底) whose entry declares the percentage its progress opens with.
fn with_percent(period: &str, progress: &str, on_schedule: Option<bool>) -> Table {
    let mut t = table(period, &[("新建幼儿园3所", progress, on_schedule)]);
    t.targets[0].entries[0].progress_percent = duban_core::table::leading_percent(progress);
    t
}

/// One 民生实事 entry with a declared percentage: the findings the checks make of it.
fn declared(
    period: &str,
    deadline: Deadline,
    extension: Option<&str>,
    progress: &str,
    on_schedule: Option<bool>,
) -> Vec<(Rule, Severity)> {
    let mut t = with_percent(period, progress, on_schedule);
    t.targets[0].deadline = deadline;
    let e = &mut t.targets[0].entries[0];
    assert!(e.progress_percent.is_some(), "{progress}");
    e.extension = extension.map(|d| duban_core::Extension {
        deadline: d.parse().unwrap(),
        reason: "土地手续".into(),
        approved_at: "2023-07-01T00:00:00Z".into(),
    });
    let r = check_table(&t);
    let claims: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::ClaimNotSupported)
        .collect();
    if let Some(f) = claims.first() {
        assert_eq!(f.evidence.metric.as_deref(), Some("形象进度"), "{f:#?}");
        assert!(f.message.contains("形象进度"), "{}", f.message);
        assert_eq!(r.summary.claims_not_supported, 1);
    }
    claims.iter().map(|f| (f.rule, f.severity)).collect()
}

/// (period, deadline, approved extension, progress, answer, the findings expected).
type DeclaredCase<'a> = (
    &'a str,
    Deadline,
    Option<&'a str>,
    &'a str,
    Option<bool>,
    Vec<(Rule, Severity)>,
);

fn date(s: &str) -> Deadline {
    Deadline::Date(s.parse().unwrap())
}

fn assert_declared(cases: Vec<DeclaredCase<'_>>) {
    for (period, deadline, extension, progress, answer, expected) in cases {
        assert_eq!(
            declared(period, deadline, extension, progress, answer),
            expected,
            "{period}, due {deadline}, extended to {extension:?}: {progress} answered {answer:?}"
        );
    }
}

#[test]
fn a_declared_percentage_below_100_past_the_deadline_does_not_support_yes() {
    let err = || vec![(Rule::ClaimNotSupported, Severity::Error)];
    let june = date("2023-06-30");
    assert_declared(vec![
        // 年底 in the year-end round, a June date in Q3: due, and not finished.
        (
            "2023Q4",
            Deadline::YearEnd,
            None,
            "80%（新区实验幼儿园滞后）",
            Some(true),
            err(),
        ),
        ("2023Q3", june, None, "90%", Some(true), err()),
        // Due on the last day of the round's period counts as due.
        ("2023Q3", date("2023-09-30"), None, "95%", Some(true), err()),
        // Finished, answered 否, or not answered: nothing claimed falsely.
        ("2023Q3", june, None, "100%", Some(true), vec![]),
        ("2023Q3", june, None, "90%", Some(false), vec![]),
        ("2023Q3", june, None, "90%", None, vec![]),
        // An approved extension to the year end moves the deadline: 70% in Q3 is within a
        // month of the 75% elapsed.
        (
            "2023Q3",
            june,
            Some("2023-12-31"),
            "70%",
            Some(true),
            vec![],
        ),
    ]);
    let f = check_table(&with_percent("2023Q4", "60%", Some(true)));
    assert!(
        f.findings[0].message.contains("年底"),
        "{}",
        f.findings[0].message
    );
    assert_eq!(f.findings[0].evidence.expected_share, Some(1.0));
    assert_eq!(f.findings[0].evidence.share, Some(0.6));
}

#[test]
fn a_declared_percentage_behind_the_time_elapsed_is_a_question_not_proof() {
    let warn = || vec![(Rule::ClaimNotSupported, Severity::Warning)];
    let june = date("2023-06-30");
    assert_declared(vec![
        // Q3 against 年底: 75% of the time has passed; one month's slack leaves 66.7%.
        ("2023Q3", Deadline::YearEnd, None, "50%", Some(true), warn()),
        ("2023Q3", Deadline::YearEnd, None, "66%", Some(true), warn()),
        ("2023Q3", Deadline::YearEnd, None, "67%", Some(true), vec![]),
        // Q1 against the end of June: half the time has passed, a sixth of slack.
        ("2023Q1", june, None, "30%", Some(true), warn()),
        ("2023Q1", june, None, "34%", Some(true), vec![]),
        // Due after the round's year, ongoing, or no deadline at all: not judged.
        (
            "2023Q3",
            date("2024-06-30"),
            None,
            "10%",
            Some(true),
            vec![],
        ),
        ("2023Q3", Deadline::Ongoing, None, "10%", Some(true), vec![]),
        (
            "2023Q3",
            Deadline::Unstated,
            None,
            "10%",
            Some(true),
            vec![],
        ),
    ]);
}

#[test]
fn every_declared_percentage_gets_a_verdict_whatever_the_answer() {
    let verdict = |progress: &str, on_schedule: Option<bool>| {
        let r = check_table(&with_percent("2023Q3", progress, on_schedule));
        let v: Vec<_> = r
            .indicators
            .iter()
            .filter(|v| v.kind == IndicatorKind::DeclaredProgress)
            .collect();
        assert_eq!(v.len(), 1, "{:#?}", r.indicators);
        assert_eq!(v[0].metric, "形象进度");
        assert_eq!(v[0].expected_share, Some("0.75".parse().unwrap()));
        v[0].verdict
    };
    // Q3 against 年底: 75% of the year has passed.
    assert_eq!(verdict("100%", Some(true)), Verdict::Met);
    assert_eq!(verdict("80%", Some(true)), Verdict::Ahead);
    assert_eq!(verdict("70%", Some(true)), Verdict::OnTrack);
    assert_eq!(verdict("50%", Some(false)), Verdict::Behind);
    assert_eq!(verdict("50%", None), Verdict::Behind);
    // A table that asks no 是否按计划 still has its figures read.
    let mut t = with_percent("2023Q3", "40%", None);
    t.targets[0].entries[0].on_schedule = None;
    let r = check_table(&t);
    let declared = r.indicators.last().unwrap();
    assert_eq!(declared.kind, IndicatorKind::DeclaredProgress);
    assert_eq!(declared.verdict, Verdict::Behind);
    assert!(r.findings.iter().all(|f| f.rule != Rule::ClaimNotSupported));
}
