//! When a job was handed to the Redis queue. A job is recorded first and
//! handed over after; while Redis is away it waits in the database with
//! `enqueued_at` null, and whoever sees Redis again hands it over. Jobs of
//! older binaries (null too) are handed over the same way: a job handed
//! over twice still runs once (its claim).

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("jobs"))
                .add_column(at_null("enqueued_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("jobs"))
                .drop_column(Alias::new("enqueued_at"))
                .to_owned(),
        )
        .await
    }
}
