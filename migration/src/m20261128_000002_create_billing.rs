use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A counter that starts at zero.
fn counter(name: &str) -> ColumnDef {
    big(name).default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "subscriptions",
            vec![
                id(),
                uuid("organization_id"),
                text("stripe_subscription_id"),
                text("stripe_customer_id"),
                text("status"),
                text("price_id"),
                text("plan"),
                at("current_period_end"),
                flag("cancel_at_period_end", false),
                at_null("past_due_since"),
                at("last_event_at"),
                at("created_at"),
                at("updated_at"),
            ],
            vec![],
            vec![
                index("subscriptions", &["stripe_subscription_id"], true),
                index("subscriptions", &["organization_id"], false),
            ],
        )
        .await?;
        create(
            m,
            "invoices",
            vec![
                id(),
                text("stripe_invoice_id"),
                ColumnDef::new(Alias::new("organization_id"))
                    .uuid()
                    .null()
                    .to_owned(),
                text_null("stripe_subscription_id"),
                text("status"),
                text("currency"),
                counter("amount_due"),
                counter("amount_paid"),
                text_null("price_id"),
                at("period_start"),
                at("period_end"),
                text_null("hosted_url"),
                at_null("paid_at"),
                at("last_event_at"),
                at("created_at"),
            ],
            vec![],
            vec![
                index("invoices", &["stripe_invoice_id"], true),
                index("invoices", &["organization_id", "period_start"], false),
            ],
        )
        .await?;
        create(
            m,
            "stripe_events",
            vec![
                id(),
                text("stripe_event_id"),
                text("event_type"),
                ColumnDef::new(Alias::new("payload"))
                    .text()
                    .not_null()
                    .to_owned(),
                at("created"),
                at("received_at"),
                at_null("processed_at"),
                ColumnDef::new(Alias::new("attempts"))
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                ColumnDef::new(Alias::new("error")).text().null().to_owned(),
            ],
            vec![],
            vec![
                index("stripe_events", &["stripe_event_id"], true),
                index("stripe_events", &["processed_at"], false),
            ],
        )
        .await?;
        let mut usage_pk = Index::create();
        usage_pk
            .col(Alias::new("organization_id"))
            .col(Alias::new("period_start"));
        let mut usage = Table::create();
        usage
            .table(Alias::new("usage"))
            .if_not_exists()
            .col(uuid("organization_id"))
            .col(ColumnDef::new(Alias::new("period_start")).date().not_null())
            .col(counter("events"))
            .col(counter("refused"))
            .primary_key(&mut usage_pk);
        m.create_table(usage.to_owned()).await?;
        create(
            m,
            "jobs",
            vec![
                id(),
                text("kind"),
                ColumnDef::new(Alias::new("organization_id"))
                    .uuid()
                    .null()
                    .to_owned(),
                ColumnDef::new(Alias::new("site_id"))
                    .uuid()
                    .null()
                    .to_owned(),
                text("status"),
                ColumnDef::new(Alias::new("progress"))
                    .double()
                    .not_null()
                    .default(0.0)
                    .to_owned(),
                ColumnDef::new(Alias::new("params"))
                    .json()
                    .not_null()
                    .to_owned(),
                ColumnDef::new(Alias::new("result"))
                    .json()
                    .null()
                    .to_owned(),
                ColumnDef::new(Alias::new("error")).text().null().to_owned(),
                ColumnDef::new(Alias::new("attempts"))
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                ColumnDef::new(Alias::new("created_by"))
                    .uuid()
                    .null()
                    .to_owned(),
                at("created_at"),
                at("updated_at"),
            ],
            vec![],
            vec![index("jobs", &["organization_id", "created_at"], false)],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "jobs",
            "usage",
            "stripe_events",
            "invoices",
            "subscriptions",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
