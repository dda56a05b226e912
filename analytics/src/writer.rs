//! Durable, batched writes (group commit). Handlers hand events to a writer
//! lane and wait; only after the commit are they answered, so a 202 means
//! the event is on disk.
//!
//! Events are routed to lanes by organization, so one organization's quota
//! and its visitors' visits are only ever decided by one lane of a server.
//! A lane gathers whatever arrived within a few milliseconds, then:
//!
//! 1. **prepares** the batch: applies the plan quota against the usage the
//!    lane knows (read from the database at most a minute ago, plus what the
//!    lane has accepted since), and joins each event to its visitor's open
//!    visit (read from the database, overlaid with the lane's batches that
//!    are still committing);
//! 2. hands it to a **commit task**. Up to `in_flight` commits run at once
//!    on separate connections, so the next batch is prepared and written
//!    while the previous one waits for its WAL flush. A batch writes only
//!    its own additions (events, per-visit increments, usage increments),
//!    which the database merges into what is stored, so overlapping commits
//!    and other servers never lose each other's updates. Each commit locks
//!    visit rows in session-id order and the usage rows last, so commits
//!    that touch the same rows queue behind each other and cannot deadlock.
//!    Under the usage row's lock, the commit checks the month's new total
//!    against the quota and its grace: a batch that other servers' events
//!    pushed past it is stored event by event, as far as it fits, so the
//!    fleet as a whole never stores more.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Datelike, NaiveDate};
use sea_orm::{
    sea_query::{Alias, Expr, OnConflict},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot, Semaphore};
use trackr_config::PlanCatalogue;
use trackr_entity::{event, usage, visit};
use uuid::Uuid;

mod bulk;

/// What the writer needs to know of an event's site: where its events go,
/// whose quota they count against, and under which plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteRef {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub plan: trackr_config::PlanId,
}

/// A visit ends after 30 minutes without events.
pub const VISIT_GAP_MS: i64 = 30 * 60 * 1000;

/// How long a lane trusts the usage it read: other servers' additions show
/// up within this time (meanwhile the commit's check keeps the fleet under
/// the quota's grace).
const USAGE_FRESH: Duration = Duration::from_secs(30);

/// An enriched event ready to store: its row, and what the writer needs
/// to finish it (the site it counts for, the visitor's daily ids).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub site: SiteRef,
    pub hash_today: i64,
    pub hash_yesterday: Option<i64>,
    /// The row as it will be stored, but for what the writer decides when
    /// it joins the event to its visit: the id, site, visitor and session,
    /// and the source (a visit's first event sets it for all of its own).
    pub row: event::Model,
}

impl NewEvent {
    fn is_pageview(&self) -> bool {
        self.row.name == "pageview"
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
    /// Commits a lane may have in flight at once (1 on SQLite, which has
    /// one writer anyway).
    pub in_flight: usize,
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

/// What a lane remembers between batches.
#[derive(Default)]
struct LaneState {
    /// Number of the last batch prepared.
    seq: u64,
    /// Visits changed by recent batches, with the number of the last batch
    /// that changed them: the database may not show them yet.
    uncommitted: HashMap<(Uuid, i64), (visit::Model, u64)>,
    /// Batches prepared whose commit has not ended. A visit last changed
    /// by batch `n` is dropped from `uncommitted` only by a prepare whose
    /// reads began after every batch up to `n` had ended: then the database
    /// shows whatever of them was stored (an earlier batch may have opened
    /// the visit and a later one, which failed, only joined it).
    in_flight: BTreeSet<u64>,
    /// Events counted per organization and billing month, and when the
    /// count was last read from the database.
    usage: HashMap<(Uuid, NaiveDate), KnownUsage>,
}

struct KnownUsage {
    events: i64,
    read_at: Instant,
}

type UsageDelta = HashMap<(Uuid, NaiveDate), (i64, i64)>;
/// (organization, billing month) → (events accepted, events refused), and
/// the most events the month may hold (the plan's quota and its grace).
type UsageRow = ((Uuid, NaiveDate), (i64, i64), i64);

/// How a commit the database took part in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Committed {
    Stored,
    /// Nothing stored: the batch would take a month past what it may hold
    /// (other servers' events arrived since this lane read the usage).
    PastQuota,
}

/// An accepted event: its place in the batch, its organization, its row
/// (the id is the database's to give).
#[derive(Clone)]
struct Accepted {
    index: usize,
    organization: Uuid,
    row: event::Model,
}

/// A batch ready to commit.
struct Prepared {
    seq: u64,
    /// Per event, in the order received: the answer, once committed.
    results: Vec<Result<(), WriteError>>,
    /// Accepted events' rows.
    events: Vec<Accepted>,
    /// Each changed visit with this batch's page views and events, in
    /// session-id order.
    visits: Vec<visit::Model>,
    /// Per (organization, month): (accepted, refused), in key order.
    usage: Vec<UsageRow>,
}

async fn run_lane(
    db: DatabaseConnection,
    config: Arc<WriterConfig>,
    mut rx: mpsc::Receiver<Pending>,
) {
    let state = Arc::new(Mutex::new(LaneState::default()));
    let in_flight = Arc::new(Semaphore::new(config.in_flight.max(1)));
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + config.batch_wait;
        while batch.len() < config.max_batch {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(p)) => batch.push(p),
                Ok(None) | Err(_) => break,
            }
        }
        let (events, dones): (Vec<NewEvent>, Vec<_>) =
            batch.into_iter().map(|p| (p.event, p.done)).unzip();
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let prepared = match prepare(&db, &config.plans, &state, events).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, events = dones.len(), "event batch not prepared");
                for done in dones {
                    let _ = done.send(Err(WriteError::Unavailable));
                }
                continue;
            }
        };
        let (db, state) = (db.clone(), state.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let results = commit_or_salvage(&db, &state, prepared).await;
            drop(permit);
            tracing::debug!(
                events = dones.len(),
                ms = started.elapsed().as_secs_f64() * 1000.0,
                "batch committed"
            );
            for (done, r) in dones.into_iter().zip(results) {
                let _ = done.send(r);
            }
        });
    }
}

