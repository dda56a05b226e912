use sea_orm::entity::prelude::*;
use trackr_config::PlanId;

/// An organization's Stripe subscription, as last applied from Stripe.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(unique)]
    pub stripe_subscription_id: String,
    pub stripe_customer_id: String,
    /// Stripe's status: active, trialing, past_due, canceled, …
    pub status: String,
    pub price_id: String,
    /// The plan of the price.
    pub plan: PlanId,
    pub current_period_end: DateTimeUtc,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTimeUtc>,
    /// The price, for MRR: currency, amount in minor units, `month`/`year`.
    pub currency: Option<String>,
    pub unit_amount: Option<i64>,
    pub billing_interval: Option<String>,
    /// After a downgrade, the former plan whose retention still applies
    /// until the period paid for ends.
    pub retained_plan: Option<PlanId>,
    pub retained_until: Option<DateTimeUtc>,
    /// `created` of the newest Stripe event applied; older ones never win.
    pub last_event_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
