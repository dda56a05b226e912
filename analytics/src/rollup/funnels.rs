//! A day's funnel rows (issue 17).
//!
//! A funnel's report walks each visit's events of the range (see
//! `crate::funnel`). A day's rows walk each visit's events *of the day*
//! (its part of the visit): for each step `k`, the visitors one of whose
//! visits' parts reaches `k`, by gap (the days since one of their parts
//! last reached it, as every visitor row counts, see `crate::rollup`).
//! A part never reaches further than its whole visit, so the rows undercount
//! only the visitors whose visit reached a step across midnight and in no
//! part alone. Those visits have steps matched on two days; the rows name
//! their visitors (`FUNNEL_SPLIT`, on the later day), and a report walks
//! those visitors' visits raw (`crate::funnel::funnel_rolled`).

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, StreamTrait};
use trackr_entity::rollup;
use uuid::Uuid;

use super::{day::empty_row, day::Bounds, FUNNEL, FUNNEL_MARK, FUNNEL_SPLIT};
use crate::{
    funnel::{any_step, funnel_key, step_mask},
    goal::GoalMatch,
    sql::Sql,
};

/// One visitor's events of the look-back and the day, walked.
#[derive(Default)]
struct Visitor {
    /// The furthest step a visit's part reached on the day (0), the day
    /// before (1) and the one before that (2).
    reached: [usize; 3],
    /// A visit matched steps on the day and on an earlier day.
    split: bool,
}

/// The funnel rows of `day` for each funnel (its steps), and markers.
pub(super) async fn funnel_rows<C: ConnectionTrait + StreamTrait>(
    db: &C,
    site: Uuid,
    day: i32,
    b: &Bounds,
    funnels: &[Vec<GoalMatch>],
) -> Result<Vec<rollup::ActiveModel>, DbErr> {
    let mut out = Vec::new();
    for steps in funnels {
        let key = funnel_key(steps);
        out.push(empty_row(site, day, FUNNEL_MARK, vec![key.clone()], 0));
        let mut sql = Sql::new(db.get_database_backend());
        let mask = step_mask(&mut sql, steps);
        let any = any_step(&mut sql, steps);
        sql.push(&format!(
            "SELECT e.visitor_hash, e.session_id, e.ts, CAST({mask} AS BIGINT) FROM events e WHERE {any} AND e.site_id = "
        ));
        let (p, lo, hi) = (sql.param(site), sql.param(b.lookback), sql.param(b.end));
        sql.push(&format!(
            "{p} AND e.ts >= {lo} AND e.ts < {hi} ORDER BY e.visitor_hash, e.session_id, e.ts, e.id"
        ));
        let stream = db.stream(sql.statement()).await?;
        let mut stream = std::pin::pin!(stream);
        let mut counts: HashMap<(usize, i32), i64> = HashMap::new();
        let mut split: HashSet<i64> = HashSet::new();
        let mut finish = |h: i64, v: &Visitor| {
            for k in 1..=v.reached[0] {
                let gap = if v.reached[1] >= k {
                    1
                } else if v.reached[2] >= k {
                    2
                } else {
                    0
                };
                *counts.entry((k, gap)).or_default() += 1;
            }
            if v.split {
                split.insert(h);
            }
        };
        let mut visitor: Option<(i64, Visitor)> = None;
        // The visit being walked: its id, its part, the next step awaited,
        // and the parts it matched steps in.
        let mut visit: Option<(i64, usize, usize, [bool; 3])> = None;
        while let Some(r) = stream.try_next().await? {
            let (h, s, ts, m): (i64, i64, i64, i64) = (
                r.try_get_by_index(0)?,
                r.try_get_by_index(1)?,
                r.try_get_by_index(2)?,
                r.try_get_by_index(3)?,
            );
            if visitor.as_ref().map(|v| v.0) != Some(h) {
                if let Some((prev, v)) = &visitor {
                    finish(*prev, v);
                }
                visitor = Some((h, Visitor::default()));
                visit = None;
            }
            let Some((_, v)) = visitor.as_mut() else {
                continue;
            };
            let part = if ts >= b.start {
                0
            } else if ts >= b.yesterday {
                1
            } else {
                2
            };
            let walk = match &mut visit {
                Some(w) if w.0 == s => w,
                _ => visit.insert((s, part, 0, [false; 3])),
            };
            if walk.1 != part {
                // A new part of the same visit: its walk starts over.
                (walk.1, walk.2) = (part, 0);
            }
            walk.3[part] = true;
            if walk.3[0] && (walk.3[1] || walk.3[2]) {
                v.split = true;
            }
            if walk.2 < steps.len() && m & (1 << walk.2) != 0 {
                walk.2 += 1;
                v.reached[part] = v.reached[part].max(walk.2);
            }
        }
        if let Some((h, v)) = &visitor {
            finish(*h, v);
        }
        for ((k, gap), visitors) in counts {
            let mut row = empty_row(site, day, FUNNEL, vec![key.clone(), k.to_string()], gap);
            row.visitors = Set(visitors);
            out.push(row);
        }
        for h in split {
            out.push(empty_row(
                site,
                day,
                FUNNEL_SPLIT,
                vec![key.clone(), h.to_string()],
                0,
            ));
        }
    }
    Ok(out)
}
