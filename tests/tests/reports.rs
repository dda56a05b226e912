//! Reports (promise 2): exact numbers on a generated event set whose true
//! counts this test computes on its own, in a non-UTC time zone, with visits
//! that cross local midnight, bounces and combined filters.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{
    both_backends,
    model::{
        self, expected_breakdown, expected_stats, ny_window, row_json, screen_size, Ev, Visit, ROW,
    },
    Backend, TestApp,
};

/// The fields of a timeseries point (and of `stats`) the model computes.
const POINT: &str =
    "visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit";

const STATS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit previous { visitors pageviews events visits } } } }";

async fn reports_match_independently_computed_counts(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite {
        owner,
        site,
        events,
        visits,
        ..
    } = model::model_site(&app).await;
    assert!(
        events.len() > 150 && visits.iter().any(|v| v.events == 1),
        "a rich enough set"
    );
    let crossing = visits.iter().filter(|v| {
        let (a, _) = ny_window("2026-01-15", "2026-01-15");
        v.start < a && v.end >= a
    });
    assert!(crossing.count() >= 1, "a visit crosses New York's midnight");

    // From the raw events; then with the first days rolled up and the last
    // one read raw (its lookback reaching into the rolled-up days); then
    // with every day rolled up (issue 3: rollups must count exactly alike).
    check_reports(&app, &owner.token, &site, &events, &visits, "raw").await;
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let first_day = events[0].ts.with_timezone(&ny).date_naive();
    let jan16 = NaiveDate::from_ymd_opt(2026, 1, 16).unwrap();
    let partly =
        trackr_analytics::rollup::run(&app.db, Utc.with_ymd_and_hms(2026, 1, 16, 7, 0, 0).unwrap())
            .await
            .unwrap();
    assert_eq!(
        (partly.sites, partly.days),
        (1, (jan16 - first_day).num_days() as u64),
        "the days up to Jan 15 (New York) are closed"
    );
    check_reports(
        &app,
        &owner.token,
        &site,
        &events,
        &visits,
        "rolled to Jan 15",
    )
    .await;
    let all_days =
        trackr_analytics::rollup::run(&app.db, Utc.with_ymd_and_hms(2026, 1, 20, 7, 0, 0).unwrap())
            .await
            .unwrap();
    assert_eq!(all_days.days, 4, "Jan 16 to 19");
    check_reports(&app, &owner.token, &site, &events, &visits, "rolled").await;
    // The reports do read the rollups: a changed rollup shows.
    let jan15 = trackr_analytics::time::day_number(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    let changed = app
        .db
        .execute_unprepared(&format!(
            "UPDATE rollups SET pageviews = pageviews + 1000 WHERE dim = 0 AND gap = 0 AND day = {jan15}"
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let r = app
        .gql_ok(
            Some(&owner.token),
            STATS,
            json!({"id": site, "r": {"from": "2026-01-15", "to": "2026-01-15"}}),
        )
        .await;
    assert_eq!(
        r["site"]["stats"]["pageviews"].as_i64().unwrap(),
        expected_stats(&events, &visits, "2026-01-15", "2026-01-15", &|_| true)["pageviews"]
            .as_i64()
            .unwrap()
            + 1000
    );
    // Filtered reports read them too: a source's row changed shows.
    let changed = app
        .db
        .execute_unprepared(&format!(
            "UPDATE rollups SET pageviews = pageviews + 1000 WHERE dim = 2 AND value = 'Google' AND gap = 0 AND day = {jan15}"
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let google = json!([{"dimension": "SOURCE", "op": "IS", "value": "Google"}]);
    let r = app
        .gql_ok(
            Some(&owner.token),
            STATS,
            json!({"id": site, "r": {"from": "2026-01-15", "to": "2026-01-15"}, "f": google}),
        )
        .await;
    assert_eq!(
        r["site"]["stats"]["pageviews"].as_i64().unwrap(),
        expected_stats(&events, &visits, "2026-01-15", "2026-01-15", &|e: &Ev| e
            .source
            == "Google")["pageviews"]
            .as_i64()
            .unwrap()
            + 1000
    );
    // A breakdown under filters reads the rows of the pair (page, source)
    // and of the three (page, source, browser).
    let page_rows = |q: &str| {
        format!("UPDATE rollups SET pageviews = pageviews + 1000 WHERE {q} AND value = '/pricing' AND gap >= 0 AND day = {jan15}")
    };
    for (rows, filters) in [
        (
            "dim = 102 AND value2 = 'Google'",
            json!([{"dimension": "SOURCE", "op": "IS", "value": "Google"}]),
        ),
        (
            "dim = 10210 AND value2 = 'Google' AND value3 = 'Chrome'",
            json!([{"dimension": "SOURCE", "op": "IS", "value": "Google"}, {"dimension": "BROWSER", "op": "IS", "value": "Chrome"}]),
        ),
    ] {
        let q = "query($id: ID!, $f: [Filter!]) { site(id: $id) { breakdown(range: {from: \"2026-01-15\", to: \"2026-01-15\"}, dimension: PAGE, filters: $f) { value pageviews } } }";
        let pricing = |r: &Value| {
            r["site"]["breakdown"]
                .as_array()
                .unwrap()
                .iter()
                .find(|row| row["value"] == "/pricing")
                .map_or(0, |row| row["pageviews"].as_i64().unwrap())
        };
        let before = pricing(
            &app.gql_ok(Some(&owner.token), q, json!({"id": site, "f": filters}))
                .await,
        );
        let changed = app
            .db
            .execute_unprepared(&page_rows(rows))
            .await
            .unwrap()
            .rows_affected() as i64;
        assert!(changed >= 1, "{rows}");
        let after = pricing(
            &app.gql_ok(Some(&owner.token), q, json!({"id": site, "f": filters}))
                .await,
        );
        assert_eq!(after, before + 1000 * changed, "{rows}");
    }
    // Days without this version's marker (rolled up by an older one) are
    // read raw, then rolled up again from the first of them.
    let unmarked = app
        .db
        .execute_unprepared(&format!(
            "DELETE FROM rollups WHERE dim = {} AND day = {jan15}",
            trackr_analytics::rollup::MARK
        ))
        .await
        .unwrap();
    assert_eq!(unmarked.rows_affected(), 1);
    check_reports(
        &app,
        &owner.token,
        &site,
        &events,
        &visits,
        "Jan 15 unmarked",
    )
    .await;
    let again =
        trackr_analytics::rollup::run(&app.db, Utc.with_ymd_and_hms(2026, 1, 20, 7, 0, 0).unwrap())
            .await
            .unwrap();
    assert_eq!(again.days, 5, "Jan 15 to 19 rolled up again");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rollups WHERE dim = {} AND day >= {jan15}",
            trackr_analytics::rollup::MARK
        ))
        .await,
        5
    );
    check_reports(&app, &owner.token, &site, &events, &visits, "rolled again").await;
}

/// Stats, filters, daily points and breakdowns against the model.
async fn check_reports(
    app: &TestApp,
    token: &str,
    site: &str,
    events: &[Ev],
    visits: &[Visit],
    label: &str,
) {
    let all: &dyn Fn(&Ev) -> bool = &|_| true;
    for (from, to) in [
        ("2026-01-15", "2026-01-15"),
        ("2026-01-14", "2026-01-16"),
        ("2026-01-16", "2026-01-16"),
    ] {
        let r = app
            .gql_ok(
                Some(token),
                STATS,
                json!({"id": site, "r": {"from": from, "to": to}}),
            )
            .await;
        let mut got = r["site"]["stats"].clone();
        let previous = got.as_object_mut().unwrap().remove("previous").unwrap();
        assert_eq!(
            got,
            expected_stats(events, visits, from, to, all),
            "{label}: {from}..{to}"
        );
        if from == "2026-01-15" && to == from {
            let mut want = expected_stats(events, visits, "2026-01-14", "2026-01-14", all);
            for k in ["bounceRate", "visitDurationSeconds", "viewsPerVisit"] {
                want.as_object_mut().unwrap().remove(k);
            }
            assert_eq!(previous, want, "{label}: the previous period");
        }
    }

    let filter_cases: Vec<(Value, model::Keep)> = vec![
        (
            json!([{"dimension": "PAGE", "op": "IS", "value": "/pricing"}]),
            Box::new(|e: &Ev| e.path == "/pricing"),
        ),
        (
            json!([{"dimension": "SOURCE", "op": "IS", "value": "Google"}, {"dimension": "PAGE", "op": "CONTAINS", "value": "BLOG"}]),
            Box::new(|e: &Ev| e.source == "Google" && e.path.contains("blog")),
        ),
        (
            json!([{"dimension": "BROWSER", "op": "IS_NOT", "value": "Chrome"}, {"dimension": "EVENT_NAME", "op": "IS", "value": "pageview"}]),
            Box::new(|e: &Ev| e.browser != "Chrome" && e.name == "pageview"),
        ),
    ];
    for (filters, keep) in &filter_cases {
        let r = app
            .gql_ok(
                Some(token),
                STATS,
                json!({"id": site, "r": {"from": "2026-01-14", "to": "2026-01-16"}, "f": filters}),
            )
            .await;
        let mut got = r["site"]["stats"].clone();
        got.as_object_mut().unwrap().remove("previous");
        assert_eq!(
            got,
            expected_stats(events, visits, "2026-01-14", "2026-01-16", keep.as_ref()),
            "{label}: {filters}"
        );
    }

    // Daily points in New York days, and a day with nothing is zero.
    let q = format!("query($id: ID!, $r: DateRange!) {{ site(id: $id) {{ timeseries(range: $r, interval: DAY) {{ at {POINT} }} }} }}");
    let r = app
        .gql_ok(
            Some(token),
            &q,
            json!({"id": site, "r": {"from": "2026-01-13", "to": "2026-01-17"}}),
        )
        .await;
    let points = r["site"]["timeseries"].as_array().unwrap();
    assert_eq!(points.len(), 5);
    assert_eq!(points[0]["at"], "2026-01-13T05:00:00+00:00");
    for (i, day) in [
        "2026-01-13",
        "2026-01-14",
        "2026-01-15",
        "2026-01-16",
        "2026-01-17",
    ]
    .iter()
    .enumerate()
    {
        let mut want = expected_stats(events, visits, day, day, all);
        want["at"] = points[i]["at"].clone();
        assert_eq!(points[i], want, "{label}: {day}");
    }
    check_comparisons(app, token, site, events, visits, label).await;

    // Breakdowns, ordered by visitors, then pageviews, then value, with
    // every figure.
    let range = ("2026-01-14", "2026-01-16");
    let (a, b2) = ny_window(range.0, range.1);
    let mut entry: BTreeMap<&str, Vec<&Visit>> = BTreeMap::new();
    for v in visits.iter().filter(|v| (a..b2).contains(&v.start)) {
        entry.entry(v.entry).or_default().push(v);
    }
    let mut entry_rows: Vec<(usize, i64, Value)> = entry
        .into_iter()
        .map(|(page, vs)| {
            let visitors = vs.iter().map(|v| &v.identity).collect::<HashSet<_>>().len();
            let pageviews = vs.iter().map(|v| v.pageviews).sum::<i64>();
            let events = vs.iter().map(|v| v.events).sum::<i64>();
            (
                visitors,
                pageviews,
                row_json(page, visitors, pageviews, events, &vs),
            )
        })
        .collect();
    entry_rows.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(y.1.cmp(&x.1))
            .then(x.2["value"].as_str().cmp(&y.2["value"].as_str()))
    });
    let entry_rows = json!(entry_rows.into_iter().map(|r| r.2).collect::<Vec<_>>());
    let mut cases: Vec<(&str, Value)> = [
        "PAGE",
        "SOURCE",
        "BROWSER",
        "EVENT_NAME",
        "UTM_CONTENT",
        "UTM_TERM",
        "SCREEN_SIZE",
        "HOSTNAME",
    ]
    .into_iter()
    .map(|d| (d, expected_breakdown(events, visits, range, all, d)))
    .collect();
    cases.push(("ENTRY_PAGE", entry_rows));
    for (d, want) in &cases {
        assert!(
            want.as_array().unwrap().len() >= 2,
            "{d}: a breakdown of several values"
        );
    }
    let q = format!("query($id: ID!, $r: DateRange!, $d: Dimension!) {{ site(id: $id) {{ breakdown(range: $r, dimension: $d, limit: 100) {{ {ROW} }} }} }}");
    for (dimension, want) in cases {
        let r = app
            .gql_ok(
                Some(token),
                &q,
                json!({"id": site, "r": {"from": range.0, "to": range.1}, "d": dimension}),
            )
            .await;
        assert_eq!(r["site"]["breakdown"], want, "{label}: {dimension}");
    }
    let limited = app.gql_ok(Some(token), "query($id: ID!) { site(id: $id) { breakdown(range: {from: \"2026-01-14\", to: \"2026-01-16\"}, dimension: PAGE, limit: 2) { value } } }", json!({"id": site})).await;
    assert_eq!(limited["site"]["breakdown"].as_array().unwrap().len(), 2);

    check_filtered_reports(app, token, site, events, visits, label).await;
}

