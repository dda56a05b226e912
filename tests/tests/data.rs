//! Promise 4: customers delete their data (a range, one visitor) and export
//! it; both are jobs, audited (promise 12), and exports come back equal to
//! the stored rows.

use std::{io::Read, time::Duration};

use chrono::{TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, moto, Backend, TestApp, TestUser};

const JOB: &str =
    "query($id: ID!) { job(id: $id) { id kind status progress error result downloadUrls } }";

async fn wait_job(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = app.gql_ok(Some(&user.token), JOB, json!({"id": id})).await;
        let status = r["job"]["status"].as_str().unwrap().to_owned();
        if matches!(status.as_str(), "SUCCEEDED" | "FAILED" | "DEAD") {
            return r["job"].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job {id} still {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Three days of events from two visitors.
async fn seed(app: &TestApp) {
    for day in 10..=12 {
        for (ip, path) in [("198.51.100.1", "/a"), ("198.51.100.2", "/b")] {
            app.set_time(Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap());
            let body = json!({"n": "pageview", "u": format!("https://example.com{path}?x=1"), "d": "example.com", "p": {"k": "v,\"q\""}});
            assert_eq!(app.event(&body, ip).await, 202);
        }
    }
}

async fn promise_4_a_range_of_data_is_deleted_on_request(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    seed(&app).await;
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { deleteSiteData(siteId: $s, range: {from: \"2026-03-11\", to: \"2026-03-11\"}) }", json!({"s": site}))
        .await;
    let job = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["kind"], "DELETE_DATA", "{job}");
    assert_eq!(job["result"]["events"], 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 4);
    let ts11 = Utc
        .with_ymd_and_hms(2026, 3, 11, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM events WHERE ts >= {ts11} AND ts < {}",
            ts11 + 86_400_000
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM visits").await,
        4,
        "the day's visits went with it"
    );
    for action in ["data.delete.request", "data.deleted"] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
            ))
            .await,
            1,
            "{action}"
        );
    }
}

async fn promise_4_one_visitors_data_is_deleted_on_request(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    seed(&app).await;
    let visitor = app
        .count("SELECT MIN(visitor_hash) FROM events WHERE pathname = '/a'")
        .await;
    let bad = app
        .gql(
            Some(&owner.token),
            "mutation($s: ID!) { deleteSiteData(siteId: $s, visitorId: \"someone\") }",
            json!({"s": site}),
        )
        .await;
    assert_eq!(error_code(&bad).as_deref(), Some("BAD_USER_INPUT"));
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $v: String!) { deleteSiteData(siteId: $s, visitorId: $v) }",
            json!({"s": site, "v": visitor.to_string()}),
        )
        .await;
    let job = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(
        job["result"]["events"], 1,
        "visitor ids are per day: one day of that visitor"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM events WHERE visitor_hash = {visitor}"
        ))
        .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 5);
}

