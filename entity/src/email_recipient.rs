use sea_orm::entity::prelude::*;

/// An address that receives a site's email reports (`weekly`, `monthly`)
/// and traffic alerts (`alerts`) once confirmed (`confirmed_at`), through
/// the link a confirmation email carried. `token_hash` is the digest of the
/// token its links (confirm, one-click unsubscribe) carry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub site_id: Uuid,
    pub email: String,
    pub weekly: bool,
    pub monthly: bool,
    pub alerts: bool,
    pub token_hash: String,
    pub confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
