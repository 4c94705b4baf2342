//! `duban db copy`: a whole deployment moved from one database to another (SQLite to
//! PostgreSQL when a city outgrows one machine, or back), every row with its id, every stored
//! byte as it was: plans, rounds, reports, publications with their JSON and hashes, the audit
//! log, accounts and tokens.
//!
//! The target must be empty (migrated, nothing in it); the copy runs in one transaction on the
//! target, so a failure leaves it empty. The search index is derived from publications, so it
//! is rebuilt on the target rather than copied (SQLite keeps its terms in an FTS5 table,
//! PostgreSQL in an array column). The copy is recorded in the target's audit log as its last
//! record, and [`crate::Publications::verify`] is run on the target at the end.

use crate::{PgStore, Publications, SqliteStore, StoreError, VerifyReport};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

/// How a column is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
    Bool,
    /// SMALLINT on PostgreSQL.
    Year,
    Bytes,
}

use Kind::{Bool, Bytes, Int, Text, Year};

/// Every table a deployment holds, parents before children, with the columns both backends
/// share (generated columns are left to the target to generate). The derived search index is
/// not here: see the module documentation.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "governments",
        &[
            ("id", Int),
            ("code", Text),
            ("name", Text),
            ("created_at", Text),
        ],
    ),
    (
        "plans",
        &[
            ("id", Int),
            ("government", Text),
            ("year", Year),
            ("declared_total", Int),
        ],
    ),
    (
        "targets",
        &[
            ("id", Int),
            ("plan_id", Int),
            ("no", Int),
            ("content", Text),
            ("deadline", Text),
            ("groups", Text),
            ("predecessor_id", Int),
            ("retired_at", Text),
        ],
    ),
    (
        "units",
        &[("id", Int), ("government", Text), ("name", Text)],
    ),
    (
        "leaders",
        &[("id", Int), ("government", Text), ("name", Text)],
    ),
    (
        "entries",
        &[
            ("id", Int),
            ("target_id", Int),
            ("position", Int),
            ("details", Text),
            ("retired_at", Text),
            ("retired_with_target", Bool),
        ],
    ),
    (
        "entry_units",
        &[("entry_id", Int), ("position", Int), ("unit_id", Int)],
    ),
    (
        "entry_leaders",
        &[("entry_id", Int), ("position", Int), ("leader_id", Int)],
    ),
    (
        "rounds",
        &[
            ("id", Int),
            ("plan_id", Int),
            ("period", Text),
            ("title", Text),
            ("intro", Text),
            ("state", Text),
            ("due", Text),
            ("created_at", Text),
        ],
    ),
    (
        "reports",
        &[
            ("id", Int),
            ("round_id", Int),
            ("entry_id", Int),
            ("progress", Text),
            ("on_schedule", Bool),
            ("state", Text),
            ("return_reason", Text),
            ("late", Bool),
            ("version", Int),
            ("updated_at", Text),
            ("submitted_at", Text),
            ("returned_count", Int),
            ("details", Text),
        ],
    ),
    (
        "publications",
        &[
            ("id", Int),
            ("round_id", Int),
            ("period", Text),
            ("chain_position", Int),
            ("sha256", Text),
            ("content_sha256", Text),
            ("previous_sha256", Text),
            ("published_at", Text),
            ("supersedes", Int),
            ("content", Text),
            ("government", Text),
        ],
    ),
    ("chain_legacy", &[("last_position", Int)]),
    (
        "audit_log",
        &[
            ("id", Int),
            ("at", Text),
            ("actor", Text),
            ("action", Text),
            ("subject", Text),
            ("before", Text),
            ("after", Text),
            ("government", Text),
        ],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("role", Text),
            ("password_hash", Text),
            ("leader_name", Text),
            ("created_at", Text),
            ("government", Text),
            ("email", Text),
            ("disabled_at", Text),
            ("must_change_password", Int),
        ],
    ),
    ("user_units", &[("user_id", Int), ("unit_name", Text)]),
    (
        "tokens",
        &[
            ("token_sha256", Text),
            ("user_id", Int),
            ("kind", Text),
            ("created_at", Text),
            ("expires_at", Text),
        ],
    ),
    (
        "login_failures",
        &[
            ("id", Int),
            ("at", Text),
            ("username", Text),
            ("address", Text),
        ],
    ),
    (
        "comments",
        &[
            ("id", Int),
            ("report_id", Int),
            ("user_id", Int),
            ("body", Text),
            ("at", Text),
        ],
    ),
    (
        "extensions",
        &[
            ("id", Int),
            ("entry_id", Int),
            ("requested_by", Int),
            ("new_deadline", Text),
            ("reason", Text),
            ("state", Text),
            ("decided_by", Int),
            ("requested_at", Text),
            ("decided_at", Text),
            ("note", Text),
        ],
    ),
    (
        "messages",
        &[
            ("id", Int),
            ("government", Text),
            ("year", Int),
            ("target_no", Int),
            ("body", Text),
            ("name", Text),
            ("contact", Text),
            ("address", Text),
            ("state", Text),
            ("reply", Text),
            ("note", Text),
            ("created_at", Text),
            ("decided_at", Text),
            ("decided_by", Text),
        ],
    ),
    (
        "unit_aliases",
        &[
            ("government", Text),
            ("alias", Text),
            ("unit", Text),
            ("created_at", Text),
        ],
    ),
    (
        "mail",
        &[
            ("id", Int),
            ("mail_key", Text),
            ("government", Text),
            ("kind", Text),
            ("recipient", Text),
            ("subject", Text),
            ("body", Text),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_at", Text),
            ("leased_until", Text),
            ("last_error", Text),
            ("created_at", Text),
            ("sent_at", Text),
        ],
    ),
    (
        "uploads",
        &[
            ("id", Int),
            ("user_id", Int),
            ("file_name", Text),
            ("options", Text),
            ("bytes", Bytes),
            ("created_at", Text),
        ],
    ),
];

