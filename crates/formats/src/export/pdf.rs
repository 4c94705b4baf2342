//! PDF in the official layout, typeset by typst (through typst-as-lib) from a fixed template,
//! `table.typ`. The table reaches the template only as JSON in `sys.inputs`, so no text an office
//! typed can ever be read as typst markup or code.
//!
//! Chinese needs a CJK font, and a fresh server has none: the crate embeds a subset of Noto Sans
//! CJK SC (`fonts/`, SIL OFL 1.1) that covers GB 2312 and the fixtures. Fonts the caller passes
//! (e.g. from [`system_fonts`]) come first, so a machine with full CJK fonts uses them, and typst
//! falls back from one font to the next character by character.
//!
//! A published round can never change, so its PDF must render whatever it holds. Before
//! typesetting, the text passed to the template (a copy: the table itself is untouched) is made
//! display-safe: the characters [`crate::display`] hides (bidirectional controls, zero-width
//! characters, controls, noncharacters) and every character that no font has (an emoji, a rare
//! CJK Extension B character in a name) are drawn as their code point in a small box, `U+20000`,
//! rather than dropped, left blank or refused. The box only needs ASCII, which every font has.
//! Any typst warning is an error: the template is ours and no text reaches it as markup, so a
//! warning is a bug of ours, never something a table can cause.
//!
//! A published round's PDF opens with a [`FrontPage`]: the round's counts and its status by
//! leader and by lead unit, made by the caller (the checks are another crate's). The web pages
//! draw the same numbers as SVG; here they are drawn with typst's own shapes, so their text goes
//! through the same fonts and per-character fallback as the rest of the document, which an SVG
//! image inside typst would not guarantee.

use super::{Column, ExportError, Layout, Stamp, headings_before};
use crate::columns::Role;
use crate::display::{self, Piece};
use duban_core::Table;
use serde::Serialize;
use serde_json::Value;
use typst::foundations::{Dict, IntoValue};
use typst::text::{Coverage, FontInfo};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

/// The template; user data never enters it.
const TEMPLATE: &str = include_str!("table.typ");

/// The bundled subset of Noto Sans CJK SC (see `fonts/README.md`).
pub const BUNDLED_FONT: &[u8] = include_bytes!("../../fonts/NotoSansCJKsc-Regular-subset.otf");

/// Reads the CJK fonts installed on this machine (Noto/Source Han CJK, WenQuanYi, Droid Sans
/// Fallback, AR PL), for the caller to pass to [`pdf_with_fonts`]. The one place this crate reads
/// the disk, and only when called.
pub fn system_fonts() -> Vec<Vec<u8>> {
    const DIRS: [&str; 3] = [
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/Library/Fonts",
    ];
    const NAMES: [&str; 6] = [
        "cjk",
        "wqy",
        "sourcehan",
        "droidsansfallback",
        "uming",
        "ukai",
    ];
    let mut found = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = DIRS.iter().map(Into::into).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let font_file = [".ttf", ".otf", ".ttc", ".otc"]
                .iter()
                .any(|e| name.ends_with(e));
            // Regular weights only: the template uses one weight, and CJK files are large.
            let regular = !["bold", "black", "light", "thin", "medium", "mono"]
                .iter()
                .any(|w| name.contains(w));
            if font_file
                && regular
                && NAMES.iter().any(|n| name.contains(n))
                && let Ok(bytes) = std::fs::read(&path)
            {
                found.push(bytes);
            }
        }
    }
    found
}

/// The first page of a round's PDF: its counts, and stacked-bar charts of the entries' status.
/// Every text is the caller's (Chinese, as the official table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FrontPage {
    /// What is counted and how many: ("责任目标", "70 项").
    pub counts: Vec<(String, String)>,
    /// The charts' series in stacking order: name and colour (`#4c9a5f`).
    pub series: Vec<(String, String)>,
    pub charts: Vec<FrontChart>,
    /// A line under the charts (what the figures rest on).
    pub note: String,
}

/// One stacked-bar chart: a title, and per bar its label and a count per series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrontChart {
    pub title: String,
    pub bars: Vec<(String, Vec<usize>)>,
}

/// The PDF of a table with the bundled font only: what a fresh machine produces.
pub fn pdf(t: &Table, stamp: Option<&Stamp>) -> Result<Vec<u8>, ExportError> {
    pdf_with_fonts(t, stamp, &[], None)
}

