//! The storage layer's one error type; the web layer maps it to HTTP statuses.

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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
            T::RoundNotOpen(_) | T::RoundNotClosable(_) => "wrong_round_state",
        };
        StoreError::conflict(code, e.to_string())
    }
}
