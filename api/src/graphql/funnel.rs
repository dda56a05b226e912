//! Funnels: `createFunnel`, `deleteFunnel`, and the `Funnel` and
//! `FunnelReport` objects (`Site.funnels` and `Site.funnel` are fields of
//! `Site`, in `site.rs`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use trackr_entity::funnel;

use super::{parse_id, Ctx};
use crate::{
    access::{self, Action},
    error::ApiResult,
    funnels::{self, NewStep},
    stats::{self, Scope},
    ApiError, App,
};

/// A step: a page pattern or a goal of the site (one of them).
#[derive(InputObject)]
pub struct FunnelStepInput {
    /// Page views whose path matches (`*`, `**` as in goals).
    page_pattern: Option<String>,
    /// A goal of the site: the step matches what the goal matches now.
    goal_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CreateFunnelInput {
    site_id: ID,
    /// Unique per site, 1 to 120 characters.
    name: String,
    /// 2 to 8, in order.
    steps: Vec<FunnelStepInput>,
}

#[derive(Default)]
pub struct FunnelMutation;

#[Object]
impl FunnelMutation {
    /// Adds a funnel to a site (its owners and admins); at most 50 a site.
    async fn create_funnel(
        &self,
        ctx: &Context<'_>,
        input: CreateFunnelInput,
    ) -> ApiResult<Funnel> {
        let site_id = parse_id(&input.site_id, "site")?;
        let (site, _) = access::site(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            site_id,
            Action::ManageSites,
        )
        .await?;
        let steps = input
            .steps
            .into_iter()
            .map(|s| NewStep {
                page_pattern: s.page_pattern,
                goal_id: s.goal_id.map(|g| g.0),
            })
            .collect();
        let funnel = funnels::create(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            &site,
            &input.name,
            steps,
        )
        .await?;
        Ok(Funnel(funnel))
    }

    async fn delete_funnel(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let id = parse_id(&id, "funnel")?;
        funnels::delete(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }
}

pub struct Funnel(pub funnel::Model);

/// A funnel's step as stored.
#[derive(SimpleObject)]
pub struct FunnelStep {
    /// "Visit <pattern>", or the goal's name when the funnel was made.
    label: String,
    page_pattern: Option<String>,
    event_name: Option<String>,
}

#[Object]
impl Funnel {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn steps(&self) -> Vec<FunnelStep> {
        funnels::steps(&self.0)
            .into_iter()
            .map(|s| {
                let m = s.matcher();
                FunnelStep {
                    page_pattern: match &m {
                        Some(trackr_analytics::GoalMatch::Page(p)) => Some(p.clone()),
                        _ => None,
                    },
                    event_name: match m {
                        Some(trackr_analytics::GoalMatch::Event(n)) => Some(n),
                        _ => None,
                    },
                    label: s.label,
                }
            })
            .collect()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A funnel over a range: visitors reaching each step within one visit.
#[derive(SimpleObject)]
pub struct FunnelReport {
    funnel: Funnel,
    steps: Vec<FunnelStepReport>,
}

#[derive(SimpleObject)]
pub struct FunnelStepReport {
    label: String,
    /// Visitors who reached this step (and every one before it, in order,
    /// in one visit).
    visitors: i32,
    /// Visitors of the step before who did not reach this one (0 for the
    /// first step).
    drop_off: i32,
    /// `visitors` over the first step's, in percent (0–100).
    conversion_rate: f64,
}

/// A site's funnels.
pub async fn list(app: &App, site: uuid::Uuid) -> ApiResult<Vec<Funnel>> {
    Ok(funnels::list(app, site)
        .await?
        .into_iter()
        .map(Funnel)
        .collect())
}

/// One funnel of `scope`'s site over `scope`.
pub async fn report(app: &App, scope: &Scope, id: &ID) -> ApiResult<FunnelReport> {
    let funnel = funnels::get(app, scope.site, id.as_str()).await?;
    let steps = funnels::steps(&funnel);
    let matchers = steps
        .iter()
        .map(|s| s.matcher())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            ApiError::Internal(format!("funnel {} has a step it cannot read", funnel.id))
        })?;
    let reached = app
        .events
        .funnel(scope, &matchers, app.clock.now_ms())
        .await?;
    let first = reached.first().copied().unwrap_or(0);
    let mut before = first;
    let report = steps
        .into_iter()
        .zip(reached)
        .map(|(step, visitors)| {
            let row = FunnelStepReport {
                label: step.label,
                visitors: stats::clamp(visitors),
                drop_off: stats::clamp(before - visitors),
                conversion_rate: stats::percent(visitors, first),
            };
            before = visitors;
            row
        })
        .collect();
    Ok(FunnelReport {
        funnel: Funnel(funnel),
        steps: report,
    })
}
