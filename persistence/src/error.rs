//! The store's error: what callers may act on, and everything else kept opaque.

use sea_orm::{DbErr, SqlErr};

/// Something the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (the name of the constraint or its message).
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    /// A stored row no longer parses into a domain value: a bug or tampering, never user input.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database is set up in a way the store refuses to run on (e.g. a serving role that
    /// row-level security would not hold).
    #[error("database configuration: {0}")]
    Config(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::UniqueViolation(detail),
            _ => StoreError::Database(err),
        }
    }
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
