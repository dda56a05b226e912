//! A day's goal rows (issue 17): for each goal, its converting visitors by
//! gap (as every visitor row counts them, see `crate::rollup`), its
//! converting events, and per currency the revenue its events carried;
//! and a marker per goal, so that a report knows the day answers for it.
//!
//! Goal rows are keyed by what the goal matches (`GoalMatch::filter_value`),
//! not by the goal's id: a goal never changes, two goals alike share rows,
//! and a goal created after a day was rolled up is rolled up for it later
//! (`crate::rollup`'s backfill) without touching the day's other rows.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, StreamTrait};
use trackr_entity::rollup;
use uuid::Uuid;

use super::{day::empty_row, day::Bounds, GOAL, GOAL_MARK, GOAL_REVENUE};
use crate::{goal::GoalMatch, sql::Sql};

/// Goals matched per query (one bit each in an `i64`).
const GOALS_PER_QUERY: usize = 60;

#[derive(Default)]
struct Visitor {
    /// Per goal: the last conversion before the day, and the day's count.
    last: HashMap<usize, i64>,
    today: HashMap<usize, i64>,
}

/// The goal rows of `day` for `goals`, and their markers.
pub(super) async fn goal_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    site: Uuid,
    day: i32,
    b: &Bounds,
    goals: &[GoalMatch],
) -> Result<Vec<rollup::ActiveModel>, DbErr> {
    let mut out: Vec<rollup::ActiveModel> = goals
        .iter()
        .map(|g| empty_row(site, day, GOAL_MARK, vec![g.filter_value()], 0))
        .collect();
    for chunk in goals.chunks(GOALS_PER_QUERY) {
        out.extend(chunk_rows(db, site, day, b, chunk).await?);
    }
    Ok(out)
}

async fn chunk_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    site: Uuid,
    day: i32,
    b: &Bounds,
    goals: &[GoalMatch],
) -> Result<Vec<rollup::ActiveModel>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    // Which goals each event converts to, as a bit mask; only events that
    // convert to one are read.
    let conds: Vec<String> = goals.iter().map(|g| g.condition(&mut sql, "e")).collect();
    let mask: Vec<String> = conds
        .iter()
        .enumerate()
        .map(|(i, c)| format!("CASE WHEN {c} THEN {} ELSE 0 END", 1i64 << i))
        .collect();
    let any: Vec<String> = goals.iter().map(|g| g.condition(&mut sql, "e")).collect();
    sql.push(&format!(
        "SELECT e.visitor_hash, e.ts, CAST({} AS BIGINT), e.revenue_minor, e.revenue_currency \
         FROM events e WHERE ({}) AND e.site_id = ",
        mask.join(" + "),
        any.join(" OR ")
    ));
    let (p, lo, hi) = (sql.param(site), sql.param(b.lookback), sql.param(b.end));
    sql.push(&format!(
        "{p} AND e.ts >= {lo} AND e.ts < {hi} ORDER BY e.visitor_hash, e.ts"
    ));
    let stream = db.stream(sql.statement()).await?;
    let mut stream = std::pin::pin!(stream);
    // (goal, gap) → (visitors, conversions); (goal, currency) → (events, revenue).
    let mut counts: HashMap<(usize, i32), (i64, i64)> = HashMap::new();
    let mut revenue: HashMap<(usize, String), (i64, i64)> = HashMap::new();
    let mut current: Option<i64> = None;
    let mut visitor = Visitor::default();
    let finish = |v: &mut Visitor, counts: &mut HashMap<(usize, i32), (i64, i64)>| {
        for (g, n) in v.today.drain() {
            let gap = match v.last.get(&g) {
                None => 0,
                Some(t) if *t >= b.yesterday => 1,
                Some(_) => 2,
            };
            let c = counts.entry((g, gap)).or_default();
            c.0 += 1;
            c.1 += n;
        }
        v.last.clear();
    };
    while let Some(r) = stream.try_next().await? {
        let (h, ts, mask): (i64, i64, i64) = (
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
        );
        if current != Some(h) {
            finish(&mut visitor, &mut counts);
            current = Some(h);
        }
        let minor: Option<i64> = r.try_get_by_index(3)?;
        let currency: Option<String> = r.try_get_by_index(4)?;
        for (g, goal) in goals.iter().enumerate() {
            if mask & (1 << g) == 0 {
                continue;
            }
            if ts < b.start {
                let last = visitor.last.entry(g).or_insert(ts);
                *last = (*last).max(ts);
                continue;
            }
            *visitor.today.entry(g).or_default() += 1;
            // Revenue counts for event goals, as the raw report reads it.
            if let (GoalMatch::Event(_), Some(minor), Some(currency)) = (goal, minor, &currency) {
                let r = revenue.entry((g, currency.clone())).or_default();
                r.0 += 1;
                r.1 += minor;
            }
        }
    }
    finish(&mut visitor, &mut counts);
    let mut out = Vec::with_capacity(counts.len() + revenue.len());
    for ((g, gap), (visitors, events)) in counts {
        let mut row = empty_row(site, day, GOAL, vec![goals[g].filter_value()], gap);
        row.visitors = Set(visitors);
        row.events = Set(events);
        out.push(row);
    }
    for ((g, currency), (events, minor)) in revenue {
        let mut row = empty_row(
            site,
            day,
            GOAL_REVENUE,
            vec![goals[g].filter_value(), currency],
            0,
        );
        row.events = Set(events);
        row.revenue_minor = Set(minor);
        out.push(row);
    }
    Ok(out)
}
