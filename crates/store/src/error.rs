//! The store's error type: what callers can act on, and the database error kept for logs.

/// A store call's failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row in the caller's account.
    #[error("not found")]
    NotFound,
    /// A unique value is taken (email, name, address).
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// An id in the input names nothing of the account.
    #[error("{0} does not name anything of this account")]
    InvalidReference(&'static str),
    /// The URL names no supported backend.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    /// Stored data that does not parse (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Anything else from the database.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Maps a unique-key violation to [`StoreError::Conflict`] naming `what`.
    pub(crate) fn unique(err: sqlx::Error, what: &'static str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(err),
        }
    }
}
