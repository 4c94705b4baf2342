//! Importing the files offices really have: XLSX with the header under a title, on the second
//! sheet, with merged cells, synonyms and numbers typed as numbers; CSV and TSV in every encoding
//! Excel writes, with quoted newlines and continuation rows. Fixtures are made here, with
//! rust_xlsxwriter and encoding_rs, so that what each test feeds in is visible in it.

use duban_formats::columns::Role;
use duban_formats::{Format, ImportErrorKind as K, ImportOptions, import};
use rust_xlsxwriter::{ExcelDateTime, Format as Fmt, Workbook};

fn opts() -> ImportOptions {
    ImportOptions::default()
}

/// A workbook like the ones offices send: a notes sheet first, then the table with a title and a
/// blank row over a header of synonyms, an extra 备注 column, merged cells, numeric 序号 and a
/// deadline typed as a date.
fn office_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("填报说明").unwrap();
    notes.write(0, 0, "请按时填报").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Sheet2").unwrap();
    let f = Fmt::new();
    ws.merge_range(
        0,
        0,
        0,
        7,
        "某某市人民政府2024年重点工作上半年推进情况一览表",
        &f,
    )
    .unwrap();
    let header = [
        "编号",
        "分管市领导",
        "目标任务",
        "时限",
        "进展情况",
        "是否按期",
        "牵头单位",
        "备注",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write(2, c as u16, *h).unwrap();
    }
    // Target 1: two entries, 序号/目标任务/时限 merged over rows 4–5.
    ws.merge_range(3, 0, 4, 0, "", &f).unwrap();
    ws.write_number(3, 0, 1.0).unwrap();
    ws.merge_range(3, 2, 4, 2, "地区生产总值增长6%", &f)
        .unwrap();
    ws.merge_range(3, 3, 4, 3, "年底", &f).unwrap();
    ws.write(3, 1, "张三").unwrap();
    ws.write(3, 4, "增长6.2%").unwrap();
    ws.write(3, 5, "是").unwrap();
    ws.write(3, 6, "市发展改革委").unwrap();
    ws.write(3, 7, "无").unwrap();
    ws.write(4, 1, "李四").unwrap();
    ws.write(4, 4, "统计口径已核对").unwrap();
    ws.write(4, 5, "否").unwrap();
    ws.write(4, 6, "市统计局").unwrap();
    // Target 2: a date cell as the deadline; the unit merged down over target 3 as well.
    ws.write_number(5, 0, 2.0).unwrap();
    ws.write(5, 1, "王五 赵六").unwrap();
    ws.write(5, 2, "新建5G基站1000个").unwrap();
    let date = ExcelDateTime::from_ymd(2024, 6, 30).unwrap();
    ws.write_datetime_with_format(5, 3, &date, &Fmt::new().set_num_format("yyyy-mm-dd"))
        .unwrap();
    ws.write(5, 4, "已建成600个").unwrap();
    ws.merge_range(5, 6, 6, 6, "市工业和信息化局", &f).unwrap();
    ws.write(6, 0, "3").unwrap();
    ws.write(6, 2, "").unwrap();
    ws.write(6, 3, "长期坚持").unwrap();
    ws.write(6, 4, "=HYPERLINK(\"http://example.com\",\"见附件\")")
        .unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_office_workbook() {
    let got = import(&office_workbook(), Some("报表.xlsx"), &opts()).unwrap();
    assert_eq!(got.format, Format::Xlsx);
    assert_eq!(got.sheet.as_deref(), Some("Sheet2"));
    let t = &got.table;
    assert_eq!(t.government, "某某市人民政府");
    assert_eq!(t.period.to_string(), "2024H1", "from the title");
    assert_eq!(t.targets.len(), 3);
    let one = &t.targets[0];
    assert_eq!(one.entries.len(), 2, "a merged 序号 is one target");
    assert_eq!(one.entries[1].leaders()[0].as_str(), "李四");
    assert_eq!(one.entries[1].answer(), Some(false));
    assert_eq!(t.targets[1].deadline.to_string(), "2024-06-30");
    assert_eq!(t.targets[1].entries[0].leaders().len(), 2);
    assert_eq!(
        t.targets[1].entries[0].on_schedule,
        Some(None),
        "asked, not answered"
    );
    assert_eq!(
        t.targets[2].entries[0].units[0].as_str(),
        "市工业和信息化局",
        "a merged unit cell belongs to each row it spans"
    );
    assert_eq!(
        t.targets[2].entries[0].progress, "=HYPERLINK(\"http://example.com\",\"见附件\")",
        "a formula-like narrative stays text"
    );
    let roles: Vec<Option<Role>> = got.mapping.iter().map(|m| m.role).collect();
    assert_eq!(
        roles[..7],
        Role::ALL[..7].iter().copied().map(Some).collect::<Vec<_>>()
    );
    // 备注 is kept now, not warned about and dropped.
    assert_eq!(got.mapping[7].header, "备注");
    assert_eq!(got.mapping[7].role, Some(Role::Remarks));
    assert!(!got.warnings.iter().any(|w| w.contains("备注")));
    assert!(got.warnings.iter().any(|w| w.contains("Sheet2")));
}

