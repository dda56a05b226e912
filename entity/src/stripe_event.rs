use sea_orm::entity::prelude::*;

/// The webhook inbox: every verified Stripe event, stored before it is
/// acknowledged and processed later by the worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub stripe_event_id: String,
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// Stripe's `created` of the event.
    pub created: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
