use sea_orm::entity::prelude::*;

/// One accepted analytics event. `ts` is epoch milliseconds.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: Uuid,
    pub ts: i64,
    pub name: String,
    pub pathname: String,
    pub hostname: String,
    pub referrer: Option<String>,
    pub referrer_source: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub browser: String,
    pub os: String,
    pub device: String,
    /// Keyed hash of (daily salt, site, IP, user agent): never the IP.
    pub visitor_hash: i64,
    pub session_id: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub props: Option<String>,
    pub revenue_minor: Option<i64>,
    pub revenue_currency: Option<String>,
    pub click_x: Option<f64>,
    pub click_y: Option<i32>,
    pub viewport_width: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Deletes a site's analytics rows (events, visits, rollups and recording rows;
/// the recordings' objects are the caller's to remove).
pub async fn delete_for_sites<C: ConnectionTrait>(db: &C, site_ids: &[Uuid]) -> Result<u64, DbErr> {
    if site_ids.is_empty() {
        return Ok(0);
    }
    let events = Entity::delete_many()
        .filter(Column::SiteId.is_in(site_ids.iter().copied()))
        .exec(db)
        .await?;
    super::visit::Entity::delete_many()
        .filter(super::visit::Column::SiteId.is_in(site_ids.iter().copied()))
        .exec(db)
        .await?;
    super::recording::delete_for_sites(db, site_ids).await?;
    // The state first: a rollup being written for these sites then finds
    // no state and writes nothing.
    super::rollup_state::Entity::delete_many()
        .filter(super::rollup_state::Column::SiteId.is_in(site_ids.iter().copied()))
        .exec(db)
        .await?;
    super::rollup::Entity::delete_many()
        .filter(super::rollup::Column::SiteId.is_in(site_ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(events.rows_affected)
}
