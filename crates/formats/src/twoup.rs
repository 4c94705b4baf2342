//! The text a PDF of the 一览表 yields: tab-separated cells, with one or two tables printed side
//! by side on each line (“two-up”), as in `fixtures/heze-2023-q3.txt`.
//!
//! The layout is found from the header row: its column count and how often 序号 repeats in it
//! say how many tables sit side by side and where each begins. Each side is then read on its
//! own, top to bottom, so a merged cell in the original (a continuation row with no 序号) adds
//! an entry to the previous target *of the same side*. Targets are finally put in number order,
//! since a page lists one column of targets and then the next.

use crate::columns::{REQUIRED, Role};
use crate::meta::{self, Overrides};
use crate::{ImportError, ImportErrorKind as K, Side};
use duban_core::{Deadline, Leader, Table, TableEntry, TableTarget, TargetNo, Unit};

/// Options for [`read`]: what the caller knows better than the file.
pub type ReadOptions = Overrides;

/// The header row as found: how many tables side by side, and each column's role.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    sides: usize,
    roles: Vec<Option<Role>>,
    /// The header text of each column, for messages.
    names: Vec<String>,
    /// The period word before 完成情况 in the progress column's header, if any.
    period_word: Option<String>,
}

impl Layout {
    fn width(&self) -> usize {
        self.roles.len()
    }

    fn col(&self, role: Role) -> Option<usize> {
        self.roles.iter().position(|r| *r == Some(role))
    }

    fn name(&self, role: Role) -> &str {
        self.col(role).map_or(role.official(), |i| &self.names[i])
    }
}

/// Splits a line into cells. Tabs separate cells; a trailing `\r` is dropped.
fn cells(line: &str) -> Vec<&str> {
    line.trim_end_matches('\r').split('\t').collect()
}

/// Recognises a header row and its layout, or `None` for any other line.
fn header(line: &str) -> Option<Layout> {
    let fields = cells(line);
    let roles: Vec<Option<(Role, Option<String>)>> =
        fields.iter().map(|f| Role::of_header(f)).collect();
    let starts: Vec<usize> = roles
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Some((Role::No, _))))
        .map(|(i, _)| i)
        .collect();
    let sides = starts.len();
    // Ignore trailing empty cells (a right side that an editor trimmed, or stray tabs).
    let used = fields.iter().rposition(|f| !f.trim().is_empty())? + 1;
    if sides == 0 || starts[0] != 0 || used % sides != 0 {
        return None;
    }
    let width = used / sides;
    if starts.iter().enumerate().any(|(k, s)| *s != k * width) {
        return None;
    }
    let first: Vec<Option<Role>> = roles[..width]
        .iter()
        .map(|r| r.as_ref().map(|r| r.0))
        .collect();
    for k in 1..sides {
        let other: Vec<Option<Role>> = roles[k * width..(k + 1) * width]
            .iter()
            .map(|r| r.as_ref().map(|r| r.0))
            .collect();
        if other != first {
            return None;
        }
    }
    if REQUIRED.iter().any(|r| !first.contains(&Some(*r))) {
        return None;
    }
    let period_word = roles[..width]
        .iter()
        .flatten()
        .find_map(|(role, word)| (*role == Role::Progress).then(|| word.clone()).flatten());
    Some(Layout {
        sides,
        roles: first,
        names: fields[..width]
            .iter()
            .map(|f| f.trim().to_owned())
            .collect(),
        period_word,
    })
}

/// A line with nothing but a page number ("3", "- 3 -", "第3页") between pages of a PDF.
fn is_page_number(line: &str) -> bool {
    let t: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '—' | '–' | '第' | '页'))
        .collect();
    !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit())
}

/// A target being read, with where it began (for duplicate-number messages).
struct Pending {
    target: TableTarget,
    line: usize,
    side: Option<Side>,
}

