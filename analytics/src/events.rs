//! The event store's public face: one trait that the API and the worker
//! call for everything about events, visits and rollups, and its
//! implementation on PostgreSQL and SQLite (`SqlEventStore`). A column
//! store (ClickHouse, docs/architecture.md) would be a second
//! implementation; nothing outside this crate names a table of events.

use std::{collections::HashMap, path::Path};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::{
    deletion::{self, DeleteParams, DeleteResult},
    dimension::{Dimension, Filter},
    engagement::{self, Engagement},
    error::Result,
    export::{self, ExportError, ExportParams, ExportResult},
    funnel,
    goal::{self, Conversions, GoalMatch},
    reports::{self, RecordingRow, StatsRow},
    retention::{self, Budget, PurgeOptions},
    rollup::{self, RollupReport},
    store::Store,
    time::{self, Interval, Window},
    writer::{self, NewEvent, WriteError, Writer, WriterConfig},
};

/// One report's question: a site in its time zone, whole local days
/// `[from, to]`, and filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportQuery {
    pub site: Uuid,
    pub tz: Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub filters: Vec<Filter>,
}

/// A point of a timeseries: where its bucket starts, and its figures
/// (visits: those started in the bucket).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimePoint {
    pub at: DateTime<Utc>,
    pub figures: StatsRow,
}

/// A row of a breakdown: a value and its figures (visits: those with an
/// event of the value).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRow {
    pub value: String,
    pub figures: StatsRow,
}

/// The last minutes of a site, from the raw events: visitors per minute
/// (oldest first) and the top pages, sources and countries.
#[derive(Debug, Clone, PartialEq)]
pub struct Realtime {
    pub per_minute: Vec<TimePoint>,
    pub pages: Vec<BreakdownRow>,
    pub sources: Vec<BreakdownRow>,
    pub countries: Vec<BreakdownRow>,
}

/// What a purge step deleted (or, dry, would delete), and whether it got
/// to the end within its budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub events: u64,
    pub visits: u64,
    pub recordings: u64,
    pub done: bool,
}

