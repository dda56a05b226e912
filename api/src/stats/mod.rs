//! Reports: stats, timeseries, breakdowns and realtime visitors, in the
//! site's time zone. Stats for many sites are batched by a DataLoader.

pub mod heatmap;

use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, ComplexObject, Context, Enum, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
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
    UtmContent,
    UtmTerm,
    Country,
    Region,
    City,
    Browser,
    Os,
    Device,
    ScreenSize,
    Hostname,
    EventName,
    /// A custom property's value; the filter's or breakdown's `key` names
    /// the property.
    Property,
    /// Filters only: the visitors who converted to a goal in the range
    /// (the value: the goal's id; IS or IS_NOT). Goals' own figures are
    /// `Site.goalConversions`.
    Goal,
    /// Filters only: a saved segment (the value: its id; IS), which stands
    /// for the segment's own filters.
    Segment,
}

/// What a report is compared with.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum Comparison {
    /// The period of equal length just before.
    #[default]
    PreviousPeriod,
    /// The same dates a year before.
    YearOverYear,
}

impl Comparison {
    /// The dates compared with `[from, to]`.
    pub fn dates(self, from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Comparison::PreviousPeriod => time::previous(from, to),
            Comparison::YearOverYear => time::year_before(from, to),
        }
    }
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
    /// The property's key, for PROPERTY (`props.plan IS pro`: key
    /// "plan", value "pro"); only for PROPERTY.
    pub key: Option<String>,
}

/// The longest custom-property key (as ingestion takes them).
pub const MAX_PROPERTY_KEY: usize = 300;

/// A property key a filter or breakdown names, validated.
pub fn property_key(field: &'static str, key: Option<String>) -> ApiResult<String> {
    match key {
        Some(k) if !k.is_empty() && k.chars().count() <= MAX_PROPERTY_KEY && !k.contains(['"', '\\', '\0']) => Ok(k),
        Some(_) => Err(ApiError::bad_input(
            field,
            format!("a property key is 1 to {MAX_PROPERTY_KEY} characters, without quotes or backslashes"),
        )),
        None => Err(ApiError::bad_input(field, "PROPERTY needs the property's key")),
    }
}

/// Validated filters of a site's report, as `viewer` (a user, or none
/// for an API key) reads it: a SEGMENT filter replaced by the segment's
/// filters, a GOAL filter's goal id read as what the goal matches.
pub async fn filters(
    app: &App,
    site: Uuid,
    viewer: Option<Uuid>,
    input: Option<Vec<FilterInput>>,
) -> ApiResult<Vec<Filter>> {
    let mut filters = Vec::new();
    for f in plain_filters(input)? {
        if f.dimension == Dimension::Segment {
            if f.op != Op::Is {
                return Err(ApiError::bad_input(
                    "filters",
                    "a SEGMENT filter is IS a segment's id",
                ));
            }
            filters.extend(crate::segments::filters(app, site, viewer, &f.value).await?);
        } else {
            filters.push(f);
        }
    }
    if filters.len() > MAX_FILTERS {
        return Err(ApiError::bad_input(
            "filters",
            format!("at most {MAX_FILTERS} filters, a segment's included"),
        ));
    }
    for f in &mut filters {
        if f.dimension == Dimension::Goal {
            if f.op == Op::Contains {
                return Err(ApiError::bad_input(
                    "filters",
                    "a GOAL filter is IS or IS_NOT a goal's id",
                ));
            }
            f.value = crate::goals::filter_value(app, site, &f.value).await?;
        }
    }
    Ok(filters)
}

/// The most filters a report takes.
pub const MAX_FILTERS: usize = 20;