/// Reads a two-up (or one-up) text table. Either the whole table or the first problem found.
pub fn read(text: &str, opts: &ReadOptions) -> Result<Table, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let (h, layout) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| header(l).map(|lay| (i, lay)))
        .ok_or_else(|| ImportError::new(K::NoHeader))?;

    let preamble: Vec<&str> = lines[..h]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    // The title is the line that calls itself a table; the rest, joined without a separator
    // because the PDF wrapped one Chinese paragraph, is the intro.
    let title_at = preamble
        .iter()
        .position(|l| l.contains("一览表"))
        .unwrap_or(0);
    let title = preamble
        .get(title_at)
        .copied()
        .unwrap_or_default()
        .to_owned();
    let intro: String = preamble
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != title_at)
        .map(|(_, l)| *l)
        .collect();
    let meta =
        meta::read(&title, &intro, layout.period_word.as_deref(), opts).map_err(|mut e| {
            if matches!(e.kind, K::BadPeriod(_))
                && opts.period.is_none()
                && layout.period_word.is_some()
            {
                e.at.line = Some(h + 1);
                e.at.column = Some(layout.name(Role::Progress).to_owned());
            }
            e
        })?;

    let mut done: Vec<Pending> = Vec::new();
    // The last target read on each side, as an index into `done`.
    let mut last: Vec<Option<usize>> = vec![None; layout.sides];
    for (i, line) in lines.iter().enumerate().skip(h + 1) {
        let lineno = i + 1;
        if line.trim().is_empty() || is_page_number(line) {
            continue;
        }
        if let Some(again) = header(line)
            && again.roles == layout.roles
            && again.sides == layout.sides
        {
            continue; // the header repeated at the top of a new page
        }
        let fields = split_sides(&cells(line), &layout, lineno)?;
        for (k, side_cells) in fields.iter().enumerate() {
            if side_cells.iter().all(|c| c.trim().is_empty()) {
                continue; // an empty side: the other table ended first
            }
            let side = (layout.sides > 1).then(|| Side::from_index(k));
            let row = Row::new(side_cells, &layout, lineno, side);
            match row.number()? {
                Some(no) => {
                    let target = row.target(no, meta.year)?;
                    last[k] = Some(done.len());
                    done.push(Pending {
                        target,
                        line: lineno,
                        side,
                    });
                }
                None => {
                    let at = last[k].ok_or_else(|| row.err(None, K::OrphanContinuation))?;
                    let entry = row.continuation(&done[at].target, meta.year)?;
                    done[at].target.entries.push(entry);
                }
            }
        }
    }
    if done.is_empty() {
        return Err(ImportError::at(h + 1, None, None, K::NoTargets));
    }
    done.sort_by_key(|p| (p.target.no, p.line));
    for pair in done.windows(2) {
        if pair[0].target.no == pair[1].target.no {
            let first = crate::Location {
                line: Some(pair[0].line),
                side: pair[0].side,
                column: None,
                ..Default::default()
            };
            return Err(ImportError::at(
                pair[1].line,
                pair[1].side,
                Some(layout.name(Role::No)),
                K::DuplicateTarget {
                    no: pair[1].target.no.get(),
                    first: first.to_string(),
                },
            ));
        }
    }
    let table = Table {
        government: meta.government,
        title,
        year: meta.year,
        period: meta.period,
        declared_total: meta.declared_total,
        intro: (!intro.is_empty()).then_some(intro),
        targets: done.into_iter().map(|p| p.target).collect(),
    };
    table
        .validate()
        .map_err(|e| ImportError::new(K::Invalid(e.to_string())))?;
    Ok(table)
}

/// Cuts a line's cells into one slice per side, or says which side has too many or too few.
fn split_sides<'a>(
    fields: &[&'a str],
    layout: &Layout,
    lineno: usize,
) -> Result<Vec<Vec<&'a str>>, ImportError> {
    let width = layout.width();
    let expected = width * layout.sides;
    let mut fields = fields.to_vec();
    // Trailing empty cells beyond the layout are harmless; so is a right side an editor trimmed.
    while fields.len() > expected && fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop();
    }
    if fields.len() < expected && fields.len().is_multiple_of(width) {
        fields.resize(expected, "");
    }
    if fields.len() != expected {
        let detail = if layout.sides == 1 {
            String::new()
        } else {
            side_at_fault(&fields, width)
        };
        let side = match detail.as_str() {
            d if d.starts_with(" (left") => Some(Side::Left),
            d if d.starts_with(" (right") => Some(Side::Right),
            _ => None,
        };
        return Err(ImportError::at(
            lineno,
            side,
            None,
            K::FieldCount {
                found: fields.len(),
                expected,
                detail,
            },
        ));
    }
    Ok(fields.chunks(width).map(<[&str]>::to_vec).collect())
}

/// For a two-up line with the wrong number of cells, finds where the right table begins (the
/// first later cell holding a target number) and so which side is short or long.
fn side_at_fault(fields: &[&str], width: usize) -> String {
    let n = fields.len();
    let split = (1..n)
        .find(|&i| TargetNo::parse(fields[i]).is_ok() && n - i == width)
        .or_else(|| (1..n).find(|&i| i == width && TargetNo::parse(fields[i]).is_ok()));
    match split {
        Some(i) if i != width => format!(" (left table has {i} cells, expected {width})"),
        Some(i) => format!(" (right table has {} cells, expected {width})", n - i),
        None => format!(" ({width} per table)"),
    }
}