/// Everything the API and the worker do with events, visits and rollups.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores an enriched event; returns once it is durable.
    async fn write(&self, event: NewEvent) -> std::result::Result<(), WriteError>;

    /// The visitor id a recording chunk goes with: today's, unless only a
    /// visit begun yesterday is still open for this visitor.
    async fn open_visitor(
        &self,
        site: Uuid,
        today: i64,
        yesterday: Option<i64>,
        now_ms: i64,
    ) -> Result<i64>;

    /// Sets an engagement beacon's figures on the page view it follows;
    /// whether there was one.
    async fn engage(&self, engagement: &Engagement, now_ms: i64) -> Result<bool>;

    /// Per page of `paths`, over its page views in the query's range that
    /// reported engagement: the average deepest scroll (percent) and the
    /// average engaged time (ms).
    async fn page_engagement(
        &self,
        query: &ReportQuery,
        paths: &[String],
    ) -> Result<HashMap<String, (f64, f64)>>;

    /// Totals, one per query, in order (queries of many sites are batched).
    async fn stats(&self, queries: &[ReportQuery], now_ms: i64) -> Result<Vec<StatsRow>>;

    /// One point per bucket of the range, empty ones as zero.
    async fn timeseries(
        &self,
        query: &ReportQuery,
        interval: Interval,
        now_ms: i64,
    ) -> Result<Vec<TimePoint>>;

    /// The top `limit` values of a dimension by visitors; their visit
    /// figures only with `visits` (they cost a scan of today's visits).
    async fn breakdown(
        &self,
        query: &ReportQuery,
        dimension: Dimension,
        limit: u32,
        visits: bool,
        now_ms: i64,
    ) -> Result<Vec<BreakdownRow>>;

    /// The top `limit` values of custom property `key` by visitors.
    async fn property_breakdown(
        &self,
        query: &ReportQuery,
        key: &str,
        limit: u32,
        now_ms: i64,
    ) -> Result<Vec<BreakdownRow>>;

    /// The custom-property keys seen in the query's range: `(key,
    /// visitors, events)`, most visitors first.
    async fn property_keys(
        &self,
        query: &ReportQuery,
        limit: u32,
        now_ms: i64,
    ) -> Result<Vec<(String, i64, i64)>>;

    /// Visitors reaching each of a funnel's steps within one visit, in
    /// order, over the query's range.
    async fn funnel(
        &self,
        query: &ReportQuery,
        steps: &[GoalMatch],
        now_ms: i64,
    ) -> Result<Vec<i64>>;

    /// Each goal's conversions over the query's range, in order.
    async fn goal_conversions(
        &self,
        query: &ReportQuery,
        goals: &[GoalMatch],
        now_ms: i64,
    ) -> Result<Vec<Conversions>>;

    /// Distinct visitors since `since_ms`.
    async fn visitors_since(&self, site: Uuid, since_ms: i64) -> Result<i64>;

    /// The `minutes` whole minutes up to the one going on at `now_ms`, and
    /// the top `limit` values over them.
    async fn realtime(&self, site: Uuid, minutes: u32, limit: u32, now_ms: i64)
        -> Result<Realtime>;

    /// Recorded sessions that started in `window` and lasted `durations`
    /// (ms, from its start to its end inclusive), newest first, after the
    /// cursor `(started_at, session)`.
    async fn recordings(
        &self,
        site: Uuid,
        window: Window,
        filters: &[Filter],
        durations: (i64, i64),
        after: Option<(i64, String)>,
        limit: u64,
    ) -> Result<Vec<RecordingRow>>;

    /// Clicks on a page per grid cell: `(column, row, count)`.
    async fn clicks(
        &self,
        site: Uuid,
        window: Window,
        path: &str,
        clicks: ClickGrid,
    ) -> Result<Vec<(i32, i32, i64)>>;

    /// Rolls up what is due (closed days, the day going on, changed visits).
    async fn roll_up(&self, now: DateTime<Utc>) -> Result<RollupReport>;

    /// Deletes a range, a visitor, or both, of one site.
    async fn delete(&self, params: &DeleteParams) -> Result<DeleteResult>;

    /// Deletes everything of these sites (they are being deleted).
    async fn delete_sites(&self, sites: &[Uuid]) -> Result<u64>;

    /// Deletes a site's events and visits older than `cutoff_ms` (`None`:
    /// those of sites that no longer exist), and what its rollups said of
    /// those days.
    async fn purge_events(
        &self,
        site: Option<Uuid>,
        cutoff_ms: i64,
        options: &PurgeOptions,
        budget: &mut Budget,
    ) -> Result<Purged>;

    /// Deletes a site's recording chunks that started before `cutoff_ms`
    /// (`None`: those of sites that no longer exist), objects first.
    async fn purge_recordings(
        &self,
        site: Option<Uuid>,
        cutoff_ms: i64,
        options: &PurgeOptions,
        budget: &mut Budget,
    ) -> Result<Purged>;

    /// Deletes rollups of sites that no longer exist.
    async fn sweep_orphans(&self) -> Result<u64>;

    /// Writes a range of a site's events to the object store as gzipped
    /// NDJSON and CSV (assembled in `dir`).
    async fn export(
        &self,
        params: &ExportParams,
        dir: &Path,
        job: Uuid,
    ) -> std::result::Result<ExportResult, ExportError>;
}

/// The heatmap grid a `clicks` query counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClickGrid {
    /// Viewports `min..max` px wide.
    pub widths: (i32, i32),
    /// Columns across the page, and rows this many px tall.
    pub columns: i32,
    pub cell_height: i32,
    /// Most cells counted (one more means "too many").
    pub max_cells: u64,
}

/// The event store on the accounts' database: PostgreSQL or SQLite.
#[derive(Clone)]
pub struct SqlEventStore {
    db: DatabaseConnection,
    objects: Store,
    /// Set where events are written (API servers).
    writer: Option<Writer>,
}

impl SqlEventStore {
    /// A store that reads, deletes and rolls up (the worker).
    pub fn new(db: DatabaseConnection, objects: Store) -> Self {
        SqlEventStore {
            db,
            objects,
            writer: None,
        }
    }

