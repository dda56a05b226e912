//! Plans, checkout, the customer portal and finance's reconciliation.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use trackr_config::PlanId;
use trackr_entity::audit_log;
use trackr_worker::billing::{reconcile, Billing};

use super::{
    parse_id,
    types::{Plan, PlanIdGql},
    Ctx,
};
use crate::{
    access,
    billing::{self, Interval},
    error::ApiResult,
    ApiError,
};

#[derive(Default)]
pub struct BillingQuery;

/// Per currency and plan, in minor units.
#[derive(SimpleObject)]
pub struct ReconciliationTotal {
    pub currency: String,
    pub plan: String,
    pub invoiced: i64,
    pub paid: i64,
    pub refunded: i64,
    pub active_subscriptions: i64,
    pub mrr: i64,
}

#[derive(SimpleObject)]
pub struct Discrepancy {
    /// plan_mismatch, subscription_missing_here, subscription_not_in_stripe,
    /// subscription_status, invoice_missing_here, invoice_status
    pub kind: String,
    pub organization_id: Option<ID>,
    pub stripe_id: Option<String>,
    pub detail: String,
}

#[derive(SimpleObject)]
pub struct Reconciliation {
    pub month: String,
    pub totals: Vec<ReconciliationTotal>,
    pub discrepancies: Vec<Discrepancy>,
    /// False when Stripe's API is not configured: only TrackR's records
    /// were compared.
    pub compared_with_stripe: bool,
}

#[Object]
impl BillingQuery {
    /// The plan catalogue, cheapest first.
    async fn plans(&self, ctx: &Context<'_>) -> Vec<Plan> {
        PlanId::ALL
            .into_iter()
            .map(|id| Plan::of(ctx, id))
            .collect()
    }

    /// Staff only: Stripe's billing against TrackR's for `month`
    /// (`YYYY-MM`).
    async fn reconciliation(&self, ctx: &Context<'_>, month: String) -> ApiResult<Reconciliation> {
        billing::require_staff(ctx.principal())?;
        let app = ctx.app();
        let b = Billing::new(&app.db, &app.settings).map_err(ApiError::internal)?;
        let report = reconcile::report(&b, &month).await.map_err(|e| {
            if e.contains("not a month") {
                ApiError::bad_input("month", e)
            } else {
                ApiError::Upstream(e)
            }
        })?;
        access::audit(
            app,
            ctx.principal(),
            ctx.meta(),
            audit_log::Entry::new("finance.reconciliation.read", "billing")
                .details(serde_json::json!({"month": month})),
        )
        .await?;
        Ok(Reconciliation {
            month: report.month,
            compared_with_stripe: report.compared_with_stripe,
            totals: report
                .totals
                .into_iter()
                .map(|t| ReconciliationTotal {
                    currency: t.currency,
                    plan: t.plan,
                    invoiced: t.invoiced,
                    paid: t.paid,
                    refunded: t.refunded,
                    active_subscriptions: t.active_subscriptions,
                    mrr: t.mrr,
                })
                .collect(),
            discrepancies: report
                .discrepancies
                .into_iter()
                .map(|d| Discrepancy {
                    kind: d.kind,
                    organization_id: d.organization_id.map(|o| ID(o.to_string())),
                    stripe_id: d.stripe_id,
                    detail: d.detail,
                })
                .collect(),
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(name = "BillingInterval")]
pub enum BillingIntervalGql {
    #[default]
    Month,
    Year,
}

#[derive(Default)]
pub struct BillingMutation;

#[Object]
impl BillingMutation {
    /// Returns the Stripe Checkout URL. OWNER and BILLING only.
    async fn start_checkout(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        plan: PlanIdGql,
        interval: Option<BillingIntervalGql>,
    ) -> ApiResult<String> {
        let id = parse_id(&organization_id, "organization")?;
        let interval = match interval.unwrap_or_default() {
            BillingIntervalGql::Month => Interval::Month,
            BillingIntervalGql::Year => Interval::Year,
        };
        billing::start_checkout(
            ctx.app(),
            ctx.principal(),
            ctx.meta(),
            id,
            plan.into(),
            interval,
        )
        .await
    }

    /// Returns a Stripe customer-portal URL. OWNER and BILLING only.
    async fn billing_portal_url(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> ApiResult<String> {
        let id = parse_id(&organization_id, "organization")?;
        billing::portal_url(ctx.app(), ctx.principal(), ctx.meta(), id).await
    }
}
