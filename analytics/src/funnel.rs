//! Funnels (issue 17): how many visitors reached each of a funnel's
//! ordered steps within one visit, read raw.
//!
//! A visit reaches step `k` when, among its events in the range that pass
//! the filters, in time order, an event matching step 1 comes first, then
//! one matching step 2, and so on up to `k` (other events between them do
//! not matter; one event advances one step). A visitor reaches step `k`
//! when one of their visits does.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::{
    dimension::Filter,
    goal::GoalMatch,
    reports::{get, Plan},
    rollup,
    sql::Sql,
    time::{self, Window},
};

/// The most steps a funnel has.
pub const MAX_STEPS: usize = 8;

/// Visitors reaching each step, in order (the first: those who did step
/// one at all).
pub async fn funnel<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    steps: &[GoalMatch],
) -> Result<Vec<i64>, DbErr> {
    let mut reached: Vec<HashSet<i64>> = vec![HashSet::new(); steps.len()];
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    let mask = step_mask(&mut sql, steps);
    let any = any_step(&mut sql, steps);
    sql.push(&format!(
        "SELECT q.session_id, q.visitor_hash, q.m FROM (SELECT e.session_id, e.visitor_hash, e.ts, e.id, \
         CAST({mask} AS BIGINT) AS m FROM events e WHERE {any} AND e.ts >= "
    ));
    let (a, b) = (sql.param(window.from_ms), sql.param(window.to_ms));
    sql.text.push_str(&format!("{a} AND e.ts < {b}"));
    sql.sites("e", &[site]);
    sql.event_filters(filters, &[site], window);
    sql.push(") q WHERE q.m <> 0 ORDER BY q.session_id, q.ts, q.id");
    // Walk each visit's events: `next` is the step it waits for.
    let (mut session, mut next) = (None, 0usize);
    for row in db.query_all(sql.statement()).await? {
        let (s, visitor, m) = (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?);
        if session != Some(s) {
            session = Some(s);
            next = 0;
        }
        if next < steps.len() && m & (1 << next) != 0 {
            reached[next].insert(visitor);
            next += 1;
        }
    }
    Ok(reached.into_iter().map(|v| v.len() as i64).collect())
}

/// Which of `steps` an event row `e` matches, as a bit mask (SQL), its
/// parameters bound now (SQLite's are positional: call it where the text
/// goes).
pub(crate) fn step_mask(sql: &mut Sql, steps: &[GoalMatch]) -> String {
    let mask: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let cond = step.condition(sql, "e");
            format!("CASE WHEN {cond} THEN {} ELSE 0 END", 1i64 << i)
        })
        .collect();
    mask.join(" + ")
}

/// Whether an event row `e` matches one of `steps` (SQL), as `step_mask`.
pub(crate) fn any_step(sql: &mut Sql, steps: &[GoalMatch]) -> String {
    let any: Vec<String> = steps.iter().map(|s| s.condition(sql, "e")).collect();
    format!("({})", any.join(" OR "))
}

/// The key of a funnel's rollup rows: what its steps match, in order.
pub fn funnel_key(steps: &[GoalMatch]) -> String {
    steps
        .iter()
        .map(GoalMatch::filter_value)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The steps of a site's funnels, each funnel once.
pub async fn site_funnels<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
) -> Result<Vec<Vec<GoalMatch>>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use trackr_entity::funnel;
    let mut out: Vec<Vec<GoalMatch>> = funnel::Entity::find()
        .filter(funnel::Column::SiteId.eq(site))
        .all(db)
        .await?
        .iter()
        .filter_map(|f| {
            f.steps
                .as_array()?
                .iter()
                .map(|s| GoalMatch::from_filter_value(s.get("match")?.as_str()?))
                .collect::<Option<Vec<_>>>()
        })
        .filter(|steps| !steps.is_empty() && steps.len() <= MAX_STEPS)
        .collect();
    out.sort_by_key(|steps| funnel_key(steps));
    out.dedup();
    Ok(out)
}