    /// A store that also writes, through group-commit lanes.
    pub fn with_writer(db: DatabaseConnection, objects: Store, config: WriterConfig) -> Self {
        let writer = Writer::start(db.clone(), config);
        SqlEventStore {
            db,
            objects,
            writer: Some(writer),
        }
    }
}

#[async_trait]
impl EventStore for SqlEventStore {
    async fn write(&self, event: NewEvent) -> std::result::Result<(), WriteError> {
        match &self.writer {
            Some(writer) => writer.write(event).await,
            None => {
                tracing::error!("an event was written to a store without a writer");
                Err(WriteError::Unavailable)
            }
        }
    }

    async fn open_visitor(
        &self,
        site: Uuid,
        today: i64,
        yesterday: Option<i64>,
        now_ms: i64,
    ) -> Result<i64> {
        Ok(writer::open_visitor(&self.db, site, today, yesterday, now_ms).await?)
    }

    async fn engage(&self, engagement: &Engagement, now_ms: i64) -> Result<bool> {
        Ok(engagement::engage(&self.db, engagement, now_ms).await?)
    }

    async fn page_engagement(
        &self,
        query: &ReportQuery,
        paths: &[String],
    ) -> Result<HashMap<String, (f64, f64)>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        Ok(reports::page_engagement(db, query.site, window, &query.filters, paths).await?)
    }

    async fn stats(&self, queries: &[ReportQuery], now_ms: i64) -> Result<Vec<StatsRow>> {
        type Group = (Window, Vec<Filter>, (NaiveDate, NaiveDate));
        let mut groups: HashMap<Group, Vec<(Uuid, Tz)>> = HashMap::new();
        for q in queries {
            let window = time::window(q.tz, q.from, q.to)?;
            groups
                .entry((window, q.filters.clone(), (q.from, q.to)))
                .or_default()
                .push((q.site, q.tz));
        }
        let db = &reports::snapshot(&self.db).await?;
        let mut answers: HashMap<(Uuid, Window, Vec<Filter>), StatsRow> = HashMap::new();
        for ((window, filters, days), sites) in groups {
            // Sites whose rollups can answer, in one batch; the others
            // from the raw events, in another.
            let plans = reports::plans(db, &sites, days, &filters, now_ms).await?;
            let planned: Vec<reports::Plan> = plans.values().copied().collect();
            let raw: Vec<Uuid> = sites
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| !plans.contains_key(s))
                .collect();
            let mut rows = reports::stats_rolled(db, &planned, &filters).await?;
            if !raw.is_empty() {
                rows.extend(reports::stats(db, &raw, window, &filters).await?);
            }
            for (site, _) in sites {
                let row = rows.remove(&site).unwrap_or_default();
                answers.insert((site, window, filters.clone()), row);
            }
        }
        queries
            .iter()
            .map(|q| {
                let window = time::window(q.tz, q.from, q.to)?;
                Ok(answers
                    .get(&(q.site, window, q.filters.clone()))
                    .copied()
                    .unwrap_or_default())
            })
            .collect()
    }

    async fn timeseries(
        &self,
        query: &ReportQuery,
        interval: Interval,
        now_ms: i64,
    ) -> Result<Vec<TimePoint>> {
        let buckets = time::buckets(query.tz, query.from, query.to, interval)?;
        let windows: Vec<Window> = buckets.iter().map(|(_, w)| *w).collect();
        let db = &reports::snapshot(&self.db).await?;
        // Hours are not whole days: they are counted from the raw events.
        let plan = match interval {
            Interval::Hour => None,
            _ => plan(db, query, now_ms).await?,
        };
        let counts = match plan {
            Some(plan) => reports::timeseries_rolled(db, &plan, &windows, &query.filters).await?,
            None => reports::timeseries(db, query.site, &windows, &query.filters).await?,
        };
        Ok(buckets
            .into_iter()
            .zip(counts)
            .map(|((at, _), figures)| TimePoint { at, figures })
            .collect())
    }

    async fn breakdown(
        &self,
        query: &ReportQuery,
        dimension: Dimension,
        limit: u32,
        visits: bool,
        now_ms: i64,
    ) -> Result<Vec<BreakdownRow>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        let rolled = match plan(db, query, now_ms).await? {
            Some(plan) => {
                reports::breakdown_rolled(db, &plan, dimension, &query.filters, limit, visits)
                    .await?
            }
            None => None,
        };
        let rows = match rolled {
            Some(rows) => rows,
            None => {
                reports::breakdown(
                    db,
                    query.site,
                    window,
                    dimension,
                    &query.filters,
                    limit,
                    visits,
                )
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(value, figures)| BreakdownRow { value, figures })
            .collect())
    }

    async fn property_breakdown(
        &self,
        query: &ReportQuery,
        key: &str,
        limit: u32,
        now_ms: i64,
    ) -> Result<Vec<BreakdownRow>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        let rows = match unfiltered_plan(db, query, now_ms).await? {
            Some(plan) => reports::property_breakdown_rolled(db, &plan, key, limit).await?,
            None => {
                reports::property_breakdown(db, query.site, window, key, &query.filters, limit)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(value, figures)| BreakdownRow { value, figures })
            .collect())
    }

    async fn property_keys(
        &self,
        query: &ReportQuery,
        limit: u32,
        now_ms: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        Ok(match unfiltered_plan(db, query, now_ms).await? {
            Some(plan) => reports::property_keys_rolled(db, &plan, limit).await?,
            None => reports::property_keys(db, query.site, window, &query.filters, limit).await?,
        })
    }

    async fn funnel(
        &self,
        query: &ReportQuery,
        steps: &[GoalMatch],
        now_ms: i64,
    ) -> Result<Vec<i64>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        if let Some(plan) = unfiltered_plan(db, query, now_ms).await? {
            if let Some(reached) = funnel::funnel_rolled(db, &plan, window, steps).await? {
                return Ok(reached);
            }
        }
        Ok(funnel::funnel(db, query.site, window, &query.filters, steps).await?)
    }

    async fn goal_conversions(
        &self,
        query: &ReportQuery,
        goals: &[GoalMatch],
        now_ms: i64,
    ) -> Result<Vec<Conversions>> {
        let window = time::window(query.tz, query.from, query.to)?;
        let db = &reports::snapshot(&self.db).await?;
        let rolled = match unfiltered_plan(db, query, now_ms).await? {
            Some(plan) => goal::conversions_rolled(db, &plan, goals).await?,
            None => vec![None; goals.len()],
        };
        let mut out = Vec::with_capacity(goals.len());
        for (goal, rolled) in goals.iter().zip(rolled) {
            out.push(match rolled {
                Some(c) => c,
                None => goal::conversions(
                    db,
                    query.site,
                    window,
                    &query.filters,
                    std::slice::from_ref(goal),
                )
                .await?
                .remove(0),
            });
        }
        Ok(out)
    }

    async fn visitors_since(&self, site: Uuid, since_ms: i64) -> Result<i64> {
        Ok(reports::visitors_since(&self.db, site, since_ms).await?)
    }

    async fn realtime(
        &self,
        site: Uuid,
        minutes: u32,
        limit: u32,
        now_ms: i64,
    ) -> Result<Realtime> {
        const MINUTE: i64 = 60_000;
        let end = now_ms.div_euclid(MINUTE) * MINUTE + MINUTE;
        let start = end - i64::from(minutes) * MINUTE;
        let buckets: Vec<Window> = (start..end)
            .step_by(MINUTE as usize)
            .map(|from_ms| Window {
                from_ms,
                to_ms: from_ms + MINUTE,
            })
            .collect();
        let whole = Window {
            from_ms: start,
            to_ms: end,
        };
        let db = &reports::snapshot(&self.db).await?;
        let per_minute = reports::timeseries(db, site, &buckets, &[])
            .await?
            .into_iter()
            .zip(&buckets)
            .map(|(figures, w)| TimePoint {
                at: DateTime::from_timestamp_millis(w.from_ms).unwrap_or_default(),
                figures,
            })
            .collect();
        let mut top = Vec::new();
        for d in [Dimension::Page, Dimension::Source, Dimension::Country] {
            let rows = reports::breakdown(db, site, whole, d, &[], limit, true).await?;
            top.push(
                rows.into_iter()
                    .map(|(value, figures)| BreakdownRow { value, figures })
                    .collect(),
            );
        }
        let [pages, sources, countries]: [Vec<BreakdownRow>; 3] =
            top.try_into().unwrap_or_default();
        Ok(Realtime {
            per_minute,
            pages,
            sources,
            countries,
        })
    }

    async fn recordings(
        &self,
        site: Uuid,
        window: Window,
        filters: &[Filter],
        durations: (i64, i64),
        after: Option<(i64, String)>,
        limit: u64,
    ) -> Result<Vec<RecordingRow>> {
        Ok(reports::recordings(&self.db, site, window, filters, durations, after, limit).await?)
    }

    async fn clicks(
        &self,
        site: Uuid,
        window: Window,
        path: &str,
        grid: ClickGrid,
    ) -> Result<Vec<(i32, i32, i64)>> {
        Ok(reports::clicks(
            &self.db,
            site,
            window,
            path,
            grid.widths,
            (grid.columns, grid.cell_height),
            grid.max_cells,
        )
        .await?)
    }

    async fn roll_up(&self, now: DateTime<Utc>) -> Result<RollupReport> {
        Ok(rollup::run(&self.db, now).await?)
    }

    async fn delete(&self, params: &DeleteParams) -> Result<DeleteResult> {
        Ok(deletion::delete(&self.db, &self.objects, params).await?)
    }

    async fn delete_sites(&self, sites: &[Uuid]) -> Result<u64> {
        Ok(deletion::delete_sites(&self.db, sites).await?)
    }

    async fn purge_events(
        &self,
        site: Option<Uuid>,
        cutoff_ms: i64,
        options: &PurgeOptions,
        budget: &mut Budget,
    ) -> Result<Purged> {
        let (events, visits, done) =
            retention::purge_rows(&self.db, site, cutoff_ms, options, budget).await?;
        if let (Some(site), false) = (site, options.dry_run) {
            rollup::forget_before(&self.db, site, cutoff_ms).await?;
        }
        Ok(Purged {
            events,
            visits,
            recordings: 0,
            done,
        })
    }

    async fn purge_recordings(
        &self,
        site: Option<Uuid>,
        cutoff_ms: i64,
        options: &PurgeOptions,
        budget: &mut Budget,
    ) -> Result<Purged> {
        let store = options.store.as_ref().unwrap_or(&self.objects);
        let (recordings, done) =
            retention::purge_recordings(&self.db, store, site, cutoff_ms, options, budget).await?;
        if let (Some(site), true, false) = (site, done, options.dry_run) {
            retention::sweep_expired_objects(store, site, cutoff_ms).await;
        }
        Ok(Purged {
            recordings,
            done,
            ..Purged::default()
        })
    }

    async fn sweep_orphans(&self) -> Result<u64> {
        Ok(rollup::sweep_orphans(&self.db).await?)
    }

    async fn export(
        &self,
        params: &ExportParams,
        dir: &Path,
        job: Uuid,
    ) -> std::result::Result<ExportResult, ExportError> {
        export::export(&self.db, params, &self.objects, dir, job).await
    }
}

/// `plan`, for the reports whose rollups answer no filter (goals,
/// properties).
async fn unfiltered_plan<C: ConnectionTrait>(
    db: &C,
    query: &ReportQuery,
    now_ms: i64,
) -> Result<Option<reports::Plan>> {
    if !query.filters.is_empty() {
        return Ok(None);
    }
    plan(db, query, now_ms).await
}

/// How the rollups answer this query, if they can (see `crate::rollup`);
/// otherwise it reads the raw events.
async fn plan<C: ConnectionTrait>(
    db: &C,
    query: &ReportQuery,
    now_ms: i64,
) -> Result<Option<reports::Plan>> {
    Ok(reports::plan(
        db,
        query.site,
        query.tz,
        (query.from, query.to),
        &query.filters,
        now_ms,
    )
    .await?)
}
