//! Reports: stats, timeseries, breakdowns and realtime visitors, in the
//! site's time zone. Stats for many sites are batched by a DataLoader.

pub mod heatmap;

use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, ComplexObject, Context, Enum, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use trackr_analytics::{reports, time, Window};
pub use trackr_analytics::{Dimension, Filter, Op};

use crate::{error::ApiResult, graphql::Date, ApiError, App};

/// `Dimension` in GraphQL (the store's own enum stays free of it).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "trackr_analytics::Dimension", name = "Dimension")]
pub enum DimensionGql {
    Page,
    EntryPage,
    ExitPage,
    Source,
    Referrer,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    Country,
    Region,
    City,
    Browser,
    Os,
    Device,
    EventName,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "trackr_analytics::Op", name = "FilterOp")]
pub enum FilterOpGql {
    Is,
    IsNot,
    Contains,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Interval")]
pub enum IntervalGql {
    Hour,
    Day,
    Week,
    Month,
}

#[derive(InputObject, Clone, Debug)]
#[graphql(name = "Filter")]
pub struct FilterInput {
    pub dimension: DimensionGql,
    pub op: FilterOpGql,
    pub value: String,
}

pub fn filters(input: Option<Vec<FilterInput>>) -> ApiResult<Vec<Filter>> {
    let input = input.unwrap_or_default();
    if input.len() > 20 {
        return Err(ApiError::bad_input("filters", "at most 20 filters"));
    }
    input
        .into_iter()
        .map(|f| {
            if f.value.chars().count() > 2_000 {
                return Err(ApiError::bad_input(
                    "filters",
                    "values are at most 2000 characters",
                ));
            }
            Ok(Filter {
                dimension: f.dimension.into(),
                op: f.op.into(),
                value: f.value,
            })
        })
        .collect()
}

/// What the stats loader is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatsKey {
    pub site: Uuid,
    pub window: Window,
    pub filters: Vec<Filter>,
    /// The dates and zone the window was made of (for the rollups).
    pub days: (NaiveDate, NaiveDate),
    pub tz: Tz,
}

pub struct StatsLoader {
    pub app: App,
}

impl Loader<StatsKey> for StatsLoader {
    type Value = reports::StatsRow;
    type Error = ApiError;

    async fn load(&self, keys: &[StatsKey]) -> Result<HashMap<StatsKey, Self::Value>, Self::Error> {
        type Group = (Window, Vec<Filter>, (NaiveDate, NaiveDate));
        let mut groups: HashMap<Group, Vec<(Uuid, Tz)>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.window, k.filters.clone(), k.days))
                .or_default()
                .push((k.site, k.tz));
        }
        let db = &snapshot(&self.app.db).await?;
        let mut out = HashMap::new();
        for ((window, filters, days), sites) in groups {
            // Sites whose rollups can answer, in one batch; the others from
            // the raw events, in another.
            let plans = reports::plans(db, &sites, days, &filters, self.app.clock.now_ms()).await?;
            let planned: Vec<reports::Plan> = plans.values().copied().collect();
            let raw: Vec<Uuid> = sites
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| !plans.contains_key(s))
                .collect();
            let mut rows = reports::stats_rolled(db, &planned).await?;
            if !raw.is_empty() {
                rows.extend(reports::stats(db, &raw, window, &filters).await?);
            }
            for (site, tz) in sites {
                let row = rows.remove(&site).unwrap_or_default();
                out.insert(
                    StatsKey {
                        site,
                        window,
                        filters: filters.clone(),
                        days,
                        tz,
                    },
                    row,
                );
            }
        }
        Ok(out)
    }
}

