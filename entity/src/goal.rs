use sea_orm::entity::prelude::*;

/// What counts as a conversion on a site: page views whose path matches
/// `page_pattern` (`*` any characters but `/`, `**` any), or events named
/// `event_name`; with `currency`, a revenue goal summing those events'
/// revenue in that currency. Exactly one of `page_pattern` and
/// `event_name` is set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub site_id: Uuid,
    pub name: String,
    pub page_pattern: Option<String>,
    pub event_name: Option<String>,
    pub currency: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