/// Issue 16: a timeseries with its comparison (the period before, a year
/// before), stats a year before, and a filter's value suggestions, against
/// the model.
async fn check_comparisons(
    app: &TestApp,
    token: &str,
    site: &str,
    events: &[Ev],
    visits: &[Visit],
    label: &str,
) {
    let all: &dyn Fn(&Ev) -> bool = &|_| true;
    let q = format!(
        "query($id: ID!, $r: DateRange!, $c: Comparison!) {{ site(id: $id) {{ \
         timeseries(range: $r, interval: DAY, compare: $c) {{ at visitors previous {{ at {POINT} }} }} \
         stats(range: $r, compare: $c) {{ visitors previous {{ {POINT} }} }} }} }}"
    );
    for (range, compare, before) in [
        (
            ("2026-01-15", "2026-01-16"),
            "PREVIOUS_PERIOD",
            ["2026-01-13", "2026-01-14"].as_slice(),
        ),
        (
            ("2027-01-14", "2027-01-16"),
            "YEAR_OVER_YEAR",
            ["2026-01-14", "2026-01-15", "2026-01-16"].as_slice(),
        ),
    ] {
        let r = app
            .gql_ok(
                Some(token),
                &q,
                json!({"id": site, "r": {"from": range.0, "to": range.1}, "c": compare}),
            )
            .await;
        let points = r["site"]["timeseries"].as_array().unwrap();
        assert_eq!(points.len(), before.len(), "{label}: {compare}");
        for (point, day) in points.iter().zip(before) {
            let mut want = expected_stats(events, visits, day, day, all);
            want["at"] = point["previous"]["at"].clone();
            assert_eq!(point["previous"], want, "{label}: {compare}: {day}");
            assert!(
                point["previous"]["at"].as_str().unwrap().starts_with(day),
                "{label}: {compare}: {day} starts the point"
            );
        }
        assert_eq!(
            r["site"]["stats"]["previous"],
            expected_stats(events, visits, before[0], before[before.len() - 1], all),
            "{label}: {compare}: stats"
        );
    }
    // Suggestions: values containing the text, in the breakdown's order;
    // a filter on the same dimension does not narrow them.
    let q = "query($id: ID!, $d: Dimension!, $t: String!, $f: [Filter!]) { site(id: $id) { \
             suggestions(range: {from: \"2026-01-14\", to: \"2026-01-16\"}, dimension: $d, text: $t, filters: $f) } }";
    for (dimension, text, filters) in [
        (
            "PAGE",
            "BLOG",
            json!([{"dimension": "PAGE", "op": "IS", "value": "/"}]),
        ),
        ("SOURCE", "o", json!([])),
        ("SCREEN_SIZE", "", json!([])),
    ] {
        let want: Vec<Value> =
            expected_breakdown(events, visits, ("2026-01-14", "2026-01-16"), all, dimension)
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["value"].clone())
                .filter(|v| {
                    v.as_str()
                        .unwrap()
                        .to_lowercase()
                        .contains(&text.to_lowercase())
                })
                .take(10)
                .collect();
        assert!(!want.is_empty(), "{dimension} {text}");
        let r = app
            .gql_ok(
                Some(token),
                q,
                json!({"id": site, "d": dimension, "t": text, "f": filters}),
            )
            .await;
        assert_eq!(
            r["site"]["suggestions"],
            json!(want),
            "{label}: {dimension} {text}"
        );
    }
}

