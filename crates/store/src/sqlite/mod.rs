//! The embedded backend: one SQLite file, in WAL mode, created and migrated on first use.

use crate::chain::{content_sha256, publication_sha256};
use crate::{
    AuditFilter, AuditRecord, ImportOutcome, Publication, PublicationSummary, Store, StoreError,
    VerifyReport,
};
use duban_core::{
    Deadline, Extension, Leader, Period, PlanId, RoundId, Table, TableEntry, TableTarget, TargetNo,
    Unit,
};
use serde_json::{Value, json};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod accounts;
mod comments;
mod extensions;
mod saves;
mod search;
mod workflow;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite storage. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// One writer at a time within this process. SQLite allows one writer anyway, and a
    /// connection that finds the lock taken waits in SQLite's busy handler, which sleeps and
    /// polls (1, 2, 5, 10 … ms); queued here instead, the next writer starts the moment the
    /// last commits. Other processes sharing the file still meet `busy_timeout`.
    write_gate: Arc<tokio::sync::Mutex<()>>,
    /// The task that writes report saves (see `saves`).
    saver: saves::Saver,
}

/// A write transaction (BEGIN IMMEDIATE) holding this process's write gate until it ends.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _gate: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// The time now, in the one format every stored timestamp uses.
pub(crate) fn now() -> String {
    ts_string(jiff::Timestamp::now())
}

/// RFC 3339 in UTC with exactly three fractional digits ("2023-10-30T08:00:00.000Z"), so that
/// stored timestamps compare correctly as strings (jiff's own Display drops a zero fraction).
pub(crate) fn ts_string(ts: jiff::Timestamp) -> String {
    format!(
        "{}.{:03}Z",
        ts.strftime("%Y-%m-%dT%H:%M:%S"),
        ts.subsec_millisecond()
    )
}

impl SqliteStore {
    /// Opens (creating if needed) the database at a `sqlite://` URL and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers (the public pages) go on while a writer commits.
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before it is acknowledged, so a power cut cannot take
            // back a publication, a review, an account or a decision. (NORMAL survives a crash
            // of the process but not of the machine.) Draft saves alone run on NORMAL, below.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A ping before every use costs a round trip to the connection's thread, and a
            // local file's connection does not go stale the way a network one does.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let write_gate = Arc::default();
        // Report saves are drafts that a unit saves over and over, the busiest write by far;
        // on NORMAL a power cut may lose the last moments of them, never a crash of the
        // process. The next FULL commit (a submission, a review) syncs the log they sit in.
        let saver = saves::Saver::start(
            options.synchronous(SqliteSynchronous::Normal),
            Arc::clone(&write_gate),
        );
        let store = SqliteStore {
            pool,
            write_gate,
            saver,
        };
        store.backfill_search().await?;
        Ok(store)
    }

    /// Begins a write transaction, after the writers queued before it in this process.
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// The pool, for tests that need to look under the hood.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

pub(crate) async fn audit(
    conn: &mut SqliteConnection,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (at, actor, action, subject, before, after) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(now())
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(before.map(|v| v.to_string()))
        .bind(after.map(|v| v.to_string()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Finds or creates a named unit or leader and returns its id.
async fn name_id(
    conn: &mut SqliteConnection,
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

/// The names linked to an entry, in order.
pub(crate) async fn entry_names(
    conn: &mut SqliteConnection,
    link: &'static str,
    names: &'static str,
    key: &'static str,
    entry: i64,
) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "SELECT n.name FROM {link} l JOIN {names} n ON n.id = l.{key} WHERE l.entry_id = $1 ORDER BY l.position"
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(entry)
        .fetch_all(conn)
        .await?)
}

/// Replaces an entry's linked names when they differ; returns whether they did.
async fn set_entry_names(
    conn: &mut SqliteConnection,
    government: &str,
    entry: i64,
    kind: NameKind,
    wanted: &[String],
) -> Result<bool, StoreError> {
    let (link, names, key) = kind.tables();
    if entry_names(conn, link, names, key, entry).await? == wanted {
        return Ok(false);
    }
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
    Ok(true)
}

#[derive(Debug, Clone, Copy)]
enum NameKind {
    Units,
    Leaders,
}

impl NameKind {
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            NameKind::Units => ("entry_units", "units", "unit_id"),
            NameKind::Leaders => ("entry_leaders", "leaders", "leader_id"),
        }
    }
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// Whether a table carries the deadline extensions approved so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovedExtensions {
    /// A round collected here: its publication shows every extension approved by then.
    Shown,
    /// A table imported as another system published it: exactly as published, nothing added.
    Omitted,
}

