//! A day's rollup rows, computed in one pass over the day's events rather
//! than one grouped query per combination of dimensions.
//!
//! The day's events are read once, ordered by visitor, with the look-back
//! events of the same visitors. For each visitor and each combination
//! (`Combo::rolled`, and the site-wide rows), the values it was seen with
//! on the day are counted once, in the row of their gap: 0 if the visitor
//! was not seen with them in the look-back, 1 if seen the day before, 2 if
//! only the day before that (page viewers alike, over page views). Then the
//! visits started on the day are read once, with their events, and each
//! visit counts for every value one of its events has (rows with
//! `gap = -1`).
//!
//! Values are interned per dimension, so that a visitor's keys are a few
//! integers and memory grows with the day's distinct values, not its
//! events. This is what SQL's `GROUP BY` would count, dimension by
//! dimension; `tests/tests/reports.rs` checks it against the raw reports.

use std::collections::{hash_map::Entry, HashMap, HashSet};

use futures_util::TryStreamExt;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DbErr, QueryResult, StreamTrait, Value,
};
use trackr_entity::rollup;
use uuid::Uuid;

use super::{LONGEST_VISIT_MS, MARK, PROPERTY, PROPERTY_KEY, VISITS, VISIT_AGGREGATES};
use crate::{
    dimension::{Combo, Dimension},
    sql::statement,
};

/// The id of a missing value (SQL's NULL).
const NONE: u32 = u32::MAX;
/// A combination's values, as ids (unused places 0).
type Key = [u32; 3];
/// A row of the day: its combination's code, values and gap.
type RowKey = (i32, Key, i32);

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    visitors: i64,
    pv_visitors: i64,
    pageviews: i64,
    events: i64,
    visits: i64,
    bounces: i64,
    duration_ms: i64,
    visit_pageviews: i64,
}

/// The rolled-up dimensions (their columns read in this order), and each
/// combination as places in it.
struct Layout {
    dims: Vec<Dimension>,
    combos: Vec<(i32, Vec<usize>, bool)>,
}

impl Layout {
    fn new() -> Layout {
        let dims: Vec<Dimension> = Dimension::rolled_up().collect();
        let combos = std::iter::once(Combo::total())
            .chain(Combo::rolled())
            .map(|c| {
                let places = c
                    .dims()
                    .iter()
                    .filter_map(|d| dims.iter().position(|x| x == d))
                    .collect();
                (c.code(), places, c.has(Dimension::Page))
            })
            .collect();
        Layout { dims, combos }
    }

    /// `e.<column>, …` of every rolled-up dimension.
    fn columns(&self) -> String {
        self.dims
            .iter()
            .filter_map(|d| d.event_expr("e"))
            .map(|c| format!(", {c}"))
            .collect()
    }

    /// The key of `ids` for the combination at `places`; none when one of
    /// its values is missing.
    fn key(places: &[usize], ids: &[u32]) -> Option<Key> {
        let mut key = [0; 3];
        for (slot, place) in key.iter_mut().zip(places) {
            *slot = ids[*place];
            if *slot == NONE {
                return None;
            }
        }
        Some(key)
    }
}

/// Each dimension's values seen, numbered; after the dimensions', two
/// more tables: custom-property keys (`KEY`) and values (`VALUE`).
struct Values {
    dims: usize,
    ids: Vec<HashMap<String, u32>>,
    names: Vec<Vec<String>>,
}

impl Values {
    fn new(dims: usize) -> Values {
        Values {
            dims,
            ids: vec![HashMap::new(); dims + 2],
            names: vec![Vec::new(); dims + 2],
        }
    }

    /// The table of property keys, then the one of their values.
    fn key_table(&self) -> usize {
        self.dims
    }

    /// The id of `value` in table `t`.
    fn intern(&mut self, t: usize, value: String) -> u32 {
        match self.ids[t].entry(value) {
            Entry::Occupied(o) => *o.get(),
            Entry::Vacant(slot) => {
                let id = self.names[t].len() as u32;
                self.names[t].push(slot.key().clone());
                *slot.insert(id)
            }
        }
    }

    /// The ids of the dimension columns that start at `first` in `row`.
    fn read(&mut self, row: &QueryResult, first: usize) -> Result<Vec<u32>, DbErr> {
        let mut out = Vec::with_capacity(self.dims);
        for d in 0..self.dims {
            let value: Option<String> = row.try_get_by_index(first + d)?;
            out.push(match value {
                None => NONE,
                Some(v) => self.intern(d, v),
            });
        }
        Ok(out)
    }

