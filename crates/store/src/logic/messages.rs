//! 群众监督 messages on every backend: the statements (they read the same in both dialects) and
//! how rows become [`MessageView`]s. A message waits as `pending` until the office publishes it
//! (with a reply or without) or rejects it; nothing else changes it, and nothing deletes it.

use crate::logic::u32_or_zero;
use crate::{MessageState, MessageView, StoreError};
use duban_core::{Leader, Unit};

/// The columns of a [`MessageRow`].
pub(crate) const COLUMNS: &str = "id, government, year, target_no, body, name, contact, state,
    reply, note, created_at, decided_at";

/// How many targets of this number a government's plan of a year has (0 or 1).
pub(crate) const TARGET_EXISTS_SQL: &str =
    "SELECT COUNT(*) FROM targets t JOIN plans pl ON pl.id = t.plan_id
    WHERE pl.government = $1 AND pl.year = $2 AND t.no = $3";

pub(crate) const INSERT_SQL: &str = "INSERT INTO messages
    (government, year, target_no, body, name, contact, address, state, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id";

/// Messages sent from an address since an instant, for the rate limit.
pub(crate) const FROM_ADDRESS_SQL: &str =
    "SELECT COUNT(*) FROM messages WHERE address = $1 AND created_at > $2";

/// Decides a pending message, returning its target (government, year, number); no row when it
/// is not pending (then [`STATE_SQL`] says why).
pub(crate) const DECIDE_SQL: &str = "UPDATE messages
    SET state = $2, reply = $3, note = $4, decided_at = $5, decided_by = $6
    WHERE id = $1 AND state = 'pending' RETURNING government, year, target_no";

pub(crate) const STATE_SQL: &str = "SELECT state FROM messages WHERE id = $1";

/// The messages a filter asks for (binds: government, state, year, target number, each
/// optional; then the limit), newest first.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM messages
         WHERE ($1 IS NULL OR government = $1) AND ($2 IS NULL OR state = $2)
           AND ($3 IS NULL OR year = $3) AND ($4 IS NULL OR target_no = $4)
         ORDER BY id DESC LIMIT $5"
    )
}

/// The leaders and units of a government's targets of a year (binds: government, year): who
/// may read the messages on each.
pub(crate) const PEOPLE_SQL: &str =
    "SELECT CAST(t.no AS BIGINT) AS target_no, 'unit' AS kind, u.name AS name
      FROM plans pl JOIN targets t ON t.plan_id = pl.id JOIN entries e ON e.target_id = t.id
      JOIN entry_units eu ON eu.entry_id = e.id JOIN units u ON u.id = eu.unit_id
     WHERE pl.government = $1 AND pl.year = $2
    UNION ALL
    SELECT CAST(t.no AS BIGINT), 'leader', l.name
      FROM plans pl JOIN targets t ON t.plan_id = pl.id JOIN entries e ON e.target_id = t.id
      JOIN entry_leaders el ON el.entry_id = e.id JOIN leaders l ON l.id = el.leader_id
     WHERE pl.government = $1 AND pl.year = $2";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub government: String,
    pub year: i64,
    pub target_no: i64,
    pub body: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub state: String,
    pub reply: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PersonRow {
    pub target_no: i64,
    pub kind: String,
    pub name: String,
}

/// Views of `rows`, each with its target's leaders and units from `people` (the rows of
/// [`PEOPLE_SQL`] for its government and year, keyed by them).
pub(crate) fn views(
    rows: Vec<MessageRow>,
    people: &std::collections::HashMap<(String, i64), Vec<PersonRow>>,
) -> Result<Vec<MessageView>, StoreError> {
    rows.into_iter()
        .map(|r| {
            let mut leaders: Vec<Leader> = Vec::new();
            let mut units: Vec<Unit> = Vec::new();
            let of_target = people
                .get(&(r.government.clone(), r.year))
                .into_iter()
                .flatten()
                .filter(|p| p.target_no == r.target_no);
            for p in of_target {
                match p.kind.as_str() {
                    "unit" => {
                        if let Ok(u) = Unit::parse(&p.name)
                            && !units.contains(&u)
                        {
                            units.push(u);
                        }
                    }
                    _ => {
                        if let Ok(l) = Leader::parse(&p.name)
                            && !leaders.contains(&l)
                        {
                            leaders.push(l);
                        }
                    }
                }
            }
            Ok(MessageView {
                id: r.id,
                government: r.government,
                year: i16::try_from(r.year)
                    .map_err(|_| StoreError::Corrupt(format!("message {} year", r.id)))?,
                target_no: u32_or_zero(r.target_no),
                body: r.body,
                name: r.name,
                contact: r.contact,
                state: MessageState::parse(&r.state)
                    .ok_or_else(|| StoreError::Corrupt(format!("message {} state", r.id)))?,
                reply: r.reply,
                note: r.note,
                created_at: r.created_at,
                decided_at: r.decided_at,
                leaders,
                units,
            })
        })
        .collect()
}

/// Why a message could not be decided: it is not there, or no longer pending.
pub(crate) fn not_pending(id: i64, state: Option<String>) -> StoreError {
    match state {
        None => StoreError::NotFound(format!("message {id}")),
        Some(s) => StoreError::Conflict {
            code: "not_pending",
            message: format!("message {id} is {s}: only a pending message can be decided"),
        },
    }
}

