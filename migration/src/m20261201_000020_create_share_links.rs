//! Share links (issue 18): a site's dashboard, read-only, for whoever holds
//! the link's unguessable slug; optionally behind a password (an argon2
//! hash), until an expiry, and framable only by the listed origins.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "share_links",
            vec![
                id(),
                uuid("site_id"),
                text("slug"),
                text("name"),
                text_null("password_hash"),
                at_null("expires_at"),
                ColumnDef::new(Alias::new("allowed_origins"))
                    .json()
                    .not_null()
                    .to_owned(),
                at("created_at"),
            ],
            vec![fk("share_links", "site_id", "sites")],
            vec![
                index("share_links", &["slug"], true),
                index("share_links", &["site_id", "name"], true),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("share_links"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
