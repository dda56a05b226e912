//! Custom properties (issue 17): breakdown by a property's values, the
//! property filter on every report, the keys of a range, exact against
//! the reports test's model; the limits that protect the store; and the
//! per-site list of keys kept.

use std::collections::{BTreeMap, HashSet};

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{
    both_backends, error_code,
    model::{self, expected_stats, identity, inside, prop, props_of, Ev, Identity},
    Backend, TestApp,
};

const STATS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit } } }";
const BREAKDOWN: &str = "query($id: ID!, $r: DateRange!, $k: String, $f: [Filter!]) { site(id: $id) { breakdown(range: $r, dimension: PROPERTY, key: $k, filters: $f, limit: 100) { value visitors pageviews events } } }";
const KEYS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { propertyKeys(range: $r, filters: $f) { key visitors events } } }";

/// Values of `key`: visitors, page views and events, most visitors first.
fn expected_values(
    events: &[Ev],
    range: (&str, &str),
    key: &str,
    keep: &dyn Fn(&Ev) -> bool,
) -> Value {
    let mut rows: BTreeMap<String, (HashSet<Identity>, i64, i64)> = BTreeMap::new();
    for e in inside(events, range, keep) {
        if let Some(v) = prop(e, key) {
            let row = rows.entry(v).or_default();
            row.0.insert(identity(e));
            row.1 += i64::from(e.name == "pageview");
            row.2 += 1;
        }
    }
    let mut v: Vec<(String, usize, i64, i64)> = rows
        .into_iter()
        .map(|(k, (vis, pv, ev))| (k, vis.len(), pv, ev))
        .collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then(x.0.cmp(&y.0)));
    json!(v
        .into_iter()
        .map(|(value, visitors, pageviews, events)| json!({"value": value, "visitors": visitors, "pageviews": pageviews, "events": events}))
        .collect::<Vec<_>>())
}

fn expected_keys(events: &[Ev], range: (&str, &str), keep: &dyn Fn(&Ev) -> bool) -> Value {
    let mut keys: BTreeMap<&str, (HashSet<Identity>, i64)> = BTreeMap::new();
    for e in inside(events, range, keep) {
        for (k, _) in props_of(e) {
            let row = keys.entry(k).or_default();
            row.0.insert(identity(e));
            row.1 += 1;
        }
    }
    let mut v: Vec<(&str, usize, i64)> = keys
        .into_iter()
        .map(|(k, (vis, ev))| (k, vis.len(), ev))
        .collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then(x.0.cmp(y.0)));
    json!(v
        .into_iter()
        .map(|(key, visitors, events)| json!({"key": key, "visitors": visitors, "events": events}))
        .collect::<Vec<_>>())
}

