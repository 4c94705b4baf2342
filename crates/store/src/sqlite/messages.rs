//! 群众监督 messages on SQLite: the implementation is `logic::messages::messages_impl`, over
//! the statements beside it.

use super::{SqliteStore, WriteTx, audit};
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
use std::collections::HashMap;

/// SQLite announces nothing to other processes: their pages revalidate (see `crate::changes`).
async fn on_publish(_: &mut WriteTx, _: &str, _: i64, _: i64) -> Result<(), StoreError> {
    Ok(())
}

messages_impl!(SqliteStore, on_publish);
