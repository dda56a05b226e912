//! The one place with hand-written SQL: report aggregates over `events`
//! and `visits`, portable between PostgreSQL and SQLite (times are epoch
//! milliseconds, buckets come as a VALUES list, every SUM is cast).

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use super::range::Window;

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
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

impl Dimension {
    /// The events column, for the dimensions that live on events.
    fn event_column(self) -> Option<&'static str> {
        Some(match self {
            Dimension::Page => "e.pathname",
            Dimension::Source => "e.referrer_source",
            Dimension::Referrer => "e.referrer",
            Dimension::UtmSource => "e.utm_source",
            Dimension::UtmMedium => "e.utm_medium",
            Dimension::UtmCampaign => "e.utm_campaign",
            Dimension::Country => "e.country",
            Dimension::Region => "e.region",
            Dimension::City => "e.city",
            Dimension::Browser => "e.browser",
            Dimension::Os => "e.os",
            Dimension::Device => "e.device",
            Dimension::EventName => "e.name",
            Dimension::EntryPage | Dimension::ExitPage => return None,
        })
    }

    fn visit_column(self) -> Option<&'static str> {
        match self {
            Dimension::EntryPage => Some("v.entry_page"),
            Dimension::ExitPage => Some("v.exit_page"),
            _ => None,
        }
    }
}

#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(name = "FilterOp")]
pub enum Op {
    Is,
    IsNot,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    pub dimension: Dimension,
    pub op: Op,
    pub value: String,
}

/// A statement under construction, with placeholders for its backend.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn param(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    /// `AND e.site_id IN (…)`.
    fn sites(&mut self, alias: &str, sites: &[Uuid]) {
        let params: Vec<String> = sites.iter().map(|s| self.param(*s)).collect();
        self.text
            .push_str(&format!(" AND {alias}.site_id IN ({})", params.join(", ")));
    }

    fn condition(&mut self, column: &str, op: Op, value: &str) -> String {
        match op {
            Op::Is => format!("{column} = {}", self.param(value.to_owned())),
            Op::IsNot => format!(
                "({column} IS NULL OR {column} <> {})",
                self.param(value.to_owned())
            ),
            Op::Contains => {
                let escaped = value
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!(
                    "LOWER({column}) LIKE {} ESCAPE '\\'",
                    self.param(format!("%{escaped}%"))
                )
            }
        }
    }

    /// Filters on events `e` (entry and exit pages through their visit).
    fn event_filters(&mut self, filters: &[Filter]) {
        for f in filters {
            let cond = match (f.dimension.event_column(), f.dimension.visit_column()) {
                (Some(col), _) => self.condition(col, f.op, &f.value),
                (None, Some(col)) => {
                    let inner = self.condition(col, f.op, &f.value);
                    format!("e.session_id IN (SELECT v.session_id FROM visits v WHERE {inner})")
                }
                (None, None) => continue,
            };
            self.text.push_str(" AND ");
            self.text.push_str(&cond);
        }
    }

    /// Restricts visits `v` to those with a matching event in the window.
    fn visit_filters(&mut self, sites: &[Uuid], window: Window, filters: &[Filter]) {
        if filters.is_empty() {
            return;
        }
        self.push(" AND v.session_id IN (SELECT e.session_id FROM events e WHERE e.ts >= ");
        let (a, b) = (self.param(window.from_ms), self.param(window.to_ms));
        self.text.push_str(&format!("{a} AND e.ts < {b}"));
        self.sites("e", sites);
        self.event_filters(filters);
        self.push(")");
    }
}

const PAGEVIEWS: &str =
    "CAST(COALESCE(SUM(CASE WHEN e.name = 'pageview' THEN 1 ELSE 0 END), 0) AS BIGINT)";

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatsRow {
    pub visitors: i64,
    pub pageviews: i64,
    pub events: i64,
    pub visits: i64,
    pub bounces: i64,
    pub duration_ms: i64,
    pub visit_pageviews: i64,
}

fn get(row: &sea_orm::QueryResult, i: usize) -> Result<i64, DbErr> {
    row.try_get_by_index::<Option<i64>>(i)
        .map(|v| v.unwrap_or(0))
}

