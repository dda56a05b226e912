//! The retention purge (privacy promise 3): for every site, delete events
//! and visits older than its effective retention, min(plan, site
//! override). A paid plan's retention stays in force until its paid period
//! ends, so a downgrade never deletes data early.
//!
//! Deletes run in bounded batches (short transactions, so ingestion and
//! reports keep their latency). Every batch stands alone: a run that stops
//! halfway loses nothing, and the next run finishes the work. Each site's
//! deletions are written to the audit log.
//!
//! Session recordings follow the plan's recording retention (never longer
//! than the site's own retention; none at all on a plan without
//! recordings): their objects are deleted from object storage, then their
//! rows. That needs `PurgeOptions::store`; without one, recordings are
//! left alone (and `PurgeReport::recordings_skipped` says so).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Query, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use trackr_config::{PlanCatalogue, PlanId};
use trackr_entity::{audit_log, event, organization, recording, salt, site, subscription, visit};
use uuid::Uuid;

use crate::{jobs::recordings, store::Store};

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

impl Default for PurgeOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            batch_size: 10_000,
            max_batches: None,
            now: Utc::now(),
            store: None,
        }
    }
}

/// What one run did (or, dry, would do) to one site.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SitePurge {
    /// `None` for rows of sites that no longer exist.
    pub site_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub retention_days: u32,
    pub cutoff: DateTime<Utc>,
    pub events: u64,
    pub visits: u64,
    /// Recording chunks (rows and their objects).
    #[serde(default)]
    pub recordings: u64,
    /// The recording retention applied, when it was.
    #[serde(default)]
    pub recording_retention_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct PurgeReport {
    pub dry_run: bool,
    pub sites: Vec<SitePurge>,
    /// False when `max_batches` stopped the run before the end.
    pub complete: bool,
    /// Visitor salts older than yesterday.
    pub salts_deleted: u64,
    /// True when no object store was given, so recordings were not purged.
    pub recordings_skipped: bool,
    /// Exports whose files outlived their download links.
    pub exports_expired: u64,
}

impl PurgeReport {
    pub fn events(&self) -> u64 {
        self.sites.iter().map(|s| s.events).sum()
    }
    pub fn visits(&self) -> u64 {
        self.sites.iter().map(|s| s.visits).sum()
    }
    pub fn recordings(&self) -> u64 {
        self.sites.iter().map(|s| s.recordings).sum()
    }
}

/// The plan whose retention applies now: the plan in force, or a plan
/// still paid for if that keeps data longer (the subscription's own plan
/// until its period ends, or the plan a downgrade left, until the period
/// paid on it ends).
pub fn retention_plan(
    plans: &PlanCatalogue,
    org: &organization::Model,
    paid: Option<&subscription::Model>,
    now: DateTime<Utc>,
) -> PlanId {
    let current = org.plan_id();
    let Some(sub) = paid else { return current };
    let mut candidates = vec![current];
    if sub.current_period_end > now {
        candidates.extend(sub.plan.parse::<PlanId>().ok());
    }
    if sub.retained_until.is_some_and(|until| until > now) {
        candidates.extend(
            sub.retained_plan
                .as_deref()
                .and_then(|p| p.parse::<PlanId>().ok()),
        );
    }
    candidates
        .into_iter()
        .max_by_key(|p| plans.get(*p).retention_days)
        .unwrap_or(current)
}

struct Budget {
    left: Option<u64>,
}

