//! The storage layer's one error type; the web layer maps it to HTTP statuses.
//!
//! Database errors become [`StoreError`] in one place, [`From<sqlx::Error>`] below, for both
//! backends: a missing row is `NotFound`, a unique violation a `Conflict`, a database that cannot
//! be reached `Unavailable` (503, try again), and anything else stays a `Database` error (500).

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// The request does not fit the current state (409): `code` is a stable snake_case id.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The database cannot be reached now (down, restarting, every connection busy): nothing
    /// was written, and the same request may succeed in a moment.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("the record".into()),
            // The same words on both backends (SQLite does not name the constraint); the
            // constraint goes to the log for whoever investigates.
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                tracing::debug!(constraint = d.constraint(), "unique violation");
                StoreError::conflict(
                    "exists",
                    "this would duplicate a record that must be unique",
                )
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            // PostgreSQL shutting down or restarting (class 57: operator intervention) and a
            // connection lost mid-statement (class 08).
            sqlx::Error::Database(d)
                if d.code()
                    .is_some_and(|c| c.starts_with("57") || c.starts_with("08")) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<duban_core::access::TransitionError> for StoreError {
    fn from(e: duban_core::access::TransitionError) -> StoreError {
        use duban_core::access::TransitionError as T;
        let code = match e {
            T::NoReason => return StoreError::Invalid(e.to_string()),
            T::NotEditable(_) | T::NotSubmitted(_) => "wrong_report_state",
            T::RoundNotOpen(_)
            | T::RoundNotClosable(_)
            | T::RoundNotReopenable(_)
            | T::RoundNotTakingRequests(_) => "wrong_round_state",
        };
        StoreError::conflict(code, e.to_string())
    }
}
