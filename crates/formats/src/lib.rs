//! Reading and writing progress tables (一览表), pure over text and bytes.
//!
//! Every importer turns what an office has into a [`duban_core::Table`] and every problem into an
//! [`ImportError`] that names the line (or sheet and row), the half of a two-up page and the
//! column, so a clerk can find it. Importers read the whole input before returning anything: a
//! caller either gets a complete table or an error, never part of one. Nothing here touches the
//! disk or the network; the one exception, [`export::system_fonts`], is a function the caller
//! chooses to call.
//!
//! - [`import`]: any supported file, its format [`detect`]ed, within [`Limits`].
//! - [`export`]: CSV, XLSX (the official layout) and PDF.
//! - [`bundle`]: a government's whole published record as one zip, and its offline check.
//! - [`columns`]: the header words offices use for each column, and which role each plays.
//! - [`meta`]: what a title and intro say: government, year, period, declared total.
//! - [`twoup`]: the text extracted from a published PDF, with one or two tables side by side.
//! - Word documents and saved web pages: their tables read as sheets (`docx`, `html`).
//! - [`neutralise`]: keeping spreadsheet formulas out of what we write.
//! - [`display`]: showing invisible and bidirectional control characters as code points, for the
//!   PDF here and for HTML pages.

// An ImportError carries its whole location (sheet, row, line, side, column) so a clerk can find
// the cell; it is returned once per import, so its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

pub mod bundle;
pub mod columns;
mod delimited;
pub mod display;
mod docx;
mod error;
pub mod export;
mod grid;
mod html;
pub mod meta;
pub mod neutralise;
mod sheet;
pub mod text;
pub mod twoup;

pub use error::{ImportError, ImportErrorKind, Location, Side};
pub use export::{ExportError, Stamp};
pub use grid::{ColumnMapping, HEADER_SEARCH_ROWS, column_letter};

use columns::Role;
use duban_core::Table;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text extracted from a published PDF: tab-separated, one or two tables side by side.
    TwoUpText,
    /// CSV or TSV, in UTF-8 (with or without a BOM), UTF-16 with a BOM, or GBK/GB18030.
    Csv,
    Xlsx,
    /// A Word document (.docx): its tables, with the paragraphs above them.
    Docx,
    /// A web page saved from a government site: its `<table>`s, with the page's heading.
    Html,
}

