//! Leaders' comments on reports (批示意见) on PostgreSQL. duban never edits or deletes one: it
//! is the record of what a leader said. Adding one only inserts, so it needs no lock; the
//! report it is on cannot vanish mid-way because the foreign key holds it.

use super::rows::col;
use super::{PgStore, audit, now};
use crate::{CommentView, Comments, StoreError};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;

const SELECT: &str = "SELECT c.id, c.report_id, c.body, c.at, u.username, u.leader_name
    FROM comments c JOIN users u ON u.id = c.user_id";

fn view(row: &PgRow) -> Result<CommentView, StoreError> {
    Ok(CommentView {
        id: col(row, "id")?,
        report_id: col(row, "report_id")?,
        author: col(row, "username")?,
        leader: col(row, "leader_name")?,
        body: col(row, "body")?,
        at: col(row, "at")?,
    })
}

#[async_trait::async_trait]
impl Comments for PgStore {
    async fn add_comment(
        &self,
        report: i64,
        body: &duban_core::text::CommentBody,
        user_id: i64,
        actor: &str,
    ) -> Result<CommentView, StoreError> {
        // Its length was capped where it was parsed (`CommentBody`).
        let body = body.as_str().trim();
        if body.is_empty() {
            return Err(StoreError::Invalid("the comment is empty".into()));
        }
        let mut tx = self.write().await?;
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT 'report:' || rd.period || '/' || t.no::text || '/' || e.position::text AS subject, pl.government
             FROM reports r JOIN rounds rd ON rd.id = r.round_id JOIN entries e ON e.id = r.entry_id
             JOIN targets t ON t.id = e.target_id JOIN plans pl ON pl.id = rd.plan_id
             WHERE r.id = $1",
        )
        .bind(report)
        .fetch_optional(&mut *tx)
        .await?;
        let (subject, government) =
            found.ok_or_else(|| StoreError::NotFound(format!("report {report}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (report_id, user_id, body, at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(report)
        .bind(user_id)
        .bind(body)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let comment = view(&row)?;
        audit(
            &mut tx,
            Some(&government),
            actor,
            "comment.add",
            &subject,
            None,
            Some(json!({"comment": id, "body": comment.body})),
        )
        .await?;
        tx.commit().await?;
        Ok(comment)
    }

    async fn comments(&self, reports: &[i64]) -> Result<Vec<CommentView>, StoreError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        // One array parameter, one query for a whole round's page.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.report_id = ANY($1) ORDER BY c.at, c.id"
        )))
        .bind(reports)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(view).collect()
    }
}
