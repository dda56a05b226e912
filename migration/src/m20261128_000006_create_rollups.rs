//! Report rollups (issue 3): per site, per local day of the site's time
//! zone, per dimension value, the visitors counted by how many days before
//! they were last seen with that value (`gap`), plus pageviews, events and
//! the visit aggregates. `rollup_state` says which days are rolled up, in
//! which zone, and a generation that deletions bump so that a rollup
//! computed from rows deleted meanwhile is never written.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "rollups",
            vec![
                serial_id(),
                uuid("site_id"),
                int("day"),
                int("dim"),
                ColumnDef::new(Alias::new("value"))
                    .text()
                    .not_null()
                    .to_owned(),
                int("gap"),
                big("visitors"),
                big("pageviews"),
                big("events"),
                big("visits"),
                big("bounces"),
                big("duration_ms"),
                big("visit_pageviews"),
            ],
            vec![],
            vec![
                index("rollups", &["site_id", "dim", "day"], false),
                index("rollups", &["site_id", "day"], false),
            ],
        )
        .await?;
        create(
            m,
            "rollup_state",
            vec![
                ColumnDef::new(Alias::new("site_id"))
                    .uuid()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                text("timezone"),
                int("from_day"),
                int("until_day"),
                big("generation"),
                big("visits_checked_at"),
                big("partial_until"),
            ],
            vec![],
            vec![],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["rollup_state", "rollups"] {
            m.drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
