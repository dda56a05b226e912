use sea_orm::entity::prelude::*;

/// Bookkeeping of jobs people ask for (exports, deletions): status,
/// progress and result, queryable by id.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub organization_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    /// queued, running, succeeded, failed
    pub status: String,
    pub progress: f64,
    pub params: Json,
    pub result: Option<Json>,
    pub error: Option<String>,
    pub attempts: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
