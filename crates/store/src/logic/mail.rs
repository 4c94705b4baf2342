//! The outgoing mail queue on every backend ([`crate::Mail`]): the statements, which read the
//! same in both dialects but for how due mail is taken (passed in: PostgreSQL skips rows another
//! instance holds locked), and the one implementation ([`mail_impl`]).
//!
//! A mail is `queued` until the SMTP server takes it (`sent`) or the sender gives up
//! (`failed`). Taking a mail leases it: `leased_until` keeps other takers off while the sender
//! talks to the server, and a sender that dies simply lets the lease run out. The unique
//! `mail_key` is what makes planning idempotent: a reminder planned twice, by one instance or
//! two, is one row.

use crate::{MailState, MailView, StoreError};

/// The columns of a [`MailRow`].
pub(crate) const COLUMNS: &str = "id, mail_key, government, kind, recipient, subject, body, state,
    attempts, next_attempt_at, last_error, created_at, sent_at";

/// Queues a mail unless its key is taken (binds: key, government, kind, recipient, subject,
/// body, now).
pub(crate) const INSERT_SQL: &str = "INSERT INTO mail
    (mail_key, government, kind, recipient, subject, body, state, attempts, next_attempt_at,
     created_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $7)
    ON CONFLICT (mail_key) DO NOTHING";

/// Takes due mail (binds: the lease's end, now, how many), oldest first, with `$lock` after the
/// inner SELECT (`FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite, whose one writer
/// makes the statement atomic anyway).
pub(crate) fn claim_sql(lock: &str) -> String {
    format!(
        "UPDATE mail SET leased_until = $1, attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM mail
             WHERE state = 'queued' AND next_attempt_at <= $2
               AND (leased_until IS NULL OR leased_until <= $2)
             ORDER BY id LIMIT $3 {lock})
         RETURNING {COLUMNS}"
    )
}

pub(crate) const SENT_SQL: &str =
    "UPDATE mail SET state = 'sent', sent_at = $2, leased_until = NULL,
    last_error = NULL WHERE id = $1 AND state = 'queued'
    RETURNING government, recipient, subject, kind, attempts";

/// A failed try (binds: id, error, the next try or NULL to give up, the new state).
pub(crate) const FAILED_SQL: &str = "UPDATE mail SET state = $4, last_error = $2,
    next_attempt_at = COALESCE($3, next_attempt_at), leased_until = NULL
    WHERE id = $1 AND state = 'queued'
    RETURNING government, recipient, subject, kind, attempts";

/// The newest mail of a government (or all, when the bind is NULL), then the limit.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM mail WHERE ($1 IS NULL OR government = $1)
         ORDER BY id DESC LIMIT $2"
    )
}

/// The longest error kept: an SMTP server's answer, not its whole transcript.
const MAX_ERROR: usize = 500;

