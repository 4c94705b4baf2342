//! The names of units and leaders on PostgreSQL, kept once each and linked to entries in their
//! source order. Only imports and plan edits write them, under the `STRUCTURE` lock, so reading an entry's
//! names and then replacing them cannot interleave with another writer.

use crate::StoreError;
use crate::logic::import::NameKind;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;

/// Finds or creates a named unit or leader and returns its id.
async fn name_id(
    conn: &mut PgConnection,
    table: &'static str,
    government: &str,
    name: &str,
) -> Result<i64, StoreError> {
    let sql = format!(
        "INSERT INTO {table} (government, name) VALUES ($1, $2)
         ON CONFLICT (government, name) DO UPDATE SET name = excluded.name RETURNING id"
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(government)
        .bind(name)
        .fetch_one(conn)
        .await?)
}

/// The names of a kind linked to an entry, in order.
pub(crate) async fn entry_names(
    conn: &mut PgConnection,
    kind: NameKind,
    entry: i64,
) -> Result<Vec<String>, StoreError> {
    let (link, names, key) = kind.tables();
    let sql = format!(
        "SELECT n.name FROM {link} l JOIN {names} n ON n.id = l.{key} WHERE l.entry_id = $1 ORDER BY l.position"
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(entry)
        .fetch_all(conn)
        .await?)
}

/// Replaces an entry's linked names of a kind with `wanted`.
pub(crate) async fn replace_entry_names(
    conn: &mut PgConnection,
    government: &str,
    entry: i64,
    kind: NameKind,
    wanted: &[String],
) -> Result<(), StoreError> {
    let (link, names, key) = kind.tables();
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {link} WHERE entry_id = $1"
    )))
    .bind(entry)
    .execute(&mut *conn)
    .await?;
    for (pos, name) in wanted.iter().enumerate() {
        let id = name_id(conn, names, government, name).await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {link} (entry_id, position, {key}) VALUES ($1, $2, $3)"
        )))
        .bind(entry)
        .bind(pos as i64)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
