//! Visits are updated by nearly every event. Their lookup index no longer
//! holds `ended_at`, which every update changes, so on PostgreSQL an update
//! that leaves `started_at` alone touches no index (a HOT update), and the
//! table leaves room on each page for the new row versions. The lookup
//! reads a visitor hash's few visits of the day and filters on `ended_at`.

use sea_orm_migration::prelude::*;

use crate::cols::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "ix_visits_site_id_visitor_hash_ended_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(OLD)
                .table(Alias::new("visits"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("visits", &["site_id", "visitor_hash"], false))
            .await?;
        on_postgres(m, "ALTER TABLE visits SET (fillfactor = 70)").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_visits_site_id_visitor_hash")
                .table(Alias::new("visits"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "visits",
            &["site_id", "visitor_hash", "ended_at"],
            false,
        ))
        .await?;
        on_postgres(m, "ALTER TABLE visits RESET (fillfactor)").await
    }
}

/// Storage parameters are PostgreSQL's alone; SQLite has no such thing.
async fn on_postgres(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if m.get_database_backend() == sea_orm::DbBackend::Postgres {
        m.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