/// Rows read and written at a time: a publication's JSON can be a few hundred kilobytes, so a
/// page of them stays within tens of megabytes.
const PAGE: i64 = 200;

/// One stored value, whichever backend it came from.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Year(Option<i16>),
    Bytes(Option<Vec<u8>>),
}

/// One database of either kind, seen as tables of rows.
#[derive(Debug)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// What the copy reports as it goes: the table, rows copied so far, and the table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyProgress {
    pub table: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows copied, per table, in the order copied.
    pub rows: Vec<(&'static str, u64)>,
    /// `verify` on the target.
    pub verify: VerifyReport,
}

impl Database {
    /// Opens (and migrates) the database a `--db` URL names; [`crate::open`] too.
    pub async fn open(url: &str) -> Result<Database, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Database::Sqlite(SqliteStore::open(url).await?))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Database::Postgres(PgStore::open(url).await?))
        } else {
            Err(StoreError::Invalid(format!(
                "“{url}” is not a database URL: write sqlite://FILE or postgres://…"
            )))
        }
    }

    /// Ends this process's use of the database (see [`crate::Store::close`]).
    pub async fn close(&self) {
        use crate::Store;
        match self {
            Database::Sqlite(s) => s.close().await,
            Database::Postgres(p) => p.close().await,
        }
    }

    async fn count(&self, table: &str) -> Result<u64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = match self {
            Database::Sqlite(s) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(s.pool())
                    .await?
            }
            Database::Postgres(p) => {
                sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(p.pool())
                    .await?
            }
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// A page of a table's rows in key order, after the row at `offset`. Keyset paging on
    /// `id` where the table has one; the link tables and tokens are small enough to read in
    /// one go (`offset` 0, no limit).
    async fn page(
        &self,
        table: &str,
        columns: &[(&str, Kind)],
        after_id: Option<i64>,
    ) -> Result<Vec<Vec<Value>>, StoreError> {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let keyed = names.first() == Some(&"id");
        let order = if keyed {
            "id".to_owned()
        } else {
            // Every column of the link tables and tokens together is their key.
            names.join(", ")
        };
        let sql = if keyed {
            format!(
                "SELECT {} FROM {table} WHERE id > $1 ORDER BY {order} LIMIT {PAGE}",
                names.join(", ")
            )
        } else {
            format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "))
        };
        let after = after_id.unwrap_or(i64::MIN);
        match self {
            Database::Sqlite(s) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                if keyed {
                    q = q.bind(after);
                }
                q.fetch_all(s.pool())
                    .await?
                    .iter()
                    .map(|r| read_sqlite(r, columns))
                    .collect()
            }
            Database::Postgres(p) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                if keyed {
                    q = q.bind(after);
                }
                q.fetch_all(p.pool())
                    .await?
                    .iter()
                    .map(|r| read_pg(r, columns))
                    .collect()
            }
        }
    }
}