/// One consistent view of the rollups, their state and the raw events for
/// a report: a rollup written meanwhile is seen whole or not at all. (A
/// read-only snapshot on PostgreSQL; SQLite's WAL gives one to every read
/// transaction.)
async fn snapshot(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{AccessMode, ConnectionTrait, IsolationLevel, TransactionTrait};
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await
    } else {
        db.begin().await
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Stats {
    pub visitors: i32,
    pub visits: i32,
    pub pageviews: i32,
    pub events: i32,
    /// Share of visits with a single event, in percent (0–100).
    pub bounce_rate: f64,
    pub visit_duration_seconds: f64,
    pub views_per_visit: f64,
    #[graphql(skip)]
    pub query: Arc<Scope>,
}

/// A report's site, time zone, dates and filters (and what produced a
/// `Stats`, so its comparison can be asked for).
pub struct Scope {
    pub site: Uuid,
    pub tz: Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub filters: Vec<Filter>,
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

pub async fn load_stats(ctx: &Context<'_>, query: Scope) -> ApiResult<Stats> {
    let window = time::window(query.tz, query.from, query.to)?;
    let loader = ctx
        .data::<async_graphql::dataloader::DataLoader<StatsLoader>>()
        .map_err(|_| ApiError::internal("stats loader missing from the request"))?;
    let row = loader
        .load_one(StatsKey {
            site: query.site,
            window,
            filters: query.filters.clone(),
            days: (query.from, query.to),
            tz: query.tz,
        })
        .await?
        .unwrap_or_default();
    Ok(Stats {
        visitors: clamp(row.visitors),
        visits: clamp(row.visits),
        pageviews: clamp(row.pageviews),
        events: clamp(row.events),
        bounce_rate: (ratio(row.bounces, row.visits) * 1000.0).round() / 10.0,
        visit_duration_seconds: (ratio(row.duration_ms, row.visits) / 10.0).round() / 100.0,
        views_per_visit: (ratio(row.visit_pageviews, row.visits) * 100.0).round() / 100.0,
        query: Arc::new(query),
    })
}

#[ComplexObject]
impl Stats {
    /// The same figures for the period of equal length just before.
    async fn previous(&self, ctx: &Context<'_>) -> ApiResult<Stats> {
        let (from, to) = time::previous(self.query.from, self.query.to);
        load_stats(
            ctx,
            Scope {
                site: self.query.site,
                tz: self.query.tz,
                from,
                to,
                filters: self.query.filters.clone(),
            },
        )
        .await
    }
}

#[derive(SimpleObject)]
pub struct TimePoint {
    pub at: DateTime<Utc>,
    pub visitors: i32,
    pub pageviews: i32,
}

#[derive(SimpleObject)]
pub struct BreakdownRow {
    pub value: String,
    pub visitors: i32,
    pub pageviews: i32,
}

pub async fn timeseries(
    app: &App,
    scope: &Scope,
    interval: IntervalGql,
) -> ApiResult<Vec<TimePoint>> {
    let interval = match interval {
        IntervalGql::Hour => time::Interval::Hour,
        IntervalGql::Day => time::Interval::Day,
        IntervalGql::Week => time::Interval::Week,
        IntervalGql::Month => time::Interval::Month,
    };
    let buckets = time::buckets(scope.tz, scope.from, scope.to, interval)?;
    let windows: Vec<Window> = buckets.iter().map(|(_, w)| *w).collect();
    let db = &snapshot(&app.db).await?;
    // Hours are not whole days: they are counted from the raw events.
    let plan = match interval {
        time::Interval::Hour => None,
        _ => scope.plan(db, app).await?,
    };
    let counts = match plan {
        Some(plan) => reports::timeseries_rolled(db, &plan, &windows).await?,
        None => reports::timeseries(db, scope.site, &windows, &scope.filters).await?,
    };
    Ok(buckets
        .into_iter()
        .zip(counts)
        .map(|((at, _), (visitors, pageviews))| TimePoint {
            at,
            visitors: clamp(visitors),
            pageviews: clamp(pageviews),
        })
        .collect())
}

pub async fn breakdown(
    app: &App,
    scope: &Scope,
    dimension: Dimension,
    limit: Option<i32>,
) -> ApiResult<Vec<BreakdownRow>> {
    let limit = limit.unwrap_or(10);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_input("limit", "must be between 1 and 1000"));
    }
    let window = time::window(scope.tz, scope.from, scope.to)?;
    let db = &snapshot(&app.db).await?;
    let rolled = match scope.plan(db, app).await? {
        Some(plan) => reports::breakdown_rolled(db, &plan, dimension, limit as u32).await?,
        None => None,
    };
    let rows = match rolled {
        Some(rows) => rows,
        None => {
            reports::breakdown(
                db,
                scope.site,
                window,
                dimension,
                &scope.filters,
                limit as u32,
            )
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(value, visitors, pageviews)| BreakdownRow {
            value,
            visitors: clamp(visitors),
            pageviews: clamp(pageviews),
        })
        .collect())
}

pub async fn realtime_visitors(app: &App, site: Uuid) -> ApiResult<i32> {
    let since = app.clock.now_ms() - 5 * 60 * 1000;
    Ok(clamp(reports::visitors_since(&app.db, site, since).await?))
}

impl Scope {
    /// How the rollups answer this report, if they can (see
    /// `trackr_analytics::rollup`); otherwise it reads the raw events.
    async fn plan(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        app: &App,
    ) -> ApiResult<Option<reports::Plan>> {
        Ok(reports::plan(
            db,
            self.site,
            self.tz,
            (self.from, self.to),
            &self.filters,
            app.clock.now_ms(),
        )
        .await?)
    }

    pub fn new(
        site: &trackr_entity::site::Model,
        range: &crate::graphql::DateRange,
        filters: Option<Vec<FilterInput>>,
    ) -> ApiResult<Scope> {
        let (Date(from), Date(to)) = (range.from, range.to);
        time::validate(from, to)?;
        Ok(Scope {
            site: site.id,
            tz: time::timezone(&site.timezone),
            from,
            to,
            filters: self::filters(filters)?,
        })
    }
}
