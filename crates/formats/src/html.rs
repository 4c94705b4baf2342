//! A web page saved from a government site: its top-level `<table>`s as [`Grid`]s, each with the
//! page's heading (its `<h1>`…`<h3>`, else its `<title>`) as the first row, for [`crate::grid`]
//! to read like a sheet.
//!
//! The page is parsed by html5ever (through scraper) as a browser parses it, so the tags offices'
//! content systems leave open (`<td>` without `</td>`, `<tr>` without `</tr>`) close where a
//! browser closes them. Cells spanning rows and columns (`rowspan`, `colspan`) are placed by the
//! HTML table algorithm and become merged regions, as an XLSX's are.
//!
//! Only text is kept: what `<script>`, `<style>`, `<template>` and `<noscript>` hold is never a
//! cell's text, attributes (a `javascript:` link, an `onclick`) are never read, and `<br>` and
//! block elements end lines. Spans are bounded as browsers bound them, and the cells' memory is
//! counted as an XLSX sheet's is.

use crate::grid::{Grid, ROW_COST, cell_cost};
use crate::sheet::MAX_COLUMNS;
use crate::{ImportError, Limits};
use scraper::{ElementRef, Html, Node};

/// The most rows one cell may span: enough for any progress table (a merged 领导 column spans a
/// few dozen), and far below the HTML standard's 65,534, which a hostile page would use to make
/// each of a million cells count.
const MAX_ROWSPAN: usize = 1_000;

/// Every top-level table of the page (none inside another), in order, each with the page's
/// heading above it.
pub(crate) fn grids(text: &str, limits: &Limits) -> Result<Vec<Grid>, ImportError> {
    let page = Html::parse_document(text);
    let heading = page
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| matches!(e.value().name(), "h1" | "h2" | "h3") && !inside(e, "table"))
        .or_else(|| {
            page.root_element()
                .descendants()
                .filter_map(ElementRef::wrap)
                .find(|e| e.value().name() == "title")
        })
        .map(|e| cell_text(&e))
        .filter(|t| !t.is_empty());
    let mut grids = Vec::new();
    for table in page
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "table" && !inside(e, "table"))
    {
        grids.push(grid_of(&table, heading.clone(), grids.len() + 1, limits)?);
    }
    Ok(grids)
}

/// Whether an ancestor of `e` is a `name` element.
fn inside(e: &ElementRef<'_>, name: &str) -> bool {
    e.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == name)
}

/// The rows of `table` itself (directly, or in its `thead`, `tbody`, `tfoot`), not of a table
/// inside one of its cells.
fn rows<'a>(table: &ElementRef<'a>) -> Vec<ElementRef<'a>> {
    let mut out = Vec::new();
    for child in table.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "tr" => out.push(child),
            "thead" | "tbody" | "tfoot" => out.extend(
                child
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|r| r.value().name() == "tr"),
            ),
            _ => {}
        }
    }
    out
}

fn span(cell: &ElementRef<'_>, attr: &str, max: usize) -> usize {
    cell.value()
        .attr(attr)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, max)
}

fn grid_of(
    table: &ElementRef<'_>,
    heading: Option<String>,
    number: usize,
    limits: &Limits,
) -> Result<Grid, ImportError> {
    let mut g = Grid::for_table(number, heading.into_iter().collect(), limits)?;
    let first = g.rows.len();
    // Columns still taken by a cell above, per column: how many more rows.
    let mut taken: Vec<usize> = Vec::new();
    for (r, tr) in rows(table).into_iter().enumerate() {
        let at = first + r;
        let mut row: Vec<String> = Vec::new();
        g.hold(ROW_COST)?;
        let mut c = 0;
        for cell in tr
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|e| matches!(e.value().name(), "td" | "th"))
        {
            while taken.get(c).is_some_and(|n| *n > 0) {
                c += 1;
            }
            if c >= MAX_COLUMNS {
                break;
            }
            let cols = span(&cell, "colspan", MAX_COLUMNS - c);
            let rows = span(&cell, "rowspan", MAX_ROWSPAN);
            let text = cell_text(&cell);
            if row.len() < c + cols {
                row.resize(c + cols, String::new());
            }
            g.hold(cell_cost(text.len()) + cell_cost(0) * (cols as u64 - 1))?;
            row[c] = text;
            if taken.len() < c + cols {
                taken.resize(c + cols, 0);
            }
            for t in &mut taken[c..c + cols] {
                // This row counts as one of the rows spanned.
                *t = rows;
            }
            if rows > 1 || cols > 1 {
                g.merges.push((at, c, at + rows - 1, c + cols - 1));
            }
            c += cols;
        }
        for t in &mut taken {
            *t = t.saturating_sub(1);
        }
        g.rows.insert(at, row);
    }
    Ok(g)
}

/// A cell's text as a browser shows it: white space collapsed, a line ended by `<br>` and by
/// each block (`<p>`, `<div>`, `<li>` …), nothing of scripts, styles or templates.
fn cell_text(cell: &ElementRef<'_>) -> String {
    let mut out = String::new();
    walk(cell, &mut out);
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn walk(e: &ElementRef<'_>, out: &mut String) {
    for child in e.children() {
        match child.value() {
            Node::Text(t) => out.push_str(&t.replace('\n', " ")),
            Node::Element(el) => {
                let name = el.name();
                if matches!(name, "script" | "style" | "template" | "noscript" | "table") {
                    // A nested table's cells are not this cell's text either: a progress table
                    // does not nest one.
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                let block = matches!(
                    name,
                    "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                );
                if block {
                    out.push('\n');
                }
                if let Some(inner) = ElementRef::wrap(child) {
                    walk(&inner, out);
                }
                if block {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}
