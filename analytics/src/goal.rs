//! Goals (issue 17): what counts as a conversion, as conditions on event
//! rows, and the conversions report.
//!
//! A page goal's pattern matches a page view's path whole: `*` stands for
//! any characters but `/`, `**` for any characters. Patterns become one
//! anchored regular expression that PostgreSQL (`~`) and SQLite (`REGEXP`,
//! registered on each connection by the API) read alike; a pattern
//! without a wildcard is compared with `=`.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use uuid::Uuid;

use crate::{
    dimension::Filter,
    reports::{get, tail_of, By, Plan},
    rollup,
    sql::Sql,
    time::Window,
};

/// The longest page pattern and event name a goal takes.
pub const MAX_PATTERN: usize = 300;

/// What a goal matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GoalMatch {
    /// Page views whose path matches the pattern.
    Page(String),
    /// Events of this name.
    Event(String),
}

impl GoalMatch {
    /// A page goal, if the pattern is one: it starts with `/`, has no
    /// spaces or control characters, no run of three `*`, and is at most
    /// `MAX_PATTERN` characters.
    pub fn page(pattern: &str) -> Result<GoalMatch, String> {
        if !pattern.starts_with('/') {
            return Err("a page pattern starts with /".into());
        }
        if pattern.chars().count() > MAX_PATTERN {
            return Err(format!(
                "a page pattern is at most {MAX_PATTERN} characters"
            ));
        }
        if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a page pattern has no spaces or control characters".into());
        }
        if pattern.contains("***") {
            return Err(
                "a page pattern has * (within a segment) or ** (across segments), never ***".into(),
            );
        }
        Ok(GoalMatch::Page(pattern.to_owned()))
    }

    /// An event goal, if the name is one (1 to `MAX_PATTERN` characters,
    /// not `pageview`: page views are page goals).
    pub fn event(name: &str) -> Result<GoalMatch, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_PATTERN {
            return Err(format!("an event name is 1 to {MAX_PATTERN} characters"));
        }
        if name == "pageview" {
            return Err("page views are page goals: give a page pattern".into());
        }
        Ok(GoalMatch::Event(name.to_owned()))
    }

    /// The condition an event row aliased `alias` meets to convert.
    pub fn condition(&self, sql: &mut Sql, alias: &str) -> String {
        match self {
            GoalMatch::Event(name) => format!("{alias}.name = {}", sql.param(name.clone())),
            GoalMatch::Page(pattern) if !pattern.contains('*') => format!(
                "{alias}.name = 'pageview' AND {alias}.pathname = {}",
                sql.param(pattern.clone())
            ),
            GoalMatch::Page(pattern) => {
                let op = match sql.backend() {
                    DbBackend::Postgres => "~",
                    _ => "REGEXP",
                };
                format!(
                    "{alias}.name = 'pageview' AND {alias}.pathname {op} {}",
                    sql.param(pattern_regex(pattern))
                )
            }
        }
    }

    /// What a stored goal matches.
    pub fn of(goal: &trackr_entity::goal::Model) -> GoalMatch {
        match (&goal.page_pattern, &goal.event_name) {
            (Some(p), _) => GoalMatch::Page(p.clone()),
            (None, Some(n)) => GoalMatch::Event(n.clone()),
            (None, None) => GoalMatch::Event(goal.name.clone()),
        }
    }

    /// Its form as a filter's value (`Dimension::Goal`): `page:<pattern>`
    /// or `event:<name>`.
    pub fn filter_value(&self) -> String {
        match self {
            GoalMatch::Page(p) => format!("page:{p}"),
            GoalMatch::Event(n) => format!("event:{n}"),
        }
    }

    /// The goal a filter's value names (see `filter_value`).
    pub fn from_filter_value(value: &str) -> Option<GoalMatch> {
        if let Some(p) = value.strip_prefix("page:") {
            GoalMatch::page(p).ok()
        } else {
            value
                .strip_prefix("event:")
                .and_then(|n| GoalMatch::event(n).ok())
        }
    }
}

/// The anchored regular expression of a page pattern.
pub fn pattern_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(".*");
            }
            '*' => out.push_str("[^/]*"),
            '.' | '^' | '$' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('$');
    out
}

