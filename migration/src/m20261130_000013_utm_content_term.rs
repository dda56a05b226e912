//! UTM content and term (issue 16): two more dimensions of the Sources
//! panel, on events and, as the rest of a visit's attribution, on visits.
//! One column per `ALTER TABLE`, as SQLite wants.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["events", "visits"];
const COLUMNS: [&str; 2] = ["utm_content", "utm_term"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in TABLES.iter().flat_map(|t| COLUMNS.map(|c| (*t, c))) {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .add_column(text_null(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in TABLES.iter().flat_map(|t| COLUMNS.map(|c| (*t, c))) {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
