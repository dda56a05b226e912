//! Append-only schema migrations; each runs on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod cols;
mod m20261128_000001_create_accounts;
mod m20261128_000002_create_billing;
mod m20261128_000003_create_analytics;
mod m20261128_000004_billing_details;
mod m20261128_000005_create_recordings;
mod m20261128_000006_create_rollups;
mod m20261128_000007_visits_hot_updates;
mod m20261130_000008_jobs_handed_over;
mod m20261130_000009_create_ingest_issues;
mod m20261130_000010_filtered_rollups;
mod m20261130_000011_session_devices;
mod m20261130_000012_finance_staff;
mod m20261130_000013_utm_content_term;
mod m20261201_000014_create_goals;
mod m20261201_000015_allowed_property_keys;
mod m20261201_000016_engagement;
mod m20261201_000017_create_funnels;
mod m20261201_000018_create_segments;
mod m20261201_000019_rollup_revenue;
mod m20261201_000020_create_share_links;
mod m20261201_000021_create_notifications;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_accounts::Migration),
            Box::new(m20261128_000002_create_billing::Migration),
            Box::new(m20261128_000003_create_analytics::Migration),
            Box::new(m20261128_000004_billing_details::Migration),
            Box::new(m20261128_000005_create_recordings::Migration),
            Box::new(m20261128_000006_create_rollups::Migration),
            Box::new(m20261128_000007_visits_hot_updates::Migration),
            Box::new(m20261130_000008_jobs_handed_over::Migration),
            Box::new(m20261130_000009_create_ingest_issues::Migration),
            Box::new(m20261130_000010_filtered_rollups::Migration),
            Box::new(m20261130_000011_session_devices::Migration),
            Box::new(m20261130_000012_finance_staff::Migration),
            Box::new(m20261130_000013_utm_content_term::Migration),
            Box::new(m20261201_000014_create_goals::Migration),
            Box::new(m20261201_000015_allowed_property_keys::Migration),
            Box::new(m20261201_000016_engagement::Migration),
            Box::new(m20261201_000017_create_funnels::Migration),
            Box::new(m20261201_000018_create_segments::Migration),
            Box::new(m20261201_000019_rollup_revenue::Migration),
            Box::new(m20261201_000020_create_share_links::Migration),
            Box::new(m20261201_000021_create_notifications::Migration),
        ]
    }
}
