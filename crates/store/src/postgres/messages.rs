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
async fn on_publish(
    tx: &mut PgConnection,
    government: &str,
    year: i64,
    target_no: i64,
) -> Result<(), StoreError> {
    announce(
        tx,
        &Change::Message {
            government: government.to_owned(),
            year: i16::try_from(year).map_err(|_| StoreError::Corrupt(format!("year {year}")))?,
            target_no: crate::logic::u32_or_zero(target_no),
        },
    )
    .await
}

messages_impl!(PgStore, on_publish);
