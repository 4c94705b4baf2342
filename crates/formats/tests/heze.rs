//! The real 菏泽 2023 Q3 table, read exactly.

use duban_core::{Deadline, Table, TableTarget};
use duban_formats::twoup::{ReadOptions, read};

const HEZE: &str = include_str!("../../../fixtures/heze-2023-q3.txt");

fn heze() -> Table {
    read(HEZE, &ReadOptions::default()).expect("the fixture reads")
}

fn target(t: &Table, no: u32) -> &TableTarget {
    t.targets
        .iter()
        .find(|t| t.no.get() == no)
        .unwrap_or_else(|| panic!("target {no}"))
}

fn names<T: std::fmt::Display>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

#[test]
fn reads_the_title_intro_and_counts() {
    let t = heze();
    assert_eq!(t.government, "菏泽市人民政府");
    assert_eq!(
        t.title,
        "菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表"
    );
    assert_eq!(t.year, 2023);
    assert_eq!(t.period.to_string(), "2023Q3");
    assert_eq!(t.declared_total, Some(200));
    assert_eq!(
        t.intro.as_deref(),
        Some(
            "市政府办公室对2023年《政府工作报告》确定的200项经济社会发展责任目标三季度工作推进情况进行了调度。依据政务公开有关规定,现将工作完成情况向社会公开,接受群众监督。"
        )
    );
    assert_eq!(t.targets.len(), 39);
    assert_eq!(t.entry_count(), 40);
    let nos: Vec<u32> = t.targets.iter().map(|t| t.no.get()).collect();
    assert_eq!(nos, (1..=39).collect::<Vec<_>>());
    assert_eq!(t.schedule_counts().yes, 40);
}

