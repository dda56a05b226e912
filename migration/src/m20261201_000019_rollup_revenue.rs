//! Goal rollups (issue 17): a rollup row of a goal's revenue carries the
//! sum of its events' revenue (minor units of the row's currency).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("rollups"))
                .add_column(
                    ColumnDef::new(Alias::new("revenue_minor"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("rollups"))
                .drop_column(Alias::new("revenue_minor"))
                .to_owned(),
        )
        .await
    }
}