async fn promise_4_an_export_reads_back_equal_to_the_stored_rows(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    seed(&app).await;
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { requestExport(siteId: $s, range: {from: \"2026-03-10\", to: \"2026-03-11\"}) }", json!({"s": site}))
        .await;
    let job = wait_job(&app, &owner, r["requestExport"].as_str().unwrap()).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["kind"], "EXPORT", "{job}");
    assert_eq!(job["result"]["events"], 4);
    let urls: Vec<String> = serde_json::from_value(job["downloadUrls"].clone()).unwrap();
    assert_eq!(urls.len(), 2);
    let fetch = |url: &str| {
        // Links carry the public URL; the test server listens elsewhere.
        let path = &url[url.find("/exports/").unwrap()..];
        app.client.get(app.url(path)).send()
    };
    let gunzip = |bytes: &[u8]| {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let ndjson_url = urls.iter().find(|u| u.contains(".ndjson.gz")).unwrap();
    let resp = fetch(ndjson_url).await.unwrap();
    assert_eq!(resp.status(), 200);
    let ndjson = gunzip(&resp.bytes().await.unwrap());
    let exported: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let rows = app
        .db
        .query_all(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT ts, name, pathname, visitor_hash, session_id, props FROM events WHERE ts < 1773273600000 ORDER BY id".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(exported.len(), rows.len());
    for (e, r) in exported.iter().zip(&rows) {
        assert_eq!(e["ts"], r.try_get_by_index::<i64>(0).unwrap().to_string());
        assert_eq!(e["name"], r.try_get_by_index::<String>(1).unwrap());
        assert_eq!(e["pathname"], r.try_get_by_index::<String>(2).unwrap());
        assert_eq!(
            e["visitor_id"],
            r.try_get_by_index::<i64>(3).unwrap().to_string()
        );
        assert_eq!(
            e["session_id"],
            r.try_get_by_index::<i64>(4).unwrap().to_string()
        );
        assert_eq!(
            e["props"],
            r.try_get_by_index::<Option<String>>(5)
                .unwrap()
                .unwrap_or_default()
        );
    }

    let csv_url = urls.iter().find(|u| u.contains(".csv.gz")).unwrap();
    let csv_text = gunzip(&fetch(csv_url).await.unwrap().bytes().await.unwrap());
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records.len(), exported.len());
    for (record, object) in records.iter().zip(&exported) {
        for (k, v) in header.iter().zip(record) {
            assert_eq!(
                object[k.as_str()],
                v.as_str(),
                "column {k}: quoting round-trips"
            );
        }
    }

    let tampered = ndjson_url.replace("expires=", "expires=9");
    assert_eq!(
        fetch(&tampered).await.unwrap().status(),
        403,
        "a changed link is refused"
    );
    let other = app.sign_up("mallory").await;
    let theirs = app
        .gql(Some(&other.token), JOB, json!({"id": job["id"]}))
        .await;
    assert_eq!(
        error_code(&theirs).as_deref(),
        Some("NOT_FOUND"),
        "another tenant cannot see the job"
    );
    for action in ["data.export.request", "data.exported"] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
            ))
            .await,
            1,
            "{action}"
        );
    }
}

