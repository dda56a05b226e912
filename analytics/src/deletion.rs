//! Deleting a site's analytics on request (privacy promise 4): a range,
//! one visitor, or both. Idempotent, so a deletion interrupted by a crash
//! is simply run again. The worker runs it as a job (`trackr_worker`).

use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
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
    crate::rollup::invalidate(db, p.site_id, invalid_from).await?;
    result.recordings = delete_recordings(db, store, p).await?;
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
            let chunks = crate::recordings::select(db, query, BATCH).await?;
            let n = chunks.len() as u64;
            deleted += crate::recordings::remove(db, store, &chunks)
                .await
                .map_err(|e| DbErr::Custom(format!("recordings: {e}")))?;
            if n < BATCH {
                break;
            }
        }
    }
    Ok(deleted)
}

/// Deletes everything of these sites: events, visits, rollups and
/// recording rows (their objects are removed by prefix, by the caller or
/// the purge's sweep). The rollup state goes first: a rollup being written
/// for these sites then finds none and writes nothing.
pub async fn delete_sites<C: sea_orm::ConnectionTrait>(
    db: &C,
    sites: &[Uuid],
) -> Result<u64, DbErr> {
    use trackr_entity::{rollup, rollup_state};
    if sites.is_empty() {
        return Ok(0);
    }
    let ids = || sites.iter().copied();
    let events = event::Entity::delete_many()
        .filter(event::Column::SiteId.is_in(ids()))
        .exec(db)
        .await?;
    visit::Entity::delete_many()
        .filter(visit::Column::SiteId.is_in(ids()))
        .exec(db)
        .await?;
    recording::Entity::delete_many()
        .filter(recording::Column::SiteId.is_in(ids()))
        .exec(db)
        .await?;
    rollup_state::Entity::delete_many()
        .filter(rollup_state::Column::SiteId.is_in(ids()))
        .exec(db)
        .await?;
    rollup::Entity::delete_many()
        .filter(rollup::Column::SiteId.is_in(ids()))
        .exec(db)
        .await?;
    Ok(events.rows_affected)
}
