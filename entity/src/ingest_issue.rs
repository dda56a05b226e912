use sea_orm::{entity::prelude::*, sea_query::OnConflict, Set};

/// Beacons refused for a site, by kind: how many, the last example seen
/// (a domain or a hostname) and when. One row per site and kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ingest_issues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: Uuid,
    /// `unknown_domain` or `host_not_allowed`.
    pub kind: String,
    pub count: i64,
    pub example: String,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// Adds `count` refusals of `kind` for the site, keeping the newest
    /// example (one statement, whatever other servers add meanwhile).
    pub async fn add<C: ConnectionTrait>(
        db: &C,
        site_id: Uuid,
        kind: &str,
        count: i64,
        example: &str,
        at: DateTimeUtc,
    ) -> Result<(), DbErr> {
        Entity::insert(ActiveModel {
            site_id: Set(site_id),
            kind: Set(kind.to_owned()),
            count: Set(count),
            example: Set(example.to_owned()),
            first_seen_at: Set(at),
            last_seen_at: Set(at),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([Column::SiteId, Column::Kind])
                .value(
                    Column::Count,
                    Expr::cust("ingest_issues.count + excluded.count"),
                )
                .update_columns([Column::Example, Column::LastSeenAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
}
