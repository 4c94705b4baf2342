//! Export, import again, compare the JSON: for the real 菏泽 table in CSV, GBK CSV and XLSX.

mod common;

use common::heze;
use duban_formats::{Format, ImportOptions, Stamp, export, import};

fn again(bytes: &[u8], name: &str) -> duban_formats::Imported {
    import(bytes, Some(name), &ImportOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn xlsx_round_trips_exactly() {
    let t = heze();
    let stamp = Stamp {
        published_at: "2023-10-20".into(),
        sha256: "ab".repeat(32),
    };
    let bytes = export::xlsx(&t, Some(&stamp)).unwrap();
    let back = again(&bytes, "heze.xlsx");
    assert_eq!(back.format, Format::Xlsx);
    assert_eq!(back.sheet.as_deref(), Some("一览表"));
    assert_eq!(back.table.to_canonical_json(), t.to_canonical_json());
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back.mapping.len(), 7);
    assert!(back.mapping.iter().all(|m| m.role.is_some()));
    // Without a file name, too.
    let back = import(&bytes, None, &ImportOptions::default()).unwrap();
    assert_eq!(back.table, t);
}

#[test]
fn csv_round_trips_exactly_in_utf8_and_gbk() {
    let t = heze();
    let bytes = export::csv(&t);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM, for Excel");
    let back = again(&bytes, "heze.csv");
    assert_eq!(back.format, Format::Csv);
    assert_eq!(back.table.to_canonical_json(), t.to_canonical_json());

    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let target_26_rows = text.lines().filter(|l| l.starts_with("26,")).count();
    assert_eq!(target_26_rows, 2, "one row per entry, 序号 repeated");

    let (gbk, _, lossy) = encoding_rs::GBK.encode(text);
    assert!(!lossy);
    let back = again(&gbk, "heze-gbk.csv");
    assert_eq!(back.table, t);
    let (gb18030, _, _) = encoding_rs::GB18030.encode(text);
    assert_eq!(again(&gb18030, "x.csv").table, t);
    // Detected without a name as well.
    assert_eq!(
        import(&gbk, None, &ImportOptions::default()).unwrap().table,
        t
    );
}

#[test]
fn the_text_importer_is_reachable_through_import() {
    let back = again(common::HEZE.as_bytes(), "heze.txt");
    assert_eq!(back.format, Format::TwoUpText);
    assert_eq!(back.table, heze());
    assert_eq!(back.mapping.len(), 7);
    assert_eq!(
        duban_formats::detect(common::HEZE.as_bytes(), None),
        Format::TwoUpText
    );
}
