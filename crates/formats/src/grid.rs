//! A table as rows of cells — what a CSV, a TSV or an XLSX sheet holds once decoded — read into a
//! [`Table`]. The CSV and XLSX importers only turn their bytes into a [`Grid`]; every rule about
//! headers, titles, merged cells and continuation rows lives here, once.
//!
//! The header is the first of the first [`HEADER_SEARCH_ROWS`] rows whose cells name every
//! [`REQUIRED`] role; the non-empty rows above it are the title and the intro. Below it, a row
//! whose 序号 is empty continues the target above it (the CSV form of a merged cell, and what a
//! merged cell looks like once unmerged), and so does a row that repeats the number of the
//! target just above it, which is how our own CSV export writes a target with several entries.

use crate::columns::{self, REQUIRED, Role};
use crate::meta::{self, Overrides};
use crate::{ImportError, ImportErrorKind as K};
use duban_core::{Deadline, Leader, Table, TableEntry, TableTarget, TargetNo, Unit};
use std::collections::BTreeMap;

/// How far down a header may sit (under a title, an intro, a blank row or two).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Decoded cells. Rows are keyed by their 0-based index in the source, so messages can give the
/// 1-based number a spreadsheet shows; rows with nothing in them may be missing.
#[derive(Debug, Default)]
pub(crate) struct Grid {
    /// The sheet's name, for XLSX.
    pub sheet: Option<String>,
    pub rows: BTreeMap<usize, Vec<String>>,
    /// Merged regions as (first row, first column, last row, last column), 0-based, inclusive.
    pub merges: Vec<(usize, usize, usize, usize)>,
    /// Roughly how many bytes the rows take in memory ([`cell_cost`]), and how many they may take
    /// (`None`: unbounded, for CSV, whose cells are no larger than its bounded file). Filling
    /// merged cells counts too: a merge repeats its text on every row it spans, so a sheet of a
    /// few megabytes could otherwise make gigabytes of copies.
    pub held: u64,
    pub max_held: Option<u64>,
}

/// What a cell of `len` bytes costs in memory, roughly: its place in a row and, unless empty, its
/// text's allocation (which the allocator rounds up, to 32 bytes at least).
pub(crate) fn cell_cost(len: usize) -> u64 {
    let text = if len == 0 {
        0
    } else {
        (len + 16).next_multiple_of(16)
    };
    (std::mem::size_of::<String>() + text) as u64
}

/// What a row costs before its cells: its `Vec` and its place in the map, roughly.
pub(crate) const ROW_COST: u64 = 64;

impl Grid {
    /// The grid of a document's `number`th table (a Word document's, a web page's), named as a
    /// sheet is so errors can say which table, bounded like a sheet, with `above` (its title and
    /// intro) as its first rows.
    pub(crate) fn for_table(
        number: usize,
        above: Vec<String>,
        limits: &crate::Limits,
    ) -> Result<Grid, ImportError> {
        let mut g = Grid {
            sheet: Some(format!("表格{number} / table {number}")),
            max_held: Some(limits.max_xlsx_part),
            ..Grid::default()
        };
        for (i, line) in above.into_iter().enumerate() {
            g.hold(ROW_COST + cell_cost(line.len()))?;
            g.rows.insert(i, vec![line]);
        }
        Ok(g)
    }

    /// Counts `cost` more bytes, refusing the sheet past its bound.
    pub(crate) fn hold(&mut self, cost: u64) -> Result<(), ImportError> {
        self.held += cost;
        match self.max_held {
            Some(limit) if self.held > limit => Err(ImportError {
                at: crate::Location {
                    sheet: self.sheet.clone(),
                    ..Default::default()
                },
                kind: K::SheetTooLarge {
                    size: self.held,
                    limit,
                },
            }),
            _ => Ok(()),
        }
    }
}

/// How one column of the input was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// 0-based.
    pub index: usize,
    /// The spreadsheet letter: A, B, … AA.
    pub letter: String,
    /// The header cell as the file writes it.
    pub header: String,
    /// `None`: not recognised, so ignored.
    pub role: Option<Role>,
    /// Why a recognised column is nevertheless ignored (a second column for the same role).
    pub note: Option<String>,
}

/// The spreadsheet letter of a 0-based column index.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// What a grid reads into.
#[derive(Debug)]
pub(crate) struct Read {
    pub table: Table,
    pub mapping: Vec<ColumnMapping>,
    pub warnings: Vec<String>,
}

struct Header {
    row: usize,
    cols: Vec<Option<Role>>,
    names: Vec<String>,
    period_word: Option<String>,
}

impl Header {
    fn col(&self, role: Role) -> Option<usize> {
        self.cols.iter().position(|r| *r == Some(role))
    }

    fn name(&self, role: Role) -> String {
        self.col(role)
            .map_or_else(|| role.official().to_owned(), |i| self.names[i].clone())
    }
}

