//! Plans, checkout and the customer portal.

use async_graphql::{Context, Object, ID};
use trackr_config::PlanId;

use super::{
    parse_id,
    types::{Plan, PlanIdGql},
    Ctx,
};
use crate::{
    access::{self, Action},
    error::ApiResult,
    ApiError,
};

#[derive(Default)]
pub struct BillingQuery;

#[Object]
impl BillingQuery {
    /// The plan catalogue, cheapest first.
    async fn plans(&self, ctx: &Context<'_>) -> Vec<Plan> {
        PlanId::ALL
            .into_iter()
            .map(|id| Plan::of(ctx, id))
            .collect()
    }
}

#[derive(Default)]
pub struct BillingMutation;

fn billing_unavailable(ctx: &Context<'_>) -> ApiError {
    if ctx.app().settings.stripe_secret_key.is_none() {
        return ApiError::NotAvailable(
            "billing is not configured on this server (TRACKR_STRIPE_SECRET_KEY is unset)".into(),
        );
    }
    ApiError::NotAvailable("Stripe billing is not available yet in this version".into())
}

#[Object]
impl BillingMutation {
    /// Returns the Stripe Checkout URL. OWNER and BILLING only.
    async fn start_checkout(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        plan: PlanIdGql,
    ) -> ApiResult<String> {
        let id = parse_id(&organization_id, "organization")?;
        access::organization(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageBilling,
        )
        .await?;
        if PlanId::from(plan) == PlanId::Free {
            return Err(ApiError::bad_input(
                "plan",
                "the free plan needs no checkout",
            ));
        }
        Err(billing_unavailable(ctx))
    }

    /// Returns a Stripe customer-portal URL. OWNER and BILLING only.
    async fn billing_portal_url(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> ApiResult<String> {
        let id = parse_id(&organization_id, "organization")?;
        access::organization(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            Action::ManageBilling,
        )
        .await?;
        Err(billing_unavailable(ctx))
    }
}