/// Reads a round's table as it stands: reports not accepted show as not reported.
pub(crate) async fn load_round_table(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
) -> Result<Table, StoreError> {
    let head = sqlx::query(
        "SELECT p.government, p.year, p.declared_total, r.period, r.title, r.intro
         FROM rounds r JOIN plans p ON p.id = r.plan_id WHERE r.id = $1",
    )
    .bind(round)
    .fetch_one(&mut *conn)
    .await?;
    let period: String = head.get("period");
    let period = Period::from_str(&period).map_err(|e| StoreError::Corrupt(e.to_string()))?;

    let mut names: HashMap<(i64, NameKindKey), Vec<String>> = HashMap::new();
    for (kind, key) in [
        (NameKind::Units, NameKindKey::Units),
        (NameKind::Leaders, NameKindKey::Leaders),
    ] {
        let (link, table, col) = kind.tables();
        let sql = format!(
            "SELECT l.entry_id, n.name FROM {link} l JOIN {table} n ON n.id = l.{col}
             JOIN reports r ON r.entry_id = l.entry_id AND r.round_id = $1
             ORDER BY l.entry_id, l.position"
        );
        for row in sqlx::query(AssertSqlSafe(sql))
            .bind(round)
            .fetch_all(&mut *conn)
            .await?
        {
            names
                .entry((row.get::<i64, _>(0), key))
                .or_default()
                .push(row.get(1));
        }
    }

    // The latest approval per entry is the one in force: each must go past the one before.
    let mut granted: HashMap<i64, Extension> = HashMap::new();
    if extensions == ApprovedExtensions::Shown {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT x.entry_id, x.new_deadline, x.reason, x.decided_at FROM extensions x
             JOIN reports r ON r.entry_id = x.entry_id AND r.round_id = $1
             WHERE x.state = 'approved' ORDER BY x.decided_at, x.id",
        )
        .bind(round)
        .fetch_all(&mut *conn)
        .await?;
        for (entry, deadline, reason, approved_at) in rows {
            let deadline = deadline
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("extension date {deadline}")))?;
            granted.insert(
                entry,
                Extension {
                    deadline,
                    reason,
                    approved_at,
                },
            );
        }
    }

    let rows = sqlx::query(
        "SELECT t.no, t.content, t.deadline, e.id AS entry_id, r.progress, r.on_schedule, r.state
         FROM reports r JOIN entries e ON e.id = r.entry_id JOIN targets t ON t.id = e.target_id
         WHERE r.round_id = $1 ORDER BY t.no, e.position",
    )
    .bind(round)
    .fetch_all(&mut *conn)
    .await?;
    let mut targets: Vec<TableTarget> = Vec::new();
    for row in rows {
        let no = target_no(&row)?;
        let entry_id: i64 = row.get("entry_id");
        let accepted = row.get::<String, _>("state") == "accepted";
        let take = |key| names.get(&(entry_id, key)).cloned().unwrap_or_default();
        let entry = TableEntry {
            leaders: take(NameKindKey::Leaders)
                .iter()
                .filter_map(|n| Leader::parse(n).ok())
                .collect(),
            units: take(NameKindKey::Units)
                .iter()
                .filter_map(|n| Unit::parse(n).ok())
                .collect(),
            progress: if accepted {
                row.get("progress")
            } else {
                String::new()
            },
            on_schedule: if accepted {
                row.get::<Option<i64>, _>("on_schedule").map(|v| v != 0)
            } else {
                None
            },
            extension: granted.remove(&entry_id),
        };
        match targets.last_mut() {
            Some(t) if t.no == no => t.entries.push(entry),
            _ => {
                let deadline: String = row.get("deadline");
                targets.push(TableTarget {
                    no,
                    content: row.get("content"),
                    deadline: Deadline::from_json_text(&deadline)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    entries: vec![entry],
                });
            }
        }
    }
    Ok(Table {
        government: head.get("government"),
        title: head.get("title"),
        year: head.get("year"),
        period,
        declared_total: head
            .get::<Option<i64>, _>("declared_total")
            .and_then(|n| u32::try_from(n).ok()),
        intro: head.get("intro"),
        targets,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NameKindKey {
    Units,
    Leaders,
}

pub(crate) fn target_no(row: &SqliteRow) -> Result<TargetNo, StoreError> {
    let no: i64 = row.get("no");
    u32::try_from(no)
        .ok()
        .and_then(|n| TargetNo::new(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("target number {no}")))
}

const SUMMARY_COLUMNS: &str =
    "p.period, pl.government, r.title, p.sha256, p.content_sha256, p.previous_sha256,
    p.published_at, (SELECT s.sha256 FROM publications s WHERE s.id = p.supersedes) AS supersedes,
    EXISTS (SELECT 1 FROM publications n WHERE n.supersedes = p.id) AS superseded";
const SUMMARY_FROM: &str =
    "FROM publications p JOIN rounds r ON r.id = p.round_id JOIN plans pl ON pl.id = r.plan_id";

fn summary(row: &SqliteRow) -> Result<PublicationSummary, StoreError> {
    let period: String = row.get("period");
    Ok(PublicationSummary {
        period: period
            .parse()
            .map_err(|e: duban_core::period::PeriodError| StoreError::Corrupt(e.to_string()))?,
        government: row.get("government"),
        title: row.get("title"),
        sha256: row.get("sha256"),
        content_sha256: row.get("content_sha256"),
        previous_sha256: row.get("previous_sha256"),
        published_at: row.get("published_at"),
        supersedes: row.get("supersedes"),
        superseded: row.get::<i64, _>("superseded") != 0,
    })
}

/// Freezes a round's current table as a new publication, unless the newest one of the round
/// already holds exactly these bytes. Runs inside the caller's transaction.
pub(crate) async fn publish_round(
    conn: &mut SqliteConnection,
    round: i64,
    extensions: ApprovedExtensions,
    actor: &str,
) -> Result<Option<PublicationSummary>, StoreError> {
    let table = load_round_table(conn, round, extensions).await?;
    let content = table.to_canonical_json();
    let content_hash = content_sha256(&content);
    let last_of_round: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, content_sha256 FROM publications WHERE round_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(round)
    .fetch_optional(&mut *conn)
    .await?;
    if last_of_round
        .as_ref()
        .is_some_and(|(_, h)| *h == content_hash)
    {
        return Ok(None);
    }
    let head: Option<(i64, String)> = sqlx::query_as(
        "SELECT chain_position, sha256 FROM publications ORDER BY chain_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let period = table.period.to_string();
    let published_at = now();
    let previous = head.as_ref().map(|(_, h)| h.as_str());
    let sha = publication_sha256(&period, &published_at, previous, &content_hash);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (round_id, period, chain_position, sha256, content_sha256,
             previous_sha256, published_at, supersedes, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(round)
    .bind(&period)
    .bind(head.as_ref().map_or(0, |(p, _)| p + 1))
    .bind(&sha)
    .bind(&content_hash)
    .bind(previous)
    .bind(&published_at)
    .bind(last_of_round.as_ref().map(|(id, _)| *id))
    .bind(&content)
    .fetch_one(&mut *conn)
    .await?;
    search::index_publication(conn, round, id, &table).await?;
    sqlx::query("UPDATE rounds SET state = 'published' WHERE id = $1")
        .bind(round)
        .execute(&mut *conn)
        .await?;
    audit(
        conn,
        actor,
        "publication.create",
        &format!("round:{period}"),
        None,
        Some(json!({"sha256": sha, "previous_sha256": previous, "content_sha256": content_hash})),
    )
    .await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    summary(&row).map(Some)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn import_table(&self, table: &Table, actor: &str) -> Result<ImportOutcome, StoreError> {
        table
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        // IMMEDIATE takes the write lock up front, so two imports queue instead of failing
        // half-way when both try to upgrade a read lock.
        let mut tx = self.write().await?;
        let conn = &mut *tx;
        let gov = table.government.as_str();
        let plan: i64 = sqlx::query_scalar(
            "INSERT INTO plans (government, year, declared_total) VALUES ($1, $2, $3)
             ON CONFLICT (government, year) DO UPDATE
                 SET declared_total = COALESCE(excluded.declared_total, plans.declared_total)
             RETURNING id",
        )
        .bind(gov)
        .bind(table.year)
        .bind(table.declared_total.map(i64::from))
        .fetch_one(&mut *conn)
        .await?;

        let period = table.period.to_string();
        let round: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (plan_id, period, title, intro, state, created_at)
             VALUES ($1, $2, $3, $4, 'closed', $5)
             ON CONFLICT (plan_id, period) DO UPDATE SET title = excluded.title, intro = excluded.intro
             RETURNING id",
        )
        .bind(plan)
        .bind(&period)
        .bind(&table.title)
        .bind(&table.intro)
        .bind(now())
        .fetch_one(&mut *conn)
        .await?;

        let (mut added, mut changed, mut reports_changed) = (0, 0, 0);
        for t in &table.targets {
            let no = i64::from(t.no.get());
            let subject = format!("target:{}/{}/{no}", gov, table.year);
            let deadline = t.deadline.to_string();
            let old: Option<(i64, String, String)> = sqlx::query_as(
                "SELECT id, content, deadline FROM targets WHERE plan_id = $1 AND no = $2",
            )
            .bind(plan)
            .bind(no)
            .fetch_optional(&mut *conn)
            .await?;
            let target = match old {
                None => {
                    added += 1;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO targets (plan_id, no, content, deadline) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(plan)
                    .bind(no)
                    .bind(&t.content)
                    .bind(&deadline)
                    .fetch_one(&mut *conn)
                    .await?;
                    audit(
                        conn,
                        actor,
                        "target.create",
                        &subject,
                        None,
                        Some(json!({"content": t.content, "deadline": deadline})),
                    )
                    .await?;
                    id
                }
                Some((id, content, old_deadline)) => {
                    if content != t.content || old_deadline != deadline {
                        changed += 1;
                        sqlx::query("UPDATE targets SET content = $1, deadline = $2 WHERE id = $3")
                            .bind(&t.content)
                            .bind(&deadline)
                            .bind(id)
                            .execute(&mut *conn)
                            .await?;
                        audit(
                            conn,
                            actor,
                            "target.update",
                            &subject,
                            Some(json!({"content": content, "deadline": old_deadline})),
                            Some(json!({"content": t.content, "deadline": deadline})),
                        )
                        .await?;
                    }
                    id
                }
            };

            for (pos, e) in t.entries.iter().enumerate() {
                let entry: i64 = sqlx::query_scalar(
                    "INSERT INTO entries (target_id, position) VALUES ($1, $2)
                     ON CONFLICT (target_id, position) DO UPDATE SET position = excluded.position
                     RETURNING id",
                )
                .bind(target)
                .bind(pos as i64)
                .fetch_one(&mut *conn)
                .await?;
                let entry_subject = format!("{subject}/entry:{pos}");
                for (kind, wanted) in [
                    (NameKind::Leaders, strings(&e.leaders)),
                    (NameKind::Units, strings(&e.units)),
                ] {
                    let (link, names, key) = kind.tables();
                    let before = entry_names(conn, link, names, key, entry).await?;
                    if set_entry_names(conn, gov, entry, kind, &wanted).await? {
                        audit(
                            conn,
                            actor,
                            &format!("entry.{names}"),
                            &entry_subject,
                            Some(json!(before)),
                            Some(json!(wanted)),
                        )
                        .await?;
                    }
                }
                let old: Option<(String, Option<i64>, String)> = sqlx::query_as(
                    "SELECT progress, on_schedule, state FROM reports WHERE round_id = $1 AND entry_id = $2",
                )
                .bind(round)
                .bind(entry)
                .fetch_optional(&mut *conn)
                .await?;
                let on_schedule = e.on_schedule.map(i64::from);
                let same = old.as_ref().is_some_and(|(p, o, s)| {
                    *p == e.progress && *o == on_schedule && s == "accepted"
                });
                if !same {
                    reports_changed += 1;
                    sqlx::query(
                        "INSERT INTO reports (round_id, entry_id, progress, on_schedule, state, updated_at)
                         VALUES ($1, $2, $3, $4, 'accepted', $5)
                         ON CONFLICT (round_id, entry_id) DO UPDATE SET progress = excluded.progress,
                             on_schedule = excluded.on_schedule, state = 'accepted',
                             version = reports.version + 1, updated_at = excluded.updated_at",
                    )
                    .bind(round)
                    .bind(entry)
                    .bind(&e.progress)
                    .bind(on_schedule)
                    .bind(now())
                    .execute(&mut *conn)
                    .await?;
                    audit(
                        conn,
                        actor,
                        "report.import",
                        &format!("{entry_subject}/round:{period}"),
                        old.map(|(p, o, s)| json!({"progress": p, "on_schedule": o, "state": s})),
                        Some(json!({"progress": e.progress, "on_schedule": on_schedule, "state": "accepted"})),
                    )
                    .await?;
                }
            }
            let dropped =
                sqlx::query("DELETE FROM entries WHERE target_id = $1 AND position >= $2")
                    .bind(target)
                    .bind(t.entries.len() as i64)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            if dropped > 0 {
                audit(
                    conn,
                    actor,
                    "entry.delete",
                    &subject,
                    Some(json!({"entries_removed": dropped})),
                    None,
                )
                .await?;
            }
        }
        audit(
            conn,
            actor,
            "round.import",
            &format!("round:{period}"),
            None,
            Some(json!({"title": table.title, "targets": table.targets.len(), "entries": table.entry_count()})),
        )
        .await?;
        let published = publish_round(conn, round, ApprovedExtensions::Omitted, actor).await?;
        tx.commit().await?;
        Ok(ImportOutcome {
            plan: PlanId(plan),
            round: RoundId(round),
            targets_added: added,
            targets_changed: changed,
            reports_changed,
            published,
        })
    }

    async fn published(&self) -> Result<Vec<PublicationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM}
             WHERE p.id IN (SELECT MAX(id) FROM publications GROUP BY round_id)"
        );
        let mut v = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary)
            .collect::<Result<Vec<_>, _>>()?;
        v.sort_by(|a, b| {
            b.period
                .cmp(&a.period)
                .then_with(|| a.government.cmp(&b.government))
        });
        Ok(v)
    }

    async fn latest_publication(&self, period: Period) -> Result<Option<Publication>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM} WHERE p.period = $1 ORDER BY p.id DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Publication {
                summary: summary(&r)?,
                content: r.get("content"),
            })
        })
        .transpose()
    }

    async fn latest_sha256(&self, period: Period) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT sha256 FROM publications WHERE period = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn publication(&self, sha256: &str) -> Result<Option<Publication>, StoreError> {
        let sql = format!("SELECT {SUMMARY_COLUMNS}, p.content {SUMMARY_FROM} WHERE p.sha256 = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Publication {
                summary: summary(&r)?,
                content: r.get("content"),
            })
        })
        .transpose()
    }

    async fn publications_of(&self, period: Period) -> Result<Vec<PublicationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE p.period = $1 ORDER BY p.id DESC"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(period.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary)
            .collect()
    }

    async fn round_table(&self, period: Period) -> Result<Option<Table>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let round: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rounds WHERE period = $1 ORDER BY id DESC LIMIT 1")
                .bind(period.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        match round {
            Some(r) => Ok(Some(
                load_round_table(&mut conn, r, ApprovedExtensions::Shown).await?,
            )),
            None => Ok(None),
        }
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let rows = sqlx::query(
            "SELECT chain_position, period, sha256, content_sha256, previous_sha256, published_at, content
             FROM publications ORDER BY chain_position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut report = VerifyReport::default();
        let mut previous: Option<String> = None;
        for (i, row) in rows.iter().enumerate() {
            report.checked += 1;
            let (period, sha, stored_content_sha, prev, at, content): (
                String,
                String,
                String,
                Option<String>,
                String,
                String,
            ) = (
                row.get("period"),
                row.get("sha256"),
                row.get("content_sha256"),
                row.get("previous_sha256"),
                row.get("published_at"),
                row.get("content"),
            );
            let name = format!("publication {period} {}…", sha.get(..12).unwrap_or(&sha));
            let mut wrong = Vec::new();
            if row.get::<i64, _>("chain_position") != i as i64 {
                wrong.push("the chain has a gap before it");
            }
            let actual_content_sha = content_sha256(&content);
            if actual_content_sha != stored_content_sha {
                wrong.push("its content no longer matches its hash");
            }
            if prev != previous {
                wrong.push("it does not link to the publication before it");
            }
            if publication_sha256(&period, &at, prev.as_deref(), &actual_content_sha) != sha {
                wrong.push("its hash does not match its period, date, link and content");
            }
            if !wrong.is_empty() {
                report
                    .problems
                    .push(format!("{name}: {}", wrong.join("; ")));
            }
            previous = Some(sha);
        }
        Ok(report)
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_filtered(&AuditFilter::default(), limit).await
    }

    async fn audit_filtered(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        // instr() rather than LIKE: user text may hold % and _, which LIKE would read as wildcards.
        let rows = sqlx::query(
            "SELECT at, actor, action, subject, before, after FROM audit_log
             WHERE instr(actor, $1) > 0 AND instr(action, $2) > 0 AND instr(subject, $3) > 0
             ORDER BY id DESC LIMIT $4",
        )
        .bind(&filter.actor)
        .bind(&filter.action)
        .bind(&filter.subject)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(rows
            .into_iter()
            .map(|r| AuditRecord {
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                subject: r.get("subject"),
                before: json(r.get("before")),
                after: json(r.get("after")),
            })
            .collect())
    }

    async fn stash_upload(
        &self,
        user_id: i64,
        file_name: &str,
        options: &str,
        bytes: &[u8],
    ) -> Result<i64, StoreError> {
        // Uploads older than a day were never confirmed: drop them while here.
        let day_ago = ts_string(
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(24))
                .unwrap_or_else(|_| jiff::Timestamp::now()),
        );
        sqlx::query("DELETE FROM uploads WHERE created_at < $1")
            .bind(day_ago)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO uploads (user_id, file_name, options, bytes, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(file_name)
        .bind(options)
        .bind(bytes)
        .bind(now())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn upload(
        &self,
        id: i64,
        user_id: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT file_name, options, bytes FROM uploads WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn drop_upload(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::conflict(
                "exists",
                format!("{} already exists; not overwriting it", to.display()),
            ));
        }
        let path = to
            .to_str()
            .ok_or_else(|| StoreError::Invalid("the backup path is not valid UTF-8".into()))?;
        // VACUUM INTO writes a consistent, compacted copy while readers and writers go on.
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
