//! Plans, subscriptions, invoices and usage; checkout, the customer
//! portal and finance's reconciliation.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use trackr_config::PlanId;
use trackr_entity::{audit_log, invoice, subscription};
use trackr_worker::billing::{reconcile, Billing, BillingError};

use super::{clamp_i32, parse_id, Ctx, Date};
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
        let report = reconcile::report(&b, &month).await.map_err(|e| match e {
            BillingError::NotAMonth(_) => ApiError::bad_input("month", e.to_string()),
            other => ApiError::Upstream(other.to_string()),
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

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "PlanId", remote = "PlanId")]
pub enum PlanIdGql {
    Free,
    Starter,
    Growth,
    Business,
}

pub struct Plan {
    pub id: PlanId,
    pub plan: trackr_config::Plan,
}

impl Plan {
    pub fn of(ctx: &Context<'_>, id: PlanId) -> Self {
        Plan {
            id,
            plan: ctx.app().settings.plans.get(id).clone(),
        }
    }
}

#[Object]
impl Plan {
    async fn id(&self) -> PlanIdGql {
        self.id.into()
    }
    async fn name(&self) -> &str {
        &self.plan.name
    }
    async fn monthly_events(&self) -> i32 {
        clamp_i32(self.plan.monthly_events)
    }
    /// `null` = unlimited.
    async fn max_sites(&self) -> Option<i32> {
        self.plan.max_sites.map(|n| clamp_i32(n.into()))
    }
    /// `null` = unlimited.
    async fn max_seats(&self) -> Option<i32> {
        self.plan.max_seats.map(|n| clamp_i32(n.into()))
    }
    async fn retention_days(&self) -> i32 {
        clamp_i32(self.plan.retention_days.into())
    }
    /// `null` = no session recordings on this plan.
    async fn recording_retention_days(&self) -> Option<i32> {
        self.plan
            .recording_retention_days
            .map(|n| clamp_i32(n.into()))
    }
}

/// The start of the billing month containing `today`.
pub fn period_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

#[derive(SimpleObject)]
pub struct Usage {
    pub period_start: Date,
    pub events: i32,
    pub limit: i32,
    pub over_quota: bool,
    /// Sites now, against the plan's `maxSites`.
    pub sites: i32,
    /// Seats taken now: members and open invitations, against the plan's
    /// `maxSeats`.
    pub seats: i32,
}

/// A subscription's status: Stripe's, by the same names.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "SubscriptionStatus", remote = "subscription::Status")]
pub enum SubscriptionStatusGql {
    /// The first payment has not succeeded yet (23 hours to complete).
    Incomplete,
    /// The first payment never succeeded; nothing was billed.
    IncompleteExpired,
    /// In its trial: the plan applies.
    Trialing,
    Active,
    /// A payment failed: the plan applies for the grace period.
    PastDue,
    /// Ended: a customer's cancellation keeps the plan until the period
    /// paid for ends.
    Canceled,
    /// Payments failed past Stripe's retries: the free plan applies.
    Unpaid,
    /// Paused at the end of a trial without a payment method.
    Paused,
}

pub struct Subscription(pub subscription::Model);

#[Object]
impl Subscription {
    /// Stripe's status.
    async fn status(&self) -> SubscriptionStatusGql {
        self.0.status.into()
    }
    async fn plan(&self, ctx: &Context<'_>) -> Plan {
        Plan::of(ctx, self.0.plan)
    }
    async fn current_period_end(&self) -> DateTime<Utc> {
        self.0.current_period_end
    }
    async fn cancel_at_period_end(&self) -> bool {
        self.0.cancel_at_period_end
    }
}

pub struct Invoice(pub invoice::Model);

#[Object]
impl Invoice {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn stripe_invoice_id(&self) -> &str {
        &self.0.stripe_invoice_id
    }
    async fn status(&self) -> &str {
        &self.0.status
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Minor units (cents).
    async fn amount_due(&self) -> i32 {
        i32::try_from(self.0.amount_due).unwrap_or(i32::MAX)
    }
    /// Minor units (cents).
    async fn amount_paid(&self) -> i32 {
        i32::try_from(self.0.amount_paid).unwrap_or(i32::MAX)
    }
    async fn period_start(&self) -> DateTime<Utc> {
        self.0.period_start
    }
    async fn period_end(&self) -> DateTime<Utc> {
        self.0.period_end
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    async fn hosted_invoice_url(&self) -> Option<&str> {
        self.0.hosted_url.as_deref()
    }
}
