//! Session recordings and heatmaps (issue 6; privacy promises 2, 3, 4, 7
//! and 8): rrweb chunks posted to `/api/recording` land in object storage
//! (the local filesystem or S3) with their metadata in `recordings`, are
//! listed and replayed through GraphQL in `seq` order, are refused (storing
//! nothing) where the site, its plan or the visitor's consent does not
//! allow them, and go with the purge and with deletion on request.

use std::{io::Read, io::Write, time::Duration};

use chrono::{TimeZone, Utc};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, moto, Backend, TestApp, TestUser, CHROME, IPHONE};
use trackr_worker::jobs::purge::{self, PurgeOptions};

const DOMAIN: &str = "example.com";

/// An owner, an organization on `plan`, and a site with recordings on.
async fn recording_site(app: &TestApp, plan: &str) -> (TestUser, String, String) {
    let (owner, org, site) = app.site_owner(DOMAIN).await;
    app.set_plan(&org, plan).await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {recordingsEnabled: true}) { recordingsEnabled } }",
        json!({"id": site}),
    )
    .await;
    (owner, org, site)
}

/// A chunk of rrweb events: seq 0 opens with a meta event for `page` and
/// a full snapshot; every chunk carries `marker` so its bytes can be told
/// apart.
fn chunk(session: &str, seq: i32, start_ms: i64, page: &str, marker: &str) -> Value {
    let t = start_ms + i64::from(seq) * 5_000;
    let mut events = Vec::new();
    if seq == 0 {
        events.push(json!({"type": 4, "timestamp": t, "data": {"href": format!("https://{DOMAIN}{page}?token=secret"), "width": 1280, "height": 800}}));
        events.push(json!({"type": 2, "timestamp": t + 1, "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"left": 0, "top": 0}}}));
    } else {
        events.push(json!({"type": 4, "timestamp": t, "data": {"href": format!("https://{DOMAIN}{page}"), "width": 1280, "height": 800}}));
    }
    // A marker in a custom event (input text would be masked).
    events.push(json!({"type": 5, "timestamp": t + 2, "data": {"tag": marker, "payload": {}}}));
    events.push(json!({"type": 3, "timestamp": t + 3, "data": {"source": 5, "text": "typed-secret", "isChecked": false, "id": 7}}));
    events.push(json!({"type": 3, "timestamp": t + 4_000, "data": {"source": 1, "positions": [{"x": 10, "y": 20, "id": 1, "timeOffset": 0}]}}));
    json!({"domain": DOMAIN, "sessionId": session, "seq": seq, "events": events})
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut s = String::new();
    GzDecoder::new(bytes).read_to_string(&mut s).unwrap();
    s
}

/// Posts a chunk (gzipped or not) as `ip` with `ua`; status and body.
async fn post_as(
    app: &TestApp,
    body: &Value,
    gzipped: bool,
    ip: &str,
    ua: &str,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let text = body.to_string().into_bytes();
    let mut req = app
        .client
        .post(app.url("/api/recording"))
        .header("x-forwarded-for", ip)
        .header("user-agent", ua)
        .header("content-type", "application/json");
    req = if gzipped {
        req.header("content-encoding", "gzip").body(gzip(&text))
    } else {
        req.body(text)
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("chunk sent");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(app: &TestApp, body: &Value, gzipped: bool) -> (u16, Value) {
    post_as(app, body, gzipped, "198.51.100.7", CHROME, &[]).await
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A range around today (chunks are stamped now).
fn around_today() -> Value {
    let today = Utc::now().date_naive();
    json!({"from": (today - chrono::Duration::days(1)).to_string(), "to": (today + chrono::Duration::days(1)).to_string()})
}

const LIST: &str = "query($s: ID!, $r: DateRange!, $f: [Filter!], $first: Int, $after: String) { site(id: $s) { recordings(range: $r, filters: $f, first: $first, after: $after) { edges { cursor node { sessionId startedAt endedAt durationSeconds pages country device browser os chunks eventCount storedBytes } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }";
const ONE: &str = "query($s: ID!, $id: String!) { site(id: $s) { recording(sessionId: $id) { sessionId chunks pages durationSeconds events } } }";

async fn list(
    app: &TestApp,
    user: &TestUser,
    site: &str,
    filters: Value,
    first: Option<i64>,
    after: Option<&str>,
) -> Value {
    app.gql_ok(
        Some(&user.token),
        LIST,
        json!({"s": site, "r": around_today(), "f": filters, "first": first, "after": after}),
    )
    .await["site"]["recordings"]
        .clone()
}

async fn rows(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM recordings").await
}

/// Chunks posted out of order, gzipped and plain, and twice: stored once
/// each under `recordings/{site}/{day}/{session}/{seq}`, and played back in
/// `seq` order through GraphQL with what was first stored.
async fn round_trip(app: &TestApp, store_prefix_in_keys: &str) {
    let (owner, _, site) = recording_site(app, "growth").await;
    let session = "sess-0001-abcdef";
    let start = now_ms() - 20_000;
    for (seq, gzipped) in [(2, true), (0, false), (1, true)] {
        let (status, body) = post(
            app,
            &chunk(session, seq, start, "/pricing", &format!("marker-{seq}")),
            gzipped,
        )
        .await;
        assert_eq!(status, 202, "seq {seq}: {body}");
    }
    // The same seq again, with other content: nothing changes.
    let (status, body) = post(
        app,
        &chunk(session, 1, start, "/other", "marker-impostor"),
        false,
    )
    .await;
    assert_eq!((status, body["duplicate"].clone()), (200, json!(true)));
    assert_eq!(rows(app).await, 3);

    let day = Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let objects = app.objects("recordings").await;
    let keys: Vec<String> = objects.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for (seq, key) in keys.iter().enumerate() {
        // By site, day and session; each write has its own object.
        let prefix = format!("recordings/{site}/{day}/{session}/{seq:06}-");
        assert!(
            key.starts_with(&prefix) && key.ends_with(".json.gz"),
            "{key} {store_prefix_in_keys}"
        );
    }
    let stored: i64 = objects.iter().map(|(_, n)| *n as i64).sum();
    assert_eq!(
        app.count("SELECT CAST(SUM(bytes) AS BIGINT) FROM recordings")
            .await,
        stored,
        "the rows know the stored sizes"
    );
    let second = app.server.app.store.get(&keys[1]).await.unwrap();
    let second = gunzip(&second);
    assert!(
        second.contains("marker-1") && !second.contains("impostor"),
        "{second}"
    );

    let listed = list(app, &owner, &site, Value::Null, None, None).await;
    let edges = listed["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{listed}");
    let node = &edges[0]["node"];
    assert_eq!(node["sessionId"], session);
    assert_eq!(node["chunks"], 3);
    assert_eq!(node["eventCount"], 13);
    assert_eq!(
        node["pages"],
        json!(["/pricing"]),
        "paths only, no query strings"
    );
    assert_eq!(node["device"], "Desktop");
    assert_eq!(node["browser"], "Chrome");
    assert_eq!(node["durationSeconds"], 14.0);
    assert_eq!(node["storedBytes"].as_f64().unwrap() as i64, stored);

    let one = app
        .gql_ok(Some(&owner.token), ONE, json!({"s": site, "id": session}))
        .await;
    let events = one["site"]["recording"]["events"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(events.len(), 13);
    let markers: Vec<&str> = events
        .iter()
        .filter_map(|e| e["data"]["tag"].as_str())
        .collect();
    // What was typed is masked by the server, whatever the recorder did.
    assert!(!serde_json::to_string(&events)
        .unwrap()
        .contains("typed-secret"));
    assert_eq!(
        markers,
        vec!["marker-0", "marker-1", "marker-2"],
        "seq order"
    );
    let stamps: Vec<i64> = events
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    let none = app
        .gql_ok(
            Some(&owner.token),
            ONE,
            json!({"s": site, "id": "no-such-session"}),
        )
        .await;
    assert_eq!(none["site"]["recording"], Value::Null);
    // Copies of one new chunk arriving at once: one row, one object, and
    // the row points at it.
    let twin = chunk(session, 3, start, "/twin", "marker-3");
    let (a, b, c, d) = tokio::join!(
        post(app, &twin, false),
        post(app, &twin, false),
        post(app, &twin, true),
        post(app, &twin, false)
    );
    let accepted = [a.0, b.0, c.0, d.0].iter().filter(|s| **s == 202).count();
    assert_eq!(accepted, 1, "{a:?} {b:?} {c:?} {d:?}");
    assert_eq!(rows(app).await, 4);
    let objects = app.objects("recordings").await;
    let twins: Vec<&String> = objects
        .iter()
        .map(|(k, _)| k)
        .filter(|k| k.contains(&format!("/{session}/000003-")))
        .collect();
    assert_eq!(twins.len(), 1, "{twins:?}");
    let pointed = app
        .count(&format!(
            "SELECT COUNT(*) FROM recordings WHERE seq = 3 AND object_key = '{}'",
            twins[0]
        ))
        .await;
    assert_eq!(pointed, 1);
}

async fn promise_8_chunks_round_trip_through_the_local_store_in_seq_order_once_each(b: Backend) {
    let app = TestApp::spawn(b).await;
    round_trip(&app, "local").await;
    assert!(
        app.data_dir.path().join("objects/recordings").is_dir(),
        "in the local store under the data directory"
    );
}

async fn promise_8_chunks_round_trip_through_s3_in_seq_order_once_each(b: Backend) {
    let s3 = moto("trackr-recordings").await;
    let app = TestApp::spawn_with(
        b,
        &[("object_store_url", "s3://trackr-recordings/tenant-data")],
    )
    .await;
    round_trip(&app, "s3").await;
    // The bytes are in the bucket, under the configured prefix.
    let listing = reqwest::Client::new()
        .get(format!(
            "{}/trackr-recordings?list-type=2&prefix=tenant-data/recordings/",
            s3.endpoint
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        listing.matches("<Key>").count(),
        4,
        "one object a chunk: {listing}"
    );
}

/// Nothing is stored, neither rows nor objects, when the site does not
/// record, its plan has no recordings, the visitor did not consent where
/// consent is required, or asked not to be tracked.
async fn promise_7_and_8_refused_recordings_store_nothing(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_sites", "5")]).await;
    let (owner, org, site) = app.site_owner(DOMAIN).await;
    let start = now_ms();
    let c = chunk("sess-refused-1", 0, start, "/", "m");

    // Recordings off (the default).
    let (status, body) = post(&app, &c, false).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not enabled"),
        "{body}"
    );

    // The free plan has none: the site cannot turn them on ...
    let r = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateSite(id: $id, input: {recordingsEnabled: true}) { id } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("PLAN_LIMIT"), "{r}");
    // ... and a site left on after a downgrade is refused all the same.
    app.set_plan(&org, "growth").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {recordingsEnabled: true}) { id } }",
        json!({"id": site}),
    )
    .await;
    app.set_plan(&org, "free").await;
    let (status, body) = post(&app, &c, true).await;
    assert_eq!(status, 402, "{body}");
    let config: Value = app
        .client
        .get(app.url(&format!("/api/recording/config?domain={DOMAIN}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["record"], false,
        "the recorder is told not to record: {config}"
    );

    // Consent required: without it, dropped; with it, stored.
    app.set_plan(&org, "starter").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {requireConsent: true}) { id } }",
        json!({"id": site}),
    )
    .await;
    let (status, _) = post(&app, &c, false).await;
    assert_eq!(status, 204);
    // Do-Not-Track, even with consent, on a site that honours it.
    let mut with_consent = c.clone();
    with_consent["consent"] = json!(true);
    let (status, _) = post_as(
        &app,
        &with_consent,
        false,
        "198.51.100.7",
        CHROME,
        &[("dnt", "1")],
    )
    .await;
    assert_eq!(status, 204);
    // A headless browser is automation, not a visitor.
    let (status, _) = post_as(&app, &with_consent, false, "198.51.100.7", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36", &[]).await;
    assert_eq!(status, 204);
    assert_eq!(rows(&app).await, 0, "nothing stored");
    assert!(
        app.objects("recordings").await.is_empty(),
        "no object written"
    );

    let (status, body) = post(&app, &with_consent, false).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(rows(&app).await, 1);
    assert_eq!(app.objects("recordings").await.len(), 1);
    let config: Value = app
        .client
        .get(app.url(&format!("/api/recording/config?domain={DOMAIN}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["record"], true, "{config}");
    assert_eq!(config["requireConsent"], true);
    assert_eq!(config["maskAllInputs"], true);
    assert_eq!(config["blockClass"], "trackr-block");
}

/// Malformed, oversized and bomb-like bodies get a 400 naming the field or
/// a 413, and change nothing; so does a recording past its maximum length.
async fn recording_chunks_are_validated_with_clear_errors(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("ingest.recording_body_bytes", "8192"),
            ("ingest.recording_decoded_bytes", "65536"),
        ],
    )
    .await;
    let (owner, _, site) = recording_site(&app, "growth").await;
    app.gql_ok(Some(&owner.token), "mutation($id: ID!) { updateSite(id: $id, input: {recordingMaxSeconds: 10}) { recordingMaxSeconds } }", json!({"id": site})).await;
    let start = now_ms() - 60_000;
    let good = chunk("sess-valid-01", 0, start, "/", "m");

    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut no_session = good.clone();
    no_session.as_object_mut().unwrap().remove("sessionId");
    cases.push((no_session, "sessionId"));
    let mut bad_seq = good.clone();
    bad_seq["seq"] = json!(-3);
    cases.push((bad_seq, "seq"));
    let mut bad_events = good.clone();
    bad_events["events"] = json!([{"type": 3}]);
    cases.push((bad_events, "events"));
    let mut wrong_host = good.clone();
    wrong_host["events"][0]["data"]["href"] = json!("https://evil.example.org/");
    cases.push((wrong_host, "events"));
    let mut stale = good.clone();
    for e in stale["events"].as_array_mut().unwrap() {
        e["timestamp"] = json!(1_000_000_000_000i64);
    }
    cases.push((stale, "events"));
    for (body, field) in cases {
        let (status, resp) = post(&app, &body, false).await;
        assert_eq!(
            (status, resp["field"].as_str()),
            (400, Some(field)),
            "{resp}"
        );
        assert!(resp["error"].as_str().unwrap().starts_with(field), "{resp}");
    }
    let (status, resp) = app
        .client
        .post(app.url("/api/recording"))
        .header("user-agent", CHROME)
        .body("{not json")
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["field"], "body");
    let resp = app
        .client
        .post(app.url("/api/recording"))
        .header("user-agent", CHROME)
        .header("content-encoding", "gzip")
        .body("not gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // Too big as sent; too big once decompressed (a gzip bomb).
    let resp = app
        .client
        .post(app.url("/api/recording"))
        .header("user-agent", CHROME)
        .body(vec![b' '; 9000])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let mut bomb = good.clone();
    bomb["events"][1]["data"]["padding"] = json!("0".repeat(200_000));
    let packed = gzip(bomb.to_string().as_bytes());
    assert!(packed.len() < 8192, "the bomb is small when packed");
    let resp = app
        .client
        .post(app.url("/api/recording"))
        .header("user-agent", CHROME)
        .header("content-encoding", "gzip")
        .body(packed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("decompresses to more than 65536 bytes"));

    let mut unknown = good.clone();
    unknown["domain"] = json!("unknown.example.net");
    assert_eq!(post(&app, &unknown, false).await.0, 404);
    assert_eq!(rows(&app).await, 0);
    assert!(app.objects("recordings").await.is_empty());

    // Within the maximum length (10 s here, with a minute's grace) ...
    assert_eq!(post(&app, &good, false).await.0, 202);
    // ... and past it: refused.
    let mut late = chunk("sess-valid-01", 1, start, "/", "late");
    for e in late["events"].as_array_mut().unwrap() {
        e["timestamp"] = json!(start + 90_000);
    }
    let (status, resp) = post(&app, &late, false).await;
    assert_eq!(status, 403, "{resp}");
    assert_eq!(rows(&app).await, 1);

    let r = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateSite(id: $id, input: {recordingSampleRate: 1.5}) { id } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(
        r["errors"][0]["extensions"]["field"], "recordingSampleRate",
        "{r}"
    );
}

/// Newest first, in pages that follow one another, filtered by device and
/// by page.
async fn recordings_are_listed_newest_first_in_pages_and_filtered(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = recording_site(&app, "business").await;
    let base = now_ms() - 3_600_000;
    for i in 0..5i64 {
        let session = format!("sess-list-{i:04}");
        let page = if i % 2 == 0 { "/a" } else { "/b" };
        let ua = if i == 3 { IPHONE } else { CHROME };
        let (status, body) = post_as(
            &app,
            &chunk(&session, 0, base + i * 60_000, page, "m"),
            true,
            "198.51.100.9",
            ua,
            &[],
        )
        .await;
        assert_eq!(status, 202, "{body}");
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = list(&app, &owner, &site, Value::Null, Some(2), after.as_deref()).await;
        for e in page["edges"].as_array().unwrap() {
            seen.push(e["node"]["sessionId"].as_str().unwrap().to_owned());
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        (0..5)
            .rev()
            .map(|i| format!("sess-list-{i:04}"))
            .collect::<Vec<_>>()
    );

    let mobile = list(
        &app,
        &owner,
        &site,
        json!([{"dimension": "DEVICE", "op": "IS", "value": "Mobile"}]),
        None,
        None,
    )
    .await;
    let ids: Vec<&str> = mobile["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["sessionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["sess-list-0003"]);
    let on_b = list(
        &app,
        &owner,
        &site,
        json!([{"dimension": "PAGE", "op": "IS", "value": "/b"}]),
        None,
        None,
    )
    .await;
    assert_eq!(on_b["edges"].as_array().unwrap().len(), 2, "{on_b}");
    let not_b = list(
        &app,
        &owner,
        &site,
        json!([{"dimension": "PAGE", "op": "IS_NOT", "value": "/b"}]),
        None,
        None,
    )
    .await;
    assert_eq!(not_b["edges"].as_array().unwrap().len(), 3, "{not_b}");
    // A session is one thing: its second chunk, from a phone, makes the
    // whole session "Mobile", and IS_NOT Mobile leaves it out entirely
    // (it does not keep the session minus that chunk).
    let (status, body) = post_as(
        &app,
        &chunk("sess-list-0001", 1, base + 60_000, "/b", "m"),
        true,
        "198.51.100.9",
        IPHONE,
        &[],
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let not_mobile = list(
        &app,
        &owner,
        &site,
        json!([{"dimension": "DEVICE", "op": "IS_NOT", "value": "Mobile"}]),
        None,
        None,
    )
    .await;
    let ids: Vec<&str> = not_mobile["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["sessionId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["sess-list-0004", "sess-list-0002", "sess-list-0000"],
        "{not_mobile}"
    );
    // How long they lasted (issue 16): sess-list-0001 has two chunks
    // (9 s from its first event to its last), the others one (4 s).
    let q = "query($s: ID!, $r: DateRange!, $min: Int, $max: Int) { site(id: $s) { recordings(range: $r, minDurationSeconds: $min, maxDurationSeconds: $max) { nodes { sessionId durationSeconds } } } }";
    let all: Vec<String> = (0..5).rev().map(|i| format!("sess-list-{i:04}")).collect();
    for (min, max, want) in [
        (json!(5), Value::Null, vec!["sess-list-0001".to_owned()]),
        (
            Value::Null,
            json!(4),
            all.iter()
                .filter(|s| *s != "sess-list-0001")
                .cloned()
                .collect(),
        ),
        (json!(4), json!(9), all.clone()),
        (json!(10), Value::Null, vec![]),
    ] {
        let r = app
            .gql_ok(
                Some(&owner.token),
                q,
                json!({"s": site, "r": around_today(), "min": min, "max": max}),
            )
            .await;
        let nodes = r["site"]["recordings"]["nodes"].as_array().unwrap();
        let ids: Vec<String> = nodes
            .iter()
            .map(|n| n["sessionId"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, want, "{min}..{max}");
        for n in nodes {
            let d = n["durationSeconds"].as_f64().unwrap();
            assert!(
                min.as_f64().is_none_or(|m| d >= m) && max.as_f64().is_none_or(|m| d <= m),
                "{n}"
            );
        }
    }
    for (min, max) in [(json!(-1), Value::Null), (json!(9), json!(4))] {
        let r = app
            .gql(
                Some(&owner.token),
                q,
                json!({"s": site, "r": around_today(), "min": min, "max": max}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    }
    let r = app.gql(Some(&owner.token), LIST, json!({"s": site, "r": around_today(), "f": [{"dimension": "UTM_SOURCE", "op": "IS", "value": "x"}]})).await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    let r = app
        .gql(
            Some(&owner.token),
            LIST,
            json!({"s": site, "r": around_today(), "after": "zz"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
}

/// Viewers and above read recordings; another organization's site is
/// NOT_FOUND; the billing role may not read sites.
async fn recordings_are_read_by_viewers_and_hidden_from_other_tenants(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, org, site) = recording_site(&app, "growth").await;
    assert_eq!(
        post(&app, &chunk("sess-tenant-01", 0, now_ms(), "/", "m"), false)
            .await
            .0,
        202
    );
    let viewer = app.sign_up("viewer").await;
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    let listed = list(&app, &viewer, &site, Value::Null, None, None).await;
    assert_eq!(listed["edges"].as_array().unwrap().len(), 1);
    let one = app
        .gql_ok(
            Some(&viewer.token),
            ONE,
            json!({"s": site, "id": "sess-tenant-01"}),
        )
        .await;
    assert_eq!(one["site"]["recording"]["chunks"], 1);

    let billing = app.sign_up("billing").await;
    app.add_member(&owner, &org, &billing, "BILLING").await;
    let r = app
        .gql(
            Some(&billing.token),
            ONE,
            json!({"s": site, "id": "sess-tenant-01"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");

    let stranger = app.sign_up("stranger").await;
    app.create_org(&stranger, "Other").await;
    for query in [ONE, LIST] {
        let r = app
            .gql(
                Some(&stranger.token),
                query,
                json!({"s": site, "id": "sess-tenant-01", "r": around_today()}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("NOT_FOUND"), "{r}");
        assert!(r["data"].is_null() || r["data"]["site"].is_null(), "{r}");
    }
}

fn purge_now(app: &TestApp, now: chrono::DateTime<Utc>) -> PurgeOptions {
    PurgeOptions {
        store: Some(app.server.app.store.clone()),
        ..PurgeOptions::at(now)
    }
}

/// Recordings older than the plan's recording retention (90 days on
/// growth) go, rows and objects; younger ones stay. Without a store the
/// purge leaves recordings alone rather than orphan their objects.
async fn promise_3_expired_recordings_are_purged_rows_and_objects(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, org, site) = recording_site(&app, "growth").await;
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    for (session, days_ago) in [("sess-old-0001", 95), ("sess-new-0001", 10)] {
        let at = now - chrono::Duration::days(days_ago);
        app.set_time(at);
        for seq in 0..2 {
            let (status, body) = post(
                &app,
                &chunk(session, seq, at.timestamp_millis() - 20_000, "/", "m"),
                true,
            )
            .await;
            assert_eq!(status, 202, "{body}");
        }
    }
    assert_eq!(rows(&app).await, 4);
    assert_eq!(app.objects("recordings").await.len(), 4);

    let plans = &app.server.app.settings.plans;
    let skipped = purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        plans,
        &PurgeOptions::at(now),
    )
    .await
    .unwrap();
    assert!(skipped.recordings_skipped);
    assert_eq!(rows(&app).await, 4, "no store, no purge of recordings");

    let dry = purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        plans,
        &PurgeOptions {
            dry_run: true,
            ..purge_now(&app, now)
        },
    )
    .await
    .unwrap();
    assert_eq!(dry.recordings(), 2);
    assert_eq!(rows(&app).await, 4, "a dry run deletes nothing");

    // An object left without a row (a crash between the object's write and
    // its row) on a day past retention, and another on a kept day.
    let site_id: uuid::Uuid = site.parse().unwrap();
    let expired_day = (now - chrono::Duration::days(92)).date_naive();
    let kept_day = (now - chrono::Duration::days(10)).date_naive();
    for day in [expired_day, kept_day] {
        let key = trackr_entity::recording::object_key(site_id, day, "sess-orphan", 0);
        app.server
            .app
            .store
            .put(&key, bytes::Bytes::from_static(b"[]"))
            .await
            .unwrap();
    }
    let report = purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        plans,
        &purge_now(&app, now),
    )
    .await
    .unwrap();
    assert_eq!(report.recordings(), 2);
    let orphans: Vec<String> = app
        .objects("recordings")
        .await
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| k.contains("sess-orphan"))
        .collect();
    assert_eq!(orphans.len(), 1, "the expired orphan is swept: {orphans:?}");
    assert!(orphans[0].contains(&kept_day.to_string()), "{orphans:?}");
    for key in &orphans {
        app.server.app.store.delete(key).await.unwrap();
    }
    let entry = report
        .sites
        .iter()
        .find(|s| s.site_id.map(|i| i.to_string()) == Some(site.clone()))
        .unwrap();
    assert_eq!(entry.recording_retention_days, Some(90));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recordings WHERE session_id = 'sess-old-0001'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recordings WHERE session_id = 'sess-new-0001'")
            .await,
        2
    );
    let keys: Vec<String> = app
        .objects("recordings")
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.contains("sess-new-0001")), "{keys:?}");
    let audits = trackr_entity::audit_log::Entity::find()
        .filter(trackr_entity::audit_log::Column::Action.eq("retention.purge"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].details["recordings"], 2, "the purge is audited");

    // On a plan without recordings (no paid period left), none are kept.
    app.set_plan(&org, "free").await;
    let report = purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        plans,
        &purge_now(&app, now),
    )
    .await
    .unwrap();
    assert_eq!(report.recordings(), 2);
    assert_eq!(rows(&app).await, 0);
    assert!(app.objects("recordings").await.is_empty());
}

/// Deleting one visitor's data removes their recordings whole (rows and
/// objects), and a date range removes the recordings that started in it.
/// A visit that began before midnight keeps its visitor id after it, for
/// recordings as for events: deleting that visitor removes both.
async fn promise_4_a_visitor_deleted_after_midnight_loses_its_recordings_too(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = recording_site(&app, "growth").await;
    let midnight = (Utc::now().date_naive() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let ip = "198.51.100.77";
    app.set_time(midnight - chrono::Duration::minutes(5));
    let page =
        json!({"name": "pageview", "url": format!("https://{DOMAIN}/before"), "domain": DOMAIN});
    assert_eq!(app.event_as(&page, ip, CHROME, &[]).await.status(), 202);
    app.set_time(midnight + chrono::Duration::minutes(5));
    let start = (midnight + chrono::Duration::minutes(5)).timestamp_millis();
    let (status, body) = post_as(
        &app,
        &chunk("sess-midnight", 0, start, "/after", "m"),
        false,
        ip,
        CHROME,
        &[],
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let visitor = app.count("SELECT MAX(visitor_hash) FROM events").await;
    assert_eq!(
        app.count("SELECT MAX(visitor_hash) FROM recordings").await,
        visitor,
        "the recording carries the visit's id"
    );
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $v: String) { deleteSiteData(siteId: $s, visitorId: $v) }",
            json!({"s": site, "v": visitor.to_string()}),
        )
        .await;
    let job = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(app.count("SELECT COUNT(*) FROM recordings").await, 0);
    assert_eq!(app.objects("recordings").await.len(), 0);
}

async fn promise_4_deleting_data_removes_recordings_too(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = recording_site(&app, "growth").await;
    let start = now_ms() - 30_000;
    for (session, ip) in [
        ("sess-visitor-a", "198.51.100.1"),
        ("sess-visitor-b", "198.51.100.2"),
    ] {
        for seq in 0..2 {
            let (status, body) = post_as(
                &app,
                &chunk(session, seq, start, "/", "m"),
                false,
                ip,
                CHROME,
                &[],
            )
            .await;
            assert_eq!(status, 202, "{body}");
        }
    }
    let visitor = app
        .count("SELECT MAX(visitor_hash) FROM recordings WHERE session_id = 'sess-visitor-a'")
        .await;
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $v: String) { deleteSiteData(siteId: $s, visitorId: $v) }",
            json!({"s": site, "v": visitor.to_string()}),
        )
        .await;
    let job = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["result"]["recordings"], 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recordings WHERE session_id = 'sess-visitor-a'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recordings WHERE session_id = 'sess-visitor-b'")
            .await,
        2
    );
    let keys: Vec<String> = app
        .objects("recordings")
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| k.contains("sess-visitor-b")),
        "{keys:?}"
    );

    let today = Utc::now().date_naive().to_string();
    let r = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!, $d: Date!) { deleteSiteData(siteId: $s, range: {from: $d, to: $d}) }", json!({"s": site, "d": today}))
        .await;
    let job = wait_job(&app, &owner, r["deleteSiteData"].as_str().unwrap()).await;
    assert_eq!(job["result"]["recordings"], 2, "{job}");
    assert_eq!(rows(&app).await, 0);
    assert!(app.objects("recordings").await.is_empty());
}

