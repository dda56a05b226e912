//! sea-orm entities, one module per table, with the behaviour that belongs
//! to each table beside it.

pub mod api_key;
pub mod audit_log;
pub mod email_delivery;
pub mod email_recipient;
pub mod email_token;
pub mod event;
pub mod funnel;
pub mod goal;
pub mod ingest_issue;
pub mod invitation;
pub mod invoice;
pub mod job;
pub mod membership;
pub mod organization;
pub mod recording;
pub mod rollup;
pub mod rollup_state;
pub mod salt;
pub mod segment;
pub mod server_key;
pub mod session;
pub mod share_link;
pub mod site;
pub mod stripe_event;
pub mod subscription;
pub mod traffic_alert;
pub mod usage;
pub mod user;
pub mod visit;

pub use sea_orm;

/// Errors of the table helpers, in their own terms.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T, E = EntityError> = std::result::Result<T, E>;

/// Now, truncated to microseconds so values survive a round trip through
/// either database unchanged.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}
