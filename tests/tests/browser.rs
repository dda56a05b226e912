//! A real browser (Debian's Chromium, driven by playwright-core) runs the
//! tracking script on a page: SPA navigation and a custom event arrive;
//! with Do-Not-Track nothing is sent; with required consent only what
//! follows consent is sent. Needs `node`, `/usr/bin/chromium` and
//! `tests/browser/node_modules` (the test command installs them).

use serde_json::{json, Value};
use std::io::Read;

use trackr_tests::{browser_dir, moto, Backend, TestApp};

/// Serves the test pages (the browser reaches them as example.test), with
/// the script URL of the TrackR server under test.
async fn page_server(script_src: String) -> u16 {
    trackr_tests::serve_pages(move |path| {
        if path == "/plausible.js" {
            return std::fs::read_to_string(
                browser_dir().join("node_modules/@plausible-analytics/tracker/plausible.js"),
            )
            .unwrap();
        }
        let file = match path {
            "/consent.html" => "consent.html",
            "/recording.html" => "recording.html",
            "/plausible.html" => "plausible.html",
            "/auto.html" => "auto.html",
            _ => "index.html",
        };
        std::fs::read_to_string(browser_dir().join("pages").join(file))
            .unwrap()
            .replace(
                "{{RECORDER_SRC}}",
                &script_src.replace("/script.js", "/recorder.js"),
            )
            .replace("{{SCRIPT_SRC}}", &script_src)
            .replace(
                "{{ENDPOINT}}",
                &script_src.replace("/js/script.js", "/api/event"),
            )
    })
    .await
}

async fn run(scenario: &str, url: &str) -> serde_json::Value {
    trackr_tests::browser_script("run.mjs", &[scenario, url]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_1_and_7_a_real_browser_sends_page_views_and_events_and_honours_dnt_and_consent() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (owner, _, site) = app.site_owner("example.test").await;
    let port = page_server(app.url("/js/script.js")).await;

    let spa = run("spa", &format!("http://example.test:{port}/index.html")).await;
    assert_eq!(spa["sent"], 6, "{spa}");
    assert_eq!(spa["statuses"], json!([202, 202, 202, 202, 202, 202]));
    // Leaving a page (SPA navigation) sends its engagement (issue 17):
    // not an event, but the page view's scroll depth and engaged time.
    assert_eq!(
        spa["names"],
        json!([
            "pageview",
            "engagement",
            "pageview",
            "engagement",
            "pageview",
            "signup"
        ]),
        "{spa}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'engagement'")
            .await,
        0
    );
    for path in ["/index.html", "/pricing"] {
        let n = app.count(&format!("SELECT COUNT(*) FROM events WHERE name = 'pageview' AND pathname = '{path}' AND scroll_depth = 100 AND engaged_ms > 0")).await;
        assert_eq!(
            n, 1,
            "{path}: a short page, seen whole, engaged with for a moment"
        );
    }
    for path in ["/index.html", "/pricing", "/signup"] {
        let n = app.count(&format!("SELECT COUNT(*) FROM events WHERE name = 'pageview' AND pathname = '{path}' AND hostname = 'example.test'")).await;
        assert_eq!(n, 1, "{path}");
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM events WHERE name = 'signup' AND props LIKE '%\"plan\":\"pro\"%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT session_id) FROM events")
            .await,
        1,
        "one visit"
    );

    let dnt = run("dnt", &format!("http://example.test:{port}/index.html")).await;
    assert_eq!(dnt["sent"], 0, "{dnt}");
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 4);

    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {requireConsent: true}) { requireConsent } }",
        json!({"id": site}),
    )
    .await;
    let consent = run(
        "consent",
        &format!("http://example.test:{port}/consent.html"),
    )
    .await;
    assert_eq!(consent["names"], json!(["pageview", "late"]), "{consent}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'early'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'late'")
            .await,
        1
    );
}

