//! Segments (issue 17): a saved set of filters, private or shared, applied
//! to reports through a SEGMENT filter (alone or with others) with the
//! same numbers as its filters given one by one, against the model on both
//! backends; who sees and deletes which; bad input refused.

use serde_json::{json, Value};
use trackr_tests::{
    both_backends, error_code,
    model::{self, expected_breakdown, expected_stats, Ev, ROW},
    Backend, TestApp,
};

const STATS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit } } }";
const CREATE: &str = "mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id name shared mine filters { dimension op value key } } }";
const LIST: &str = "query($id: ID!) { site(id: $id) { segments { name shared mine } } }";

async fn segments_apply_their_filters_to_every_report(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.monthly_events", "100000"),
            ("plans.free.max_seats", "unlimited"),
        ],
    )
    .await;
    let model::ModelSite {
        owner,
        org,
        site,
        events,
        visits,
    } = model::model_site(&app).await;
    let viewer = app.sign_up("viewer").await;
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    let google_chrome = json!([
        {"dimension": "SOURCE", "op": "IS", "value": "Google"},
        {"dimension": "BROWSER", "op": "IS_NOT", "value": "Firefox"},
    ]);
    let shared = app
        .gql_ok(Some(&owner.token), CREATE, json!({"i": {"siteId": site, "name": "Google, not Firefox", "filters": google_chrome, "shared": true}}))
        .await["createSegment"]
        .clone();
    assert_eq!(
        shared["filters"][1],
        json!({"dimension": "BROWSER", "op": "IS_NOT", "value": "Firefox", "key": null})
    );
    assert_eq!(
        (shared["shared"].as_bool(), shared["mine"].as_bool()),
        (Some(true), Some(true))
    );
    let shared = shared["id"].as_str().unwrap().to_owned();
    let private = app
        .gql_ok(Some(&viewer.token), CREATE, json!({"i": {"siteId": site, "name": "Pricing", "filters": [{"dimension": "PAGE", "op": "IS", "value": "/pricing"}]}}))
        .await["createSegment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let keep = |e: &Ev| e.source == "Google" && e.browser != "Firefox";
    for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
        let r = json!({"from": range.0, "to": range.1});
        let seg = json!({"dimension": "SEGMENT", "op": "IS", "value": shared});
        let got = app
            .gql_ok(
                Some(&viewer.token),
                STATS,
                json!({"id": site, "r": r, "f": [seg]}),
            )
            .await;
        assert_eq!(
            got["site"]["stats"],
            expected_stats(&events, &visits, range.0, range.1, &keep),
            "{range:?}"
        );
        // With another filter beside it.
        let f = json!([seg, {"dimension": "PAGE", "op": "IS", "value": "/pricing"}]);
        let got = app
            .gql_ok(
                Some(&owner.token),
                STATS,
                json!({"id": site, "r": r, "f": f}),
            )
            .await;
        let both = |e: &Ev| keep(e) && e.path == "/pricing";
        assert_eq!(
            got["site"]["stats"],
            expected_stats(&events, &visits, range.0, range.1, &both),
            "{range:?} + page"
        );
        let q = format!("query($id: ID!, $r: DateRange!, $f: [Filter!]) {{ site(id: $id) {{ breakdown(range: $r, dimension: PAGE, filters: $f, limit: 100) {{ {ROW} }} }} }}");
        let got = app
            .gql_ok(
                Some(&owner.token),
                &q,
                json!({"id": site, "r": r, "f": [seg]}),
            )
            .await;
        assert_eq!(
            got["site"]["breakdown"],
            expected_breakdown(&events, &visits, range, &keep, "PAGE"),
            "{range:?} pages"
        );
        // The viewer's private segment, for the viewer.
        let mine = json!([{"dimension": "SEGMENT", "op": "IS", "value": private}]);
        let got = app
            .gql_ok(
                Some(&viewer.token),
                STATS,
                json!({"id": site, "r": r, "f": mine}),
            )
            .await;
        let pricing = |e: &Ev| e.path == "/pricing";
        assert_eq!(
            got["site"]["stats"],
            expected_stats(&events, &visits, range.0, range.1, &pricing)
        );
    }

    // Who sees which: the shared one, and one's own.
    let of = |v: &Value| {
        v["site"]["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_owned(),
                    s["mine"].as_bool().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let seen = app
        .gql_ok(Some(&owner.token), LIST, json!({"id": site}))
        .await;
    assert_eq!(of(&seen), vec![("Google, not Firefox".to_owned(), true)]);
    let seen = app
        .gql_ok(Some(&viewer.token), LIST, json!({"id": site}))
        .await;
    assert_eq!(
        of(&seen),
        vec![
            ("Google, not Firefox".to_owned(), false),
            ("Pricing".to_owned(), true)
        ]
    );
    // Someone else's private segment is no segment at all.
    let r = json!({"from": "2026-01-14", "to": "2026-01-16"});
    let resp = app
        .gql(Some(&owner.token), STATS, json!({"id": site, "r": r, "f": [{"dimension": "SEGMENT", "op": "IS", "value": private}]}))
        .await;
    assert_eq!(
        error_code(&resp).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resp}"
    );
    let del = "mutation($id: ID!) { deleteSegment(id: $id) }";
    let resp = app
        .gql(Some(&owner.token), del, json!({"id": private}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");
    // A viewer neither shares nor deletes a shared one.
    let resp = app
        .gql(Some(&viewer.token), CREATE, json!({"i": {"siteId": site, "name": "S", "filters": [{"dimension": "PAGE", "op": "IS", "value": "/"}], "shared": true}}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    let resp = app
        .gql(Some(&viewer.token), del, json!({"id": shared}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    assert_eq!(
        app.gql_ok(Some(&viewer.token), del, json!({"id": private}))
            .await["deleteSegment"],
        true
    );
    assert_eq!(
        app.gql_ok(Some(&owner.token), del, json!({"id": shared}))
            .await["deleteSegment"],
        true
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM segments").await, 0);
}

async fn malformed_segments_are_refused_and_change_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "example.com").await;
    let page = json!({"dimension": "PAGE", "op": "IS", "value": "/"});
    let first = app
        .gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Home", "filters": [page]}}),
        )
        .await["createSegment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app
        .gql_ok(Some(&owner.token), "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"k\", scopes: [STATS_READ]) { secret } }", json!({"o": org}))
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for (token, input, code) in [
        (
            &owner.token,
            json!({"name": "Empty", "filters": []}),
            "BAD_USER_INPUT",
        ),
        (
            &owner.token,
            json!({"name": " ", "filters": [page]}),
            "BAD_USER_INPUT",
        ),
        (
            &owner.token,
            json!({"name": "Nested", "filters": [{"dimension": "SEGMENT", "op": "IS", "value": first}]}),
            "BAD_USER_INPUT",
        ),
        (
            &owner.token,
            json!({"name": "No goal", "filters": [{"dimension": "GOAL", "op": "IS", "value": uuid::Uuid::new_v4().to_string()}]}),
            "BAD_USER_INPUT",
        ),
        (
            &owner.token,
            json!({"name": "No key", "filters": [{"dimension": "PROPERTY", "op": "IS", "value": "pro"}]}),
            "BAD_USER_INPUT",
        ),
        (
            &owner.token,
            json!({"name": "Home", "filters": [page]}),
            "CONFLICT",
        ),
        (
            &key,
            json!({"name": "By key", "filters": [page]}),
            "FORBIDDEN",
        ),
    ] {
        let mut input = input.clone();
        input["siteId"] = json!(site);
        let resp = app.gql(Some(token), CREATE, json!({"i": input})).await;
        assert_eq!(error_code(&resp).as_deref(), Some(code), "{input} → {resp}");
    }
    let r = json!({"from": "2026-01-01", "to": "2026-01-02"});
    for f in [
        json!([{"dimension": "SEGMENT", "op": "IS_NOT", "value": first}]),
        json!([{"dimension": "SEGMENT", "op": "IS", "value": "not-an-id"}]),
    ] {
        let resp = app
            .gql(
                Some(&owner.token),
                STATS,
                json!({"id": site, "r": r, "f": f}),
            )
            .await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("BAD_USER_INPUT"),
            "{f} → {resp}"
        );
    }
    // An API key applies shared segments, not private ones.
    let resp = app.gql(Some(&key), STATS, json!({"id": site, "r": r, "f": [{"dimension": "SEGMENT", "op": "IS", "value": first}]})).await;
    assert_eq!(
        error_code(&resp).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resp}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM segments").await,
        1,
        "nothing added"
    );
}

both_backends!(
    segments_apply_their_filters_to_every_report,
    malformed_segments_are_refused_and_change_nothing,
);
