//! Rolling upgrades (docs/deploy.md): servers of two versions run side by
//! side on one database while an upgrade goes through the fleet. The newer
//! one migrates; the older one keeps running, and may restart, on the
//! migrated database (migrations only add). A database of another history
//! is refused at start.

use sea_orm::ConnectionTrait;
use serde_json::json;
use trackr_api::Server;
use trackr_tests::{both_backends, Backend, TestApp};

/// Pretends a newer TrackR migrated the database: its migration is
/// recorded, and its change (an added column) made.
async fn migrate_as_a_newer_version(app: &TestApp) {
    for sql in [
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_a_newer_version', 0)",
        "ALTER TABLE sites ADD COLUMN newer_setting TEXT",
    ] {
        app.db.execute_unprepared(sql).await.expect(sql);
    }
}

fn settings_of(app: &TestApp) -> trackr_config::Settings {
    let mut settings = (*app.server.app.settings).clone();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings
}

async fn an_older_server_starts_and_serves_beside_a_newer_one(b: Backend) {
    let newer = TestApp::spawn(b).await;
    migrate_as_a_newer_version(&newer).await;
    let older = Server::bind(settings_of(&newer))
        .await
        .expect("an older binary starts on a database a newer one migrated")
        .spawn();
    // Writes through either server are read through the other.
    let (owner, _, site) = newer.site_owner("example.com").await;
    let beacon = json!({"n": "pageview", "u": "https://example.com/", "d": "example.com"});
    let status = newer
        .client
        .post(older.url("/api/event"))
        .header("user-agent", trackr_tests::CHROME)
        .header("x-forwarded-for", "198.51.100.7")
        .body(beacon.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 202);
    let today = chrono::Utc::now().date_naive().to_string();
    let q = json!({
        "query": "query($s: ID!, $d: Date!) { site(id: $s) { domain stats(range: {from: $d, to: $d}) { pageviews } } }",
        "variables": {"s": site, "d": today},
    });
    for base in [older.url("/graphql"), newer.url("/graphql")] {
        let r: serde_json::Value = newer
            .client
            .post(&base)
            .bearer_auth(&owner.token)
            .json(&q)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["data"]["site"]["stats"]["pageviews"], 1, "{base}: {r}");
    }
    older.stop().await;
}

async fn a_database_of_another_history_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    migrate_as_a_newer_version(&app).await;
    app.db
        .execute_unprepared(
            "DELETE FROM seaql_migrations WHERE version = 'm20261128_000007_visits_hot_updates'",
        )
        .await
        .unwrap();
    let refused = Server::bind(settings_of(&app)).await;
    let message = match refused {
        Ok(_) => panic!("a database of another history must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("another history"), "{message}");
    assert!(
        message.contains("m20261128_000007_visits_hot_updates"),
        "{message}"
    );
}

both_backends!(
    an_older_server_starts_and_serves_beside_a_newer_one,
    a_database_of_another_history_is_refused,
);
