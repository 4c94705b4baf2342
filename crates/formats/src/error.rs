//! The one error every importer returns: what went wrong, and where (line and side for text;
//! sheet and row for spreadsheets; the column for all).

use std::fmt;

/// Which of the two tables printed side by side a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn from_index(i: usize) -> Side {
        if i == 0 { Side::Left } else { Side::Right }
    }
}

/// Where in the input a problem sits. Lines and rows are 1-based, as an editor or Excel shows
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The sheet's name, for XLSX.
    pub sheet: Option<String>,
    /// The spreadsheet row (XLSX) or record (CSV/TSV), 1-based.
    pub row: Option<usize>,
    pub line: Option<usize>,
    /// Only for two-up layouts.
    pub side: Option<Side>,
    /// The column's header as the file writes it.
    pub column: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(sheet) = &self.sheet {
            parts.push(format!("sheet {sheet}"));
        }
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        match self.side {
            Some(Side::Left) => parts.push("left table".to_owned()),
            Some(Side::Right) => parts.push("right table".to_owned()),
            None => {}
        }
        if let Some(c) = &self.column {
            parts.push(format!("column {c}"));
        }
        f.write_str(&parts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportErrorKind {
    #[error(
        "no header row found: expected 序号, 市政府领导, 责任目标内容, 完成时限, …完成情况, 是否按计划完成进度, 责任单位 in one row"
    )]
    NoHeader,
    #[error("{found} fields, expected {expected}{detail}")]
    FieldCount {
        found: usize,
        expected: usize,
        detail: String,
    },
    #[error("{0}")]
    NotANumber(String),
    #[error("{0}")]
    BadDeadline(String),
    #[error("“{0}” is not an answer to 是否按计划完成进度: expected 是 or 否 (or nothing)")]
    BadOnSchedule(String),
    #[error("{0}")]
    BadPeriod(String),
    #[error("cannot tell the period from the title or the header; pass --period (e.g. 2023Q3)")]
    NoPeriod,
    #[error("cannot tell the year from the title; pass --period (e.g. 2023Q3)")]
    NoYear,
    #[error("cannot tell the government from the title; pass --government (e.g. 菏泽市人民政府)")]
    NoGovernment,
    #[error(
        "a row without 序号 continues the target above it, but there is none above it on this side"
    )]
    OrphanContinuation,
    #[error(
        "a row without 序号 continues the target above it, so its 责任目标内容 must be empty; found “{0}”"
    )]
    ContinuationWithContent(String),
    #[error("the row continues target {no}, whose deadline is {target}, but gives {row}")]
    ContinuationDeadline {
        no: u32,
        target: String,
        row: String,
    },
    #[error("the leader is written both in 序号 (“{0}”) and in the leader column (“{1}”)")]
    AmbiguousLeader(String, String),
    #[error("target {no} appears twice: first at {first}")]
    DuplicateTarget { no: u32, first: String },
    #[error("no targets found under the header")]
    NoTargets,
    #[error("{0}")]
    Invalid(String),
    #[error("the file is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "the file expands {ratio}-fold when unpacked (limit {limit}); refusing it as a possible zip bomb"
    )]
    ZipBomb { ratio: u64, limit: u64 },
    /// Refused before anything is held in memory: `size` is what the archive declares for the
    /// part, or, when the declaration lied, what unpacking it produced before it was stopped.
    #[error(
        "the part {part} of the file unpacks to {} or more; the limit is {} per part; refusing it as a possible zip bomb",
        mib(*size),
        mib(*limit)
    )]
    XlsxPartTooLarge { part: String, size: u64, limit: u64 },
    /// All parts together, counted up to and including `part`.
    #[error(
        "the file unpacks to {} or more in all (counted up to part {part}); the limit is {}; refusing it as a possible zip bomb",
        mib(*size),
        mib(*limit)
    )]
    XlsxTooLarge { part: String, size: u64, limit: u64 },
    /// The cells read so far, with merged cells' text repeated on the rows they span.
    #[error(
        "the sheet's cells take {} or more in memory (a merged cell counts once for every row it spans); the limit is {}",
        mib(*size),
        mib(*limit)
    )]
    SheetTooLarge { size: u64, limit: u64 },
    #[error("the cell holds {chars} characters; the limit is {limit}")]
    CellTooLong { chars: usize, limit: usize },
    #[error(
        "the workbook is encrypted (password protected); save it again without a password and import that"
    )]
    Encrypted,
    #[error("not a readable XLSX file: {0}")]
    BadXlsx(String),
    #[error("not a readable CSV/TSV file: {0}")]
    BadCsv(String),
    #[error("not a readable Word (.docx) document: {0}")]
    BadDocx(String),
    #[error("not a readable web page: {0}")]
    BadHtml(String),
    #[error("the text is neither UTF-8 nor GBK/GB18030: {0}")]
    BadEncoding(String),
    #[error("no sheet named “{wanted}”; the workbook has: {have}")]
    NoSuchSheet { wanted: String, have: String },
}

/// Bytes as a person reads them: `150.0 MiB`, `512 bytes`.
fn mib(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// A problem in an input, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub at: Location,
    pub kind: ImportErrorKind,
}

impl ImportError {
    pub fn new(kind: ImportErrorKind) -> ImportError {
        ImportError {
            at: Location::default(),
            kind,
        }
    }

    pub fn at(
        line: usize,
        side: Option<Side>,
        column: Option<&str>,
        kind: ImportErrorKind,
    ) -> Self {
        ImportError {
            at: Location {
                line: Some(line),
                side,
                column: column.map(str::to_owned),
                ..Location::default()
            },
            kind,
        }
    }
}

impl ImportError {
    /// A problem at a spreadsheet cell: `row` is 1-based; `sheet` is `None` for CSV/TSV.
    pub fn at_cell(
        sheet: Option<&str>,
        row: usize,
        column: Option<&str>,
        kind: ImportErrorKind,
    ) -> Self {
        ImportError {
            at: Location {
                sheet: sheet.map(str::to_owned),
                row: Some(row),
                column: column.map(str::to_owned),
                ..Location::default()
            },
            kind,
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at.to_string();
        if at.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{at}: {}", self.kind)
        }
    }
}

impl std::error::Error for ImportError {}
