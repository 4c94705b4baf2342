//! Writing a table for people and programs: CSV (UTF-8 with a BOM, one row per entry), XLSX in
//! the official layout, and PDF (see [`pdf`]). The JSON form is
//! [`Table::to_canonical_json`](duban_core::Table::to_canonical_json).
//!
//! CSV and XLSX are written so that [`crate::import`] reads them back into the same table: the
//! title and intro rows above the header carry the government, year and declared total; the
//! progress column's header carries the period (三季度完成情况). Cells that a spreadsheet would
//! run as formulas are neutralised ([`crate::neutralise`]).
//!
//! No text a table can hold makes an export fail: CSV and JSON write any string; the XLSX writer
//! gets a copy with what XML or Excel cannot hold replaced ([`xlsx_text`]); the PDF draws what it
//! cannot print as a code point ([`pdf`]).

#[cfg(feature = "pdf")]
pub mod pdf;

#[cfg(feature = "pdf")]
pub use pdf::{FrontChart, FrontPage, pdf, pdf_with_fonts, system_fonts};

use crate::columns::Role;
use crate::neutralise;
use duban_core::{Table, TableEntry, TableTarget};
use rust_xlsxwriter::{
    DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// What a publication adds to its files: when it was published and the hash that identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// As it should be printed, e.g. `2023-10-20` or `2023-10-20 09:30`.
    pub published_at: String,
    /// The publication's SHA-256, in hex.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the XLSX failed: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("typesetting the PDF failed: {0}")]
    Typst(String),
}

/// A column of an exported table: one duban has a role for, or one the table brought (`extra`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Role(Role),
    Extra(String),
}

impl Column {
    /// Whether the cell belongs to the target (written once, merged down its entries) rather
    /// than to each entry.
    pub fn is_targets(&self) -> bool {
        matches!(self, Column::Role(r) if !r.is_entrys())
    }

    /// Width in Excel's units (about one Latin character; a Chinese character takes two).
    fn width(&self) -> f64 {
        match self {
            Column::Role(Role::No) => 6.0,
            Column::Role(Role::Leaders | Role::OnSchedule) => 10.0,
            Column::Role(Role::Content) => 34.0,
            Column::Role(Role::Deadline) => 9.0,
            Column::Role(Role::Progress) => 64.0,
            Column::Role(Role::Units | Role::AssistingUnits) => 20.0,
            Column::Role(Role::Problems | Role::NextSteps) => 30.0,
            Column::Role(Role::Remarks) | Column::Extra(_) => 16.0,
        }
    }

    /// Whether the cells are short words, shown centred.
    fn is_centred(&self) -> bool {
        matches!(
            self,
            Column::Role(Role::No | Role::Deadline | Role::OnSchedule)
        )
    }
}

/// The columns a table is written with, so that importing the file gives the table back: the
/// seven of the 菏泽 table (less leaders, deadline and answer when no row has them), then
/// 配合单位, 存在问题, 下步打算 and 备注 when a row has them, then the table's own columns in the
/// order it first gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub columns: Vec<Column>,
    /// Whether the progress column gives 形象进度 (its header then says 当前进度).
    percent: bool,
}

impl Layout {
    pub fn of(t: &Table) -> Layout {
        let entries = || t.targets.iter().flat_map(|x| &x.entries);
        let has = |role: Role| match role {
            Role::Leaders => entries().any(|e| e.leaders.is_some()),
            Role::Deadline => t.targets.iter().any(|x| !x.deadline.is_unstated()),
            Role::OnSchedule => entries().any(TableEntry::is_asked),
            Role::AssistingUnits => entries().any(|e| !e.assisting_units.is_empty()),
            Role::Problems => entries().any(|e| e.problems.is_some()),
            Role::NextSteps => entries().any(|e| e.next_steps.is_some()),
            Role::Remarks => entries().any(|e| e.remarks.is_some()),
            Role::No | Role::Content | Role::Progress | Role::Units => true,
        };
        let mut columns: Vec<Column> = Role::ALL
            .into_iter()
            .filter(|r| has(*r))
            .map(Column::Role)
            .collect();
        columns.extend(
            extra_order(entries().map(|e| &e.extra))
                .into_iter()
                .map(Column::Extra),
        );
        Layout {
            columns,
            percent: entries().any(|e| e.progress_percent.is_some()),
        }
    }

    /// The header row: official words, the period in the progress column's (三季度完成情况).
    pub fn header(&self, t: &Table) -> Vec<String> {
        let progress = if self.percent {
            "当前进度"
        } else {
            "完成情况"
        };
        self.columns
            .iter()
            .map(|c| match c {
                Column::Role(Role::Progress) => format!("{}{progress}", t.period.progress_word()),
                Column::Role(r) => r.official().to_owned(),
                Column::Extra(h) => h.clone(),
            })
            .collect()
    }

