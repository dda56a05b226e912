//! Email reports and traffic alerts (issue 18): who receives what for a
//! site (each address confirming first, each kind withdrawable with one
//! click), the alert rules, and every email owed, claimed and sent once.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            "email_recipients",
            vec![
                id(),
                uuid("site_id"),
                text("email"),
                flag("weekly", false),
                flag("monthly", false),
                flag("alerts", false),
                text("token_hash"),
                at_null("confirmed_at"),
                at("created_at"),
            ],
            vec![fk("email_recipients", "site_id", "sites")],
            vec![
                index("email_recipients", &["site_id", "email"], true),
                index("email_recipients", &["token_hash"], true),
            ],
        )
        .await?;
        create(
            m,
            "traffic_alerts",
            vec![
                id(),
                uuid("site_id"),
                text("kind"),
                int("threshold"),
                int("every_hours"),
                at_null("last_fired_at"),
                at("created_at"),
            ],
            vec![fk("traffic_alerts", "site_id", "sites")],
            vec![index("traffic_alerts", &["site_id", "kind"], true)],
        )
        .await?;
        create(
            m,
            "email_deliveries",
            vec![
                id(),
                uuid("recipient_id"),
                text("kind"),
                text("period"),
                text("state"),
                at("claimed_at"),
                int("attempts"),
                at_null("sent_at"),
                text_null("error"),
            ],
            vec![fk("email_deliveries", "recipient_id", "email_recipients")],
            vec![
                index(
                    "email_deliveries",
                    &["recipient_id", "kind", "period"],
                    true,
                ),
                index("email_deliveries", &["state", "claimed_at"], false),
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["email_deliveries", "traffic_alerts", "email_recipients"] {
            m.drop_table(
                Table::drop()
                    .table(Alias::new(table))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
