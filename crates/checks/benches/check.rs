//! How long checking a 200-target round takes: the 菏泽 fixture's 39 targets, renumbered and
//! varied up to 200 (the number its government declared).

use criterion::{Criterion, criterion_group, criterion_main};
use duban_checks::check_table;
use duban_core::{Table, TargetNo};
use std::hint::black_box;

const FIXTURE: &str = include_str!("../tests/data/heze-2023-q3.json");

fn two_hundred() -> Table {
    let base: Table = serde_json::from_str(FIXTURE).expect("the fixture parses");
    let n = base.targets.len();
    let mut table = base.clone();
    table.targets.clear();
    for i in 0..200 {
        let mut t = base.targets[i % n].clone();
        t.no = TargetNo::new(u32::try_from(i + 1).unwrap_or(1)).expect("from 1");
        if i >= n {
            // Vary copies so they are not all duplicates of one another: each takes on the
            // opening of another target's narrative and its own round number.
            let other = &base.targets[(i * 7) % n].entries[0].progress;
            let head: String = other.chars().take(40).collect();
            for e in &mut t.entries {
                e.progress = format!("{head}；第{}批：{}", i / n, e.progress);
            }
        }
        table.targets.push(t);
    }
    table
}

fn bench(c: &mut Criterion) {
    let table = two_hundred();
    assert_eq!(table.targets.len(), 200);
    c.bench_function("check_table, 200 targets", |b| {
        b.iter(|| check_table(black_box(&table)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
