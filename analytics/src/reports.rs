//! Reports: aggregates over `events` and `visits`, raw or from the
//! rollups (`crate::rollup`), and the recordings list and heatmap clicks,
//! portable between PostgreSQL and SQLite (buckets come as a VALUES list).

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter};
use trackr_entity::rollup_state;
use uuid::Uuid;

use crate::{
    dimension::{Combo, Dimension, Filter, Op},
    rollup,
    sql::Sql,
    time::{self, Window},
};

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

impl StatsRow {
    /// Adds the visit aggregates of `other` (visits, bounces, duration and
    /// their page views).
    pub fn add_visits(&mut self, other: &StatsRow) {
        self.visits += other.visits;
        self.bounces += other.bounces;
        self.duration_ms += other.duration_ms;
        self.visit_pageviews += other.visit_pageviews;
    }

    /// The visit aggregates read at `first` onwards (`VISIT_AGGREGATES`).
    fn read_visits(&mut self, row: &sea_orm::QueryResult, first: usize) -> Result<(), DbErr> {
        self.visits = get(row, first)?;
        self.bounces = get(row, first + 1)?;
        self.duration_ms = get(row, first + 2)?;
        self.visit_pageviews = get(row, first + 3)?;
        Ok(())
    }
}

pub(crate) fn get(row: &sea_orm::QueryResult, i: usize) -> Result<i64, DbErr> {
    row.try_get_by_index::<Option<i64>>(i)
        .map(|v| v.unwrap_or(0))
}

/// Aggregates for several sites at once (one query for events, one for
/// visits), so a list of sites costs two queries, not two per site.
pub async fn stats<C: ConnectionTrait>(
    db: &C,
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
    sql.event_filters(filters, sites, window);
    sql.push(" GROUP BY e.site_id");
    for row in db.query_all(sql.statement()).await? {
        let site: Uuid = row.try_get_by_index(0)?;
        let s = out.entry(site).or_default();
        s.visitors = get(&row, 1)?;
        s.pageviews = get(&row, 2)?;
        s.events = get(&row, 3)?;
    }

    for (site, v) in visit_totals(db, sites, window, filters).await? {
        out.entry(site).or_default().add_visits(&v);
    }
    Ok(out)
}

/// The visit aggregates (visits, bounces, duration, pageviews) of the
/// visits started in `window`, per site.
async fn visit_totals<C: ConnectionTrait>(
    db: &C,
    sites: &[Uuid],
    window: Window,
    filters: &[Filter],
) -> Result<HashMap<Uuid, StatsRow>, DbErr> {
    let mut out: HashMap<Uuid, StatsRow> = HashMap::new();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT v.site_id, {} FROM visits v WHERE v.started_at >= ",
        rollup::VISIT_AGGREGATES
    ));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text.push_str(&format!("{a} AND v.started_at < {b}"));
    sql.sites("v", sites);
    sql.visit_filters(sites, window, filters);
    sql.push(" GROUP BY v.site_id");
    for row in db.query_all(sql.statement()).await? {
        let site: Uuid = row.try_get_by_index(0)?;
        out.entry(site).or_default().read_visits(&row, 1)?;
    }
    Ok(out)
}

/// The buckets as a `VALUES` list `b(i, s, t)` opening a `WITH`.
fn buckets_cte(sql: &mut Sql, buckets: &[Window]) {
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
    sql.push(")");
}

/// Every figure per bucket (visits: those started in it); empty buckets
/// are zero.
pub async fn timeseries<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    buckets: &[Window],
    filters: &[Filter],
) -> Result<Vec<StatsRow>, DbErr> {
    let mut out = vec![StatsRow::default(); buckets.len()];
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Ok(out);
    };
    let mut sql = Sql::new(db.get_database_backend());
    buckets_cte(&mut sql, buckets);
    sql.push(&format!(" SELECT b.i, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS}, COUNT(*) FROM b JOIN events e ON e.ts >= b.s AND e.ts < b.t WHERE 1 = 1"));
    sql.sites("e", &[site]);
    sql.event_filters(
        filters,
        &[site],
        Window {
            from_ms: first.from_ms,
            to_ms: last.to_ms,
        },
    );
    sql.push(" GROUP BY b.i");
    for row in db.query_all(sql.statement()).await? {
        if let Some(slot) = out.get_mut(get(&row, 0)? as usize) {
            slot.visitors = get(&row, 1)?;
            slot.pageviews = get(&row, 2)?;
            slot.events = get(&row, 3)?;
        }
    }
    let mut sql = Sql::new(db.get_database_backend());
    buckets_cte(&mut sql, buckets);
    sql.push(&format!(
        " SELECT b.i, {} FROM b JOIN visits v ON v.started_at >= b.s AND v.started_at < b.t WHERE 1 = 1",
        rollup::VISIT_AGGREGATES
    ));
    sql.sites("v", &[site]);
    let whole = Window {
        from_ms: first.from_ms,
        to_ms: last.to_ms,
    };
    sql.visit_filters(&[site], whole, filters);
    sql.push(" GROUP BY b.i");
    for row in db.query_all(sql.statement()).await? {
        if let Some(slot) = out.get_mut(get(&row, 0)? as usize) {
            slot.read_visits(&row, 1)?;
        }
    }
    Ok(out)
}