/// Filters as given, each checked on its own (no lookups).
pub fn plain_filters(input: Option<Vec<FilterInput>>) -> ApiResult<Vec<Filter>> {
    let input = input.unwrap_or_default();
    if input.len() > MAX_FILTERS {
        return Err(ApiError::bad_input(
            "filters",
            format!("at most {MAX_FILTERS} filters"),
        ));
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
            let dimension: Dimension = f.dimension.into();
            let key = match (dimension, f.key) {
                (Dimension::Property, key) => Some(property_key("filters", key)?),
                (_, None) => None,
                (_, Some(_)) => {
                    return Err(ApiError::bad_input(
                        "filters",
                        "only PROPERTY filters take a key",
                    ))
                }
            };
            Ok(Filter {
                dimension,
                op: f.op.into(),
                value: f.value,
                key,
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
    #[graphql(skip)]
    pub compare: Comparison,
}

/// A report's site, time zone, dates and filters (and what produced a
/// `Stats`, so its comparison can be asked for).
pub type Scope = ReportQuery;

pub(crate) fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `a` of `b` in percent, to one decimal (0 when `b` is 0).
pub(crate) fn percent(a: i64, b: i64) -> f64 {
    (ratio(a, b) * 1000.0).round() / 10.0
}

pub(crate) fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The derived figures of a row, as reports round them: bounce rate in
/// percent to a tenth, visit duration in seconds to a hundredth, views per
/// visit to a hundredth.
struct Rates {
    bounce_rate: f64,
    visit_duration_seconds: f64,
    views_per_visit: f64,
}

impl Rates {
    fn of(row: &StatsRow) -> Rates {
        Rates {
            bounce_rate: percent(row.bounces, row.visits),
            visit_duration_seconds: (ratio(row.duration_ms, row.visits) / 10.0).round() / 100.0,
            views_per_visit: (ratio(row.visit_pageviews, row.visits) * 100.0).round() / 100.0,
        }
    }
}

pub async fn load_stats(ctx: &Context<'_>, query: Scope, compare: Comparison) -> ApiResult<Stats> {
    time::validate(query.from, query.to)?;
    let loader = ctx
        .data::<async_graphql::dataloader::DataLoader<StatsLoader>>()
        .map_err(|_| ApiError::internal("stats loader missing from the request"))?;
    let row = loader.load_one(query.clone()).await?.unwrap_or_default();
    let rates = Rates::of(&row);
    Ok(Stats {
        visitors: clamp(row.visitors),
        visits: clamp(row.visits),
        pageviews: clamp(row.pageviews),
        events: clamp(row.events),
        bounce_rate: rates.bounce_rate,
        visit_duration_seconds: rates.visit_duration_seconds,
        views_per_visit: rates.views_per_visit,
        query: Arc::new(query),
        compare,
    })
}

#[ComplexObject]
impl Stats {
    /// The same figures for the period compared with: by default the
    /// period of equal length just before (see `compare`).
    async fn previous(&self, ctx: &Context<'_>) -> ApiResult<Stats> {
        let (from, to) = self.compare.dates(self.query.from, self.query.to);
        load_stats(
            ctx,
            Scope {
                from,
                to,
                ..(*self.query).clone()
            },
            self.compare,
        )
        .await
    }
}

/// A point of a timeseries: the figures of the events in its interval
/// (visits: those started in it).
#[derive(SimpleObject)]
pub struct TimePoint {
    /// Where the interval starts.
    pub at: DateTime<Utc>,
    pub visitors: i32,
    pub visits: i32,
    pub pageviews: i32,
    pub events: i32,
    /// In percent (0–100).
    pub bounce_rate: f64,
    pub visit_duration_seconds: f64,
    pub views_per_visit: f64,
    /// The point of the period compared with at the same place (the n-th
    /// interval of each), when `compare` was asked for and it has one.
    pub previous: Option<Box<TimePoint>>,
}

impl TimePoint {
    fn of(p: &trackr_analytics::TimePoint) -> TimePoint {
        let rates = Rates::of(&p.figures);
        TimePoint {
            at: p.at,
            visitors: clamp(p.figures.visitors),
            visits: clamp(p.figures.visits),
            pageviews: clamp(p.figures.pageviews),
            events: clamp(p.figures.events),
            bounce_rate: rates.bounce_rate,
            visit_duration_seconds: rates.visit_duration_seconds,
            views_per_visit: rates.views_per_visit,
            previous: None,
        }
    }
}

/// A value of a dimension and its figures. Its share of all visitors is
/// `visitors` over the `stats` visitors of the same range and filters.
#[derive(SimpleObject)]
pub struct BreakdownRow {
    pub value: String,
    pub visitors: i32,
    pub pageviews: i32,
    /// Events with the value (for pages: their page views).
    pub events: i32,
    /// Visits started in the range with an event of the value (entry and
    /// exit pages: the visits they start or end).
    pub visits: i32,
    /// Of those visits, in percent (0–100).
    pub bounce_rate: f64,
    pub visit_duration_seconds: f64,
    /// PAGE only: the average deepest scroll of its page views that
    /// reported engagement, in percent (null elsewhere, or with none).
    pub scroll_depth: Option<f64>,
    /// PAGE only: the average time its page views were engaged with, in
    /// seconds, over those that reported engagement.
    pub time_on_page_seconds: Option<f64>,
}

impl BreakdownRow {
    fn of(r: trackr_analytics::BreakdownRow) -> BreakdownRow {
        let rates = Rates::of(&r.figures);
        BreakdownRow {
            value: r.value,
            visitors: clamp(r.figures.visitors),
            pageviews: clamp(r.figures.pageviews),
            events: clamp(r.figures.events),
            visits: clamp(r.figures.visits),
            bounce_rate: rates.bounce_rate,
            visit_duration_seconds: rates.visit_duration_seconds,
            scroll_depth: None,
            time_on_page_seconds: None,
        }
    }
}

pub async fn timeseries(
    app: &App,
    scope: &Scope,
    interval: IntervalGql,
    compare: Option<Comparison>,
) -> ApiResult<Vec<TimePoint>> {
    let interval = match interval {
        IntervalGql::Hour => time::Interval::Hour,
        IntervalGql::Day => time::Interval::Day,
        IntervalGql::Week => time::Interval::Week,
        IntervalGql::Month => time::Interval::Month,
    };
    let now = app.clock.now_ms();
    let points = app.events.timeseries(scope, interval, now).await?;
    let mut out: Vec<TimePoint> = points.iter().map(TimePoint::of).collect();
    if let Some(compare) = compare {
        let (from, to) = compare.dates(scope.from, scope.to);
        let other = Scope {
            from,
            to,
            ..scope.clone()
        };
        let previous = app.events.timeseries(&other, interval, now).await?;
        for (point, p) in out.iter_mut().zip(&previous) {
            point.previous = Some(Box::new(TimePoint::of(p)));
        }
    }
    Ok(out)
}

/// A breakdown; `visits`: whether its visit figures are asked for.
pub async fn breakdown(
    app: &App,
    scope: &Scope,
    dimension: Dimension,
    key: Option<&str>,
    limit: Option<i32>,
    visits: bool,
    engagement: bool,
) -> ApiResult<Vec<BreakdownRow>> {
    let limit = limit.unwrap_or(10);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_input("limit", "must be between 1 and 1000"));
    }
    if !dimension.is_breakdown() {
        return Err(ApiError::bad_input(
            "dimension",
            "GOAL is a filter; goals' figures are Site.goalConversions",
        ));
    }
    time::validate(scope.from, scope.to)?;
    let rows = match (dimension, key) {
        (Dimension::Property, key) => {
            let key = property_key("key", key.map(str::to_owned))?;
            app.events
                .property_breakdown(scope, &key, limit as u32, app.clock.now_ms())
                .await?
        }
        (_, Some(_)) => return Err(ApiError::bad_input("key", "only PROPERTY takes a key")),
        (_, None) => {
            app.events
                .breakdown(scope, dimension, limit as u32, visits, app.clock.now_ms())
                .await?
        }
    };
    let mut rows: Vec<BreakdownRow> = rows.into_iter().map(BreakdownRow::of).collect();
    if engagement && dimension == Dimension::Page && !rows.is_empty() {
        let paths: Vec<String> = rows.iter().map(|r| r.value.clone()).collect();
        let found = app.events.page_engagement(scope, &paths).await?;
        for row in &mut rows {
            if let Some((depth, ms)) = found.get(&row.value) {
                row.scroll_depth = Some((depth * 10.0).round() / 10.0);
                row.time_on_page_seconds = Some((ms / 10.0).round() / 100.0);
            }
        }
    }
    Ok(rows)
}

/// A custom-property key seen in a range.
#[derive(SimpleObject)]
pub struct PropertyKey {
    pub key: String,
    /// Visitors with an event carrying it.
    pub visitors: i32,
    /// Events carrying it.
    pub events: i32,
}

/// The custom-property keys of the range's events (most visitors first).
pub async fn property_keys(
    app: &App,
    scope: &Scope,
    limit: Option<i32>,
) -> ApiResult<Vec<PropertyKey>> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_input("limit", "must be between 1 and 1000"));
    }
    time::validate(scope.from, scope.to)?;
    Ok(app
        .events
        .property_keys(scope, limit as u32, app.clock.now_ms())
        .await?
        .into_iter()
        .map(|(key, visitors, events)| PropertyKey {
            key,
            visitors: clamp(visitors),
            events: clamp(events),
        })
        .collect())
}