/// Issue 17: the script's opt-in automatic events, in Chromium: a file
/// download (`data-file-downloads`: Plausible's list of extensions), tagged
/// elements (`data-tagged-events`: a button's `trackr-event-…` classes, a
/// form's `plausible-event-…` classes on submission), and `trackr('404')`;
/// an internal link sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripts_automatic_events_downloads_tagged_elements_and_404s() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let _ = app.site_owner("example.test").await;
    let port = page_server(app.url("/js/script.js")).await;
    let run = run("auto", &format!("http://example.test:{port}/auto.html")).await;
    assert_eq!(
        run["names"],
        json!([
            "pageview",
            "File Download",
            "Signup Click",
            "Newsletter",
            "404"
        ]),
        "{run}"
    );
    assert_eq!(run["statuses"], json!([202, 202, 202, 202, 202]), "{run}");
    assert_eq!(
        run["props"],
        json!([
            null,
            {"url": format!("http://example.test:{port}/files/report.pdf")},
            {"plan": "pro"},
            {"list": "weekly"},
            {"path": "/auto.html"},
        ]),
        "{run}"
    );
    for (name, props) in [
        (
            "File Download",
            format!("{{\"url\":\"http://example.test:{port}/files/report.pdf\"}}"),
        ),
        ("Signup Click", "{\"plan\":\"pro\"}".to_owned()),
        ("Newsletter", "{\"list\":\"weekly\"}".to_owned()),
        ("404", "{\"path\":\"/auto.html\"}".to_owned()),
    ] {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM events WHERE name = '{name}' AND props = '{props}'"
            ))
            .await;
        assert_eq!(n, 1, "{name} stored with {props}");
    }
}

/// Issue 17: the official Plausible tracker (npm `@plausible-analytics/tracker`,
/// unchanged, pointed at TrackR) sends page views, a custom event with
/// properties and revenue, and engagement; TrackR's reports read them back:
/// the goal's conversions and revenue, the property, the page's scroll
/// depth, and no `engagement` among the events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plausibles_own_tracker_is_read_back_through_goals_properties_and_engagement() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (owner, _, site) = app.site_owner("example.test").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($s: ID!) { createGoal(input: {siteId: $s, eventName: \"Purchase\", currency: \"EUR\"}) { id } }",
        json!({"s": site}),
    )
    .await;
    let port = page_server(app.url("/js/script.js")).await;
    let run = run(
        "plausible",
        &format!("http://example.test:{port}/plausible.html"),
    )
    .await;
    assert!(
        run["statuses"].as_array().unwrap().iter().all(|s| s == 202),
        "{run}"
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let q = "query($id: ID!, $r: DateRange!) { site(id: $id) { \
        stats(range: $r) { visitors pageviews events } \
        names: breakdown(range: $r, dimension: EVENT_NAME) { value events } \
        plan: breakdown(range: $r, dimension: PROPERTY, key: \"plan\") { value events } \
        pages: breakdown(range: $r, dimension: PAGE) { value pageviews scrollDepth timeOnPageSeconds } \
        goalConversions(range: $r) { visitors conversions revenue { currency total } } } }";
    let got = app
        .gql_ok(
            Some(&owner.token),
            q,
            json!({"id": site, "r": {"from": today, "to": today}}),
        )
        .await;
    let s = &got["site"];
    assert_eq!(
        s["stats"],
        json!({"visitors": 1, "pageviews": 2, "events": 3}),
        "{got}"
    );
    assert_eq!(
        s["names"],
        json!([{"value": "pageview", "events": 2}, {"value": "Purchase", "events": 1}]),
        "{got}"
    );
    assert_eq!(s["plan"], json!([{"value": "pro", "events": 1}]), "{got}");
    assert_eq!(
        s["goalConversions"],
        json!([{"visitors": 1, "conversions": 1, "revenue": [{"currency": "EUR", "total": "12.50"}]}]),
        "{got}"
    );
    // Plausible's tracker reports a page's engagement when it is left or
    // hidden, whenever something changed: at least one of the two pages
    // has it (which one depends on its timing), a short page seen whole.
    let engaged: Vec<&Value> = s["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["scrollDepth"].is_null())
        .collect();
    assert!(
        !engaged.is_empty(),
        "the pages' engagement, from Plausible's tracker: {got}"
    );
    assert!(engaged.iter().all(|p| p["scrollDepth"] == 100.0), "{got}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'engagement'")
            .await,
        0
    );
}