    /// One entry's row; the target's cells are repeated on every entry.
    pub fn cells(&self, t: &TableTarget, e: &TableEntry) -> Vec<String> {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        self.columns
            .iter()
            .map(|c| match c {
                Column::Role(Role::No) => t.no.to_string(),
                Column::Role(Role::Leaders) => join(e.leaders()),
                Column::Role(Role::Content) => t.content.clone(),
                Column::Role(Role::Deadline) => t.deadline.to_string(),
                Column::Role(Role::Progress) => e.progress.clone(),
                Column::Role(Role::OnSchedule) => answer(e).to_owned(),
                Column::Role(Role::Units) => join(&e.units),
                Column::Role(Role::AssistingUnits) => join(&e.assisting_units),
                Column::Role(Role::Problems) => text(&e.problems),
                Column::Role(Role::NextSteps) => text(&e.next_steps),
                Column::Role(Role::Remarks) => text(&e.remarks),
                Column::Extra(h) => e.extra.get(h).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// Whether the table has a column for `role`.
    pub fn has(&self, role: Role) -> bool {
        self.columns.contains(&Column::Role(role))
    }

    /// Whether the progress column gives 形象进度.
    pub fn gives_percent(&self) -> bool {
        self.percent
    }

    fn widths(&self) -> Vec<f64> {
        self.columns.iter().map(Column::width).collect()
    }
}

/// The table's own columns in an order that keeps every entry's: an entry lists only the
/// columns it has a text in, so the order comes from all of them together — a topological sort
/// of "comes before" taken from neighbours in each entry, ties going to the column seen first.
/// Entries that disagree (possible in a JSON table) keep the first-seen order for the rest.
fn extra_order<'a>(entries: impl Iterator<Item = &'a duban_core::Extra>) -> Vec<String> {
    let mut keys: Vec<&str> = Vec::new();
    let mut before: Vec<(usize, usize)> = Vec::new();
    let index = |keys: &mut Vec<&'a str>, k: &'a str| {
        keys.iter().position(|x| *x == k).unwrap_or_else(|| {
            keys.push(k);
            keys.len() - 1
        })
    };
    for extra in entries {
        let ids: Vec<usize> = extra.keys().map(|k| index(&mut keys, k)).collect();
        before.extend(ids.windows(2).map(|w| (w[0], w[1])));
    }
    let mut placed = vec![false; keys.len()];
    let mut out = Vec::with_capacity(keys.len());
    while out.len() < keys.len() {
        let free = (0..keys.len())
            .find(|&k| !placed[k] && !before.iter().any(|&(a, b)| b == k && !placed[a]));
        // A cycle: the first unplaced column goes next.
        let next = free.or_else(|| (0..keys.len()).find(|&k| !placed[k]));
        let Some(k) = next else { break };
        placed[k] = true;
        out.push(keys[k].to_owned());
    }
    out
}

/// The group headings to write above a target, given the groups of the target before it: those
/// it opens. A target that leaves an inner group for its outer one repeats the outer heading,
/// which closes the inner group when the file is read back.
pub fn headings_before<'a>(before: &[String], group: &'a [String]) -> &'a [String] {
    let common = before.iter().zip(group).take_while(|(a, b)| a == b).count();
    if common == group.len() && before.len() > group.len() && common > 0 {
        &group[common - 1..]
    } else {
        &group[common..]
    }
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn answer(e: &TableEntry) -> &'static str {
    match e.answer() {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// CSV: UTF-8 with a BOM (without it Excel reads UTF-8 as the local code page and shows
/// mojibake), the title and intro each on a row of their own, the header, then one row per
/// entry with 序号, the target and its deadline repeated.
pub fn csv(t: &Table) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let mut put = |cells: &[String]| {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(cells.iter().map(|c| neutralise::escape(c).into_owned()));
        };
        put(std::slice::from_ref(&t.title));
        if let Some(intro) = &t.intro {
            put(std::slice::from_ref(intro));
        }
        let layout = Layout::of(t);
        put(&layout.header(t));
        let mut groups: &[String] = &[];
        for target in &t.targets {
            for heading in headings_before(groups, &target.group) {
                put(std::slice::from_ref(heading));
            }
            groups = &target.group;
            for e in &target.entries {
                put(&layout.cells(target, e));
            }
        }
        let _ = w.flush();
    }
    out
}

