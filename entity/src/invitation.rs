use sea_orm::entity::prelude::*;

use crate::membership::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub role: Role,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// Invitations still waiting for an answer; they hold a seat.
    pub async fn count_pending<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::OrganizationId.eq(organization_id))
            .filter(Column::ExpiresAt.gt(crate::now()))
            .count(db)
            .await
    }
}
