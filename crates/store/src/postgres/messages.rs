//! 群众监督 messages on PostgreSQL: the implementation is `logic::messages::messages_impl`, over
//! the statements beside it.

use super::{PgStore, announce, audit};
use crate::Change;
use crate::logic::messages::{
    DECIDE_SQL, FROM_ADDRESS_SQL, INSERT_SQL, MessageRow, PEOPLE_SQL, PersonRow, STATE_SQL,
    TARGET_EXISTS_SQL, messages_impl, not_pending, select_sql, views,
};
use crate::logic::now;
use crate::{
    MessageDecision, MessageFilter, MessageState, MessageView, Messages, NewMessage, StoreError,
};
use serde_json::json;
use sqlx::AssertSqlSafe;
use sqlx::PgConnection;
use std::collections::HashMap;

/// Every instance forgets its page of the target when the decision commits.
async fn on_publish(tx: &mut PgConnection, m: &MessageView) -> Result<(), StoreError> {
    announce(
        tx,
        &Change::Message {
            government: m.government.clone(),
            year: m.year,
            target_no: m.target_no,
        },
    )
    .await
}

messages_impl!(PgStore, on_publish);