/// Filtered stats, daily points and breakdowns (issue 14: from the rollups
/// where `IS` filters have rows, raw otherwise), against the model.
async fn check_filtered_reports(
    app: &TestApp,
    token: &str,
    site: &str,
    events: &[Ev],
    visits: &[Visit],
    label: &str,
) {
    let is = |d: &str, v: &str| json!({"dimension": d, "op": "IS", "value": v});
    let cases: Vec<(Value, model::Keep)> = vec![
        // A page filter selects any event on the page (Signup too).
        (
            json!([is("PAGE", "/pricing")]),
            Box::new(|e: &Ev| e.path == "/pricing"),
        ),
        (
            json!([is("SOURCE", "Google")]),
            Box::new(|e: &Ev| e.source == "Google"),
        ),
        (
            json!([is("BROWSER", "Firefox")]),
            Box::new(|e: &Ev| e.browser == "Firefox"),
        ),
        (
            json!([is("EVENT_NAME", "Signup")]),
            Box::new(|e: &Ev| e.name == "Signup"),
        ),
        (
            json!([is("SOURCE", "Google"), is("BROWSER", "Chrome")]),
            Box::new(|e: &Ev| e.source == "Google" && e.browser == "Chrome"),
        ),
        (
            json!([is("PAGE", "/blog/a"), is("SOURCE", "Twitter")]),
            Box::new(|e: &Ev| e.path == "/blog/a" && e.source == "Twitter"),
        ),
        (
            json!([is("SCREEN_SIZE", "Mobile")]),
            Box::new(|e: &Ev| screen_size(e.width) == "Mobile"),
        ),
        (
            json!([
                is("UTM_CONTENT", "banner"),
                is("HOSTNAME", "www.example.com")
            ]),
            Box::new(|e: &Ev| e.utm.0 == Some("banner") && e.host == "www.example.com"),
        ),
    ];
    let q = format!("query($id: ID!, $r: DateRange!, $f: [Filter!]) {{ site(id: $id) {{ \
             stats(range: $r, filters: $f) {{ {POINT} }} \
             timeseries(range: $r, interval: DAY, filters: $f) {{ {POINT} }} \
             page: breakdown(range: $r, dimension: PAGE, filters: $f, limit: 100) {{ {ROW} }} \
             source: breakdown(range: $r, dimension: SOURCE, filters: $f, limit: 100) {{ {ROW} }} \
             browser: breakdown(range: $r, dimension: BROWSER, filters: $f, limit: 100) {{ {ROW} }} \
             name: breakdown(range: $r, dimension: EVENT_NAME, filters: $f, limit: 100) {{ {ROW} }} \
             size: breakdown(range: $r, dimension: SCREEN_SIZE, filters: $f, limit: 100) {{ {ROW} }} }} }}");
    let days = ["2026-01-14", "2026-01-15", "2026-01-16"];
    for (filters, keep) in &cases {
        for range in [(days[0], days[2]), (days[1], days[1]), (days[1], days[2])] {
            let r = app
                .gql_ok(
                    Some(token),
                    &q,
                    json!({"id": site, "r": {"from": range.0, "to": range.1}, "f": filters}),
                )
                .await;
            let at = format!("{label}: {filters} over {range:?}");
            assert_eq!(
                r["site"]["stats"],
                expected_stats(events, visits, range.0, range.1, keep.as_ref()),
                "{at}"
            );
            let points = r["site"]["timeseries"].as_array().unwrap();
            let in_range: Vec<&str> = days
                .into_iter()
                .filter(|d| range.0 <= *d && *d <= range.1)
                .collect();
            assert_eq!(points.len(), in_range.len(), "{at}");
            for (point, day) in points.iter().zip(in_range) {
                let want = expected_stats(events, visits, day, day, keep.as_ref());
                assert_eq!(point, &want, "{at}: {day}");
            }
            for (field, dimension) in [
                ("page", "PAGE"),
                ("source", "SOURCE"),
                ("browser", "BROWSER"),
                ("name", "EVENT_NAME"),
                ("size", "SCREEN_SIZE"),
            ] {
                assert_eq!(
                    r["site"][field],
                    expected_breakdown(events, visits, range, keep.as_ref(), dimension),
                    "{at}: by {dimension}"
                );
            }
        }
    }
}

