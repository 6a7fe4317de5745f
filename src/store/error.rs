//! `store::Error`: the one place where SQLSTATEs and constraint names become meanings.

/// What went wrong in the store, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("embedded postgres: {0}")]
    Embedded(String),
    /// A job commit presented a fencing token that is no longer current (its lease was taken over).
    #[error("fenced: {0}")]
    Fenced(String),
    /// A value the caller supplied breaks a rule the store enforces (e.g. a schedule firing more
    /// often than the tenant's plan allows).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A per-tenant cap of the plan is reached (schedules, queued jobs).
    #[error("limit reached: {0}")]
    LimitReached(String),
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Error::Unavailable(error.to_string())
            }
            sqlx::Error::Database(database_error) => match database_error.code().as_deref() {
                // unique_violation
                Some("23505") => Error::Conflict(
                    database_error
                        .constraint()
                        .unwrap_or("unique constraint")
                        .to_string(),
                ),
                // foreign_key_violation
                Some("23503") => Error::InvalidReference(
                    database_error
                        .constraint()
                        .unwrap_or("foreign key")
                        .to_string(),
                ),
                // The server is shutting down, crashed or restarting (admin_shutdown,
                // crash_shutdown, cannot_connect_now) or the connection broke (class 08): it is
                // unavailable, not broken.
                Some("57P01" | "57P02" | "57P03") => Error::Unavailable(error.to_string()),
                Some(code) if code.starts_with("08") => Error::Unavailable(error.to_string()),
                _ => Error::Database(error),
            },
            _ => Error::Database(error),
        }
    }
}