/// A goal's conversions over a window: the visitors who converted, the
/// converting events, and per currency the revenue (minor units) they
/// carried and how many carried it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversions {
    pub visitors: i64,
    pub events: i64,
    pub revenue: Vec<Revenue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revenue {
    pub currency: String,
    pub total_minor: i64,
    pub events: i64,
}

/// The conversions of each goal, in order, of a site's events in `window`
/// that pass `filters` (read raw).
pub async fn conversions<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    goals: &[GoalMatch],
) -> Result<Vec<Conversions>, DbErr> {
    let mut out = Vec::with_capacity(goals.len());
    for goal in goals {
        let mut c = Conversions::default();
        let sql = matching(
            db,
            site,
            window,
            filters,
            goal,
            "COUNT(DISTINCT e.visitor_hash), COUNT(*)",
            "",
        );
        if let Some(row) = db.query_one(sql.statement()).await? {
            c.visitors = get(&row, 0)?;
            c.events = get(&row, 1)?;
        }
        if c.events > 0 {
            c.revenue = revenue(db, site, window, filters, goal).await?;
        }
        out.push(c);
    }
    Ok(out)
}

/// Per currency, the revenue of an event goal's events in `window` that
/// pass `filters` (page goals have none), by currency.
async fn revenue<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    goal: &GoalMatch,
) -> Result<Vec<Revenue>, DbErr> {
    if !matches!(goal, GoalMatch::Event(_)) {
        return Ok(Vec::new());
    }
    let sql = matching(
        db,
        site,
        window,
        filters,
        goal,
        "e.revenue_currency, CAST(SUM(e.revenue_minor) AS BIGINT), COUNT(*)",
        " AND e.revenue_minor IS NOT NULL AND e.revenue_currency IS NOT NULL GROUP BY e.revenue_currency ORDER BY e.revenue_currency",
    );
    let mut out = Vec::new();
    for row in db.query_all(sql.statement()).await? {
        out.push(Revenue {
            currency: row.try_get_by_index(0)?,
            total_minor: get(&row, 1)?,
            events: get(&row, 2)?,
        });
    }
    Ok(out)
}

/// `conversions` without filters, from the rollups and the raw tail after
/// them, for the goals whose rows cover every rolled-up day of `plan`;
/// `None` in place of the others (rolled up for them by the worker's next
/// runs: read them raw meanwhile).
pub async fn conversions_rolled<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    goals: &[GoalMatch],
) -> Result<Vec<Option<Conversions>>, DbErr> {
    let keys: Vec<String> = goals.iter().map(GoalMatch::filter_value).collect();
    let days = i64::from(plan.rolled_end - plan.first);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT r.value, r.dim, r.value2, r.day, r.gap, r.visitors, r.events, r.revenue_minor FROM rollups r WHERE r.site_id = ");
    let (p, a, b) = (
        sql.param(plan.site),
        sql.param(plan.first),
        sql.param(plan.rolled_end),
    );
    let dims: Vec<String> = [rollup::GOAL, rollup::GOAL_REVENUE, rollup::GOAL_MARK]
        .into_iter()
        .map(|d| sql.param(d))
        .collect();
    let values: Vec<String> = keys.iter().map(|k| sql.param(k.clone())).collect();
    sql.push(&format!(
        "{p} AND r.day >= {a} AND r.day < {b} AND r.dim IN ({}) AND r.value IN ({})",
        dims.join(", "),
        values.join(", ")
    ));
    let mut marks: HashMap<String, i64> = HashMap::new();
    let mut found: HashMap<String, Conversions> = HashMap::new();
    for r in db.query_all(sql.statement()).await? {
        let (key, dim): (String, i32) = (r.try_get_by_index(0)?, r.try_get_by_index(1)?);
        let c = found.entry(key.clone()).or_default();
        match dim {
            rollup::GOAL_MARK => *marks.entry(key).or_default() += 1,
            rollup::GOAL => {
                let (day, gap): (i32, i32) = (r.try_get_by_index(3)?, r.try_get_by_index(4)?);
                if gap == 0 || gap > day - plan.first {
                    c.visitors += get(&r, 5)?;
                }
                c.events += get(&r, 6)?;
            }
            _ => add_revenue(
                &mut c.revenue,
                Revenue {
                    currency: r.try_get_by_index(2)?,
                    total_minor: get(&r, 7)?,
                    events: get(&r, 6)?,
                },
            ),
        }
    }
    let mut out = Vec::with_capacity(goals.len());
    for (goal, key) in goals.iter().zip(&keys) {
        if marks.get(key).copied().unwrap_or(0) != days {
            out.push(None);
            continue;
        }
        let mut c = found.remove(key).unwrap_or_default();
        for (_, new, _, events) in tail_of(db, plan, By::Goal(goal)).await? {
            c.visitors += new;
            c.events += events;
        }
        if let Some(tail) = plan.tail {
            for r in revenue(db, plan.site, tail, &[], goal).await? {
                add_revenue(&mut c.revenue, r);
            }
        }
        c.revenue.sort_by(|a, b| a.currency.cmp(&b.currency));
        out.push(Some(c));
    }
    Ok(out)
}