/// One side's cells on one line.
struct Row<'a> {
    cells: &'a [&'a str],
    layout: &'a Layout,
    line: usize,
    side: Option<Side>,
}

impl<'a> Row<'a> {
    fn new(cells: &'a [&'a str], layout: &'a Layout, line: usize, side: Option<Side>) -> Self {
        Row {
            cells,
            layout,
            line,
            side,
        }
    }

    fn get(&self, role: Role) -> &'a str {
        self.layout.col(role).map_or("", |i| self.cells[i].trim())
    }

    fn err(&self, role: Option<Role>, kind: K) -> ImportError {
        ImportError::at(
            self.line,
            self.side,
            role.map(|r| self.layout.name(r)),
            kind,
        )
    }

    /// `Some` for a numbered row, `None` for a continuation. A 序号 cell that holds a name
    /// while the leader and target cells are empty is a continuation whose leader slid left
    /// (as in the fixture); anything else that is not a number is an error.
    fn number(&self) -> Result<Option<TargetNo>, ImportError> {
        let cell = self.get(Role::No);
        if cell.is_empty() {
            return Ok(None);
        }
        match TargetNo::parse(cell) {
            Ok(no) => Ok(Some(no)),
            Err(e) => {
                if self.get(Role::Content).is_empty()
                    && self.get(Role::Leaders).is_empty()
                    && !cell.chars().any(|c| c.is_ascii_digit())
                {
                    Ok(None)
                } else {
                    Err(self.err(Some(Role::No), K::NotANumber(e.to_string())))
                }
            }
        }
    }

    fn deadline(&self, year: i16) -> Result<Option<Deadline>, ImportError> {
        let cell = self.get(Role::Deadline);
        if cell.is_empty() {
            return Ok(None);
        }
        Deadline::parse(cell, year)
            .map(Some)
            .map_err(|e| self.err(Some(Role::Deadline), K::BadDeadline(e.to_string())))
    }

    fn entry(&self, leaders: &str) -> Result<TableEntry, ImportError> {
        let on_schedule = match self.get(Role::OnSchedule) {
            "是" => Some(true),
            "否" => Some(false),
            "" => None,
            other => {
                return Err(self.err(Some(Role::OnSchedule), K::BadOnSchedule(other.to_owned())));
            }
        };
        let units = Unit::split_cell(self.get(Role::Units));
        if units.is_empty() {
            return Err(self.err(
                Some(Role::Units),
                K::Invalid("no responsible unit (责任单位)".into()),
            ));
        }
        // The two-up text is the 菏泽 layout: all seven columns, so leaders and answer are asked.
        Ok(TableEntry {
            leaders: Some(Leader::split_cell(leaders)),
            units,
            progress: self.get(Role::Progress).to_owned(),
            on_schedule: Some(on_schedule),
            ..TableEntry::default()
        })
    }

    fn target(&self, no: TargetNo, year: i16) -> Result<TableTarget, ImportError> {
        let deadline = self.deadline(year)?.ok_or_else(|| {
            self.err(
                Some(Role::Deadline),
                K::BadDeadline("the deadline is empty".into()),
            )
        })?;
        Ok(TableTarget {
            no,
            group: Vec::new(),
            content: self.get(Role::Content).to_owned(),
            deadline,
            entries: vec![self.entry(self.get(Role::Leaders))?],
        })
    }

    fn continuation(&self, of: &TableTarget, year: i16) -> Result<TableEntry, ImportError> {
        let content = self.get(Role::Content);
        if !content.is_empty() {
            return Err(self.err(
                Some(Role::Content),
                K::ContinuationWithContent(content.into()),
            ));
        }
        if let Some(d) = self.deadline(year)?
            && d != of.deadline
        {
            return Err(self.err(
                Some(Role::Deadline),
                K::ContinuationDeadline {
                    no: of.no.get(),
                    target: of.deadline.to_string(),
                    row: d.to_string(),
                },
            ));
        }
        let (in_no, in_leaders) = (self.get(Role::No), self.get(Role::Leaders));
        let leaders = match (in_no.is_empty(), in_leaders.is_empty()) {
            (_, true) => in_no,
            (true, false) => in_leaders,
            (false, false) => {
                return Err(self.err(
                    Some(Role::No),
                    K::AmbiguousLeader(in_no.into(), in_leaders.into()),
                ));
            }
        };
        self.entry(leaders)
    }
}
