//! Goals (issue 17): what counts as a conversion, as conditions on event
//! rows, and the conversions report.
//!
//! A page goal's pattern matches a page view's path whole: `*` stands for
//! any characters but `/`, `**` for any characters. Patterns become one
//! anchored regular expression that PostgreSQL (`~`) and SQLite (`REGEXP`,
//! registered on each connection by the API) read alike; a pattern
//! without a wildcard is compared with `=`.

use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use uuid::Uuid;

use crate::{dimension::Filter, reports::get, sql::Sql, time::Window};

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
        if matches!(goal, GoalMatch::Event(_)) && c.events > 0 {
            let sql = matching(
                db,
                site,
                window,
                filters,
                goal,
                "e.revenue_currency, CAST(SUM(e.revenue_minor) AS BIGINT), COUNT(*)",
                " AND e.revenue_minor IS NOT NULL AND e.revenue_currency IS NOT NULL GROUP BY e.revenue_currency ORDER BY e.revenue_currency",
            );
            for row in db.query_all(sql.statement()).await? {
                c.revenue.push(Revenue {
                    currency: row.try_get_by_index(0)?,
                    total_minor: get(&row, 1)?,
                    events: get(&row, 2)?,
                });
            }
        }
        out.push(c);
    }
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
