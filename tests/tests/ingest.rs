//! `POST /api/event` and `/js/script.js`: the contract, the filters
//! (promises 1, 7, 10), quotas, visitor hashing and visits.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use trackr_tests::{both_backends, Backend, TestApp, CHROME, IPHONE};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pageview(path: &str) -> serde_json::Value {
    json!({"n": "pageview", "u": format!("https://example.com{path}"), "d": "example.com"})
}

async fn events_accept_our_and_plausibles_field_names(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.site_owner("example.com").await;
    assert_eq!(
        app.event(&pageview("/a?utm_source=Newsletter"), "198.51.100.1")
            .await,
        202
    );
    let long = json!({"name": "Signup", "url": "https://www.example.com/b#x", "domain": "example.com",
        "referrer": "https://www.google.com/search?q=private", "props": {"plan": "pro", "seats": 3},
        "revenue": {"amount": 19.99, "currency": "eur"}});
    assert_eq!(app.event(&long, "198.51.100.2").await, 202);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events").await,
        2,
        "202 means stored"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE name = 'pageview' AND pathname = '/a' AND referrer_source = 'Newsletter' AND utm_source = 'Newsletter'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE name = 'Signup' AND pathname = '/b' AND hostname = 'www.example.com' AND referrer_source = 'Google' AND referrer = 'google.com/search' AND revenue_minor = 1999 AND revenue_currency = 'EUR' AND browser = 'Chrome' AND device = 'Desktop'").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM events WHERE props LIKE '%private%' OR referrer LIKE '%private%'"
        )
        .await,
        0,
        "referrer query strings are not kept"
    );
    let cors = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/event"))
        .header("origin", "https://example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(cors.headers()["access-control-allow-origin"], "*");
}

async fn bad_events_get_clear_errors_and_store_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.site_owner("example.com").await;
    let ip = "198.51.100.1";
    let malformed = app
        .client
        .post(app.url("/api/event"))
        .header("user-agent", CHROME)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["field"], "body");
    let missing = app
        .event_as(
            &json!({"u": "https://example.com/", "d": "example.com"}),
            ip,
            CHROME,
            &[],
        )
        .await;
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.json::<serde_json::Value>().await.unwrap()["field"],
        "name"
    );
    assert_eq!(
        app.event(
            &json!({"n": "pageview", "u": "https://unknown.org/", "d": "unknown.org"}),
            ip
        )
        .await,
        404
    );
    let foreign = app
        .event_as(
            &json!({"n": "pageview", "u": "https://evil.org/", "d": "example.com"}),
            ip,
            CHROME,
            &[],
        )
        .await;
    assert_eq!(foreign.status(), 400, "hostname not allowed for the site");
    let huge = json!({"n": "pageview", "u": "https://example.com/", "d": "example.com", "p": {"x": "y".repeat(20_000)}});
    assert_eq!(app.event(&huge, ip).await, 413);
    let nul = json!({"n": "pageview", "u": "https://example.com/?utm_source=%00news%00", "d": "example.com"});
    assert_eq!(
        app.event(&nul, ip).await,
        202,
        "control characters in the URL are dropped, not fatal"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE utm_source = 'news'")
            .await,
        1
    );
    let raw_nul = app
        .event_as(
            &json!({"n": "a\u{0}b", "u": "https://example.com/", "d": "example.com"}),
            ip,
            CHROME,
            &[],
        )
        .await;
    assert_eq!(raw_nul.status(), 400);
}

