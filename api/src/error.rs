//! The one place where domain errors become API answers: the GraphQL
//! `extensions.code` and the HTTP status of plain endpoints.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;

/// Deliberately not `Display`: it becomes a GraphQL error only through
/// `From<ApiError> for async_graphql::Error`, which adds `extensions.code`.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated,
    InvalidToken,
    WrongCredentials,
    Forbidden(String),
    /// Also what a caller gets for another tenant's resource: never reveal
    /// that it exists.
    NotFound(&'static str),
    BadInput {
        field: &'static str,
        message: String,
    },
    PlanLimit(String),
    RateLimited,
    Conflict(String),
    NotAvailable(String),
    /// A service we depend on (Stripe) failed; the message says which,
    /// never with a secret.
    Upstream(String),
    /// A query ran past its deadline and was stopped.
    Timeout(std::time::Duration),
    /// No database connection came free in time: the server is saturated.
    /// Expected under overload, so logged as a warning, at most once a
    /// second, not as an error per field.
    Busy,
    /// The detail is logged, never shown.
    Internal(String),
}

impl ApiError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError::Internal(detail.to_string())
    }

    /// What people read; never internal detail.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => {
                "authentication required: send Authorization: Bearer <token>".into()
            }
            ApiError::InvalidToken => "the token is invalid or has expired; log in again".into(),
            ApiError::WrongCredentials => "wrong email or password".into(),
            ApiError::Forbidden(m) | ApiError::PlanLimit(m) | ApiError::Conflict(m) => m.clone(),
            ApiError::NotAvailable(m) | ApiError::Upstream(m) => m.clone(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::BadInput { field, message } => format!("{field}: {message}"),
            ApiError::RateLimited => "too many attempts; try again later".into(),
            ApiError::Timeout(after) => format!(
                "the query was stopped after {} ms: ask for less (a shorter range, fewer fields) or try again later",
                after.as_millis()
            ),
            ApiError::Busy => "the server is busy; try again shortly".into(),
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated | ApiError::InvalidToken | ApiError::WrongCredentials => {
                "UNAUTHENTICATED"
            }
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::PlanLimit(_) => "PLAN_LIMIT",
            ApiError::RateLimited => "RATE_LIMITED",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::Timeout(_) | ApiError::Busy => "TIMEOUT",
            // A capability this server does not offer (not configured, or
            // not in this version): the client cannot fix it by retrying.
            ApiError::NotAvailable(_) => "FORBIDDEN",
            ApiError::Internal(_) | ApiError::Upstream(_) => "INTERNAL",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::InvalidToken | ApiError::WrongCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) | ApiError::NotAvailable(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::PlanLimit(_) => StatusCode::PAYMENT_REQUIRED,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Timeout(_) | ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            return ApiError::Conflict("it already exists".into());
        }
        if let sea_orm::DbErr::ConnectionAcquire(_) = e {
            return ApiError::Busy;
        }
        ApiError::Internal(format!("database: {e}"))
    }
}

impl From<trackr_analytics::AnalyticsError> for ApiError {
    fn from(e: trackr_analytics::AnalyticsError) -> Self {
        match e {
            trackr_analytics::AnalyticsError::Db(db) => db.into(),
            trackr_analytics::AnalyticsError::BadInput { field, message } => {
                ApiError::BadInput { field, message }
            }
            trackr_analytics::AnalyticsError::Store(detail) => {
                ApiError::Internal(format!("object store: {detail}"))
            }
        }
    }
}

impl From<trackr_entity::EntityError> for ApiError {
    fn from(e: trackr_entity::EntityError) -> Self {
        match e {
            trackr_entity::EntityError::Db(db) => db.into(),
        }
    }
}

impl ErrorExtensions for ApiError {
    /// The GraphQL error, with this `ApiError` as its source: the server
    /// reads it back to say "busy" once, not once per field
    /// (`server::note_busy`).
    fn extend(&self) -> async_graphql::Error {
        if let ApiError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        let code = self.code();
        let field = match self {
            ApiError::BadInput { field, .. } => Some(*field),
            _ => None,
        };
        let mut error = async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        });
        error.source = Some(std::sync::Arc::new(self.clone()));
        error
    }
}

/// Something said at most once a second (by the app's clock), however
/// many requests have it to say.
#[derive(Debug, Default)]
pub struct Throttle {
    /// Unix seconds of the last time.
    last: std::sync::atomic::AtomicI64,
}

impl Throttle {
    /// Whether to say it now; true at most once per second.
    pub fn due(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use std::sync::atomic::Ordering;
        let now = now.timestamp();
        let last = self.last.load(Ordering::Relaxed);
        now > last
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.extend()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use async_graphql::ErrorExtensions;

    use super::*;

    #[test]
    fn a_throttle_says_it_once_a_second_by_the_clock_it_is_given() {
        let throttle = Throttle::default();
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(throttle.due(at));
        assert!(!throttle.due(at));
        assert!(!throttle.due(at + chrono::Duration::milliseconds(999)));
        assert!(throttle.due(at + chrono::Duration::seconds(1)));
    }

    #[test]
    fn a_graphql_error_keeps_its_api_error() {
        let error = ApiError::Busy
            .extend()
            .into_server_error(Default::default());
        assert!(matches!(error.source::<ApiError>(), Some(ApiError::Busy)));
        assert_eq!(
            error.extensions.unwrap().get("code"),
            Some(&async_graphql::Value::from("TIMEOUT"))
        );
    }
}