/// Top values of a dimension by visitors, with every figure: visitors,
/// page views and events of the events with the value; with `visits`, the
/// visits (started in the window) with an event of the value that passes
/// the filters (a second query; entry and exit pages have them anyway).
pub async fn breakdown<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    dimension: Dimension,
    filters: &[Filter],
    limit: u32,
    visits: bool,
) -> Result<Vec<(String, StatsRow)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let visit_column = dimension.visit_column().map(|c| format!("v.{c}"));
    if let Some(col) = &visit_column {
        sql.push(&format!(
            "SELECT {col}, COUNT(DISTINCT v.visitor_hash), CAST(COALESCE(SUM(v.pageviews), 0) AS BIGINT), \
             CAST(COALESCE(SUM(v.events), 0) AS BIGINT), {} FROM visits v WHERE v.started_at >= ",
            rollup::VISIT_AGGREGATES
        ));
        let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
        sql.text.push_str(&format!("{a} AND v.started_at < {b}"));
        sql.sites("v", &[site]);
        sql.visit_filters(&[site], window, filters);
        sql.push(&format!(" GROUP BY {col}"));
    } else {
        let col = dimension.event_expr("e").unwrap_or_else(|| "e.name".into());
        sql.push(&format!("SELECT {col}, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS}, COUNT(*) FROM events e WHERE e.ts >= "));
        let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
        sql.text.push_str(&format!("{a} AND e.ts < {b}"));
        sql.push(&dimension.event_condition("e"));
        sql.sites("e", &[site]);
        sql.event_filters(filters, &[site], window);
        sql.push(&format!(" GROUP BY {col}"));
    }
    let limit = sql.param(i64::from(limit));
    sql.push(&format!(" ORDER BY 2 DESC, 3 DESC, 1 ASC LIMIT {limit}"));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        let value: Option<String> = row.try_get_by_index(0)?;
        let mut figures = StatsRow {
            visitors: get(&row, 1)?,
            pageviews: get(&row, 2)?,
            events: get(&row, 3)?,
            ..StatsRow::default()
        };
        if visit_column.is_some() {
            figures.read_visits(&row, 4)?;
        }
        out.push((value.unwrap_or_default(), figures));
    }
    if visits && visit_column.is_none() {
        add_visit_breakdown(db, site, window, dimension, filters, &mut out).await?;
    }
    Ok(out)
}

/// Adds to each row of a breakdown by an event dimension the visits
/// started in `window` with an event of its value passing `filters` (as
/// the rollups count them: any event, not only page views, and the value
/// and the filters on one event).
async fn add_visit_breakdown<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    dimension: Dimension,
    filters: &[Filter],
    rows: &mut [(String, StatsRow)],
) -> Result<(), DbErr> {
    let Some(expr) = dimension.event_expr("e") else {
        return Ok(());
    };
    let mut found: HashMap<String, StatsRow> = HashMap::new();
    let values: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    for chunk in values.chunks(500) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!(
            "SELECT v.val, {} FROM (SELECT DISTINCT {expr} AS val, x.session_id, x.pageviews, x.events, \
             x.started_at, x.ended_at FROM visits x JOIN events e ON e.session_id = x.session_id \
             WHERE x.site_id = ",
            rollup::VISIT_AGGREGATES
        ));
        let (p, a, b) = (
            sql.param(site),
            sql.param(window.from_ms),
            sql.param(window.to_ms),
        );
        sql.push(&format!(
            "{p} AND x.started_at >= {a} AND x.started_at < {b} AND e.ts >= "
        ));
        let a = sql.param(window.from_ms);
        sql.push(&a);
        sql.sites("e", &[site]);
        let params: Vec<String> = chunk.iter().map(|v| sql.param(v.clone())).collect();
        sql.push(&format!(" AND {expr} IN ({})", params.join(", ")));
        sql.event_filters(filters, &[site], window);
        sql.push(") v GROUP BY v.val");
        for row in db.query_all(sql.statement()).await? {
            let value: String = row.try_get_by_index(0)?;
            found.entry(value).or_default().read_visits(&row, 1)?;
        }
    }
    for (value, figures) in rows.iter_mut() {
        if let Some(v) = found.get(value) {
            figures.add_visits(v);
        }
    }
    Ok(())
}

/// How a report over whole local days reads the rollups: the days
/// `[first, rolled_end)` from them (the last one possibly only up to a
/// recent instant), the raw events after them (`tail`) from `events`, and
/// the visits of the days not closed (`visits_tail`) from `visits`.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub site: Uuid,
    pub tz: Tz,
    pub first: i32,
    pub rolled_end: i32,
    pub tail: Option<Window>,
    pub visits_tail: Option<Window>,
}

/// How far before the tail its visitors are looked for: a visitor id lives
/// for its UTC day and the visit still open at its end, so two days.
const LOOKBACK_MS: i64 = 2 * 86_400_000;

/// The rollup plan for `[from, to]` in the site's zone, if the rollups can
/// answer it exactly: no filters, rollups in this zone, some rolled-up day
/// in the range, and no event older than the rollups in it.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    tz: Tz,
    days: (NaiveDate, NaiveDate),
    filters: &[Filter],
    now_ms: i64,
) -> Result<Option<Plan>, DbErr> {
    Ok(plans(db, &[(site, tz)], days, filters, now_ms)
        .await?
        .remove(&site))
}

/// `plan` for several sites, their states read at once.
pub async fn plans<C: ConnectionTrait>(
    db: &C,
    sites: &[(Uuid, Tz)],
    days: (NaiveDate, NaiveDate),
    filters: &[Filter],
    now_ms: i64,
) -> Result<HashMap<Uuid, Plan>, DbErr> {
    let mut out = HashMap::new();
    if sites.is_empty() || Key::of(filters).is_none() {
        return Ok(out);
    }
    let states: HashMap<Uuid, rollup_state::Model> = rollup_state::Entity::find()
        .filter(rollup_state::Column::SiteId.is_in(sites.iter().map(|(s, _)| *s)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.site_id, s))
        .collect();
    for (site, tz) in sites {
        if let Some(state) = states.get(site) {
            if let Some(plan) = plan_from(db, state, *tz, days, now_ms).await? {
                out.insert(*site, plan);
            }
        }
    }
    marked(db, &mut out).await?;
    Ok(out)
}

