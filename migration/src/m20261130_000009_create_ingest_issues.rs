//! Beacons refused for a site, so its owner can see why nothing is counted
//! (a `data-domain` that names no site, a page on a host the site does not
//! allow). One row per site and kind: a count, the last example seen and
//! when, so that a flood of refusals is a counter, never a table that grows.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "ingest_issues",
            vec![
                serial_id(),
                uuid("site_id"),
                text("kind"),
                big("count"),
                text("example"),
                at("first_seen_at"),
                at("last_seen_at"),
            ],
            vec![fk("ingest_issues", "site_id", "sites")],
            vec![index("ingest_issues", &["site_id", "kind"], true)],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("ingest_issues"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