fn read_sqlite(row: &SqliteRow, columns: &[(&str, Kind)]) -> Result<Vec<Value>, StoreError> {
    columns
        .iter()
        .map(|&(c, kind)| {
            Ok(match kind {
                Int => Value::Int(row.try_get(c)?),
                Text => Value::Text(row.try_get(c)?),
                Bool => Value::Bool(row.try_get::<Option<i64>, _>(c)?.map(|v| v != 0)),
                Year => Value::Year(row.try_get(c)?),
                Bytes => Value::Bytes(row.try_get(c)?),
            })
        })
        .collect()
}

fn read_pg(row: &PgRow, columns: &[(&str, Kind)]) -> Result<Vec<Value>, StoreError> {
    columns
        .iter()
        .map(|&(c, kind)| {
            Ok(match kind {
                Int => Value::Int(row.try_get(c)?),
                Text => Value::Text(row.try_get(c)?),
                Bool => Value::Bool(row.try_get(c)?),
                Year => Value::Year(row.try_get(c)?),
                Bytes => Value::Bytes(row.try_get(c)?),
            })
        })
        .collect()
}

/// `INSERT INTO table (columns) VALUES ($1, …), (…)` for `rows` rows.
fn insert_sql(table: &str, columns: &[(&str, Kind)], rows: usize) -> String {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let width = columns.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|i| format!("${}", r * width + i)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        names.join(", "),
        values.join(", ")
    )
}

/// Binds values the way each backend stores them (booleans as 0/1 on SQLite).
macro_rules! bind_all {
    ($query:expr, $rows:expr, $bool:expr) => {{
        let mut q = $query;
        for row in $rows {
            for v in row {
                q = match v {
                    Value::Int(x) => q.bind(*x),
                    Value::Text(x) => q.bind(x.clone()),
                    Value::Bool(x) => q.bind(($bool)(*x)),
                    Value::Year(x) => q.bind(*x),
                    Value::Bytes(x) => q.bind(x.clone()),
                };
            }
        }
        q
    }};
}

