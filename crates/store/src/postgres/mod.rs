//! The scale-out backend: one PostgreSQL database shared by any number of `duban serve`
//! instances, migrated on open.
//!
//! Nothing here relies on a lock held in this process: every write that must see a consistent
//! state takes it from PostgreSQL (a row lock with `SELECT … FOR UPDATE`, a transaction-level
//! advisory lock for the publication chain and for plan structure, a version check in the
//! `UPDATE` itself), so two instances racing behave exactly as two requests in one instance.
//! Changes other instances must hear of at once are announced with `NOTIFY` (see
//! [`crate::changes`]) and heard by one listening connection per process.

use crate::changes::{CHANNEL, Change};
use crate::{Store, StoreError};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

pub(crate) use crate::logic::{now, ts_string};

mod accounts;
mod audit;
mod comments;

crate::logic::aliases::aliases_impl!(PgStore);
crate::logic::plans::plans_impl!(PgStore, sqlx::PgConnection);
// Due mail is taken past rows another instance holds, so two senders never wait on each other.
crate::logic::mail::mail_impl!(PgStore, "FOR UPDATE SKIP LOCKED");
mod extensions;
mod governments;
mod import;
mod messages;
mod names;
mod publications;
mod rows;
pub(crate) mod search;
mod uploads;
mod workflow;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process. Two or three instances at this size stay well inside PostgreSQL's
/// default `max_connections` (100) while leaving room for `psql` and backups.
const POOL_SIZE: u32 = 24;

/// How long a request waits for a connection before it is told the database is unavailable
/// (503) rather than hanging while PostgreSQL is down or restarting.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Transaction-level advisory lock keys (`pg_advisory_xact_lock`), released at commit or
/// rollback. Arbitrary constants, the same in every instance.
pub(crate) mod locks {
    /// The publication chain: one publication at a time, so two instances publishing at the
    /// same moment append one after the other instead of forking the chain.
    pub(crate) const CHAIN: i64 = 0x6475_6261_6e01;
    /// Plans, targets, entries and rounds: imports and round openings, which read then write
    /// the plan's structure.
    pub(crate) const STRUCTURE: i64 = 0x6475_6261_6e02;
}

/// PostgreSQL storage. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    changes: broadcast::Sender<Change>,
    /// Stops the listening task when the last handle of the store is dropped.
    _listener: Arc<AbortOnDrop>,
}

#[derive(Debug)]
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PgStore {
    /// Connects to the database at a `postgres://` URL and brings its schema up to date.
    /// sqlx runs the migrations under a PostgreSQL advisory lock, so instances starting
    /// together apply each migration once; the others wait, then find nothing to do.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("duban");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let (changes, _) = broadcast::channel(1024);
        let listener = tokio::spawn(listen(pool.clone(), changes.clone())).abort_handle();
        let store = PgStore {
            pool,
            changes,
            _listener: Arc::new(AbortOnDrop(listener)),
        };
        store.register_unregistered().await?;
        store.backfill_search().await?;
        Ok(store)
    }

    /// Begins a write transaction. Unlike SQLite's, it does not queue behind other writers:
    /// each write locks what it changes (see the module's documentation).
    pub(crate) async fn write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Begins a write that reads and then changes a plan's structure (targets, entries and the
    /// names linked to them), holding the `STRUCTURE` lock so such writes take turns.
    pub(crate) async fn structure_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.write().await?;
        lock(&mut tx, locks::STRUCTURE).await?;
        Ok(tx)
    }

    /// The pool, for tests that need to look under the hood.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Takes a transaction-level advisory lock (see [`locks`]); it is held until the transaction
/// ends.
pub(crate) async fn lock(conn: &mut PgConnection, key: i64) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Announces a change to every instance, when (and only if) the transaction commits.
pub(crate) async fn announce(conn: &mut PgConnection, change: &Change) -> Result<(), StoreError> {
    let payload = serde_json::to_string(change)
        .map_err(|e| StoreError::Invalid(format!("announcement: {e}")))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends to the audit log, in the caller's transaction.
pub(crate) async fn audit(
    conn: &mut PgConnection,
    government: Option<&str>,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, before, after, government)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .bind(government)
    .execute(conn)
    .await?;
    Ok(())
}

/// Hears the announcements of every instance and passes them on. When the connection is lost
/// (PostgreSQL restarted, a network cut) announcements made meanwhile are gone, so once it is
/// back the listeners are told to forget everything ([`Change::Resync`]). Ends quietly when the
/// store is closed (every command closes it before it exits).
async fn listen(pool: PgPool, changes: broadcast::Sender<Change>) {
    let mut listener: Option<PgListener> = None;
    let mut lost = false;
    loop {
        if pool.is_closed() {
            return;
        }
        let l = match listener.as_mut() {
            Some(l) => l,
            None => match PgListener::connect_with(&pool).await {
                Ok(mut l) => match l.listen(CHANNEL).await {
                    Ok(()) => {
                        if lost {
                            let _ = changes.send(Change::Resync);
                            lost = false;
                        }
                        listener.insert(l)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for changes; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for changes; retrying");
                    lost = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        match l.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                // Nobody listening is not an error: a command that never serves pages.
                Ok(change) => {
                    let _ = changes.send(change);
                }
                Err(e) => tracing::warn!(error = %e, payload = n.payload(), "unknown change"),
            },
            // The connection was lost: the next round connects again.
            Ok(None) | Err(_) if pool.is_closed() => return,
            Ok(None) | Err(_) => {
                tracing::warn!("lost the connection that listens for changes");
                lost = true;
                listener = None;
                // The next connection must be a new one: PgListener's own reconnect would
                // hide the loss from us.
            }
        }
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn backup(&self, _to: &Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "on PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=duban.dump \
             postgres://HOST/DATABASE (restore with pg_restore --dbname=…)"
                .into(),
        ))
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn changes(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn announces_every_change(&self) -> bool {
        true
    }
}
