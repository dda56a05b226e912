use sea_orm::entity::prelude::*;

/// A log-in session. Only the SHA-256 of the bearer token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Browser and system, such as "Firefox on Linux" (never the raw
    /// User-Agent).
    pub device: Option<String>,
    /// When a request last used it, to within `LAST_SEEN_EVERY`.
    pub last_seen_at: Option<DateTimeUtc>,
}

/// How stale `last_seen_at` may be before a request writes it again: one
/// write per session per five minutes, not one per request.
pub const LAST_SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
