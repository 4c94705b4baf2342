//! Reading PostgreSQL rows: every column through `try_get`, so a renamed column is an error
//! naming it, never a panic.

use crate::StoreError;
use duban_core::TargetNo;
use sqlx::Row;
use sqlx::postgres::PgRow;

/// A column's value.
pub(crate) fn col<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    Ok(row.try_get(column)?)
}

/// One of the JSON arrays of names a query builds with `json_agg(… ORDER BY position)`; names
/// that no longer parse are left out.
pub(crate) fn names<T>(
    row: &PgRow,
    column: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    let text: Option<String> = col(row, column)?;
    let names: Vec<String> = match text {
        Some(t) => {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))?
        }
        None => Vec::new(),
    };
    Ok(names.iter().filter_map(|n| parse(n)).collect())
}

/// The target number in column `no`.
pub(crate) fn target_no(row: &PgRow) -> Result<TargetNo, StoreError> {
    let no: i64 = col(row, "no")?;
    u32::try_from(no)
        .ok()
        .and_then(|n| TargetNo::new(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("target number {no}")))
}
