use sea_orm::entity::prelude::*;

/// One visit: consecutive events of a visitor less than 30 minutes apart.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: i64,
    pub site_id: Uuid,
    pub visitor_hash: i64,
    /// Epoch milliseconds.
    pub started_at: i64,
    pub ended_at: i64,
    pub entry_page: String,
    pub exit_page: String,
    pub pageviews: i32,
    pub events: i32,
    /// Where the visit came from (its first event's source): every event
    /// of the visit is attributed to it.
    pub referrer_source: String,
    pub referrer: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