/// Keeps the plans whose every rolled-up day bears this version's marker
/// (`rollup::MARK`): a day an older version rolled up is read raw until
/// the worker rolls it up again.
async fn marked<C: ConnectionTrait>(db: &C, plans: &mut HashMap<Uuid, Plan>) -> Result<(), DbErr> {
    let (Some(lo), Some(hi)) = (
        plans.values().map(|p| p.first).min(),
        plans.values().map(|p| p.rolled_end).max(),
    ) else {
        return Ok(());
    };
    let mut sql = Sql::new(db.get_database_backend());
    let (mark, a, b) = (sql.param(rollup::MARK), sql.param(lo), sql.param(hi));
    sql.push(&format!(
        "SELECT r.site_id, r.day FROM rollups r WHERE r.dim = {mark} AND r.day >= {a} AND r.day < {b}"
    ));
    let sites: Vec<Uuid> = plans.keys().copied().collect();
    sql.sites("r", &sites);
    let mut days: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for r in db.query_all(sql.statement()).await? {
        let site: Uuid = r.try_get_by_index(0)?;
        days.entry(site).or_default().push(r.try_get_by_index(1)?);
    }
    plans.retain(|site, plan| {
        let mut marked: Vec<i32> = days
            .remove(site)
            .unwrap_or_default()
            .into_iter()
            .filter(|d| (plan.first..plan.rolled_end).contains(d))
            .collect();
        marked.sort_unstable();
        rollup::first_unmarked(&marked, plan.first, plan.rolled_end).is_none()
    });
    Ok(())
}

/// Filters the rollups answer: each one `IS` a value of a rolled-up
/// dimension, no dimension twice, together a combination with rows
/// (`Combo::is_rolled`). What they select is the events with all those
/// values.
#[derive(Debug, Clone)]
struct Key {
    values: Vec<(Dimension, String)>,
}

impl Key {
    fn of(filters: &[Filter]) -> Option<Key> {
        let mut values: Vec<(Dimension, String)> = Vec::new();
        for f in filters {
            if f.op != Op::Is || f.dimension.rollup_code().is_none() {
                return None;
            }
            match values.iter().find(|(d, _)| *d == f.dimension) {
                Some((_, v)) if *v == f.value => {}
                Some(_) => return None,
                None => values.push((f.dimension, f.value.clone())),
            }
        }
        let key = Key { values };
        (key.values.is_empty() || key.combo(None)?.is_rolled()).then_some(key)
    }

    /// The combination of the filters' dimensions and `with`.
    fn combo(&self, with: Option<Dimension>) -> Option<Combo> {
        Combo::of(self.values.iter().map(|(d, _)| *d).chain(with))
    }

    /// `AND r.dim = … AND r.value… = …` for the rows of `combo` with the
    /// filters' values.
    fn select(&self, sql: &mut Sql, combo: &Combo) {
        let dim = sql.param(combo.code());
        sql.push(&format!(" AND r.dim = {dim}"));
        for (d, v) in &self.values {
            if let Some(column) = combo.value_column(*d) {
                let v = sql.param(v.clone());
                sql.push(&format!(" AND r.{column} = {v}"));
            }
        }
    }
}

async fn plan_from<C: ConnectionTrait>(
    db: &C,
    state: &rollup_state::Model,
    tz: Tz,
    (from, to): (NaiveDate, NaiveDate),
    now_ms: i64,
) -> Result<Option<Plan>, DbErr> {
    let site = state.site_id;
    let (a, b) = (time::day_number(from), time::day_number(to));
    let today = time::midnight_ms(tz, state.until_day);
    let partial = state.partial_until > today;
    let rolled_end = state.until_day + i32::from(partial);
    // Rollups in another zone (or being rebuilt: no zone) do not answer,
    // nor do rollups lagging days behind: the raw tail would be the scan
    // they are there to save.
    let open = state.until_day <= b;
    if state.timezone.parse::<Tz>().ok() != Some(tz)
        || rolled_end <= a
        || (open && time::local_day(tz, now_ms) - state.until_day > 1)
    {
        return Ok(None);
    }
    if a < state.from_day {
        // Only if nothing older than the rollups is in the range.
        for (table, column) in [("events", "ts"), ("visits", "started_at")] {
            let mut sql = Sql::new(db.get_database_backend());
            sql.push(&format!(
                "SELECT x.{column} FROM {table} x WHERE x.{column} >= "
            ));
            let (lo, hi) = (
                sql.param(time::midnight_ms(tz, a)),
                sql.param(time::midnight_ms(tz, state.from_day)),
            );
            sql.push(&format!("{lo} AND x.{column} < {hi}"));
            sql.sites("x", &[site]);
            sql.push(" LIMIT 1");
            if db.query_one(sql.statement()).await?.is_some() {
                return Ok(None);
            }
        }
    }
    let end = time::midnight_ms(tz, b + 1);
    Ok(Some(Plan {
        site,
        tz,
        // Visitors last seen before the rollups start (their events
        // purged) are new to the range, as in the raw events.
        first: a.max(state.from_day),
        rolled_end: rolled_end.min(b + 1),
        tail: open.then_some(Window {
            from_ms: if partial { state.partial_until } else { today },
            to_ms: end,
        }),
        visits_tail: open.then_some(Window {
            from_ms: today,
            to_ms: end,
        }),
    }))
}

/// A visitor row of day `day` counts for a range starting on `first` when
/// the visitor was not seen in the range before `day`.
fn first_seen(gap: i32, day: i32, first: i32) -> bool {
    gap == 0 || gap > day - first
}

struct RolledRow {
    day: i32,
    /// A row of visit aggregates (else of visitors).
    visit: bool,
    gap: i32,
    totals: StatsRow,
}

