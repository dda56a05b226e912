use sea_orm::entity::prelude::*;

/// Events accepted per organization per billing month.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_start: Date,
    pub events: i64,
    /// Events refused past the quota's grace.
    pub refused: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    pub async fn events_in<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
        period_start: Date,
    ) -> Result<i64, DbErr> {
        Ok(Entity::find_by_id((organization_id, period_start))
            .one(db)
            .await?
            .map(|u| u.events)
            .unwrap_or(0))
    }
}
