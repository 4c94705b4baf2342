//! The PDF: Chinese renders with the bundled font (checked with poppler's pdffonts and
//! pdftotext, which must be installed: poppler-utils), the header repeats, the footer has page
//! numbers, the title, the date and the hash, and no character silently vanishes: what no font
//! has, and what would hide or reorder text, is shown as its code point.

mod common;

use calamine::Reader;
use common::{heze, run};
use duban_core::{Leader, Table, Unit};
use duban_formats::Stamp;
use duban_formats::export::{self, pdf::BUNDLED_FONT};
use std::io::Read;
use typst::text::FontInfo;

fn stamp() -> Stamp {
    Stamp {
        published_at: "2023-10-20".into(),
        sha256: "0123456789abcdef".repeat(4),
    }
}

#[test]
fn the_bundled_font_covers_every_character_of_the_fixtures() {
    let info = FontInfo::iter(BUNDLED_FONT).next().expect("a font");
    assert_eq!(info.family, "Noto Sans CJK SC");
    for text in [
        common::HEZE,
        include_str!("../../../fixtures/layouts-2024-h1.txt"),
    ] {
        let missing: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !info.coverage.contains(u32::from(*c)))
            .collect();
        assert!(missing.is_empty(), "not in the bundled font: {missing}");
    }
}

#[test]
fn heze_pdf_has_the_text_the_font_and_the_footer() {
    let t = heze();
    let pdf = export::pdf(&t, Some(&stamp())).expect("typst warnings are errors");
    if let Ok(out) = std::env::var("DUBAN_PDF_OUT") {
        std::fs::write(out, &pdf).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("heze.pdf"), &pdf).unwrap();

    let fonts = run("pdffonts", &["heze.pdf"], dir.path());
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("NotoSansCJKsc"), "{fonts}");
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "every font embedded: {fonts}"
    );

    run("pdftotext", &["-layout", "heze.pdf", "out.txt"], dir.path());
    let text = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(squeezed.contains(&t.title));
    assert!(squeezed.contains("三季度完成情况"));
    assert!(squeezed.contains("第1页，共"), "page numbers");
    assert!(squeezed.contains("发布日期2023-10-20"));
    assert!(squeezed.contains(&stamp().sha256));
    for target in &t.targets {
        let head: String = target
            .content
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(12)
            .collect();
        assert!(squeezed.contains(&head), "target {}: {head}", target.no);
    }
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 2, "{pages} pages");
    let headers = squeezed.matches("责任目标内容").count();
    assert!(
        headers >= pages,
        "the header repeats on each of {pages} pages ({headers})"
    );

    // One page as an image, to look at (kept in the temp dir; the test only checks it exists).
    run(
        "pdftoppm",
        &["-png", "-r", "60", "-f", "1", "-l", "1", "heze.pdf", "page"],
        dir.path(),
    );
    assert!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .any(|e| { e.file_name().to_string_lossy().ends_with(".png") })
    );
}

/// What a hostile tester (issue #9) put into tables: each must leave every export working.
/// `shown` is what the PDF's text layer must show for it (`None`: the text itself).
fn hostile_texts() -> Vec<(&'static str, String, Option<&'static str>)> {
    let long: String = "很长的进展说明，abc 123；"
        .chars()
        .cycle()
        .take(10_000)
        .collect();
    vec![
        ("emoji", "😀".into(), Some("U+1F600")),
        ("zero-width space", "\u{200B}".into(), Some("U+200B")),
        ("byte-order mark", "\u{FEFF}".into(), Some("U+FEFF")),
        ("right-to-left override", "\u{202E}".into(), Some("U+202E")),
        ("noncharacter", "\u{FFFE}".into(), Some("U+FFFE")),
        ("CJK Extension B", "𠀀".into(), Some("U+20000")),
        ("NUL", "\0".into(), Some("U+0000")),
        ("markup", "<script>alert(1)</script>".into(), None),
        ("formula", "=HYPERLINK(\"http://x\",\"y\")".into(), None),
        ("10,000 characters", long, None),
    ]
}