/// Deleting a site removes its recordings' objects with its rows.
async fn deleting_a_site_removes_its_recordings(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = recording_site(&app, "growth").await;
    assert_eq!(
        post(&app, &chunk("sess-site-0001", 0, now_ms(), "/", "m"), false)
            .await
            .0,
        202
    );
    assert_eq!(app.objects("recordings").await.len(), 1);
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { deleteSite(id: $id) }",
        json!({"id": site}),
    )
    .await;
    assert_eq!(rows(&app).await, 0);
    assert!(app.objects("recordings").await.is_empty());
}

async fn wait_job(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = app
            .gql_ok(
                Some(&user.token),
                "query($id: ID!) { job(id: $id) { status result error } }",
                json!({"id": id}),
            )
            .await;
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

/// A small deterministic generator, so the clicks are varied but the test
/// is repeatable.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Heatmap cells equal counts computed here, independently, from the
/// clicks sent; viewports are classed mobile (< 768), tablet (< 1024) and
/// desktop; other pages and other event names do not count.
async fn promise_2_heatmaps_count_clicks_per_cell_and_viewport_class(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "1000000")]).await;
    let (owner, _, site) = app.site_owner(DOMAIN).await;
    let mut rng = Lcg(42);
    let widths = [375, 767, 768, 1023, 1024, 1920];
    // (class, column, row) -> count, for 20 columns of 50 px rows.
    let mut expected: std::collections::BTreeMap<(&str, i64, i64), i64> = Default::default();
    for i in 0..120 {
        let w = widths[(rng.next() % widths.len() as u64) as usize];
        let x = (rng.next() % 10_001) as f64 / 10_000.0;
        let y = (rng.next() % 3_000) as i64;
        let path = if i % 10 == 9 {
            "/elsewhere"
        } else {
            "/pricing"
        };
        let body = json!({"n": "click", "u": format!("https://{DOMAIN}{path}"), "d": DOMAIN, "w": w, "x": x, "y": y});
        assert_eq!(
            app.event(&body, &format!("198.51.100.{}", i % 200)).await,
            202
        );
        if path == "/pricing" {
            let class = if w < 768 {
                "MOBILE"
            } else if w < 1024 {
                "TABLET"
            } else {
                "DESKTOP"
            };
            let column = ((x * 20.0).floor() as i64).min(19);
            *expected.entry((class, column, y / 50)).or_default() += 1;
        }
    }
    // A page view with coordinates is not a click.
    assert_eq!(app.event(&json!({"n": "pageview", "u": format!("https://{DOMAIN}/pricing"), "d": DOMAIN, "w": 1920, "x": 0.5, "y": 10}), "198.51.100.250").await, 202);

    for class in ["MOBILE", "TABLET", "DESKTOP"] {
        let r = app
            .gql_ok(
                Some(&owner.token),
                "query($s: ID!, $r: DateRange!, $c: ViewportClass!) { site(id: $s) { heatmap(path: \"/pricing\", range: $r, viewportClass: $c) { path viewportClass columns cellHeight clicks maxCount cells { column row count density } } } }",
                json!({"s": site, "r": around_today(), "c": class}),
            )
            .await;
        let h = &r["site"]["heatmap"];
        assert_eq!(
            (h["columns"].clone(), h["cellHeight"].clone()),
            (json!(20), json!(50))
        );
        let mut want: Vec<(i64, i64, i64)> = expected
            .iter()
            .filter(|((c, _, _), _)| *c == class)
            .map(|((_, column, row), n)| (*row, *column, *n))
            .collect();
        want.sort();
        let got: Vec<(i64, i64, i64)> = h["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["row"].as_i64().unwrap(),
                    c["column"].as_i64().unwrap(),
                    c["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{class}");
        let total: i64 = want.iter().map(|(_, _, n)| n).sum();
        assert!(total > 0, "{class} has clicks");
        assert_eq!(h["clicks"].as_i64().unwrap(), total, "{class}");
        assert_eq!(
            h["maxCount"].as_i64().unwrap(),
            want.iter().map(|(_, _, n)| *n).max().unwrap()
        );
        let density: f64 = h["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["density"].as_f64().unwrap())
            .sum();
        assert!((density - 1.0).abs() < 1e-9, "{density}");
    }
}

both_backends!(
    promise_8_chunks_round_trip_through_the_local_store_in_seq_order_once_each,
    promise_8_chunks_round_trip_through_s3_in_seq_order_once_each,
    promise_7_and_8_refused_recordings_store_nothing,
    recording_chunks_are_validated_with_clear_errors,
    recordings_are_listed_newest_first_in_pages_and_filtered,
    recordings_are_read_by_viewers_and_hidden_from_other_tenants,
    promise_3_expired_recordings_are_purged_rows_and_objects,
    promise_4_deleting_data_removes_recordings_too,
    promise_4_a_visitor_deleted_after_midnight_loses_its_recordings_too,
    deleting_a_site_removes_its_recordings,
    promise_2_heatmaps_count_clicks_per_cell_and_viewport_class,
);

/// `/js/recorder.js` serves the committed build, and that build is what
/// `tracker/` makes from its sources and locked rrweb (`npm run build`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_recorder_is_what_the_tracker_build_makes() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let committed = std::fs::read(root.join("api/assets/recorder.js")).unwrap();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let resp = app
        .client
        .get(app.url("/js/recorder.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(resp.headers().contains_key("etag"));
    assert_eq!(resp.bytes().await.unwrap().to_vec(), committed);

    assert!(
        root.join("tracker/node_modules/@rrweb/record").exists(),
        "run `npm ci` in tracker (bash scripts/test.sh does)"
    );
    let out = app.data_dir.path().join("recorder.js");
    let script = app.data_dir.path().join("script.js");
    let status = tokio::process::Command::new("node")
        .arg(root.join("tracker/build.mjs"))
        .env("RECORDER_OUT", &out)
        .env("SCRIPT_OUT", &script)
        .status()
        .await
        .expect("node is installed");
    assert!(status.success());
    assert!(
        std::fs::read(&out).unwrap() == committed,
        "api/assets/recorder.js is stale: run `npm run build` in tracker"
    );
    // The tracking script too: api/assets/script.js is tracker/src/script.js minified.
    assert!(
        std::fs::read(&script).unwrap()
            == std::fs::read(root.join("api/assets/script.js")).unwrap(),
        "api/assets/script.js is stale: run `npm run build` in tracker"
    );
}
