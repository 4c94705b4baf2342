//! The embedded backend: one SQLite file, in WAL mode, created and migrated on first use.

use crate::{
    AuditFilter, AuditRecord, ImportOutcome, Publication, PublicationSummary, Store, StoreError,
    VerifyReport,
};
use duban_core::{Period, Table, TargetNo};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod accounts;
mod audit;
mod comments;

crate::logic::aliases::aliases_impl!(SqliteStore);
crate::logic::plans::plans_impl!(SqliteStore, sqlx::SqliteConnection);
// SQLite's one writer makes taking due mail atomic without a lock clause.
crate::logic::mail::mail_impl!(SqliteStore, "");
mod extensions;
mod governments;
mod import;
mod messages;
mod names;
mod publications;
mod saves;
mod search;
mod uploads;
mod workflow;

pub(crate) use crate::logic::{now, ts_string};
pub(crate) use audit::audit;
pub(crate) use names::*;
pub(crate) use publications::*;

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
    /// Nothing is ever sent on it: SQLite has no channel between the processes sharing a file,
    /// and a process's own changes are acted on where they are made (see [`crate::changes`]).
    changes: tokio::sync::broadcast::Sender<crate::Change>,
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
            changes: tokio::sync::broadcast::channel(64).0,
        };
        store.register_unregistered().await?;
        store.backfill_search().await?;
        Ok(store)
    }

    /// Begins a write transaction, after the writers queued before it in this process.
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// Begins a write that reads and then changes a plan's structure. `BEGIN IMMEDIATE`
    /// already makes every writer take its turn, so it is any write.
    pub(crate) async fn structure_write(&self) -> Result<WriteTx, StoreError> {
        self.write().await
    }

    /// The pool, for tests that need to look under the hood.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
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

    async fn close(&self) {
        // Fold the write-ahead log into the database file, so the file alone is the whole
        // database (and a command that changed nothing leaves it byte for byte as it was).
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "could not checkpoint the database on close");
        }
        self.pool.close().await;
    }

    fn changes(&self) -> tokio::sync::broadcast::Receiver<crate::Change> {
        self.changes.subscribe()
    }

    fn announces_every_change(&self) -> bool {
        false
    }
}