/// The rolled-up rows of each plan's site, site-wide or of the filters'
/// values, in one query.
async fn rolled_totals<C: ConnectionTrait>(
    db: &C,
    plans: &[Plan],
    filters: &[Filter],
) -> Result<HashMap<Uuid, Vec<RolledRow>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<RolledRow>> = HashMap::new();
    let (Some(lo), Some(hi), Some(key)) = (
        plans.iter().map(|p| p.first).min(),
        plans.iter().map(|p| p.rolled_end).max(),
        Key::of(filters),
    ) else {
        return Ok(out);
    };
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT r.site_id, r.day, r.dim, r.gap, r.visitors, r.pageviews, r.events, r.visits, \
         r.bounces, r.duration_ms, r.visit_pageviews FROM rollups r WHERE ",
    );
    let (a, b) = (sql.param(lo), sql.param(hi));
    sql.push(&format!("r.day >= {a} AND r.day < {b}"));
    match key.combo(None) {
        Some(combo) if !key.values.is_empty() => key.select(&mut sql, &combo),
        _ => {
            let (total, visits) = (sql.param(rollup::TOTAL), sql.param(rollup::VISITS));
            sql.push(&format!(" AND r.dim IN ({total}, {visits})"));
        }
    }
    let sites: Vec<Uuid> = plans.iter().map(|p| p.site).collect();
    sql.sites("r", &sites);
    let bounds: HashMap<Uuid, (i32, i32)> = plans
        .iter()
        .map(|p| (p.site, (p.first, p.rolled_end)))
        .collect();
    for r in db.query_all(sql.statement()).await? {
        let site: Uuid = r.try_get_by_index(0)?;
        let day: i32 = r.try_get_by_index(1)?;
        if !bounds
            .get(&site)
            .is_some_and(|(a, b)| (*a..*b).contains(&day))
        {
            continue;
        }
        let (dim, gap): (i32, i32) = (r.try_get_by_index(2)?, r.try_get_by_index(3)?);
        out.entry(site).or_default().push(RolledRow {
            day,
            visit: dim == rollup::VISITS || gap < 0,
            gap,
            totals: StatsRow {
                visitors: get(&r, 4)?,
                pageviews: get(&r, 5)?,
                events: get(&r, 6)?,
                visits: get(&r, 7)?,
                bounces: get(&r, 8)?,
                duration_ms: get(&r, 9)?,
                visit_pageviews: get(&r, 10)?,
            },
        });
    }
    Ok(out)
}

/// What the tail's events are counted by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum By<'a> {
    /// All together (value "").
    All,
    /// Per value of a dimension (the events that have one).
    Dimension(Dimension),
    /// Per value of a custom property (the events that carry it).
    Property(&'a str),
    /// The events that carry a custom property, together.
    HasProperty(&'a str),
    /// The events that convert to a goal, together.
    Goal(&'a crate::goal::GoalMatch),
}

impl By<'_> {
    /// `, <value> AS v` on events `e`, its parameters bound now (SQLite's
    /// are positional: call it where the text goes).
    fn value(&self, sql: &mut Sql) -> String {
        match self {
            By::Dimension(d) => d
                .event_expr("e")
                .map(|c| format!(", {c} AS v"))
                .unwrap_or_default(),
            By::Property(key) => format!(", {} AS v", sql.property("e", key)),
            By::All | By::HasProperty(_) | By::Goal(_) => String::new(),
        }
    }

    /// ` AND <condition>` on events `e`, as `value`.
    fn condition(&self, sql: &mut Sql) -> String {
        match self {
            By::All => String::new(),
            By::Dimension(d) => d.event_condition("e"),
            By::Property(key) | By::HasProperty(key) => {
                format!(" AND {} IS NOT NULL", sql.property("e", key))
            }
            By::Goal(g) => format!(" AND {}", g.condition(sql, "e")),
        }
    }

    fn grouped(&self) -> bool {
        matches!(self, By::Property(_))
            || matches!(self, By::Dimension(d) if d.event_expr("e").is_some())
    }
}

/// Raw events of `tail` that pass `filters`, per value of `by` (or all
/// together, value ""): the visitors not seen (with that value, passing
/// the filters) in `[lookback, tail start)`, then pageviews and events.
pub(crate) async fn tail_rows<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    tail: Window,
    lookback: i64,
    by: By<'_>,
    filters: &[Filter],
) -> Result<Vec<(String, i64, i64, i64)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let grouped = by.grouped();
    let (group, join, outer) = if grouped {
        (", 2", " AND q.v = t.v", "t.v, ")
    } else {
        ("", "", "'', ")
    };
    sql.push(&format!(
        "SELECT {outer}CAST(SUM(CASE WHEN q.h IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(t.pv) AS BIGINT), CAST(SUM(t.ev) AS BIGINT) FROM (SELECT e.visitor_hash AS h"
    ));
    let value = by.value(&mut sql);
    sql.push(&format!(
        "{value}, SUM(CASE WHEN e.name = 'pageview' THEN 1 ELSE 0 END) AS pv, COUNT(*) AS ev \
         FROM events e WHERE e.site_id = "
    ));
    let (p, a, b) = (
        sql.param(site),
        sql.param(tail.from_ms),
        sql.param(tail.to_ms),
    );
    let cond = by.condition(&mut sql);
    sql.push(&format!("{p} AND e.ts >= {a} AND e.ts < {b}{cond}"));
    sql.event_filters(filters, &[site], tail);
    sql.push(&format!(
        " GROUP BY 1{group}) t LEFT JOIN (SELECT DISTINCT e.visitor_hash AS h"
    ));
    let value = by.value(&mut sql);
    sql.push(&format!("{value} FROM events e WHERE e.session_id IN ("));
    // Seen before: the events of the tail's visitors' visits in the
    // look-back (through the visits' and sessions' indexes, not a scan of
    // every event in it). Every event lies within its visit's span.
    let (p, lo, hi) = (
        sql.param(site),
        sql.param(lookback),
        sql.param(tail.from_ms),
    );
    sql.push(&format!(
        "SELECT vv.session_id FROM visits vv WHERE vv.site_id = {p} AND vv.ended_at >= {lo} \
         AND vv.started_at < {hi} AND vv.visitor_hash IN (SELECT e2.visitor_hash FROM events e2 WHERE e2.site_id = "
    ));
    let (p, a, b) = (
        sql.param(site),
        sql.param(tail.from_ms),
        sql.param(tail.to_ms),
    );
    sql.push(&format!(
        "{p} AND e2.ts >= {a} AND e2.ts < {b})) AND e.site_id = "
    ));
    let (p, a, b) = (
        sql.param(site),
        sql.param(lookback),
        sql.param(tail.from_ms),
    );
    sql.push(&format!("{p} AND e.ts >= {a} AND e.ts < {b}"));
    let cond = by.condition(&mut sql);
    sql.push(&cond);
    sql.event_filters(filters, &[site], tail);
    sql.push(&format!(") q ON q.h = t.h{join}"));
    if grouped {
        sql.push(" GROUP BY t.v");
    }
    let mut out = Vec::new();
    for r in db.query_all(sql.statement()).await? {
        let value: Option<String> = r.try_get_by_index(0)?;
        out.push((
            value.unwrap_or_default(),
            get(&r, 1)?,
            get(&r, 2)?,
            get(&r, 3)?,
        ));
    }
    Ok(out)
}

