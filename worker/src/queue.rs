//! The job queue on Redis, through apalis: the API enqueues a job's id,
//! any number of `trackr worker` processes consume it. The job row in the
//! database is the source of truth; its claim (`runner::claim`) makes each
//! job's effect happen once even if the queue delivers it twice.
//!
//! Why apalis: it is the maintained Rust job library with a Redis backend,
//! and gives what a hand-made queue would have to re-invent: atomic fetch
//! into a per-worker in-flight set, heartbeats, re-queueing the in-flight
//! jobs of a worker that stopped heart-beating (a killed worker's job is
//! retried by another), retries with backoff and a dead set.

use std::{future::Future, sync::Arc, time::Duration};

use apalis::{
    layers::retry::{
        backoff::{ExponentialBackoffMaker, MakeBackoff},
        HasherRng, RetryPolicy,
    },
    prelude::*,
};
use apalis_redis::{Config, RedisStorage};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use trackr_config::Settings;
use uuid::Uuid;

use crate::jobs::runner::{self, Outcome};

/// Attempts before a job is declared dead.
pub const MAX_ATTEMPTS: usize = 4;

/// What travels through Redis: only the job's id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunJob {
    pub id: Uuid,
}

fn config(settings: &Settings) -> Config {
    Config::default()
        .queue(format!("{}:jobs", settings.redis_prefix))
        .heartbeat_interval(settings.queue_heartbeat())
        .missed_heartbeats(3)
}

/// The producer side, held by API servers.
#[derive(Clone)]
pub struct Queue {
    storage: RedisStorage<RunJob>,
}

impl Queue {
    pub async fn connect(settings: &Settings) -> Result<Queue, String> {
        let url = settings.redis_url.as_deref().ok_or("no Redis configured")?;
        let conn = apalis_redis::connect(url)
            .await
            .map_err(|_| "cannot connect to Redis for the job queue".to_owned())?;
        Ok(Queue {
            storage: RedisStorage::new(conn).with_config(config(settings)),
        })
    }

    pub async fn push(&self, id: Uuid) -> Result<(), String> {
        let mut storage = self.storage.clone();
        storage
            .push(RunJob { id })
            .await
            .map(|_| ())
            .map_err(|e| format!("cannot enqueue job {id}: {e}"))
    }
}

async fn handle(
    job: RunJob,
    attempt: Attempt,
    db: Data<DatabaseConnection>,
    settings: Data<Arc<Settings>>,
) -> Result<(), BoxDynError> {
    let attempt = attempt.current();
    match runner::run(&db, &settings, job.id).await? {
        Outcome::Done | Outcome::Skipped => Ok(()),
        Outcome::Failed(message) if attempt >= MAX_ATTEMPTS => {
            runner::mark_dead(&db, job.id).await?;
            Err(AbortError::new(format!("dead after {attempt} attempts: {message}")).into())
        }
        Outcome::Failed(message) => Err(message.into()),
    }
}

/// Runs `workers` consumers until `shutdown` resolves, then lets running
/// jobs finish.
pub async fn run_workers(
    db: DatabaseConnection,
    settings: Settings,
    workers: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let url = settings.redis_url.clone().ok_or("no Redis configured")?;
    let conn = apalis_redis::connect(url.as_str())
        .await
        .map_err(|_| "cannot connect to Redis for the job queue".to_owned())?;
    let settings = Arc::new(settings);
    // Stable, unique names: a restarted worker takes back its own jobs.
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let pid = std::process::id();
    let backoff = ExponentialBackoffMaker::new(
        Duration::from_millis(500),
        Duration::from_secs(60),
        0.5,
        HasherRng::default(),
    )
    .map_err(|e| format!("backoff: {e:?}"))?;
    let prefix = settings.redis_prefix.clone();
    // The database lease is the last word on a job left by a dead worker:
    // once its renewals stop, any worker hands the job to the queue again
    // (the claim keeps its effect single).
    let reaper = {
        let (db, settings) = (db.clone(), settings.clone());
        let queue = Queue::connect(&settings).await?;
        tokio::spawn(async move {
            let lease = settings.queue_heartbeat() * 4;
            let mut every = tokio::time::interval(settings.queue_heartbeat());
            loop {
                every.tick().await;
                match runner::stale(&db, lease).await {
                    Ok(ids) => {
                        for id in ids {
                            tracing::warn!(job_id = %id, "job's worker stopped renewing its lease; re-queueing");
                            if let Err(e) = queue.push(id).await {
                                tracing::error!(job_id = %id, error = %e, "cannot re-queue");
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot look for stale jobs"),
                }
            }
        })
    };
    let result = Monitor::new()
        .register_n(workers.max(1), move |i, _| {
            WorkerBuilder::new(format!("{prefix}-{host}-{pid}-{i}"))
                .backend(
                    RedisStorage::<RunJob>::new(conn.clone())
                        .with_config(config(&settings))
                        .poll_with_interval(Duration::from_millis(200)),
                )
                .data(db.clone())
                .data(settings.clone())
                .retry(
                    RetryPolicy::retries(MAX_ATTEMPTS - 1)
                        .with_backoff(backoff.clone().make_backoff()),
                )
                .build(handle)
        })
        .shutdown_timeout(Duration::from_secs(30))
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await
        .map_err(|e| format!("worker: {e}"));
    reaper.abort();
    result
}
