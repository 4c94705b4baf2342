//! Formula injection: a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return)
//! is a formula to Excel and LibreOffice when they open a CSV, so a narrative such as
//! `=HYPERLINK("http://…")` could run. Exports neutralise such cells; plain numbers (`-5`,
//! `+3.5`) are left alone because they are not formulas and offices type them.
//!
//! - CSV: the cell gets a leading apostrophe (the OWASP advice). To make CSV round-trip exactly,
//!   an apostrophe that itself precedes such a cell is escaped the same way, and the CSV importer
//!   removes exactly one apostrophe from cells that [`escape`] would have made.
//! - XLSX: the text is written unchanged as a string cell (never a formula) with Excel's own
//!   “quote prefix” style, so it stays text even when someone edits the cell.

/// Whether a spreadsheet would read the cell as a formula.
pub fn is_dangerous(s: &str) -> bool {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => !is_plain_number(s),
        _ => false,
    }
}

/// `-5`, `+3.5`, `-.5`: a sign, digits and at most one decimal point.
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut digits = 0;
    let mut dots = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            _ => return false,
        }
    }
    digits > 0 && dots <= 1
}

/// Whether [`escape`] prefixes the cell: a dangerous cell, or apostrophes before one.
fn needs_escape(s: &str) -> bool {
    is_dangerous(s) || s.strip_prefix('\'').is_some_and(needs_escape)
}

/// The CSV form of a cell.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_escape(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Undoes [`escape`]: `unescape(&escape(s)) == s` for every `s`.
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_escape(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formulas_not_numbers() {
        assert_eq!(
            escape("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for s in ["+1+1", "-A1", "@SUM(A1)", "\tx", "=1"] {
            assert!(escape(s).starts_with('\''), "{s}");
        }
        for s in ["-5", "+3.5", "12", "前三季度", "", "'abc", "-"] {
            assert_eq!(escape(s), if s == "-" { "'-" } else { s }, "{s}");
        }
        for s in ["=1", "'=1", "''=1", "'abc", "-5", "x", "'", ""] {
            assert_eq!(unescape(&escape(s)), s, "{s}");
        }
    }
}
