use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Normalized: lower case, ASCII (punycode), no scheme, port or path.
    #[sea_orm(unique)]
    pub domain: String,
    pub name: String,
    /// IANA time zone name; reports are computed in it.
    pub timezone: String,
    /// A site may keep data for less than its plan allows, never longer.
    pub retention_days: Option<i32>,
    pub honor_dnt: bool,
    pub require_consent: bool,
    pub recordings_enabled: bool,
    /// Share of page loads recorded, 0 to 1.
    pub recording_sample_rate: f64,
    /// A recording stops after this many seconds.
    pub recording_max_seconds: i32,
    /// Mask every text node, not only inputs.
    pub recording_mask_all_text: bool,
    /// Extra hostnames whose events count for this site (JSON array).
    pub allowed_hostnames: Json,
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

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Effective retention: the plan's, or the site's shorter override.
    pub fn effective_retention_days(&self, plan_days: u32) -> u32 {
        match self.retention_days {
            Some(days) if days > 0 => plan_days.min(days as u32),
            _ => plan_days,
        }
    }
}

impl Entity {
    pub async fn count_for_org<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::OrganizationId.eq(organization_id))
            .count(db)
            .await
    }
}
