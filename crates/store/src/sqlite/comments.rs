//! Leaders' comments on reports (批示意见), for the reviewers. duban never edits or deletes one:
//! it is the record of what a leader said. (Deleting a report's entry on re-import takes them along.)

use super::{SqliteStore, audit, now};
use crate::{CommentView, Comments, StoreError};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

const SELECT: &str = "SELECT c.id, c.report_id, c.body, c.at, u.username, u.leader_name
    FROM comments c JOIN users u ON u.id = c.user_id";

fn view(row: &sqlx::sqlite::SqliteRow) -> CommentView {
    CommentView {
        id: row.get("id"),
        report_id: row.get("report_id"),
        author: row.get("username"),
        leader: row.get("leader_name"),
        body: row.get("body"),
        at: row.get("at"),
    }
}

#[async_trait::async_trait]
impl Comments for SqliteStore {
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
            "SELECT 'report:' || rd.period || '/' || t.no || '/' || e.position AS subject, pl.government
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
            "INSERT INTO comments (report_id, user_id, body, at) VALUES ($1, $2, $3, $4) RETURNING id",
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
        let comment = view(&row);
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
        // Integers, so inlining them is safe; one query for a whole round's page.
        let ids = reports
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.report_id IN ({ids}) ORDER BY c.at, c.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(view).collect())
    }
}
