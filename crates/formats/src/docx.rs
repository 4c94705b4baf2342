//! Word (.docx) import: the tables of `word/document.xml` as [`Grid`]s, one per top-level table,
//! each with the paragraphs just above it (the title, the intro) as its first rows, for
//! [`crate::grid`] to read like a sheet.
//!
//! Word writes a merged cell as a cell that spans grid columns (`w:gridSpan`) and as a column of
//! cells the first of which starts a vertical merge (`w:vMerge w:val="restart"`) and the rest
//! continue it (`w:vMerge`); both become merged regions, as an XLSX's are.
//!
//! A .docx is a zip file: the archive passes the same bounds as an XLSX first
//! ([`crate::sheet::check_archive`]). The XML may not declare a DTD: entity definitions are how
//! a few hundred bytes expand to gigabytes (billion laughs), and Word never writes one.

use crate::grid::{Grid, ROW_COST, cell_cost};
use crate::sheet::{MAX_COLUMNS, check_archive};
use crate::{ImportError, ImportErrorKind as K, Limits};
use quick_xml::events::{BytesStart, Event};
use std::io::{Cursor, Read};

/// Paragraphs above a table taken as its title and intro: a header must sit within the first
/// rows ([`crate::HEADER_SEARCH_ROWS`]), and a title, an intro and a date line are all a table
/// has above it.
const ABOVE: usize = 3;

fn bad(message: impl Into<String>) -> ImportError {
    ImportError::new(K::BadDocx(message.into()))
}

/// Every top-level table of the document, in order, with the paragraphs above it.
pub(crate) fn grids(bytes: &[u8], limits: &Limits) -> Result<Vec<Grid>, ImportError> {
    check_archive(bytes, limits).map_err(|e| match e.kind {
        // The same archive checks as an XLSX's, named for what this file is.
        K::BadXlsx(m) => bad(m),
        _ => e,
    })?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("the archive is damaged ({e})")))?;
    let mut part = zip
        .by_name("word/document.xml")
        .map_err(|_| bad("it has no word/document.xml: is it a Word document?"))?;
    let mut xml = String::new();
    // check_archive has bounded what the part unpacks to.
    part.read_to_string(&mut xml)
        .map_err(|e| bad(format!("word/document.xml is not UTF-8 text ({e})")))?;
    read(&xml, limits)
}

/// One cell being read: its text so far, how many grid columns it spans, its vertical merge.
#[derive(Default)]
struct Cell {
    text: String,
    span: usize,
    merge: Option<VMerge>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VMerge {
    Restart,
    Continue,
}

/// One table being read.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<Cell>>,
    /// Grid columns skipped at the start of each row (`w:gridBefore`).
    before: Vec<usize>,
}