/// The longest text an Excel cell holds, in UTF-16 units (rust_xlsxwriter refuses longer ones).
const XLSX_MAX_CELL: usize = 32_767;

/// What ends a cell cut to Excel's limit, so a reader knows the rest is in the CSV and JSON.
const XLSX_CUT: &str = "…〔超出 Excel 单元格长度上限，以下从略；全文见 CSV/JSON〕";

/// The copy of a text that goes into the XLSX, so that writing it never fails and Excel opens
/// the file: U+FFFE and U+FFFF, which XML 1.0 forbids and rust_xlsxwriter writes unescaped (it
/// escapes the C0 controls itself, as `_x0000_`), become U+FFFD; a text longer than an Excel cell
/// holds (possible when a table was entered on the web, or with characters outside the BMP, which
/// count twice) is cut, with a note. Borrowed when nothing changes.
pub fn xlsx_text(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '\u{FFFE}' | '\u{FFFF}');
    let units: usize = s.chars().map(char::len_utf16).sum();
    if units <= XLSX_MAX_CELL && !s.contains(bad) {
        return s.into();
    }
    let budget = XLSX_MAX_CELL - XLSX_CUT.encode_utf16().count();
    let mut out = String::with_capacity(s.len().min(4 * XLSX_MAX_CELL));
    let mut used = 0;
    for c in s.chars() {
        used += c.len_utf16();
        if units > XLSX_MAX_CELL && used > budget {
            out.push_str(XLSX_CUT);
            break;
        }
        out.push(if bad(c) { '\u{FFFD}' } else { c });
    }
    out.into()
}

/// A row tall enough for its longest wrapped cell, since Excel does not grow merged cells and
/// LibreOffice prints the height it is given.
fn height(cells: &[(f64, &str)], rows: usize) -> f64 {
    let lines = cells
        .iter()
        .map(|(col_width, text)| {
            let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            let per_line = (col_width - 1.0).max(1.0) as usize;
            let explicit = text.lines().count().max(1);
            (width.div_ceil(per_line)).max(explicit)
        })
        .max()
        .unwrap_or(1);
    (lines.div_ceil(rows.max(1)).max(1) as f64) * 14.5 + 4.0
}

/// Excel header/footer text treats `&` as a code; a literal one is written twice.
fn footer_text(s: &str) -> String {
    s.replace('&', "&&")
}

/// XLSX in the official layout: the title merged across the columns, the intro under it, the
/// header (repeated on every printed page), then the targets with 序号, the target text and the
/// deadline merged down across a target's entries; wrapped text, A4 landscape, one page wide,
/// page numbers (and, when published, the date and hash) in the footer.
pub fn xlsx(t: &Table, stamp: Option<&Stamp>) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new()
        .set_title(&*xlsx_text(&t.title))
        .set_author(&*xlsx_text(&t.government));
    if let Some(s) = stamp {
        props = props
            .set_custom_property("published_at", s.published_at.as_str())
            .set_custom_property("sha256", s.sha256.as_str());
    }
    wb.set_properties(&props);
    let ws = wb.add_worksheet();
    ws.set_name("一览表")?;
    write_sheet(ws, t, stamp)?;
    Ok(wb.save_to_buffer()?)
}