    /// The (key, value) ids of an event's custom properties (a JSON
    /// object; values are strings, others read as their JSON text, as
    /// PostgreSQL's `->>` does).
    fn props(&mut self, props: Option<String>) -> Vec<(u32, u32)> {
        let Some(Ok(serde_json::Value::Object(map))) =
            props.map(|p| serde_json::from_str::<serde_json::Value>(&p))
        else {
            return Vec::new();
        };
        let k = self.key_table();
        map.into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(key, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (self.intern(k, key), self.intern(k + 1, v))
            })
            .collect()
    }

    fn name(&self, table: usize, id: u32) -> String {
        self.names[table][id as usize].clone()
    }
}

/// One event, as a visitor's rows need it.
struct Seen {
    pageview: bool,
    ts: i64,
    ids: Vec<u32>,
    props: Vec<(u32, u32)>,
}

/// The instants that bound a day's visitor rows (ms): the look-back's
/// start, the day before's start, the day's start, and where it ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub lookback: i64,
    pub yesterday: i64,
    pub start: i64,
    pub end: i64,
}

/// The visitor rows of a day, and its marker.
pub(super) async fn visitor_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    site: Uuid,
    day: i32,
    b: Bounds,
) -> Result<Vec<rollup::ActiveModel>, DbErr> {
    let layout = Layout::new();
    let mut values = Values::new(layout.dims.len());
    let backend = db.get_database_backend();
    let select = format!(
        "SELECT e.visitor_hash, e.ts, CAST(CASE WHEN e.name = 'pageview' THEN 1 ELSE 0 END AS INTEGER){}, e.props",
        layout.columns()
    );
    let props_at = 3 + layout.dims.len();
    let seen = |values: &mut Values, r: &QueryResult| -> Result<(i64, Seen), DbErr> {
        Ok((
            r.try_get_by_index(0)?,
            Seen {
                ts: r.try_get_by_index(1)?,
                pageview: r.try_get_by_index::<i32>(2)? == 1,
                ids: values.read(r, 3)?,
                props: values.props(r.try_get_by_index(props_at)?),
            },
        ))
    };

    // The look-back's events of the day's visitors (few: a visitor id
    // lives for one UTC day).
    let mut before: HashMap<i64, Vec<Seen>> = HashMap::new();
    let sql = format!(
        "{select} FROM events e WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? \
         AND e.visitor_hash IN (SELECT d.visitor_hash FROM events d WHERE d.site_id = ? AND d.ts >= ? AND d.ts < ?)"
    );
    let params: Vec<Value> = vec![
        site.into(),
        b.lookback.into(),
        b.start.into(),
        site.into(),
        b.start.into(),
        b.end.into(),
    ];
    for r in db.query_all(statement(backend, &sql, params)).await? {
        let (visitor, s) = seen(&mut values, &r)?;
        before.entry(visitor).or_default().push(s);
    }

    let mut rows: HashMap<RowKey, Counts> = HashMap::new();
    let sql = format!(
        "{select} FROM events e WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? ORDER BY e.visitor_hash"
    );
    let params: Vec<Value> = vec![site.into(), b.start.into(), b.end.into()];
    let stream = db.stream(statement(backend, &sql, params)).await?;
    let mut stream = std::pin::pin!(stream);
    let mut visitor: Option<i64> = None;
    let mut events: Vec<Seen> = Vec::new();
    let mut scratch = Scratch::default();
    while let Some(r) = stream.try_next().await? {
        let (h, s) = seen(&mut values, &r)?;
        if visitor != Some(h) {
            if let Some(v) = visitor {
                count_visitor(
                    &layout,
                    &events,
                    before.get(&v),
                    b.yesterday,
                    &mut scratch,
                    &mut rows,
                );
            }
            visitor = Some(h);
            events.clear();
        }
        events.push(s);
    }
    if let Some(v) = visitor {
        count_visitor(
            &layout,
            &events,
            before.get(&v),
            b.yesterday,
            &mut scratch,
            &mut rows,
        );
    }

    let mut out = vec![empty_row(site, day, MARK, Vec::new(), 0)];
    for ((code, key, gap), c) in rows {
        let mut row = empty_row(site, day, code, names(&layout, &values, code, key), gap);
        row.visitors = Set(c.visitors);
        row.pv_visitors = Set(c.pv_visitors);
        row.pageviews = Set(c.pageviews);
        row.events = Set(c.events);
        out.push(row);
    }
    Ok(out)
}

