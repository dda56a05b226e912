//! Session recordings (issue 6): per-site recorder settings, and one row
//! per rrweb chunk whose bytes live in object storage. Like the other
//! analytics tables: times are epoch milliseconds, no foreign keys (site
//! and organization deletion remove these rows and their objects).

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let columns = [
            ColumnDef::new(Alias::new("recording_sample_rate"))
                .double()
                .not_null()
                .default(1.0)
                .to_owned(),
            ColumnDef::new(Alias::new("recording_max_seconds"))
                .integer()
                .not_null()
                .default(1800)
                .to_owned(),
            flag("recording_mask_all_text", false),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("sites"))
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        create(
            m,
            "recordings",
            vec![
                serial_id(),
                uuid("site_id"),
                text("session_id"),
                int("seq"),
                text("object_key"),
                big("bytes"),
                int("events"),
                big("started_at"),
                big("ended_at"),
                ColumnDef::new(Alias::new("pages"))
                    .text()
                    .not_null()
                    .to_owned(),
                text_null("country"),
                text("browser"),
                text("os"),
                text("device"),
                big("visitor_hash"),
                big("received_at"),
            ],
            vec![],
            vec![
                index("recordings", &["site_id", "session_id", "seq"], true),
                index("recordings", &["site_id", "started_at"], false),
                index("recordings", &["site_id", "visitor_hash"], false),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("recordings"))
                .if_exists()
                .to_owned(),
        )
        .await?;
        for c in [
            "recording_mask_all_text",
            "recording_max_seconds",
            "recording_sample_rate",
        ] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("sites"))
                    .drop_column(Alias::new(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
