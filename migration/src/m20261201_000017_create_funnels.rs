//! Funnels (issue 17): a site's ordered steps, 2 to 8, each a page pattern
//! or what a goal matched when the funnel was made (`steps`, a JSON array
//! of `{label, match}`, `match` as `GoalMatch::filter_value` writes it), so
//! deleting a goal leaves its funnels as they were. Names are unique per
//! site.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "funnels",
            vec![
                id(),
                uuid("site_id"),
                text("name"),
                ColumnDef::new(Alias::new("steps"))
                    .json()
                    .not_null()
                    .to_owned(),
                at("created_at"),
            ],
            vec![fk("funnels", "site_id", "sites")],
            vec![index("funnels", &["site_id", "name"], true)],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("funnels"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
