//! The report as a plain-text table in Chinese, for a terminal (`duban check`).

use crate::CheckReport;
use crate::verdict::Verdict;
use std::fmt::Write;

/// Columns a character takes in a terminal: CJK and full-width forms take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x201C
            | 0x201D => 2,
            _ => 1,
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_owned();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        // The last column is free text and is not padded.
        for (i, c) in r.iter().enumerate().take(n - 1) {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 < n {
                s.push_str(&pad(c, widths[i]));
                s.push_str("  ");
            } else {
                s.push_str(c);
            }
        }
        s.trim_end().to_owned()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| (*h).to_owned()).collect())
    );
    let rule: usize = widths.iter().take(n - 1).map(|w| w + 2).sum::<usize>() + 8;
    let _ = writeln!(out, "{}", "-".repeat(rule));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.clone()));
    }
}

/// A readable plain-text report: the summary, then the findings, then the indicators.
pub fn render_text(report: &CheckReport) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "核查 {}：{} 项目标，{} 个承办条目，其中 {} 个填报“是”（按计划完成进度）。",
        s.period, s.targets, s.entries, s.on_schedule
    );
    let _ = writeln!(
        out,
        "数据不支持进度声明的条目：{} 个；内容缺失、重复、复述或答非所问的条目：{} 个。",
        s.claims_not_supported, s.damaged_or_copied
    );
    let _ = writeln!(
        out,
        "量化指标 {} 个：超前 {}，符合进度 {}，滞后 {}，已完成 {}，无法核实 {}。",
        s.indicators,
        s.verdicts.get("ahead").copied().unwrap_or(0),
        s.verdicts.get("on_track").copied().unwrap_or(0),
        s.verdicts.get("behind").copied().unwrap_or(0),
        s.verdicts.get("met").copied().unwrap_or(0),
        s.verdicts.get("unverifiable").copied().unwrap_or(0),
    );
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str("未发现问题。\n");
    } else {
        let _ = writeln!(
            out,
            "发现问题 {} 条（错误 {}，警告 {}，提示 {}）：",
            report.findings.len(),
            s.errors,
            s.warnings,
            s.notes
        );
        let rows: Vec<Vec<String>> = report
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.target_no.to_string(),
                    f.entry
                        .map_or_else(|| "—".to_owned(), |e| (e + 1).to_string()),
                    f.severity.label_zh().to_owned(),
                    f.rule.label_zh().to_owned(),
                    f.message.clone(),
                ]
            })
            .collect();
        table(&mut out, &["序号", "条目", "级别", "问题", "说明"], &rows);
    }
    if !report.indicators.is_empty() {
        out.push('\n');
        out.push_str("量化指标：\n");
        let rows: Vec<Vec<String>> = report
            .indicators
            .iter()
            .map(|v| {
                let progress = match (v.share, v.expected_share) {
                    (Some(sh), Some(ex)) => format!(
                        "{}% / 时序{}%",
                        (sh * rust_decimal::Decimal::ONE_HUNDRED)
                            .round_dp(1)
                            .normalize(),
                        (ex * rust_decimal::Decimal::ONE_HUNDRED)
                            .round_dp(1)
                            .normalize()
                    ),
                    _ => String::new(),
                };
                let verdict = if v.verdict == Verdict::Unverifiable {
                    match &v.note {
                        Some(n) => format!("{}（{n}）", v.verdict.label_zh()),
                        None => v.verdict.label_zh().to_owned(),
                    }
                } else {
                    v.verdict.label_zh().to_owned()
                };
                vec![
                    v.target_no.to_string(),
                    (v.entry + 1).to_string(),
                    v.target_clause.clone(),
                    v.actual_text.clone().unwrap_or_else(|| "—".to_owned()),
                    progress,
                    verdict,
                ]
            })
            .collect();
        table(
            &mut out,
            &["序号", "条目", "目标", "实际", "进度", "结论"],
            &rows,
        );
    }
    out
}