fn add_revenue(list: &mut Vec<Revenue>, r: Revenue) {
    match list.iter_mut().find(|x| x.currency == r.currency) {
        Some(x) => {
            x.total_minor += r.total_minor;
            x.events += r.events;
        }
        None => list.push(r),
    }
}

/// What a site's goals match, each once, in a stable order.
pub async fn site_goals<C: ConnectionTrait>(db: &C, site: Uuid) -> Result<Vec<GoalMatch>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use trackr_entity::goal;
    let mut out: Vec<GoalMatch> = goal::Entity::find()
        .filter(goal::Column::SiteId.eq(site))
        .all(db)
        .await?
        .iter()
        .map(GoalMatch::of)
        .collect();
    out.sort_by_key(GoalMatch::filter_value);
    out.dedup();
    Ok(out)
}

/// `SELECT {select} FROM events e` where they convert to `goal`, then `tail`.
fn matching<C: ConnectionTrait>(
    db: &C,
    site: Uuid,
    window: Window,
    filters: &[Filter],
    goal: &GoalMatch,
    select: &str,
    tail: &str,
) -> Sql {
    let mut sql = Sql::new(db.get_database_backend());
    let (p, a, b) = (
        sql.param(site),
        sql.param(window.from_ms),
        sql.param(window.to_ms),
    );
    let cond = goal.condition(&mut sql, "e");
    sql.push(&format!(
        "SELECT {select} FROM events e WHERE e.site_id = {p} AND e.ts >= {a} AND e.ts < {b} AND {cond}"
    ));
    sql.event_filters(filters, &[site], window);
    sql.push(tail);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_become_anchored_expressions() {
        assert_eq!(pattern_regex("/blog/*"), "^/blog/[^/]*$");
        assert_eq!(pattern_regex("/docs/**"), "^/docs/.*$");
        assert_eq!(pattern_regex("/a.b/*/c?x"), "^/a\\.b/[^/]*/c\\?x$");
        let re = |p: &str| regex::Regex::new(&pattern_regex(p)).unwrap();
        assert!(re("/blog/*").is_match("/blog/hello"));
        assert!(!re("/blog/*").is_match("/blog/a/b"));
        assert!(re("/blog/**").is_match("/blog/a/b"));
        assert!(re("/**/edit").is_match("/x/y/edit"));
        assert!(re("/p(1)+[x]").is_match("/p(1)+[x]"));
        assert!(!re("/pricing").is_match("/pricingx"));
    }

    #[test]
    fn malformed_goals_are_refused() {
        assert!(GoalMatch::page("blog").is_err());
        assert!(GoalMatch::page("/a b").is_err());
        assert!(GoalMatch::page("/***").is_err());
        assert!(GoalMatch::page(&format!("/{}", "a".repeat(MAX_PATTERN))).is_err());
        assert!(GoalMatch::event(" ").is_err());
        assert!(GoalMatch::event("pageview").is_err());
        let g = GoalMatch::page("/blog/**").unwrap();
        assert_eq!(GoalMatch::from_filter_value(&g.filter_value()), Some(g));
        let g = GoalMatch::event("Signup").unwrap();
        assert_eq!(GoalMatch::from_filter_value(&g.filter_value()), Some(g));
        assert_eq!(GoalMatch::from_filter_value("nope"), None);
    }
}
