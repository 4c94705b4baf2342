//! A real spreadsheet program reads what we write: LibreOffice (headless; `libreoffice-calc`
//! must be installed, or this test fails) converts our XLSX to CSV, and every target's text,
//! every narrative and the formula-like narrative come out as text.

mod common;

use common::{heze, run};
use duban_formats::export;

#[test]
fn libreoffice_reads_our_xlsx() {
    let mut t = heze();
    let evil = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    t.targets[5].entries[0].progress = evil.into();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("heze.xlsx"),
        export::xlsx(&t, None).unwrap(),
    )
    .unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    run(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            // comma-separated, double quotes, UTF-8 (76)
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "heze.xlsx",
        ],
        dir.path(),
    );
    let csv = std::fs::read_to_string(dir.path().join("heze.csv")).unwrap();
    for target in &t.targets {
        assert!(
            csv.contains(&target.content),
            "target {} content",
            target.no
        );
        for e in &target.entries {
            if e.progress != evil {
                assert!(csv.contains(&e.progress), "target {} progress", target.no);
            }
        }
    }
    assert!(
        csv.contains("\"=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")\""),
        "the narrative stays text, not a formula result"
    );
    assert!(csv.contains(&t.title));
}