async fn promise_10_bots_spam_and_datacenters_are_dropped_and_counted(b: Backend) {
    let app = TestApp::spawn_with(b, &[("ingest.datacenter_ranges", "203.0.113.0/24")]).await;
    app.site_owner("example.com").await;
    let pv = pageview("/");
    for (ua, ip, reason) in [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "198.51.100.1", "bot"),
        ("curl/8.5.0", "198.51.100.1", "bot"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36", "198.51.100.1", "headless"),
        (CHROME, "203.0.113.9", "datacenter"),
    ] {
        let r = app.event_as(&pv, ip, ua, &[]).await;
        assert_eq!(r.status(), 204, "{reason}");
        assert_eq!(r.headers()["x-trackr-dropped"], reason);
    }
    let spam = json!({"n": "pageview", "u": "https://example.com/", "d": "example.com", "r": "https://semalt.com/x"});
    let r = app.event_as(&spam, "198.51.100.1", CHROME, &[]).await;
    assert_eq!(r.headers()["x-trackr-dropped"], "referrer_spam");
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 0);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (reason, n) in [
        ("bot", 2),
        ("headless", 1),
        ("datacenter", 1),
        ("referrer_spam", 1),
    ] {
        assert!(
            metrics.contains(&format!(
                "trackr_events_dropped_total{{reason=\"{reason}\"}} {n}"
            )),
            "{reason}: {metrics}"
        );
    }
}

async fn promise_7_dnt_gpc_and_consent_are_honoured(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    let pv = pageview("/");
    for header in [("dnt", "1"), ("sec-gpc", "1")] {
        let r = app.event_as(&pv, "198.51.100.1", CHROME, &[header]).await;
        assert_eq!(r.headers()["x-trackr-dropped"], "dnt");
    }
    let update = "mutation($id: ID!, $in: UpdateSiteInput!) { updateSite(id: $id, input: $in) { honorDnt requireConsent } }";
    app.gql_ok(
        Some(&owner.token),
        update,
        json!({"id": site, "in": {"honorDnt": false, "requireConsent": true}}),
    )
    .await;
    let no_consent = app
        .event_as(&pv, "198.51.100.1", CHROME, &[("dnt", "1")])
        .await;
    assert_eq!(no_consent.headers()["x-trackr-dropped"], "no_consent");
    let consented =
        json!({"n": "pageview", "u": "https://example.com/", "d": "example.com", "c": 1});
    assert_eq!(
        app.event_as(&consented, "198.51.100.1", CHROME, &[("dnt", "1")])
            .await
            .status(),
        202,
        "the site turned DNT off"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 1);
}

async fn events_past_the_quota_grace_are_refused_with_402(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[("plans.free.monthly_events", "10"), ("quota_grace", "0.2")],
    )
    .await;
    let (owner, org, _) = app.site_owner("example.com").await;
    for i in 0..12 {
        assert_eq!(
            app.event(&pageview(&format!("/{i}")), "198.51.100.1").await,
            202,
            "event {i} within the grace"
        );
    }
    assert_eq!(app.event(&pageview("/13"), "198.51.100.1").await, 402);
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 12);
    let usage = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { organization(id: $id) { usage { events limit overQuota } } }",
            json!({"id": org}),
        )
        .await;
    assert_eq!(
        usage["organization"]["usage"],
        json!({"events": 12, "limit": 10, "overQuota": true})
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(refused), 0) AS BIGINT) FROM usage")
            .await,
        1,
        "refused events are counted"
    );
}

async fn promise_7_visitor_ids_rotate_daily_and_old_salts_are_deleted(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.site_owner("example.com").await;
    let day1 = at("2026-03-10T10:00:00Z");
    app.set_time(day1);
    app.event(&pageview("/a"), "198.51.100.7").await;
    app.set_time(day1 + Duration::minutes(5));
    app.event(&pageview("/b"), "198.51.100.7").await;
    app.set_time(day1 + Duration::days(1));
    app.event(&pageview("/a"), "198.51.100.7").await;
    let hashes = app
        .count("SELECT COUNT(DISTINCT visitor_hash) FROM events")
        .await;
    assert_eq!(hashes, 2, "same visitor: one id per day");
    assert_eq!(app.count("SELECT COUNT(*) FROM salts").await, 2);
    app.set_time(day1 + Duration::days(2));
    app.event(&pageview("/a"), "198.51.100.7").await;
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT visitor_hash) FROM events")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM salts").await,
        2,
        "the first day's salt is gone after 48 hours"
    );
    let ymd = app
        .count("SELECT COUNT(*) FROM salts WHERE day < '2026-03-11'")
        .await;
    assert_eq!(ymd, 0);
}

