//! Goals: `createGoal`, `deleteGoal`, and the `Goal`, `GoalConversion`
//! and `RevenueTotal` objects (`Site.goals` and `Site.goalConversions`
//! are fields of `Site`, in `site.rs`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use trackr_analytics::Conversions;
use trackr_entity::goal;

use super::{parse_id, site::Site, Ctx};
use crate::{
    access::{self, Action},
    error::ApiResult,
    goals::{self, NewGoal},
    stats::{self, Scope},
    App,
};

#[derive(InputObject)]
pub struct CreateGoalInput {
    site_id: ID,
    /// Defaults to "Visit <pattern>" or the event's name; unique per site.
    name: Option<String>,
    /// Page views whose path matches: `*` any characters but `/`, `**`
    /// any characters (`/blog/*`, `/docs/**`).
    page_pattern: Option<String>,
    /// Events of this name (not both a pattern and a name).
    event_name: Option<String>,
    /// With an event name: a revenue goal in this ISO 4217 currency.
    currency: Option<String>,
}

#[derive(Default)]
pub struct GoalMutation;

#[Object]
impl GoalMutation {
    /// Adds a goal to a site (its owners and admins); at most 100 a site.
    async fn create_goal(&self, ctx: &Context<'_>, input: CreateGoalInput) -> ApiResult<Goal> {
        let site_id = parse_id(&input.site_id, "site")?;
        let (site, _) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            site_id,
            Action::ManageSites,
        )
        .await?;
        let goal = goals::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            NewGoal {
                name: input.name,
                page_pattern: input.page_pattern,
                event_name: input.event_name,
                currency: input.currency,
            },
        )
        .await?;
        Ok(Goal(goal))
    }

    /// Deletes a goal (the events stay; only the goal's figures go).
    async fn delete_goal(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "goal")?;
        goals::delete(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }
}

pub struct Goal(pub goal::Model);

#[Object]
impl Goal {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Set for a page goal.
    async fn page_pattern(&self) -> Option<&str> {
        self.0.page_pattern.as_deref()
    }
    /// Set for an event goal.
    async fn event_name(&self) -> Option<&str> {
        self.0.event_name.as_deref()
    }
    /// Set for a revenue goal.
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A goal's conversions over a range, under the report's filters.
#[derive(SimpleObject)]
pub struct GoalConversion {
    goal: Goal,
    /// Visitors who converted (unique conversions).
    visitors: i32,
    /// Converting events (total conversions).
    conversions: i32,
    /// `visitors` over all visitors of the range (same filters), in
    /// percent (0–100).
    conversion_rate: f64,
    /// Revenue the converting events carried, per currency (a revenue
    /// goal's own currency first); empty for page goals.
    revenue: Vec<RevenueTotal>,
}

/// Revenue in one currency, as exact decimals ("1234.50").
#[derive(SimpleObject)]
pub struct RevenueTotal {
    currency: String,
    total: String,
    /// Per converting event that carried revenue.
    average: String,
    /// Converting events that carried revenue in this currency.
    events: i32,
}

fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// A site's goals.
pub async fn list(app: &App, site: &Site) -> ApiResult<Vec<Goal>> {
    Ok(goals::list(app, site.model.id)
        .await?
        .into_iter()
        .map(Goal)
        .collect())
}

/// Every goal's conversions over `scope`, in the goals' order.
pub async fn conversions(app: &App, scope: &Scope) -> ApiResult<Vec<GoalConversion>> {
    let list = goals::list(app, scope.site).await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let matchers: Vec<_> = list.iter().map(goals::matcher).collect();
    let counts = app
        .events
        .goal_conversions(scope, &matchers, app.clock.now_ms())
        .await?;
    let all = app
        .events
        .stats(std::slice::from_ref(scope), app.clock.now_ms())
        .await?
        .first()
        .map(|s| s.visitors)
        .unwrap_or(0);
    Ok(list
        .into_iter()
        .zip(counts)
        .map(|(goal, c): (goal::Model, Conversions)| {
            let mut revenue: Vec<RevenueTotal> = c
                .revenue
                .into_iter()
                .map(|r| RevenueTotal {
                    total: decimal(r.total_minor),
                    average: decimal(if r.events == 0 {
                        0
                    } else {
                        (r.total_minor as f64 / r.events as f64).round() as i64
                    }),
                    events: stats::clamp(r.events),
                    currency: r.currency,
                })
                .collect();
            if let Some(own) = goal.currency.as_deref() {
                revenue.sort_by_key(|r| r.currency != own);
            }
            GoalConversion {
                visitors: stats::clamp(c.visitors),
                conversions: stats::clamp(c.events),
                conversion_rate: stats::percent(c.visitors, all),
                revenue,
                goal: Goal(goal),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn minor_units_read_as_decimals() {
        assert_eq!(super::decimal(0), "0.00");
        assert_eq!(super::decimal(5), "0.05");
        assert_eq!(super::decimal(123450), "1234.50");
        assert_eq!(super::decimal(-199), "-1.99");
    }
}