/// Maps reused from one visitor to the next.
#[derive(Default)]
struct Scratch {
    keys: Vec<Key>,
    today: HashMap<Key, (i64, i64)>,
    last: HashMap<Key, (i64, Option<i64>)>,
}

/// Counts one visitor into each combination's rows, and into the rows of
/// the custom properties (by key, and by key and value).
fn count_visitor(
    layout: &Layout,
    events: &[Seen],
    before: Option<&Vec<Seen>>,
    yesterday: i64,
    scratch: &mut Scratch,
    rows: &mut HashMap<RowKey, Counts>,
) {
    let mut visitor = VisitorRows {
        events,
        before,
        yesterday,
        scratch,
        rows,
    };
    for (code, places, page) in &layout.combos {
        visitor.count(*code, *page, |e, keys| {
            keys.extend(Layout::key(places, &e.ids))
        });
    }
    visitor.count(PROPERTY_KEY, false, |e, keys| {
        keys.extend(e.props.iter().map(|(k, _)| [*k, 0, 0]))
    });
    visitor.count(PROPERTY, false, |e, keys| {
        keys.extend(e.props.iter().map(|(k, v)| [*k, *v, 0]))
    });
}

/// One visitor's events, counted into the day's rows.
struct VisitorRows<'a> {
    events: &'a [Seen],
    before: Option<&'a Vec<Seen>>,
    yesterday: i64,
    scratch: &'a mut Scratch,
    rows: &'a mut HashMap<RowKey, Counts>,
}

impl VisitorRows<'_> {
    /// Counts the visitor once into the rows of `code` for each key that
    /// `keys` gives one of its events, by the gap since it was last seen
    /// with it (`page`: and its page views into `pv_visitors` alike).
    fn count(&mut self, code: i32, page: bool, keys: impl Fn(&Seen, &mut Vec<Key>)) {
        let (s, yesterday) = (&mut *self.scratch, self.yesterday);
        let gap = |last: Option<i64>| match last {
            None => 0,
            Some(t) if t >= yesterday => 1,
            Some(_) => 2,
        };
        s.today.clear();
        s.last.clear();
        for e in self.events {
            s.keys.clear();
            keys(e, &mut s.keys);
            for key in &s.keys {
                let n = s.today.entry(*key).or_default();
                n.0 += i64::from(e.pageview);
                n.1 += 1;
            }
        }
        if s.today.is_empty() {
            return;
        }
        for e in self.before.into_iter().flatten() {
            s.keys.clear();
            keys(e, &mut s.keys);
            for key in &s.keys {
                let l = s.last.entry(*key).or_insert((i64::MIN, None));
                l.0 = l.0.max(e.ts);
                if e.pageview {
                    l.1 = Some(l.1.map_or(e.ts, |t| t.max(e.ts)));
                }
            }
        }
        for (key, (pageviews, events)) in &s.today {
            let last = s.last.get(key);
            let c = self
                .rows
                .entry((code, *key, gap(last.map(|l| l.0))))
                .or_default();
            c.visitors += 1;
            c.pageviews += pageviews;
            c.events += events;
            if page && *pageviews > 0 {
                let g = gap(last.and_then(|l| l.1));
                self.rows.entry((code, *key, g)).or_default().pv_visitors += 1;
            }
        }
    }
}