/// Target `i` (0-based) of the fixture with `s` in its text, its first entry's progress (alone, so
/// a formula starts the cell) and second entry's or next target's progress (between markers), a
/// leader and a unit. Markers 前N号/后N号 surround it where it is not alone.
fn plant(t: &mut Table, i: usize, s: &str) {
    let n = i + 1;
    let target = &mut t.targets[i];
    target.content = format!("前{n}号{s}后{n}号");
    let e = &mut target.entries[0];
    e.progress = s.to_owned();
    e.leaders = Some(vec![Leader::parse(&format!("领导{n}{s}")).unwrap()]);
    e.units = vec![
        Unit::parse(s).unwrap_or_else(|_| Unit::parse("空").unwrap()),
        Unit::parse(&format!("单位{n}{s}")).unwrap(),
    ];
    let next = &mut t.targets[i + 20].entries[0];
    next.progress = format!("进展{n}前{s}进展{n}后");
}

#[test]
fn hostile_text_never_fails_an_export_and_the_pdf_shows_it() {
    let cases = hostile_texts();
    let mut all = heze();
    for (i, (name, s, _)) in cases.iter().enumerate() {
        // Each alone: every export succeeds.
        let mut t = heze();
        plant(&mut t, i, s);
        let json = t.to_canonical_json();
        assert_eq!(
            serde_json::from_str::<Table>(&json).unwrap(),
            t,
            "{name}: JSON"
        );
        let csv = export::csv(&t);
        assert!(std::str::from_utf8(&csv).is_ok(), "{name}: CSV");
        let xlsx = export::xlsx(&t, Some(&stamp())).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_xlsx(name, &xlsx, s);
        if *name == "formula" {
            let text = String::from_utf8(csv).unwrap();
            assert!(
                text.contains("\"'=HYPERLINK(\"\"http://x\"\""),
                "{name}: CSV neutralised"
            );
        }
        plant(&mut all, i, s);
    }

    // All at once in one PDF (typesetting is the slow part).
    let pdf = export::pdf(&all, Some(&stamp())).expect("the PDF of anything accepted renders");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.pdf"), &pdf).unwrap();
    if let Ok(out) = std::env::var("DUBAN_PDF_OUT") {
        std::fs::write(out, &pdf).unwrap();
    }
    run("pdftotext", &["h.pdf", "h.txt"], dir.path());
    let text = std::fs::read_to_string(dir.path().join("h.txt")).unwrap();
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for (i, (name, s, shown)) in cases.iter().enumerate() {
        let n = i + 1;
        let shown: String = shown
            .unwrap_or(s.as_str())
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for marker in [
            format!("前{n}号"),
            format!("后{n}号"),
            format!("进展{n}前"),
            format!("进展{n}后"),
            format!("领导{n}"),
            format!("单位{n}"),
        ] {
            assert!(
                squeezed.contains(&marker),
                "{name}: {marker} not in the PDF"
            );
        }
        if shown.chars().count() > 100 {
            // Wrapped over many lines in every column, which the text layer interleaves: count.
            let want = 6 * s.matches('很').count();
            let got = squeezed.matches('很').count();
            assert!(got >= want, "{name}: {got} of {want} phrases shown");
            continue;
        }
        // The wide columns: the text, or its marker, right between its neighbours.
        for needle in [
            format!("前{n}号{shown}后{n}号"),
            format!("进展{n}前{shown}进展{n}后"),
        ] {
            assert!(
                squeezed.contains(&needle),
                "{name}: {needle} not in the PDF"
            );
        }
        // Leader and unit columns are narrow, so the text layer interleaves their lines with the
        // next column's: count the text (or its marker) instead, in all six places it was put.
        let short: String = shown.chars().take(6).collect();
        let places = squeezed.matches(&short).count();
        assert!(
            places >= 6,
            "{name}: {short} shown {places} times, expected 6"
        );
    }
    for c in [
        '\u{202E}', '\u{200B}', '\u{FEFF}', '\u{FFFE}', '\0', '😀', '𠀀',
    ] {
        assert!(!text.contains(c), "{:?} reached the PDF's text layer", c);
    }
    // The markers are drawn with ASCII, which the bundled font surely has.
    let info = FontInfo::iter(BUNDLED_FONT).next().expect("a font");
    for c in "U+0123456789ABCDEF".chars() {
        assert!(
            info.coverage.contains(u32::from(c)),
            "{c} not in the bundled font"
        );
    }

    // Page 1 as an image, to look at (DUBAN_PNG_OUT keeps it).
    run(
        "pdftoppm",
        &["-png", "-r", "60", "-f", "1", "-l", "1", "h.pdf", "page"],
        dir.path(),
    );
    if let Ok(out) = std::env::var("DUBAN_PNG_OUT") {
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".png"))
            .expect("a page image");
        std::fs::copy(png.path(), out).unwrap();
    }
}