/// Tells the format from the bytes, with the file name as a hint. Zip archives and OLE compound
/// files (an encrypted XLSX or an old .xls) are [`Format::Xlsx`], so that their import explains
/// what they are; text is [`Format::TwoUpText`] when it is a `.txt` or its header names 序号
/// twice (two tables side by side), and [`Format::Csv`] otherwise.
pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Format {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    if bytes.starts_with(b"PK\x03\x04") {
        // A .docx names its main part in the central directory, at the end of the file.
        let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
        let word = tail.windows(17).any(|w| w == b"word/document.xml");
        return if ext.as_deref() == Some("docx") || word {
            Format::Docx
        } else {
            Format::Xlsx
        };
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Format::Xlsx;
    }
    match ext.as_deref() {
        Some("xlsx" | "xlsm" | "xls") => return Format::Xlsx,
        Some("docx") => return Format::Docx,
        Some("html" | "htm" | "shtml" | "xhtml") => return Format::Html,
        Some("csv" | "tsv" | "tab") => return Format::Csv,
        Some("txt") => return Format::TwoUpText,
        _ => {}
    }
    let start: Vec<u8> = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .take(512)
        .map(u8::to_ascii_lowercase)
        .collect();
    if start.starts_with(b"<!doctype html") || start.starts_with(b"<html") {
        return Format::Html;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let text = if text.contains('序') {
        text.into_owned()
    } else {
        encoding_rs::GB18030.decode(head).0.into_owned()
    };
    let two_up = text.lines().take(HEADER_SEARCH_ROWS * 3).any(|l| {
        l.split('\t')
            .filter(|c| Role::of_header(c).is_some_and(|(r, _)| r == Role::No))
            .count()
            >= 2
    });
    if two_up {
        Format::TwoUpText
    } else {
        Format::Csv
    }
}

/// Bounds on what an import will read. Each refusal is an [`ImportError`] that says which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest file, in bytes (default 20 MB).
    pub max_bytes: usize,
    /// The longest cell, in characters (default 32,767: Excel's own limit, so that nothing an
    /// office typed into Excel is refused, while a hostile cell is).
    pub max_cell_chars: usize,
    /// How many times its own size an XLSX may unpack to (default 100; typical workbooks unpack
    /// 5–20-fold). Archives that unpack to under 1 MiB are never refused.
    pub max_xlsx_ratio: u64,
    /// How many bytes all the parts of an XLSX may unpack to together (default 100 MiB). The
    /// ratio alone lets a 20 MB file unpack to 2 GB, which the reader then holds as cells; this
    /// bounds what an import can cost whatever the file's size. A 200-target table unpacks to
    /// well under 1 MiB.
    pub max_xlsx_unpacked: u64,
    /// How many bytes one part of an XLSX (a sheet, the shared strings) may unpack to, and how
    /// much memory the cells of the sheet read may take (default 32 MiB). The reader holds the
    /// shared strings whole, at up to 3.5 times their XML's size when they are tiny, and a sheet's
    /// cells can take more memory than their XML (a row with one cell in column BL holds 64), so
    /// this bounds the memory of an import: under 256 MB for any file within the limits. No
    /// progress table comes near it: 200 targets with 500-character narratives take about 1 MiB.
    pub max_xlsx_part: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 20 * 1024 * 1024,
            max_cell_chars: 32_767,
            max_xlsx_ratio: 100,
            max_xlsx_unpacked: 100 * 1024 * 1024,
            max_xlsx_part: 32 * 1024 * 1024,
        }
    }
}

/// What the caller says: what the file cannot tell ([`meta::Overrides`]), which sheet, and limits.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub overrides: meta::Overrides,
    /// The sheet to read (`--sheet`); by default the first sheet with a header row.
    pub sheet: Option<String>,
    pub limits: Limits,
}

/// A table read from a file, with what a preview shows besides it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub table: Table,
    pub format: Format,
    /// The sheet read, for XLSX.
    pub sheet: Option<String>,
    /// How each header cell was understood, in column order; unrecognised ones have no role.
    pub mapping: Vec<ColumnMapping>,
    /// Things the importer did that a person should know (ignored columns, the sheet chosen…).
    pub warnings: Vec<String>,
}

/// Reads any supported file: [`detect`]s its format, applies the limits, and returns the whole
/// table or the first problem, never a part.
pub fn import(
    bytes: &[u8],
    file_name: Option<&str>,
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    if bytes.len() > opts.limits.max_bytes {
        return Err(ImportError::new(ImportErrorKind::TooLarge {
            size: bytes.len(),
            limit: opts.limits.max_bytes,
        }));
    }
    let format = detect(bytes, file_name);
    let mut warnings = Vec::new();
    let mut sheet_name = None;
    let read = match format {
        Format::Xlsx => {
            let g = sheet::grid(
                bytes,
                opts.sheet.as_deref(),
                &opts.limits,
                &opts.overrides.columns,
                &mut warnings,
            )?;
            sheet_name.clone_from(&g.sheet);
            grid::read(g, &opts.overrides, opts.limits.max_cell_chars)?
        }
        Format::Csv => {
            let (text, _) = text::decode(bytes)?;
            let g = delimited::grid(&text, file_name)?;
            grid::read(g, &opts.overrides, opts.limits.max_cell_chars)?
        }
        Format::Docx => first_table(docx::grids(bytes, &opts.limits)?, opts, &mut sheet_name)?,
        Format::Html => {
            let (text, _) = text::decode(bytes)?;
            first_table(html::grids(&text, &opts.limits)?, opts, &mut sheet_name)?
        }
        Format::TwoUpText => {
            let (text, _) = text::decode(bytes)?;
            two_up_cells_within(&text, opts.limits.max_cell_chars)?;
            let table = twoup::read(&text, &opts.overrides)?;
            grid::Read {
                table,
                mapping: two_up_mapping(&text),
                warnings: Vec::new(),
            }
        }
    };
    warnings.extend(read.warnings);
    Ok(Imported {
        table: read.table,
        format,
        sheet: sheet_name,
        mapping: read.mapping,
        warnings,
    })
}

