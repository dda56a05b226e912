use sea_orm::entity::prelude::*;

/// Which local days of a site are rolled up: `[from_day, until_day)`, in
/// `timezone`. No event of the site is older than `from_day`, unless a
/// purge cut that day in two (then the rollups start the day after).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollup_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: Uuid,
    pub timezone: String,
    pub from_day: i32,
    pub until_day: i32,
    /// Bumped by every deletion of the site's analytics: a rollup read
    /// before it is not written after it.
    pub generation: i64,
    /// Visits that changed after this instant (ms) are rolled up again.
    pub visits_checked_at: i64,
    /// When not 0: the rows of `until_day` are rolled up to this instant
    /// (ms) of the day still going on; events after it are read raw.
    pub partial_until: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