fn val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"val")
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn read(xml: &str, limits: &Limits) -> Result<Vec<Grid>, ImportError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut grids = Vec::new();
    // Paragraphs outside tables since the last table, newest last.
    let mut paragraphs: Vec<String> = Vec::new();
    let mut paragraph = String::new();
    // Tables being read: the outermost first; a nested table's text goes to its cell.
    let mut tables: Vec<Table> = Vec::new();
    let mut in_text = false;
    let push = |tables: &mut [Table], paragraph: &mut String, s: &str| match tables
        .first_mut()
        .and_then(|t| t.rows.last_mut())
        .and_then(|r| r.last_mut())
    {
        Some(cell) => cell.text.push_str(s),
        None => paragraph.push_str(s),
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("word/document.xml is not well-formed XML ({e})")))?;
        match event {
            Event::DocType(_) => {
                return Err(bad(
                    "word/document.xml declares a DTD (<!DOCTYPE>); refusing it, since its entities could expand without bound",
                ));
            }
            Event::Start(e) => match e.local_name().as_ref() {
                b"tbl" => tables.push(Table::default()),
                b"tr" if tables.len() == 1 => {
                    let t = &mut tables[0];
                    t.rows.push(Vec::new());
                    t.before.push(0);
                }
                b"tc" if tables.len() == 1 => {
                    if let Some(row) = tables[0].rows.last_mut() {
                        row.push(Cell {
                            span: 1,
                            ..Cell::default()
                        });
                    }
                }
                b"t" => in_text = true,
                // Word writes properties as empty elements; accept them written out too.
                _ => property(&e, &mut tables, &mut paragraph, &push),
            },
            Event::Empty(e) => property(&e, &mut tables, &mut paragraph, &push),
            Event::Text(t) if in_text => {
                let s = t.decode().map_err(|e| {
                    bad(format!(
                        "word/document.xml holds text that is not UTF-8 ({e})"
                    ))
                })?;
                push(&mut tables, &mut paragraph, &s);
            }
            Event::GeneralRef(r) if in_text => {
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                bad(format!(
                                    "word/document.xml uses an undefined entity &{name};"
                                ))
                            })?
                            .to_owned()
                    }
                };
                push(&mut tables, &mut paragraph, &s);
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    if let Some(cell) = tables
                        .first_mut()
                        .and_then(|t| t.rows.last_mut())
                        .and_then(|r| r.last_mut())
                    {
                        // Paragraphs of a cell are its lines.
                        cell.text.push('\n');
                    } else {
                        let p = std::mem::take(&mut paragraph);
                        if !p.trim().is_empty() {
                            paragraphs.push(p.trim().to_owned());
                        }
                    }
                }
                b"tbl" => {
                    let t = tables.pop().unwrap_or_default();
                    if tables.is_empty() {
                        let above: Vec<String> = paragraphs
                            .drain(..)
                            .rev()
                            .take(ABOVE)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        grids.push(grid_of(t, above, grids.len() + 1, limits)?);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(grids)
}

/// A cell's or a run's property: a span, a vertical merge, skipped columns, a tab or a break.
fn property(
    e: &BytesStart<'_>,
    tables: &mut [Table],
    paragraph: &mut String,
    push: &dyn Fn(&mut [Table], &mut String, &str),
) {
    match e.local_name().as_ref() {
        b"gridSpan" if tables.len() == 1 => {
            let span = val(e).and_then(|v| v.parse().ok()).unwrap_or(1usize);
            if let Some(cell) = tables[0].rows.last_mut().and_then(|r| r.last_mut()) {
                cell.span = span.clamp(1, MAX_COLUMNS);
            }
        }
        b"vMerge" if tables.len() == 1 => {
            let merge = match val(e).as_deref() {
                Some("restart") => VMerge::Restart,
                _ => VMerge::Continue,
            };
            if let Some(cell) = tables[0].rows.last_mut().and_then(|r| r.last_mut()) {
                cell.merge = Some(merge);
            }
        }
        b"gridBefore" if tables.len() == 1 => {
            let n = val(e).and_then(|v| v.parse().ok()).unwrap_or(0usize);
            if let Some(b) = tables[0].before.last_mut() {
                *b = n.min(MAX_COLUMNS);
            }
        }
        // A tab in a run; a tab stop in a paragraph's properties has a `w:val`.
        b"tab" if val(e).is_none() => push(tables, paragraph, " "),
        b"br" | b"cr" => push(tables, paragraph, "\n"),
        _ => {}
    }
}

/// A table as a grid: the paragraphs above it, then its rows, with its merged cells as regions.
fn grid_of(
    t: Table,
    above: Vec<String>,
    number: usize,
    limits: &Limits,
) -> Result<Grid, ImportError> {
    let mut g = Grid::for_table(number, above, limits)?;
    let first = g.rows.len();
    // Open vertical merges by grid column: the row they started on.
    let mut open: Vec<Option<(usize, usize)>> = Vec::new();
    for (r, (cells, before)) in t.rows.into_iter().zip(t.before).enumerate() {
        let row_at = first + r;
        let mut row: Vec<String> = vec![String::new(); before];
        g.hold(ROW_COST)?;
        let mut continued = vec![false; open.len()];
        for cell in cells {
            let c = row.len();
            if c >= MAX_COLUMNS {
                break;
            }
            let span = cell.span.min(MAX_COLUMNS - c);
            // crate::grid refuses a cell past the length limit, naming it.
            let text = cell.text.trim().to_owned();
            if open.len() < c + span {
                open.resize(c + span, None);
                continued.resize(c + span, false);
            }
            match cell.merge {
                Some(VMerge::Continue) if open[c].is_some() => {
                    continued[c] = true;
                    row.extend(std::iter::repeat_n(String::new(), span));
                    g.hold(cell_cost(0) * span as u64)?;
                    continue;
                }
                _ => {}
            }
            // A cell that is not a continuation closes what was open in its columns.
            for x in c..c + span {
                close(&mut g, &mut open, x, row_at);
            }
            if cell.merge == Some(VMerge::Restart) {
                open[c] = Some((row_at, span));
                continued[c] = true;
            } else if span > 1 {
                g.merges.push((row_at, c, row_at, c + span - 1));
            }
            g.hold(cell_cost(text.len()) + cell_cost(0) * (span as u64 - 1))?;
            row.push(text);
            row.extend(std::iter::repeat_n(String::new(), span - 1));
        }
        // Merges whose column this row did not continue end above it.
        for x in 0..open.len() {
            if !continued.get(x).copied().unwrap_or(false) {
                close(&mut g, &mut open, x, row_at);
            }
        }
        g.rows.insert(row_at, row);
    }
    let end = g.rows.keys().next_back().map_or(0, |r| r + 1);
    for x in 0..open.len() {
        close(&mut g, &mut open, x, end);
    }
    Ok(g)
}

/// Ends the vertical merge open in column `x`, if any, on the row above `row`.
fn close(g: &mut Grid, open: &mut [Option<(usize, usize)>], x: usize, row: usize) {
    if let Some((start, span)) = open.get_mut(x).and_then(Option::take)
        && (row > start + 1 || span > 1)
    {
        g.merges.push((start, x, row - 1, x + span - 1));
    }
}
