//! Changes that every process serving the same database must hear of at once: a new
//! publication makes cached pages stale, an ended token must stop working everywhere.
//!
//! On PostgreSQL the store announces each with `NOTIFY` in the transaction that makes it, so
//! the announcement goes out exactly when (and only if) the change commits, and every instance
//! (the one that made it too) hears it through [`crate::Store::changes`]. SQLite has no such
//! channel between processes: there the web layer keeps its short revalidation interval for
//! changes made by another process (a `duban publish` run beside the server).

use serde::{Deserialize, Serialize};

/// The PostgreSQL channel the announcements travel on.
pub const CHANNEL: &str = "duban_changes";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A publication of this period was made (a round published, or a correction): what was
    /// rendered from the period's latest publication is stale.
    Published { government: String, period: String },
    /// A message on a target was published: the target's page is stale.
    Message {
        government: String,
        year: i16,
        target_no: u32,
    },
    /// A government was registered: lists of governments, and every page whose links depend on
    /// how many there are, are stale.
    Government,
    /// A token ended (a logout).
    TokenEnded { token_sha256: String },
    /// Every token of an account ended (a password change).
    UserTokensEnded { user_id: i64 },
    /// Announcements may have been missed (the listening connection was lost and came back):
    /// forget everything held.
    Resync,
}
