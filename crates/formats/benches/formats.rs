//! Speed: importing a 10,000-row XLSX (target: under 2 s) and typesetting a 200-target PDF
//! (target: under 1 s), plus CSV import and XLSX export for scale. Tables are made by repeating
//! the 菏泽 fixture's targets, so the text is real.
//!
//! `CARGO_TARGET_DIR=/work/target-formats cargo bench -p duban-formats --bench formats`

use criterion::{Criterion, criterion_group, criterion_main};
use duban_core::{Table, TargetNo};
use duban_formats::{ImportOptions, export, import};
use std::time::Duration;

fn heze() -> Table {
    duban_formats::twoup::read(
        include_str!("../../../fixtures/heze-2023-q3.txt"),
        &Default::default(),
    )
    .unwrap()
}

/// A table of `rows` entry rows, one entry per target, cycling through the fixture's targets.
fn big(rows: usize) -> Table {
    let mut t = heze();
    let source = t.targets.clone();
    t.targets = (0..rows)
        .map(|i| {
            let mut target = source[i % source.len()].clone();
            target.no = TargetNo::new(i as u32 + 1).unwrap();
            target.entries.truncate(1);
            target
        })
        .collect();
    t
}

fn benches(c: &mut Criterion) {
    let rows = big(10_000);
    let xlsx = export::xlsx(&rows, None).unwrap();
    let csv = export::csv(&rows);
    eprintln!(
        "10,000-row XLSX: {} bytes; CSV: {} bytes",
        xlsx.len(),
        csv.len()
    );
    let mut g = c.benchmark_group("import");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("xlsx_10000_rows", |b| {
        b.iter(|| import(&xlsx, Some("big.xlsx"), &ImportOptions::default()).unwrap())
    });
    g.bench_function("csv_10000_rows", |b| {
        b.iter(|| import(&csv, Some("big.csv"), &ImportOptions::default()).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("export");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("xlsx_10000_rows", |b| {
        b.iter(|| export::xlsx(&rows, None).unwrap())
    });
    let two_hundred = big(200);
    // For comparing with LibreOffice (benches/compare-libreoffice.sh).
    if let Ok(dir) = std::env::var("DUBAN_BENCH_OUT") {
        let dir = std::path::Path::new(&dir);
        std::fs::write(
            dir.join("t200.xlsx"),
            export::xlsx(&two_hundred, None).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("t200.pdf"),
            export::pdf(&two_hundred, None).unwrap(),
        )
        .unwrap();
    }
    g.bench_function("pdf_200_targets", |b| {
        b.iter(|| export::pdf(&two_hundred, None).unwrap())
    });
    g.finish();
}

criterion_group!(formats, benches);
criterion_main!(formats);