/// Commits the batch; on failure tries once more (a dropped connection,
/// SQLite busy past its timeout), then event by event, so one bad row does
/// not cost the rest. A batch that would take a month past its quota and
/// grace (other servers took events meanwhile) also goes event by event:
/// those that fit are stored, the rest refused. Then marks the batch
/// ended.
async fn commit_or_salvage(
    db: &DatabaseConnection,
    state: &Mutex<LaneState>,
    mut prepared: Prepared,
) -> Vec<Result<(), WriteError>> {
    let mut outcome = commit(db, &prepared.events, &prepared.visits, &prepared.usage).await;
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, events = prepared.results.len(), "batch failed; retrying");
        outcome = commit(db, &prepared.events, &prepared.visits, &prepared.usage).await;
    }
    let mut lost: UsageDelta = HashMap::new();
    // Per month past its quota: its cap and the events refused for it here.
    let mut past: HashMap<(Uuid, NaiveDate), (i64, i64)> = HashMap::new();
    if outcome != Ok(Committed::Stored) {
        match &outcome {
            Err(e) => {
                tracing::warn!(error = %e, "batch failed twice; storing its events one by one")
            }
            Ok(_) => tracing::debug!("batch past the quota; storing what fits, one by one"),
        }
        let sessions: HashMap<i64, &visit::Model> =
            prepared.visits.iter().map(|v| (v.session_id, v)).collect();
        let caps: HashMap<(Uuid, NaiveDate), i64> = prepared
            .usage
            .iter()
            .map(|(key, _, cap)| (*key, *cap))
            .collect();
        for accepted in &prepared.events {
            let row = &accepted.row;
            let visit = sessions
                .get(&row.session_id)
                .map(|v| visit_of_one_event(v, row));
            let key = (accepted.organization, period_of(row.ts));
            let cap = caps.get(&key).copied().unwrap_or(i64::MAX);
            // A month's usage only grows: once past, the rest cannot fit.
            let single = match past.get(&key) {
                Some(_) => Ok(Committed::PastQuota),
                None => {
                    commit(
                        db,
                        std::slice::from_ref(accepted),
                        visit.as_slice(),
                        &[(key, (1, 0), cap)],
                    )
                    .await
                }
            };
            match single {
                Ok(Committed::Stored) => {}
                Ok(Committed::PastQuota) => {
                    prepared.results[accepted.index] = Err(WriteError::OverQuota);
                    past.entry(key).or_insert((cap, 0)).1 += 1;
                }
                Err(e) => {
                    tracing::error!(error = %e, "event not stored");
                    prepared.results[accepted.index] = Err(WriteError::Unavailable);
                    lost.entry(key).or_default().0 += 1;
                }
            }
        }
        let refused: Vec<_> = prepared
            .usage
            .iter()
            .map(|(key, (_, refused), cap)| {
                let now = past.get(key).map_or(0, |p| p.1);
                (*key, (0, *refused + now), *cap)
            })
            .filter(|(_, (_, refused), _)| *refused > 0)
            .collect();
        if !refused.is_empty() {
            if let Err(e) = commit(db, &[], &[], &refused).await {
                tracing::error!(error = %e, "refused events not counted");
            }
        }
    }
    let mut state = lock(state);
    state.in_flight.remove(&prepared.seq);
    for (key, (events, _)) in lost {
        if let Some(known) = state.usage.get_mut(&key) {
            known.events -= events;
        }
    }
    // The month is full: refuse its events until the usage is read again.
    for (key, (cap, _)) in past {
        if let Some(known) = state.usage.get_mut(&key) {
            known.events = known.events.max(cap);
        }
    }
    prepared.results
}

