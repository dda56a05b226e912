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
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
pub use trackr_analytics::retention::PurgeOptions;
use trackr_analytics::{retention::Budget, EventStore};
use trackr_config::{PlanCatalogue, PlanId};
use trackr_entity::{audit_log, organization, salt, site, subscription};
use uuid::Uuid;

use crate::WorkerError;

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
    let current = org.plan;
    let Some(sub) = paid else { return current };
    let mut candidates = vec![current];
    if sub.current_period_end > now {
        candidates.push(sub.plan);
    }
    if sub.retained_until.is_some_and(|until| until > now) {
        candidates.extend(sub.retained_plan);
    }
    candidates
        .into_iter()
        .max_by_key(|p| plans.get(*p).retention_days)
        .unwrap_or(current)
}

/// One purge run over every site: each site's retention cut-off (its
/// plan's, a plan still paid for, its own shorter override), applied by the
/// event store; then the rows of sites that are gone, old visitor salts,
/// rollups of deleted sites and exports past their links.
pub async fn run(
    events: &dyn EventStore,
    db: &DatabaseConnection,
    plans: &PlanCatalogue,
    options: &PurgeOptions,
) -> Result<PurgeReport, WorkerError> {
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
        let purged = events
            .purge_events(
                Some(site.id),
                cutoff.timestamp_millis(),
                options,
                &mut budget,
            )
            .await?;
        let mut done = purged.done;
        // Recordings: the plan's recording retention, never longer than
        // the site keeps its other data; none on a plan without them.
        let recording_days = plans
            .get(plan)
            .recording_retention_days
            .unwrap_or(0)
            .min(days);
        let mut recordings_deleted = 0;
        let mut recording_retention_days = None;
        if done && options.store.is_some() {
            let recording_cutoff = now - Duration::days(i64::from(recording_days));
            let gone = events
                .purge_recordings(
                    Some(site.id),
                    recording_cutoff.timestamp_millis(),
                    options,
                    &mut budget,
                )
                .await?;
            recordings_deleted = gone.recordings;
            recording_retention_days = Some(recording_days);
            done = gone.done;
        }
        let (events_deleted, visits) = (purged.events, purged.visits);
        let entry = SitePurge {
            site_id: Some(site.id),
            organization_id: Some(org.id),
            retention_days: days,
            cutoff,
            events: events_deleted,
            visits,
            recordings: recordings_deleted,
            recording_retention_days,
        };
        if !options.dry_run && (events_deleted > 0 || visits > 0 || recordings_deleted > 0) {
            let mut audit = audit_log::Entry::new("retention.purge", "site")
                .target(site.id)
                .organization(org.id)
                .details(serde_json::json!({
                    "events": events_deleted, "visits": visits, "recordings": recordings_deleted,
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
    // Rows of sites that no longer exist.
    let orphans = events.purge_events(None, 0, options, &mut budget).await?;
    let mut done = orphans.done;
    let mut orphan_recordings = 0;
    if done && options.store.is_some() {
        let gone = events
            .purge_recordings(None, 0, options, &mut budget)
            .await?;
        orphan_recordings = gone.recordings;
        done = gone.done;
    }
    if orphans.events > 0 || orphans.visits > 0 || orphan_recordings > 0 {
        report.sites.push(SitePurge {
            site_id: None,
            organization_id: None,
            retention_days: 0,
            cutoff: now,
            events: orphans.events,
            visits: orphans.visits,
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
        events.sweep_orphans().await?;
    }
    let before = now - Duration::hours(super::exports::EXPORT_KEEP_HOURS);
    let expiring = super::exports::Expiring::FinishedBefore(before);
    match (&options.store, options.dry_run) {
        (_, true) => report.exports_expired = super::exports::count_expiring(db, &expiring).await?,
        (Some(store), false) => match super::exports::expire_exports(db, store, expiring).await {
            Ok(n) => report.exports_expired = n,
            Err(e) => tracing::warn!(error = %e, "expired exports not removed"),
        },
        (None, false) => {}
    }
    Ok(report)
}
