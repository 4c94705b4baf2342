//! 群众监督 messages on SQLite (the statements are `logic::messages`'). Adding one only
//! inserts; deciding one updates it only while it is pending, so two moderators cannot both
//! decide it, whichever instance they use.

use super::{SqliteStore, audit};
use crate::logic::messages::{
    DECIDE_SQL, FROM_ADDRESS_SQL, INSERT_SQL, MessageRow, PEOPLE_SQL, PersonRow, STATE_SQL,
    TARGET_EXISTS_SQL, not_pending, select_sql, views,
};
use crate::logic::now;
use crate::{
    MessageDecision, MessageFilter, MessageState, MessageView, Messages, NewMessage, StoreError,
};
use serde_json::json;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

impl SqliteStore {
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
impl Messages for SqliteStore {
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
        let decided: Option<i64> = sqlx::query_scalar(DECIDE_SQL)
            .bind(id)
            .bind(state.as_str())
            .bind(&reply)
            .bind(&note)
            .bind(now())
            .bind(actor)
            .fetch_optional(&mut *tx)
            .await?;
        let found: Option<(String, String)> = sqlx::query_as(STATE_SQL)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if decided.is_none() {
            return Err(not_pending(id, found.map(|(s, _)| s)));
        }
        let government = found.map(|(_, g)| g);
        audit(
            &mut tx,
            government.as_deref(),
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
        tx.commit().await?;
        self.written(id).await
    }
}