/// Finds the header among the first rows, or `None`; `by_hand` are the columns the caller
/// mapped ([`crate::meta::Overrides::columns`]).
fn find_header(grid: &Grid, by_hand: &[(String, Option<Role>)]) -> Option<Header> {
    grid.rows
        .iter()
        .take_while(|(r, _)| **r < HEADER_SEARCH_ROWS)
        .find_map(|(r, cells)| {
            let found: Vec<Option<(Role, Option<String>)>> = cells
                .iter()
                .map(|c| Role::of_header_with(c, by_hand))
                .collect();
            if REQUIRED
                .iter()
                .any(|want| !found.iter().flatten().any(|(role, _)| role == want))
            {
                return None;
            }
            // The first column for a role counts; a later one for the same role is ignored.
            let mut cols = Vec::new();
            let mut period_word = None;
            for f in &found {
                match f {
                    Some((role, word)) if !cols.contains(&Some(*role)) => {
                        if *role == Role::Progress {
                            period_word.clone_from(word);
                        }
                        cols.push(Some(*role));
                    }
                    _ => cols.push(None),
                }
            }
            Some(Header {
                row: *r,
                cols,
                names: cells.iter().map(|c| c.trim().to_owned()).collect(),
                period_word,
            })
        })
}

/// Whether the grid has a header row at all (to choose among sheets).
pub(crate) fn has_header(grid: &Grid, by_hand: &[(String, Option<Role>)]) -> bool {
    find_header(grid, by_hand).is_some()
}

/// The row most like a header among the first rows: the one with the most non-empty cells
/// (at least three), for the import page to offer its columns for mapping by hand when no row
/// reads as a header.
pub(crate) fn likely_header(grid: &Grid) -> Option<Vec<String>> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let rows: Vec<&Vec<String>> = grid
        .rows
        .iter()
        .take_while(|(r, _)| **r < HEADER_SEARCH_ROWS)
        .map(|(_, cells)| cells)
        .filter(|cells| filled(cells) >= 3)
        .collect();
    // `max_by_key` keeps the last of equals; walking backwards makes that the first row.
    rows.into_iter()
        .rev()
        .max_by_key(|cells| filled(cells))
        .map(|cells| cells.iter().map(|c| c.trim().to_owned()).collect())
}

