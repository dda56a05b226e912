use sea_orm::entity::prelude::*;

/// One accepted analytics event. `ts` is epoch milliseconds.
///
/// This is the one list of an event's columns in Rust: the writer fills
/// it, and an export is its serialization (the fields not skipped, in
/// this order).
#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
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
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub browser: String,
    pub os: String,
    pub device: String,
    /// Keyed hash of (daily salt, site, IP, user agent): never the IP.
    #[serde(rename = "visitor_id")]
    pub visitor_hash: i64,
    pub session_id: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub props: Option<String>,
    pub revenue_minor: Option<i64>,
    pub revenue_currency: Option<String>,
    /// Where a click landed, for heatmaps (not exported).
    #[serde(skip)]
    pub click_x: Option<f64>,
    #[serde(skip)]
    pub click_y: Option<i32>,
    #[serde(skip)]
    pub viewport_width: Option<i32>,
    /// A page view's deepest scroll in percent and its page's engaged
    /// time, from the engagement beacons after it (not exported).
    #[serde(skip)]
    pub scroll_depth: Option<i32>,
    #[serde(skip)]
    pub engaged_ms: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