/// `funnel` without filters over `window` (the plan's range), from the
/// rollups, if they cover every rolled-up day of `plan` for these steps:
/// the day rows count the visitors one of whose visits' parts of a day
/// reached each step (`crate::rollup`'s funnel rows); the visitors they
/// may undercount (whose visit reached a step across midnight, or in the
/// raw tail) have their visits walked raw, and are added where the rows
/// missed them.
pub async fn funnel_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    window: Window,
    steps: &[GoalMatch],
) -> Result<Option<Vec<i64>>, DbErr> {
    let key = funnel_key(steps);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT r.dim, r.value2, r.day, r.gap, r.visitors FROM rollups r WHERE r.site_id = ");
    let (p, a, b, k) = (
        sql.param(plan.site),
        sql.param(plan.first),
        sql.param(plan.rolled_end),
        sql.param(key),
    );
    let dims: Vec<String> = [rollup::FUNNEL, rollup::FUNNEL_MARK, rollup::FUNNEL_SPLIT]
        .into_iter()
        .map(|d| sql.param(d))
        .collect();
    sql.push(&format!(
        "{p} AND r.day >= {a} AND r.day < {b} AND r.value = {k} AND r.dim IN ({})",
        dims.join(", ")
    ));
    let mut reached = vec![0i64; steps.len()];
    let mut marks = 0;
    let mut again: HashSet<i64> = HashSet::new();
    for r in db.query_all(sql.statement()).await? {
        let (dim, value, day, gap): (i32, String, i32, i32) = (
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
            r.try_get_by_index(3)?,
        );
        match dim {
            rollup::FUNNEL_MARK => marks += 1,
            rollup::FUNNEL => {
                let step: usize = value.parse().unwrap_or(0);
                if (1..=steps.len()).contains(&step) && (gap == 0 || gap > day - plan.first) {
                    reached[step - 1] += get(&r, 4)?;
                }
            }
            // A visit across the range's first midnight is cut by the
            // range anyway: its part of the first day is all it has.
            _ if day > plan.first => {
                again.extend(value.parse::<i64>().ok());
            }
            _ => {}
        }
    }
    if marks != plan.rolled_end - plan.first {
        return Ok(None);
    }
    // The tail's visitors, whom no row counts.
    let rolled_until = plan.tail.map_or(window.to_ms, |t| t.from_ms);
    if let Some(tail) = plan.tail {
        let mut sql = Sql::new(db.get_database_backend());
        let any = any_step(&mut sql, steps);
        sql.push(&format!(
            "SELECT DISTINCT e.visitor_hash FROM events e WHERE {any} AND e.site_id = "
        ));
        let (p, a, b) = (
            sql.param(plan.site),
            sql.param(tail.from_ms),
            sql.param(tail.to_ms),
        );
        sql.push(&format!("{p} AND e.ts >= {a} AND e.ts < {b}"));
        for r in db.query_all(sql.statement()).await? {
            again.insert(get(&r, 0)?);
        }
    }
    let again: Vec<i64> = again.into_iter().collect();
    for chunk in again.chunks(500) {
        for (whole, parts) in walk_visitors(db, plan, window, steps, chunk, rolled_until).await? {
            for step in reached.iter_mut().take(whole).skip(parts) {
                *step += 1;
            }
        }
    }
    Ok(Some(reached))
}

/// For each of `visitors`: the furthest step one of their visits reached
/// in `window`, and the furthest one of their visits' parts of a rolled-up
/// day (before `rolled_until`) reached.
async fn walk_visitors<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    window: Window,
    steps: &[GoalMatch],
    visitors: &[i64],
    rolled_until: i64,
) -> Result<Vec<(usize, usize)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    let mask = step_mask(&mut sql, steps);
    let any = any_step(&mut sql, steps);
    sql.push(&format!(
        "SELECT e.session_id, e.visitor_hash, e.ts, CAST({mask} AS BIGINT) FROM events e WHERE {any} AND e.site_id = "
    ));
    let (p, a, b) = (
        sql.param(plan.site),
        sql.param(window.from_ms),
        sql.param(window.to_ms),
    );
    sql.push(&format!(
        "{p} AND e.ts >= {a} AND e.ts < {b} AND e.session_id IN (SELECT v.session_id FROM visits v WHERE v.site_id = "
    ));
    let (p, a, b) = (
        sql.param(plan.site),
        sql.param(window.from_ms),
        sql.param(window.to_ms),
    );
    let hashes: Vec<String> = visitors.iter().map(|h| sql.param(*h)).collect();
    sql.push(&format!(
        "{p} AND v.ended_at >= {a} AND v.started_at < {b} AND v.visitor_hash IN ({})) ORDER BY e.session_id, e.ts, e.id",
        hashes.join(", ")
    ));
    // Per visitor: (whole visits' furthest, parts' furthest).
    let mut out: HashMap<i64, (usize, usize)> = HashMap::new();
    // The visit walked: id, next step, its part (a local day; None after
    // the rollups) and that part's next step.
    let mut walk: Option<(i64, usize, Option<i32>, usize)> = None;
    for r in db.query_all(sql.statement()).await? {
        let (s, h, ts, m): (i64, i64, i64, i64) =
            (get(&r, 0)?, get(&r, 1)?, get(&r, 2)?, get(&r, 3)?);
        let part = (ts < rolled_until).then(|| time::local_day(plan.tz, ts));
        let w = match &mut walk {
            Some(w) if w.0 == s => w,
            _ => walk.insert((s, 0, part, 0)),
        };
        if w.2 != part {
            (w.2, w.3) = (part, 0);
        }
        let best = out.entry(h).or_default();
        if w.1 < steps.len() && m & (1 << w.1) != 0 {
            w.1 += 1;
            best.0 = best.0.max(w.1);
        }
        if w.2.is_some() && w.3 < steps.len() && m & (1 << w.3) != 0 {
            w.3 += 1;
            best.1 = best.1.max(w.3);
        }
    }
    Ok(out.into_values().collect())
}