/// Values of `dimension` seen in the range that contain `text` (any case),
/// most visitors first: what a filter's value may be.
pub async fn suggestions(
    app: &App,
    scope: &Scope,
    dimension: Dimension,
    key: Option<&str>,
    text: &str,
    limit: Option<i32>,
) -> ApiResult<Vec<String>> {
    if text.chars().count() > 200 {
        return Err(ApiError::bad_input("text", "at most 200 characters"));
    }
    let mut scope = scope.clone();
    // The filter being written is not one of them.
    scope
        .filters
        .retain(|f| f.dimension != dimension || f.key.as_deref() != key);
    if !text.trim().is_empty() {
        scope.filters.push(Filter {
            dimension,
            op: Op::Contains,
            value: text.trim().to_owned(),
            key: key.map(str::to_owned),
        });
    }
    let rows = breakdown(
        app,
        &scope,
        dimension,
        key,
        Some(limit.unwrap_or(10).min(50)),
        false,
        false,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.value)
        .filter(|v| !v.is_empty())
        .collect())
}

pub async fn realtime_visitors(app: &App, site: Uuid) -> ApiResult<i32> {
    let since = app.clock.now_ms() - REALTIME_VISITORS_MS;
    Ok(clamp(app.events.visitors_since(site, since).await?))
}