/// `stats` from the rollups and the tail, for several sites: one query for
/// their rollups, one per tail.
pub async fn stats_rolled<C: ConnectionTrait>(
    db: &C,
    plans: &[Plan],
    filters: &[Filter],
) -> Result<HashMap<Uuid, StatsRow>, DbErr> {
    let mut rows = rolled_totals(db, plans, filters).await?;
    let mut out = HashMap::new();
    let mut visit_tails: HashMap<Window, Vec<Uuid>> = HashMap::new();
    for plan in plans {
        let mut s = StatsRow::default();
        for r in rows.remove(&plan.site).unwrap_or_default() {
            if r.visit {
                s.add_visits(&r.totals);
                continue;
            }
            if first_seen(r.gap, r.day, plan.first) {
                s.visitors += r.totals.visitors;
            }
            s.pageviews += r.totals.pageviews;
            s.events += r.totals.events;
        }
        if let Some(tail) = plan.tail {
            let lookback = time::midnight_ms(plan.tz, plan.first).max(tail.from_ms - LOOKBACK_MS);
            for (_, new, pageviews, events) in
                tail_rows(db, plan.site, tail, lookback, By::All, filters).await?
            {
                s.visitors += new;
                s.pageviews += pageviews;
                s.events += events;
            }
        }
        if let Some(tail) = plan.visits_tail {
            visit_tails.entry(tail).or_default().push(plan.site);
        }
        out.insert(plan.site, s);
    }
    // Today's visits, read raw (they are still changing), per window.
    for (tail, sites) in visit_tails {
        for (site, v) in visit_totals(db, &sites, tail, filters).await? {
            out.entry(site).or_default().add_visits(&v);
        }
    }
    Ok(out)
}

/// `timeseries` over buckets of whole days from the rollups and the tail.
pub async fn timeseries_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    buckets: &[Window],
    filters: &[Filter],
) -> Result<Vec<StatsRow>, DbErr> {
    let rows = rolled_totals(db, std::slice::from_ref(plan), filters)
        .await?
        .remove(&plan.site)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(buckets.len());
    for w in buckets {
        let (start, end) = (
            time::local_day(plan.tz, w.from_ms).max(plan.first),
            time::local_day(plan.tz, w.to_ms),
        );
        let mut s = StatsRow::default();
        for r in rows.iter().filter(|r| (start..end).contains(&r.day)) {
            if r.visit {
                s.add_visits(&r.totals);
                continue;
            }
            if first_seen(r.gap, r.day, start) {
                s.visitors += r.totals.visitors;
            }
            s.pageviews += r.totals.pageviews;
            s.events += r.totals.events;
        }
        let part = |tail: Window| Window {
            from_ms: w.from_ms.max(tail.from_ms),
            to_ms: w.to_ms.min(tail.to_ms),
        };
        if let Some(tail) = plan.tail.filter(|t| w.to_ms > t.from_ms) {
            let lookback = w.from_ms.max(tail.from_ms - LOOKBACK_MS);
            for (_, new, pageviews, events) in
                tail_rows(db, plan.site, part(tail), lookback, By::All, filters).await?
            {
                s.visitors += new;
                s.pageviews += pageviews;
                s.events += events;
            }
        }
        if let Some(tail) = plan.visits_tail.filter(|t| w.to_ms > t.from_ms) {
            for (_, v) in visit_totals(db, &[plan.site], part(tail), filters).await? {
                s.add_visits(&v);
            }
        }
        out.push(s);
    }
    Ok(out)
}