/// Aggregates for several sites at once (one query for events, one for
/// visits), so a list of sites costs two queries, not two per site.
pub async fn stats(
    db: &DatabaseConnection,
    sites: &[Uuid],
    window: Window,
    filters: &[Filter],
) -> Result<HashMap<Uuid, StatsRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut out: HashMap<Uuid, StatsRow> =
        sites.iter().map(|s| (*s, StatsRow::default())).collect();

    let mut sql = Sql::new(backend);
    sql.push(&format!("SELECT e.site_id, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS}, COUNT(*) FROM events e WHERE e.ts >= "));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text.push_str(&format!("{a} AND e.ts < {b}"));
    sql.sites("e", sites);
    sql.event_filters(filters);
    sql.push(" GROUP BY e.site_id");
    for row in db.query_all(sql.statement()).await? {
        let site: Uuid = row.try_get_by_index(0)?;
        let s = out.entry(site).or_default();
        s.visitors = get(&row, 1)?;
        s.pageviews = get(&row, 2)?;
        s.events = get(&row, 3)?;
    }

    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT v.site_id, COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN v.pageviews <= 1 AND v.events <= 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(v.ended_at - v.started_at), 0) AS BIGINT), \
         CAST(COALESCE(SUM(v.pageviews), 0) AS BIGINT) \
         FROM visits v WHERE v.started_at >= ",
    );
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text.push_str(&format!("{a} AND v.started_at < {b}"));
    sql.sites("v", sites);
    sql.visit_filters(sites, window, filters);
    sql.push(" GROUP BY v.site_id");
    for row in db.query_all(sql.statement()).await? {
        let site: Uuid = row.try_get_by_index(0)?;
        let s = out.entry(site).or_default();
        s.visits = get(&row, 1)?;
        s.bounces = get(&row, 2)?;
        s.duration_ms = get(&row, 3)?;
        s.visit_pageviews = get(&row, 4)?;
    }
    Ok(out)
}

/// Visitors and pageviews per bucket; empty buckets are zero.
pub async fn timeseries(
    db: &DatabaseConnection,
    site: Uuid,
    buckets: &[Window],
    filters: &[Filter],
) -> Result<Vec<(i64, i64)>, DbErr> {
    let mut out = vec![(0, 0); buckets.len()];
    if buckets.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("WITH b(i, s, t) AS (VALUES ");
    let rows: Vec<String> = buckets
        .iter()
        .enumerate()
        .map(|(i, w)| {
            format!(
                "({}, {}, {})",
                sql.param(i as i64),
                sql.param(w.from_ms),
                sql.param(w.to_ms)
            )
        })
        .collect();
    sql.push(&rows.join(", "));
    sql.push(&format!(") SELECT b.i, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS} FROM b JOIN events e ON e.ts >= b.s AND e.ts < b.t WHERE 1 = 1"));
    sql.sites("e", &[site]);
    sql.event_filters(filters);
    sql.push(" GROUP BY b.i");
    for row in db.query_all(sql.statement()).await? {
        let i = get(&row, 0)? as usize;
        if let Some(slot) = out.get_mut(i) {
            *slot = (get(&row, 1)?, get(&row, 2)?);
        }
    }
    Ok(out)
}

/// Top values of a dimension by visitors.
pub async fn breakdown(
    db: &DatabaseConnection,
    site: Uuid,
    window: Window,
    dimension: Dimension,
    filters: &[Filter],
    limit: u32,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    if let Some(col) = dimension.visit_column() {
        sql.push(&format!(
            "SELECT {col}, COUNT(DISTINCT v.visitor_hash), CAST(COALESCE(SUM(v.pageviews), 0) AS BIGINT) FROM visits v WHERE v.started_at >= "
        ));
        let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
        sql.text.push_str(&format!("{a} AND v.started_at < {b}"));
        sql.sites("v", &[site]);
        sql.visit_filters(&[site], window, filters);
        sql.push(&format!(" GROUP BY {col}"));
    } else {
        let col = dimension.event_column().unwrap_or("e.name");
        sql.push(&format!("SELECT {col}, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS} FROM events e WHERE e.ts >= "));
        let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
        sql.text
            .push_str(&format!("{a} AND e.ts < {b} AND {col} IS NOT NULL"));
        if dimension == Dimension::Page {
            sql.push(" AND e.name = 'pageview'");
        }
        sql.sites("e", &[site]);
        sql.event_filters(filters);
        sql.push(&format!(" GROUP BY {col}"));
    }
    let limit = sql.param(i64::from(limit));
    sql.push(&format!(" ORDER BY 2 DESC, 3 DESC, 1 ASC LIMIT {limit}"));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        let value: Option<String> = row.try_get_by_index(0)?;
        out.push((value.unwrap_or_default(), get(&row, 1)?, get(&row, 2)?));
    }
    Ok(out)
}

/// Distinct visitors since `since_ms`.
pub async fn visitors_since(
    db: &DatabaseConnection,
    site: Uuid,
    since_ms: i64,
) -> Result<i64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COUNT(DISTINCT e.visitor_hash) FROM events e WHERE e.ts >= ");
    let p = sql.param(since_ms);
    sql.push(&p);
    sql.sites("e", &[site]);
    let row = db.query_one(sql.statement()).await?;
    row.map(|r| get(&r, 0))
        .transpose()
        .map(Option::unwrap_or_default)
}