async fn properties_break_down_and_filter_exactly(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite {
        owner,
        site,
        events,
        visits,
        ..
    } = model::model_site(&app).await;
    assert!(events
        .iter()
        .any(|e| prop(e, "plan").as_deref() == Some("pro")));

    // From the raw events; with the days before Jan 16 rolled up and its
    // afternoon read raw; with every day rolled up.
    for stage in model::STAGES {
        model::reach(&app, stage).await;
        if stage == "rolled, Jan 16 in part" {
            assert!(
                model::rollup_rows(&app, trackr_analytics::rollup::PROPERTY_KEY, "plan").await >= 2
            );
        }
        for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
            let r = json!({"from": range.0, "to": range.1});
            for (filters, keep) in model::unfiltered_and_by_source() {
                let keep = keep.as_ref();
                let got = app
                    .gql_ok(
                        Some(&owner.token),
                        KEYS,
                        json!({"id": site, "r": r, "f": filters}),
                    )
                    .await;
                assert_eq!(
                    got["site"]["propertyKeys"],
                    expected_keys(&events, range, keep),
                    "{stage}: keys {range:?} {filters}"
                );
                for key in ["plan", "form", "variant", "missing"] {
                    let got = app
                        .gql_ok(
                            Some(&owner.token),
                            BREAKDOWN,
                            json!({"id": site, "r": r, "k": key, "f": filters}),
                        )
                        .await;
                    assert_eq!(
                        got["site"]["breakdown"],
                        expected_values(&events, range, key, keep),
                        "{stage}: {key} {range:?} {filters}"
                    );
                }
            }
            // The property filter, each op, on stats and on another property's breakdown.
            for (op, value, keep) in [
                (
                    "IS",
                    "pro",
                    Box::new(|e: &Ev| prop(e, "plan").as_deref() == Some("pro"))
                        as Box<dyn Fn(&Ev) -> bool>,
                ),
                (
                    "IS_NOT",
                    "pro",
                    Box::new(|e: &Ev| prop(e, "plan").as_deref() != Some("pro")),
                ),
                (
                    "CONTAINS",
                    "PRIC",
                    Box::new(|e: &Ev| {
                        prop(e, "form").is_some_and(|v| v.to_lowercase().contains("pric"))
                    }),
                ),
            ] {
                let key = if op == "CONTAINS" { "form" } else { "plan" };
                let f = json!([{"dimension": "PROPERTY", "key": key, "op": op, "value": value}]);
                let got = app
                    .gql_ok(
                        Some(&owner.token),
                        STATS,
                        json!({"id": site, "r": r, "f": f}),
                    )
                    .await;
                assert_eq!(
                    got["site"]["stats"],
                    expected_stats(&events, &visits, range.0, range.1, &*keep),
                    "{key} {op} {value} {range:?}"
                );
                let got = app
                    .gql_ok(
                        Some(&owner.token),
                        BREAKDOWN,
                        json!({"id": site, "r": r, "k": "form", "f": f}),
                    )
                    .await;
                assert_eq!(
                    got["site"]["breakdown"],
                    expected_values(&events, range, "form", &*keep),
                    "form under {key} {op} {value}"
                );
            }
        }
    }
    // The breakdown does read the rollups: a changed row shows.
    let jan15 =
        trackr_analytics::time::day_number(chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    let changed = app
        .db
        .execute_unprepared(&format!(
            "UPDATE rollups SET events = events + 1000 WHERE dim = {} AND value = 'plan' AND value2 = 'pro' AND gap = 0 AND day = {jan15}",
            trackr_analytics::rollup::PROPERTY
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let got = app
        .gql_ok(
            Some(&owner.token),
            BREAKDOWN,
            json!({"id": site, "r": {"from": "2026-01-15", "to": "2026-01-15"}, "k": "plan"}),
        )
        .await;
    let want = expected_values(&events, ("2026-01-15", "2026-01-15"), "plan", &|_| true);
    let pro = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["value"] == "pro")
            .unwrap()["events"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(pro(&got["site"]["breakdown"]), pro(&want) + 1000);
    // Suggestions for a property's values.
    let got = app
        .gql_ok(Some(&owner.token), "query($id: ID!) { site(id: $id) { suggestions(range: {from: \"2026-01-14\", to: \"2026-01-16\"}, dimension: PROPERTY, key: \"plan\", text: \"PR\") } }", json!({"id": site}))
        .await;
    assert_eq!(got["site"]["suggestions"], json!(["pro"]));
}

async fn property_limits_and_kept_keys(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "example.com").await;
    let ip = "198.51.100.7";
    let send = |props: Value| {
        let app = &app;
        async move {
            app.event(&json!({"n": "Signup", "u": "https://example.com/", "d": "example.com", "p": props}), ip).await
        }
    };
    // Limits: at most 30 properties, keys ≤ 300 and values ≤ 2000
    // characters; beyond, 400 naming the field, and nothing stored.
    let before = app.count("SELECT COUNT(*) FROM events").await;
    let many: serde_json::Map<String, Value> =
        (0..31).map(|i| (format!("k{i}"), json!("v"))).collect();
    for props in [
        Value::Object(many),
        json!({"k".repeat(301): "v"}),
        json!({"k": "v".repeat(2001)}),
        json!({"k": {"nested": true}}),
    ] {
        assert_eq!(send(props).await, 400);
    }
    let resp = app
        .client
        .post(app.url("/api/event"))
        .header("user-agent", trackr_tests::CHROME)
        .header("x-forwarded-for", ip)
        .json(&json!({"n": "Signup", "u": "https://example.com/", "d": "example.com", "p": {"k": "v".repeat(2001)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body.to_string().contains("props"),
        "the error names the field: {body}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, before);
    let at30: serde_json::Map<String, Value> =
        (0..30).map(|i| (format!("k{i}"), json!("v"))).collect();
    assert_eq!(send(Value::Object(at30)).await, 202);

    // Only the listed keys are kept once a site lists them.
    let upd = "mutation($id: ID!, $k: [String!]) { updateSite(id: $id, input: {allowedPropertyKeys: $k}) { allowedPropertyKeys } }";
    let got = app
        .gql_ok(
            Some(&owner.token),
            upd,
            json!({"id": site, "k": ["plan", " plan ", "tier"]}),
        )
        .await;
    assert_eq!(
        got["updateSite"]["allowedPropertyKeys"],
        json!(["plan", "tier"])
    );
    assert_eq!(
        send(json!({"plan": "pro", "email": "someone@example.com"})).await,
        202
    );
    assert_eq!(send(json!({"email": "someone@example.com"})).await, 202);
    let today = chrono::Utc::now().date_naive().to_string();
    let r = json!({"from": today, "to": today});
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = app
            .gql_ok(Some(&owner.token), KEYS, json!({"id": site, "r": r}))
            .await["site"]["propertyKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["key"].as_str().unwrap().to_owned())
            .collect();
        if stored.contains(&"plan".to_owned()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stored.contains(&"plan".to_owned()), "{stored:?}");
    assert!(
        !stored.contains(&"email".to_owned()),
        "an unlisted key is dropped: {stored:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE props LIKE '%someone@example.com%'")
            .await,
        0
    );
    // Bad input: clear errors, nothing changed.
    let resp = app
        .gql(
            Some(&owner.token),
            upd,
            json!({"id": site, "k": ["x".repeat(301)]}),
        )
        .await;
    assert_eq!(
        error_code(&resp).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resp}"
    );
    assert_eq!(
        resp["errors"][0]["extensions"]["field"],
        "allowedPropertyKeys"
    );
    let keys = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { site(id: $id) { allowedPropertyKeys } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(keys["site"]["allowedPropertyKeys"], json!(["plan", "tier"]));
    for (query, vars) in [
        (
            STATS,
            json!({"id": site, "r": r, "f": [{"dimension": "PROPERTY", "op": "IS", "value": "pro"}]}),
        ),
        (
            STATS,
            json!({"id": site, "r": r, "f": [{"dimension": "PAGE", "key": "plan", "op": "IS", "value": "/"}]}),
        ),
        (
            STATS,
            json!({"id": site, "r": r, "f": [{"dimension": "PROPERTY", "key": "a\"b", "op": "IS", "value": "x"}]}),
        ),
        (BREAKDOWN, json!({"id": site, "r": r})),
        (BREAKDOWN, json!({"id": site, "r": r, "k": "x".repeat(301)})),
    ] {
        let resp = app.gql(Some(&owner.token), query, vars.clone()).await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("BAD_USER_INPUT"),
            "{vars} → {resp}"
        );
    }
}

both_backends!(
    properties_break_down_and_filter_exactly,
    property_limits_and_kept_keys,
);
