//! Helpers shared by the file-format tests: the fixture as a table, and external tools that must
//! exist (a missing tool fails the test; it never skips it).

#![allow(dead_code)]

use duban_core::Table;
use std::path::Path;
use std::process::Command;

pub const HEZE: &str = include_str!("../../../../fixtures/heze-2023-q3.txt");

pub fn heze() -> Table {
    duban_formats::twoup::read(HEZE, &Default::default()).expect("the fixture reads")
}

/// Runs a tool, failing the test with a clear message when it is not installed.
pub fn run(tool: &str, args: &[&str], cwd: &Path) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} is required for this test ({e}); install it (see .ci/run)")
        });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