impl Budget {
    fn take(&mut self) -> bool {
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
async fn purge_rows(
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
async fn purge_recordings(
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

pub async fn run(
    db: &DatabaseConnection,
    plans: &PlanCatalogue,
    options: &PurgeOptions,
) -> Result<PurgeReport, DbErr> {
    let now = options.now;
    let mut budget = Budget {
        left: options.max_batches,
    };
    let mut report = PurgeReport {
        dry_run: options.dry_run,
        complete: true,
        ..PurgeReport::default()
    };
    let sites = site::Entity::find()
        .find_also_related(organization::Entity)
        .order_by_asc(site::Column::CreatedAt)
        .all(db)
        .await?;
    for (site, org) in sites {
        let Some(org) = org else { continue };
        let paid = subscription::Entity::find()
            .filter(subscription::Column::OrganizationId.eq(org.id))
            .order_by_desc(subscription::Column::CurrentPeriodEnd)
            .one(db)
            .await?;
        let plan = retention_plan(plans, &org, paid.as_ref(), now);
        let days = site.effective_retention_days(plans.get(plan).retention_days);
        let cutoff = now - Duration::days(i64::from(days));
        let (events, visits, mut done) = purge_rows(
            db,
            Some(site.id),
            cutoff.timestamp_millis(),
            options,
            &mut budget,
        )
        .await?;
        if !options.dry_run {
            super::rollup::forget_before(db, site.id, cutoff.timestamp_millis()).await?;
        }
        // Recordings: the plan's recording retention, never longer than
        // the site keeps its other data; none on a plan without them.
        let recording_days = plans
            .get(plan)
            .recording_retention_days
            .unwrap_or(0)
            .min(days);
        let mut recordings_deleted = 0;
        let mut recording_retention_days = None;
        if let (true, Some(store)) = (done, &options.store) {
            let recording_cutoff = now - Duration::days(i64::from(recording_days));
            let (n, finished) = purge_recordings(
                db,
                store,
                Some(site.id),
                recording_cutoff.timestamp_millis(),
                options,
                &mut budget,
            )
            .await?;
            recordings_deleted = n;
            recording_retention_days = Some(recording_days);
            done = finished;
            // Objects nobody points at (a crash between an object's write
            // and its row): a key's day is the day it arrived, and a chunk
            // may start up to a day from then (clock skew), so the day two
            // before the cutoff is past retention whatever rows say, and its
            // whole prefix goes. Each hourly run sweeps that one day, so
            // every day is swept once it expires.
            if done && !options.dry_run {
                let day = (recording_cutoff - Duration::days(2)).date_naive();
                let prefix = format!(
                    "{}/{}",
                    recording::site_prefix(site.id),
                    day.format("%Y-%m-%d")
                );
                match store.delete_prefix(&prefix).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(site_id = %site.id, objects = n, "expired recording objects without rows removed")
                    }
                    Err(e) => {
                        tracing::warn!(site_id = %site.id, error = %e, "expired recording objects not swept")
                    }
                }
            }
        }
        let entry = SitePurge {
            site_id: Some(site.id),
            organization_id: Some(org.id),
            retention_days: days,
            cutoff,
            events,
            visits,
            recordings: recordings_deleted,
            recording_retention_days,
        };
        if !options.dry_run && (events > 0 || visits > 0 || recordings_deleted > 0) {
            let mut audit = audit_log::Entry::new("retention.purge", "site")
                .target(site.id)
                .organization(org.id)
                .details(serde_json::json!({
                    "events": events, "visits": visits, "recordings": recordings_deleted,
                    "retention_days": days, "cutoff": cutoff.to_rfc3339(),
                    "recording_retention_days": recording_retention_days,
                }));
            audit.actor_user_id = None;
            audit.write(db).await?;
        }
        report.sites.push(entry);
        if !done {
            report.complete = false;
            return Ok(report);
        }
    }
    let (events, visits, mut done) = purge_rows(db, None, 0, options, &mut budget).await?;
    let mut orphan_recordings = 0;
    if let (true, Some(store)) = (done, &options.store) {
        let (n, finished) = purge_recordings(db, store, None, 0, options, &mut budget).await?;
        orphan_recordings = n;
        done = finished;
    }
    if events > 0 || visits > 0 || orphan_recordings > 0 {
        report.sites.push(SitePurge {
            site_id: None,
            organization_id: None,
            retention_days: 0,
            cutoff: now,
            events,
            visits,
            recordings: orphan_recordings,
            recording_retention_days: None,
        });
    }
    report.complete = done;
    report.recordings_skipped = options.store.is_none();
    if !options.dry_run {
        // Promise 7: a visitor salt lives 48 hours at most, even on a site
        // that stopped receiving events (ingestion rotates salts only when
        // events arrive).
        let yesterday = (now - Duration::days(1)).date_naive();
        report.salts_deleted = salt::Entity::delete_many()
            .filter(salt::Column::Day.lt(yesterday))
            .exec(db)
            .await?
            .rows_affected;
        // Report rollups of sites that are gone (a rollup written while
        // its site was being deleted).
        super::rollup::sweep_orphans(db).await?;
    }
    let before = now - Duration::hours(super::data::EXPORT_KEEP_HOURS);
    let expiring = super::data::Expiring::FinishedBefore(before);
    match (&options.store, options.dry_run) {
        (_, true) => report.exports_expired = super::data::count_expiring(db, &expiring).await?,
        (Some(store), false) => match super::data::expire_exports(db, store, expiring).await {
            Ok(n) => report.exports_expired = n,
            Err(e) => tracing::warn!(error = %e, "expired exports not removed"),
        },
        (None, false) => {}
    }
    Ok(report)
}