fn write_sheet(ws: &mut Worksheet, t: &Table, stamp: Option<&Stamp>) -> Result<(), ExportError> {
    let layout = Layout::of(t);
    let widths = layout.widths();
    let last_col = (widths.len() - 1) as u16;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let intro = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(0xF2F2F2);
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let centred = cell.clone().set_align(FormatAlign::Center);
    // Excel's own “this is text” marker, for cells that would otherwise read as formulas.
    let title_text = xlsx_text(&t.title);
    let quoted = |f: &Format, s: &str| {
        if neutralise::is_dangerous(s) {
            f.clone().set_quote_prefix()
        } else {
            f.clone()
        }
    };

    let group_format = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    let mut r: u32 = 0;
    ws.merge_range(r, 0, r, last_col, &title_text, &quoted(&title, &title_text))?;
    ws.set_row_height(r, 36)?;
    r += 1;
    if let Some(text) = &t.intro {
        let text = &*xlsx_text(text);
        ws.merge_range(r, 0, r, last_col, text, &quoted(&intro, text))?;
        let total: f64 = widths.iter().sum();
        let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        ws.set_row_height(r, (width as f64 / total).ceil().max(1.0) * 15.0 + 4.0)?;
        r += 1;
    }
    let header_row = r;
    for (c, h) in layout.header(t).iter().enumerate() {
        ws.write_string_with_format(r, c as u16, h, &head)?;
    }
    ws.set_row_height(r, 30)?;
    r += 1;

    let col = |c: usize| c as u16;
    let mut groups: &[String] = &[];
    for target in &t.targets {
        // A group heading spans the row, as offices print them.
        for heading in headings_before(groups, &target.group) {
            let text = xlsx_text(heading);
            ws.merge_range(r, 0, r, last_col, &text, &quoted(&group_format, &text))?;
            ws.set_row_height(r, 20)?;
            r += 1;
        }
        groups = &target.group;
        let k = target.entries.len().max(1) as u32;
        let first = r;
        let mut shared: Vec<String> = Vec::new();
        for (i, e) in target.entries.iter().enumerate() {
            let row = r + i as u32;
            let cells = layout.cells(target, e);
            let mut own = Vec::new();
            for (c, (column, text)) in layout.columns.iter().zip(&cells).enumerate() {
                if column.is_targets() {
                    continue; // the target's cells, written once below
                }
                let f = if column.is_centred() { &centred } else { &cell };
                let text = xlsx_text(text);
                ws.write_string_with_format(row, col(c), &*text, &quoted(f, &text))?;
                own.push((widths[c], cells[c].as_str()));
            }
            let mut h = height(&own, 1);
            // The target's text is shared by its rows: give each row its part.
            if let Some(c) = layout
                .columns
                .iter()
                .position(|c| *c == Column::Role(Role::Content))
            {
                h = h.max(height(&[(widths[c], target.content.as_str())], k as usize));
            }
            ws.set_row_height(row, h)?;
            if i == 0 {
                shared = cells;
            }
        }
        let last = first + k - 1;
        for (c, column) in layout.columns.iter().enumerate() {
            if !column.is_targets() {
                continue;
            }
            let f = if column.is_centred() { &centred } else { &cell };
            if *column == Column::Role(Role::No) {
                // 序号 is a number, as offices type it; a merged range takes text, so merge
                // first and then write the number into its top cell.
                if k > 1 {
                    ws.merge_range(first, col(c), last, col(c), "", f)?;
                }
                ws.write_number_with_format(first, col(c), f64::from(target.no.get()), f)?;
                continue;
            }
            let text = xlsx_text(shared.get(c).map_or("", String::as_str));
            let f = quoted(f, &text);
            if k > 1 {
                ws.merge_range(first, col(c), last, col(c), &text, &f)?;
            } else {
                ws.write_string_with_format(first, col(c), &*text, &f)?;
            }
        }
        r = last + 1;
    }

    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header_row, header_row)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    ws.set_print_center_horizontally(true);
    let pages = "第 &P 页，共 &N 页";
    let footer = match stamp {
        Some(s) => format!(
            "&L&8发布 {}&C&8{pages}&R&8SHA-256 {}",
            footer_text(&s.published_at),
            footer_text(&s.sha256)
        ),
        None => format!("&C&8{pages}"),
    };
    ws.set_footer(&footer);
    // Excel refuses headers longer than 255 characters; a long title is cut for the page header.
    let short: String = title_text.chars().take(100).collect();
    ws.set_header(format!("&C&8{}", footer_text(&short)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_columns_keep_every_entrys_order() {
        let extra = |keys: &[&str]| -> duban_core::Extra {
            keys.iter()
                .map(|k| ((*k).to_owned(), "x".to_owned()))
                .collect()
        };
        let rows = [
            extra(&["资金"]),
            extra(&["责任人", "资金"]),
            extra(&["电话"]),
        ];
        assert_eq!(extra_order(rows.iter()), ["责任人", "资金", "电话"]);
        let rows = [extra(&["C"]), extra(&["A", "B"]), extra(&["A", "C"])];
        // A must precede B and C; C was seen before B.
        assert_eq!(extra_order(rows.iter()), ["A", "C", "B"]);
        // Entries that disagree still give every column once.
        let rows = [extra(&["A", "B"]), extra(&["B", "A"])];
        assert_eq!(extra_order(rows.iter()).len(), 2);
    }

    #[test]
    fn headings_open_and_close_groups() {
        let g = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            headings_before(&[], &g(&["一、A", "（一）a"])),
            g(&["一、A", "（一）a"])
        );
        assert_eq!(
            headings_before(&g(&["一、A", "（一）a"]), &g(&["一、A", "（二）b"])),
            g(&["（二）b"])
        );
        assert_eq!(
            headings_before(&g(&["一、A", "（一）a"]), &g(&["一、A"])),
            g(&["一、A"])
        );
        assert!(headings_before(&g(&["一、A"]), &g(&["一、A"])).is_empty());
    }
}