/// The XLSX opens (calamine reads it back), holds no character XML forbids, writes no formula,
/// and marks a cell that reads as a formula as text.
fn check_xlsx(name: &str, xlsx: &[u8], s: &str) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    for i in 0..zip.len() {
        let part = std::io::read_to_string(zip.by_index(i).unwrap()).unwrap();
        assert!(
            !part.contains(['\0', '\u{FFFE}', '\u{FFFF}']),
            "{name}: a character XML forbids in part {i}"
        );
        assert!(!part.contains("<f>"), "{name}: a formula cell");
    }
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let range = wb
        .worksheet_range("一览表")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let cells: Vec<String> = range.cells().map(|(_, _, v)| v.to_string()).collect();
    if name == "formula" {
        assert!(cells.iter().any(|c| c == s), "{name}: the text, unchanged");
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        assert!(
            styles.contains("quotePrefix=\"1\""),
            "{name}: Excel's text marker"
        );
    }
    if name == "10,000 characters" {
        assert!(cells.iter().any(|c| c == s), "{name}: whole");
    }
}

#[test]
fn user_text_is_never_typst_code() {
    let mut t = heze();
    t.targets[0].content = "#panic(\"x\") $x^2$ *bold* [link] \\ #{1/0}".into();
    t.targets[1].entries[0].progress = "=HYPERLINK(\"http://example.com\")".into();
    let pdf = export::pdf(&t, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.pdf"), &pdf).unwrap();
    run("pdftotext", &["t.pdf", "t.txt"], dir.path());
    let text = std::fs::read_to_string(dir.path().join("t.txt")).unwrap();
    assert!(
        text.contains("#panic(\"x\")"),
        "{}",
        &text[..400.min(text.len())]
    );
    assert!(text.contains("=HYPERLINK"));
}

#[test]
fn a_front_page_opens_the_pdf_with_the_counts_and_the_status_charts() {
    let t = heze();
    let green = ("是".to_owned(), "#4c9a5f".to_owned());
    let front = export::FrontPage {
        counts: vec![
            ("责任目标".into(), "70 项".into()),
            ("填报“是”但数据显示滞后".into(), "3 条".into()),
        ],
        series: vec![green, ("否".into(), "#c0392b".into())],
        charts: vec![
            export::FrontChart {
                title: "按分管领导".into(),
                bars: vec![
                    ("聂元科".into(), vec![30, 2]),
                    ("李春英".into(), vec![0, 0]),
                ],
            },
            export::FrontChart {
                title: "按牵头单位".into(),
                bars: vec![("市发展改革委".into(), vec![17, 0])],
            },
        ],
        note: "核查由系统根据公开文字与数字自动生成。".into(),
    };
    let plain = export::pdf(&t, Some(&stamp())).unwrap();
    let with = export::pdf_with_fonts(&t, Some(&stamp()), &[], Some(&front))
        .expect("typst warnings are errors");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.pdf"), &plain).unwrap();
    std::fs::write(dir.path().join("front.pdf"), &with).unwrap();
    let pages = |name: &str| {
        let info = run("pdfinfo", &[name], dir.path());
        String::from_utf8_lossy(&info.stdout)
            .lines()
            .find_map(|l| {
                l.strip_prefix("Pages:")
                    .map(|n| n.trim().parse::<u32>().unwrap())
            })
            .unwrap()
    };
    assert_eq!(pages("front.pdf"), pages("plain.pdf") + 1, "one page more");
    // The first page alone holds the counts, the legend, both charts and their numbers.
    run(
        "pdftotext",
        &["-f", "1", "-l", "1", "front.pdf", "first.txt"],
        dir.path(),
    );
    let first: String = std::fs::read_to_string(dir.path().join("first.txt"))
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for needle in [
        t.title.as_str(),
        "70项",
        "责任目标",
        "填报“是”但数据显示滞后",
        "按分管领导",
        "聂元科",
        "32",
        "按牵头单位",
        "市发展改革委",
        "17",
        "核查由系统根据公开文字与数字自动生成。",
    ] {
        let needle: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            first.contains(&needle),
            "{needle} on the first page: {first}"
        );
    }
    assert!(
        !first.contains("三季度完成情况"),
        "the table starts on page 2"
    );
}
