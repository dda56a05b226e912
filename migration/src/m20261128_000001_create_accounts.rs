use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "users",
            vec![
                id(),
                text("username"),
                text("email"),
                at_null("email_verified_at"),
                text("password_hash"),
                text_null("name"),
                flag("is_staff", false),
                at("created_at"),
                at_null("deleted_at"),
            ],
            vec![],
            vec![
                index("users", &["username"], true),
                index("users", &["email"], true),
            ],
        )
        .await?;
        create(
            m,
            "sessions",
            vec![
                id(),
                uuid("user_id"),
                text("token_hash"),
                at("created_at"),
                at("expires_at"),
            ],
            vec![fk("sessions", "user_id", "users")],
            vec![
                index("sessions", &["token_hash"], true),
                index("sessions", &["user_id"], false),
            ],
        )
        .await?;
        create(
            m,
            "organizations",
            vec![
                id(),
                text("name"),
                text("slug"),
                ColumnDef::new(Alias::new("plan"))
                    .string_len(16)
                    .not_null()
                    .default("free")
                    .to_owned(),
                text_null("stripe_customer_id"),
                at("created_at"),
            ],
            vec![],
            vec![
                index("organizations", &["slug"], true),
                index("organizations", &["stripe_customer_id"], true),
            ],
        )
        .await?;
        let mut membership_pk = Index::create();
        membership_pk
            .col(Alias::new("organization_id"))
            .col(Alias::new("user_id"));
        let mut table = Table::create();
        table
            .table(Alias::new("memberships"))
            .if_not_exists()
            .col(uuid("organization_id"))
            .col(uuid("user_id"))
            .col(ColumnDef::new(Alias::new("role")).string_len(16).not_null())
            .col(at("created_at"))
            .primary_key(&mut membership_pk)
            .foreign_key(&mut fk("memberships", "organization_id", "organizations"))
            .foreign_key(&mut fk("memberships", "user_id", "users"));
        m.create_table(table.to_owned()).await?;
        m.create_index(
            index("memberships", &["user_id"], false)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        create(
            m,
            "invitations",
            vec![
                id(),
                uuid("organization_id"),
                text("email"),
                ColumnDef::new(Alias::new("role"))
                    .string_len(16)
                    .not_null()
                    .to_owned(),
                text("token_hash"),
                ColumnDef::new(Alias::new("invited_by"))
                    .uuid()
                    .null()
                    .to_owned(),
                at("expires_at"),
                at("created_at"),
            ],
            vec![fk("invitations", "organization_id", "organizations")],
            vec![
                index("invitations", &["token_hash"], true),
                index("invitations", &["organization_id", "email"], true),
            ],
        )
        .await?;
        create(
            m,
            "sites",
            vec![
                id(),
                uuid("organization_id"),
                text("domain"),
                text("name"),
                text("timezone"),
                ColumnDef::new(Alias::new("retention_days"))
                    .integer()
                    .null()
                    .to_owned(),
                flag("honor_dnt", true),
                flag("require_consent", false),
                flag("recordings_enabled", false),
                ColumnDef::new(Alias::new("allowed_hostnames"))
                    .json()
                    .not_null()
                    .to_owned(),
                at("created_at"),
            ],
            vec![fk("sites", "organization_id", "organizations")],
            vec![
                index("sites", &["domain"], true),
                index("sites", &["organization_id"], false),
            ],
        )
        .await?;
        create(
            m,
            "api_keys",
            vec![
                id(),
                uuid("organization_id"),
                text("name"),
                text("prefix"),
                text("key_hash"),
                ColumnDef::new(Alias::new("scopes"))
                    .json()
                    .not_null()
                    .to_owned(),
                ColumnDef::new(Alias::new("created_by"))
                    .uuid()
                    .null()
                    .to_owned(),
                at("created_at"),
                at_null("last_used_at"),
            ],
            vec![fk("api_keys", "organization_id", "organizations")],
            vec![
                index("api_keys", &["key_hash"], true),
                index("api_keys", &["organization_id"], false),
            ],
        )
        .await?;
        create(
            m,
            "email_tokens",
            vec![
                id(),
                uuid("user_id"),
                text("purpose"),
                text("email"),
                text("token_hash"),
                at("expires_at"),
                at_null("used_at"),
                at("created_at"),
            ],
            vec![fk("email_tokens", "user_id", "users")],
            vec![index("email_tokens", &["token_hash"], true)],
        )
        .await?;
        create(
            m,
            "audit_log",
            vec![
                id(),
                ColumnDef::new(Alias::new("actor_user_id"))
                    .uuid()
                    .null()
                    .to_owned(),
                text("action"),
                text("target_type"),
                text_null("target_id"),
                ColumnDef::new(Alias::new("organization_id"))
                    .uuid()
                    .null()
                    .to_owned(),
                text_null("ip_hash"),
                ColumnDef::new(Alias::new("details"))
                    .json()
                    .not_null()
                    .to_owned(),
                at("at"),
            ],
            vec![],
            vec![
                index("audit_log", &["organization_id", "at"], false),
                index("audit_log", &["actor_user_id"], false),
            ],
        )
        .await?;
        let mut key_table = Table::create();
        key_table
            .table(Alias::new("server_keys"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("name"))
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(text("value"))
            .col(at("created_at"));
        m.create_table(key_table.to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "server_keys",
            "audit_log",
            "email_tokens",
            "api_keys",
            "sites",
            "invitations",
            "memberships",
            "organizations",
            "sessions",
            "users",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
