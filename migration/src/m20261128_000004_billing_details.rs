//! What billing needs beyond the first schema: the subscription's price
//! (for MRR), the plan whose retention a downgrade keeps until the paid
//! period ends, and refunds on invoices.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .null()
        .to_owned()
}

/// One column per statement: SQLite adds only one at a time.
fn additions() -> Vec<(&'static str, ColumnDef)> {
    vec![
        ("subscriptions", text_null("currency")),
        ("subscriptions", big_null("unit_amount")),
        ("subscriptions", text_null("billing_interval")),
        ("subscriptions", text_null("retained_plan")),
        ("subscriptions", at_null("retained_until")),
        ("invoices", big("amount_refunded").default(0).to_owned()),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in additions() {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in additions() {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new(column.get_column_name()))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