pub(crate) fn clip_error(error: &str) -> String {
    error.chars().take(MAX_ERROR).collect()
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MailRow {
    pub id: i64,
    pub mail_key: String,
    pub government: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// What the audit log keeps of a mail that was sent or given up.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Outcome {
    pub government: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub kind: String,
    pub attempts: i64,
}

impl MailRow {
    pub(crate) fn view(self) -> Result<MailView, StoreError> {
        Ok(MailView {
            state: MailState::parse(&self.state)
                .ok_or_else(|| StoreError::Corrupt(format!("mail {} state", self.id)))?,
            id: self.id,
            key: self.mail_key,
            government: self.government,
            kind: self.kind,
            recipient: self.recipient,
            subject: self.subject,
            body: self.body,
            attempts: crate::logic::u32_or_zero(self.attempts),
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            created_at: self.created_at,
            sent_at: self.sent_at,
        })
    }
}

/// A timestamp `after` from now, as stored.
pub(crate) fn from_now(after: std::time::Duration) -> Result<String, StoreError> {
    let span = jiff::SignedDuration::try_from(after)
        .map_err(|e| StoreError::Invalid(format!("a duration: {e}")))?;
    let at = jiff::Timestamp::now()
        .checked_add(span)
        .map_err(|e| StoreError::Invalid(format!("a duration: {e}")))?;
    Ok(crate::logic::ts_string(at))
}

/// The [`crate::Mail`] implementation, over `$lock` (what follows the inner SELECT that takes
/// due mail). Each backend invokes it with `audit` and its write transaction in scope.
macro_rules! mail_impl {
    ($store:ty, $lock:expr) => {
        #[async_trait::async_trait]
        impl crate::Mail for $store {
            async fn enqueue_mail(&self, mails: &[crate::NewMail]) -> Result<u64, StoreError> {
                if mails.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.write().await?;
                let now = crate::logic::now();
                let mut added = 0;
                for m in mails {
                    added += sqlx::query(crate::logic::mail::INSERT_SQL)
                        .bind(&m.key)
                        .bind(&m.government)
                        .bind(&m.kind)
                        .bind(&m.recipient)
                        .bind(&m.subject)
                        .bind(&m.body)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn claim_mail(
                &self,
                limit: u32,
                lease: std::time::Duration,
            ) -> Result<Vec<crate::MailView>, StoreError> {
                use crate::logic::mail::{MailRow, claim_sql, from_now};
                let mut tx = self.write().await?;
                let rows: Vec<MailRow> = sqlx::query_as(sqlx::AssertSqlSafe(claim_sql($lock)))
                    .bind(from_now(lease)?)
                    .bind(crate::logic::now())
                    .bind(i64::from(limit))
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                let mut views: Vec<crate::MailView> =
                    rows.into_iter().map(MailRow::view).collect::<Result<_, _>>()?;
                // RETURNING gives no order.
                views.sort_by_key(|m| m.id);
                Ok(views)
            }

            async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
                use crate::logic::mail::{Outcome, SENT_SQL};
                let mut tx = self.write().await?;
                let sent: Option<Outcome> = sqlx::query_as(SENT_SQL)
                    .bind(id)
                    .bind(crate::logic::now())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(sent) = sent else {
                    return Err(StoreError::NotFound(format!("queued mail {id}")));
                };
                audit(
                    &mut tx,
                    sent.government.as_deref(),
                    "system:mail",
                    "mail.sent",
                    &format!("mail:{id}"),
                    None,
                    Some(serde_json::json!({
                        "kind": sent.kind, "to": sent.recipient, "subject": sent.subject,
                        "attempts": sent.attempts,
                    })),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn mail_failed(
                &self,
                id: i64,
                error: &str,
                retry_after: Option<std::time::Duration>,
            ) -> Result<(), StoreError> {
                use crate::logic::mail::{FAILED_SQL, Outcome, clip_error, from_now};
                let next = retry_after.map(from_now).transpose()?;
                let state = if next.is_some() { "queued" } else { "failed" };
                let error = clip_error(error);
                let mut tx = self.write().await?;
                let failed: Option<Outcome> = sqlx::query_as(FAILED_SQL)
                    .bind(id)
                    .bind(&error)
                    .bind(&next)
                    .bind(state)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(failed) = failed else {
                    return Err(StoreError::NotFound(format!("queued mail {id}")));
                };
                // A try that will be repeated is on the mail page; giving up is a state change.
                if next.is_none() {
                    audit(
                        &mut tx,
                        failed.government.as_deref(),
                        "system:mail",
                        "mail.failed",
                        &format!("mail:{id}"),
                        None,
                        Some(serde_json::json!({
                            "kind": failed.kind, "to": failed.recipient,
                            "subject": failed.subject, "attempts": failed.attempts,
                            "error": error,
                        })),
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn mails(
                &self,
                government: Option<&str>,
                limit: u32,
            ) -> Result<Vec<crate::MailView>, StoreError> {
                use crate::logic::mail::{MailRow, select_sql};
                let rows: Vec<MailRow> = sqlx::query_as(sqlx::AssertSqlSafe(select_sql()))
                    .bind(government)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(MailRow::view).collect()
            }
        }
    };
}
pub(crate) use mail_impl;
