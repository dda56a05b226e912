//! Durable, batched writes (group commit). Handlers hand events to a writer
//! task and wait; the writer gathers whatever arrived within a few
//! milliseconds, then in ONE transaction applies the plan quota, joins each
//! event to its visit, inserts all events in multi-row statements, upserts
//! the visits and counts usage. Only after the commit are the handlers
//! answered, so a 202 means the event is on disk.
//!
//! Events are routed to writers by organization, so one organization's
//! quota and its visitors' visits are only ever changed by one writer.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use chrono::{DateTime, Datelike, NaiveDate};
use sea_orm::{
    sea_query::{Alias, Expr, OnConflict},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};
use trackr_config::PlanCatalogue;
use trackr_entity::{event, usage, visit};
use uuid::Uuid;

use super::site_cache::SiteInfo;

/// A visit ends after 30 minutes without events.
pub const VISIT_GAP_MS: i64 = 30 * 60 * 1000;

/// An enriched event ready to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub site: Arc<SiteInfo>,
    pub ts: i64,
    pub name: String,
    pub pathname: String,
    pub hostname: String,
    pub referrer: Option<String>,
    pub referrer_source: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub browser: String,
    pub os: String,
    pub device: String,
    pub hash_today: i64,
    pub hash_yesterday: Option<i64>,
    pub props: Option<String>,
    pub revenue_minor: Option<i64>,
    pub revenue_currency: Option<String>,
    pub click_x: Option<f64>,
    pub click_y: Option<i32>,
    pub viewport_width: Option<i32>,
}

impl NewEvent {
    fn is_pageview(&self) -> bool {
        self.name == "pageview"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// Past the plan's quota and its grace.
    OverQuota,
    /// Not stored; the detail is logged.
    Unavailable,
}

struct Pending {
    event: NewEvent,
    done: oneshot::Sender<Result<(), WriteError>>,
}

#[derive(Clone)]
pub struct Writer {
    lanes: Vec<mpsc::Sender<Pending>>,
}

pub struct WriterConfig {
    pub lanes: usize,
    pub batch_wait: Duration,
    pub max_batch: usize,
    pub plans: PlanCatalogue,
}

impl Writer {
    pub fn start(db: DatabaseConnection, config: WriterConfig) -> Writer {
        let config = Arc::new(config);
        let lanes = (0..config.lanes.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(config.max_batch * 4);
                tokio::spawn(run_lane(db.clone(), config.clone(), rx));
                tx
            })
            .collect();
        Writer { lanes }
    }

    /// Stores the event; returns once it is committed.
    pub async fn write(&self, event: NewEvent) -> Result<(), WriteError> {
        let lane = (event.site.organization_id.as_u128() % self.lanes.len() as u128) as usize;
        let (done, result) = oneshot::channel();
        self.lanes[lane]
            .send(Pending { event, done })
            .await
            .map_err(|_| WriteError::Unavailable)?;
        result.await.map_err(|_| WriteError::Unavailable)?
    }
}

async fn run_lane(
    db: DatabaseConnection,
    config: Arc<WriterConfig>,
    mut rx: mpsc::Receiver<Pending>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + config.batch_wait;
        while batch.len() < config.max_batch {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(p)) => batch.push(p),
                Ok(None) | Err(_) => break,
            }
        }
        let events: Vec<NewEvent> = batch.iter().map(|p| p.event.clone()).collect();
        let started = std::time::Instant::now();
        let mut outcome = commit(&db, &config.plans, events.clone()).await;
        if let Err(e) = &outcome {
            // A conflict (SQLite's busy snapshot) passes on a second try; a
            // bad row must not cost the rest of the batch: then one by one.
            tracing::warn!(error = %e, events = batch.len(), "batch failed; retrying");
            outcome = commit(&db, &config.plans, events.clone()).await;
            if outcome.is_err() && events.len() > 1 {
                let mut each = Vec::with_capacity(events.len());
                for e in events {
                    each.push(match commit(&db, &config.plans, vec![e]).await {
                        Ok(mut r) => r.pop().unwrap_or(Err(WriteError::Unavailable)),
                        Err(_) => Err(WriteError::Unavailable),
                    });
                }
                outcome = Ok(each);
            }
        }
        tracing::debug!(
            events = batch.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "batch committed"
        );
        match outcome {
            Ok(results) => {
                for (p, r) in batch.into_iter().zip(results) {
                    let _ = p.done.send(r);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events = batch.len(), "event batch not stored");
                for p in batch {
                    let _ = p.done.send(Err(WriteError::Unavailable));
                }
            }
        }
    }
}

