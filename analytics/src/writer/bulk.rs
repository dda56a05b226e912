//! A batch on PostgreSQL: one fixed statement per table, taking whole
//! columns as arrays (`unnest`). Each is parsed and planned once per
//! connection whatever the batch size, and the values travel in binary,
//! where a multi-row `VALUES` statement was built, parsed and planned anew
//! for every batch (BENCHMARKS.md measures the difference).
//!
//! The statements and their order are those of the SQLite path in
//! `writer.rs`: events, then visits in session-id order (merged into what
//! is stored, as `visit_upsert` does), then usage.

use sqlx::PgPool;
use trackr_entity::visit;

use super::{past_cap, Accepted, Committed, UsageRow};

const EVENTS: &str = "INSERT INTO events (site_id, ts, name, pathname, hostname, referrer, \
    referrer_source, utm_source, utm_medium, utm_campaign, country, region, city, browser, os, \
    device, visitor_hash, session_id, props, revenue_minor, revenue_currency, click_x, click_y, \
    viewport_width, utm_content, utm_term) \
    SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], \
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], \
    $14::text[], $15::text[], $16::text[], $17::int8[], $18::int8[], $19::text[], $20::int8[], \
    $21::text[], $22::float8[], $23::int4[], $24::int4[], $25::text[], $26::text[])";

const VISITS: &str = "INSERT INTO visits (session_id, site_id, visitor_hash, started_at, \
    ended_at, entry_page, exit_page, pageviews, events, referrer_source, referrer, utm_source, \
    utm_medium, utm_campaign, utm_content, utm_term) \
    SELECT * FROM unnest($1::int8[], $2::uuid[], $3::int8[], $4::int8[], $5::int8[], \
    $6::text[], $7::text[], $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[], \
    $13::text[], $14::text[], $15::text[], $16::text[]) \
    ON CONFLICT (session_id) DO UPDATE SET \
    pageviews = visits.pageviews + excluded.pageviews, \
    events = visits.events + excluded.events, \
    ended_at = GREATEST(visits.ended_at, excluded.ended_at), \
    started_at = LEAST(visits.started_at, excluded.started_at), \
    exit_page = CASE WHEN excluded.ended_at >= visits.ended_at \
        THEN excluded.exit_page ELSE visits.exit_page END, \
    entry_page = CASE WHEN excluded.started_at < visits.started_at \
        THEN excluded.entry_page ELSE visits.entry_page END";

const USAGE: &str = "INSERT INTO usage (organization_id, period_start, events, refused) \
    SELECT * FROM unnest($1::uuid[], $2::date[], $3::int8[], $4::int8[]) \
    ON CONFLICT (organization_id, period_start) DO UPDATE SET \
    events = usage.events + excluded.events, refused = usage.refused + excluded.refused \
    RETURNING organization_id, period_start, events";

/// Column `$f` of every row, as an array to bind.
macro_rules! column {
    ($rows:expr, |$r:ident| $f:expr) => {
        $rows.iter().map(|$r| $f).collect::<Vec<_>>()
    };
}

pub(super) async fn commit(
    pool: &PgPool,
    events: &[Accepted],
    visits: &[visit::Model],
    usage: &[UsageRow],
) -> Result<Committed, sqlx::Error> {
    let mut txn = pool.begin().await?;
    if !events.is_empty() {
        sqlx::query(EVENTS)
            .bind(column!(events, |a| a.row.site_id))
            .bind(column!(events, |a| a.row.ts))
            .bind(column!(events, |a| a.row.name.as_str()))
            .bind(column!(events, |a| a.row.pathname.as_str()))
            .bind(column!(events, |a| a.row.hostname.as_str()))
            .bind(column!(events, |a| a.row.referrer.as_deref()))
            .bind(column!(events, |a| a.row.referrer_source.as_str()))
            .bind(column!(events, |a| a.row.utm_source.as_deref()))
            .bind(column!(events, |a| a.row.utm_medium.as_deref()))
            .bind(column!(events, |a| a.row.utm_campaign.as_deref()))
            .bind(column!(events, |a| a.row.country.as_deref()))
            .bind(column!(events, |a| a.row.region.as_deref()))
            .bind(column!(events, |a| a.row.city.as_deref()))
            .bind(column!(events, |a| a.row.browser.as_str()))
            .bind(column!(events, |a| a.row.os.as_str()))
            .bind(column!(events, |a| a.row.device.as_str()))
            .bind(column!(events, |a| a.row.visitor_hash))
            .bind(column!(events, |a| a.row.session_id))
            .bind(column!(events, |a| a.row.props.as_deref()))
            .bind(column!(events, |a| a.row.revenue_minor))
            .bind(column!(events, |a| a.row.revenue_currency.as_deref()))
            .bind(column!(events, |a| a.row.click_x))
            .bind(column!(events, |a| a.row.click_y))
            .bind(column!(events, |a| a.row.viewport_width))
            .bind(column!(events, |a| a.row.utm_content.as_deref()))
            .bind(column!(events, |a| a.row.utm_term.as_deref()))
            .execute(&mut *txn)
            .await?;
    }
    if !visits.is_empty() {
        sqlx::query(VISITS)
            .bind(column!(visits, |v| v.session_id))
            .bind(column!(visits, |v| v.site_id))
            .bind(column!(visits, |v| v.visitor_hash))
            .bind(column!(visits, |v| v.started_at))
            .bind(column!(visits, |v| v.ended_at))
            .bind(column!(visits, |v| v.entry_page.as_str()))
            .bind(column!(visits, |v| v.exit_page.as_str()))
            .bind(column!(visits, |v| v.pageviews))
            .bind(column!(visits, |v| v.events))
            .bind(column!(visits, |v| v.referrer_source.as_str()))
            .bind(column!(visits, |v| v.referrer.as_deref()))
            .bind(column!(visits, |v| v.utm_source.as_deref()))
            .bind(column!(visits, |v| v.utm_medium.as_deref()))
            .bind(column!(visits, |v| v.utm_campaign.as_deref()))
            .bind(column!(visits, |v| v.utm_content.as_deref()))
            .bind(column!(visits, |v| v.utm_term.as_deref()))
            .execute(&mut *txn)
            .await?;
    }
    if !usage.is_empty() {
        // Each month's total with this batch, read under its row's lock.
        let totals: Vec<(uuid::Uuid, chrono::NaiveDate, i64)> = sqlx::query_as(USAGE)
            .bind(column!(usage, |u| u.0 .0))
            .bind(column!(usage, |u| u.0 .1))
            .bind(column!(usage, |u| u.1 .0))
            .bind(column!(usage, |u| u.1 .1))
            .fetch_all(&mut *txn)
            .await?;
        let totals: Vec<_> = totals.into_iter().map(|(o, p, n)| ((o, p), n)).collect();
        if past_cap(usage, &totals) {
            txn.rollback().await?;
            return Ok(Committed::PastQuota);
        }
    }
    txn.commit().await?;
    Ok(Committed::Stored)
}
