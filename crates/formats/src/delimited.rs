//! CSV and TSV import: what Excel writes with “Save as CSV” (UTF-8 with a BOM, or GBK on a
//! Chinese Windows) or “Unicode text” (UTF-16, tab-separated), with quoted cells that may hold
//! newlines. The `csv` crate does the quoting; [`crate::text`] the decoding; [`crate::grid`]
//! the table.

use crate::grid::Grid;
use crate::{ImportError, ImportErrorKind as K, neutralise};

/// The separator: a tab when the first lines hold more tabs than commas.
fn delimiter(text: &str, file_name: Option<&str>) -> u8 {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("tsv" | "tab") => return b'\t',
        Some("csv") if !text.lines().take(12).any(|l| l.contains('\t')) => return b',',
        _ => {}
    }
    let head: String = text.lines().take(12).collect();
    if head.matches('\t').count() > head.matches(',').count() {
        b'\t'
    } else {
        b','
    }
}

/// Reads decoded CSV/TSV text into a grid. A record is numbered by the line it begins on, which is
/// the row Excel shows unless an earlier cell holds a line break.
pub(crate) fn grid(text: &str, file_name: Option<&str>) -> Result<Grid, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text, file_name))
        .from_reader(text.as_bytes());
    let mut g = Grid::default();
    let (mut counted_to, mut counted_lines) = (0, 0);
    for (i, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| ImportError::at_cell(None, i + 1, None, K::BadCsv(e.to_string())))?;
        let cells: Vec<String> = record
            .iter()
            .map(|c| neutralise::unescape(c).to_owned())
            .collect();
        // Counted here from the byte offset, which may point at the end of the previous line's
        // CRLF: the reader's own line count lags behind after a CRLF.
        let line = match record.position() {
            Some(p) => {
                let mut at = (p.byte() as usize).min(text.len());
                while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                counted_lines += text.as_bytes()[counted_to..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = at;
                counted_lines + 1
            }
            None => i + 1,
        };
        if cells.iter().any(|c| !c.trim().is_empty()) {
            g.rows.insert(line.saturating_sub(1), cells);
        }
    }
    if g.rows.is_empty() {
        return Err(ImportError::new(K::NoHeader));
    }
    Ok(g)
}
