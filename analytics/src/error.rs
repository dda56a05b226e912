//! What can go wrong in the event store, in its own terms.

/// An error of the event store.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("object store: {0}")]
    Store(String),
    /// A question the store cannot answer as asked (a range too long, too
    /// many buckets): the message names the field.
    #[error("{field}: {message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
}

impl AnalyticsError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        AnalyticsError::BadInput {
            field,
            message: message.into(),
        }
    }
}

pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;
