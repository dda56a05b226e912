//! Export files expire (privacy promises 3 and 4): an export is a copy
//! of visitors' data, kept 25 hours after it finished (its links never
//! outlive it), and removed at once when a deletion covers what it holds.
//! The files are the analytics store's; which exports, and when, is read
//! from the jobs that made them.

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use trackr_analytics::{deletion::DeleteParams, export::ExportParams, store::Store};
use uuid::Uuid;

use crate::WorkerError;

/// How long an export's files are kept after the export finished. Its
/// download links last 24 hours from when they are handed out, never
/// past this.
pub const EXPORT_KEEP_HOURS: i64 = 25;

/// Which exports `expire_exports` removes.
pub enum Expiring {
    /// Every export finished before this time (the purge).
    FinishedBefore(chrono::DateTime<chrono::Utc>),
    /// Every export of these sites (they were deleted).
    OfSites(Vec<Uuid>),
    /// The exports of a site that hold data a deletion covers.
    Covering(DeleteParams),
    /// One export (it finished after a deletion of its data began).
    Job(Uuid),
}

/// Whether a deletion that covers this export's data began after the
/// export was asked for (running or done): the export may hold what was
/// deleted, so it must go as soon as it finishes.
pub async fn deleted_since(
    db: &DatabaseConnection,
    export: &trackr_entity::job::Model,
) -> Result<bool, DbErr> {
    use trackr_entity::job;
    let Ok(params) = serde_json::from_value::<ExportParams>(export.params.clone()) else {
        return Ok(false);
    };
    let deletions = job::Entity::find()
        .filter(job::Column::Kind.eq(job::Kind::DeleteData))
        .filter(job::Column::SiteId.eq(params.site_id))
        .filter(job::Column::Status.is_in([job::Status::Running, job::Status::Succeeded]))
        .filter(job::Column::UpdatedAt.gte(export.created_at))
        .all(db)
        .await?;
    Ok(deletions.iter().any(
        |d| match serde_json::from_value::<DeleteParams>(d.params.clone()) {
            Ok(DeleteParams {
                window: Some((from, to)),
                visitor_hash: None,
                ..
            }) => params.window.0 < to && from < params.window.1,
            _ => true,
        },
    ))
}

/// Deletes export files that outlived their links, or whose data was
/// deleted (privacy promises 3 and 4: an export is a copy of visitors'
/// data), and marks their jobs `expired` so no link to them is handed out.
/// Returns how many exports went.
pub async fn expire_exports(
    db: &DatabaseConnection,
    store: &Store,
    which: Expiring,
) -> Result<u64, WorkerError> {
    use sea_orm::sea_query::Expr;
    use trackr_entity::job;
    let mut expired = 0;
    for row in expiring(db, &which).await? {
        let mut result = row.result.clone().unwrap_or_else(|| serde_json::json!({}));
        store
            .delete_prefix(&format!("exports/{}/", row.id))
            .await
            .map_err(WorkerError::Store)?;
        result["expired"] = serde_json::Value::Bool(true);
        job::Entity::update_many()
            .col_expr(job::Column::Result, Expr::value(result))
            .filter(job::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        expired += 1;
    }
    Ok(expired)
}

/// How many exports `expire_exports` would remove (a dry run).
pub async fn count_expiring(db: &DatabaseConnection, which: &Expiring) -> Result<u64, DbErr> {
    Ok(expiring(db, which).await?.len() as u64)
}

/// The finished exports `which` names whose files are still there.
async fn expiring(
    db: &DatabaseConnection,
    which: &Expiring,
) -> Result<Vec<trackr_entity::job::Model>, DbErr> {
    use trackr_entity::job;
    let mut query = job::Entity::find()
        .filter(job::Column::Kind.eq(job::Kind::Export))
        .filter(job::Column::Status.eq(job::Status::Succeeded));
    query = match which {
        Expiring::FinishedBefore(at) => query.filter(job::Column::UpdatedAt.lt(*at)),
        Expiring::OfSites(sites) => query.filter(job::Column::SiteId.is_in(sites.iter().copied())),
        Expiring::Covering(deletion) => query.filter(job::Column::SiteId.eq(deletion.site_id)),
        Expiring::Job(id) => query.filter(job::Column::Id.eq(*id)),
    };
    let mut jobs = query.all(db).await?;
    if let Expiring::Covering(deletion) = which {
        // One visitor may be anywhere in an export; a range, only in the
        // exports that overlap it.
        jobs.retain(|row| match (deletion.window, deletion.visitor_hash) {
            (Some((from, to)), None) => serde_json::from_value::<ExportParams>(row.params.clone())
                .map(|e| e.window.0 < to && from < e.window.1)
                .unwrap_or(true),
            _ => true,
        });
    }
    jobs.retain(|row| {
        row.result
            .as_ref()
            .and_then(|r| r.get("expired"))
            .and_then(serde_json::Value::as_bool)
            != Some(true)
    });
    Ok(jobs)
}
