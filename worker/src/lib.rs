//! Background jobs. The retention purge runs now, on a schedule (hourly,
//! once across the fleet) and by hand (`trackr jobs run purge`); the Redis
//! job queue for deletions, exports and Stripe events comes with its issue.

pub mod jobs;
pub mod queue;
pub mod schedule;
pub mod store;

use std::{fmt, str::FromStr};

pub use jobs::purge::{PurgeOptions, PurgeReport};
use sea_orm::DatabaseConnection;
use trackr_config::Settings;

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
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("object store: {0}")]
    Store(String),
}

/// Runs one job in the foreground and returns its report as JSON.
pub async fn run_now(
    db: &DatabaseConnection,
    settings: &Settings,
    job: JobName,
    dry_run: bool,
) -> Result<serde_json::Value, WorkerError> {
    match job {
        JobName::Purge => {
            let options = PurgeOptions {
                dry_run,
                store: Some(store::Store::open(settings).map_err(WorkerError::Store)?),
                ..PurgeOptions::default()
            };
            let report = jobs::purge::run(db, &settings.plans, &options).await?;
            tracing::info!(
                job = "purge",
                dry_run,
                events = report.events(),
                visits = report.visits(),
                recordings = report.recordings(),
                "purge finished"
            );
            Ok(serde_json::to_value(report).unwrap_or_default())
        }
        JobName::Reconcile => Err(WorkerError::NotAvailable("the reconcile job".into())),
    }
}
