//! Goals (issue 17): what counts as a conversion on a site. A goal is a
//! page pattern (page views whose path matches) or an event name, and a
//! revenue goal an event name with the currency whose revenue it sums.
//! Names are unique per site.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "goals",
            vec![
                id(),
                uuid("site_id"),
                text("name"),
                text_null("page_pattern"),
                text_null("event_name"),
                text_null("currency"),
                at("created_at"),
            ],
            vec![fk("goals", "site_id", "sites")],
            vec![index("goals", &["site_id", "name"], true)],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("goals"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
