use sea_orm::entity::prelude::*;

/// One rollup row: for a site's local day (days since 1970-01-01 in the
/// site's zone), one value of each dimension of `dim` (`value`, `value2`,
/// `value3`, in the order of `trackr_analytics::Combo`), and one `gap` (0:
/// the visitor had not been seen with these values in the days before; n:
/// last seen n days before), how many visitors, how many of them viewed a
/// page (`pv_visitors`, by the gap of their page views), and the pageviews
/// and events they made. Visit aggregates live on the rows of the visits
/// dimension, and on each value's rows with `gap = -1`. A goal's revenue
/// rows (`trackr_analytics::rollup::GOAL_REVENUE`) carry the sum of its
/// events' revenue in `revenue_minor` (minor units of the currency in
/// `value2`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: Uuid,
    pub day: i32,
    pub dim: i32,
    pub value: String,
    pub value2: String,
    pub value3: String,
    pub gap: i32,
    pub visitors: i64,
    pub pv_visitors: i64,
    pub pageviews: i64,
    pub events: i64,
    pub visits: i64,
    pub bounces: i64,
    pub duration_ms: i64,
    pub visit_pageviews: i64,
    pub revenue_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
