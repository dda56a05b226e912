use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    /// The plan in force now (`free`, `starter`, …).
    pub plan: String,
    #[sea_orm(unique)]
    pub stripe_customer_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
    #[sea_orm(has_many = "super::site::Entity")]
    Site,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl Related<super::site::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Site.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn plan_id(&self) -> trackr_config::PlanId {
        // Only valid plan ids are ever written; an unknown one is treated as
        // the most restrictive plan rather than failing every request.
        self.plan.parse().unwrap_or(trackr_config::PlanId::Free)
    }
}