#[test]
fn the_sheet_can_be_chosen_and_a_wrong_one_is_named() {
    let bytes = office_workbook();
    let mut o = opts();
    o.sheet = Some("Sheet2".into());
    assert_eq!(import(&bytes, None, &o).unwrap().table.targets.len(), 3);
    o.sheet = Some("填报说明".into());
    let e = import(&bytes, None, &o).unwrap_err();
    assert_eq!(e.kind, K::NoHeader);
    assert_eq!(e.at.sheet.as_deref(), Some("填报说明"));
    o.sheet = Some("Sheet9".into());
    let e = import(&bytes, None, &o).unwrap_err();
    assert!(matches!(e.kind, K::NoSuchSheet { .. }), "{e}");
    assert!(e.to_string().contains("填报说明, Sheet2"), "{e}");
}

#[test]
fn problems_name_the_sheet_row_and_column() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "某市人民政府2023年三季度一览表").unwrap();
    for (c, h) in [
        "序号",
        "责任目标内容",
        "完成时限",
        "完成情况",
        "是否按计划完成进度",
        "责任单位",
    ]
    .iter()
    .enumerate()
    {
        ws.write(1, c as u16, *h).unwrap();
    }
    for (c, v) in ["1", "目标", "年底", "好", "大概", "市财政局"]
        .iter()
        .enumerate()
    {
        ws.write(2, c as u16, *v).unwrap();
    }
    let e = import(&wb.save_to_buffer().unwrap(), None, &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sheet Sheet1, row 3, column 是否按计划完成进度: “大概” is not an answer to 是否按计划完成进度: expected 是 or 否 (or nothing)"
    );
}

const CSV: &str = "某市人民政府2023年责任目标三季度工作推进情况一览表\r
序号,市政府领导,责任目标内容,完成时限,三季度完成情况,是否按计划完成进度,责任单位\r
1,张三,\"目标一,含逗号\",年底,\"第一段\n第二段\",是,市财政局\r
,李四,,,配合完成,是,市税务局\r
2,王五,目标二,2023年6月底,\"他说\"\"好\"\"\",否,市统计局 市财政局\r
";

#[test]
fn csv_with_quotes_newlines_and_continuations_in_every_encoding() {
    let check = |bytes: &[u8], name: Option<&str>| {
        let got = import(bytes, name, &opts()).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(got.format, Format::Csv);
        let t = got.table;
        assert_eq!(t.targets.len(), 2);
        assert_eq!(t.targets[0].content, "目标一,含逗号");
        assert_eq!(t.targets[0].entries[0].progress, "第一段\n第二段");
        assert_eq!(t.targets[0].entries[1].units[0].as_str(), "市税务局");
        assert_eq!(t.targets[1].entries[0].progress, "他说\"好\"");
        assert_eq!(t.targets[1].deadline.to_string(), "2023-06-30");
        assert_eq!(t.targets[1].entries[0].units.len(), 2);
    };
    check(CSV.as_bytes(), Some("a.csv"));
    check(CSV.as_bytes(), None);
    check(format!("\u{feff}{CSV}").as_bytes(), Some("a.csv"));
    check(&encoding_rs::GBK.encode(CSV).0, Some("a.csv"));
    check(&encoding_rs::GB18030.encode(CSV).0, None);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(CSV.encode_utf16().flat_map(u16::to_le_bytes));
    check(&utf16, Some("a.csv"));
    let tsv = CSV
        .replace(",\"目标一,含逗号\",", "\t\"目标一,含逗号\"\t")
        .replace(',', "\t")
        .replace("目标一\t含逗号", "目标一,含逗号");
    check(tsv.as_bytes(), Some("a.tsv"));
    check(tsv.as_bytes(), Some("a.csv"));
}

