//! Scheduled jobs: every hour Stripe retries, the billing sweep and the
//! purge; every five minutes the report rollups. With Redis, a slot lock (`SET NX`
//! on the hour's key) makes each run happen once across the whole fleet;
//! without Redis there is one process, which runs them in-process.

use std::{future::Future, time::Duration};

use chrono::{DateTime, Timelike, Utc};
use redis::aio::ConnectionManager;
use sea_orm::DatabaseConnection;
use trackr_config::{Clock, Settings};

use crate::{jobs::purge, PurgeOptions, WorkerError};

/// Claims the run of `job` for the slot `slot` (for example the hour);
/// true for exactly one caller per slot across all processes.
pub async fn claim(
    conn: &mut ConnectionManager,
    prefix: &str,
    job: &str,
    slot: &str,
    ttl: Duration,
) -> Result<bool, WorkerError> {
    let key = format!("{prefix}:schedule:{job}:{slot}");
    let set: Option<String> = redis::cmd("SET")
        .arg(&key)
        .arg(std::process::id())
        .arg("NX")
        .arg("PX")
        .arg(ttl.as_millis() as u64)
        .query_async(conn)
        .await?;
    Ok(set.is_some())
}

/// Runs the billing sweep and the purge for the hour `slot` if this
/// process wins it, as of `now`. One span per run (`schedule`, with the
/// slot).
#[tracing::instrument(name = "schedule", skip_all, fields(run = "hourly", slot = %slot))]
pub async fn tick(
    db: &DatabaseConnection,
    settings: &Settings,
    redis: Option<&mut ConnectionManager>,
    slot: &str,
    now: DateTime<Utc>,
) -> Result<Option<crate::PurgeReport>, WorkerError> {
    if let Some(conn) = redis {
        if !claim(
            conn,
            &settings.redis_prefix,
            "purge",
            slot,
            Duration::from_secs(2 * 3600),
        )
        .await?
        {
            return Ok(None);
        }
    }
    // Stripe events whose job gave up: try again (an hour later, Stripe or
    // the configuration may be back).
    match crate::jobs::runner::retry_stripe_events(db, settings, Duration::from_secs(600)).await {
        Ok((0, 0)) => {}
        Ok((applied, failing)) => {
            tracing::info!(
                job = "stripe_retry",
                applied,
                failing,
                "Stripe events retried"
            )
        }
        Err(e) => tracing::error!(job = "stripe_retry", error = %e, "Stripe event retry failed"),
    }
    // Then the plans whose grace or paid period ran out, so that the purge
    // applies the retention now in force.
    match crate::billing::Billing::new(db, settings) {
        Ok(b) => match crate::billing::apply::sweep(&crate::billing::Billing { now, ..b }).await {
            Ok(changed) if !changed.is_empty() => {
                tracing::info!(
                    job = "billing_sweep",
                    organizations = changed.len(),
                    "plans moved"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(job = "billing_sweep", error = %e, "billing sweep failed"),
        },
        Err(e) => tracing::error!(job = "billing_sweep", error = %e, "billing sweep failed"),
    }
    let events = crate::event_store(db, settings)?;
    let options = PurgeOptions {
        store: Some(trackr_analytics::store::Store::open(settings).map_err(WorkerError::Store)?),
        ..PurgeOptions::at(now)
    };
    let report = purge::run(&events, db, &settings.plans, &options).await?;
    tracing::info!(
        job = "purge",
        events = report.events(),
        visits = report.visits(),
        recordings = report.recordings(),
        "scheduled purge finished"
    );
    Ok(Some(report))
}

/// Rolls up the reports' days (the day going on up to five minutes ago),
/// once per five-minute slot across the fleet.
#[tracing::instrument(name = "schedule", skip_all, fields(run = "rollup", slot = %slot))]
async fn rollup(
    db: &DatabaseConnection,
    settings: &Settings,
    redis: Option<&mut ConnectionManager>,
    slot: &str,
    now: DateTime<Utc>,
) {
    // With Redis: once per slot, and never two runs at once (a run may
    // outlast its slot); the lease expires should its holder die.
    let lease = match redis {
        Some(conn) => {
            let slot_won = claim(
                conn,
                &settings.redis_prefix,
                "rollup",
                slot,
                Duration::from_secs(600),
            )
            .await;
            let lease_won = match slot_won {
                Ok(true) => {
                    claim(
                        conn,
                        &settings.redis_prefix,
                        "rollup-running",
                        "lease",
                        Duration::from_secs(1800),
                    )
                    .await
                }
                other => other,
            };
            match lease_won {
                Ok(true) => Some(conn),
                Ok(false) => return,
                Err(e) => {
                    tracing::error!(job = "rollup", error = %e, "rollup slot not claimed");
                    return;
                }
            }
        }
        None => None,
    };
    let rolled = match crate::event_store(db, settings) {
        Ok(events) => trackr_analytics::EventStore::roll_up(&events, now).await,
        Err(e) => {
            tracing::error!(job = "rollup", error = %e, "rollup failed");
            return;
        }
    };
    match rolled {
        Ok(r) => tracing::debug!(
            job = "rollup",
            sites = r.sites,
            days = r.days,
            visit_days = r.visit_days,
            "rollups updated"
        ),
        Err(e) => tracing::error!(job = "rollup", error = %e, "rollup failed"),
    }
    if let Some(conn) = lease {
        let key = format!("{}:schedule:rollup-running:lease", settings.redis_prefix);
        if let Err(e) = redis::cmd("DEL").arg(&key).query_async::<i64>(conn).await {
            tracing::warn!(job = "rollup", error = %e, "rollup lease not released (it expires)");
        }
    }
}

/// Told what each scheduled purge deleted (for metrics).
pub type OnPurge = std::sync::Arc<dyn Fn(&crate::PurgeReport) + Send + Sync>;

/// Runs scheduled jobs until `shutdown` resolves; failures are logged and
/// retried at the next tick. Slots and runs go by `clock` (the server's,
/// when it runs them in process).
pub async fn run(
    db: DatabaseConnection,
    settings: Settings,
    mut redis: Option<ConnectionManager>,
    on_purge: OnPurge,
    clock: Clock,
    shutdown: impl Future<Output = ()>,
) {
    // Ticks often, runs once per hour: a process started mid-hour, or a
    // failed run, is caught up at the next tick.
    let mut every = tokio::time::interval(Duration::from_secs(60));
    let mut done_slot: Option<String> = None;
    let mut rollup_slot: Option<String> = None;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = every.tick() => {
                let now = clock.now();
                let slot5 = format!("{}{:02}", now.format("%Y%m%d%H"), now.minute() / 5);
                if rollup_slot.as_deref() != Some(slot5.as_str()) {
                    rollup(&db, &settings, redis.as_mut(), &slot5, now).await;
                    rollup_slot = Some(slot5);
                }
                let slot = now.format("%Y%m%d%H").to_string();
                if done_slot.as_deref() == Some(slot.as_str()) {
                    continue;
                }
                match tick(&db, &settings, redis.as_mut(), &slot, now).await {
                    Ok(report) => {
                        if let Some(report) = &report {
                            on_purge(report);
                        }
                        done_slot = Some(slot);
                    }
                    Err(e) => {
                        tracing::error!(job = "purge", error = %e, "scheduled job failed");
                        sentry::with_scope(
                            |scope| scope.set_tag("job", "purge"),
                            || sentry::capture_message(&format!("scheduled purge failed: {e}"), sentry::Level::Error),
                        );
                    }
                }
            }
        }
    }
}