/// The first day of the billing month of `ts` (UTC).
pub fn period_of(ts: i64) -> NaiveDate {
    let day = DateTime::from_timestamp_millis(ts)
        .unwrap_or_default()
        .date_naive();
    day.with_day(1).unwrap_or(day)
}

/// Random positive session ids.
fn new_session_id() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Stores a batch in one transaction; answers per event.
pub async fn commit(
    db: &DatabaseConnection,
    plans: &PlanCatalogue,
    events: Vec<NewEvent>,
) -> Result<Vec<Result<(), WriteError>>, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // Take SQLite's write lock before reading: a read-then-write
        // transaction fails (busy snapshot) if another connection commits
        // in between, and busy_timeout cannot retry that.
        txn.execute_unprepared("UPDATE usage SET events = events WHERE 0 = 1")
            .await?;
    }
    let (results, accepted, usage_delta) = apply_quota(&txn, plans, &events).await?;
    let mut accepted: Vec<NewEvent> = accepted.into_iter().map(|i| events[i].clone()).collect();
    accepted.sort_by_key(|e| e.ts);
    let rows = assign_visits(&txn, &mut accepted).await?;
    for chunk in rows.0.chunks(500) {
        event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in rows.1.chunks(500) {
        visit::Entity::insert_many(chunk.to_vec())
            .on_conflict(visit_upsert(txn.get_database_backend()))
            .exec_without_returning(&txn)
            .await?;
    }
    if !usage_delta.is_empty() {
        let excluded = |c: usage::Column| Expr::col((Alias::new("excluded"), c));
        let current = |c: usage::Column| Expr::col((usage::Entity, c));
        // Sorted: concurrent writers lock usage rows in one order.
        let mut usage_delta: Vec<_> = usage_delta.into_iter().collect();
        usage_delta.sort_by_key(|(key, _)| *key);
        usage::Entity::insert_many(usage_delta.into_iter().map(
            |((org, period), (added, refused))| usage::ActiveModel {
                organization_id: Set(org),
                period_start: Set(period),
                events: Set(added),
                refused: Set(refused),
            },
        ))
        .on_conflict(
            OnConflict::columns([usage::Column::OrganizationId, usage::Column::PeriodStart])
                .value(
                    usage::Column::Events,
                    current(usage::Column::Events).add(excluded(usage::Column::Events)),
                )
                .value(
                    usage::Column::Refused,
                    current(usage::Column::Refused).add(excluded(usage::Column::Refused)),
                )
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(results)
}

/// Merges a batch's additions into a stored visit: counts add up, the
/// span only grows, entry and exit pages follow the span. Every expression
/// reads the row as it was, so concurrent writers do not lose updates.
fn visit_upsert(backend: sea_orm::DbBackend) -> OnConflict {
    let (greatest, least) = match backend {
        sea_orm::DbBackend::Postgres => ("GREATEST", "LEAST"),
        _ => ("MAX", "MIN"),
    };
    OnConflict::column(visit::Column::SessionId)
        .value(visit::Column::Pageviews, Expr::cust("visits.pageviews + excluded.pageviews"))
        .value(visit::Column::Events, Expr::cust("visits.events + excluded.events"))
        .value(visit::Column::EndedAt, Expr::cust(format!("{greatest}(visits.ended_at, excluded.ended_at)")))
        .value(visit::Column::StartedAt, Expr::cust(format!("{least}(visits.started_at, excluded.started_at)")))
        .value(
            visit::Column::ExitPage,
            Expr::cust("CASE WHEN excluded.ended_at >= visits.ended_at THEN excluded.exit_page ELSE visits.exit_page END"),
        )
        .value(
            visit::Column::EntryPage,
            Expr::cust("CASE WHEN excluded.started_at < visits.started_at THEN excluded.entry_page ELSE visits.entry_page END"),
        )
        .to_owned()
}

type UsageDelta = HashMap<(Uuid, NaiveDate), (i64, i64)>;

/// Accepts events up to each organization's quota plus grace; the rest are
/// refused and counted.
async fn apply_quota(
    txn: &DatabaseTransaction,
    plans: &PlanCatalogue,
    events: &[NewEvent],
) -> Result<(Vec<Result<(), WriteError>>, Vec<usize>, UsageDelta), DbErr> {
    let periods: Vec<NaiveDate> = events.iter().map(|e| period_of(e.ts)).collect();
    let orgs: BTreeSet<Uuid> = events.iter().map(|e| e.site.organization_id).collect();
    let distinct_periods: BTreeSet<NaiveDate> = periods.iter().copied().collect();
    let mut used: HashMap<(Uuid, NaiveDate), i64> = usage::Entity::find()
        .filter(usage::Column::OrganizationId.is_in(orgs))
        .filter(usage::Column::PeriodStart.is_in(distinct_periods))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| ((u.organization_id, u.period_start), u.events))
        .collect();
    let mut results = Vec::with_capacity(events.len());
    let mut accepted = Vec::with_capacity(events.len());
    let mut delta: UsageDelta = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        let key = (e.site.organization_id, periods[i]);
        let plan = plans.get(e.site.plan);
        let hard_limit = (plan.monthly_events as f64 * (1.0 + plans.quota_grace)).floor() as i64;
        let count = used.entry(key).or_insert(0);
        let d = delta.entry(key).or_insert((0, 0));
        if *count >= hard_limit {
            d.1 += 1;
            results.push(Err(WriteError::OverQuota));
        } else {
            *count += 1;
            d.0 += 1;
            accepted.push(i);
            results.push(Ok(()));
        }
    }
    Ok((results, accepted, delta))
}

