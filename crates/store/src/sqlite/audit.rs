//! The audit log: every change of state or content, with who, when, before and after.

use super::*;
use crate::Audit;

pub(crate) async fn audit(
    conn: &mut SqliteConnection,
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

#[async_trait::async_trait]
impl Audit for SqliteStore {
    async fn audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        self.audit_filtered(&AuditFilter::default(), limit).await
    }

    async fn audit_filtered(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let (since, until) = filter.instants()?;
        // instr() rather than LIKE: user text may hold % and _, which LIKE would read as wildcards.
        let rows = sqlx::query(
            "SELECT government, at, actor, action, subject, before, after FROM audit_log
             WHERE instr(actor, $1) > 0 AND instr(action, $2) > 0 AND instr(subject, $3) > 0
                AND ($5 IS NULL OR government = $5)
                AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7)
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
        Ok(rows
            .into_iter()
            .map(|r| AuditRecord {
                government: r.get("government"),
                at: r.get("at"),
                actor: r.get("actor"),
                action: r.get("action"),
                subject: r.get("subject"),
                before: json(r.get("before")),
                after: json(r.get("after")),
            })
            .collect())
    }
}