/// Copies every row of `from` into `to`, which must be empty. `progress` hears of each page.
pub async fn copy(
    from: &Database,
    to: &Database,
    actor: &str,
    progress: &mut (dyn FnMut(CopyProgress) + Send),
) -> Result<CopyReport, StoreError> {
    for (table, _) in TABLES {
        if to.count(table).await? > 0 {
            return Err(StoreError::conflict(
                "target_not_empty",
                format!(
                    "the target database is not empty (its table {table} has rows); copy into a new, empty database"
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    match to {
        Database::Sqlite(target) => {
            let mut tx = target.write().await?;
            for &(table, columns) in TABLES {
                let n = copy_table(from, table, columns, progress, async |page| {
                    let sql = insert_sql(table, columns, page.len());
                    let q = bind_all!(sqlx::query(AssertSqlSafe(sql)), page, |b: Option<bool>| b
                        .map(i64::from));
                    q.execute(&mut *tx).await?;
                    Ok(())
                })
                .await?;
                rows.push((table, n));
            }
            crate::sqlite::audit(
                &mut tx,
                None,
                actor,
                "database.copy",
                "database",
                None,
                Some(summary(&rows)),
            )
            .await?;
            tx.commit().await?;
            // The search index fills itself on the next open of a SQLite file whose index is
            // empty; do it now, so the copy is complete when the command ends.
            target.backfill_search().await?;
        }
        Database::Postgres(target) => {
            let mut tx = target.write().await?;
            for &(table, columns) in TABLES {
                let n = copy_table(from, table, columns, progress, async |page| {
                    let sql = insert_sql(table, columns, page.len());
                    let q = bind_all!(sqlx::query(AssertSqlSafe(sql)), page, |b: Option<bool>| b);
                    q.execute(&mut *tx).await?;
                    Ok(())
                })
                .await?;
                rows.push((table, n));
                // Ids were given explicitly: move the identity on past them, or the next
                // insert would collide with a copied row.
                if columns.first().is_some_and(|(c, _)| *c == "id") {
                    sqlx::query(AssertSqlSafe(format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                       COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            crate::postgres::search::reindex(&mut tx).await?;
            crate::postgres::audit(
                &mut tx,
                None,
                actor,
                "database.copy",
                "database",
                None,
                Some(summary(&rows)),
            )
            .await?;
            tx.commit().await?;
            // Fresh statistics for the tables just filled, so the first queries are planned
            // on what is there (the search above all: see `PgStore::backfill_search`).
            sqlx::query("ANALYZE").execute(target.pool()).await?;
        }
    }
    let verify = match to {
        Database::Sqlite(s) => s.verify().await?,
        Database::Postgres(p) => p.verify().await?,
    };
    Ok(CopyReport { rows, verify })
}

fn summary(rows: &[(&'static str, u64)]) -> serde_json::Value {
    serde_json::Value::Object(
        rows.iter()
            .map(|(t, n)| ((*t).to_owned(), serde_json::json!(n)))
            .collect(),
    )
}

/// Copies one table page by page through `write`; returns the rows copied.
async fn copy_table(
    from: &Database,
    table: &'static str,
    columns: &'static [(&'static str, Kind)],
    progress: &mut (dyn FnMut(CopyProgress) + Send),
    mut write: impl AsyncFnMut(&[Vec<Value>]) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let total = from.count(table).await?;
    let mut done = 0u64;
    let mut after: Option<i64> = None;
    progress(CopyProgress { table, done, total });
    loop {
        let page = from.page(table, columns, after).await?;
        if page.is_empty() {
            break;
        }
        // Multi-row inserts, kept under SQLite's limit of 32,766 parameters a statement.
        for chunk in page.chunks(32_000 / columns.len() / 8) {
            write(chunk).await?;
        }
        done += page.len() as u64;
        progress(CopyProgress { table, done, total });
        match page.last().and_then(|r| r.first()) {
            Some(Value::Int(Some(id))) if columns[0].0 == "id" => after = Some(*id),
            // Read in one go: nothing after it.
            _ => break,
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables a copy leaves out on purpose: sqlx's own, SQLite's, and the search index, which
    /// is derived from publications and rebuilt on the target (see the module documentation).
    fn not_copied(table: &str) -> bool {
        table == "_sqlx_migrations" || table.starts_with("sqlite_") || table.starts_with("search")
    }

    /// A migration that adds a column must add it to [`TABLES`] too, or `db copy` silently
    /// drops it: every column of a freshly migrated SQLite database is named there.
    #[tokio::test]
    async fn the_copy_names_every_column_the_migrations_make() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("d.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let mut missing = Vec::new();
        for table in tables.iter().filter(|t| !not_copied(t)) {
            let Some((_, listed)) = TABLES.iter().find(|(t, _)| t == table) else {
                missing.push(format!("table {table}"));
                continue;
            };
            // table_info leaves out generated columns, which the target generates itself.
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&store.pool)
                    .await
                    .unwrap();
            for c in &columns {
                if !listed.iter().any(|(l, _)| l == c) {
                    missing.push(format!("{table}.{c}"));
                }
            }
        }
        assert!(missing.is_empty(), "db copy leaves out {missing:?}");
        store.pool.close().await;
    }
}
