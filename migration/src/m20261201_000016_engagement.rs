//! Engagement (issue 17): a page view's deepest scroll (percent) and the
//! time its page was engaged with (ms), set by the engagement beacons that
//! follow it. One column per `ALTER TABLE`, as SQLite wants.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Alias::new("scroll_depth"))
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("engaged_ms"))
                .big_integer()
                .null()
                .to_owned(),
        ] {
            let mut column = column;
            m.alter_table(
                Table::alter()
                    .table(Alias::new("events"))
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["scroll_depth", "engaged_ms"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("events"))
                    .drop_column(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