#[test]
fn exact_texts() {
    let t = heze();
    let one = target(&t, 1);
    assert_eq!(
        one.content,
        "依法接受市人大及其常委会监督,自觉接受市政协民主监督"
    );
    assert_eq!(names(one.entries[0].leaders()), ["李春英"]);
    assert_eq!(names(&one.entries[0].units), ["市政府办公室"]);
    assert!(one.entries[0].progress.starts_with("把“两案”办理工作作为"));
    assert!(
        one.entries[0]
            .progress
            .ends_with("一批意见建议进入政府决策")
    );

    let four = target(&t, 4);
    assert_eq!(
        four.content,
        "加强财政资源统筹,创新财政支持方式,引导金融资本、社会资本投入经济发展“主战场”"
    );
    assert_eq!(
        four.entries[0].progress,
        "扎实开展创业担保贷款业务。前三季度,全市累计发放创业担保贷款14.64亿元,发放在外创业乡情贷9.6亿元。加快市财政金融综合服务平台建设,入驻金融机构17家,发布金融产品55个,注册用户117家,为企业、个人用户解决融资需求2亿元。充分发挥政府性融资担保公司支农支小作用,菏泽信融资担保有限公司完成融资担保业务33笔,累保额度1.7亿元,支农支小农业务占比91.46%"
    );

    let seven = target(&t, 7);
    assert_eq!(seven.content, "固定资产投资增长10%左右");
    assert_eq!(
        seven.entries[0].progress,
        "前三季度,固定资产投资增长8.5%,居全省第1位"
    );
    assert_eq!(seven.entries[0].answer(), Some(true));

    let thirteen = target(&t, 13);
    assert_eq!(thirteen.content, "");
    assert_eq!(thirteen.deadline, Deadline::YearEnd);
    assert_eq!(
        names(thirteen.entries[0].leaders()),
        ["聂元科", "王昌华", "张鹏", "肖友华"]
    );
    assert_eq!(names(&thirteen.entries[0].units), ["市发展改革委"]);
    assert!(
        thirteen.entries[0]
            .progress
            .starts_with("积极推进促消费项目建设")
    );

    let (twenty, twenty_one) = (target(&t, 20), target(&t, 21));
    assert_eq!(twenty.content, "推动沿黄地区工业园区调区扩区,拓宽发展空间");
    assert_eq!(twenty_one.content, "统筹抓好国家儿童友好城市建设");
    assert_eq!(twenty.entries[0].progress, twenty_one.entries[0].progress);
    assert_eq!(
        twenty.entries[0].progress,
        "《菏泽市创建儿童友好城市三年行动计划(2021-2023年)》既定任务已完成82%,单元试点建设全面铺开。制定了《菏泽市儿童友好实践基地建设指引(试行)》,评选出首批10个市级儿童友好实践基地。按照《菏泽市创建儿童友好城市三年行动计划职责分解》要求,协调推动市直成员单位完成既定工作目标"
    );
    assert_eq!(
        names(&twenty.entries[0].units),
        [
            "市发展改革委",
            "市科技局",
            "市工业和信息化局",
            "市商务局",
            "市自然资源和规划局"
        ]
    );
    assert_eq!(names(&twenty_one.entries[0].units), ["市妇联"]);

    let twenty_five = target(&t, 25);
    assert!(
        twenty_five
            .content
            .starts_with("持续推进定陶、郓城、鄄城省级城乡融合发展试验区建设")
    );
    assert_eq!(
        names(&twenty_five.entries[0].units),
        ["市发展改革委", "定陶区人民政府", "郓城县人民政府"]
    );

    let twenty_six = target(&t, 26);
    assert_eq!(twenty_six.content, "积极推动20个重点镇快速发展");
    assert_eq!(twenty_six.entries.len(), 2);
    assert_eq!(names(twenty_six.entries[0].leaders()), ["聂元科"]);
    assert_eq!(
        names(&twenty_six.entries[0].units),
        ["市政府办公室", "市发展改革委", "市财政局", "各县区人民政府"]
    );
    assert_eq!(names(twenty_six.entries[1].leaders()), ["肖友华"]);
    assert_eq!(
        names(&twenty_six.entries[1].units),
        ["市自然资源和规划局", "市住房城乡建设局"]
    );
    assert_eq!(
        twenty_six.entries[1].progress,
        "20个重点镇国土空间规划已全部形成初步成果,其中14个重点镇已进行规划公示"
    );

    let twenty_eight = target(&t, 28);
    assert_eq!(
        twenty_eight.content,
        "发展新个体经济,新登记市场主体20万户以上"
    );
    assert_eq!(
        names(twenty_eight.entries[0].leaders()),
        ["聂元科", "王昌华"]
    );
    assert_eq!(
        twenty_eight.entries[0].progress,
        "前三季度,累计增加新登记市场主体16.9万户"
    );

    let thirty_six = target(&t, 36);
    assert_eq!(
        thirty_six.content,
        "严格落实国务院安委会15条和省委省政府“八抓20条”措施"
    );
    assert_eq!(thirty_six.deadline, Deadline::Ongoing);

    let thirty_nine = target(&t, 39);
    assert_eq!(thirty_nine.content, "增加市级储备粮8.6万吨");
    assert_eq!(
        thirty_nine.entries[0].progress,
        "前三季度,增加市级储备粮1.71万吨"
    );
    assert_eq!(
        names(&thirty_nine.entries[0].units),
        ["市发展改革委", "华瑞集团"]
    );
}

#[test]
fn deadlines() {
    let t = heze();
    let ongoing: Vec<u32> = t
        .targets
        .iter()
        .filter(|t| t.deadline == Deadline::Ongoing)
        .map(|t| t.no.get())
        .collect();
    assert_eq!(ongoing, [17, 18, 36]);
    assert!(
        t.targets
            .iter()
            .all(|t| matches!(t.deadline, Deadline::Ongoing | Deadline::YearEnd))
    );
}

#[test]
fn the_json_is_what_a_citizen_downloads() {
    insta::assert_snapshot!(heze().to_canonical_json());
}

/// The checks crate tests against a saved copy of this importer's output (so its tests need not
/// build the PDF stack); this keeps the copy from drifting when the importer changes.
#[test]
fn the_checks_crate_copy_is_current() {
    let copy = include_str!("../../checks/tests/data/heze-2023-q3.json");
    let saved: Table = serde_json::from_str(copy).unwrap();
    assert_eq!(
        saved,
        heze(),
        "regenerate crates/checks/tests/data/heze-2023-q3.json"
    );
}