/// Reads a grid into a table: either all of it or the first problem found.
pub(crate) fn read(
    mut grid: Grid,
    overrides: &Overrides,
    max_cell_chars: usize,
) -> Result<Read, ImportError> {
    let sheet = grid.sheet.clone();
    let err = |row: usize, column: Option<String>, kind: K| {
        ImportError::at_cell(sheet.as_deref(), row + 1, column.as_deref(), kind)
    };
    let h = find_header(&grid, &overrides.columns).ok_or_else(|| ImportError {
        at: crate::Location {
            sheet: sheet.clone(),
            ..Default::default()
        },
        kind: K::NoHeader,
    })?;

    // Check every cell's length before anything else, so a hostile file is refused as such.
    for (r, cells) in &grid.rows {
        for (c, cell) in cells.iter().enumerate() {
            let chars = cell.chars().count();
            if chars > max_cell_chars {
                return Err(err(
                    *r,
                    Some(h.names.get(c).cloned().unwrap_or_else(|| column_letter(c))),
                    K::CellTooLong {
                        chars,
                        limit: max_cell_chars,
                    },
                ));
            }
        }
    }

    let warnings = Vec::new();
    // Every column with a header that duban has no role for is kept as it is, under its header
    // (made unique with its letter when two columns share one), in the table's order.
    let mut extra_cols: Vec<(usize, String)> = Vec::new();
    let mapping: Vec<ColumnMapping> = h
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let recognised = Role::of_header(name).map(|(r, _)| r);
            let role = h.cols[i];
            let note = match (recognised, role) {
                (Some(r), None) => Some(format!(
                    "a second {} column; kept as a column of its own",
                    r.official()
                )),
                _ => None,
            };
            if role.is_none() && !name.is_empty() {
                let taken = extra_cols.iter().any(|(_, n)| n == name)
                    || h.names
                        .iter()
                        .zip(&h.cols)
                        .any(|(n, r)| n == name && r.is_some());
                let key = if taken {
                    format!("{name}（{}列）", column_letter(i))
                } else {
                    name.clone()
                };
                extra_cols.push((i, key));
            }
            ColumnMapping {
                index: i,
                letter: column_letter(i),
                header: name.clone(),
                role,
                note,
            }
        })
        .filter(|m| !m.header.is_empty() || m.role.is_some())
        .collect();

    // A merged leader, progress, answer or unit cell belongs to every row it spans; merged 序号,
    // target text and deadline cells stay empty below their first row, which is what makes those
    // rows continuations of one target.
    let entry_cols: Vec<usize> = Role::ALL
        .iter()
        .filter(|r| r.is_entrys())
        .filter_map(|r| h.col(*r))
        .chain(extra_cols.iter().map(|(i, _)| *i))
        .collect();
    for (r0, c0, r1, c1) in std::mem::take(&mut grid.merges) {
        if r0 <= h.row || r1 == r0 {
            continue;
        }
        for c in (c0..=c1).filter(|c| entry_cols.contains(c)) {
            let Some(value) = grid.rows.get(&r0).and_then(|row| row.get(c)).cloned() else {
                continue;
            };
            for r in r0 + 1..=r1 {
                // Only rows that exist: a merge cannot conjure rows a hostile file did not write.
                let Some(row) = grid.rows.get_mut(&r) else {
                    continue;
                };
                let grown = (c + 1).saturating_sub(row.len());
                if grown > 0 {
                    row.resize(c + 1, String::new());
                }
                row[c].clone_from(&value);
                grid.hold(cell_cost(value.len()) + cell_cost(0) * grown as u64)?;
            }
        }
    }

    let preamble: Vec<String> = grid
        .rows
        .range(..h.row)
        .map(|(_, cells)| {
            let parts: Vec<&str> = cells
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect();
            parts.join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect();
    let title_at = preamble
        .iter()
        .position(|l| l.contains("一览表"))
        .unwrap_or(0);
    let title = preamble.get(title_at).cloned().unwrap_or_default();
    let intro: String = preamble
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != title_at)
        .map(|(_, l)| l.as_str())
        .collect();
    let meta =
        meta::read(&title, &intro, h.period_word.as_deref(), overrides).map_err(|mut e| {
            if matches!(e.kind, K::BadPeriod(_)) && overrides.period.is_none() {
                e.at.sheet.clone_from(&sheet);
                e.at.row = Some(h.row + 1);
                e.at.column = Some(h.name(Role::Progress));
            }
            e
        })?;

    let get = |cells: &[String], role: Role| -> String {
        h.col(role)
            .and_then(|i| cells.get(i))
            .map_or_else(String::new, |c| c.trim().to_owned())
    };
    // A text column the table has gives `Some` of its non-empty cells.
    let said = |cells: &[String], role: Role| -> Option<String> {
        h.col(role)
            .map(|_| get(cells, role))
            .filter(|t| !t.is_empty())
    };
    let percent = h
        .col(Role::Progress)
        .is_some_and(|i| columns::is_percent_header(&h.names[i]));
    let mut targets: Vec<(TableTarget, usize)> = Vec::new();
    let mut first_row: BTreeMap<TargetNo, usize> = BTreeMap::new();
    // The group headings in force, innermost last, each with its rank (see [`heading_rank`]).
    let mut groups: Vec<(u8, String)> = Vec::new();
    for (&r, cells) in grid.rows.range(h.row + 1..) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let names: Vec<String> = cells.iter().map(|c| c.trim().to_owned()).collect();
        if names == h.names {
            continue; // the header repeated, as on every printed page
        }
        let at = |role: Role, kind: K| err(r, Some(h.name(role)), kind);
        let no_cell = get(cells, Role::No);
        if let Some(heading) = group_heading(&h, cells, &no_cell) {
            let rank = heading_rank(&heading);
            groups.retain(|(outer, _)| *outer < rank);
            groups.push((rank, heading));
            continue;
        }
        let content = get(cells, Role::Content);
        let deadline_cell = get(cells, Role::Deadline);
        let deadline = if deadline_cell.is_empty() {
            None
        } else {
            Some(
                Deadline::parse(&deadline_cell, meta.year)
                    .map_err(|e| at(Role::Deadline, K::BadDeadline(e.to_string())))?,
            )
        };
        let entry = || -> Result<TableEntry, ImportError> {
            let on_schedule = match h.col(Role::OnSchedule) {
                None => None,
                Some(_) => Some(match get(cells, Role::OnSchedule).as_str() {
                    "是" => Some(true),
                    "否" => Some(false),
                    "" => None,
                    other => return Err(at(Role::OnSchedule, K::BadOnSchedule(other.into()))),
                }),
            };
            let units = Unit::split_cell(&get(cells, Role::Units));
            if units.is_empty() {
                return Err(at(
                    Role::Units,
                    K::Invalid("no responsible unit (责任单位)".into()),
                ));
            }
            let progress = get(cells, Role::Progress);
            Ok(TableEntry {
                leaders: h
                    .col(Role::Leaders)
                    .map(|_| Leader::split_cell(&get(cells, Role::Leaders))),
                units,
                assisting_units: Unit::split_cell(&get(cells, Role::AssistingUnits)),
                progress_percent: percent
                    .then(|| duban_core::table::leading_percent(&progress))
                    .flatten(),
                progress,
                on_schedule,
                problems: said(cells, Role::Problems),
                next_steps: said(cells, Role::NextSteps),
                remarks: said(cells, Role::Remarks),
                extra: extra_cols
                    .iter()
                    .filter_map(|(i, key)| {
                        let text = cells.get(*i).map_or("", |c| c.trim());
                        (!text.is_empty()).then(|| (key.clone(), text.to_owned()))
                    })
                    .collect(),
                extension: None,
                timeliness: None,
            })
        };
        let no = if no_cell.is_empty() {
            None
        } else {
            Some(
                TargetNo::parse(&no_cell)
                    .map_err(|e| at(Role::No, K::NotANumber(e.to_string())))?,
            )
        };
        let continues = match (no, targets.last()) {
            (None, None) => return Err(at(Role::No, K::OrphanContinuation)),
            (None, Some(_)) => true,
            (Some(n), Some((last, _))) => n == last.no,
            (Some(_), None) => false,
        };
        if continues {
            let Some((target, _)) = targets.last_mut() else {
                return Err(at(Role::No, K::OrphanContinuation));
            };
            if !content.is_empty() && content != target.content {
                return Err(at(Role::Content, K::ContinuationWithContent(content)));
            }
            if let Some(d) = deadline
                && d != target.deadline
            {
                return Err(at(
                    Role::Deadline,
                    K::ContinuationDeadline {
                        no: target.no.get(),
                        target: target.deadline.to_string(),
                        row: d.to_string(),
                    },
                ));
            }
            target.entries.push(entry()?);
            continue;
        }
        let no = no.ok_or_else(|| at(Role::No, K::OrphanContinuation))?;
        if let Some(first) = first_row.get(&no) {
            let first = crate::Location {
                sheet: sheet.clone(),
                row: Some(first + 1),
                ..Default::default()
            };
            return Err(at(
                Role::No,
                K::DuplicateTarget {
                    no: no.get(),
                    first: first.to_string(),
                },
            ));
        }
        first_row.insert(no, r);
        targets.push((
            TableTarget {
                no,
                group: groups.iter().map(|(_, g)| g.clone()).collect(),
                content,
                deadline: deadline.unwrap_or_default(),
                entries: vec![entry()?],
            },
            r,
        ));
    }
    if targets.is_empty() {
        return Err(err(h.row, None, K::NoTargets));
    }
    targets.sort_by_key(|(t, r)| (t.no, *r));
    let table = Table {
        government: meta.government,
        title,
        year: meta.year,
        period: meta.period,
        declared_total: meta.declared_total,
        intro: (!intro.is_empty()).then_some(intro),
        targets: targets.into_iter().map(|(t, _)| t).collect(),
    };
    table
        .validate()
        .map_err(|e| ImportError::new(K::Invalid(e.to_string())))?;
    Ok(Read {
        table,
        mapping,
        warnings,
    })
}

