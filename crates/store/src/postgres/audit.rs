//! The audit log on PostgreSQL: reading it back, newest first. (Records are written by
//! [`super::audit`] in the transaction of the change they describe; triggers keep the table
//! append-only.)

use super::PgStore;
use super::rows::col;
use crate::{Audit, AuditFilter, AuditRecord, StoreError};

#[async_trait::async_trait]
impl Audit for PgStore {
    async fn audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_filtered(&AuditFilter::default(), limit).await
    }

    async fn audit_filtered(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let (since, until) = filter.instants()?;
        // strpos() rather than LIKE: user text may hold % and _, which LIKE would read as
        // wildcards.
        let rows = sqlx::query(
            "SELECT government, at, actor, action, subject, before, after FROM audit_log
             WHERE strpos(actor, $1) > 0 AND strpos(action, $2) > 0 AND strpos(subject, $3) > 0
                AND ($5::text IS NULL OR government = $5)
                AND ($6::text IS NULL OR at >= $6) AND ($7::text IS NULL OR at < $7)
             ORDER BY id DESC LIMIT $4",
        )
        .bind(&filter.actor)
        .bind(&filter.action)
        .bind(&filter.subject)
        .bind(i64::from(limit))
        .bind(&filter.government)
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    government: col(r, "government")?,
                    at: col(r, "at")?,
                    actor: col(r, "actor")?,
                    action: col(r, "action")?,
                    subject: col(r, "subject")?,
                    before: json(col(r, "before")?),
                    after: json(col(r, "after")?),
                })
            })
            .collect()
    }
}
