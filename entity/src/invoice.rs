use sea_orm::entity::prelude::*;

/// A mirror of a Stripe invoice, for finance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub stripe_invoice_id: String,
    pub organization_id: Option<Uuid>,
    pub stripe_subscription_id: Option<String>,
    pub status: String,
    pub currency: String,
    /// Minor units (cents).
    pub amount_due: i64,
    pub amount_paid: i64,
    /// Refunded through `charge.refunded`, minor units.
    pub amount_refunded: i64,
    pub price_id: Option<String>,
    pub period_start: DateTimeUtc,
    pub period_end: DateTimeUtc,
    pub hosted_url: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub last_event_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
