//! duban's storage, behind one trait so callers never see which database they talk to.
//!
//! [`open`] takes the `--db` URL, creates the SQLite file on first use and applies the embedded
//! migrations. Queries are written at run time with `$1` placeholders, which both SQLite and
//! PostgreSQL accept, so a second backend adds an implementation of [`Store`] and a migrations
//! folder without touching callers. Publications are frozen, hashed and chained
//! ([`chain`]); every change is written to an append-only audit log in the same transaction.

pub mod chain;
mod error;
mod model;
mod sqlite;

pub use error::StoreError;
pub use model::*;
pub use sqlite::SqliteStore;

use duban_core::{Period, Table};
use std::{path::Path, sync::Arc};

/// Everything the application asks of storage.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Stores a published table: registers (or updates) the plan's targets and entries, records
    /// the round's reports as accepted, and publishes the round when its content changed.
    /// One transaction: on any error nothing is written.
    async fn import_table(&self, table: &Table, actor: &str) -> Result<ImportOutcome, StoreError>;

    /// The newest publication of each published round, newest period first.
    async fn published(&self) -> Result<Vec<PublicationSummary>, StoreError>;

    /// The newest publication of a period, if it was ever published.
    async fn latest_publication(&self, period: Period) -> Result<Option<Publication>, StoreError>;

    /// Only the hash of the newest publication of a period: a cheap check that a cached
    /// rendering is still current.
    async fn latest_sha256(&self, period: Period) -> Result<Option<String>, StoreError>;

    /// A publication by its hash, superseded or not.
    async fn publication(&self, sha256: &str) -> Result<Option<Publication>, StoreError>;

    /// Every publication of a period, newest first.
    async fn publications_of(&self, period: Period) -> Result<Vec<PublicationSummary>, StoreError>;

    /// A round's table as it stands now, published or not (reports not yet accepted show as
    /// not reported).
    async fn round_table(&self, period: Period) -> Result<Option<Table>, StoreError>;

    /// Recomputes every publication's hashes and the links of the chain.
    async fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// The newest audit records, newest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    /// A consistent copy of the whole database, taken while it runs.
    async fn backup(&self, to: &Path) -> Result<(), StoreError>;
}

/// Opens the database a `--db` URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Err(StoreError::Unsupported(
            "PostgreSQL is not built into this version yet; use a sqlite:// URL".into(),
        ))
    } else {
        Err(StoreError::Invalid(format!(
            "“{url}” is not a database URL: write sqlite://FILE or postgres://…"
        )))
    }
}