#[test]
fn csv_errors_name_the_row() {
    let bad = CSV.replace("2,王五", "二,王五");
    let e = import(bad.as_bytes(), Some("a.csv"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::NotANumber(_)));
    assert_eq!(e.at.row, Some(6), "the line the record starts on: {e}");
    assert_eq!(e.at.column.as_deref(), Some("序号"));
    let dup = CSV.replace("2,王五,目标二", "1,王五,目标二");
    let e = import(dup.as_bytes(), Some("a.csv"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::ContinuationWithContent(_)), "{e}");
    let dup = format!("{CSV}1,王五,目标三,年底,x,是,市统计局\r\n");
    let e = import(dup.as_bytes(), Some("a.csv"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::DuplicateTarget { no: 1, .. }), "{e}");
}

/// A Word document as offices save one: `word/document.xml` (written by hand in
/// `tests/data/yilan-word.document.xml`, the way Word writes tables: a contact table first, the
/// title as a paragraph, the intro as a row spanning all seven columns, target 26 merged
/// vertically over two entries) in a zip with the parts Word needs.
fn docx_of(document: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
            ),
            ("word/document.xml", document),
        ] {
            z.start_file(name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf
}

/// Export to CSV and XLSX, import again: the same JSON, byte for byte.
#[track_caller]
fn round_trips(t: &duban_core::Table) {
    let json = t.to_canonical_json();
    let csv = import(&duban_formats::export::csv(t), Some("t.csv"), &opts()).unwrap();
    assert_eq!(csv.table.to_canonical_json(), json, "through CSV");
    let xlsx = duban_formats::export::xlsx(t, None).unwrap();
    let xlsx = import(&xlsx, Some("t.xlsx"), &opts()).unwrap();
    assert_eq!(xlsx.table.to_canonical_json(), json, "through XLSX");
}

#[test]
fn a_people_s_projects_table_without_leaders_deadline_or_answer() {
    let got = import(
        include_bytes!("data/minsheng.csv"),
        Some("民生实事.csv"),
        &opts(),
    )
    .unwrap();
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    let t = &got.table;
    assert_eq!(t.government, "某某县人民政府");
    assert_eq!(t.period.to_string(), "2024Q3", "from the title");
    let first = &t.targets[0];
    assert_eq!(first.group, ["一、教育"]);
    assert!(first.deadline.is_unstated());
    let e = &first.entries[0];
    assert_eq!(e.leaders, None, "no leaders column: not an empty list");
    assert_eq!(e.on_schedule, None, "not asked, which is not 未报送");
    assert_eq!(e.progress, "80%（新区实验幼儿园滞后）", "kept as published");
    assert_eq!(
        e.progress_percent
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("80")
    );
    assert_eq!(e.remarks.as_deref(), Some("新区实验幼儿园因用地调整滞后"));
    assert_eq!(
        t.targets[1].entries[0].remarks, None,
        "an empty 备注 is none"
    );
    assert_eq!(t.targets[2].group, ["二、医疗卫生"]);
    assert_eq!(t.schedule_counts().not_asked, 3);
    // The JSON has no key the table does not: no leaders, deadline or on_schedule.
    let json = t.to_canonical_json();
    for absent in [
        "\"leaders\"",
        "\"deadline\"",
        "\"on_schedule\"",
        "\"extra\"",
    ] {
        assert!(!json.contains(absent), "{absent} in {json}");
    }
    round_trips(t);
}

const RENWU_WORD: &str = include_str!("data/renwu-word.document.xml");
const RENWU_PAGE: &str = include_str!("data/renwu-saved-page.html");

#[test]
fn lead_and_assisting_units_problems_next_steps_groups_and_columns_of_its_own() {
    let csv = import(include_bytes!("data/renwu.csv"), Some("任务.csv"), &opts()).unwrap();
    let t = &csv.table;
    assert_eq!(
        t.period.to_string(),
        "2024Q2",
        "from the progress column's header"
    );
    assert_eq!(t.targets[0].group, ["一、优化营商环境", "（一）政务服务"]);
    assert_eq!(t.targets[1].group, ["一、优化营商环境", "（一）政务服务"]);
    assert_eq!(t.targets[2].group, ["二、民生保障"], "一、 closes （一）");
    let one = &t.targets[0].entries;
    assert_eq!(one.len(), 2);
    let names =
        |v: &[duban_core::Unit]| v.iter().map(|u| u.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&one[0].units), ["市政务服务管理局"]);
    assert_eq!(
        names(&one[0].assisting_units),
        ["市发展改革委", "市大数据局"]
    );
    assert_eq!(one[0].problems.as_deref(), Some("部分部门系统数据未打通"));
    assert_eq!(one[0].next_steps.as_deref(), Some("7月底前完成系统对接"));
    assert_eq!(one[0].extra.get("责任人").map(String::as_str), Some("李四"));
    assert_eq!(one[1].problems, None);
    assert_eq!(one[1].next_steps.as_deref(), Some("持续推进"));
    assert_eq!(
        one[0].progress_percent, None,
        "a 完成情况 column is text, not a percentage"
    );
    assert_eq!(t.targets[1].deadline.to_string(), "2024-06-30");
    assert!(
        t.targets[1].entries[0].extra.is_empty(),
        "an empty cell is no text"
    );
    assert_eq!(t.targets[2].entries[0].answer(), Some(false));
    // The preview maps each column, 责任人 kept as the table's own.
    let roles: Vec<Option<Role>> = csv.mapping.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Some(Role::No),
            Some(Role::Content),
            Some(Role::Leaders),
            Some(Role::Deadline),
            Some(Role::Units),
            Some(Role::AssistingUnits),
            Some(Role::Progress),
            Some(Role::OnSchedule),
            Some(Role::Problems),
            Some(Role::NextSteps),
            None,
        ]
    );
    round_trips(t);

    // The same table saved as a Word document (vertically merged cells, headings spanning the
    // row) and as a web page (rowspan, colspan) reads the same.
    let word = import(&docx_of(RENWU_WORD), None, &opts()).unwrap();
    assert_eq!(word.format, Format::Docx);
    assert_eq!(
        word.table.to_canonical_json(),
        t.to_canonical_json(),
        "Word"
    );
    let page = import(RENWU_PAGE.as_bytes(), None, &opts()).unwrap();
    assert_eq!(page.format, Format::Html);
    let mut from_page = page.table.clone();
    // The page reader takes the title from the page's headings but no paragraph as the
    // intro (a site's page holds many); everything in the table is the same.
    assert_eq!(from_page.intro, None);
    from_page.intro.clone_from(&t.intro);
    assert_eq!(
        from_page.to_canonical_json(),
        t.to_canonical_json(),
        "web page"
    );
}