/// A row that heads a group of targets (一、民生实事 / (一)教育): no unit, no target number,
/// and one text, in the 序号 or target column (a heading merged across the row keeps its text
/// in the first cell). Its text, or `None` for any other row.
fn group_heading(h: &Header, cells: &[String], no_cell: &str) -> Option<String> {
    let units = h.col(Role::Units).and_then(|i| cells.get(i));
    if units.is_some_and(|u| !u.trim().is_empty()) || TargetNo::parse(no_cell).is_ok() {
        return None;
    }
    let mut texts = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty());
    let (col, text) = texts.next()?;
    let text = text.trim();
    let placed = [Role::No, Role::Content]
        .iter()
        .any(|r| h.col(*r) == Some(col));
    (placed && texts.all(|(_, c)| c.trim() == text)).then(|| text.to_owned())
}

/// How deep a heading sits, by the numbering 公文 use (GB/T 9704): 一、 0, （一） 1, 1. 2, （1） 3.
/// A heading numbered some other way is outermost.
pub(crate) fn heading_rank(text: &str) -> u8 {
    const HAN: &str = "一二三四五六七八九十百零";
    let t = text.trim_start();
    let bracketed = t.strip_prefix(['(', '（']);
    let body = bracketed.unwrap_or(t);
    let han = body.chars().take_while(|c| HAN.contains(*c)).count();
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    match (bracketed.is_some(), han > 0, digits > 0) {
        (false, true, _) => 0,
        (true, true, _) => 1,
        (false, false, true) => 2,
        (true, false, true) => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ranks() {
        assert_eq!(heading_rank("一、民生实事"), 0);
        assert_eq!(heading_rank("（一）教育"), 1);
        assert_eq!(heading_rank("(二)医疗"), 1);
        assert_eq!(heading_rank("1.学前教育"), 2);
        assert_eq!(heading_rank("（1）幼儿园"), 3);
        assert_eq!(heading_rank("民生实事"), 0);
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
