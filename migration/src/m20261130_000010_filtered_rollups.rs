//! Rollups that answer filtered reports (issue 14). A rollup row may now
//! be keyed by up to three dimension values (`value`, `value2`, `value3`,
//! for the dimensions of its `dim` code in order), and counts, beside its
//! visitors, the visitors who viewed a page (`pv_visitors`), so that one
//! row serves a page filter (any event on the page) and a page breakdown
//! (page views only). Rows already rolled up stay until the worker rolls
//! their days again: a day counts as rolled up only with this version's
//! marker row, so older rows are never read as newer ones.

use sea_orm_migration::prelude::*;

use crate::cols::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Alias::new("value2"))
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Alias::new("value3"))
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Alias::new("pv_visitors"))
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        ] {
            // One column per statement: SQLite adds one at a time.
            m.alter_table(
                Table::alter()
                    .table(Alias::new("rollups"))
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index("rollups", &["site_id", "dim", "value", "day"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_rollups_site_id_dim_value_day")
                .table(Alias::new("rollups"))
                .to_owned(),
        )
        .await?;
        for column in ["pv_visitors", "value3", "value2"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("rollups"))
                    .drop_column(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