/// "Current visitors": those seen in the last five minutes.
const REALTIME_VISITORS_MS: i64 = 5 * 60 * 1000;

/// The last 30 minutes of a site, refreshed by polling (every figure from
/// the raw events, seconds old).
#[derive(SimpleObject)]
pub struct Realtime {
    /// Visitors in the last 5 minutes (as `realtimeVisitors`).
    pub visitors: i32,
    /// One point per minute, oldest first, the last one the minute going
    /// on: 30 of them.
    pub per_minute: Vec<TimePoint>,
    /// Top pages, sources and countries over the 30 minutes (10 each).
    pub pages: Vec<BreakdownRow>,
    pub sources: Vec<BreakdownRow>,
    pub countries: Vec<BreakdownRow>,
}

pub async fn realtime(app: &App, site: Uuid) -> ApiResult<Realtime> {
    let now = app.clock.now_ms();
    let r = app.events.realtime(site, 30, 10, now).await?;
    let visitors = app
        .events
        .visitors_since(site, now - REALTIME_VISITORS_MS)
        .await?;
    Ok(Realtime {
        visitors: clamp(visitors),
        per_minute: r.per_minute.iter().map(TimePoint::of).collect(),
        pages: r.pages.into_iter().map(BreakdownRow::of).collect(),
        sources: r.sources.into_iter().map(BreakdownRow::of).collect(),
        countries: r.countries.into_iter().map(BreakdownRow::of).collect(),
    })
}

/// The question a `Site` report field asks, validated.
pub async fn scope(
    app: &App,
    viewer: Option<Uuid>,
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
        filters: self::filters(app, site.id, viewer, filters).await?,
    })
}
