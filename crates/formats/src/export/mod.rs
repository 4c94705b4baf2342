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

/// The official header, in the official order.
pub fn header(t: &Table) -> [String; 7] {
    Role::ALL.map(|r| match r {
        Role::Progress => format!("{}完成情况", t.period.progress_word()),
        r => r.official().to_owned(),
    })
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn answer(e: &TableEntry) -> &'static str {
    match e.on_schedule {
        Some(true) => "是",
        Some(false) => "否",
        None => "",
    }
}

/// The seven cells of one entry's row; the target's cells are repeated on every entry.
fn row(t: &TableTarget, e: &TableEntry) -> [String; 7] {
    [
        t.no.to_string(),
        join(&e.leaders),
        t.content.clone(),
        t.deadline.to_string(),
        e.progress.clone(),
        answer(e).to_owned(),
        join(&e.units),
    ]
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
        put(&header(t));
        for target in &t.targets {
            for e in &target.entries {
                put(&row(target, e));
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

/// Column widths in Excel's units (about one Latin character; a Chinese character takes two).
const WIDTHS: [f64; 7] = [6.0, 10.0, 34.0, 9.0, 64.0, 10.0, 20.0];

/// A row tall enough for its longest wrapped cell, since Excel does not grow merged cells and
/// LibreOffice prints the height it is given.
fn height(cells: &[(usize, &str)], rows: usize) -> f64 {
    let lines = cells
        .iter()
        .map(|(col, text)| {
            let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            let per_line = (WIDTHS[*col] - 1.0).max(1.0) as usize;
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
    let last_col = (WIDTHS.len() - 1) as u16;
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

    for (i, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    let mut r: u32 = 0;
    ws.merge_range(r, 0, r, last_col, &title_text, &quoted(&title, &title_text))?;
    ws.set_row_height(r, 36)?;
    r += 1;
    if let Some(text) = &t.intro {
        let text = &*xlsx_text(text);
        ws.merge_range(r, 0, r, last_col, text, &quoted(&intro, text))?;
        let total: f64 = WIDTHS.iter().sum();
        let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        ws.set_row_height(r, (width as f64 / total).ceil().max(1.0) * 15.0 + 4.0)?;
        r += 1;
    }
    let header_row = r;
    for (c, h) in header(t).iter().enumerate() {
        ws.write_string_with_format(r, c as u16, h, &head)?;
    }
    ws.set_row_height(r, 30)?;
    r += 1;

    for target in &t.targets {
        let k = target.entries.len().max(1) as u32;
        let first = r;
        for (i, e) in target.entries.iter().enumerate() {
            let row = r + i as u32;
            let cells = row_cells(target, e);
            for (c, text) in cells.iter().enumerate() {
                if matches!(c, 0 | 2 | 3) {
                    continue; // the target's cells, written once below
                }
                let f = if c == 5 { &centred } else { &cell };
                let text = xlsx_text(text);
                ws.write_string_with_format(row, c as u16, &*text, &quoted(f, &text))?;
            }
            let own: Vec<(usize, &str)> =
                [1, 4, 6].iter().map(|&c| (c, cells[c].as_str())).collect();
            let mut h = height(&own, 1);
            // The target's text is shared by its rows: give each row its part.
            h = h.max(height(&[(2, target.content.as_str())], k as usize));
            ws.set_row_height(row, h)?;
        }
        let last = first + k - 1;
        let deadline = target.deadline.to_string();
        let content = xlsx_text(&target.content);
        for (c, text, f) in [(2u16, &*content, &cell), (3, deadline.as_str(), &centred)] {
            let f = quoted(f, text);
            if k > 1 {
                ws.merge_range(first, c, last, c, text, &f)?;
            } else {
                ws.write_string_with_format(first, c, text, &f)?;
            }
        }
        // 序号 is a number, as offices type it; a merged range takes text, so merge first and
        // then write the number into its top cell.
        if k > 1 {
            ws.merge_range(first, 0, last, 0, "", &centred)?;
        }
        ws.write_number_with_format(first, 0, f64::from(target.no.get()), &centred)?;
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

fn row_cells(t: &TableTarget, e: &TableEntry) -> [String; 7] {
    row(t, e)
}