/// The [`crate::Messages`] implementation, the same on both backends but for what a published
/// message announces (`$on_publish(&mut tx, government, year, target_no)`, run in the deciding
/// transaction). Each backend invokes it with `audit`, `now` and its write transaction in scope.
/// A macro, not a generic: the two stores share no trait for "a transaction to write the audit
/// log in".
macro_rules! messages_impl {
    ($store:ty, $on_publish:path) => {
        impl $store {
            /// Views of rows, with their targets' people read once per government and year.
            async fn message_views(&self, rows: Vec<MessageRow>) -> Result<Vec<MessageView>, StoreError> {
                let mut people: HashMap<(String, i64), Vec<PersonRow>> = HashMap::new();
                for r in &rows {
                    let key = (r.government.clone(), r.year);
                    if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(key) {
                        let found: Vec<PersonRow> = sqlx::query_as(PEOPLE_SQL)
                            .bind(&r.government)
                            .bind(r.year)
                            .fetch_all(&self.pool)
                            .await?;
                        slot.insert(found);
                    }
                }
                views(rows, &people)
            }

            async fn message_view(&self, id: i64) -> Result<Option<MessageView>, StoreError> {
                let row: Option<MessageRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT {} FROM messages WHERE id = $1",
                    crate::logic::messages::COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => Ok(self.message_views(vec![row]).await?.pop()),
                    None => Ok(None),
                }
            }

            /// A message just written.
            async fn written(&self, id: i64) -> Result<MessageView, StoreError> {
                self.message_view(id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("message {id}")))
            }
        }

        #[async_trait::async_trait]
        impl Messages for $store {
            async fn add_message(
                &self,
                government: &str,
                year: i16,
                target_no: u32,
                message: &NewMessage,
                actor: &str,
            ) -> Result<MessageView, StoreError> {
                let body = message.body.as_str().trim();
                if body.is_empty() {
                    return Err(StoreError::Invalid("body: the message is empty".into()));
                }
                let mut tx = self.write().await?;
                let exists: i64 = sqlx::query_scalar(TARGET_EXISTS_SQL)
                    .bind(government)
                    .bind(i64::from(year))
                    .bind(i64::from(target_no))
                    .fetch_one(&mut *tx)
                    .await?;
                if exists == 0 {
                    return Err(StoreError::NotFound(format!("target {year}/{target_no}")));
                }
                let optional = |v: Option<&str>| {
                    v.map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                let id: i64 = sqlx::query_scalar(INSERT_SQL)
                    .bind(government)
                    .bind(i64::from(year))
                    .bind(i64::from(target_no))
                    .bind(body)
                    .bind(optional(message.name.as_ref().map(|n| n.as_str())))
                    .bind(optional(message.contact.as_ref().map(|c| c.as_str())))
                    .bind(&message.address)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                // The body is public once published; the contact and address are not the log's.
                audit(
                    &mut tx,
                    Some(government),
                    actor,
                    "message.create",
                    &format!("target:{year}/{target_no}"),
                    None,
                    Some(json!({"message": id, "body": body})),
                )
                .await?;
                tx.commit().await?;
                self.written(id).await
            }

            async fn message(&self, id: i64) -> Result<Option<MessageView>, StoreError> {
                self.message_view(id).await
            }

            async fn messages_from(&self, address: &str, since: &str) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(FROM_ADDRESS_SQL)
                    .bind(address)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn messages(&self, filter: &MessageFilter) -> Result<Vec<MessageView>, StoreError> {
                let rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(select_sql()))
                    .bind(&filter.government)
                    .bind(filter.state.map(MessageState::as_str))
                    .bind(filter.target.map(|(y, _)| i64::from(y)))
                    .bind(filter.target.map(|(_, n)| i64::from(n)))
                    .bind(i64::from(filter.limit))
                    .fetch_all(&self.pool)
                    .await?;
                self.message_views(rows).await
            }

            async fn decide_message(
                &self,
                id: i64,
                decision: &MessageDecision,
                actor: &str,
            ) -> Result<MessageView, StoreError> {
                let (state, reply, note) = match decision {
                    MessageDecision::Publish { reply } => (
                        MessageState::Published,
                        reply
                            .as_ref()
                            .map(|r| r.as_str().trim().to_owned())
                            .filter(|r| !r.is_empty()),
                        None,
                    ),
                    MessageDecision::Reject { note } => {
                        let note = note.as_str().trim();
                        if note.is_empty() {
                            return Err(StoreError::Invalid("note: say why it is rejected".into()));
                        }
                        (MessageState::Rejected, None, Some(note.to_owned()))
                    }
                };
                let mut tx = self.write().await?;
                let decided: Option<(String, i64, i64)> = sqlx::query_as(DECIDE_SQL)
                    .bind(id)
                    .bind(state.as_str())
                    .bind(&reply)
                    .bind(&note)
                    .bind(now())
                    .bind(actor)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((government, year, target_no)) = decided else {
                    let found: Option<String> = sqlx::query_scalar(STATE_SQL)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(not_pending(id, found));
                };
                audit(
                    &mut tx,
                    Some(&government),
                    actor,
                    &format!(
                        "message.{}",
                        if state == MessageState::Published {
                            "publish"
                        } else {
                            "reject"
                        }
                    ),
                    &format!("message:{id}"),
                    Some(json!({"state": "pending"})),
                    Some(json!({"state": state.as_str(), "reply": reply, "note": note})),
                )
                .await?;
                if state == MessageState::Published {
                    $on_publish(&mut tx, &government, year, target_no).await?;
                }
                tx.commit().await?;
                self.written(id).await
            }
        }
    };
}
pub(crate) use messages_impl;
