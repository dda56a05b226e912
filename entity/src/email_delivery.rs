use sea_orm::entity::prelude::*;

/// One email owed to a recipient: a report of `kind` (`weekly`, `monthly`)
/// for `period` (`2026-W48`, `2026-11`), or an alert (`spike`, `silence`)
/// fired at `period` (ms). Unique per recipient, kind and period: whoever
/// inserts it sends it. `state`: `claimed` (being prepared; taken over
/// once `claimed_at` is old), `sending` (handed to the mail server: never
/// sent again, even if its sender died), `sent`, or `unknown` (its sender
/// died while handing it over).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub period: String,
    pub state: String,
    pub claimed_at: DateTimeUtc,
    pub attempts: i32,
    pub sent_at: Option<DateTimeUtc>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
