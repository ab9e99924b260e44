use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("configuration: {0}")]
    Config(String),
    /// Someone else changed the case first; the caller re-reads and decides again.
    #[error("the case was changed concurrently")]
    Conflict,
    /// The idempotency key was used before with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error("not found")]
    NotFound,
    #[error("unique value already taken: {0}")]
    Duplicate(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("encryption: {0}")]
    Crypto(String),
    #[error("the store is shutting down")]
    Closed,
}

impl From<crate::crypto::KeyError> for StoreError {
    fn from(e: crate::crypto::KeyError) -> Self {
        StoreError::Crypto(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// True when a database error is a unique-constraint violation (both backends).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
