//! Reports (promise 2): exact numbers on a generated event set whose true
//! counts this test computes on its own, in a non-UTC time zone, with visits
//! that cross local midnight, bounces and combined filters.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{both_backends, Backend, TestApp, CHROME, FIREFOX, IPHONE};

const PAGES: [&str; 5] = ["/", "/pricing", "/blog/a", "/blog/b", "/signup"];
const REFERRERS: [Option<(&str, &str)>; 4] = [
    None,
    Some(("https://www.google.com/search?q=x", "Google")),
    Some(("https://t.co/abc", "Twitter")),
    Some(("https://news.example.org/post", "news.example.org")),
];

/// Who a visitor is to the product: the same IP and browser on one UTC day.
type Identity = (String, &'static str, NaiveDate);
/// Breakdown rows: visitors and pageviews per value.
type Rows = BTreeMap<String, (HashSet<Identity>, i64)>;
type Keep = Box<dyn Fn(&Ev) -> bool>;

/// A deterministic generator (an LCG), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[derive(Clone, Debug)]
struct Ev {
    ip: String,
    ua: &'static str,
    browser: &'static str,
    ts: DateTime<Utc>,
    name: &'static str,
    path: &'static str,
    referrer: Option<&'static str>,
    /// Filled in by the model: the visit's source.
    source: &'static str,
    visit: usize,
}

struct Visit {
    start: i64,
    end: i64,
    entry: &'static str,
    pageviews: i64,
    events: i64,
    identity: Identity,
}

fn generate() -> Vec<Ev> {
    let mut rng = Rng(42);
    let uas = [(CHROME, "Chrome"), (FIREFOX, "Firefox"), (IPHONE, "Safari")];
    let mut out = Vec::new();
    for v in 1..=30 {
        let ip = format!("198.51.100.{v}");
        let (ua, browser) = uas[v % 3];
        for day in 14..=16 {
            if rng.next(3) == 0 {
                continue;
            }
            // Visits start between 01:00 and 20:00 UTC, so none crosses UTC
            // midnight (the salt's day); 05:00 UTC is New York's midnight.
            let mut t = Utc.with_ymd_and_hms(2026, 1, day, 1, 0, 0).unwrap()
                + Duration::minutes(rng.next(19 * 60) as i64);
            for _visit in 0..(1 + rng.next(2)) {
                let referrer = REFERRERS[rng.next(4) as usize];
                let n = 1 + rng.next(5);
                for i in 0..n {
                    let custom = rng.next(10) == 0;
                    out.push(Ev {
                        ip: ip.clone(),
                        ua,
                        browser,
                        ts: t,
                        name: if custom { "Signup" } else { "pageview" },
                        path: PAGES[rng.next(5) as usize],
                        referrer: if i == 0 { referrer.map(|r| r.0) } else { None },
                        source: "",
                        visit: 0,
                    });
                    t += Duration::minutes(1 + rng.next(20) as i64);
                }
                t += Duration::minutes(45);
            }
        }
    }
    // One visit crosses New York's midnight (05:00 UTC): 04:50, 05:05, 05:20.
    for (i, path) in ["/", "/pricing", "/signup"].into_iter().enumerate() {
        out.push(Ev {
            ip: "198.51.100.99".into(),
            ua: CHROME,
            browser: "Chrome",
            ts: Utc.with_ymd_and_hms(2026, 1, 15, 4, 50, 0).unwrap()
                + Duration::minutes(15 * i as i64),
            name: "pageview",
            path,
            referrer: None,
            source: "",
            visit: 0,
        });
    }
    out.sort_by_key(|e| e.ts);
    out
}

/// Visits as the product defines them: a visitor's events less than 30
/// minutes apart; the source is the first event's referrer.
fn sessionize(events: &mut [Ev]) -> Vec<Visit> {
    let mut visits: Vec<Visit> = Vec::new();
    let mut open: HashMap<(String, &'static str), usize> = HashMap::new();
    for e in events.iter_mut() {
        let key = (e.ip.clone(), e.ua);
        let ts = e.ts.timestamp_millis();
        let idx = match open.get(&key) {
            Some(&i) if ts - visits[i].end <= 30 * 60 * 1000 => i,
            _ => {
                let source = REFERRERS
                    .iter()
                    .flatten()
                    .find(|(url, _)| Some(*url) == e.referrer)
                    .map(|(_, s)| *s)
                    .unwrap_or("Direct / None");
                visits.push(Visit {
                    start: ts,
                    end: ts,
                    entry: e.path,
                    pageviews: 0,
                    events: 0,
                    identity: (e.ip.clone(), e.ua, e.ts.date_naive()),
                });
                open.insert(key.clone(), visits.len() - 1);
                e.source = source;
                visits.len() - 1
            }
        };
        let v = &mut visits[idx];
        v.end = ts;
        v.events += 1;
        v.pageviews += i64::from(e.name == "pageview");
        e.visit = idx;
    }
    // Events after the first take their visit's source.
    let first_source: HashMap<usize, &'static str> = events
        .iter()
        .filter(|e| !e.source.is_empty())
        .map(|e| (e.visit, e.source))
        .collect();
    for e in events.iter_mut() {
        e.source = first_source[&e.visit];
    }
    visits
}

fn ny_window(from: &str, to: &str) -> (i64, i64) {
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let start = tz
        .from_local_datetime(&d(from).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let end = tz
        .from_local_datetime(&(d(to) + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    (start.timestamp_millis(), end.timestamp_millis())
}

fn expected_stats(
    events: &[Ev],
    visits: &[Visit],
    from: &str,
    to: &str,
    keep: &dyn Fn(&Ev) -> bool,
) -> Value {
    let (a, b) = ny_window(from, to);
    let inside: Vec<&Ev> = events
        .iter()
        .filter(|e| (a..b).contains(&e.ts.timestamp_millis()) && keep(e))
        .collect();
    let visitors: HashSet<_> = inside
        .iter()
        .map(|e| (e.ip.clone(), e.ua, e.ts.date_naive()))
        .collect();
    // A visit started in the range counts whole when any of its events
    // matches, even one after the range's end.
    let matching_visits: HashSet<usize> = events
        .iter()
        .filter(|e| e.ts.timestamp_millis() >= a && keep(e))
        .map(|e| e.visit)
        .collect();
    let vs: Vec<&Visit> = visits
        .iter()
        .enumerate()
        .filter(|(i, v)| (a..b).contains(&v.start) && matching_visits.contains(i))
        .map(|(_, v)| v)
        .collect();
    let n = vs.len() as f64;
    let ratio = |x: f64| if n == 0.0 { 0.0 } else { x / n };
    json!({
        "visitors": visitors.len(),
        "pageviews": inside.iter().filter(|e| e.name == "pageview").count(),
        "events": inside.len(),
        "visits": vs.len(),
        "bounceRate": (ratio(vs.iter().filter(|v| v.events == 1).count() as f64) * 1000.0).round() / 10.0,
        "visitDurationSeconds": (ratio(vs.iter().map(|v| (v.end - v.start) as f64).sum::<f64>()) / 10.0).round() / 100.0,
        "viewsPerVisit": (ratio(vs.iter().map(|v| v.pageviews as f64).sum::<f64>()) * 100.0).round() / 100.0,
    })
}

const STATS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit previous { visitors pageviews events visits } } } }";

async fn reports_match_independently_computed_counts(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app
        .gql_ok(Some(&owner.token), "mutation($o: ID!) { createSite(organizationId: $o, domain: \"example.com\", timezone: \"America/New_York\") { id } }", json!({"o": org}))
        .await["createSite"]["id"].as_str().unwrap().to_owned();
    let mut events = generate();
    let visits = sessionize(&mut events);
    assert!(
        events.len() > 150 && visits.iter().any(|v| v.events == 1),
        "a rich enough set"
    );
    for e in &events {
        app.set_time(e.ts);
        let mut body =
            json!({"n": e.name, "u": format!("https://example.com{}", e.path), "d": "example.com"});
        if let Some(r) = e.referrer {
            body["r"] = json!(r);
        }
        let status = app.event_as(&body, &e.ip, e.ua, &[]).await.status();
        assert_eq!(status, 202);
    }
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

    let filter_cases: Vec<(Value, Keep)> = vec![
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
    let q = "query($id: ID!, $r: DateRange!) { site(id: $id) { timeseries(range: $r, interval: DAY) { at visitors pageviews } } }";
    let r = app
        .gql_ok(
            Some(token),
            q,
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
        let want = expected_stats(events, visits, day, day, all);
        assert_eq!(
            (&points[i]["visitors"], &points[i]["pageviews"]),
            (&want["visitors"], &want["pageviews"]),
            "{label}: {day}"
        );
    }

    // Breakdowns, ordered by visitors, then pageviews, then value.
    let (a, b2) = ny_window("2026-01-14", "2026-01-16");
    let inside: Vec<&Ev> = events
        .iter()
        .filter(|e| (a..b2).contains(&e.ts.timestamp_millis()))
        .collect();
    let expect = |rows: Rows| -> Value {
        let mut v: Vec<(String, usize, i64)> = rows
            .into_iter()
            .map(|(k, (vis, pv))| (k, vis.len(), pv))
            .collect();
        v.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then(x.0.cmp(&y.0)));
        json!(v.into_iter().map(|(value, visitors, pageviews)| json!({"value": value, "visitors": visitors, "pageviews": pageviews})).collect::<Vec<_>>())
    };
    let by_event = |key: &dyn Fn(&Ev) -> Option<String>| {
        let mut rows: Rows = BTreeMap::new();
        for e in &inside {
            if let Some(k) = key(e) {
                let row = rows.entry(k).or_default();
                row.0.insert((e.ip.clone(), e.ua, e.ts.date_naive()));
                row.1 += i64::from(e.name == "pageview");
            }
        }
        expect(rows)
    };
    let mut entry_rows: Rows = BTreeMap::new();
    for v in visits.iter().filter(|v| (a..b2).contains(&v.start)) {
        let row = entry_rows.entry(v.entry.to_owned()).or_default();
        row.0.insert(v.identity.clone());
        row.1 += v.pageviews;
    }
    let cases = [
        (
            "PAGE",
            by_event(&|e| (e.name == "pageview").then(|| e.path.to_owned())),
        ),
        ("SOURCE", by_event(&|e| Some(e.source.to_owned()))),
        ("BROWSER", by_event(&|e| Some(e.browser.to_owned()))),
        ("EVENT_NAME", by_event(&|e| Some(e.name.to_owned()))),
        ("ENTRY_PAGE", expect(entry_rows)),
    ];
    let q = "query($id: ID!, $r: DateRange!, $d: Dimension!) { site(id: $id) { breakdown(range: $r, dimension: $d, limit: 100) { value visitors pageviews } } }";
    for (dimension, want) in cases {
        let r = app.gql_ok(Some(token), q, json!({"id": site, "r": {"from": "2026-01-14", "to": "2026-01-16"}, "d": dimension})).await;
        assert_eq!(r["site"]["breakdown"], want, "{label}: {dimension}");
    }
    let limited = app.gql_ok(Some(token), "query($id: ID!) { site(id: $id) { breakdown(range: {from: \"2026-01-14\", to: \"2026-01-16\"}, dimension: PAGE, limit: 2) { value } } }", json!({"id": site})).await;
    assert_eq!(limited["site"]["breakdown"].as_array().unwrap().len(), 2);

    check_filtered_reports(app, token, site, events, visits, label).await;
}

/// The values of an event a breakdown by `dimension` groups it under (pages
/// count page views only).
fn value_of(dimension: &str, e: &Ev) -> Option<String> {
    match dimension {
        "PAGE" => (e.name == "pageview").then(|| e.path.to_owned()),
        "SOURCE" => Some(e.source.to_owned()),
        "BROWSER" => Some(e.browser.to_owned()),
        "EVENT_NAME" => Some(e.name.to_owned()),
        _ => unreachable!("{dimension}"),
    }
}

fn expected_breakdown(
    events: &[Ev],
    (from, to): (&str, &str),
    keep: &dyn Fn(&Ev) -> bool,
    dimension: &str,
) -> Value {
    let (a, b) = ny_window(from, to);
    let mut rows: Rows = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| (a..b).contains(&e.ts.timestamp_millis()) && keep(e))
    {
        if let Some(k) = value_of(dimension, e) {
            let row = rows.entry(k).or_default();
            row.0.insert((e.ip.clone(), e.ua, e.ts.date_naive()));
            row.1 += i64::from(e.name == "pageview");
        }
    }
    let mut v: Vec<(String, usize, i64)> = rows
        .into_iter()
        .map(|(k, (vis, pv))| (k, vis.len(), pv))
        .collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then(x.0.cmp(&y.0)));
    json!(v
        .into_iter()
        .map(|(value, visitors, pageviews)| json!({"value": value, "visitors": visitors, "pageviews": pageviews}))
        .collect::<Vec<_>>())
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
    let cases: Vec<(Value, Keep)> = vec![
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
    ];
    let q = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { \
             stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit } \
             timeseries(range: $r, interval: DAY, filters: $f) { visitors pageviews } \
             page: breakdown(range: $r, dimension: PAGE, filters: $f, limit: 100) { value visitors pageviews } \
             source: breakdown(range: $r, dimension: SOURCE, filters: $f, limit: 100) { value visitors pageviews } \
             browser: breakdown(range: $r, dimension: BROWSER, filters: $f, limit: 100) { value visitors pageviews } \
             name: breakdown(range: $r, dimension: EVENT_NAME, filters: $f, limit: 100) { value visitors pageviews } } }";
    let days = ["2026-01-14", "2026-01-15", "2026-01-16"];
    for (filters, keep) in &cases {
        for range in [(days[0], days[2]), (days[1], days[1]), (days[1], days[2])] {
            let r = app
                .gql_ok(
                    Some(token),
                    q,
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
                assert_eq!(
                    (&point["visitors"], &point["pageviews"]),
                    (&want["visitors"], &want["pageviews"]),
                    "{at}: {day}"
                );
            }
            for (field, dimension) in [
                ("page", "PAGE"),
                ("source", "SOURCE"),
                ("browser", "BROWSER"),
                ("name", "EVENT_NAME"),
            ] {
                assert_eq!(
                    r["site"][field],
                    expected_breakdown(events, range, keep.as_ref(), dimension),
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
    let q = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { \
             stats(range: $r, filters: $f) { visitors pageviews events } \
             timeseries(range: $r, interval: DAY, filters: $f) { visitors pageviews } \
             breakdown(range: $r, dimension: PAGE, filters: $f) { value visitors pageviews } } }";
    let r = json!({"from": from, "to": to});
    let rolled = app
        .gql_ok(Some(token), q, json!({"id": site, "r": r}))
        .await;
    let everything = json!([{"dimension": "EVENT_NAME", "op": "IS_NOT", "value": "-"}]);
    let raw = app
        .gql_ok(Some(token), q, json!({"id": site, "r": r, "f": everything}))
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

both_backends!(
    reports_match_independently_computed_counts,
    promise_3_and_4_rollups_follow_deletions_purges_and_time_zone_changes,
    stats_for_a_list_of_sites_are_per_site
);
