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

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use apalis::{
    layers::retry::{
        backoff::{ExponentialBackoffMaker, MakeBackoff},
        HasherRng, RetryPolicy,
    },
    prelude::*,
};
use apalis_redis::{Config, RedisStorage};
use redis::aio::ConnectionManager;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use trackr_config::Settings;
use uuid::Uuid;

use crate::jobs::runner::{self, Outcome};

/// Why a job could not be handed to the queue, or the consumers stopped.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot enqueue job {id}: {detail}")]
    Push { id: Uuid, detail: String },
    #[error("cannot enqueue job {0}: Redis did not answer in time")]
    PushTimeout(Uuid),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("backoff: {0}")]
    Backoff(String),
    #[error("worker: {0}")]
    Workers(String),
    #[error("a queue consumer stopped {RESTARTS_PER_WINDOW} times within {} s; see the errors above", RESTART_WINDOW.as_secs())]
    ConsumersKeepStopping,
}

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

/// How long handing a job to Redis may take before the caller moves on
/// (the job stays queued in the database and is handed over later).
pub const PUSH_DEADLINE: Duration = Duration::from_millis(1500);

/// The producer side, held by API servers.
#[derive(Clone)]
pub struct Queue {
    storage: RedisStorage<RunJob>,
}

impl Queue {
    /// On a connection that may not be up yet: nothing is sent until a
    /// job is pushed.
    pub fn new(conn: ConnectionManager, settings: &Settings) -> Queue {
        Queue {
            storage: RedisStorage::new(conn).with_config(config(settings)),
        }
    }

    pub async fn push(&self, id: Uuid) -> Result<(), QueueError> {
        let mut storage = self.storage.clone();
        match tokio::time::timeout(PUSH_DEADLINE, storage.push(RunJob { id })).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(QueueError::Push {
                id,
                detail: e.to_string(),
            }),
            Err(_) => Err(QueueError::PushTimeout(id)),
        }
    }
}

/// Hands a recorded job to the queue and notes it on the job's row. When
/// Redis cannot take it, the job stays recorded and `hand_over_waiting`
/// hands it over later: nothing asked for is lost, and a job handed over
/// twice still runs once (its claim).
pub async fn hand_over(db: &DatabaseConnection, queue: &Queue, id: Uuid) -> Result<(), QueueError> {
    if !runner::reserve_hand_over(db, id).await? {
        // Another server or worker is handing it over, or did.
        return Ok(());
    }
    if let Err(e) = queue.push(id).await {
        if let Err(release) = runner::release_hand_over(db, id).await {
            tracing::warn!(job_id = %id, error = %release, "hand-over not released; it is retried after its timeout");
        }
        return Err(e);
    }
    Ok(())
}

