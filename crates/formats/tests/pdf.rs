//! The PDF: Chinese renders with the bundled font (checked with poppler's pdffonts and
//! pdftotext, which must be installed: poppler-utils), the header repeats, the footer has page
//! numbers, the title, the date and the hash, and no character silently vanishes.

mod common;

use common::{heze, run};
use duban_formats::export::{self, pdf::BUNDLED_FONT};
use duban_formats::{ExportError, Stamp};
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

#[test]
fn a_character_no_font_has_is_an_error_not_a_blank() {
    let mut t = heze();
    t.targets[0].content.push('𠀀'); // CJK Extension B: in no bundled font
    match export::pdf(&t, None) {
        Err(ExportError::MissingGlyphs(chars)) => assert_eq!(chars, "𠀀"),
        other => panic!("expected MissingGlyphs, got {:?}", other.map(|b| b.len())),
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