/// Joins each event (sorted by time) to its visitor's open visit, or opens
/// a new one; returns the event rows and the changed visits.
async fn assign_visits(
    txn: &DatabaseTransaction,
    events: &mut [NewEvent],
) -> Result<(Vec<event::ActiveModel>, Vec<visit::ActiveModel>), DbErr> {
    if events.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let sites: BTreeSet<Uuid> = events.iter().map(|e| e.site.id).collect();
    let hashes: BTreeSet<i64> = events
        .iter()
        .flat_map(|e| std::iter::once(e.hash_today).chain(e.hash_yesterday))
        .collect();
    let earliest = events.iter().map(|e| e.ts).min().unwrap_or_default();
    let mut open: HashMap<(Uuid, i64), visit::Model> = HashMap::new();
    // Counts as read, so only this batch's additions are written (another
    // server may be adding to the same visit).
    let mut stored: HashMap<i64, (i32, i32)> = HashMap::new();
    for v in visit::Entity::find()
        .filter(visit::Column::SiteId.is_in(sites))
        .filter(visit::Column::VisitorHash.is_in(hashes))
        .filter(visit::Column::EndedAt.gte(earliest - VISIT_GAP_MS))
        .all(txn)
        .await?
    {
        let key = (v.site_id, v.visitor_hash);
        stored.insert(v.session_id, (v.pageviews, v.events));
        if open.get(&key).is_none_or(|o| o.ended_at < v.ended_at) {
            open.insert(key, v);
        }
    }
    let mut changed: HashMap<i64, ()> = HashMap::new();
    let mut rows = Vec::with_capacity(events.len());
    for e in events.iter() {
        let candidates = std::iter::once(e.hash_today).chain(e.hash_yesterday);
        let found = candidates.map(|h| (e.site.id, h)).find(|key| {
            open.get(key).is_some_and(|v| {
                e.ts - v.ended_at <= VISIT_GAP_MS && v.started_at - e.ts <= VISIT_GAP_MS
            })
        });
        let key = match found {
            Some(key) => {
                let v = open.get_mut(&key).expect("found above");
                if e.ts >= v.ended_at {
                    v.ended_at = e.ts;
                    if e.is_pageview() {
                        v.exit_page = e.pathname.clone();
                    }
                }
                if e.ts < v.started_at {
                    v.started_at = e.ts;
                    v.entry_page = e.pathname.clone();
                }
                v.events += 1;
                v.pageviews += i32::from(e.is_pageview());
                key
            }
            None => {
                let key = (e.site.id, e.hash_today);
                open.insert(
                    key,
                    visit::Model {
                        session_id: new_session_id(),
                        site_id: e.site.id,
                        visitor_hash: e.hash_today,
                        started_at: e.ts,
                        ended_at: e.ts,
                        entry_page: e.pathname.clone(),
                        exit_page: e.pathname.clone(),
                        pageviews: i32::from(e.is_pageview()),
                        events: 1,
                        referrer_source: e.referrer_source.clone(),
                        referrer: e.referrer.clone(),
                        utm_source: e.utm_source.clone(),
                        utm_medium: e.utm_medium.clone(),
                        utm_campaign: e.utm_campaign.clone(),
                    },
                );
                key
            }
        };
        let v = &open[&key];
        changed.insert(v.session_id, ());
        rows.push(event::ActiveModel {
            id: sea_orm::NotSet,
            site_id: Set(e.site.id),
            ts: Set(e.ts),
            name: Set(e.name.clone()),
            pathname: Set(e.pathname.clone()),
            hostname: Set(e.hostname.clone()),
            referrer: Set(v.referrer.clone()),
            referrer_source: Set(v.referrer_source.clone()),
            utm_source: Set(v.utm_source.clone()),
            utm_medium: Set(v.utm_medium.clone()),
            utm_campaign: Set(v.utm_campaign.clone()),
            country: Set(e.country.clone()),
            region: Set(e.region.clone()),
            city: Set(e.city.clone()),
            browser: Set(e.browser.clone()),
            os: Set(e.os.clone()),
            device: Set(e.device.clone()),
            visitor_hash: Set(v.visitor_hash),
            session_id: Set(v.session_id),
            props: Set(e.props.clone()),
            revenue_minor: Set(e.revenue_minor),
            revenue_currency: Set(e.revenue_currency.clone()),
            click_x: Set(e.click_x),
            click_y: Set(e.click_y),
            viewport_width: Set(e.viewport_width),
        });
    }
    let visits = open
        .into_values()
        .filter(|v| changed.contains_key(&v.session_id))
        .map(|v| {
            let (pageviews, events) = stored.get(&v.session_id).copied().unwrap_or((0, 0));
            (v, pageviews, events)
        })
        .map(|(v, stored_pageviews, stored_events)| visit::ActiveModel {
            session_id: Set(v.session_id),
            site_id: Set(v.site_id),
            visitor_hash: Set(v.visitor_hash),
            started_at: Set(v.started_at),
            ended_at: Set(v.ended_at),
            entry_page: Set(v.entry_page),
            exit_page: Set(v.exit_page),
            pageviews: Set(v.pageviews - stored_pageviews),
            events: Set(v.events - stored_events),
            referrer_source: Set(v.referrer_source),
            referrer: Set(v.referrer),
            utm_source: Set(v.utm_source),
            utm_medium: Set(v.utm_medium),
            utm_campaign: Set(v.utm_campaign),
        })
        .collect();
    Ok((rows, visits))
}
