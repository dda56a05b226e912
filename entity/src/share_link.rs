use sea_orm::entity::prelude::*;

/// A link that shows one site's dashboard, read-only, to whoever holds its
/// `slug` (22 random base-62 characters), behind `password_hash` (argon2)
/// when set, until `expires_at` when set; framed (`?embed=true`) only by
/// `allowed_origins` when the list is not empty. Deleting it revokes it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub site_id: Uuid,
    pub slug: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub allowed_origins: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the link still opens at `now`.
    pub fn live(&self, now: DateTimeUtc) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }

    /// The origins that may frame it (empty: any).
    pub fn origins(&self) -> Vec<String> {
        serde_json::from_value(self.allowed_origins.clone()).unwrap_or_default()
    }
}
