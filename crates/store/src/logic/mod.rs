//! What every backend needs once: the timestamp format, the rules a backend applies around its
//! statements, and the pure steps (table assembly, views from rows) that must give the same
//! answer whichever database the rows came from.
//!
//! The pattern: a backend fetches rows into the `#[derive(sqlx::FromRow)]` structs declared here
//! (they decode on SQLite and PostgreSQL alike: an `INTEGER` 0/1 and a `BOOLEAN` both read as
//! `bool`), and hands them to the pure functions here, which build the model, decide, and write
//! the audit payloads. SQL that reads the same in both dialects is written here too, once;
//! statements that differ (JSON aggregation, locking, the search index) stay with each backend.

use crate::StoreError;
use duban_core::{Period, TargetNo};

pub(crate) mod accounts;
pub(crate) mod aliases;
pub(crate) mod details;
pub(crate) mod governments;
pub(crate) mod import;
pub(crate) mod mail;
pub(crate) mod messages;
pub(crate) mod plans;
pub(crate) mod publications;
pub(crate) mod reports;
pub(crate) mod search;
pub(crate) mod table;

/// The time now, in the one format every stored timestamp uses.
pub(crate) fn now() -> String {
    ts_string(jiff::Timestamp::now())
}

/// RFC 3339 in UTC with exactly three fractional digits ("2023-10-30T08:00:00.000Z"), so that
/// stored timestamps compare correctly as strings (jiff's own Display drops a zero fraction),
/// on SQLite and PostgreSQL alike.
pub(crate) fn ts_string(ts: jiff::Timestamp) -> String {
    format!(
        "{}.{:03}Z",
        ts.strftime("%Y-%m-%dT%H:%M:%S"),
        ts.subsec_millisecond()
    )
}

/// A stored period.
pub(crate) fn parse_period(s: &str) -> Result<Period, StoreError> {
    s.parse()
        .map_err(|e: duban_core::period::PeriodError| StoreError::Corrupt(e.to_string()))
}

/// A stored target number.
pub(crate) fn target_no(no: i64) -> Result<TargetNo, StoreError> {
    u32::try_from(no)
        .ok()
        .and_then(|n| TargetNo::new(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("target number {no}")))
}

/// A stored entry position or target number as the model's `u32` (0 if it does not fit).
pub(crate) fn u32_or_zero(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// One of the JSON arrays of names a query builds (`json_group_array` on SQLite, `json_agg` on
/// PostgreSQL) or `search_docs` stores; names that no longer parse are left out.
pub(crate) fn parse_names<T>(
    json: &str,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    let names: Vec<String> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))?;
    Ok(names.iter().filter_map(|n| parse(n)).collect())
}