async fn promise_4_an_export_goes_to_s3_and_comes_back_through_a_presigned_link(b: Backend) {
    let s3 = moto("trackr-exports").await;
    let app = TestApp::spawn_with(
        b,
        &[("object_store_url", "s3://trackr-exports/tenant-data")],
    )
    .await;
    let (owner, _, site) = app.site_owner("example.com").await;
    seed(&app).await;
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { requestExport(siteId: $s, range: {from: \"2026-03-10\", to: \"2026-03-12\"}) }", json!({"s": site}))
        .await;
    let job = wait_job(&app, &owner, r["requestExport"].as_str().unwrap()).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    let urls: Vec<String> = serde_json::from_value(job["downloadUrls"].clone()).unwrap();
    assert_eq!(urls.len(), 2);
    for url in &urls {
        assert!(
            url.starts_with(&s3.endpoint)
                && url.contains("/trackr-exports/tenant-data/exports/")
                && url.contains("X-Amz-Signature"),
            "{url}"
        );
    }
    let ndjson = urls.iter().find(|u| u.contains(".ndjson.gz")).unwrap();
    let bytes = reqwest::get(ndjson).await.unwrap().bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text.lines().count(), 6, "every event of the range, from S3");
    let unsigned = ndjson.split('?').next().unwrap();
    assert_eq!(
        reqwest::get(unsigned).await.unwrap().status(),
        403,
        "the bucket is not public"
    );
}

/// Requests an export of March 10 to 12 and waits for it.
async fn export(app: &TestApp, owner: &TestUser, site: &str) -> (String, Value) {
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { requestExport(siteId: $s, range: {from: \"2026-03-10\", to: \"2026-03-12\"}) }", json!({"s": site}))
        .await;
    let id = r["requestExport"].as_str().unwrap().to_owned();
    let job = wait_job(app, owner, &id).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["downloadUrls"].as_array().unwrap().len(), 2);
    (id, job)
}

/// An export is a copy of visitors' data: its files go a day after it
/// finished (its links last 24 hours), and at once when the data it holds
/// is deleted.
async fn promise_3_and_4_exports_expire_with_their_links_and_with_their_data(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    seed(&app).await;
    let (first, _) = export(&app, &owner, &site).await;
    assert_eq!(app.objects(&format!("exports/{first}/")).await.len(), 2);
    // Deleting a day the export covers removes the export.
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { deleteSiteData(siteId: $s, range: {from: \"2026-03-11\", to: \"2026-03-11\"}) }", json!({"s": site}))
        .await;
    let deletion = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(deletion["result"]["exports"], 1, "{deletion}");
    assert!(app.objects(&format!("exports/{first}/")).await.is_empty());
    let gone = app
        .gql_ok(Some(&owner.token), JOB, json!({"id": first}))
        .await;
    assert_eq!(gone["job"]["downloadUrls"], json!([]), "no link to nothing");
    // A range elsewhere leaves an export alone.
    let (second, _) = export(&app, &owner, &site).await;
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { deleteSiteData(siteId: $s, range: {from: \"2026-02-01\", to: \"2026-02-02\"}) }", json!({"s": site}))
        .await;
    let deletion = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(deletion["result"]["exports"], 0, "{deletion}");
    assert_eq!(app.objects(&format!("exports/{second}/")).await.len(), 2);
    // The purge removes it once its links have expired, not before.
    let purge = |hours: i64| trackr_worker::jobs::purge::PurgeOptions {
        store: Some(app.server.app.store.clone()),
        ..trackr_worker::jobs::purge::PurgeOptions::at(Utc::now() + chrono::Duration::hours(hours))
    };
    let plans = &app.server.app.settings.plans;
    let early =
        trackr_worker::jobs::purge::run(app.server.app.events.as_ref(), &app.db, plans, &purge(20))
            .await
            .unwrap();
    let dry = trackr_worker::jobs::purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        plans,
        &trackr_worker::jobs::purge::PurgeOptions {
            dry_run: true,
            ..purge(26)
        },
    )
    .await
    .unwrap();
    assert_eq!(dry.exports_expired, 1, "a dry run says what would go");
    assert_eq!(
        app.objects(&format!("exports/{second}/")).await.len(),
        2,
        "and removes nothing"
    );
    assert_eq!(early.exports_expired, 0);
    assert_eq!(app.objects(&format!("exports/{second}/")).await.len(), 2);
    let late =
        trackr_worker::jobs::purge::run(app.server.app.events.as_ref(), &app.db, plans, &purge(26))
            .await
            .unwrap();
    assert_eq!(late.exports_expired, 1);
    assert!(app.objects(&format!("exports/{second}/")).await.is_empty());
}

/// A job's kind and status are enums in the API, whatever the stored
/// (lower-case) names; a Stripe event's job is nobody's to follow.
async fn job_kinds_and_statuses_read_back_as_enum_values(b: Backend) {
    use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
    use trackr_entity::job;
    let app = TestApp::spawn(b).await;
    let (owner, org, site) = app.site_owner("example.com").await;
    let scope = (Some(org.parse().unwrap()), Some(site.parse().unwrap()));
    let export = uuid::Uuid::new_v4();
    // Stored as finished already: nothing picks it up while it is read.
    let mut row = job::ActiveModel::queued(export, job::Kind::Export, scope, json!({}), None);
    row.status = sea_orm::Set(job::Status::Succeeded);
    row.insert(&app.db).await.unwrap();
    let q = "query($id: ID!) { job(id: $id) { kind status } }";
    for (stored, value) in [
        ("queued", "QUEUED"),
        ("running", "RUNNING"),
        ("succeeded", "SUCCEEDED"),
        ("failed", "FAILED"),
        ("dead", "DEAD"),
    ] {
        // The name as stored, written as a plain string.
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(stored))
            .col_expr(job::Column::Attempts, Expr::value(4))
            .filter(job::Column::Id.eq(export))
            .exec(&app.db)
            .await
            .unwrap();
        let r = app
            .gql_ok(Some(&owner.token), q, json!({"id": export}))
            .await;
        assert_eq!(
            r["job"],
            json!({"kind": "EXPORT", "status": value}),
            "{stored}"
        );
    }
    let stripe = uuid::Uuid::new_v4();
    let mut row = job::ActiveModel::queued(stripe, job::Kind::StripeEvent, scope, json!({}), None);
    row.status = sea_orm::Set(job::Status::Dead);
    row.insert(&app.db).await.unwrap();
    let r = app.gql(Some(&owner.token), q, json!({"id": stripe})).await;
    assert_eq!(error_code(&r).as_deref(), Some("NOT_FOUND"), "{r}");
}

both_backends!(
    job_kinds_and_statuses_read_back_as_enum_values,
    promise_3_and_4_exports_expire_with_their_links_and_with_their_data,
    promise_4_an_export_goes_to_s3_and_comes_back_through_a_presigned_link,
    promise_4_a_range_of_data_is_deleted_on_request,
    promise_4_one_visitors_data_is_deleted_on_request,
    promise_4_an_export_reads_back_equal_to_the_stored_rows,
);