/// `breakdown` from the rollups and the tail; `None` for a dimension that
/// is not rolled up (entry and exit pages). Without `visits`, the visit
/// figures are left incomplete (the days not closed are not read).
pub async fn breakdown_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    dimension: Dimension,
    filters: &[Filter],
    limit: u32,
    visits: bool,
) -> Result<Option<Vec<(String, StatsRow)>>, DbErr> {
    let Some(key) = Key::of(filters) else {
        return Ok(None);
    };
    let Some(combo) = key.combo(Some(dimension)).filter(Combo::is_rolled) else {
        return Ok(None);
    };
    let Some(column) = combo.value_column(dimension) else {
        return Ok(None);
    };
    let tail = match plan.tail {
        Some(t) => {
            let lookback = time::midnight_ms(plan.tz, plan.first).max(t.from_ms - LOOKBACK_MS);
            tail_rows(
                db,
                plan.site,
                t,
                lookback,
                By::Dimension(dimension),
                filters,
            )
            .await?
        }
        None => Vec::new(),
    };
    // Pages count their viewers, and only pages with views are listed;
    // other values, those seen in the range (a visit row, `gap = -1`,
    // counts no visitors, views or events: its value may have been seen
    // only after the range). Values asked for by name are read whole.
    // A page's events are its page views (its rows count every event on
    // it, for the page filter's sake).
    let (visitors, events, having) = if dimension.page_views_only() {
        (
            "r.pv_visitors",
            "r.pageviews",
            " HAVING SUM(r.pageviews) > 0",
        )
    } else {
        (
            "r.visitors",
            "r.events",
            " HAVING SUM(CASE WHEN r.gap >= 0 THEN 1 ELSE 0 END) > 0",
        )
    };
    let rolled = |values: Option<&[String]>, limit: Option<i64>| {
        let mut sql = Sql::new(db.get_database_backend());
        let first = sql.param(plan.first);
        sql.push(&format!(
            "SELECT r.{column}, CAST(SUM(CASE WHEN r.gap = 0 OR r.gap > r.day - {first} THEN {visitors} ELSE 0 END) AS BIGINT), \
             CAST(SUM(r.pageviews) AS BIGINT), CAST(SUM({events}) AS BIGINT), CAST(SUM(r.visits) AS BIGINT), \
             CAST(SUM(r.bounces) AS BIGINT), CAST(SUM(r.duration_ms) AS BIGINT), CAST(SUM(r.visit_pageviews) AS BIGINT) \
             FROM rollups r WHERE r.site_id = "
        ));
        let (site, a, b) = (
            sql.param(plan.site),
            sql.param(plan.first),
            sql.param(plan.rolled_end),
        );
        sql.push(&format!("{site} AND r.day >= {a} AND r.day < {b}"));
        key.select(&mut sql, &combo);
        if let Some(values) = values {
            let params: Vec<String> = values.iter().map(|v| sql.param(v.clone())).collect();
            sql.push(&format!(" AND r.{column} IN ({})", params.join(", ")));
        }
        let having = if values.is_none() { having } else { "" };
        sql.push(&format!(
            " GROUP BY r.{column}{having} ORDER BY 2 DESC, 3 DESC, 1 ASC"
        ));
        if let Some(limit) = limit {
            let l = sql.param(limit);
            sql.push(&format!(" LIMIT {l}"));
        }
        async move {
            let mut out = Vec::new();
            for row in db.query_all(sql.statement()).await? {
                let mut figures = StatsRow {
                    visitors: get(&row, 1)?,
                    pageviews: get(&row, 2)?,
                    events: get(&row, 3)?,
                    ..StatsRow::default()
                };
                figures.read_visits(&row, 4)?;
                out.push((row.try_get_by_index::<String>(0)?, figures));
            }
            Ok::<_, DbErr>(out)
        }
    };
    // The top values are among the rolled-up top `limit + k` and the k
    // values of the tail.
    let top = rolled(None, Some(i64::from(limit) + tail.len() as i64)).await?;
    let mut out = if tail.is_empty() {
        top
    } else {
        let mut merged: HashMap<String, StatsRow> = top.into_iter().collect();
        let missing: Vec<String> = tail
            .iter()
            .map(|t| t.0.clone())
            .filter(|v| !merged.contains_key(v))
            .collect();
        for chunk in missing.chunks(500) {
            merged.extend(rolled(Some(chunk), None).await?);
        }
        for (v, new, pageviews, events) in tail {
            let e = merged.entry(v).or_default();
            e.visitors += new;
            e.pageviews += pageviews;
            e.events += events;
        }
        let mut out: Vec<(String, StatsRow)> = merged.into_iter().collect();
        out.sort_by(|x, y| {
            (y.1.visitors, y.1.pageviews, &x.0).cmp(&(x.1.visitors, x.1.pageviews, &y.0))
        });
        out.truncate(limit as usize);
        out
    };
    // The visits of the days not closed, read raw (what costs most today).
    if let (Some(tail), true) = (plan.visits_tail, visits) {
        add_visit_breakdown(db, plan.site, tail, dimension, filters, &mut out).await?;
    }
    Ok(Some(out))
}

/// Distinct visitors since `since_ms`.
pub async fn visitors_since<C: ConnectionTrait>(
    db: &C,
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

/// One recorded session, aggregated over its chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingRow {
    pub site_id: Uuid,
    pub session_id: String,
    pub started_at: i64,
    pub ended_at: i64,
    pub chunks: i64,
    pub events: i64,
    pub bytes: i64,
    /// Pages seen, in order (filled by the caller: they are JSON per chunk).
    pub pages: Vec<String>,
    pub country: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub device: Option<String>,
}

/// What recordings can be filtered by: their chunks' columns, and the
/// pages they visited.
fn recording_column(d: Dimension) -> Option<&'static str> {
    Some(match d {
        Dimension::Country => "r.country",
        Dimension::Browser => "r.browser",
        Dimension::Os => "r.os",
        Dimension::Device => "r.device",
        Dimension::Page | Dimension::EntryPage | Dimension::ExitPage => "r.pages",
        _ => return None,
    })
}

pub fn recording_filter_supported(d: Dimension) -> bool {
    recording_column(d).is_some()
}

/// Recorded sessions of `site` that started in `window` and lasted
/// `durations` (ms, both ends included), newest first, after the cursor
/// `(started_at, session_id)`; at most `limit`.
pub async fn recordings<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    durations: (i64, i64),
    after: Option<(i64, String)>,
    limit: u64,
) -> Result<Vec<RecordingRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT r.session_id, MIN(r.started_at), MAX(r.ended_at), COUNT(*), \
         CAST(SUM(r.events) AS BIGINT), CAST(SUM(r.bytes) AS BIGINT), \
         MAX(r.country), MAX(r.browser), MAX(r.os), MAX(r.device) \
         FROM recordings r WHERE 1 = 1",
    );
    sql.sites("r", &[site]);
    for f in filters {
        let Some(column) = recording_column(f.dimension) else {
            continue;
        };
        if column == "r.pages" {
            // Any chunk of the session visited (or none visited) the page;
            // pages are stored as a JSON array of paths.
            let pattern = match f.op {
                Op::Contains => format!("%{}%", like_escape(&f.value.to_lowercase())),
                _ => format!(
                    "%{}%",
                    like_escape(&serde_json::Value::String(f.value.clone()).to_string())
                ),
            };
            let p = sql.param(site);
            let q = sql.param(pattern);
            let not = if f.op == Op::IsNot { "NOT " } else { "" };
            let lower = if f.op == Op::Contains {
                "LOWER(p.pages)"
            } else {
                "p.pages"
            };
            sql.push(&format!(
                " AND r.session_id {not}IN (SELECT p.session_id FROM recordings p WHERE p.site_id = {p} AND {lower} LIKE {q} ESCAPE '\\')"
            ));
        } else {
            // A property of the session, whichever chunk says it: IS NOT
            // means no chunk has the value (not "some chunk lacks it").
            let inner_op = if f.op == Op::IsNot { Op::Is } else { f.op };
            let p = sql.param(site);
            let cond = sql.condition(&column.replacen("r.", "p.", 1), inner_op, &f.value);
            let not = if f.op == Op::IsNot { "NOT " } else { "" };
            sql.push(&format!(
                " AND r.session_id {not}IN (SELECT p.session_id FROM recordings p WHERE p.site_id = {p} AND {cond})"
            ));
        }
    }
    // Every chunk of a session starting in the window starts in it or
    // within a day after it: bound the scan before grouping.
    let (lo, hi) = (
        sql.param(window.from_ms),
        sql.param(window.to_ms.saturating_add(86_400_000)),
    );
    sql.push(&format!(
        " AND r.started_at >= {lo} AND r.started_at < {hi}"
    ));
    sql.push(" GROUP BY r.session_id HAVING MIN(r.started_at) >= ");
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.push(&format!("{a} AND MIN(r.started_at) < {b}"));
    let (lo, hi) = (sql.param(durations.0), sql.param(durations.1));
    sql.push(&format!(
        " AND MAX(r.ended_at) - MIN(r.started_at) >= {lo} AND MAX(r.ended_at) - MIN(r.started_at) <= {hi}"
    ));
    if let Some((ts, session)) = after {
        let (t1, t2, s) = (sql.param(ts), sql.param(ts), sql.param(session));
        sql.push(&format!(
            " AND (MIN(r.started_at) < {t1} OR (MIN(r.started_at) = {t2} AND r.session_id < {s}))"
        ));
    }
    let limit = sql.param(limit as i64);
    sql.push(&format!(
        " ORDER BY MIN(r.started_at) DESC, r.session_id DESC LIMIT {limit}"
    ));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        out.push(RecordingRow {
            site_id: site,
            pages: Vec::new(),
            session_id: row.try_get_by_index(0)?,
            started_at: get(&row, 1)?,
            ended_at: get(&row, 2)?,
            chunks: get(&row, 3)?,
            events: get(&row, 4)?,
            bytes: get(&row, 5)?,
            country: row.try_get_by_index(6)?,
            browser: row.try_get_by_index(7)?,
            os: row.try_get_by_index(8)?,
            device: row.try_get_by_index(9)?,
        });
    }
    Ok(out)
}