const WORD: &str = include_str!("data/yilan-word.document.xml");
const PAGE: &str = include_str!("data/yilan-saved-page.html");

#[test]
fn a_word_document_and_a_saved_web_page_read_as_the_published_table() {
    let heze = duban_formats::twoup::read(
        include_str!("../../../fixtures/heze-2023-q3.txt"),
        &Default::default(),
    )
    .unwrap();
    let word = import(&docx_of(WORD), None, &opts()).unwrap();
    let page = import(PAGE.as_bytes(), None, &opts()).unwrap();
    assert_eq!(word.format, Format::Docx, "told from the bytes alone");
    assert_eq!(page.format, Format::Html, "told from the bytes alone");
    // The first table of each is not the progress table (contacts; the site's navigation).
    assert_eq!(word.sheet.as_deref(), Some("表格2 / table 2"));
    assert_eq!(page.sheet.as_deref(), Some("表格2 / table 2"));
    assert_eq!(word.table, page.table, "the same table either way");
    let t = &word.table;
    assert_eq!(t.government, heze.government);
    assert_eq!(t.title, heze.title);
    assert_eq!(t.period, heze.period);
    assert_eq!(
        t.targets.iter().map(|t| t.no.get()).collect::<Vec<_>>(),
        [1, 2, 26, 39]
    );
    // Exactly as published, merged cells and all.
    for no in [2, 26, 39] {
        let ours = t.targets.iter().find(|t| t.no.get() == no).unwrap();
        let theirs = heze.targets.iter().find(|t| t.no.get() == no).unwrap();
        assert_eq!(ours, theirs, "target {no}");
    }
    assert_eq!(
        t.targets[2].entries.len(),
        2,
        "26: one merged target, two entries"
    );
    // Paragraphs in a cell are its lines.
    assert!(
        t.targets[0].entries[0]
            .progress
            .contains("154件;\n省政协提案")
    );
    // Nothing of the page's scripts, handlers or links is kept.
    let json = t.to_canonical_json();
    for hostile in ["script", "alert", "javascript", "onclick", "onerror", "img"] {
        assert!(!json.contains(hostile), "{hostile} in {json}");
    }
    // What was read is what an export writes and a re-import reads back.
    let again = import(&duban_formats::export::csv(t), Some("t.csv"), &opts()).unwrap();
    assert_eq!(again.table.to_canonical_json(), json);
    // The preview's mapping names each column.
    assert_eq!(
        word.mapping.iter().map(|m| m.role).collect::<Vec<_>>(),
        Role::ALL[..7].iter().copied().map(Some).collect::<Vec<_>>()
    );
}