async fn promise_7_the_raw_ip_is_never_stored(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.site_owner("example.com").await;
    for i in 0..5 {
        assert_eq!(
            app.event(&pageview(&format!("/{i}")), "198.51.100.77")
                .await,
            202
        );
    }
    if b == Backend::Sqlite {
        // Every byte the embedded database wrote, WAL included.
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(app.data_dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("trackr.db")
            {
                bytes.extend(std::fs::read(path).unwrap());
            }
        }
        assert!(bytes.len() > 10_000);
        let needle = b"198.51.100.77";
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the IP is nowhere in the database files"
        );
    } else {
        let sql = "SELECT COUNT(*) FROM events WHERE pathname LIKE '%198.51%' OR hostname LIKE '%198.51%' OR CAST(visitor_hash AS TEXT) LIKE '%198.51%' OR COALESCE(props, '') LIKE '%198.51%'";
        assert_eq!(app.count(sql).await, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE COALESCE(ip_hash, '') LIKE '%198.51%'")
                .await,
            0
        );
    }
}

async fn events_join_visits_with_a_30_minute_gap_even_across_midnight(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.site_owner("example.com").await;
    let ip = "198.51.100.9";
    let t0 = at("2026-03-10T10:00:00Z");
    for (offset, path) in [(0, "/a"), (10, "/b"), (50, "/c")] {
        app.set_time(t0 + Duration::minutes(offset));
        app.event(&pageview(path), ip).await;
    }
    // Another visitor crosses UTC midnight (and so the salt change).
    let late = at("2026-03-10T23:50:00Z");
    for (offset, path) in [(0, "/x"), (20, "/y")] {
        app.set_time(late + Duration::minutes(offset));
        app.event(&pageview(path), "198.51.100.10").await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM visits").await, 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM visits WHERE entry_page = '/a' AND exit_page = '/b' AND pageviews = 2 AND events = 2 AND ended_at - started_at = 600000").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM visits WHERE entry_page = '/c' AND pageviews = 1")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM visits WHERE entry_page = '/x' AND exit_page = '/y' AND pageviews = 2").await, 1, "one visit across midnight");
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT session_id) FROM events")
            .await,
        3
    );
}

