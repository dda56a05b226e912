//! Analytics tables. Times are epoch milliseconds (BIGINT) so that range
//! and bucket arithmetic is the same on PostgreSQL and SQLite. No foreign
//! keys: ingestion must never fail on a site deleted a moment ago; site and
//! organization deletion remove these rows explicitly.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "events",
            vec![
                serial_id(),
                uuid("site_id"),
                big("ts"),
                text("name"),
                text("pathname"),
                text("hostname"),
                text_null("referrer"),
                text("referrer_source"),
                text_null("utm_source"),
                text_null("utm_medium"),
                text_null("utm_campaign"),
                text_null("country"),
                text_null("region"),
                text_null("city"),
                text("browser"),
                text("os"),
                text("device"),
                big("visitor_hash"),
                big("session_id"),
                ColumnDef::new(Alias::new("props")).text().null().to_owned(),
                ColumnDef::new(Alias::new("revenue_minor"))
                    .big_integer()
                    .null()
                    .to_owned(),
                text_null("revenue_currency"),
                ColumnDef::new(Alias::new("click_x"))
                    .double()
                    .null()
                    .to_owned(),
                ColumnDef::new(Alias::new("click_y"))
                    .integer()
                    .null()
                    .to_owned(),
                ColumnDef::new(Alias::new("viewport_width"))
                    .integer()
                    .null()
                    .to_owned(),
            ],
            vec![],
            vec![
                index("events", &["site_id", "ts"], false),
                index("events", &["session_id"], false),
            ],
        )
        .await?;
        create(
            m,
            "visits",
            vec![
                ColumnDef::new(Alias::new("session_id"))
                    .big_integer()
                    .not_null()
                    .primary_key()
                    .to_owned(),
                uuid("site_id"),
                big("visitor_hash"),
                big("started_at"),
                big("ended_at"),
                text("entry_page"),
                text("exit_page"),
                int("pageviews"),
                int("events"),
                text("referrer_source"),
                text_null("referrer"),
                text_null("utm_source"),
                text_null("utm_medium"),
                text_null("utm_campaign"),
            ],
            vec![],
            vec![
                index("visits", &["site_id", "started_at"], false),
                index("visits", &["site_id", "visitor_hash", "ended_at"], false),
            ],
        )
        .await?;
        let mut salts = Table::create();
        salts
            .table(Alias::new("salts"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("day"))
                    .date()
                    .not_null()
                    .primary_key(),
            )
            .col(text("salt"))
            .col(at("created_at"));
        m.create_table(salts.to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["salts", "visits", "events"] {
            m.drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
