//! The one SQL builder of the event store: statements written once for
//! PostgreSQL and SQLite (times are epoch milliseconds, every SUM is cast),
//! their values bound, never spliced in.

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use crate::{
    dimension::{Dimension, Filter, Op},
    goal::GoalMatch,
    time::Window,
};

/// A statement under construction, with placeholders for its backend.
pub struct Sql {
    backend: DbBackend,
    pub(crate) text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn param(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    /// `AND e.site_id IN (…)`.
    pub fn sites(&mut self, alias: &str, sites: &[Uuid]) {
        let params: Vec<String> = sites.iter().map(|s| self.param(*s)).collect();
        self.text
            .push_str(&format!(" AND {alias}.site_id IN ({})", params.join(", ")));
    }

    pub fn condition(&mut self, column: &str, op: Op, value: &str) -> String {
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

    /// The value of custom property `key` on events `alias` (NULL when the
    /// event has none), its key bound. Each use binds it again: SQLite's
    /// placeholders are positional.
    pub fn property(&mut self, alias: &str, key: &str) -> String {
        match self.backend {
            DbBackend::Postgres => {
                format!("({alias}.props::jsonb ->> {})", self.param(key.to_owned()))
            }
            _ => format!(
                "json_extract({alias}.props, {})",
                self.param(format!("$.\"{key}\""))
            ),
        }
    }

    /// A filter on custom property `key`, as `condition` on a column.
    fn property_condition(&mut self, alias: &str, key: &str, op: Op, value: &str) -> String {
        match op {
            Op::Is => {
                let expr = self.property(alias, key);
                format!("{expr} = {}", self.param(value.to_owned()))
            }
            Op::IsNot => {
                let a = self.property(alias, key);
                let b = self.property(alias, key);
                format!("({a} IS NULL OR {b} <> {})", self.param(value.to_owned()))
            }
            Op::Contains => {
                let expr = self.property(alias, key);
                self.condition(&expr, op, value)
            }
        }
    }

    /// Filters on events `e` (entry and exit pages through their visit; a
    /// goal through the visitors who converted to it in `span`, the
    /// report's whole range, of `sites`).
    pub fn event_filters(&mut self, filters: &[Filter], sites: &[Uuid], span: Window) {
        for f in filters {
            if f.dimension == Dimension::Goal {
                let Some(goal) = GoalMatch::from_filter_value(&f.value) else {
                    continue;
                };
                let (a, b) = (self.param(span.from_ms), self.param(span.to_ms));
                let mut inner =
                    format!("SELECT g.visitor_hash FROM events g WHERE g.ts >= {a} AND g.ts < {b}");
                let params: Vec<String> = sites.iter().map(|s| self.param(*s)).collect();
                inner.push_str(&format!(" AND g.site_id IN ({}) AND ", params.join(", ")));
                inner.push_str(&goal.condition(self, "g"));
                let not = if f.op == Op::IsNot { "NOT " } else { "" };
                self.text
                    .push_str(&format!(" AND e.visitor_hash {not}IN ({inner})"));
                continue;
            }
            if f.dimension == Dimension::Property {
                let Some(key) = &f.key else { continue };
                let cond = self.property_condition("e", key, f.op, &f.value);
                self.text.push_str(" AND ");
                self.text.push_str(&cond);
                continue;
            }
            let cond = match (f.dimension.event_expr("e"), f.dimension.visit_column()) {
                (Some(expr), _) => self.condition(&expr, f.op, &f.value),
                (None, Some(col)) => {
                    let inner = self.condition(&format!("v.{col}"), f.op, &f.value);
                    format!("e.session_id IN (SELECT v.session_id FROM visits v WHERE {inner})")
                }
                (None, None) => continue,
            };
            self.text.push_str(" AND ");
            self.text.push_str(&cond);
        }
    }

    /// Restricts visits `v` (started in `window`) to those with a matching
    /// event: a visit counts whole, even when the matching event came after
    /// the window's end (a visit that crosses its last midnight).
    pub fn visit_filters(&mut self, sites: &[Uuid], window: Window, filters: &[Filter]) {
        if filters.is_empty() {
            return;
        }
        self.push(" AND v.session_id IN (SELECT e.session_id FROM events e WHERE e.ts >= ");
        let a = self.param(window.from_ms);
        self.text.push_str(&a);
        self.sites("e", sites);
        self.event_filters(filters, sites, window);
        self.push(")");
    }
}

/// A statement written with `?` placeholders, numbered for PostgreSQL.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let text = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, text, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let s = statement(
            DbBackend::Postgres,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = statement(
            DbBackend::Sqlite,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = ? AND b = ?");
        let mut b = Sql::new(DbBackend::Postgres);
        let (x, y) = (b.param(1), b.param(2));
        b.push(&format!("a = {x} AND b = {y}"));
        assert_eq!(b.statement().sql, "a = $1 AND b = $2");
    }
}
