//! 延期申请 on PostgreSQL: requests, the office's decisions, and the list it decides from. The
//! rules (a later date, a reason, a real deadline to move) are `duban_core::extension`'s; this
//! file adds the ones only the database can check: the deadline in force and one pending
//! request per entry.
//!
//! Instances do not queue behind one another as SQLite's writers do, so each check holds a lock
//! until its transaction ends. A request locks its entry's row (`FOR NO KEY UPDATE`, which
//! leaves foreign-key checks on the entry free), so two requests for one entry run one after
//! the other and the second sees the first as pending; the partial unique index
//! `extensions_one_pending` backs this up, its violation reported as the same conflict. A
//! decision locks the request's row (`FOR UPDATE`), so two deciders cannot both decide it, and
//! a request shares that lock on the pending request it finds, so it reads the deadline in
//! force only once a decision being made has committed.

use super::rows::{col, names, target_no};
use super::{PgStore, audit, now};
use crate::logic::reports::round_state;
use crate::{Decision, ExtensionView, Extensions, StoreError};
use duban_core::access::check_extension_round;
use duban_core::extension::{ExtensionError, check_request};
use duban_core::{Deadline, ExtensionState, Leader, Unit};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgRow};

const SELECT: &str = "SELECT x.id, x.entry_id, x.new_deadline, x.reason, x.state, x.requested_at,
        x.decided_at, x.note, ru.username AS requested_by, du.username AS decided_by,
        e.position, t.no, t.content, t.deadline, p.year, p.government,
        (SELECT COALESCE(json_agg(n.name ORDER BY l.position), '[]'::json)::text
            FROM entry_leaders l JOIN leaders n ON n.id = l.leader_id
            WHERE l.entry_id = x.entry_id) AS leaders,
        (SELECT COALESCE(json_agg(n.name ORDER BY l.position), '[]'::json)::text
            FROM entry_units l JOIN units n ON n.id = l.unit_id
            WHERE l.entry_id = x.entry_id) AS units
    FROM extensions x JOIN entries e ON e.id = x.entry_id JOIN targets t ON t.id = e.target_id
    JOIN plans p ON p.id = t.plan_id JOIN users ru ON ru.id = x.requested_by
    LEFT JOIN users du ON du.id = x.decided_by";

fn view(row: &PgRow) -> Result<ExtensionView, StoreError> {
    let state: String = col(row, "state")?;
    let position: i64 = col(row, "position")?;
    Ok(ExtensionView {
        id: col(row, "id")?,
        government: col(row, "government")?,
        year: col(row, "year")?,
        target_no: target_no(row)?.get(),
        entry: u32::try_from(position).unwrap_or(0),
        target_content: col(row, "content")?,
        leaders: names(row, "leaders", |n| Leader::parse(n).ok())?,
        units: names(row, "units", |n| Unit::parse(n).ok())?,
        original_deadline: col(row, "deadline")?,
        deadline: col(row, "new_deadline")?,
        reason: col(row, "reason")?,
        state: ExtensionState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("extension state {state}")))?,
        requested_by: col(row, "requested_by")?,
        requested_at: col(row, "requested_at")?,
        decided_by: col(row, "decided_by")?,
        decided_at: col(row, "decided_at")?,
        note: col(row, "note")?,
    })
}

async fn view_of(conn: &mut PgConnection, id: i64) -> Result<ExtensionView, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE x.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("extension {id}")))?;
    view(&row)
}

/// The latest deadline granted to an entry so far, if any.
async fn granted(
    conn: &mut PgConnection,
    entry: i64,
) -> Result<Option<jiff::civil::Date>, StoreError> {
    // COLLATE "C": ISO dates compare as SQLite compares them, byte by byte, whatever the
    // database's locale.
    let latest: Option<String> = sqlx::query_scalar(
        "SELECT MAX(new_deadline COLLATE \"C\") FROM extensions
         WHERE entry_id = $1 AND state = 'approved'",
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
fn deadline_of(row: &PgRow) -> Result<(Deadline, i16), StoreError> {
    let text: String = col(row, "deadline")?;
    let deadline =
        Deadline::from_json_text(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((deadline, col(row, "year")?))
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

/// Refuses a second pending request for an entry; `pending` is the one that waits, when known.
fn still_pending(pending: Option<i64>) -> StoreError {
    let which = pending.map_or_else(|| "another request".to_owned(), |p| format!("request {p}"));
    StoreError::conflict(
        "extension_pending",
        format!("{which} for this entry is still waiting for the office's answer"),
    )
}

#[async_trait::async_trait]
impl Extensions for PgStore {
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
             JOIN targets t ON t.id = e.target_id JOIN plans p ON p.id = t.plan_id WHERE r.id = $1
             FOR NO KEY UPDATE OF e",
        )
        .bind(report)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report {report}")))?;
        let entry: i64 = col(&row, "entry_id")?;
        check_extension_round(round_state(&col::<String>(&row, "round_state")?)?)?;
        let (original, year) = deadline_of(&row)?;
        // Locked before the deadline in force is read: if the office is deciding the pending
        // request right now, this waits for the decision to commit, then no longer finds it
        // pending, and the deadline read next includes it.
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM extensions WHERE entry_id = $1 AND state = 'pending' FOR SHARE",
        )
        .bind(entry)
        .fetch_optional(&mut *tx)
        .await?;
        check_request(
            original,
            year,
            granted(&mut tx, entry).await?,
            deadline,
            reason.as_str(),
        )?;
        if pending.is_some() {
            return Err(still_pending(pending));
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
        .await
        .map_err(|e| match StoreError::from(e) {
            // Only if some writer skipped the entry's lock: extensions_one_pending caught it.
            StoreError::Conflict { code: "exists", .. } => still_pending(None),
            e => e,
        })?;
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
        // Held until commit: a second decider waits here, then finds the request decided.
        sqlx::query("SELECT id FROM extensions WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("extension {id}")))?;
        let before = view_of(&mut tx, id).await?;
        if before.state != ExtensionState::Pending {
            return Err(StoreError::conflict(
                "extension_decided",
                format!("the request is {} already", before.state.as_str()),
            ));
        }
        sqlx::query(
            "UPDATE extensions SET state = $1, note = $2, decided_by = $3, decided_at = $4
             WHERE id = $5",
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
            "{SELECT} WHERE ($1::text IS NULL OR (p.government = $1 AND p.year = $2))
             ORDER BY x.state = 'pending' DESC, x.id DESC"
        )))
        .bind(government)
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(view).collect()
    }
}
