//! XLSX import through calamine: choose the sheet, stream its cells (so a hostile sheet that puts
//! one cell at XFD1048576 cannot make us allocate the whole rectangle, as a dense `Range` would),
//! read its merged regions, and hand the rest to [`crate::grid`].
//!
//! Before calamine sees the bytes, the archive is checked against three bounds ([`Limits`]): what
//! each part may unpack to, what all parts may unpack to together, and how many times its own
//! size the archive may unpack to. An XLSX is a zip file, and a zip bomb (a few kilobytes that
//! unpack to gigabytes, or 20 MB that unpack to 1.4 GB of cells) is refused here, twice over:
//! first by the sizes the central directory declares, which costs nothing and stops an honest
//! bomb at once; then by the bytes actually produced, unpacking each part into a sink through a
//! `take` that stops one byte past what is left of the budget, since declared sizes can lie.
//! Memory stays flat during both passes; calamine only reads an archive that passed them.

use crate::grid::{self, Grid};
use crate::{ImportError, ImportErrorKind as K, Limits};
use calamine::{DataRef, Reader, Xlsx, XlsxError};
use std::io::{Cursor, Read};

/// Columns beyond this are ignored (with a warning): no progress table is this wide, and it keeps
/// a hostile sheet from making every row sixteen thousand cells long.
pub const MAX_COLUMNS: usize = 64;

/// The magic number of an OLE compound file: an encrypted XLSX, or an old binary `.xls`.
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Refuses encrypted and old binary workbooks, damaged archives and zip bombs (of an XLSX, or of
/// a .docx, which is a zip file too).
pub(crate) fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ImportError> {
    if bytes.starts_with(CFB_MAGIC) {
        // An encrypted OOXML file is a compound file holding an "EncryptedPackage" stream; the
        // directory stores names in UTF-16LE.
        let name: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if bytes.windows(name.len()).any(|w| w == name.as_slice()) {
            return Err(ImportError::new(K::Encrypted));
        }
        return Err(ImportError::new(K::BadXlsx(
            "this is an old binary .xls (Excel 97–2003) workbook; save it as .xlsx".into(),
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        ImportError::new(K::BadXlsx(format!(
            "the archive is truncated or damaged ({e})"
        )))
    })?;
    let budget = Budget {
        ratio_total: (bytes.len() as u64)
            .saturating_mul(limits.max_xlsx_ratio)
            .max(1 << 20),
        file: bytes.len() as u64,
        limits,
    };
    let damaged = |i: usize, e: &dyn std::fmt::Display| {
        ImportError::new(K::BadXlsx(format!("entry {i} cannot be read ({e})")))
    };

    // What the archive declares: only the central directory is read.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| damaged(i, &e))?;
        declared = declared.saturating_add(entry.size());
        budget.check(&part_name(&entry, i), entry.size(), declared)?;
    }

    // What unpacking produces, whatever was declared.
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| damaged(i, &e))?;
        let name = part_name(&entry, i);
        // One byte more than any bound allows is enough to know a bound is passed.
        let room = budget.room(total);
        // The zip reader also fails a part that unpacks past its declared size, which the first
        // pass bounded: two guards, and this `take` holds even where the reader's would not.
        let n =
            std::io::copy(&mut (&mut entry).take(room + 1), &mut std::io::sink()).map_err(|e| {
                ImportError::new(K::BadXlsx(format!(
                    "part {name} cannot be unpacked: the archive is truncated or damaged ({e})"
                )))
            })?;
        total += n;
        budget.check(&name, n, total)?;
    }
    Ok(())
}

/// A part's name for a message: its path in the archive, or its index when the name is garbled.
fn part_name<R: Read>(entry: &zip::read::ZipFile<'_, R>, i: usize) -> String {
    entry
        .name()
        .map_or_else(|_| format!("entry {i}"), |n| format!("“{n}”"))
}

/// The three bounds on what an archive may unpack to.
struct Budget<'a> {
    limits: &'a Limits,
    /// The file's size times the ratio limit, but never under 1 MiB.
    ratio_total: u64,
    file: u64,
}

