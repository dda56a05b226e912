use sea_orm::entity::prelude::*;

/// A saved set of report filters (`filters`: a JSON array of GraphQL
/// `Filter` inputs), private to `user_id` unless `shared`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "segments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub site_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub filters: Json,
    pub shared: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
