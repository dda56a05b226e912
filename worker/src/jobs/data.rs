//! Customers' own data on request (privacy promise 4): delete a site's
//! analytics for a range or one visitor, and export its raw events.
//! Both run as jobs with a status row in `jobs`; both are idempotent, so a
//! job interrupted by a crash is simply run again.

use std::{io::Write, path::PathBuf};

use flate2::{write::GzEncoder, Compression};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde::{Deserialize, Serialize};
use trackr_entity::{event, recording, visit};
use uuid::Uuid;

/// What a deletion covers: a time window, one visitor, or both.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeleteParams {
    pub site_id: Uuid,
    /// `[from_ms, to_ms)`; `None` = all time.
    pub window: Option<(i64, i64)>,
    pub visitor_hash: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct DeleteResult {
    pub events: u64,
    pub visits: u64,
    /// Recording chunks (rows and their objects).
    #[serde(default)]
    pub recordings: u64,
    /// The site's earlier exports, removed: they held what was deleted.
    #[serde(default)]
    pub exports: u64,
}

const BATCH: u64 = 5_000;

/// Deletes matching events in bounded batches, then the visits that no
/// longer have any event, then the matching session recordings (objects
/// and rows): those that started in the window, and for one visitor every
/// recording of a session that visitor was seen in.
pub async fn delete(
    db: &DatabaseConnection,
    store: &crate::store::Store,
    p: &DeleteParams,
) -> Result<DeleteResult, DbErr> {
    let scope = |q: sea_orm::Select<event::Entity>| {
        let mut q = q.filter(event::Column::SiteId.eq(p.site_id));
        if let Some((from, to)) = p.window {
            q = q
                .filter(event::Column::Ts.gte(from))
                .filter(event::Column::Ts.lt(to));
        }
        if let Some(v) = p.visitor_hash {
            q = q.filter(event::Column::VisitorHash.eq(v));
        }
        q
    };
    // Where the rollups stop being right: the window's start, or the
    // visitor's first visit (their events lie within their visits).
    let mut invalid_from = match (p.window, p.visitor_hash) {
        (Some((from, _)), _) => Some(from),
        (None, Some(v)) => visit::Entity::find()
            .select_only()
            .column_as(visit::Column::StartedAt.min(), "first")
            .filter(visit::Column::SiteId.eq(p.site_id))
            .filter(visit::Column::VisitorHash.eq(v))
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten(),
        (None, None) => None,
    };
    // The visits these events belong to, to delete or recount after.
    let sessions: Vec<i64> = scope(event::Entity::find())
        .select_only()
        .column(event::Column::SessionId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    // A visit reaching into the window from an earlier day changes (or
    // goes) too: the rollups are stale from the day it started.
    if let Some(from) = invalid_from.as_mut() {
        for chunk in sessions.chunks(1_000) {
            let started: Option<Option<i64>> = visit::Entity::find()
                .select_only()
                .column_as(visit::Column::StartedAt.min(), "first")
                .filter(visit::Column::SessionId.is_in(chunk.iter().copied()))
                .into_tuple()
                .one(db)
                .await?;
            if let Some(started) = started.flatten() {
                *from = (*from).min(started);
            }
        }
    }
    let mut result = DeleteResult::default();
    loop {
        let ids = scope(event::Entity::find())
            .select_only()
            .column(event::Column::Id)
            .limit(BATCH)
            .into_query();
        let n = event::Entity::delete_many()
            .filter(event::Column::Id.in_subquery(ids))
            .exec(db)
            .await?
            .rows_affected;
        result.events += n;
        if n < BATCH {
            break;
        }
    }
    for chunk in sessions.chunks(1_000) {
        let still_used: Vec<i64> = event::Entity::find()
            .select_only()
            .column(event::Column::SessionId)
            .filter(event::Column::SessionId.is_in(chunk.iter().copied()))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        let gone: Vec<i64> = chunk
            .iter()
            .copied()
            .filter(|s| !still_used.contains(s))
            .collect();
        if !gone.is_empty() {
            result.visits += visit::Entity::delete_many()
                .filter(visit::Column::SessionId.is_in(gone))
                .exec(db)
                .await?
                .rows_affected;
        }
    }
    // The rollups of the days deleted from are rebuilt from what is left.
    super::rollup::invalidate(db, p.site_id, invalid_from).await?;
    result.recordings = delete_recordings(db, store, p).await?;
    result.exports = expire_exports(db, store, Expiring::Covering(p.clone()))
        .await
        .map_err(|e| DbErr::Custom(format!("exports: {e}")))?;
    Ok(result)
}

async fn delete_recordings(
    db: &DatabaseConnection,
    store: &crate::store::Store,
    p: &DeleteParams,
) -> Result<u64, DbErr> {
    let in_window = |mut q: sea_orm::Select<recording::Entity>| {
        q = q.filter(recording::Column::SiteId.eq(p.site_id));
        if let Some((from, to)) = p.window {
            q = q
                .filter(recording::Column::StartedAt.gte(from))
                .filter(recording::Column::StartedAt.lt(to));
        }
        q
    };
    let sessions: Option<Vec<String>> = match p.visitor_hash {
        None => None,
        Some(v) => Some(
            in_window(recording::Entity::find())
                .filter(recording::Column::VisitorHash.eq(v))
                .select_only()
                .column(recording::Column::SessionId)
                .distinct()
                .into_tuple()
                .all(db)
                .await?,
        ),
    };
    let mut deleted = 0;
    let batches: Vec<Option<Vec<String>>> = match sessions {
        None => vec![None],
        Some(s) => s.chunks(500).map(|c| Some(c.to_vec())).collect(),
    };
    for sessions in batches {
        loop {
            let query = match &sessions {
                // One visitor: their sessions whole, wherever they fall.
                Some(s) => recording::Entity::find()
                    .filter(recording::Column::SiteId.eq(p.site_id))
                    .filter(recording::Column::SessionId.is_in(s.iter().cloned())),
                None => in_window(recording::Entity::find()),
            };
            let chunks = super::recordings::select(db, query, BATCH).await?;
            let n = chunks.len() as u64;
            deleted += super::recordings::remove(db, store, &chunks)
                .await
                .map_err(|e| DbErr::Custom(format!("recordings: {e}")))?;
            if n < BATCH {
                break;
            }
        }
    }
    Ok(deleted)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportParams {
    pub site_id: Uuid,
    pub window: (i64, i64),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExportResult {
    pub events: u64,
    /// File names under the export directory.
    pub files: Vec<String>,
}

/// The exported columns, in order.
pub const COLUMNS: [&str; 20] = [
    "ts",
    "name",
    "pathname",
    "hostname",
    "referrer",
    "referrer_source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device",
    "visitor_id",
    "session_id",
    "props",
    "revenue_minor",
    "revenue_currency",
];

fn row(e: &event::Model) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        e.ts.to_string(),
        e.name.clone(),
        e.pathname.clone(),
        e.hostname.clone(),
        opt(&e.referrer),
        e.referrer_source.clone(),
        opt(&e.utm_source),
        opt(&e.utm_medium),
        opt(&e.utm_campaign),
        opt(&e.country),
        opt(&e.region),
        opt(&e.city),
        e.browser.clone(),
        e.os.clone(),
        e.device.clone(),
        e.visitor_hash.to_string(),
        e.session_id.to_string(),
        opt(&e.props),
        e.revenue_minor.map(|r| r.to_string()).unwrap_or_default(),
        opt(&e.revenue_currency),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("object store: {0}")]
    Store(String),
}

/// The object-store key of an export file.
pub fn export_key(job: Uuid, file: &str) -> String {
    format!("exports/{job}/{file}")
}

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
        .filter(job::Column::Kind.eq(super::runner::DELETE_DATA))
        .filter(job::Column::SiteId.eq(params.site_id))
        .filter(job::Column::Status.is_in(["running", "succeeded"]))
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
    store: &crate::store::Store,
    which: Expiring,
) -> Result<u64, String> {
    use sea_orm::sea_query::Expr;
    use trackr_entity::job;
    let mut expired = 0;
    for row in expiring(db, &which).await.map_err(|e| e.to_string())? {
        let mut result = row.result.clone().unwrap_or_else(|| serde_json::json!({}));
        store.delete_prefix(&format!("exports/{}/", row.id)).await?;
        result["expired"] = serde_json::Value::Bool(true);
        job::Entity::update_many()
            .col_expr(job::Column::Result, Expr::value(result))
            .filter(job::Column::Id.eq(row.id))
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
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
        .filter(job::Column::Kind.eq(super::runner::EXPORT))
        .filter(job::Column::Status.eq("succeeded"));
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

/// Writes `<job>.ndjson.gz` and `<job>.csv.gz` in `dir`, reading the
/// events in pages (constant memory), then uploads both to the object
/// store.
pub async fn export(
    db: &DatabaseConnection,
    p: &ExportParams,
    store: &crate::store::Store,
    dir: &std::path::Path,
    job: Uuid,
) -> Result<ExportResult, ExportError> {
    std::fs::create_dir_all(dir)?;
    let ndjson_name = format!("{job}.ndjson.gz");
    let csv_name = format!("{job}.csv.gz");
    let tmp = |name: &str| -> PathBuf { dir.join(format!(".{name}.tmp")) };
    let mut ndjson = GzEncoder::new(
        std::fs::File::create(tmp(&ndjson_name))?,
        Compression::default(),
    );
    let mut csv = csv::Writer::from_writer(GzEncoder::new(
        std::fs::File::create(tmp(&csv_name))?,
        Compression::default(),
    ));
    csv.write_record(COLUMNS)?;
    let mut after = i64::MIN;
    let mut count = 0u64;
    loop {
        let page = event::Entity::find()
            .filter(event::Column::SiteId.eq(p.site_id))
            .filter(event::Column::Ts.gte(p.window.0))
            .filter(event::Column::Ts.lt(p.window.1))
            .filter(event::Column::Id.gt(after))
            .order_by_asc(event::Column::Id)
            .limit(5_000)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            let values = row(e);
            let object: serde_json::Map<String, serde_json::Value> = COLUMNS
                .iter()
                .zip(&values)
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::to_writer(&mut ndjson, &object).map_err(std::io::Error::other)?;
            ndjson.write_all(b"\n")?;
            csv.write_record(&values)?;
            count += 1;
        }
    }
    ndjson.finish()?.sync_all()?;
    csv.into_inner()
        .map_err(|e| e.into_error())?
        .finish()?
        .sync_all()?;
    // Complete files are uploaded, or nothing is.
    for name in [&ndjson_name, &csv_name] {
        store
            .put_file(&export_key(job, name), &tmp(name))
            .await
            .map_err(ExportError::Store)?;
        let _ = std::fs::remove_file(tmp(name));
    }
    Ok(ExportResult {
        events: count,
        files: vec![ndjson_name, csv_name],
    })
}
