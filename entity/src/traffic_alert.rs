use sea_orm::entity::prelude::*;

/// A site's traffic alert: `spike` (more than `threshold` visitors in the
/// last 15 minutes) or `silence` (no event for `threshold` hours while the
/// site had traffic the week before), sent at most once per `every_hours`
/// (`last_fired_at` records it, so a restart does not send again).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "traffic_alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub site_id: Uuid,
    pub kind: String,
    pub threshold: i32,
    pub every_hours: i32,
    pub last_fired_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