fn like_escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Clicks on `path` in `window` from viewports `min_width..max_width`,
/// counted per cell of a grid of `columns` × `cell_height` px in the
/// database: `(column, row, count)`, at most `max_cells` of them. The column
/// is computed in integers (x to 1/10 000 of the width), so a click lands
/// in the same cell everywhere.
pub async fn clicks<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    path: &str,
    widths: (i32, i32),
    grid: (i32, i32),
    max_cells: u64,
) -> Result<Vec<(i32, i32, i64)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let (columns, height) = (i64::from(grid.0), i64::from(grid.1.max(1)));
    sql.push(&format!(
        "SELECT CAST(ROUND(e.click_x * 10000) AS BIGINT) * {columns} / 10000 AS col, \
         CAST(e.click_y / {height} AS BIGINT) AS cell_row, COUNT(*) FROM events e WHERE e.ts >= "
    ));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.push(&format!("{a} AND e.ts < {b}"));
    sql.sites("e", &[site]);
    let (p, lo, hi) = (
        sql.param(path.to_owned()),
        sql.param(widths.0),
        sql.param(widths.1),
    );
    sql.push(&format!(
        " AND e.name = 'click' AND e.pathname = {p} AND e.click_x IS NOT NULL AND e.click_y IS NOT NULL \
         AND e.viewport_width >= {lo} AND e.viewport_width < {hi} GROUP BY 1, 2 ORDER BY 2, 1 LIMIT {}",
        max_cells + 1
    ));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        let column: i64 = get(&row, 0)?;
        let cell_row: i64 = get(&row, 1)?;
        out.push((
            (column.clamp(0, columns - 1)) as i32,
            cell_row.max(0) as i32,
            get(&row, 2)?,
        ));
    }
    Ok(out)
}

/// One consistent view of the rollups, their state and the raw events for
/// a report: a rollup written meanwhile is seen whole or not at all. (A
/// read-only snapshot on PostgreSQL; SQLite's WAL gives one to every read
/// transaction.)
pub async fn snapshot(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{AccessMode, IsolationLevel, TransactionTrait};
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

/// Top values of custom property `key` by visitors: visitors, page views
/// and events of the events carrying it (read raw).
pub async fn property_breakdown<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    key: &str,
    filters: &[Filter],
    limit: u32,
) -> Result<Vec<(String, StatsRow)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let select = sql.property("e", key);
    sql.push(&format!("SELECT {select}, COUNT(DISTINCT e.visitor_hash), {PAGEVIEWS}, COUNT(*) FROM events e WHERE e.ts >= "));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text
        .push_str(&format!("{a} AND e.ts < {b} AND e.props IS NOT NULL AND "));
    let present = sql.property("e", key);
    sql.push(&format!("{present} IS NOT NULL"));
    sql.sites("e", &[site]);
    sql.event_filters(filters, &[site], window);
    let limit = sql.param(i64::from(limit));
    sql.push(&format!(
        " GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 ASC LIMIT {limit}"
    ));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        let value: Option<String> = row.try_get_by_index(0)?;
        out.push((
            value.unwrap_or_default(),
            StatsRow {
                visitors: get(&row, 1)?,
                pageviews: get(&row, 2)?,
                events: get(&row, 3)?,
                ..StatsRow::default()
            },
        ));
    }
    Ok(out)
}

/// `property_breakdown` without filters, from the rollups and the tail.
pub async fn property_breakdown_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    key: &str,
    limit: u32,
) -> Result<Vec<(String, StatsRow)>, DbErr> {
    let tail = tail_of(db, plan, By::Property(key)).await?;
    let rolled = properties_rolled(db, plan, rollup::PROPERTY, Some(key)).await?;
    Ok(merge_tail(rolled, tail, limit, |s| s.pageviews))
}

