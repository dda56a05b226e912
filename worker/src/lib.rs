//! Background jobs. The retention purge runs now, on a schedule (hourly,
//! once across the fleet) and by hand (`trackr jobs run purge`); the Redis
//! job queue runs deletions, exports and Stripe events; `reconcile`
//! compares Stripe's billing with TrackR's and repairs what differs.

pub mod billing;
pub mod jobs;
pub mod queue;
pub mod schedule;

use std::{fmt, str::FromStr};

pub use jobs::purge::{PurgeOptions, PurgeReport};
use sea_orm::DatabaseConnection;
use trackr_analytics::EventStore;
use trackr_config::Settings;

/// A job the operator can run now with `trackr jobs run <name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobName {
    Purge,
    Reconcile,
    Rollup,
    /// Email reports and traffic alerts; run by the API crate, which owns
    /// the mailer (`trackr_api::notify`).
    Notify,
}

/// A name `trackr jobs run` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job {0:?}: expected purge, reconcile, rollup or notify")]
pub struct UnknownJob(pub String);

impl FromStr for JobName {
    type Err = UnknownJob;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "purge" => Ok(JobName::Purge),
            "reconcile" => Ok(JobName::Reconcile),
            "rollup" => Ok(JobName::Rollup),
            "notify" => Ok(JobName::Notify),
            other => Err(UnknownJob(other.to_owned())),
        }
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobName::Purge => "purge",
            JobName::Reconcile => "reconcile",
            JobName::Rollup => "rollup",
            JobName::Notify => "notify",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0} is not available yet in this version of TrackR")]
    NotAvailable(String),
    #[error(transparent)]
    Billing(#[from] billing::BillingError),
    #[error(transparent)]
    Queue(#[from] queue::QueueError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("object store: {0}")]
    Store(String),
    /// What reconciliation found but could not repair, one line each.
    #[error("reconcile could not repair: {}", .0.join("; "))]
    NotRepaired(Vec<String>),
    #[error("{0}")]
    Analytics(#[from] trackr_analytics::AnalyticsError),
}

/// The event store on the worker's database and object store.
pub fn event_store(
    db: &DatabaseConnection,
    settings: &Settings,
) -> Result<trackr_analytics::SqlEventStore, WorkerError> {
    let store = trackr_analytics::store::Store::open(settings).map_err(WorkerError::Store)?;
    Ok(trackr_analytics::SqlEventStore::new(db.clone(), store))
}

/// Runs one job in the foreground, as of `clock`, and returns its report
/// as JSON.
pub async fn run_now(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &trackr_config::Clock,
    job: JobName,
    dry_run: bool,
) -> Result<serde_json::Value, WorkerError> {
    match job {
        JobName::Purge => {
            let store =
                trackr_analytics::store::Store::open(settings).map_err(WorkerError::Store)?;
            let events = trackr_analytics::SqlEventStore::new(db.clone(), store.clone());
            let options = PurgeOptions {
                dry_run,
                store: Some(store),
                ..PurgeOptions::at(clock.now())
            };
            let report = jobs::purge::run(&events, db, &settings.plans, &options).await?;
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
        JobName::Rollup => {
            let events = event_store(db, settings)?;
            let report = events.roll_up(clock.now()).await?;
            tracing::info!(
                job = "rollup",
                sites = report.sites,
                days = report.days,
                visit_days = report.visit_days,
                "rollup finished"
            );
            Ok(serde_json::to_value(report).unwrap_or_default())
        }
        JobName::Notify => Err(WorkerError::NotAvailable(
            "the notify job outside the API crate".into(),
        )),
        JobName::Reconcile => {
            let months = billing::reconcile::recent_months(clock.now());
            reconcile_months(db, settings, &months, dry_run).await
        }
    }
}

/// Reconciles `months` (`YYYY-MM`): first every acknowledged Stripe event
/// not applied yet, then each month's comparison and repairs. A dry run
/// changes nothing: it applies no pending event either.
pub async fn reconcile_months(
    db: &DatabaseConnection,
    settings: &Settings,
    months: &[String],
    dry_run: bool,
) -> Result<serde_json::Value, WorkerError> {
    for month in months {
        billing::reconcile::month_bounds(month)?;
    }
    let (retried, still_failing) = if dry_run {
        (0, 0)
    } else {
        jobs::runner::retry_stripe_events(db, settings, std::time::Duration::ZERO).await?
    };
    let b = billing::Billing::new(db, settings)?;
    let mut reports = Vec::new();
    for month in months {
        reports.push(billing::reconcile::run(&b, month, dry_run).await?);
    }
    let failed: Vec<String> = reports.iter().flat_map(|r| r.failed.clone()).collect();
    tracing::info!(
        job = "reconcile",
        dry_run,
        retried,
        still_failing,
        found = reports.iter().map(|r| r.found.len()).sum::<usize>(),
        repaired = reports.iter().map(|r| r.repaired.len()).sum::<usize>(),
        failed = failed.len(),
        "reconcile finished"
    );
    if !failed.is_empty() {
        return Err(WorkerError::NotRepaired(failed));
    }
    let report = serde_json::json!({
        "stripe_events_retried": retried,
        "stripe_events_failing": still_failing,
        "months": reports,
    });
    Ok(report)
}
