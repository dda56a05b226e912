//! Runs requested jobs (deletions, exports) by their row in `jobs`: status
//! queued → running → succeeded | failed, with the result kept on the row.
//! A job left queued or running by a crash is run again at start-up
//! (`resume_unfinished`); both kinds are idempotent.

use std::path::PathBuf;

use std::time::Duration;

use tracing::Instrument;

use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use trackr_config::Settings;
use trackr_entity::{
    audit_log,
    job::{self, Kind, Status},
};
use uuid::Uuid;

use trackr_analytics::{
    deletion::{self, DeleteParams},
    export::ExportParams,
    store::Store,
    EventStore, SqlEventStore,
};

use super::exports;
use crate::{billing::BillingError, WorkerError};

/// Why a job failed, as its row keeps it and `Job.error` shows it: safe to
/// show (no SQL, no secret, no visitor data). The detail is the source,
/// and is logged where it happens.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("bad parameters: {0}")]
    BadParameters(#[source] serde_json::Error),
    #[error("bad parameters: no inbox event id")]
    NoInboxEvent,
    #[error("the object store is unavailable")]
    StoreUnavailable(String),
    #[error("the deletion failed")]
    Deletion(#[source] WorkerError),
    #[error("the export failed")]
    Export(#[source] trackr_analytics::export::ExportError),
    #[error(transparent)]
    Billing(#[from] BillingError),
}

/// Where exports are assembled before their upload.
fn scratch_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("tmp")
}

async fn finish(
    db: &DatabaseConnection,
    id: Uuid,
    outcome: &Result<serde_json::Value, JobError>,
) -> Result<(), WorkerError> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(trackr_entity::now()))
        .filter(job::Column::Id.eq(id));
    update = match outcome {
        Ok(result) => update
            .col_expr(job::Column::Status, Expr::value(Status::Succeeded))
            .col_expr(job::Column::Progress, Expr::value(1.0))
            .col_expr(job::Column::Result, Expr::value(result.clone()))
            .col_expr(job::Column::Error, Expr::value(Option::<String>::None)),
        Err(e) => update
            .col_expr(job::Column::Status, Expr::value(Status::Failed))
            .col_expr(job::Column::Error, Expr::value(e.to_string())),
    };
    update.exec(db).await?;
    Ok(())
}

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Already done, dead, or running elsewhere under a live lease.
    Skipped,
    /// Failed this time; the message is safe to show.
    Failed(String),
}

/// Claims the job for this worker: queued, failed, or running under a
/// lease nobody renewed (its worker died), and not yet tried
/// `MAX_ATTEMPTS` times. Exactly one claimant wins; a copy of the job
/// delivered twice cannot try it a fifth time.
pub async fn claim(
    db: &DatabaseConnection,
    id: Uuid,
    lease: Duration,
) -> Result<Option<job::Model>, WorkerError> {
    let now = trackr_entity::now();
    let stale = now - chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let claimed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(Status::Running))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Attempts.lt(crate::queue::MAX_ATTEMPTS as i32))
        .filter(
            Condition::any()
                .add(job::Column::Status.is_in([Status::Queued, Status::Failed]))
                .add(
                    Condition::all()
                        .add(job::Column::Status.eq(Status::Running))
                        .add(job::Column::UpdatedAt.lt(stale)),
                ),
        )
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

pub async fn mark_dead(db: &DatabaseConnection, id: Uuid) -> Result<(), WorkerError> {
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(Status::Dead))
        .col_expr(job::Column::UpdatedAt, Expr::value(trackr_entity::now()))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs the job `id` once, if this worker can claim it, recording the
/// outcome on its row. While it runs, the claim's lease is renewed.
pub async fn run(
    db: &DatabaseConnection,
    settings: &Settings,
    id: Uuid,
) -> Result<Outcome, WorkerError> {
    let lease = settings.queue_heartbeat() * 4;
    let Some(row) = claim(db, id, lease).await? else {
        return Ok(Outcome::Skipped);
    };
    let span = span(&row);
    run_claimed(db, settings, row, lease).instrument(span).await
}