/// The cells of the row most like a header, for mapping columns by hand when [`import`] finds
/// no header row: of the sheet read (XLSX), of the file (CSV), or of the widest of a
/// document's tables (Word, web page). `None` for a file that does not read that far.
pub fn likely_header(
    bytes: &[u8],
    file_name: Option<&str>,
    opts: &ImportOptions,
) -> Option<Vec<String>> {
    if bytes.len() > opts.limits.max_bytes {
        return None;
    }
    let grids: Vec<grid::Grid> = match detect(bytes, file_name) {
        Format::Xlsx => vec![
            sheet::grid(
                bytes,
                opts.sheet.as_deref(),
                &opts.limits,
                &opts.overrides.columns,
                &mut Vec::new(),
            )
            .ok()?,
        ],
        Format::Csv => {
            let (text, _) = text::decode(bytes).ok()?;
            vec![delimited::grid(&text, file_name).ok()?]
        }
        Format::Docx => docx::grids(bytes, &opts.limits).ok()?,
        Format::Html => {
            let (text, _) = text::decode(bytes).ok()?;
            html::grids(&text, &opts.limits).ok()?
        }
        Format::TwoUpText => return None,
    };
    grids
        .iter()
        .filter_map(grid::likely_header)
        .max_by_key(Vec::len)
}

/// The first of a document's tables that reads as a progress table (a Word document or a page
/// may hold a layout table or a contact table before it); when none does, why the first one
/// with a header-like row does not, else why the first does not.
fn first_table(
    grids: Vec<grid::Grid>,
    opts: &ImportOptions,
    sheet_name: &mut Option<String>,
) -> Result<grid::Read, ImportError> {
    let mut first_error: Option<ImportError> = None;
    for g in grids {
        let name = g.sheet.clone();
        match grid::read(g, &opts.overrides, opts.limits.max_cell_chars) {
            Ok(read) => {
                *sheet_name = name;
                return Ok(read);
            }
            Err(e) => {
                let headerless = matches!(e.kind, ImportErrorKind::NoHeader);
                match &first_error {
                    None => first_error = Some(e),
                    Some(f) if matches!(f.kind, ImportErrorKind::NoHeader) && !headerless => {
                        first_error = Some(e);
                    }
                    Some(_) => {}
                }
            }
        }
    }
    Err(first_error.unwrap_or_else(|| ImportError::new(ImportErrorKind::NoHeader)))
}

fn two_up_cells_within(text: &str, max: usize) -> Result<(), ImportError> {
    for (i, line) in text.lines().enumerate() {
        for cell in line.split('\t') {
            let chars = cell.chars().count();
            if chars > max {
                return Err(ImportError::at(
                    i + 1,
                    None,
                    None,
                    ImportErrorKind::CellTooLong { chars, limit: max },
                ));
            }
        }
    }
    Ok(())
}

/// The columns of a two-up text's header (its first table's half).
fn two_up_mapping(text: &str) -> Vec<ColumnMapping> {
    let Some(line) = text.lines().find(|l| {
        l.split('\t')
            .filter(|c| Role::of_header(c).is_some())
            .count()
            >= 4
    }) else {
        return Vec::new();
    };
    let cells: Vec<&str> = line.split('\t').collect();
    let width = cells
        .iter()
        .skip(1)
        .position(|c| Role::of_header(c).is_some_and(|(r, _)| r == Role::No))
        .map_or(cells.len(), |p| p + 1);
    cells[..width]
        .iter()
        .enumerate()
        .map(|(i, c)| ColumnMapping {
            index: i,
            letter: column_letter(i),
            header: c.trim().to_owned(),
            role: Role::of_header(c).map(|(r, _)| r),
            note: None,
        })
        .collect()
}
