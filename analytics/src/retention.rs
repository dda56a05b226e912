//! Retention statements (privacy promise 3): delete a site's events,
//! visits and recording chunks older than a cut-off, in bounded batches
//! (short transactions, so ingestion and reports keep their latency). Every
//! batch stands alone: a run that stops halfway loses nothing, and the next
//! one finishes the work. Which cut-off applies to a site (its plan, a
//! downgrade still paid for, its own override) is the worker's to decide
//! (`trackr_worker::jobs::purge`); this module only deletes.
//!
//! Recording chunks go objects first, then rows: an interrupted removal
//! leaves rows that the next run finds again.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Query, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait,
};
use trackr_entity::{event, recording, site, visit};
use uuid::Uuid;

use crate::{recordings, store::Store};

#[derive(Debug, Clone)]
pub struct PurgeOptions {
    /// Report what would go; delete nothing.
    pub dry_run: bool,
    /// Rows per delete statement.
    pub batch_size: u64,
    /// Stop after this many batches in all (a bounded run; the next run
    /// goes on where this one stopped).
    pub max_batches: Option<u64>,
    pub now: DateTime<Utc>,
    /// Where recordings' objects live; `None` leaves recordings alone.
    pub store: Option<Store>,
}

impl PurgeOptions {
    /// A whole run (no bound, no dry run, recordings left alone) as of
    /// `now`: the caller's clock, never read here.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            dry_run: false,
            batch_size: 10_000,
            max_batches: None,
            now,
            store: None,
        }
    }
}

/// How many batches a run may still delete (`None`: no bound).
pub struct Budget {
    pub left: Option<u64>,
}

impl Budget {
    pub fn take(&mut self) -> bool {
        match &mut self.left {
            None => true,
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
        }
    }
}

/// Deletes (or counts) rows of `site` older than `cutoff_ms`; `site` None
/// means rows whose site no longer exists.
pub async fn purge_rows(
    db: &DatabaseConnection,
    site: Option<Uuid>,
    cutoff_ms: i64,
    options: &PurgeOptions,
    budget: &mut Budget,
) -> Result<(u64, u64, bool), DbErr> {
    let event_scope = |q: sea_orm::Select<event::Entity>| match site {
        Some(id) => q
            .filter(event::Column::SiteId.eq(id))
            .filter(event::Column::Ts.lt(cutoff_ms)),
        None => q.filter(
            event::Column::SiteId.not_in_subquery(
                Query::select()
                    .column(site::Column::Id)
                    .from(site::Entity)
                    .to_owned(),
            ),
        ),
    };
    let visit_scope = |q: sea_orm::Select<visit::Entity>| match site {
        // started_at first: it has an index; a visit that ended before the
        // cut-off also started before it.
        Some(id) => q
            .filter(visit::Column::SiteId.eq(id))
            .filter(visit::Column::StartedAt.lt(cutoff_ms))
            .filter(visit::Column::EndedAt.lt(cutoff_ms)),
        None => q.filter(
            visit::Column::SiteId.not_in_subquery(
                Query::select()
                    .column(site::Column::Id)
                    .from(site::Entity)
                    .to_owned(),
            ),
        ),
    };
    if options.dry_run {
        let events = event_scope(event::Entity::find()).count(db).await?;
        let visits = visit_scope(visit::Entity::find()).count(db).await?;
        return Ok((events, visits, true));
    }
    let mut events = 0;
    loop {
        if !budget.take() {
            return Ok((events, 0, false));
        }
        let ids = event_scope(event::Entity::find())
            .select_only()
            .column(event::Column::Id)
            .limit(options.batch_size)
            .into_query();
        let deleted = event::Entity::delete_many()
            .filter(event::Column::Id.in_subquery(ids))
            .exec(db)
            .await?
            .rows_affected;
        events += deleted;
        if deleted < options.batch_size {
            break;
        }
    }
    let mut visits = 0;
    loop {
        if !budget.take() {
            return Ok((events, visits, false));
        }
        let ids = visit_scope(visit::Entity::find())
            .select_only()
            .column(visit::Column::SessionId)
            .limit(options.batch_size)
            .into_query();
        let deleted = visit::Entity::delete_many()
            .filter(visit::Column::SessionId.in_subquery(ids))
            .exec(db)
            .await?
            .rows_affected;
        visits += deleted;
        if deleted < options.batch_size {
            break;
        }
    }
    Ok((events, visits, true))
}

/// Deletes (or counts) recording chunks of `site` that started before
/// `cutoff_ms`, objects first; `site` None means chunks whose site no
/// longer exists.
pub async fn purge_recordings(
    db: &DatabaseConnection,
    store: &Store,
    site: Option<Uuid>,
    cutoff_ms: i64,
    options: &PurgeOptions,
    budget: &mut Budget,
) -> Result<(u64, bool), DbErr> {
    let scope = || match site {
        Some(id) => recording::Entity::find()
            .filter(recording::Column::SiteId.eq(id))
            .filter(recording::Column::StartedAt.lt(cutoff_ms)),
        None => recording::Entity::find().filter(
            recording::Column::SiteId.not_in_subquery(
                Query::select()
                    .column(site::Column::Id)
                    .from(site::Entity)
                    .to_owned(),
            ),
        ),
    };
    if options.dry_run {
        return Ok((scope().count(db).await?, true));
    }
    let mut deleted = 0;
    loop {
        if !budget.take() {
            return Ok((deleted, false));
        }
        let chunks = recordings::select(db, scope(), options.batch_size).await?;
        let n = chunks.len() as u64;
        deleted += recordings::remove(db, store, &chunks)
            .await
            .map_err(|e| DbErr::Custom(format!("recordings purge: {e}")))?;
        if n < options.batch_size {
            break;
        }
    }
    Ok((deleted, true))
}

/// Recording objects nobody points at (a crash between an object's write
/// and its row): a key's day is the day it arrived, and a chunk may start
/// up to a day from then (clock skew), so the day two before the cut-off
/// is past retention whatever rows say, and its whole prefix goes. Each
/// hourly run sweeps that one day, so every day is swept once it expires.
pub async fn sweep_expired_objects(store: &Store, site: Uuid, cutoff_ms: i64) {
    let cutoff = DateTime::<Utc>::from_timestamp_millis(cutoff_ms).unwrap_or_default();
    let day = (cutoff - chrono::Duration::days(2)).date_naive();
    let prefix = format!(
        "{}/{}",
        recording::site_prefix(site),
        day.format("%Y-%m-%d")
    );
    match store.delete_prefix(&prefix).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(site_id = %site, objects = n, "expired recording objects without rows removed")
        }
        Err(e) => {
            tracing::warn!(site_id = %site, error = %e, "expired recording objects not swept")
        }
    }
}
