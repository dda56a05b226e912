use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Immutable once chosen.
    #[sea_orm(unique)]
    pub username: String,
    /// Stored lower-cased.
    #[sea_orm(unique)]
    pub email: String,
    pub email_verified_at: Option<DateTimeUtc>,
    pub password_hash: String,
    pub name: Option<String>,
    pub is_staff: bool,
    /// Finance staff: reads billing across organizations, nothing else.
    pub is_finance: bool,
    pub created_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    pub async fn find_by_email<C: ConnectionTrait>(
        db: &C,
        email: &str,
    ) -> Result<Option<Model>, DbErr> {
        Entity::find()
            .filter(Column::Email.eq(email.trim().to_lowercase()))
            .one(db)
            .await
    }
}