async fn the_tracking_script_is_small_cacheable_and_versioned(b: Backend) {
    let app = TestApp::spawn(b).await;
    let r = app
        .client
        .get(app.url("/js/script.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let body = r.bytes().await.unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &body).unwrap();
    let size = gz.finish().unwrap().len();
    assert!(size < 2048, "script.js is {size} bytes gzipped");
    let text = String::from_utf8(body.to_vec()).unwrap();
    for forbidden in ["document.cookie", "localStorage", "sessionStorage"] {
        assert!(!text.contains(forbidden), "no {forbidden}");
    }
    let again = app
        .client
        .get(app.url("/js/script.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

async fn realtime_visitors_count_the_last_five_minutes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    app.set_time(now - Duration::minutes(10));
    app.event(&pageview("/old"), "198.51.100.1").await;
    app.set_time(now - Duration::minutes(2));
    app.event(&pageview("/"), "198.51.100.2").await;
    app.event_as(&pageview("/"), "198.51.100.3", IPHONE, &[])
        .await;
    app.set_time(now);
    let r = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { site(id: $id) { realtimeVisitors } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(r["site"]["realtimeVisitors"], 2);
}

async fn geolocation_comes_from_the_configured_maxmind_file(b: Backend) {
    let db = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/geoip-test.mmdb");
    let app = TestApp::spawn_with(b, &[("geoip_db", db)]).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    app.set_time(Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap());
    for ip in ["203.0.113.5", "203.0.113.6", "198.51.100.1", "192.0.2.1"] {
        assert_eq!(app.event(&pageview("/"), ip).await, 202);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE country = 'DE' AND region = 'Land Berlin' AND city = 'Berlin'").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE country = 'FR' AND region IS NULL AND city = 'Paris'").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE country IS NULL")
            .await,
        1,
        "an address the file does not know"
    );
    let q = "query($id: ID!) { site(id: $id) { breakdown(range: {from: \"2026-03-10\", to: \"2026-03-10\"}, dimension: COUNTRY) { value visitors } } }";
    let r = app.gql_ok(Some(&owner.token), q, json!({"id": site})).await;
    assert_eq!(
        r["site"]["breakdown"],
        json!([{"value": "DE", "visitors": 2}, {"value": "FR", "visitors": 1}])
    );
}

/// Many beacons at once from a few visitors, in batches of four gathered
/// without waiting: the writer has several commits in flight, and batches
/// join visits that a batch still committing opened. Every count still
/// comes out exact: the quota, one visit per visitor, each visit's events.
async fn concurrent_events_are_counted_exactly_with_commits_in_flight(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.monthly_events", "240"),
            ("quota_grace", "0"),
            ("ingest.max_batch", "4"),
            ("ingest.batch_wait_ms", "0"),
        ],
    )
    .await;
    app.site_owner("example.com").await;
    let visitors = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
        "198.51.100.5",
        "198.51.100.6",
    ];
    let bodies: Vec<_> = (0..300)
        .map(|i| {
            let body = if i % 3 == 0 {
                json!({"n": "signup", "u": "https://example.com/join", "d": "example.com"})
            } else {
                pageview(&format!("/p{}", i % 7))
            };
            (body, visitors[i % visitors.len()])
        })
        .collect();
    let statuses =
        futures_util::future::join_all(bodies.iter().map(|(body, ip)| app.event(body, ip))).await;
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    assert_eq!((count(202), count(402)), (240, 60), "{statuses:?}");

    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 240);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM visits").await,
        6,
        "one visit per visitor"
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(events) AS BIGINT) FROM visits")
            .await,
        240
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(pageviews) AS BIGINT) FROM visits")
            .await,
        app.count("SELECT COUNT(*) FROM events WHERE name = 'pageview'")
            .await
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM visits v WHERE v.events <> \
             (SELECT COUNT(*) FROM events e WHERE e.session_id = v.session_id)"
        )
        .await,
        0,
        "each visit counts its own events"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM visits v WHERE \
             v.started_at <> (SELECT MIN(e.ts) FROM events e WHERE e.session_id = v.session_id) \
             OR v.ended_at <> (SELECT MAX(e.ts) FROM events e WHERE e.session_id = v.session_id)"
        )
        .await,
        0,
        "each visit spans its own events"
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(events) AS BIGINT) FROM usage")
            .await,
        240
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(refused) AS BIGINT) FROM usage")
            .await,
        60
    );
}

