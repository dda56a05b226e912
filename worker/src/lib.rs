//! Background jobs and their queue. The queue, the retention purge, data
//! deletion, exports and Stripe event processing arrive with their issues;
//! this crate already names the jobs so the binary's commands exist.

use std::{fmt, str::FromStr};

/// A job the operator can run now with `trackr jobs run <name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobName {
    Purge,
    Reconcile,
}

impl FromStr for JobName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "purge" => Ok(JobName::Purge),
            "reconcile" => Ok(JobName::Reconcile),
            other => Err(format!(
                "unknown job {other:?}: expected purge or reconcile"
            )),
        }
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobName::Purge => "purge",
            JobName::Reconcile => "reconcile",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0} is not available yet in this version of TrackR")]
    NotAvailable(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Runs one job in the foreground.
pub async fn run_now(
    _db: &sea_orm::DatabaseConnection,
    _settings: &trackr_config::Settings,
    job: JobName,
) -> Result<(), WorkerError> {
    Err(WorkerError::NotAvailable(format!("the {job} job")))
}

/// Consumes jobs from Redis until `shutdown` resolves.
pub async fn run_worker(_settings: &trackr_config::Settings) -> Result<(), WorkerError> {
    Err(WorkerError::NotAvailable("the Redis worker".into()))
}