#[test]
fn word_and_web_page_problems_name_the_table_row_and_column() {
    let word = WORD.replacen(">是<", ">大概<", 1);
    let e = import(&docx_of(&word), Some("t.docx"), &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sheet 表格2 / table 2, row 4, column 是否按计划完成进度: “大概” is not an answer to 是否按计划完成进度: expected 是 or 否 (or nothing)"
    );
    let page = PAGE.replacen("<td>是</td>", "<td>大概</td>", 1);
    let e = import(page.as_bytes(), Some("t.html"), &opts()).unwrap_err();
    assert!(
        e.to_string().starts_with("sheet 表格2 / table 2, row 4,"),
        "{e}"
    );
    // A page or document with no progress table says what a header needs.
    let e = import(
        b"<html><body><table><tr><td>x</td></tr></table>",
        None,
        &opts(),
    )
    .unwrap_err();
    assert!(matches!(e.kind, K::NoHeader), "{e}");
    let e = import(&docx_of("<w:document/>"), Some("t.docx"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::NoHeader), "{e}");
}

/// A header in words no synonym knows (事项名称, 推进情况说明, 主责部门) reads as no header; the
/// page offers the likely header row's cells, and with those columns mapped by hand the table
/// imports. Mapping a recognised column as the table's own keeps it under `extra`.
#[test]
fn columns_mapped_by_hand_read_an_unusual_header() {
    let csv = "某某县人民政府2024年重点事项三季度推进情况一览表\n\
               序号,事项名称,推进情况说明,主责部门,备注\n\
               1,新建城市书房10处,已建成8处,县文化和旅游局,\n\
               2,改造老旧小区20个,已开工15个,县住房城乡建设局,资金已到位\n";
    let e = import(csv.as_bytes(), Some("a.csv"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::NoHeader), "{e}");
    let header = duban_formats::likely_header(csv.as_bytes(), Some("a.csv"), &opts()).unwrap();
    assert_eq!(
        header,
        ["序号", "事项名称", "推进情况说明", "主责部门", "备注"]
    );

    let mut o = opts();
    o.overrides.columns = vec![
        ("事项名称".into(), Some(Role::Content)),
        ("推进情况说明".into(), Some(Role::Progress)),
        (" 主责部门 ".into(), Some(Role::Units)),
        ("备注".into(), None),
    ];
    let read = import(csv.as_bytes(), Some("a.csv"), &o).unwrap();
    let t = &read.table.targets;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].content, "新建城市书房10处");
    assert_eq!(t[1].entries[0].progress, "已开工15个");
    assert_eq!(t[1].entries[0].units[0].as_str(), "县住房城乡建设局");
    assert_eq!(
        t[1].entries[0].remarks, None,
        "备注 kept as the table's own column"
    );
    assert_eq!(
        t[1].entries[0].extra.get("备注").map(String::as_str),
        Some("资金已到位")
    );
    let roles: Vec<Option<Role>> = read.mapping.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Some(Role::No),
            Some(Role::Content),
            Some(Role::Progress),
            Some(Role::Units),
            None
        ]
    );
    for r in Role::ALL {
        assert_eq!(Role::from_code(r.code()), Some(r));
    }
}
