//! Custom properties a site keeps (issue 17): when the list is not empty,
//! ingestion drops every other key of an event's properties, so a site
//! can keep personal data its pages might send out of the store.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("sites"))
                .add_column(
                    ColumnDef::new(Alias::new("allowed_property_keys"))
                        .json()
                        .not_null()
                        .default(Expr::val("[]")),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("sites"))
                .drop_column(Alias::new("allowed_property_keys"))
                .to_owned(),
        )
        .await
    }
}
