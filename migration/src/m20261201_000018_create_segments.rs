//! Segments (issue 17): a saved set of report filters with a name, private
//! to the member who saved it or shared with everyone who reads the site.
//! `filters` holds them as the GraphQL `Filter` input writes them, so a
//! segment reads back exactly as it was given. Names are unique per site.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "segments",
            vec![
                id(),
                uuid("site_id"),
                uuid("user_id"),
                text("name"),
                ColumnDef::new(Alias::new("filters"))
                    .json()
                    .not_null()
                    .to_owned(),
                flag("shared", false),
                at("created_at"),
            ],
            vec![
                fk("segments", "site_id", "sites"),
                fk("segments", "user_id", "users"),
            ],
            vec![index("segments", &["site_id", "name"], true)],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("segments"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
