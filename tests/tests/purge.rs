//! The retention purge (promise 3): per plan, per site override, after a
//! downgrade only once the paid period is over; bounded and resumable.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;
use trackr_tests::{both_backends, Backend, TestApp};
use trackr_worker::jobs::purge::{self, PurgeOptions};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

async fn app(b: Backend) -> TestApp {
    TestApp::spawn_with(
        b,
        &[
            ("plans.free.max_sites", "unlimited"),
            ("plans.free.monthly_events", "1000000"),
        ],
    )
    .await
}

/// One pageview on `domain` `days_ago` days before `now()`.
async fn event_days_ago(app: &TestApp, domain: &str, days_ago: i64, path: &str) {
    app.set_time(now() - Duration::days(days_ago));
    let body = json!({"n": "pageview", "u": format!("https://{domain}{path}"), "d": domain});
    assert_eq!(app.event(&body, "198.51.100.1").await, 202);
}

async fn set_plan(app: &TestApp, org: &str, plan: &str) {
    let sql = format!(
        "UPDATE organizations SET plan = '{plan}' WHERE id = {}",
        uuid_literal(app, org)
    );
    app.db.execute_unprepared(&sql).await.unwrap();
}

fn uuid_literal(app: &TestApp, id: &str) -> String {
    match app.backend {
        Backend::Postgres => format!("'{id}'"),
        // sea-orm stores UUIDs as 16-byte blobs in SQLite.
        Backend::Sqlite => format!("X'{}'", id.replace('-', "")),
    }
}

async fn run(app: &TestApp, options: PurgeOptions) -> purge::PurgeReport {
    purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        &app.server.app.settings.plans,
        &options,
    )
    .await
    .unwrap()
}

fn at_now() -> PurgeOptions {
    PurgeOptions::at(now())
}

async fn pages(app: &TestApp, domain: &str) -> Vec<String> {
    let rows = app
        .db
        .query_all(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT pathname FROM events WHERE hostname = '{domain}' ORDER BY pathname"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn promise_3_the_purge_keeps_each_plans_retention(b: Backend) {
    let app = app(b).await;
    let owner = app.sign_up("owner").await;
    for (plan, days) in [
        ("free", 30),
        ("starter", 365),
        ("growth", 730),
        ("business", 1825),
    ] {
        let org = app.create_org(&owner, plan).await;
        set_plan(&app, &org, plan).await;
        let domain = format!("{plan}.example");
        app.create_site(&owner, &org, &domain).await;
        event_days_ago(&app, &domain, days + 1, "/expired").await;
        event_days_ago(&app, &domain, days - 1, "/kept").await;
    }
    let report = run(&app, at_now()).await;
    assert!(report.complete);
    assert_eq!(report.events(), 4);
    for plan in ["free", "starter", "growth", "business"] {
        assert_eq!(
            pages(&app, &format!("{plan}.example")).await,
            vec!["/kept"],
            "{plan}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM visits").await,
        4,
        "expired visits go too"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.purge'")
            .await,
        4,
        "each site's deletion is audited"
    );
    let again = run(&app, at_now()).await;
    assert_eq!(again.events(), 0, "idempotent");
}

async fn promise_3_a_shorter_site_override_is_applied(b: Backend) {
    let app = app(b).await;
    let (owner, _, site) = app.site_owner("short.example").await;
    app.gql_ok(Some(&owner.token), "mutation($id: ID!) { updateSite(id: $id, input: {retentionOverrideDays: 7}) { retentionDays } }", json!({"id": site})).await;
    event_days_ago(&app, "short.example", 8, "/expired").await;
    event_days_ago(&app, "short.example", 6, "/kept").await;
    let dry = run(
        &app,
        PurgeOptions {
            dry_run: true,
            ..at_now()
        },
    )
    .await;
    assert_eq!((dry.events(), dry.visits()), (1, 1), "a dry run reports");
    assert_eq!(
        pages(&app, "short.example").await.len(),
        2,
        "and deletes nothing"
    );
    run(&app, at_now()).await;
    assert_eq!(pages(&app, "short.example").await, vec!["/kept"]);
}

async fn promise_3_a_downgrade_keeps_paid_retention_until_the_period_ends(b: Backend) {
    let app = app(b).await;
    let (_, org, _) = app.site_owner("down.example").await;
    event_days_ago(&app, "down.example", 100, "/old").await;
    event_days_ago(&app, "down.example", 5, "/recent").await;
    // Downgraded to free; the growth subscription is paid for ten more days.
    let period_end = now() + Duration::days(10);
    trackr_entity::subscription::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        organization_id: Set(org.parse().unwrap()),
        stripe_subscription_id: Set("sub_test".into()),
        stripe_customer_id: Set("cus_test".into()),
        status: Set(trackr_entity::subscription::Status::Active),
        price_id: Set("price_growth".into()),
        plan: Set(trackr_config::PlanId::Growth),
        current_period_end: Set(period_end),
        cancel_at_period_end: Set(true),
        past_due_since: Set(None),
        currency: Set(Some("usd".into())),
        unit_amount: Set(Some(4900)),
        billing_interval: Set(Some("month".into())),
        retained_plan: Set(None),
        retained_until: Set(None),
        last_event_at: Set(now()),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    run(&app, at_now()).await;
    assert_eq!(
        pages(&app, "down.example").await,
        vec!["/old", "/recent"],
        "inside the paid period"
    );
    run(&app, PurgeOptions::at(period_end + Duration::days(1))).await;
    assert_eq!(
        pages(&app, "down.example").await,
        vec!["/recent"],
        "after it, the free plan's 30 days"
    );
}

async fn a_purge_stopped_halfway_is_finished_by_the_next_run(b: Backend) {
    let app = app(b).await;
    app.site_owner("big.example").await;
    for i in 0..25 {
        event_days_ago(&app, "big.example", 40, &format!("/old{i:02}")).await;
    }
    event_days_ago(&app, "big.example", 1, "/new").await;
    let first = run(
        &app,
        PurgeOptions {
            batch_size: 10,
            max_batches: Some(1),
            ..at_now()
        },
    )
    .await;
    assert!(!first.complete);
    assert_eq!(first.events(), 10);
    assert_eq!(
        pages(&app, "big.example").await.len(),
        16,
        "the stop lost nothing"
    );
    let second = run(
        &app,
        PurgeOptions {
            batch_size: 10,
            ..at_now()
        },
    )
    .await;
    assert!(second.complete);
    assert_eq!(second.events(), 15);
    assert_eq!(pages(&app, "big.example").await, vec!["/new"]);
}

both_backends!(
    promise_3_the_purge_keeps_each_plans_retention,
    promise_3_a_shorter_site_override_is_applied,
    promise_3_a_downgrade_keeps_paid_retention_until_the_period_ends,
    a_purge_stopped_halfway_is_finished_by_the_next_run,
);