/// One span per run of a job: what it is and whose, by ids only (never the
/// parameters, which may name a visitor).
pub fn span(row: &job::Model) -> tracing::Span {
    let span = tracing::info_span!(
        "job",
        job = %row.kind,
        job_id = %row.id,
        attempt = row.attempts,
        site_id = tracing::field::Empty,
        organization_id = tracing::field::Empty,
    );
    if let Some(site) = row.site_id {
        span.record("site_id", tracing::field::display(site));
    }
    if let Some(organization) = row.organization_id {
        span.record("organization_id", tracing::field::display(organization));
    }
    span
}

async fn run_claimed(
    db: &DatabaseConnection,
    settings: &Settings,
    row: job::Model,
    lease: Duration,
) -> Result<Outcome, WorkerError> {
    let (id, attempts) = (row.id, row.attempts);
    tracing::info!("job started");
    let renew = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(lease / 4);
            every.tick().await;
            loop {
                every.tick().await;
                let _ = job::Entity::update_many()
                    .col_expr(job::Column::UpdatedAt, Expr::value(trackr_entity::now()))
                    .filter(job::Column::Id.eq(id))
                    .filter(job::Column::Status.eq(Status::Running))
                    .exec(&db)
                    .await;
            }
        })
    };
    let outcome = execute(db, settings, &row).await;
    renew.abort();
    if let Err(e) = &outcome {
        report_failure(row.kind, attempts, row.site_id, id, &e.to_string());
    }
    let audited = match row.kind {
        Kind::Export => Some("data.exported"),
        Kind::DeleteData => Some("data.deleted"),
        Kind::StripeEvent => None,
    };
    if let (Ok(result), Some(action)) = (&outcome, audited) {
        let mut entry = audit_log::Entry::new(action, "site")
            .details(serde_json::json!({ "job": id, "result": result }));
        if let Some(site) = row.site_id {
            entry = entry.target(site);
        }
        if let Some(org) = row.organization_id {
            entry = entry.organization(org);
        }
        entry.write(db).await?;
    }
    let result = match &outcome {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Failed(e.to_string()),
    };
    let succeeded = outcome.is_ok();
    finish(db, id, &outcome).await?;
    if !succeeded && attempts >= crate::queue::MAX_ATTEMPTS as i32 {
        // Its last attempt: no copy of it may claim it again.
        mark_dead(db, id).await?;
    }
    if succeeded && row.kind == Kind::Export && exports::deleted_since(db, &row).await? {
        // Data it holds was deleted while it ran: it goes at once.
        let store = Store::open(settings).map_err(WorkerError::Store)?;
        exports::expire_exports(db, &store, exports::Expiring::Job(id)).await?;
    }
    Ok(result)
}

