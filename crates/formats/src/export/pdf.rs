//! PDF in the official layout, typeset by typst (through typst-as-lib) from a fixed template,
//! `table.typ`. The table reaches the template only as JSON in `sys.inputs`, so no text an office
//! typed can ever be read as typst markup or code.
//!
//! Chinese needs a CJK font, and a fresh server has none: the crate embeds a subset of Noto Sans
//! CJK SC (`fonts/`, SIL OFL 1.1) that covers GB 2312 and the fixtures. Fonts the caller passes
//! (e.g. from [`system_fonts`]) come first, so a machine with full CJK fonts uses them. Before
//! typesetting, every character of the table is checked against the fonts: one that no font has
//! is an error ([`ExportError::MissingGlyphs`]) rather than a blank in a public document. Any typst
//! warning is an error too: the template is ours, so a warning is a bug.

use super::{ExportError, Stamp, header};
use duban_core::Table;
use std::collections::BTreeSet;
use typst::foundations::{Dict, IntoValue};
use typst::text::FontInfo;
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

/// The PDF of a table with the bundled font only: what a fresh machine produces.
pub fn pdf(t: &Table, stamp: Option<&Stamp>) -> Result<Vec<u8>, ExportError> {
    pdf_with_fonts(t, stamp, &[])
}

/// The PDF of a table, preferring `fonts` (e.g. [`system_fonts`]) over the bundled one.
pub fn pdf_with_fonts(
    t: &Table,
    stamp: Option<&Stamp>,
    fonts: &[Vec<u8>],
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
    let head = header(t);

    let missing: BTreeSet<char> = text_of(t)
        .chain(head.iter().map(String::as_str))
        .chain([published.as_str(), hash.as_str()])
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .filter(|c| !coverage.iter().any(|cov| cov.contains(u32::from(*c))))
        .collect();
    if !missing.is_empty() {
        return Err(ExportError::MissingGlyphs(missing.into_iter().collect()));
    }

    let data = serde_json::json!({
        "table": t,
        "header": head,
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

/// Every piece of text of a table that the PDF prints.
fn text_of(t: &Table) -> impl Iterator<Item = &str> {
    [t.title.as_str(), t.intro.as_deref().unwrap_or_default()]
        .into_iter()
        .chain(t.targets.iter().flat_map(|target| {
            [target.content.as_str()]
                .into_iter()
                .chain(target.entries.iter().flat_map(|e| {
                    e.leaders
                        .iter()
                        .map(|l| l.as_str())
                        .chain(e.units.iter().map(|u| u.as_str()))
                        .chain([e.progress.as_str()])
                }))
        }))
}