/// The PDF of a table, preferring `fonts` (e.g. [`system_fonts`]) over the bundled one, opening
/// with `front` when given.
pub fn pdf_with_fonts(
    t: &Table,
    stamp: Option<&Stamp>,
    fonts: &[Vec<u8>],
    front: Option<&FrontPage>,
) -> Result<Vec<u8>, ExportError> {
    let mut families: Vec<String> = Vec::new();
    let mut coverage = Vec::new();
    for data in fonts.iter().map(Vec::as_slice).chain([BUNDLED_FONT]) {
        for info in FontInfo::iter(data) {
            // Prefer the Simplified Chinese face of a collection that holds several.
            let simplified = info.family.contains("SC") || !info.family.contains("CJK");
            if !families.contains(&info.family) && simplified {
                families.push(info.family.clone());
            }
            coverage.push(info.coverage);
        }
    }
    let published = stamp.map_or_else(String::new, |s| format!("发布日期 {}", s.published_at));
    let hash = stamp.map_or_else(String::new, |s| format!("SHA-256 {}", s.sha256));
    let layout = Layout::of(t);
    let head = layout.header(t);
    let columns: Vec<Value> = layout.columns.iter().map(column_spec).collect();
    let mut body = body(t, &layout);
    map_strings(&mut body, &|s| shown(s, &coverage));

    // Every string of the table, as the template shows it. Keys and non-text values pass as they
    // are; the template reads only text fields through `shown`.
    let mut table = serde_json::to_value(t).map_err(|e| ExportError::Typst(e.to_string()))?;
    map_strings(&mut table, &|s| shown(s, &coverage));
    let mut front = serde_json::to_value(front).map_err(|e| ExportError::Typst(e.to_string()))?;
    map_strings(&mut front, &|s| shown(s, &coverage));
    let data = serde_json::json!({
        "table": table,
        "front": front,
        // The PDF's metadata title: not typeset, so only the hidden characters are replaced.
        "title": display::visible_text(&t.title),
        "header": head,
        "columns": columns,
        "body": body,
        "fonts": families,
        "published": published,
        "hash": hash,
    });
    let mut inputs = Dict::new();
    inputs.insert("data".into(), data.to_string().into_value());

    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts.iter().map(Vec::as_slice).chain([BUNDLED_FONT]))
        .build();
    let warned = engine.compile_with_input::<_, PagedDocument>(inputs);
    if !warned.warnings.is_empty() {
        let w: Vec<String> = warned
            .warnings
            .iter()
            .map(|w| w.message.to_string())
            .collect();
        return Err(ExportError::Typst(format!("warnings: {}", w.join("; "))));
    }
    let doc = warned
        .output
        .map_err(|e| ExportError::Typst(e.to_string()))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|errs| {
        ExportError::Typst(
            errs.iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// How the template sets a column: its width (in em, or as a share of what is left for the long
/// texts), whether the target's rows share its cell, and whether it is centred.
fn column_spec(c: &Column) -> Value {
    let (size, fr) = match c {
        Column::Role(Role::No) => (2.4, false),
        Column::Role(Role::Leaders | Role::Remarks) | Column::Extra(_) => (4.6, false),
        Column::Role(Role::Content | Role::Problems | Role::NextSteps) => (1.0, true),
        Column::Role(Role::Deadline) => (3.6, false),
        Column::Role(Role::Progress) => (2.1, true),
        Column::Role(Role::OnSchedule) => (3.8, false),
        Column::Role(Role::Units | Role::AssistingUnits) => (6.4, false),
    };
    serde_json::json!({"size": size, "fr": fr, "target": c.is_targets(), "centred": c.is_centred()})
}

/// The table's body as the template lays it out: a group heading, or a target's rows of cells.
fn body(t: &Table, layout: &Layout) -> Value {
    let mut items = Vec::new();
    let mut groups: &[String] = &[];
    for target in &t.targets {
        for heading in headings_before(groups, &target.group) {
            items.push(serde_json::json!({"heading": heading}));
        }
        groups = &target.group;
        let rows: Vec<Vec<String>> = target
            .entries
            .iter()
            .map(|e| layout.cells(target, e))
            .collect();
        items.push(serde_json::json!({"rows": rows}));
    }
    Value::Array(items)
}

/// Applies `f` to every string in `v` (not to object keys).
fn map_strings(v: &mut Value, f: &dyn Fn(&str) -> Value) {
    match v {
        Value::String(s) => *v = f(s),
        Value::Array(items) => items.iter_mut().for_each(|i| map_strings(i, f)),
        Value::Object(map) => map.values_mut().for_each(|i| map_strings(i, f)),
        _ => {}
    }
}

/// A string as the template's `shown` takes it: the string itself when every character prints as
/// it is (the usual case), otherwise an array of strings and `{"u": "U+XXXX"}` markers.
fn shown(s: &str, fonts: &[Coverage]) -> Value {
    let covered = |c: char| fonts.iter().any(|cov| cov.contains(u32::from(c)));
    let mut parts: Vec<Value> = Vec::new();
    let mut run = String::new();
    let mut changed = false;
    let mark = |parts: &mut Vec<Value>, run: &mut String, c: char| {
        if !run.is_empty() {
            parts.push(Value::String(std::mem::take(run)));
        }
        parts.push(serde_json::json!({ "u": display::code_point(c) }));
    };
    for piece in display::pieces(s) {
        match piece {
            Piece::Marked(c) => {
                changed = true;
                mark(&mut parts, &mut run, c);
            }
            Piece::Text(text) => {
                for c in text.chars() {
                    if covered(c) || matches!(c, ' ' | '\n' | '\t') {
                        run.push(c);
                    } else if is_variation_selector(c) {
                        // It only picks a form of the character before it, which no font here
                        // has; the plain form is printed.
                        changed = true;
                    } else if c.is_whitespace() {
                        // An unusual space (no-break, ideographic…) the fonts lack: a space.
                        changed = true;
                        run.push(' ');
                    } else {
                        changed = true;
                        mark(&mut parts, &mut run, c);
                    }
                }
            }
        }
    }
    if !changed {
        return Value::String(s.to_owned());
    }
    if !run.is_empty() {
        parts.push(Value::String(run));
    }
    Value::Array(parts)
}

fn is_variation_selector(c: char) -> bool {
    matches!(u32::from(c), 0xFE00..=0xFE0F | 0xE0100..=0xE01EF | 0x180B..=0x180D | 0x180F)
}