/// Runs the job in this process (no Redis): the same code as a worker,
/// with the same retries and backoff, then dead.
pub async fn run_in_process(
    db: &DatabaseConnection,
    settings: &Settings,
    id: Uuid,
) -> Result<(), WorkerError> {
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=crate::queue::MAX_ATTEMPTS {
        match run(db, settings, id).await? {
            Outcome::Done | Outcome::Skipped => return Ok(()),
            Outcome::Failed(_) if attempt == crate::queue::MAX_ATTEMPTS => {
                mark_dead(db, id).await?
            }
            Outcome::Failed(_) => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    Ok(())
}

async fn execute(
    db: &DatabaseConnection,
    settings: &Settings,
    row: &job::Model,
) -> Result<serde_json::Value, JobError> {
    let id = row.id;
    match row.kind {
        Kind::DeleteData => match (
            serde_json::from_value::<DeleteParams>(row.params.clone()),
            Store::open(settings),
        ) {
            (Ok(p), Ok(store)) => delete_data(db, &store, &p)
                .await
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .map_err(|e| {
                    tracing::error!(job = %row.kind, job_id = %id, error = %e, "job failed");
                    JobError::Deletion(e)
                }),
            (Err(e), _) => Err(JobError::BadParameters(e)),
            (_, Err(e)) => {
                tracing::error!(job = %row.kind, job_id = %id, error = %e, "object store unavailable");
                Err(JobError::StoreUnavailable(e))
            }
        },
        Kind::Export => match (
            serde_json::from_value::<ExportParams>(row.params.clone()),
            Store::open(settings),
        ) {
            (Ok(p), Ok(store)) => SqlEventStore::new(db.clone(), store)
                .export(&p, &scratch_dir(settings), id)
                .await
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .map_err(|e| {
                    tracing::error!(job = %row.kind, job_id = %id, error = %e, "job failed");
                    JobError::Export(e)
                }),
            (Err(e), _) => Err(JobError::BadParameters(e)),
            (_, Err(e)) => {
                tracing::error!(job = %row.kind, job_id = %id, error = %e, "object store unavailable");
                Err(JobError::StoreUnavailable(e))
            }
        },
        Kind::StripeEvent => match row.params["event"].as_str().and_then(|s| s.parse().ok()) {
            Some(event) => Ok(crate::billing::apply::process(db, settings, event).await?),
            None => Err(JobError::NoInboxEvent),
        },
    }
}

/// A deletion on request: the analytics store deletes; the site's earlier
/// exports that hold what it deleted go with it (they are copies).
async fn delete_data(
    db: &DatabaseConnection,
    store: &Store,
    p: &DeleteParams,
) -> Result<deletion::DeleteResult, WorkerError> {
    let events = SqlEventStore::new(db.clone(), store.clone());
    let mut result = events.delete(p).await?;
    result.exports =
        exports::expire_exports(db, store, exports::Expiring::Covering(p.clone())).await?;
    Ok(result)
}

/// Stripe events not applied yet whose job gave up (dead), failed, or sat
/// queued for longer than `older_than` (a lost push to the queue): run each
/// again, oldest first. An acknowledged webhook is never dropped: this runs
/// hourly with the schedule and first thing in `reconcile`. Returns (applied,
/// still failing).
pub async fn retry_stripe_events(
    db: &DatabaseConnection,
    settings: &Settings,
    older_than: Duration,
) -> Result<(usize, usize), WorkerError> {
    let before = trackr_entity::now()
        - chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::minutes(10));
    let rows = job::Entity::find()
        .filter(job::Column::Kind.eq(Kind::StripeEvent))
        .filter(job::Column::Status.is_in([Status::Dead, Status::Failed, Status::Queued]))
        .filter(job::Column::UpdatedAt.lte(before))
        .order_by_asc(job::Column::CreatedAt)
        .all(db)
        .await?;
    let (mut applied, mut failing) = (0, 0);
    for row in rows {
        // A new round of attempts.
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(Status::Queued))
            .col_expr(job::Column::Attempts, Expr::value(0))
            .filter(job::Column::Id.eq(row.id))
            .filter(job::Column::Status.eq(row.status))
            .exec(db)
            .await?;
        match run(db, settings, row.id).await? {
            Outcome::Done => applied += 1,
            Outcome::Skipped => {}
            Outcome::Failed(_) => failing += 1,
        }
    }
    Ok((applied, failing))
}

/// Jobs a crash left queued, failed-and-retryable or running.
pub async fn unfinished(db: &DatabaseConnection) -> Result<Vec<Uuid>, WorkerError> {
    Ok(ids(job::Entity::find().filter(job::Column::Status.is_in([
        Status::Queued,
        Status::Running,
        Status::Failed,
    ])))
    .all(db)
    .await?)
}

