use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "owner")]
    Owner,
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "billing")]
    Billing,
    #[sea_orm(string_value = "viewer")]
    Viewer,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub role: Role,
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
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    pub async fn find_membership<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<Model>, DbErr> {
        Entity::find_by_id((organization_id, user_id)).one(db).await
    }

    pub async fn count_owners<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::OrganizationId.eq(organization_id))
            .filter(Column::Role.eq(Role::Owner))
            .count(db)
            .await
    }

    pub async fn count_members<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::OrganizationId.eq(organization_id))
            .count(db)
            .await
    }
}
