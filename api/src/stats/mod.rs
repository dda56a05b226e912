//! Reports: stats, timeseries, breakdowns and realtime visitors, in the
//! site's time zone. Stats for many sites are batched by a DataLoader.

pub mod heatmap;

use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, ComplexObject, Context, Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use trackr_analytics::{reports::StatsRow, time, ReportQuery};
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

/// Batches the `stats` of a request (a list of sites asks for many) into
/// the event store's batched query.
pub struct StatsLoader {
    pub app: App,
}

impl Loader<ReportQuery> for StatsLoader {
    type Value = StatsRow;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ReportQuery],
    ) -> Result<HashMap<ReportQuery, Self::Value>, Self::Error> {
        let rows = self.app.events.stats(keys, self.app.clock.now_ms()).await?;
        Ok(keys.iter().cloned().zip(rows).collect())
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
pub type Scope = ReportQuery;

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
    time::validate(query.from, query.to)?;
    let loader = ctx
        .data::<async_graphql::dataloader::DataLoader<StatsLoader>>()
        .map_err(|_| ApiError::internal("stats loader missing from the request"))?;
    let row = loader.load_one(query.clone()).await?.unwrap_or_default();
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
    let points = app
        .events
        .timeseries(scope, interval, app.clock.now_ms())
        .await?;
    Ok(points
        .into_iter()
        .map(|p| TimePoint {
            at: p.at,
            visitors: clamp(p.visitors),
            pageviews: clamp(p.pageviews),
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
    time::validate(scope.from, scope.to)?;
    let rows = app
        .events
        .breakdown(scope, dimension, limit as u32, app.clock.now_ms())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| BreakdownRow {
            value: r.value,
            visitors: clamp(r.visitors),
            pageviews: clamp(r.pageviews),
        })
        .collect())
}

pub async fn realtime_visitors(app: &App, site: Uuid) -> ApiResult<i32> {
    let since = app.clock.now_ms() - 5 * 60 * 1000;
    Ok(clamp(app.events.visitors_since(site, since).await?))
}

/// The question a `Site` report field asks, validated.
pub fn scope(
    site: &trackr_entity::site::Model,
    range: &crate::graphql::DateRange,
    filters: Option<Vec<FilterInput>>,
) -> ApiResult<Scope> {
    let (Date(from), Date(to)) = (range.from, range.to);
    time::validate(from, to)?;
    Ok(ReportQuery {
        site: site.id,
        tz: time::timezone(&site.timezone),
        from,
        to,
        filters: self::filters(filters)?,
    })
}
