use sea_orm::entity::prelude::*;

/// Single-use, expiring tokens sent by email (verification, password reset).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `verify_email` or `reset_password`.
    pub purpose: String,
    /// The address the token was sent to (verification is of that address).
    pub email: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

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

impl ActiveModelBehavior for ActiveModel {}

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";

impl Entity {
    /// Marks the token used and returns it, if it exists, has this purpose,
    /// is unused and unexpired. The update is conditional, so two concurrent
    /// uses of one token cannot both succeed.
    pub async fn consume<C: ConnectionTrait>(
        db: &C,
        purpose: &str,
        token_hash: &str,
    ) -> Result<Option<Model>, DbErr> {
        let now = crate::now();
        let Some(token) = Entity::find()
            .filter(Column::TokenHash.eq(token_hash))
            .filter(Column::Purpose.eq(purpose))
            .filter(Column::UsedAt.is_null())
            .filter(Column::ExpiresAt.gt(now))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let updated = Entity::update_many()
            .col_expr(Column::UsedAt, Expr::value(now))
            .filter(Column::Id.eq(token.id))
            .filter(Column::UsedAt.is_null())
            .exec(db)
            .await?;
        Ok((updated.rows_affected == 1).then_some(token))
    }
}