/// `property_keys` without filters, from the rollups and the tail.
pub async fn property_keys_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    limit: u32,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    let mut tail = Vec::new();
    if let Some(t) = plan.tail {
        for (key, _, _) in property_keys(db, plan.site, t, &[], u32::MAX).await? {
            for (_, new, pageviews, events) in tail_of(db, plan, By::HasProperty(&key)).await? {
                tail.push((key.clone(), new, pageviews, events));
            }
        }
    }
    let rolled = properties_rolled(db, plan, rollup::PROPERTY_KEY, None).await?;
    Ok(merge_tail(rolled, tail, limit, |s| s.events)
        .into_iter()
        .map(|(k, s)| (k, s.visitors, s.events))
        .collect())
}

/// The tail's rows by `by` (none when the rollups reach the range's end).
pub(crate) async fn tail_of<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    by: By<'_>,
) -> Result<Vec<(String, i64, i64, i64)>, DbErr> {
    match plan.tail {
        Some(t) => {
            let lookback = time::midnight_ms(plan.tz, plan.first).max(t.from_ms - LOOKBACK_MS);
            tail_rows(db, plan.site, t, lookback, by, &[]).await
        }
        None => Ok(Vec::new()),
    }
}

/// The rolled-up rows of `dim` (of key `key` when given, per value; else
/// per key), every value.
async fn properties_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    dim: i32,
    key: Option<&str>,
) -> Result<HashMap<String, StatsRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let column = if key.is_some() { "value2" } else { "value" };
    let first = sql.param(plan.first);
    sql.push(&format!(
        "SELECT r.{column}, CAST(SUM(CASE WHEN r.gap = 0 OR r.gap > r.day - {first} THEN r.visitors ELSE 0 END) AS BIGINT), \
         CAST(SUM(r.pageviews) AS BIGINT), CAST(SUM(r.events) AS BIGINT) FROM rollups r WHERE r.site_id = "
    ));
    let (site, a, b, d) = (
        sql.param(plan.site),
        sql.param(plan.first),
        sql.param(plan.rolled_end),
        sql.param(dim),
    );
    sql.push(&format!(
        "{site} AND r.day >= {a} AND r.day < {b} AND r.dim = {d}"
    ));
    if let Some(key) = key {
        let k = sql.param(key.to_owned());
        sql.push(&format!(" AND r.value = {k}"));
    }
    sql.push(&format!(" GROUP BY r.{column}"));
    let mut out = HashMap::new();
    for row in db.query_all(sql.statement()).await? {
        out.insert(
            row.try_get_by_index::<String>(0)?,
            StatsRow {
                visitors: get(&row, 1)?,
                pageviews: get(&row, 2)?,
                events: get(&row, 3)?,
                ..StatsRow::default()
            },
        );
    }
    Ok(out)
}

/// Rolled-up values with the tail's added, the top `limit` by visitors,
/// then `then`, then value (as the raw reports order them).
fn merge_tail(
    mut rows: HashMap<String, StatsRow>,
    tail: Vec<(String, i64, i64, i64)>,
    limit: u32,
    then: impl Fn(&StatsRow) -> i64,
) -> Vec<(String, StatsRow)> {
    for (v, new, pageviews, events) in tail {
        let e = rows.entry(v).or_default();
        e.visitors += new;
        e.pageviews += pageviews;
        e.events += events;
    }
    let mut out: Vec<(String, StatsRow)> = rows.into_iter().collect();
    out.sort_by(|x, y| (y.1.visitors, then(&y.1), &x.0).cmp(&(x.1.visitors, then(&x.1), &y.0)));
    out.truncate(limit as usize);
    out
}

/// The custom-property keys of the events in `window` passing `filters`,
/// with the visitors and events carrying each, most visitors first.
pub async fn property_keys<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    limit: u32,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    let keys = match backend {
        DbBackend::Postgres => "CROSS JOIN LATERAL jsonb_object_keys(e.props::jsonb) AS k(key)",
        _ => "CROSS JOIN json_each(e.props) AS k",
    };
    sql.push(&format!(
        "SELECT k.key, COUNT(DISTINCT e.visitor_hash), COUNT(*) FROM events e {keys} WHERE e.ts >= "
    ));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text
        .push_str(&format!("{a} AND e.ts < {b} AND e.props IS NOT NULL"));
    sql.sites("e", &[site]);
    sql.event_filters(filters, &[site], window);
    let limit = sql.param(i64::from(limit));
    sql.push(&format!(
        " GROUP BY k.key ORDER BY 2 DESC, 3 DESC, 1 ASC LIMIT {limit}"
    ));
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        out.push((row.try_get_by_index(0)?, get(&row, 1)?, get(&row, 2)?));
    }
    Ok(out)
}

/// Per page of `paths`, over its page views in `window` passing `filters`
/// that reported engagement: the average deepest scroll (percent) and the
/// average engaged time (ms).
pub async fn page_engagement<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    paths: &[String],
) -> Result<HashMap<String, (f64, f64)>, DbErr> {
    let mut out = HashMap::new();
    for chunk in paths.chunks(500) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(
            "SELECT e.pathname, CAST(SUM(COALESCE(e.scroll_depth, 0)) AS BIGINT), \
             CAST(SUM(CASE WHEN e.scroll_depth IS NULL THEN 0 ELSE 1 END) AS BIGINT), \
             CAST(SUM(COALESCE(e.engaged_ms, 0)) AS BIGINT), COUNT(*) FROM events e WHERE e.ts >= ",
        );
        let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
        sql.text.push_str(&format!(
            "{a} AND e.ts < {b} AND e.name = 'pageview' AND e.engaged_ms IS NOT NULL"
        ));
        sql.sites("e", &[site]);
        let params: Vec<String> = chunk.iter().map(|p| sql.param(p.clone())).collect();
        sql.push(&format!(" AND e.pathname IN ({})", params.join(", ")));
        sql.event_filters(filters, &[site], window);
        sql.push(" GROUP BY e.pathname");
        for row in db.query_all(sql.statement()).await? {
            let path: String = row.try_get_by_index(0)?;
            let (depth, with_depth, ms, views) =
                (get(&row, 1)?, get(&row, 2)?, get(&row, 3)?, get(&row, 4)?);
            let avg = |x: i64, n: i64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
            out.insert(path, (avg(depth, with_depth), avg(ms, views)));
        }
    }
    Ok(out)
}