/// Hands over every job still waiting for the queue, oldest first; stops
/// at the first that Redis does not take. Returns how many went.
pub async fn hand_over_waiting(
    db: &DatabaseConnection,
    queue: &Queue,
) -> Result<usize, QueueError> {
    let waiting = runner::waiting_for_queue(db).await?;
    let mut handed = 0;
    for id in waiting {
        hand_over(db, queue, id).await?;
        handed += 1;
    }
    if handed > 0 {
        tracing::info!(
            jobs = handed,
            "jobs that waited for Redis handed to the queue"
        );
    }
    Ok(handed)
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

/// How often one consumer may be restarted within `RESTART_WINDOW` before
/// the process gives up and exits (its supervisor starts a fresh one).
pub const RESTARTS_PER_WINDOW: usize = 5;
pub const RESTART_WINDOW: Duration = Duration::from_secs(60);

/// Decides whether a consumer that stopped on an error is started again.
/// A consumer stops for good on the first error apalis does not handle
/// itself: a failed heartbeat ("worker not registered", after a stall or a
/// clock jump made another worker drop it from the workers set), or a lost
/// Redis connection. Restarting registers it again. A consumer that keeps
/// failing is not restarted in a tight loop: past the budget the process
/// stops, so that a supervisor sees it rather than a worker whose health
/// check answers while nothing consumes the queue.
#[derive(Default)]
struct Restarts {
    recent: Mutex<HashMap<String, Vec<Instant>>>,
    exhausted: std::sync::atomic::AtomicBool,
}

impl Restarts {
    fn allow(&self, name: &str, now: Instant) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let times = recent.entry(name.to_owned()).or_default();
        times.retain(|t| now.duration_since(*t) < RESTART_WINDOW);
        if times.len() >= RESTARTS_PER_WINDOW {
            self.exhausted
                .store(true, std::sync::atomic::Ordering::SeqCst);
            return false;
        }
        times.push(now);
        true
    }

    fn exhausted(&self) -> bool {
        self.exhausted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Runs `workers` consumers until `shutdown` resolves, then lets running
/// jobs finish. A consumer that stops on an error is restarted (see
/// `Restarts`); one that exhausts its budget ends the run with an error.
pub async fn run_workers(
    db: DatabaseConnection,
    conn: ConnectionManager,
    settings: Settings,
    workers: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), QueueError> {
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
    .map_err(|e| QueueError::Backoff(format!("{e:?}")))?;
    let prefix = settings.redis_prefix.clone();
    // The database lease is the last word on a job left by a dead worker:
    // once its renewals stop, any worker hands the job to the queue again
    // (the claim keeps its effect single).
    let reaper = {
        let (db, settings) = (db.clone(), settings.clone());
        let queue = Queue::new(conn.clone(), &settings);
        tokio::spawn(async move {
            let lease = settings.queue_heartbeat() * 4;
            let mut every = tokio::time::interval(settings.queue_heartbeat());
            loop {
                every.tick().await;
                if let Err(e) = hand_over_waiting(&db, &queue).await {
                    tracing::debug!(error = %e, "jobs still wait for Redis");
                }
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
    let restarts = Arc::new(Restarts::default());
    let asked_to_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gave_up = Arc::new(tokio::sync::Notify::new());
    let result = Monitor::new()
        .should_restart({
            let gave_up = gave_up.clone();
            let restarts = restarts.clone();
            move |worker, error| {
                if restarts.allow(worker.name(), Instant::now()) {
                    tracing::warn!(worker = worker.name(), error = %error, "queue consumer stopped; restarting it");
                    true
                } else {
                    tracing::error!(worker = worker.name(), error = %error, "queue consumer keeps stopping; the worker exits");
                    gave_up.notify_one();
                    false
                }
            }
        })
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
        .run_with_signal({
            let (gave_up, asked) = (gave_up.clone(), asked_to_stop.clone());
            async move {
                tokio::select! {
                    () = shutdown => asked.store(true, std::sync::atomic::Ordering::SeqCst),
                    () = gave_up.notified() => {}
                }
                Ok(())
            }
        })
        .await
        .map_err(|e| QueueError::Workers(e.to_string()));
    reaper.abort();
    result?;
    if restarts.exhausted() {
        return Err(QueueError::ConsumersKeepStopping);
    }
    // The monitor also returns when its last consumer has gone without
    // asking for a restart (apalis could not restart it): that is no
    // shutdown, and must not look like one to the supervisor.
    if !asked_to_stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(QueueError::Workers(
            "every queue consumer stopped without a shutdown".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_is_restarted_within_its_budget_and_not_beyond() {
        let restarts = Restarts::default();
        let start = Instant::now();
        for i in 0..RESTARTS_PER_WINDOW {
            assert!(restarts.allow("a", start + Duration::from_secs(i as u64)));
        }
        assert!(!restarts.exhausted());
        assert!(
            restarts.allow("b", start),
            "each consumer has its own budget"
        );
        assert!(!restarts.allow("a", start + Duration::from_secs(10)));
        assert!(restarts.exhausted());
        assert!(
            restarts.allow("a", start + RESTART_WINDOW + Duration::from_secs(5)),
            "old restarts leave the window"
        );
    }
}
