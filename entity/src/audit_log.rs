use sea_orm::{entity::prelude::*, Set};

/// Who did what to which tenant's data: staff reads, exports, deletions,
/// membership and billing changes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The acting user; `None` for the system (worker, webhooks).
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub organization_id: Option<Uuid>,
    /// Keyed hash of the actor's IP, never the IP itself.
    pub ip_hash: Option<String>,
    pub details: Json,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One audit entry to write.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor_user_id: Option<Uuid>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub organization_id: Option<Uuid>,
    pub ip_hash: Option<String>,
    pub details: serde_json::Value,
}

impl Entry {
    pub fn new(action: &'static str, target_type: &'static str) -> Self {
        Self {
            actor_user_id: None,
            action,
            target_type,
            target_id: None,
            organization_id: None,
            ip_hash: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn target(mut self, id: impl ToString) -> Self {
        self.target_id = Some(id.to_string());
        self
    }

    pub fn organization(mut self, id: Uuid) -> Self {
        self.organization_id = Some(id);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    pub async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        ActiveModel {
            id: Set(crate::new_id()),
            actor_user_id: Set(self.actor_user_id),
            action: Set(self.action.to_owned()),
            target_type: Set(self.target_type.to_owned()),
            target_id: Set(self.target_id),
            organization_id: Set(self.organization_id),
            ip_hash: Set(self.ip_hash),
            details: Set(self.details),
            at: Set(crate::now()),
        }
        .insert(db)
        .await?;
        Ok(())
    }
}
