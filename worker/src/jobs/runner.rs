//! Runs requested jobs (deletions, exports) by their row in `jobs`: status
//! queued → running → succeeded | failed, with the result kept on the row.
//! A job left queued or running by a crash is run again at start-up
//! (`resume_unfinished`); both kinds are idempotent.

use std::path::PathBuf;

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use trackr_config::{ObjectStoreLocation, Settings};
use trackr_entity::{audit_log, job};
use uuid::Uuid;

use super::data::{self, DeleteParams, ExportParams};
use crate::WorkerError;

pub const DELETE_DATA: &str = "delete_data";
pub const EXPORT: &str = "export";

/// Where exports are written (the local object store).
pub fn export_dir(settings: &Settings) -> Option<PathBuf> {
    match &settings.object_store {
        ObjectStoreLocation::LocalDir(dir) => Some(dir.join("exports")),
        ObjectStoreLocation::S3 { .. } => None,
    }
}

async fn finish(
    db: &DatabaseConnection,
    id: Uuid,
    outcome: Result<serde_json::Value, String>,
) -> Result<(), WorkerError> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(trackr_entity::now()))
        .filter(job::Column::Id.eq(id));
    update = match outcome {
        Ok(result) => update
            .col_expr(job::Column::Status, Expr::value("succeeded"))
            .col_expr(job::Column::Progress, Expr::value(1.0))
            .col_expr(job::Column::Result, Expr::value(result))
            .col_expr(job::Column::Error, Expr::value(Option::<String>::None)),
        Err(message) => update
            .col_expr(job::Column::Status, Expr::value("failed"))
            .col_expr(job::Column::Error, Expr::value(message)),
    };
    update.exec(db).await?;
    Ok(())
}

/// Runs the job `id` to completion, recording the outcome on its row.
pub async fn run(
    db: &DatabaseConnection,
    settings: &Settings,
    id: Uuid,
) -> Result<(), WorkerError> {
    let Some(row) = job::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    if row.status == "succeeded" {
        return Ok(());
    }
    let attempts = row.attempts + 1;
    let mut running: job::ActiveModel = row.clone().into();
    running.status = Set("running".into());
    running.attempts = Set(attempts);
    running.updated_at = Set(trackr_entity::now());
    running.update(db).await?;
    tracing::info!(job = %row.kind, job_id = %id, site_id = ?row.site_id, attempt = attempts, "job started");

    let outcome: Result<serde_json::Value, String> = match row.kind.as_str() {
        DELETE_DATA => match serde_json::from_value::<DeleteParams>(row.params.clone()) {
            Ok(p) => data::delete(db, &p)
                .await
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .map_err(|e| {
                    tracing::error!(job = DELETE_DATA, job_id = %id, error = %e, "job failed");
                    "the deletion failed; it will be retried".to_owned()
                }),
            Err(e) => Err(format!("bad parameters: {e}")),
        },
        EXPORT => match (
            serde_json::from_value::<ExportParams>(row.params.clone()),
            export_dir(settings),
        ) {
            (Ok(p), Some(dir)) => data::export(db, &p, &dir, id)
                .await
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .map_err(|e| {
                    tracing::error!(job = EXPORT, job_id = %id, error = %e, "job failed");
                    "the export failed".to_owned()
                }),
            (Err(e), _) => Err(format!("bad parameters: {e}")),
            (_, None) => {
                Err("exports to S3 are not available yet; use the local object store".into())
            }
        },
        other => Err(format!("unknown job kind {other:?}")),
    };
    if let Err(message) = &outcome {
        report_failure(&row.kind, attempts, row.site_id, id, message);
    }
    if let Ok(result) = &outcome {
        let mut entry = audit_log::Entry::new(
            if row.kind == EXPORT {
                "data.exported"
            } else {
                "data.deleted"
            },
            "site",
        )
        .details(serde_json::json!({ "job": id, "result": result }));
        if let Some(site) = row.site_id {
            entry = entry.target(site);
        }
        if let Some(org) = row.organization_id {
            entry = entry.organization(org);
        }
        entry.write(db).await?;
    }
    finish(db, id, outcome).await
}

/// Jobs a crash left queued or running.
pub async fn unfinished(db: &DatabaseConnection) -> Result<Vec<Uuid>, WorkerError> {
    Ok(job::Entity::find()
        .filter(job::Column::Status.is_in(["queued", "running"]))
        .all(db)
        .await?
        .into_iter()
        .map(|j| j.id)
        .collect())
}

/// Reports a failed job to Sentry (when configured) with technical tags
/// only: job name, attempt, site and job ids; never visitor data.
pub fn report_failure(
    kind: &str,
    attempt: i32,
    site_id: Option<Uuid>,
    job_id: Uuid,
    message: &str,
) {
    sentry::with_scope(
        |scope| {
            scope.set_tag("job", kind);
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