/// Issue 13: a beacon refused in a visitor's browser is counted against
/// the site it was meant for, so its owner can see why nothing counts.
async fn refused_beacons_are_shown_on_the_site_they_were_meant_for(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    let beacon = |domain: &str, url: &str| json!({"n": "pageview", "u": url, "d": domain});
    for _ in 0..3 {
        assert_eq!(
            app.event(
                &beacon("www.example.com", "https://www.example.com/"),
                "198.51.100.1"
            )
            .await,
            404
        );
    }
    assert_eq!(
        app.event(
            &beacon("example.com", "https://preview.example.net/a"),
            "198.51.100.1"
        )
        .await,
        400
    );
    // A domain next to no site is nobody's to read: not kept.
    assert_eq!(
        app.event(
            &beacon("unrelated.org", "https://unrelated.org/"),
            "198.51.100.1"
        )
        .await,
        404
    );
    let q =
        "query($s: ID!) { site(id: $s) { ingestIssues { kind count example hint lastSeenAt } } }";
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let issues = loop {
        let r = app.gql_ok(Some(&owner.token), q, json!({"s": site})).await;
        let issues = r["site"]["ingestIssues"].as_array().unwrap().clone();
        if issues.len() == 2 {
            break issues;
        }
        assert!(tokio::time::Instant::now() < deadline, "{r}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let of = |kind: &str| issues.iter().find(|i| i["kind"] == kind).unwrap().clone();
    let unknown = of("UNKNOWN_DOMAIN");
    assert_eq!(unknown["count"], 3);
    assert_eq!(unknown["example"], "www.example.com");
    assert!(
        unknown["hint"]
            .as_str()
            .unwrap()
            .contains("data-domain=\"example.com\""),
        "{unknown}"
    );
    let host = of("HOST_NOT_ALLOWED");
    assert_eq!(
        (host["count"].clone(), host["example"].clone()),
        (json!(1), json!("preview.example.net"))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ingest_issues").await, 2);
    // The hint's remedy works.
    app.gql_ok(
        Some(&owner.token),
        "mutation($s: ID!) { updateSite(id: $s, input: {allowedHostnames: [\"Preview.Example.net.\"]}) { allowedHostnames } }",
        json!({"s": site}),
    )
    .await;
    assert_eq!(
        app.event(
            &beacon("example.com", "https://preview.example.net/a"),
            "198.51.100.1"
        )
        .await,
        202
    );
}

/// Issue 14: a beacon's domain is normalized as a site's is when created
/// (IDN, case, trailing dot, port), so it finds its site however the tag
/// writes it. `www.` is part of a domain: a site for the bare name does not
/// take beacons for `www.` (its ingest issues say so).
async fn a_beacon_finds_its_site_however_its_domain_is_written(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("Bücher.example").await;
    let beacon =
        |domain: &str| json!({"n": "pageview", "u": "https://bücher.example/regal", "d": domain});
    for written in [
        "bücher.example",
        "BÜCHER.Example.",
        "xn--bcher-kva.example",
        "bücher.example:443",
        " bücher.example ",
    ] {
        assert_eq!(
            app.event(&beacon(written), "198.51.100.9").await,
            202,
            "{written:?}"
        );
    }
    assert_eq!(
        app.event(&beacon("www.bücher.example"), "198.51.100.9")
            .await,
        404
    );
    let config = app
        .client
        .get(app.url("/api/recording/config?domain=B%C3%BCcher.Example."))
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200, "the recorder finds the site too");
    let today = Utc::now().date_naive().to_string();
    let r = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!, $d: Date!) { site(id: $s) { domain stats(range: {from: $d, to: $d}) { pageviews } } }",
            json!({"s": site, "d": today}),
        )
        .await;
    assert_eq!(r["site"]["domain"], "xn--bcher-kva.example");
    assert_eq!(r["site"]["stats"]["pageviews"], 5);
}

both_backends!(
    a_beacon_finds_its_site_however_its_domain_is_written,
    refused_beacons_are_shown_on_the_site_they_were_meant_for,
    geolocation_comes_from_the_configured_maxmind_file,
    events_accept_our_and_plausibles_field_names,
    bad_events_get_clear_errors_and_store_nothing,
    promise_10_bots_spam_and_datacenters_are_dropped_and_counted,
    promise_7_dnt_gpc_and_consent_are_honoured,
    events_past_the_quota_grace_are_refused_with_402,
    promise_7_visitor_ids_rotate_daily_and_old_salts_are_deleted,
    promise_7_the_raw_ip_is_never_stored,
    events_join_visits_with_a_30_minute_gap_even_across_midnight,
    the_tracking_script_is_small_cacheable_and_versioned,
    realtime_visitors_count_the_last_five_minutes,
    concurrent_events_are_counted_exactly_with_commits_in_flight,
);
