//! What a user sees of their sessions: the device each was opened on (a
//! browser and system name such as "Firefox on Linux", never the raw
//! User-Agent or an address) and when it was last used, so they can end
//! the ones they do not recognise.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [text_null("device"), at_null("last_seen_at")] {
            // One column per statement: SQLite alters one at a time.
            m.alter_table(
                Table::alter()
                    .table(Alias::new("sessions"))
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["device", "last_seen_at"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("sessions"))
                    .drop_column(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