/// One event's share of its visit, for storing events one by one.
fn visit_of_one_event(batch: &visit::Model, row: &event::Model) -> visit::Model {
    let pageview = row.name == "pageview";
    visit::Model {
        started_at: row.ts,
        ended_at: row.ts,
        entry_page: row.pathname.clone(),
        // As in a batch: only a page view moves the exit page.
        exit_page: if pageview {
            row.pathname.clone()
        } else {
            batch.exit_page.clone()
        },
        pageviews: i32::from(pageview),
        events: 1,
        ..batch.clone()
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

/// Writes a prepared batch in one transaction: events, then visits in
/// session-id order, then usage (a lock order shared by all commits). The
/// usage it adds is checked against each month's cap under the usage
/// row's lock, so all servers together never store more than the cap;
/// past it, nothing is written.
async fn commit(
    db: &DatabaseConnection,
    events: &[Accepted],
    visits: &[visit::Model],
    usage_delta: &[UsageRow],
) -> Result<Committed, DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return bulk::commit(
            db.get_postgres_connection_pool(),
            events,
            visits,
            usage_delta,
        )
        .await
        .map_err(|e| DbErr::Custom(e.to_string()));
    }
    let txn = db.begin().await?;
    for chunk in events.chunks(500) {
        event::Entity::insert_many(chunk.iter().map(|a| event::ActiveModel {
            id: sea_orm::NotSet,
            ..a.row.clone().into()
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    for chunk in visits.chunks(500) {
        visit::Entity::insert_many(chunk.iter().cloned().map(visit::ActiveModel::from))
            .on_conflict(visit_upsert(txn.get_database_backend()))
            .exec_without_returning(&txn)
            .await?;
    }
    if !usage_delta.is_empty() {
        let excluded = |c: usage::Column| Expr::col((Alias::new("excluded"), c));
        let current = |c: usage::Column| Expr::col((usage::Entity, c));
        usage::Entity::insert_many(usage_delta.iter().map(
            |((org, period), (added, refused), _)| usage::ActiveModel {
                organization_id: Set(*org),
                period_start: Set(*period),
                events: Set(*added),
                refused: Set(*refused),
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
        let totals: Vec<((Uuid, NaiveDate), i64)> = usage::Entity::find()
            .filter(usage::Column::OrganizationId.is_in(usage_delta.iter().map(|u| u.0 .0)))
            .filter(usage::Column::PeriodStart.is_in(usage_delta.iter().map(|u| u.0 .1)))
            .all(&txn)
            .await?
            .into_iter()
            .map(|u| ((u.organization_id, u.period_start), u.events))
            .collect();
        if past_cap(usage_delta, &totals) {
            txn.rollback().await?;
            return Ok(Committed::PastQuota);
        }
    }
    txn.commit().await?;
    Ok(Committed::Stored)
}

/// Whether a batch adding `usage` leaves some month with more events than
/// its cap, given the months' totals with it added.
fn past_cap(usage: &[UsageRow], totals: &[((Uuid, NaiveDate), i64)]) -> bool {
    usage.iter().any(|(key, (added, _), cap)| {
        *added > 0 && totals.iter().any(|(k, total)| k == key && total > cap)
    })
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

fn lock(state: &Mutex<LaneState>) -> std::sync::MutexGuard<'_, LaneState> {
    // Every change to the state is complete when its lock is released, so
    // a panic elsewhere does not leave it half-changed.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Applies the quota and joins each event to its visit, against what is
/// stored and what the lane's batches still in flight have changed.
async fn prepare(
    db: &DatabaseConnection,
    plans: &PlanCatalogue,
    state: &Mutex<LaneState>,
    events: Vec<NewEvent>,
) -> Result<Prepared, DbErr> {
    let keys: Vec<(Uuid, NaiveDate)> = events
        .iter()
        .map(|e| (e.site.organization_id, period_of(e.row.ts)))
        .collect();
    let (all_ended_before, stale): (u64, BTreeSet<(Uuid, NaiveDate)>) = {
        let state = lock(state);
        // Every batch numbered below this had ended before the reads began.
        let all_ended_before = state.in_flight.first().copied().unwrap_or(state.seq + 1);
        let stale = keys
            .iter()
            .copied()
            .filter(|key| {
                state
                    .usage
                    .get(key)
                    .is_none_or(|k| k.read_at.elapsed() > USAGE_FRESH)
            })
            .collect();
        (all_ended_before, stale)
    };
    let stored_usage = if stale.is_empty() {
        Vec::new()
    } else {
        usage::Entity::find()
            .filter(usage::Column::OrganizationId.is_in(stale.iter().map(|k| k.0)))
            .filter(usage::Column::PeriodStart.is_in(stale.iter().map(|k| k.1)))
            .all(db)
            .await?
    };
    let stored_visits = read_open_visits(db, &events).await?;

    let mut guard = lock(state);
    let state = &mut *guard;
    state
        .uncommitted
        .retain(|_, (_, seq)| *seq >= all_ended_before);
    state.seq += 1;
    let seq = state.seq;
    state.in_flight.insert(seq);
    let now = Instant::now();
    if state.usage.len() > 4096 {
        state
            .usage
            .retain(|_, k| now.duration_since(k.read_at) < 10 * USAGE_FRESH);
    }
    for key in &stale {
        let stored = stored_usage
            .iter()
            .find(|u| (u.organization_id, u.period_start) == *key)
            .map_or(0, |u| u.events);
        let known = state.usage.entry(*key).or_insert(KnownUsage {
            events: 0,
            read_at: now,
        });
        // What this lane accepted may not be committed yet; what other
        // servers added is: the larger is the better estimate.
        known.events = known.events.max(stored);
        known.read_at = now;
    }

    let mut results = Vec::with_capacity(events.len());
    let mut accepted = Vec::with_capacity(events.len());
    let mut usage_delta: UsageDelta = HashMap::new();
    let mut caps: HashMap<(Uuid, NaiveDate), i64> = HashMap::new();
    for (i, e) in events.into_iter().enumerate() {
        let key = keys[i];
        let plan = plans.get(e.site.plan);
        let hard_limit = (plan.monthly_events as f64 * (1.0 + plans.quota_grace)).floor() as i64;
        caps.insert(key, hard_limit);
        let known = state.usage.entry(key).or_insert(KnownUsage {
            events: 0,
            read_at: now,
        });
        let delta = usage_delta.entry(key).or_default();
        if known.events >= hard_limit {
            delta.1 += 1;
            results.push(Err(WriteError::OverQuota));
        } else {
            known.events += 1;
            delta.0 += 1;
            results.push(Ok(()));
            accepted.push((i, e));
        }
    }
    accepted.sort_by_key(|(_, e)| e.row.ts);

    // The open visit of each (site, visitor hash): the latest stored one,
    // unless a batch still in flight has changed a later one.
    let mut open: HashMap<(Uuid, i64), visit::Model> = HashMap::new();
    for v in stored_visits {
        let key = (v.site_id, v.visitor_hash);
        if open.get(&key).is_none_or(|o| o.ended_at < v.ended_at) {
            open.insert(key, v);
        }
    }
    for (_, e) in &accepted {
        for hash in std::iter::once(e.hash_today).chain(e.hash_yesterday) {
            let key = (e.site.id, hash);
            if let Some((v, _)) = state.uncommitted.get(&key) {
                if open.get(&key).is_none_or(|o| o.ended_at <= v.ended_at) {
                    open.insert(key, v.clone());
                }
            }
        }
    }

    // Per changed visit: its key, and this batch's page views and events.
    let mut changed: HashMap<i64, ((Uuid, i64), i32, i32)> = HashMap::new();
    let mut rows = Vec::with_capacity(accepted.len());
    for (index, e) in accepted {
        let candidates = std::iter::once(e.hash_today).chain(e.hash_yesterday);
        let found = candidates.map(|h| (e.site.id, h)).find(|key| {
            open.get(key).is_some_and(|v| {
                e.row.ts - v.ended_at <= VISIT_GAP_MS && v.started_at - e.row.ts <= VISIT_GAP_MS
            })
        });
        let key = match found {
            Some(key) => {
                let v = open.get_mut(&key).expect("found above");
                if e.row.ts >= v.ended_at {
                    v.ended_at = e.row.ts;
                    if e.is_pageview() {
                        v.exit_page = e.row.pathname.clone();
                    }
                }
                if e.row.ts < v.started_at {
                    v.started_at = e.row.ts;
                    v.entry_page = e.row.pathname.clone();
                }
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
                        started_at: e.row.ts,
                        ended_at: e.row.ts,
                        entry_page: e.row.pathname.clone(),
                        exit_page: e.row.pathname.clone(),
                        pageviews: 0,
                        events: 0,
                        referrer_source: e.row.referrer_source.clone(),
                        referrer: e.row.referrer.clone(),
                        utm_source: e.row.utm_source.clone(),
                        utm_medium: e.row.utm_medium.clone(),
                        utm_campaign: e.row.utm_campaign.clone(),
                        utm_content: e.row.utm_content.clone(),
                        utm_term: e.row.utm_term.clone(),
                    },
                );
                key
            }
        };
        let v = &open[&key];
        let counts = changed.entry(v.session_id).or_insert((key, 0, 0));
        counts.1 += i32::from(e.is_pageview());
        counts.2 += 1;
        rows.push(Accepted {
            index,
            organization: e.site.organization_id,
            row: event::Model {
                id: 0,
                site_id: e.site.id,
                referrer: v.referrer.clone(),
                referrer_source: v.referrer_source.clone(),
                utm_source: v.utm_source.clone(),
                utm_medium: v.utm_medium.clone(),
                utm_campaign: v.utm_campaign.clone(),
                utm_content: v.utm_content.clone(),
                utm_term: v.utm_term.clone(),
                visitor_hash: v.visitor_hash,
                session_id: v.session_id,
                ..e.row
            },
        });
    }
    let mut changed: Vec<_> = changed.into_iter().collect();
    changed.sort_by_key(|(session, _)| *session);
    let mut visits = Vec::with_capacity(changed.len());
    for (_, (key, pageviews, events)) in changed {
        let v = open.remove(&key).expect("changed visits are open");
        state.uncommitted.insert(key, (v.clone(), seq));
        visits.push(visit::Model {
            pageviews,
            events,
            ..v
        });
    }
    let mut usage: Vec<UsageRow> = usage_delta
        .into_iter()
        .map(|(key, delta)| (key, delta, caps[&key]))
        .collect();
    usage.sort_by_key(|(key, _, _)| *key);
    Ok(Prepared {
        seq,
        results,
        events: rows,
        visits,
        usage,
    })
}

/// The stored visits the batch's events may join: those of the same sites
/// and visitor hashes that ended less than a visit gap before the earliest.
async fn read_open_visits(
    db: &DatabaseConnection,
    events: &[NewEvent],
) -> Result<Vec<visit::Model>, DbErr> {
    let Some(earliest) = events.iter().map(|e| e.row.ts).min() else {
        return Ok(Vec::new());
    };
    let sites: BTreeSet<Uuid> = events.iter().map(|e| e.site.id).collect();
    let hashes: BTreeSet<i64> = events
        .iter()
        .flat_map(|e| std::iter::once(e.hash_today).chain(e.hash_yesterday))
        .collect();
    visit::Entity::find()
        .filter(visit::Column::SiteId.is_in(sites))
        .filter(visit::Column::VisitorHash.is_in(hashes))
        .filter(visit::Column::EndedAt.gte(earliest - VISIT_GAP_MS))
        .all(db)
        .await
}

/// The visitor id a recording chunk goes with: today's, unless only a
/// visit begun yesterday is still open for this visitor (then yesterday's,
/// as the writer joins events to it), so deleting that visitor finds the
/// recording too.
pub async fn open_visitor(
    db: &DatabaseConnection,
    site: Uuid,
    today: i64,
    yesterday: Option<i64>,
    now_ms: i64,
) -> Result<i64, DbErr> {
    let Some(yesterday) = yesterday else {
        return Ok(today);
    };
    let open = visit::Entity::find()
        .filter(visit::Column::SiteId.eq(site))
        .filter(visit::Column::VisitorHash.is_in([today, yesterday]))
        .filter(visit::Column::EndedAt.gte(now_ms - VISIT_GAP_MS))
        .all(db)
        .await?;
    let has = |h: i64| open.iter().any(|v| v.visitor_hash == h);
    Ok(if !has(today) && has(yesterday) {
        yesterday
    } else {
        today
    })
}
