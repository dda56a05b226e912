//! Engagement (issue 17): the beacons Plausible's tracker sends after a
//! page view (`n: "engagement"`, scroll depth `sd`, engaged time `e`) are
//! not custom events: they are not counted, not listed among event names,
//! and do not turn a bounce into a visit with two events; they give page
//! views their scroll depth and time on page, read per page.

use serde_json::{json, Value};
use trackr_tests::{both_backends, Backend, TestApp, CHROME, FIREFOX, IPHONE};

async fn engagement_sets_page_views_figures_and_is_not_an_event(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "example.com").await;
    let page = |path: &str| json!({"n": "pageview", "u": format!("https://example.com{path}"), "d": "example.com"});
    let engage = |path: &str, sd: Value, e: Value| json!({"n": "engagement", "u": format!("https://example.com{path}"), "d": "example.com", "sd": sd, "e": e});
    let send = |body: Value, ip: &'static str, ua: &'static str| {
        let app = &app;
        async move { app.event_as(&body, ip, ua, &[]).await.status().as_u16() }
    };
    // V: /a (engaged twice: the deepest scroll stays, the times add up), then /b.
    assert_eq!(send(page("/a"), "198.51.100.1", CHROME).await, 202);
    assert_eq!(
        send(engage("/a", json!(40), json!(3000)), "198.51.100.1", CHROME).await,
        202
    );
    assert_eq!(
        send(engage("/a", json!(75), json!(2000)), "198.51.100.1", CHROME).await,
        202
    );
    assert_eq!(
        send(engage("/a", json!(30), json!("0")), "198.51.100.1", CHROME).await,
        202
    );
    assert_eq!(send(page("/b"), "198.51.100.1", CHROME).await, 202);
    assert_eq!(
        send(engage("/b", json!(10), json!(500)), "198.51.100.1", CHROME).await,
        202
    );
    // W and X: one page view each, engaged: still bounces.
    assert_eq!(send(page("/a"), "198.51.100.2", FIREFOX).await, 202);
    assert_eq!(
        send(
            engage("/a", json!(100), json!(10000)),
            "198.51.100.2",
            FIREFOX
        )
        .await,
        202
    );
    assert_eq!(send(page("/a"), "198.51.100.3", IPHONE).await, 202);
    assert_eq!(
        send(engage("/a", json!(20), json!(1000)), "198.51.100.3", IPHONE).await,
        202
    );
    // Engagement without a page view before it changes nothing.
    assert_eq!(
        send(engage("/c", json!(50), json!(999)), "198.51.100.4", CHROME).await,
        202
    );
    // Bad measures: 400 naming the field, nothing changed.
    let before = app.count("SELECT COUNT(*) FROM events").await;
    for (body, field) in [
        (engage("/a", json!(150), json!(10)), "sd"),
        (engage("/a", json!(10), json!(-5)), "e"),
        (engage("/a", json!("deep"), json!(10)), "sd"),
    ] {
        let resp = app.event_as(&body, "198.51.100.1", CHROME, &[]).await;
        assert_eq!(resp.status(), 400, "{body}");
        let text = resp.text().await.unwrap();
        assert!(text.contains(field), "{body} → {text}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, before);
    assert_eq!(before, 4, "engagement beacons are not events");

    let today = chrono::Utc::now().date_naive().to_string();
    let q = "query($id: ID!, $r: DateRange!) { site(id: $id) { \
        stats(range: $r) { visitors pageviews events visits bounceRate } \
        names: breakdown(range: $r, dimension: EVENT_NAME) { value events } \
        pages: breakdown(range: $r, dimension: PAGE) { value pageviews scrollDepth timeOnPageSeconds } \
        sources: breakdown(range: $r, dimension: SOURCE) { value scrollDepth } } }";
    let r = app
        .gql_ok(
            Some(&owner.token),
            q,
            json!({"id": site, "r": {"from": today, "to": today}}),
        )
        .await;
    let s = &r["site"];
    assert_eq!(
        s["stats"],
        json!({"visitors": 3, "pageviews": 4, "events": 4, "visits": 3, "bounceRate": 66.7})
    );
    assert_eq!(s["names"], json!([{"value": "pageview", "events": 4}]));
    // /a: (75 + 100 + 20) / 3 and (5 + 10 + 1) s / 3; /b: 10 and 0.5 s.
    assert_eq!(
        s["pages"],
        json!([
            {"value": "/a", "pageviews": 3, "scrollDepth": 65.0, "timeOnPageSeconds": 5.33},
            {"value": "/b", "pageviews": 1, "scrollDepth": 10.0, "timeOnPageSeconds": 0.5},
        ])
    );
    assert_eq!(s["sources"][0]["scrollDepth"], Value::Null, "pages only");
    // A filter applies: Firefox's page views only.
    let f = "query($id: ID!, $r: DateRange!) { site(id: $id) { breakdown(range: $r, dimension: PAGE, filters: [{dimension: BROWSER, op: IS, value: \"Firefox\"}]) { value scrollDepth timeOnPageSeconds } } }";
    let r = app
        .gql_ok(
            Some(&owner.token),
            f,
            json!({"id": site, "r": {"from": today, "to": today}}),
        )
        .await;
    assert_eq!(
        r["site"]["breakdown"],
        json!([{"value": "/a", "scrollDepth": 100.0, "timeOnPageSeconds": 10.0}])
    );
}

both_backends!(engagement_sets_page_views_figures_and_is_not_an_event);