/// Headless Chromium records a page through `/js/recorder.js`: the chunks
/// are stored (in the local store or S3), listed and read back through
/// GraphQL, and hold the page's text but none of what was typed into its
/// inputs (password or not) nor what a `trackr-block` element holds. Where
/// the site requires consent, nothing is recorded before it. The purge
/// removes the recording once the plan's recording retention has passed.
async fn record_a_page_in_chromium(app: &TestApp, require_consent: bool) {
    let (owner, org, site) = app.site_owner("example.test").await;
    app.set_plan(&org, "growth").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!, $c: Boolean!) { updateSite(id: $id, input: {recordingsEnabled: true, requireConsent: $c}) { id } }",
        json!({"id": site, "c": require_consent}),
    )
    .await;
    let port = page_server(app.url("/js/script.js")).await;
    let scenario = if require_consent {
        "record-consent"
    } else {
        "record"
    };
    let out = run(
        scenario,
        &format!("http://example.test:{port}/recording.html"),
    )
    .await;
    assert_eq!(
        out["beforeConsent"], 0,
        "nothing recorded before consent: {out}"
    );
    if require_consent {
        assert_eq!(
            out["whileRevoked"], 0,
            "nothing sent once consent is withdrawn: {out}"
        );
        assert!(
            out["resumed"].as_u64().unwrap() >= 1,
            "recording resumes with consent: {out}"
        );
    }
    let statuses = out["statuses"].as_array().unwrap();
    assert!(
        statuses.len() >= 2 && statuses.iter().all(|s| s == 202),
        "{out}"
    );
    let session = out["sessionId"].as_str().unwrap();

    let today = chrono::Utc::now().date_naive();
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!, $r: DateRange!) { site(id: $s) { recordings(range: $r) { edges { node { sessionId pages device chunks } } } } }",
            json!({"s": site, "r": {"from": (today - chrono::Duration::days(1)).to_string(), "to": (today + chrono::Duration::days(1)).to_string()}}),
        )
        .await;
    let edges = listed["site"]["recordings"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{listed}");
    assert_eq!(edges[0]["node"]["sessionId"], session);
    assert_eq!(edges[0]["node"]["pages"], json!(["/recording.html"]));
    assert_eq!(
        edges[0]["node"]["chunks"].as_i64().unwrap(),
        statuses.len() as i64
    );

    let read = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!, $id: String!) { site(id: $s) { recording(sessionId: $id) { events } } }",
            json!({"s": site, "id": session}),
        )
        .await;
    let events = read["site"]["recording"]["events"]
        .as_array()
        .unwrap()
        .clone();
    let text = serde_json::to_string(&events).unwrap();
    assert!(events.iter().any(|e| e["type"] == 2), "a full snapshot");
    assert!(
        text.contains("Visible heading for the replay"),
        "the page's text is recorded"
    );
    // Input events (incremental source 5) happened, masked.
    let inputs: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == 3 && e["data"]["source"] == 5)
        .filter_map(|e| e["data"]["text"].as_str())
        .collect();
    assert!(!inputs.is_empty(), "typing was recorded as input events");
    assert!(
        inputs.iter().all(|t| t.chars().all(|c| c == '*')),
        "{inputs:?}"
    );
    let mut stored = String::new();
    for (key, _) in app.objects("recordings").await {
        let bytes = app.server.app.store.get(&key).await.unwrap();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut stored)
            .unwrap();
    }
    for secret in [
        "typed-text-xyz",
        "hunter2",
        "notes-typed-abc",
        "blocked-secret-text",
    ] {
        assert!(!text.contains(secret), "{secret} replayed");
        assert!(!stored.contains(secret), "{secret} stored");
    }
    for partial in ["typed", "hunter", "notes-"] {
        assert!(!stored.contains(partial), "{partial} stored");
    }

    let report = trackr_worker::jobs::purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        &app.server.app.settings.plans,
        &trackr_worker::jobs::purge::PurgeOptions {
            store: Some(app.server.app.store.clone()),
            ..trackr_worker::jobs::purge::PurgeOptions::at(
                chrono::Utc::now() + chrono::Duration::days(91),
            )
        },
    )
    .await
    .unwrap();
    assert_eq!(report.recordings() as usize, statuses.len());
    assert_eq!(app.count("SELECT COUNT(*) FROM recordings").await, 0);
    assert!(app.objects("recordings").await.is_empty(), "objects purged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_8_a_page_recorded_in_chromium_is_masked_read_back_from_the_local_store_and_purged()
{
    let app = TestApp::spawn(Backend::Sqlite).await;
    record_a_page_in_chromium(&app, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_8_a_page_recorded_in_chromium_is_masked_read_back_from_s3_and_purged() {
    let _s3 = moto("trackr-recordings").await;
    let app = TestApp::spawn_with(
        Backend::Postgres,
        &[("object_store_url", "s3://trackr-recordings/rec")],
    )
    .await;
    record_a_page_in_chromium(&app, false).await;
}
