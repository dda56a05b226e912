//! Funnels (issue 17): how many visitors reached each of a funnel's
//! ordered steps within one visit, read raw.
//!
//! A visit reaches step `k` when, among its events in the range that pass
//! the filters, in time order, an event matching step 1 comes first, then
//! one matching step 2, and so on up to `k` (other events between them do
//! not matter; one event advances one step). A visitor reaches step `k`
//! when one of their visits does.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::{dimension::Filter, goal::GoalMatch, reports::get, sql::Sql, time::Window};

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
    // Which steps each event matches, as a bit mask.
    let mut mask = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let cond = step.condition(&mut sql, "e");
        mask.push(format!("CASE WHEN {cond} THEN {} ELSE 0 END", 1i64 << i));
    }
    let mask = mask.join(" + ");
    sql.push(&format!(
        "SELECT q.session_id, q.visitor_hash, q.m FROM (SELECT e.session_id, e.visitor_hash, e.ts, e.id, \
         CAST({mask} AS BIGINT) AS m FROM events e WHERE e.ts >= "
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