/// The visit rows of the visits started in `[start, next)`: site-wide (the
/// visits dimension's row) and, for each combination's values, of the
/// visits with an event of those values (`gap = -1`).
pub(super) async fn visit_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    site: Uuid,
    day: i32,
    (start, next): (i64, i64),
) -> Result<Vec<rollup::ActiveModel>, DbErr> {
    let backend = db.get_database_backend();
    let total = db
        .query_one(statement(
            backend,
            &format!(
                "SELECT {VISIT_AGGREGATES}, MAX(v.ended_at) FROM visits v \
                 WHERE v.site_id = ? AND v.started_at >= ? AND v.started_at < ?"
            ),
            vec![site.into(), start.into(), next.into()],
        ))
        .await?;
    let mut out = Vec::new();
    // The events of these visits come before the last one ends (and within
    // `LONGEST_VISIT_MS` of the day).
    let last = match total {
        Some(r) if r.try_get_by_index::<i64>(0)? > 0 => {
            let mut row = empty_row(site, day, VISITS, Vec::new(), 0);
            row.visits = Set(r.try_get_by_index(0)?);
            row.bounces = Set(r.try_get_by_index(1)?);
            row.duration_ms = Set(r.try_get_by_index(2)?);
            row.visit_pageviews = Set(r.try_get_by_index(3)?);
            out.push(row);
            r.try_get_by_index::<Option<i64>>(4)?.unwrap_or(next)
        }
        _ => return Ok(out),
    };
    let layout = Layout::new();
    let mut values = Values::new(layout.dims.len());
    let sql = format!(
        "SELECT e.session_id, CAST(v.pageviews AS BIGINT), CAST(v.events AS BIGINT), v.ended_at - v.started_at{} \
         FROM events e JOIN visits v ON v.session_id = e.session_id \
         WHERE v.site_id = ? AND v.started_at >= ? AND v.started_at < ? \
         AND e.site_id = ? AND e.ts >= ? AND e.ts < ? ORDER BY e.session_id",
        layout.columns()
    );
    let params: Vec<Value> = vec![
        site.into(),
        start.into(),
        next.into(),
        site.into(),
        start.into(),
        (last + 1).min(next + LONGEST_VISIT_MS).into(),
    ];
    let mut rows: HashMap<RowKey, Counts> = HashMap::new();
    let stream = db.stream(statement(backend, &sql, params)).await?;
    let mut stream = std::pin::pin!(stream);
    let mut session: Option<(i64, Counts)> = None;
    let mut keys: HashSet<(i32, Key)> = HashSet::new();
    while let Some(r) = stream.try_next().await? {
        let id: i64 = r.try_get_by_index(0)?;
        if session.map(|s| s.0) != Some(id) {
            if let Some((_, visit)) = session {
                count_visit(visit, &mut keys, &mut rows);
            }
            let (pageviews, events): (i64, i64) = (r.try_get_by_index(1)?, r.try_get_by_index(2)?);
            session = Some((
                id,
                Counts {
                    visits: 1,
                    bounces: i64::from(pageviews <= 1 && events <= 1),
                    duration_ms: r.try_get_by_index(3)?,
                    visit_pageviews: pageviews,
                    ..Counts::default()
                },
            ));
        }
        let ids = values.read(&r, 4)?;
        for (code, places, _) in layout.combos.iter().skip(1) {
            if let Some(key) = Layout::key(places, &ids) {
                keys.insert((*code, key));
            }
        }
    }
    if let Some((_, visit)) = session {
        count_visit(visit, &mut keys, &mut rows);
    }
    for ((code, key, gap), c) in rows {
        let mut row = empty_row(site, day, code, names(&layout, &values, code, key), gap);
        row.visits = Set(c.visits);
        row.bounces = Set(c.bounces);
        row.duration_ms = Set(c.duration_ms);
        row.visit_pageviews = Set(c.visit_pageviews);
        out.push(row);
    }
    Ok(out)
}

/// Adds one visit to the rows of every value its events had.
fn count_visit(visit: Counts, keys: &mut HashSet<(i32, Key)>, rows: &mut HashMap<RowKey, Counts>) {
    for (code, key) in keys.drain() {
        let c = rows.entry((code, key, -1)).or_default();
        c.visits += visit.visits;
        c.bounces += visit.bounces;
        c.duration_ms += visit.duration_ms;
        c.visit_pageviews += visit.visit_pageviews;
    }
}

/// The values of a key of the combination `code`.
fn names(layout: &Layout, values: &Values, code: i32, key: Key) -> Vec<String> {
    let k = values.key_table();
    match code {
        PROPERTY_KEY => return vec![values.name(k, key[0])],
        PROPERTY => return vec![values.name(k, key[0]), values.name(k + 1, key[1])],
        _ => {}
    }
    let places = layout
        .combos
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, p, _)| p.as_slice())
        .unwrap_or_default();
    places
        .iter()
        .zip(key)
        .map(|(place, id)| values.name(*place, id))
        .collect()
}

/// A rollup row of `day` for the values `key` of `dim`'s dimensions and
/// `gap`, its counts zero.
pub(super) fn empty_row(
    site: Uuid,
    day: i32,
    dim: i32,
    key: Vec<String>,
    gap: i32,
) -> rollup::ActiveModel {
    let mut key = key.into_iter();
    let mut value = || Set(key.next().unwrap_or_default());
    rollup::ActiveModel {
        id: NotSet,
        site_id: Set(site),
        day: Set(day),
        dim: Set(dim),
        value: value(),
        value2: value(),
        value3: value(),
        gap: Set(gap),
        visitors: Set(0),
        pv_visitors: Set(0),
        pageviews: Set(0),
        events: Set(0),
        visits: Set(0),
        bounces: Set(0),
        duration_ms: Set(0),
        visit_pageviews: Set(0),
        revenue_minor: Set(0),
    }
}