async fn stats_for_a_list_of_sites_are_per_site(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_sites", "unlimited")]).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    for domain in ["one.example", "two.example", "three.example"] {
        app.create_site(&owner, &org, domain).await;
    }
    let day = Utc.with_ymd_and_hms(2026, 2, 2, 12, 0, 0).unwrap();
    app.set_time(day);
    for (domain, n) in [("one.example", 1), ("two.example", 3)] {
        for i in 0..n {
            let body = json!({"n": "pageview", "u": format!("https://{domain}/{i}"), "d": domain});
            assert_eq!(app.event(&body, &format!("198.51.100.{i}")).await, 202);
        }
    }
    let q = "query($o: ID!) { organization(id: $o) { sites { domain stats(range: {from: \"2026-02-02\", to: \"2026-02-02\"}) { visitors pageviews } } } }";
    // From the raw events, then (one batch for the sites) from the rollups.
    for rolled in [false, true] {
        if rolled {
            let r = trackr_analytics::rollup::run(&app.db, day + Duration::days(2))
                .await
                .unwrap();
            assert_eq!(r.sites, 2, "the two sites with events");
        }
        let r = app.gql_ok(Some(&owner.token), q, json!({"o": org})).await;
        let got: HashMap<String, (i64, i64)> = r["organization"]["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["domain"].as_str().unwrap().to_owned(),
                    (
                        s["stats"]["visitors"].as_i64().unwrap(),
                        s["stats"]["pageviews"].as_i64().unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(got["one.example"], (1, 1), "rolled up: {rolled}");
        assert_eq!(got["two.example"], (3, 3), "rolled up: {rolled}");
        assert_eq!(got["three.example"], (0, 0), "rolled up: {rolled}");
    }
    let bad = app.gql(Some(&owner.token), "query($o: ID!) { organization(id: $o) { sites { stats(range: {from: \"2026-02-03\", to: \"2026-02-01\"}) { visitors } } } }", json!({"o": org})).await;
    assert_eq!(
        trackr_tests::error_code(&bad).as_deref(),
        Some("BAD_USER_INPUT")
    );
}

/// Stats for `[from, to]` through the rollups (no filter) and through the
/// raw events (a filter every event passes), which must agree.
async fn assert_rollups_agree(
    app: &TestApp,
    token: &str,
    site: &str,
    from: &str,
    to: &str,
    label: &str,
) -> Value {
    let q = format!(
        "query($id: ID!, $r: DateRange!, $f: [Filter!]) {{ site(id: $id) {{ \
             stats(range: $r, filters: $f) {{ {POINT} }} \
             timeseries(range: $r, interval: DAY, filters: $f) {{ {POINT} }} \
             breakdown(range: $r, dimension: PAGE, filters: $f) {{ {ROW} }} \
             sizes: breakdown(range: $r, dimension: SCREEN_SIZE, filters: $f) {{ {ROW} }} }} }}"
    );
    let r = json!({"from": from, "to": to});
    let rolled = app
        .gql_ok(Some(token), &q, json!({"id": site, "r": r}))
        .await;
    let everything = json!([{"dimension": "EVENT_NAME", "op": "IS_NOT", "value": "-"}]);
    let raw = app
        .gql_ok(
            Some(token),
            &q,
            json!({"id": site, "r": r, "f": everything}),
        )
        .await;
    assert_eq!(rolled, raw, "{label}: {from}..{to}");
    rolled
}

async fn rollup_state(app: &TestApp) -> Option<trackr_entity::rollup_state::Model> {
    use sea_orm::EntityTrait;
    trackr_entity::rollup_state::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
}

/// Deletions, the retention purge and a new time zone each leave the
/// rollups exact: the days they touch are dropped and rolled up again.
async fn promise_3_and_4_rollups_follow_deletions_purges_and_time_zone_changes(b: Backend) {
    use trackr_analytics::{deletion as data, rollup};
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app
        .gql_ok(Some(&owner.token), "mutation($o: ID!) { createSite(organizationId: $o, domain: \"example.com\", timezone: \"Europe/Berlin\") { id } }", json!({"o": org}))
        .await["createSite"]["id"].as_str().unwrap().to_owned();
    // 198.51.100.1 on the first three days (and across Berlin's midnight
    // into the 2nd), .2 on the 2nd only, .3 on the 1st and 3rd, .4 on the
    // 4th.
    let day = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();
    let hits = [
        (day(1, 9, 0), "1", "/"),
        (day(1, 9, 5), "1", "/pricing"),
        (day(1, 12, 0), "3", "/"),
        (day(1, 22, 50), "1", "/blog/a"),
        (day(1, 23, 10), "1", "/"),
        (day(2, 10, 0), "2", "/pricing"),
        (day(2, 10, 1), "2", "/"),
        (day(2, 15, 0), "1", "/"),
        (day(3, 8, 0), "3", "/blog/a"),
        (day(3, 8, 30), "1", "/pricing"),
        (day(4, 9, 0), "4", "/"),
    ];
    for (at, ip, path) in hits {
        app.set_time(at);
        let body =
            json!({"n": "pageview", "u": format!("https://example.com{path}"), "d": "example.com"});
        assert_eq!(app.event(&body, &format!("198.51.100.{ip}")).await, 202);
    }
    let (t, s) = (owner.token.as_str(), site.as_str());
    let whole = assert_rollups_agree(&app, t, s, "2026-03-01", "2026-03-03", "raw").await;
    assert_eq!(whole["site"]["stats"]["pageviews"], 10, "March 1st to 3rd");
    let d =
        |n: u32| trackr_analytics::time::day_number(NaiveDate::from_ymd_opt(2026, 3, n).unwrap());

    let r = rollup::run(&app.db, day(6, 12, 0)).await.unwrap();
    assert_eq!(r.days, 5, "March 1 to 5 (Berlin)");
    let state = rollup_state(&app).await.unwrap();
    assert_eq!(
        (state.from_day, state.until_day, state.timezone.as_str()),
        (d(1), d(6), "Europe/Berlin")
    );
    for (from, to) in [
        ("2026-03-01", "2026-03-03"),
        ("2026-03-02", "2026-03-03"),
        ("2026-03-02", "2026-03-02"),
    ] {
        assert_rollups_agree(&app, t, s, from, to, "rolled").await;
    }

    // Deleting March 3rd (Berlin) drops the rollups from that day on.
    let store = trackr_analytics::store::Store::open(&app.server.app.settings).unwrap();
    let site_id: uuid::Uuid = site.parse().unwrap();
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let midnight = |n: u32| {
        trackr_analytics::time::local_midnight(berlin, NaiveDate::from_ymd_opt(2026, 3, n).unwrap())
            .timestamp_millis()
    };
    let delete_day = |n: u32| data::DeleteParams {
        site_id,
        window: Some((midnight(n), midnight(n + 1))),
        visitor_hash: None,
    };
    let deleted = data::delete(&app.db, &store, &delete_day(3)).await.unwrap();
    assert_eq!(deleted.events, 2);
    let state = rollup_state(&app).await.unwrap();
    assert_eq!((state.until_day, state.generation), (d(3), 1));
    let rows_from = |n: u32| format!("SELECT COUNT(*) FROM rollups WHERE day >= {}", d(n));
    assert_eq!(app.count(&rows_from(3)).await, 0);
    assert!(app.count(&rows_from(1)).await > 0, "the days before stay");
    let after = assert_rollups_agree(
        &app,
        t,
        s,
        "2026-03-01",
        "2026-03-03",
        "after deleting a day",
    )
    .await;
    assert_eq!(after["site"]["stats"]["pageviews"], 8);
    assert_eq!(rollup::run(&app.db, day(6, 12, 0)).await.unwrap().days, 3);
    assert_rollups_agree(&app, t, s, "2026-03-01", "2026-03-03", "rolled again").await;

    // Deleting March 2nd takes the end of a visit begun on the 1st: the
    // rollups are stale from the 1st, the first day, so all go.
    let deleted = data::delete(&app.db, &store, &delete_day(2)).await.unwrap();
    assert_eq!(
        deleted.events, 4,
        "23:10 UTC on the 1st is the 2nd in Berlin"
    );
    let state = rollup_state(&app).await.unwrap();
    assert_eq!(
        (state.timezone.as_str(), state.generation),
        ("", 2),
        "reset"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM rollups").await, 0);
    let after = assert_rollups_agree(
        &app,
        t,
        s,
        "2026-03-01",
        "2026-03-03",
        "after a visit's end",
    )
    .await;
    assert_eq!(after["site"]["stats"]["pageviews"], 4);
    assert_eq!(rollup::run(&app.db, day(6, 12, 0)).await.unwrap().days, 5);
    assert_rollups_agree(
        &app,
        t,
        s,
        "2026-03-01",
        "2026-03-03",
        "rebuilt after a visit's end",
    )
    .await;

    // Deleting one visitor (of all time) drops them all.
    let hash = app
        .count("SELECT visitor_hash FROM events ORDER BY ts LIMIT 1")
        .await;
    data::delete(
        &app.db,
        &store,
        &data::DeleteParams {
            site_id,
            window: None,
            visitor_hash: Some(hash),
        },
    )
    .await
    .unwrap();
    let state = rollup_state(&app).await.unwrap();
    assert_eq!(
        (state.timezone.as_str(), state.generation),
        ("", 3),
        "reset: read by no report"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM rollups").await, 0);
    let after = assert_rollups_agree(
        &app,
        t,
        s,
        "2026-03-01",
        "2026-03-03",
        "after deleting a visitor",
    )
    .await;
    assert_eq!(
        after["site"]["stats"]["visitors"], 1,
        "198.51.100.3 on the 1st"
    );
    rollup::run(&app.db, day(6, 12, 0)).await.unwrap();
    assert_rollups_agree(&app, t, s, "2026-03-01", "2026-03-03", "rebuilt").await;

    // A new time zone: the reports read raw events until the rollups are
    // rebuilt in it.
    app.gql_ok(
        Some(t),
        "mutation($id: ID!) { updateSite(id: $id, input: {timezone: \"Asia/Tokyo\"}) { id } }",
        json!({"id": site}),
    )
    .await;
    assert_rollups_agree(
        &app,
        t,
        s,
        "2026-03-01",
        "2026-03-03",
        "new zone, old rollups",
    )
    .await;
    let r = rollup::run(&app.db, day(6, 12, 0)).await.unwrap();
    assert_eq!(r.rebuilt, 1);
    assert_eq!(rollup_state(&app).await.unwrap().timezone, "Asia/Tokyo");
    for (from, to) in [("2026-03-01", "2026-03-03"), ("2026-03-03", "2026-03-03")] {
        assert_rollups_agree(&app, t, s, from, to, "Tokyo").await;
    }

    // The purge (30 days on the free plan) cutting into March 2nd (Tokyo)
    // drops the rollups of the days it reached into.
    // A rollup left by a site deleted while it was written is swept.
    let gone = uuid::Uuid::new_v4();
    {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        trackr_entity::rollup::Entity::insert(trackr_entity::rollup::ActiveModel {
            site_id: Set(gone),
            day: Set(d(2)),
            dim: Set(0),
            value: Set(String::new()),
            gap: Set(0),
            visitors: Set(1),
            pageviews: Set(1),
            events: Set(1),
            visits: Set(0),
            bounces: Set(0),
            duration_ms: Set(0),
            visit_pageviews: Set(0),
            revenue_minor: Set(0),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap();
    }
    let rows_before = app.count("SELECT COUNT(*) FROM rollups").await;
    let cutoff = day(2, 3, 0);
    trackr_worker::jobs::purge::run(
        app.server.app.events.as_ref(),
        &app.db,
        &app.server.app.settings.plans,
        &trackr_worker::PurgeOptions {
            ..trackr_worker::PurgeOptions::at(cutoff + chrono::Duration::days(30))
        },
    )
    .await
    .unwrap();
    let state = rollup_state(&app).await.unwrap();
    assert_eq!(state.from_day, d(3), "the 2nd in Tokyo was cut in two");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM rollups WHERE day < {}",
            d(3)
        ))
        .await,
        0
    );
    let rows_after = app.count("SELECT COUNT(*) FROM rollups").await;
    assert!(
        rows_after > 0 && rows_after < rows_before,
        "{rows_before} → {rows_after}"
    );
    {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let orphans = trackr_entity::rollup::Entity::find()
            .filter(trackr_entity::rollup::Column::SiteId.eq(gone))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(orphans, 0, "the orphan rollup is swept");
    }
    for (from, to) in [("2026-03-01", "2026-03-03"), ("2026-03-03", "2026-03-03")] {
        assert_rollups_agree(&app, t, s, from, to, "purged").await;
    }
}

/// Issue 16's realtime view: the last 30 minutes per minute, and the top
/// pages, sources and countries over them, from a model; the count of
/// current visitors rises when an event arrives.
async fn realtime_counts_the_last_thirty_minutes(b: Backend) {
    let db = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/geoip-test.mmdb");
    let app = TestApp::spawn_with(b, &[("geoip_db", db)]).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 20).unwrap();
    // (minutes before now, IP, page, referrer): 203.0.113.x is Germany,
    // 198.51.100.1 France in the test file.
    let sent = [
        (70, "203.0.113.5", "/old", None),
        (31, "203.0.113.6", "/old", None),
        (29, "203.0.113.5", "/", Some("https://www.google.com/")),
        (12, "198.51.100.1", "/pricing", Some("https://t.co/x")),
        (12, "203.0.113.6", "/pricing", None),
        (4, "203.0.113.5", "/docs", None),
        (0, "198.51.100.1", "/", None),
    ];
    for (ago, ip, page, referrer) in sent {
        app.set_time(now - Duration::minutes(ago));
        let mut body =
            json!({"n": "pageview", "u": format!("https://example.com{page}"), "d": "example.com"});
        if let Some(r) = referrer {
            body["r"] = json!(r);
        }
        assert_eq!(app.event(&body, ip).await, 202);
    }
    app.set_time(now);
    let q = "query($id: ID!) { site(id: $id) { realtime { visitors perMinute { at visitors pageviews } \
             pages { value visitors pageviews } sources { value visitors } countries { value visitors } } } }";
    let r = app.gql_ok(Some(&owner.token), q, json!({"id": site})).await;
    let rt = &r["site"]["realtime"];
    let minutes = rt["perMinute"].as_array().unwrap();
    assert_eq!(minutes.len(), 30);
    assert_eq!(
        minutes[29]["at"], "2026-03-10T12:00:00+00:00",
        "the minute going on is last"
    );
    assert_eq!(minutes[0]["at"], "2026-03-10T11:31:00+00:00");
    // The model: each event in its minute, 30 minutes back from now's.
    let mut want = vec![(HashSet::new(), 0); 30];
    for (ago, ip, _, _) in sent {
        let at = now - Duration::minutes(ago);
        let minute = (at.timestamp() / 60 - now.timestamp() / 60 + 29) as usize;
        if let Some(slot) = want.get_mut(minute) {
            slot.0.insert(ip);
            slot.1 += 1;
        }
    }
    let got: Vec<(i64, i64)> = minutes
        .iter()
        .map(|m| {
            (
                m["visitors"].as_i64().unwrap(),
                m["pageviews"].as_i64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(i64, i64)> = want.iter().map(|(v, n)| (v.len() as i64, *n)).collect();
    assert_eq!(got, want);
    assert_eq!(
        want.iter().map(|m| m.1).sum::<i64>(),
        5,
        "five events in the 30 minutes"
    );
    assert_eq!(
        rt["pages"],
        json!([
            {"value": "/pricing", "visitors": 2, "pageviews": 2},
            {"value": "/", "visitors": 2, "pageviews": 2},
            {"value": "/docs", "visitors": 1, "pageviews": 1},
        ])
        .as_array()
        .map(|rows| {
            let mut rows = rows.clone();
            rows.sort_by(|a, b| {
                (
                    b["visitors"].as_i64(),
                    b["pageviews"].as_i64(),
                    a["value"].as_str(),
                )
                    .cmp(&(
                        a["visitors"].as_i64(),
                        a["pageviews"].as_i64(),
                        b["value"].as_str(),
                    ))
            });
            json!(rows)
        })
        .unwrap()
    );
    assert_eq!(
        rt["countries"],
        json!([{"value": "DE", "visitors": 2}, {"value": "FR", "visitors": 1}])
    );
    // A visit's page views count for its source: 203.0.113.5's visit came
    // from Google (its page view 4 minutes ago too), 198.51.100.1's from
    // Twitter; 203.0.113.6's began 31 minutes ago, direct.
    assert_eq!(
        rt["sources"],
        json!([
            {"value": "Google", "visitors": 1},
            {"value": "Twitter", "visitors": 1},
            {"value": "Direct / None", "visitors": 1},
        ])
    );
    assert_eq!(rt["visitors"], 2, "two visitors in the last 5 minutes");
    // One more visitor arrives: the count rises.
    assert_eq!(
        app.event(
            &json!({"n": "pageview", "u": "https://example.com/", "d": "example.com"}),
            "192.0.2.7"
        )
        .await,
        202
    );
    let r = app.gql_ok(Some(&owner.token), q, json!({"id": site})).await;
    assert_eq!(r["site"]["realtime"]["visitors"], 3);
    assert_eq!(r["site"]["realtime"]["perMinute"][29]["visitors"], 2);
}

both_backends!(
    reports_match_independently_computed_counts,
    promise_3_and_4_rollups_follow_deletions_purges_and_time_zone_changes,
    stats_for_a_list_of_sites_are_per_site,
    realtime_counts_the_last_thirty_minutes
);
