//! 延期申请 on SQLite: requests, the office's decisions, and the list it decides from. The rules
//! (a later date, a reason, a real deadline to move) are `duban_core::extension`'s; this file
//! adds the ones only the database can check: the deadline in force and one pending request per
//! entry.

use super::workflow::names;
use super::{SqliteStore, audit, now, target_no};
use crate::logic::reports::round_state;
use crate::{Decision, ExtensionView, Extensions, StoreError};
use duban_core::access::check_extension_round;
use duban_core::extension::{ExtensionError, check_request};
use duban_core::{Deadline, ExtensionState, Leader, Unit};
use serde_json::json;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Row};

const SELECT: &str = "SELECT x.id, x.entry_id, x.new_deadline, x.reason, x.state, x.requested_at,
        x.decided_at, x.note, ru.username AS requested_by, du.username AS decided_by,
        e.position, t.no, t.content, t.deadline, p.year, p.government,
        (SELECT json_group_array(n.name ORDER BY l.position) FROM entry_leaders l
            JOIN leaders n ON n.id = l.leader_id WHERE l.entry_id = x.entry_id) AS leaders,
        (SELECT json_group_array(n.name ORDER BY l.position) FROM entry_units l
            JOIN units n ON n.id = l.unit_id WHERE l.entry_id = x.entry_id) AS units
    FROM extensions x JOIN entries e ON e.id = x.entry_id JOIN targets t ON t.id = e.target_id
    JOIN plans p ON p.id = t.plan_id JOIN users ru ON ru.id = x.requested_by
    LEFT JOIN users du ON du.id = x.decided_by";

impl From<ExtensionError> for StoreError {
    fn from(e: ExtensionError) -> StoreError {
        StoreError::Invalid(e.to_string())
    }
}

fn views(rows: Vec<SqliteRow>) -> Result<Vec<ExtensionView>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let state: String = row.get("state");
            Ok(ExtensionView {
                id: row.get("id"),
                government: row.get("government"),
                year: row.get("year"),
                target_no: target_no(&row)?.get(),
                entry: u32::try_from(row.get::<i64, _>("position")).unwrap_or(0),
                target_content: row.get("content"),
                leaders: names(&row, "leaders", |n| Leader::parse(n).ok())?,
                units: names(&row, "units", |n| Unit::parse(n).ok())?,
                original_deadline: row.get("deadline"),
                deadline: row.get("new_deadline"),
                reason: row.get("reason"),
                state: ExtensionState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("extension state {state}")))?,
                requested_by: row.get("requested_by"),
                requested_at: row.get("requested_at"),
                decided_by: row.get("decided_by"),
                decided_at: row.get("decided_at"),
                note: row.get("note"),
            })
        })
        .collect()
}

async fn view_of(conn: &mut SqliteConnection, id: i64) -> Result<ExtensionView, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE x.id = $1")))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    views(rows)?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("extension {id}")))
}

/// The latest deadline granted to an entry so far, if any.
async fn granted(
    conn: &mut SqliteConnection,
    entry: i64,
) -> Result<Option<jiff::civil::Date>, StoreError> {
    let latest: Option<String> = sqlx::query_scalar(
        "SELECT MAX(new_deadline) FROM extensions WHERE entry_id = $1 AND state = 'approved'",
    )
    .bind(entry)
    .fetch_one(&mut *conn)
    .await?;
    latest
        .map(|d| {
            d.parse()
                .map_err(|_| StoreError::Corrupt(format!("extension date {d}")))
        })
        .transpose()
}

/// The plan's rules for an entry: its target's deadline and the plan's year.
fn deadline_of(row: &SqliteRow) -> Result<(Deadline, i16), StoreError> {
    let text: String = row.get("deadline");
    let deadline =
        Deadline::from_json_text(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((deadline, row.get("year")))
}

fn snapshot(v: &ExtensionView) -> serde_json::Value {
    json!({"deadline": v.deadline, "reason": v.reason, "state": v.state, "note": v.note})
}

fn subject(v: &ExtensionView) -> String {
    format!(
        "extension:{}/{}/{}/entry:{}#{}",
        v.government, v.year, v.target_no, v.entry, v.id
    )
}

#[async_trait::async_trait]
impl Extensions for SqliteStore {
    async fn request_extension(
        &self,
        report: i64,
        deadline: jiff::civil::Date,
        reason: &duban_core::text::ExtensionReason,
        user_id: i64,
        actor: &str,
    ) -> Result<ExtensionView, StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT r.entry_id, t.deadline, p.year, ro.state AS round_state FROM reports r
             JOIN rounds ro ON ro.id = r.round_id JOIN entries e ON e.id = r.entry_id
             JOIN targets t ON t.id = e.target_id JOIN plans p ON p.id = t.plan_id WHERE r.id = $1",
        )
        .bind(report)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report {report}")))?;
        let entry: i64 = row.get("entry_id");
        check_extension_round(round_state(row.try_get("round_state")?)?)?;
        let (original, year) = deadline_of(&row)?;
        check_request(
            original,
            year,
            granted(&mut tx, entry).await?,
            deadline,
            reason.as_str(),
        )?;
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM extensions WHERE entry_id = $1 AND state = 'pending'",
        )
        .bind(entry)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(p) = pending {
            return Err(StoreError::conflict(
                "extension_pending",
                format!("request {p} for this entry is still waiting for the office's answer"),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO extensions (entry_id, requested_by, new_deadline, reason, state, requested_at)
             VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
        )
        .bind(entry)
        .bind(user_id)
        .bind(deadline.to_string())
        .bind(reason.as_str().trim())
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
            Some(&after.government),
            actor,
            "extension.request",
            &subject(&after),
            None,
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn decide_extension(
        &self,
        id: i64,
        decision: &Decision,
        user_id: i64,
        actor: &str,
    ) -> Result<ExtensionView, StoreError> {
        let (state, note, action) = match decision {
            Decision::Approve { note } => (
                ExtensionState::Approved,
                note.as_ref()
                    .map(|n| n.as_str().trim())
                    .filter(|n| !n.is_empty()),
                "extension.approve",
            ),
            Decision::Reject { note } if note.is_blank() => {
                return Err(ExtensionError::NoDecisionNote.into());
            }
            Decision::Reject { note } => (
                ExtensionState::Rejected,
                Some(note.as_str().trim()),
                "extension.reject",
            ),
        };
        let mut tx = self.write().await?;
        let before = view_of(&mut tx, id).await?;
        if before.state != ExtensionState::Pending {
            return Err(StoreError::conflict(
                "extension_decided",
                format!("the request is {} already", before.state.as_str()),
            ));
        }
        sqlx::query(
            "UPDATE extensions SET state = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5",
        )
        .bind(state.as_str())
        .bind(note)
        .bind(user_id)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = view_of(&mut tx, id).await?;
        audit(
            &mut tx,
            Some(&after.government),
            actor,
            action,
            &subject(&after),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn extensions(
        &self,
        plan: Option<(&str, i16)>,
    ) -> Result<Vec<ExtensionView>, StoreError> {
        let (government, year) = plan.unzip();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 IS NULL OR (p.government = $1 AND p.year = $2))
             ORDER BY x.state = 'pending' DESC, x.id DESC"
        )))
        .bind(government)
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        views(rows)
    }
}
