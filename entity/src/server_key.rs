use sea_orm::{entity::prelude::*, sea_query::OnConflict, Set};

/// Random keys the fleet shares through the database (for example the key
/// that hashes IP addresses in the audit log), created on first use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "server_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Hex-encoded random bytes.
    pub value: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The key called `name`, creating it from `fresh` if no server has yet.
    /// Every server ends up with the same value.
    pub async fn get_or_create<C: ConnectionTrait>(
        db: &C,
        name: &str,
        fresh: String,
    ) -> Result<String, DbErr> {
        Entity::insert(ActiveModel {
            name: Set(name.to_owned()),
            value: Set(fresh),
            created_at: Set(crate::now()),
        })
        .on_conflict(OnConflict::column(Column::Name).do_nothing().to_owned())
        .do_nothing()
        .exec(db)
        .await?;
        let key = Entity::find_by_id(name.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("server key {name}")))?;
        Ok(key.value)
    }
}
