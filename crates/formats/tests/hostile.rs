//! Hostile and broken files: each gets a clear error, and nothing is returned but the error.

mod common;

use common::heze;
use duban_formats::{ImportErrorKind as K, ImportOptions, Limits, export, import, neutralise};
use std::io::Write;

fn opts() -> ImportOptions {
    ImportOptions::default()
}

#[test]
fn formulas_are_neutralised_in_csv_and_xlsx_and_survive_a_round_trip() {
    let mut t = heze();
    let evil = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    t.targets[0].entries[0].progress = evil.into();
    t.targets[1].content = "+1+cmd|' /C calc'!A0".into();
    t.targets[2].entries[0].progress = "-5".into(); // a plain number stays as it is
    t.targets[3].entries[0].progress = "@SUM(A1)".into();

    let csv = export::csv(&t);
    let text = std::str::from_utf8(&csv).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")\""));
    assert!(text.contains(",'+1+cmd|"));
    assert!(text.contains(",-5,"));
    assert!(text.contains(",'@SUM(A1),"));
    assert_eq!(import(&csv, Some("t.csv"), &opts()).unwrap().table, t);

    let xlsx = export::xlsx(&t, None).unwrap();
    let styles = unzip(&xlsx, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "Excel's text marker");
    let sheet = unzip(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula cells at all");
    assert_eq!(import(&xlsx, Some("t.xlsx"), &opts()).unwrap().table, t);
    assert!(!neutralise::is_dangerous("-5"));
}

fn unzip(xlsx: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    std::io::read_to_string(z.by_name(name).unwrap()).unwrap()
}

#[test]
fn too_large() {
    let csv = export::csv(&heze());
    let mut o = opts();
    o.limits.max_bytes = 1000;
    let e = import(&csv, Some("t.csv"), &o).unwrap_err();
    assert!(matches!(e.kind, K::TooLarge { limit: 1000, .. }), "{e}");
    assert_eq!(Limits::default().max_bytes, 20 * 1024 * 1024);
}

#[test]
fn a_cell_too_long() {
    let mut t = heze();
    t.targets[4].entries[0].progress = "很".repeat(20_000);
    let mut o = opts();
    o.limits.max_cell_chars = 10_000;
    for bytes in [export::csv(&t), export::xlsx(&t, None).unwrap()] {
        let e = import(&bytes, None, &o).unwrap_err();
        assert!(
            matches!(e.kind, K::CellTooLong { chars: 20_000, .. }),
            "{e}"
        );
        assert_eq!(e.at.column.as_deref(), Some("三季度完成情况"));
    }
    let text = common::HEZE.replace("前三季度,地区生产总值增长7.0%", &"长".repeat(40_000));
    let e = import(text.as_bytes(), Some("t.txt"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::CellTooLong { .. }), "{e}");
}

#[test]
fn a_zip_bomb() {
    let mut buf = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("[Content_Types].xml", o).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..200 {
            z.write_all(&zeros).unwrap(); // 200 MiB of spaces, about 200 KB packed
        }
        z.finish().unwrap();
    }
    let e = import(&buf, Some("bomb.xlsx"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::ZipBomb { limit: 100, .. }), "{e}");
}

#[test]
fn an_encrypted_workbook() {
    let bytes = include_bytes!("../../../fixtures/encrypted-password-duban.xlsx");
    let e = import(bytes, Some("encrypted.xlsx"), &opts()).unwrap_err();
    assert_eq!(e.kind, K::Encrypted, "{e}");
    assert!(e.to_string().contains("without a password"));
}

#[test]
fn a_truncated_workbook() {
    let xlsx = export::xlsx(&heze(), None).unwrap();
    for cut in [xlsx.len() / 2, xlsx.len() - 30, 100] {
        let e = import(&xlsx[..cut], Some("t.xlsx"), &opts()).unwrap_err();
        assert!(matches!(e.kind, K::BadXlsx(_)), "{cut}: {e}");
    }
}

#[test]
fn files_that_are_not_tables() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let e = import(png, Some("photo.png"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::BadEncoding(_) | K::NoHeader), "{e}");
    let e = import("姓名,电话\n张三,123\n".as_bytes(), Some("a.csv"), &opts()).unwrap_err();
    assert_eq!(e.kind, K::NoHeader);
    let e = import(b"", None, &opts()).unwrap_err();
    assert_eq!(e.kind, K::NoHeader);
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write(0, 0, "hello").unwrap();
    let e = import(&wb.save_to_buffer().unwrap(), None, &opts()).unwrap_err();
    assert_eq!(e.kind, K::NoHeader);
    let e = import(b"PK\x03\x04not really a zip", None, &opts()).unwrap_err();
    assert!(matches!(e.kind, K::BadXlsx(_)), "{e}");
    // An old binary .xls (an OLE compound file without an encrypted package).
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.resize(4096, 0);
    let e = import(&xls, Some("old.xls"), &opts()).unwrap_err();
    assert!(e.to_string().contains(".xls"), "{e}");
}

#[test]
fn mixed_encodings() {
    let csv = export::csv(&heze());
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let (head, tail) = text.split_at(text.find("\n2,").unwrap());
    let mut mixed = head.as_bytes().to_vec();
    mixed.extend_from_slice(&encoding_rs::GBK.encode(tail).0);
    let e = import(&mixed, Some("mixed.csv"), &opts()).unwrap_err();
    assert!(matches!(e.kind, K::BadEncoding(_)), "{e}");
    assert!(e.to_string().contains("mixed encodings"), "{e}");
}

#[test]
fn a_sheet_with_a_far_away_cell_is_not_a_memory_bomb() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let csv = export::csv(&heze());
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (r, rec) in rdr.records().enumerate() {
        for (c, v) in rec.unwrap().iter().enumerate() {
            ws.write(r as u32, c as u16, v).unwrap();
        }
    }
    ws.write(1_048_575, 16_383, "far").unwrap();
    let got = import(&wb.save_to_buffer().unwrap(), None, &opts()).unwrap();
    assert_eq!(got.table, heze());
    assert!(
        got.warnings.iter().any(|w| w.contains("beyond column")),
        "{:?}",
        got.warnings
    );
}
