//! Report saves, the busiest write, through one writer task.
//!
//! SQLite has one writer at a time, so how many saves a second it takes is one over the time a
//! save holds the write lock. With sqlx every statement is a round trip to the connection's own
//! thread, and on a small virtual machine waking a thread costs more than SQLite's work; a save
//! done as BEGIN, UPDATE, INSERT, COMMIT held the lock for four of them. Here the common case is
//! one round trip: a single multi-statement command that begins, updates the report only if it
//! is still at the version the caller read and writable, appends the audit record only if the
//! update happened, and commits.
//!
//! That command is not wrapped in sqlx's `Transaction` (which would cost the extra round trips),
//! so it must never be abandoned half-way: it runs on a task of its own that no request can
//! cancel, and after any error the task rolls back before the connection goes back to the pool.

use super::workflow::view_of;
use super::{audit, now};
use crate::logic::reports::{check_save, may_try_fast_save, saved, snapshot, subject};
use crate::{ReportEdit, ReportView, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Row};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// How many saves may wait for the writer before callers wait to hand theirs over.
const QUEUE: usize = 1024;

struct Job {
    base: ReportView,
    edit: ReportEdit,
    actor: String,
    reply: oneshot::Sender<Result<ReportView, StoreError>>,
}

/// The handle callers use; the writer task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Saver {
    jobs: mpsc::Sender<Job>,
}

impl Saver {
    /// Starts the writer. `gate` is the store's write gate, so saves take turns with every
    /// other write of this process. The writer has a connection of its own, outside the pool,
    /// so a save never queues behind readers for one.
    pub(crate) fn start(options: SqliteConnectOptions, gate: Arc<Mutex<()>>) -> Saver {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(options, gate, rx));
        Saver { jobs }
    }

    pub(crate) async fn save(
        &self,
        base: &ReportView,
        edit: &ReportEdit,
        actor: &str,
    ) -> Result<ReportView, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            base: base.clone(),
            edit: edit.clone(),
            actor: actor.to_owned(),
            reply,
        };
        let gone = || StoreError::Unsupported("the store is shutting down".into());
        self.jobs.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn writer(
    options: SqliteConnectOptions,
    gate: Arc<Mutex<()>>,
    mut jobs: mpsc::Receiver<Job>,
) {
    let mut connection: Option<SqliteConnection> = None;
    while let Some(job) = jobs.recv().await {
        let _turn = gate.lock().await;
        let conn = match connection.take() {
            Some(c) => Ok(c),
            None => options.connect().await,
        };
        let result = match conn {
            Ok(mut c) => {
                let result = save(&mut c, &job).await;
                // A database error may have left the connection unusable: open a new one for
                // the next save rather than find out.
                if !matches!(
                    result,
                    Err(StoreError::Database(_) | StoreError::Unavailable(_))
                ) {
                    connection = Some(c);
                }
                result
            }
            Err(e) => Err(e.into()),
        };
        // The caller may have gone (a closed connection); the save stands regardless.
        let _ = job.reply.send(result);
    }
}

async fn save(conn: &mut SqliteConnection, job: &Job) -> Result<ReportView, StoreError> {
    let (base, edit) = (&job.base, &job.edit);
    let updated_at = now();
    let after = saved(base, edit, base.version + 1, updated_at.clone());
    if may_try_fast_save(base, edit) {
        let fast = sqlx::query(
            "BEGIN IMMEDIATE;
             UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
                 updated_at = $3, details = $11
             WHERE id = $4 AND version = $5 AND state IN ('draft', 'returned')
               AND (SELECT state FROM rounds WHERE id = reports.round_id) = 'open'
             RETURNING version;
             INSERT INTO audit_log (at, actor, action, subject, before, after, government)
             SELECT $3, $6, 'report.save', $7, $8, $9, $10 WHERE changes() = 1;
             COMMIT",
        )
        .bind(edit.progress.as_str())
        .bind(edit.on_schedule.map(i64::from))
        .bind(&updated_at)
        .bind(base.id)
        .bind(base.version)
        .bind(&job.actor)
        .bind(subject(base))
        .bind(snapshot(base).to_string())
        .bind(snapshot(&after).to_string())
        .bind(&base.government)
        .bind(edit.details())
        // Every row, so that every statement runs to its end.
        .fetch_all(&mut *conn)
        .await;
        match fast {
            Ok(rows) => {
                if let [row] = rows.as_slice()
                    && row.try_get::<i64, _>(0)? == after.version
                {
                    return Ok(after);
                }
            }
            Err(e) => {
                // Whatever failed, no transaction may outlive this command; "no transaction is
                // active" is the harmless answer.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(e.into());
            }
        }
    }
    slow(conn, job).await
}

/// The report moved on since `base` was read: find out why in a transaction of its own and
/// refuse (a state the rules refuse, a stale version) or, with no version given, overwrite.
async fn slow(conn: &mut SqliteConnection, job: &Job) -> Result<ReportView, StoreError> {
    let (base, edit) = (&job.base, &job.edit);
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let before = view_of(&mut tx, base.id).await?;
    check_save(&before, edit)?;
    let updated_at = now();
    let version: i64 = sqlx::query_scalar(
        "UPDATE reports SET progress = $1, on_schedule = $2, version = version + 1,
             updated_at = $3, details = $5 WHERE id = $4 RETURNING version",
    )
    .bind(edit.progress.as_str())
    .bind(edit.on_schedule.map(i64::from))
    .bind(&updated_at)
    .bind(base.id)
    .bind(edit.details())
    .fetch_one(&mut *tx)
    .await?;
    let after = saved(&before, edit, version, updated_at);
    audit(
        &mut tx,
        Some(&after.government),
        &job.actor,
        "report.save",
        &subject(&after),
        Some(snapshot(&before)),
        Some(snapshot(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