impl Budget<'_> {
    /// How many more bytes one part may unpack to when `total` are already counted.
    fn room(&self, total: u64) -> u64 {
        let all = self.limits.max_xlsx_unpacked.min(self.ratio_total);
        self.limits.max_xlsx_part.min(all.saturating_sub(total))
    }

    /// Refuses a part of `size` bytes that brings the total to `total`.
    fn check(&self, part: &str, size: u64, total: u64) -> Result<(), ImportError> {
        let limits = self.limits;
        if size > limits.max_xlsx_part {
            return Err(ImportError::new(K::XlsxPartTooLarge {
                part: part.to_owned(),
                size,
                limit: limits.max_xlsx_part,
            }));
        }
        if total > limits.max_xlsx_unpacked {
            return Err(ImportError::new(K::XlsxTooLarge {
                part: part.to_owned(),
                size: total,
                limit: limits.max_xlsx_unpacked,
            }));
        }
        if total > self.ratio_total {
            return Err(ImportError::new(K::ZipBomb {
                ratio: total / self.file.max(1),
                limit: limits.max_xlsx_ratio,
            }));
        }
        Ok(())
    }
}

fn xlsx_error(e: XlsxError) -> ImportError {
    match e {
        XlsxError::Password => ImportError::new(K::Encrypted),
        e => ImportError::new(K::BadXlsx(e.to_string())),
    }
}

/// A cell as text. Whole numbers lose their `.0` (序号 typed as a number); dates become ISO dates
/// (a deadline typed as a date); booleans become 是/否 (an answer typed as TRUE/FALSE).
fn text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        DataRef::DateTime(d) if d.is_datetime() => d
            .as_datetime()
            .map_or_else(|| d.as_f64().to_string(), |t| t.date().to_string()),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_owned(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e}"),
    }
}

/// One sheet's cells and merged regions.
fn read_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    limits: &Limits,
    warnings: &mut Vec<String>,
) -> Result<Grid, ImportError> {
    let mut g = Grid {
        sheet: Some(name.to_owned()),
        // A sheet's cells may take no more memory than its XML may unpack to.
        max_held: Some(limits.max_xlsx_part),
        ..Grid::default()
    };
    let mut wide = false;
    {
        let mut cells = wb.worksheet_cells_reader(name).map_err(xlsx_error)?;
        while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
            let (r, c) = cell.get_position();
            let (r, c) = (r as usize, c as usize);
            if c >= MAX_COLUMNS {
                wide = true;
                continue;
            }
            let value = text(cell.get_value());
            if value.is_empty() {
                continue;
            }
            // What the cells take in memory is bounded as they are read: a row with one cell in
            // column BL holds 64 cells, so 50 bytes of XML can cost 1.5 KB.
            let mut cost = grid::cell_cost(value.len());
            let row = g.rows.entry(r).or_insert_with(|| {
                cost += grid::ROW_COST;
                Vec::new()
            });
            if row.len() <= c {
                cost += grid::cell_cost(0) * (c + 1 - row.len()) as u64;
                row.resize(c + 1, String::new());
            }
            row[c] = value;
            g.hold(cost)?;
        }
    }
    if wide {
        warnings.push(format!(
            "sheet {name}: cells beyond column {} are ignored",
            grid::column_letter(MAX_COLUMNS - 1)
        ));
    }
    g.merges = wb
        .merge_cells_by_sheet_name(name)
        .map_err(xlsx_error)?
        .into_iter()
        .map(|d| {
            (
                d.start.0 as usize,
                d.start.1 as usize,
                d.end.0 as usize,
                d.end.1 as usize,
            )
        })
        .collect();
    Ok(g)
}

/// Reads the chosen sheet, or the first one with a header, into a grid.
pub(crate) fn grid(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: &Limits,
    by_hand: &[(String, Option<crate::columns::Role>)],
    warnings: &mut Vec<String>,
) -> Result<Grid, ImportError> {
    check_archive(bytes, limits)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let names = wb.sheet_names();
    if let Some(wanted) = sheet {
        if !names.iter().any(|n| n == wanted) {
            return Err(ImportError::new(K::NoSuchSheet {
                wanted: wanted.to_owned(),
                have: names.join(", "),
            }));
        }
        return read_sheet(&mut wb, wanted, limits, warnings);
    }
    let mut first = None;
    for name in &names {
        let g = read_sheet(&mut wb, name, limits, warnings)?;
        if grid::has_header(&g, by_hand) {
            if names.len() > 1 {
                warnings.push(format!(
                    "read sheet {name}, the first with a header row (choose another with --sheet)"
                ));
            }
            return Ok(g);
        }
        first.get_or_insert(g);
    }
    // No sheet has a header: read the first so the error names it.
    first.ok_or_else(|| ImportError::new(K::BadXlsx("the workbook has no sheets".into())))
}
