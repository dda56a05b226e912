use sea_orm::entity::prelude::*;
use trackr_config::PlanId;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    /// The plan in force now (stored as `free`, `starter`, …).
    pub plan: PlanId,
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

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::*;

    #[test]
    fn a_plan_is_stored_as_its_name_and_an_unknown_name_is_refused() {
        for plan in PlanId::ALL {
            assert_eq!(plan.to_value(), plan.as_str());
            assert_eq!(PlanId::try_from_value(&plan.as_str().to_owned()), Ok(plan));
        }
        let unknown = PlanId::try_from_value(&"enterprise".to_owned()).unwrap_err();
        assert!(unknown.to_string().contains("enterprise"), "{unknown}");
    }
}
