use sea_orm::{entity::prelude::*, Set};

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
    /// When the job was handed to the Redis queue; null while it waits
    /// for Redis (or when jobs run in process).
    pub enqueued_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    /// A new job, queued, not yet handed to any queue.
    pub fn queued(
        id: Uuid,
        kind: &str,
        scope: (Option<Uuid>, Option<Uuid>),
        params: Json,
        created_by: Option<Uuid>,
    ) -> Self {
        let (organization_id, site_id) = scope;
        let now = crate::now();
        ActiveModel {
            id: Set(id),
            kind: Set(kind.to_owned()),
            organization_id: Set(organization_id),
            site_id: Set(site_id),
            status: Set("queued".into()),
            progress: Set(0.0),
            params: Set(params),
            result: Set(None),
            error: Set(None),
            attempts: Set(0),
            created_by: Set(created_by),
            created_at: Set(now),
            updated_at: Set(now),
            enqueued_at: Set(None),
        }
    }
}