/// The ids a query finds, and only them: a row written by a newer version
/// (a kind this one does not know) cannot fail a listing of the others.
fn ids(
    query: sea_orm::Select<job::Entity>,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<Uuid>> {
    query
        .select_only()
        .column(job::Column::Id)
        .into_tuple::<Uuid>()
}

/// Reports a failed job to Sentry (when configured) with technical tags
/// only: job name, attempt, site and job ids; never visitor data.
pub fn report_failure(
    kind: Kind,
    attempt: i32,
    site_id: Option<Uuid>,
    job_id: Uuid,
    message: &str,
) {
    sentry::with_scope(
        |scope| {
            scope.set_tag("job", kind.as_str());
            scope.set_tag("attempt", attempt);
            scope.set_tag("job_id", job_id);
            if let Some(site) = site_id {
                scope.set_tag("site_id", site);
            }
        },
        || {
            sentry::capture_message(
                &format!("job {kind} failed: {message}"),
                sentry::Level::Error,
            )
        },
    );
}

/// The dead-letter list: jobs that failed every attempt.
pub async fn dead(db: &DatabaseConnection) -> Result<Vec<job::Model>, WorkerError> {
    Ok(job::Entity::find()
        .filter(job::Column::Status.eq(Status::Dead))
        .all(db)
        .await?)
}

/// Running jobs whose lease nobody renewed: their worker is gone.
/// How long a job may sit queued after its hand-over before it is handed
/// over again: Redis may have lost it (a restart without persistence).
pub const HAND_OVER_AGAIN_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Jobs that wait for the queue, oldest first: never handed over (Redis
/// was away), or handed over long ago and still queued (Redis lost them).
pub async fn waiting_for_queue(db: &DatabaseConnection) -> Result<Vec<Uuid>, DbErr> {
    let lost = trackr_entity::now() - HAND_OVER_AGAIN_AFTER;
    ids(job::Entity::find()
        .filter(job::Column::Status.eq(Status::Queued))
        .filter(
            Condition::any()
                .add(job::Column::EnqueuedAt.is_null())
                .add(job::Column::EnqueuedAt.lt(lost)),
        )
        .order_by_asc(job::Column::CreatedAt))
    .all(db)
    .await
}

/// Takes the job's hand-over for this process: true if no one else has it
/// (so two servers never push the same job at once). `release_hand_over`
/// gives it back when the push fails.
pub async fn reserve_hand_over(db: &DatabaseConnection, id: Uuid) -> Result<bool, DbErr> {
    let now = trackr_entity::now();
    let reserved = job::Entity::update_many()
        .col_expr(job::Column::EnqueuedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(job::Column::EnqueuedAt.is_null())
                .add(job::Column::EnqueuedAt.lt(now - HAND_OVER_AGAIN_AFTER)),
        )
        .exec(db)
        .await?;
    Ok(reserved.rows_affected == 1)
}

pub async fn release_hand_over(db: &DatabaseConnection, id: Uuid) -> Result<(), DbErr> {
    job::Entity::update_many()
        .col_expr(
            job::Column::EnqueuedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn stale(db: &DatabaseConnection, lease: Duration) -> Result<Vec<Uuid>, DbErr> {
    let stale = trackr_entity::now()
        - chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    ids(job::Entity::find()
        .filter(job::Column::Status.eq(Status::Running))
        .filter(job::Column::UpdatedAt.lt(stale)))
    .all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jobs_span_carries_its_ids_and_no_parameters() {
        let (site, organization) = (Uuid::new_v4(), Uuid::new_v4());
        let row = job::Model {
            id: Uuid::new_v4(),
            kind: Kind::Export,
            organization_id: Some(organization),
            site_id: Some(site),
            status: Status::Running,
            progress: 0.0,
            params: serde_json::json!({"visitor": "ada@example.com"}),
            result: None,
            error: None,
            attempts: 2,
            created_by: None,
            created_at: trackr_entity::now(),
            updated_at: trackr_entity::now(),
            enqueued_at: None,
        };
        let span = span(&row);
        let metadata = span.metadata().expect("a span");
        assert_eq!(metadata.name(), "job");
        let fields: Vec<&str> = metadata.fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            fields,
            ["job", "job_id", "attempt", "site_id", "organization_id"]
        );
    }
}
