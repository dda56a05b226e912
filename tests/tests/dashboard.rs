//! The site dashboard end to end (issue 16), in Debian's Chromium against
//! the real server, on the embedded default and on PostgreSQL + Redis:
//!
//! - over the reports test's generated event set (`trackr_tests::model`),
//!   the top stats, the chart's points, the comparison and every panel's
//!   rows on screen equal the model's figures, before and after the rollup;
//!   clicking a page row filters every panel and puts the filter in the
//!   URL, and back removes it;
//! - the current visitors' count rises by itself when an event arrives;
//! - a session recorded by the recorder in one browser context plays in
//!   the dashboard's player in another, its masked inputs still masked;
//! - the heatmap's hottest cell is where the clicks landed;
//! - screenshots (desktop, phone, dark) and axe-core's serious and critical
//!   findings on the dashboard with its dialogs open, the realtime view,
//!   the recordings, the player and the heatmap.
//!
//! Needs `node`, `/usr/bin/chromium` and `tests/browser/node_modules` (the
//! test command installs them).

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};
use trackr_tests::{
    both_backends,
    model::{self, expected_breakdown, expected_stats, Ev},
    Backend, TestApp,
};

async fn step(name: &str, args: Value) -> Value {
    trackr_tests::browser_script("dashboard.mjs", &[name, &args.to_string()]).await
}

/// A browser's stored state holding the user's session cookie.
async fn browser_state(
    app: &TestApp,
    user: &trackr_tests::TestUser,
    dir: &std::path::Path,
) -> String {
    let cookie = app.browser_session(user).await;
    let (name, value) = cookie.split_once('=').expect("name=value");
    let state = json!({"cookies": [{
        "name": name, "value": value, "domain": "127.0.0.1", "path": "/",
        "expires": -1, "httpOnly": true, "secure": false, "sameSite": "Lax"
    }], "origins": []});
    let path = dir.join(format!("{}.json", user.id));
    std::fs::write(&path, state.to_string()).unwrap();
    path.display().to_string()
}

/// The organization's slug (the app's URLs name it).
async fn slug_of(app: &TestApp, owner: &trackr_tests::TestUser, org: &str) -> String {
    app.gql_ok(
        Some(&owner.token),
        "query($o: ID!) { organization(id: $o) { slug } }",
        json!({"o": org}),
    )
    .await["organization"]["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn shots_dir(b: Backend) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/dashboard-screenshots")
        .join(format!("{b:?}").to_lowercase())
}

/// The rows a panel shows, checked against the model's: the same values in
/// the same order (the panel shows the top ones), and every measure the
/// row carries (`data-<measure>`) equal to the model's.
fn assert_rows(shown: &Value, want: &Value, label: &str) {
    let shown = shown
        .as_array()
        .unwrap_or_else(|| panic!("{label}: {shown}"));
    let want = want.as_array().unwrap();
    assert!(
        !shown.is_empty(),
        "{label}: no rows shown; the model has {want:?}"
    );
    assert!(shown.len() <= want.len(), "{label}: {shown:?} vs {want:?}");
    assert!(
        shown.len() == want.len() || shown.len() >= 5,
        "{label}: the top rows, or all of them: {shown:?} vs {want:?}"
    );
    for (row, model) in shown.iter().zip(want) {
        assert_eq!(
            row["value"], model["value"],
            "{label}: {shown:?} vs {want:?}"
        );
        let measures: &Map<String, Value> = row.as_object().unwrap();
        assert!(measures.contains_key("visitors"), "{label}: {row}");
        for (k, v) in measures.iter().filter(|(k, _)| *k != "value") {
            let Some(m) = model.get(k) else { continue };
            assert_eq!(
                v.as_f64(),
                m.as_f64(),
                "{label}: {k} of {}: {row} vs {model}",
                model["value"]
            );
        }
    }
}

/// What a panel's open tab shows under `keep`, from the model.
fn panel_model(
    events: &[Ev],
    visits: &[model::Visit],
    range: (&str, &str),
    keep: &model::Keep,
) -> Value {
    let all = |d: &str| expected_breakdown(events, visits, range, keep.as_ref(), d);
    let names: Vec<Value> = all("EVENT_NAME")
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["value"] != "pageview")
        .cloned()
        .collect();
    json!({
        "pages": all("PAGE"),
        "sources": all("SOURCE"),
        "devices": all("BROWSER"),
        "events": names,
    })
}

async fn promise_2_the_dashboard_shows_the_models_numbers(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite {
        owner,
        org,
        site,
        events,
        visits,
    } = model::model_site(&app).await;
    let slug = slug_of(&app, &owner, &org).await;
    let dir = tempfile::tempdir().unwrap();
    let state = browser_state(&app, &owner, dir.path()).await;
    let base = app.url("").trim_end_matches('/').to_owned();
    let range = ("2026-01-15", "2026-01-16");
    let all: model::Keep = Box::new(|_| true);
    let pricing: model::Keep = Box::new(|e: &Ev| e.path == "/pricing");

    for rolled in [false, true] {
        if rolled {
            trackr_analytics::rollup::run(
                &app.db,
                Utc.with_ymd_and_hms(2026, 1, 20, 7, 0, 0).unwrap(),
            )
            .await
            .unwrap();
        }
        let label = if rolled { "rolled up" } else { "raw" };
        let path = format!(
            "/orgs/{slug}/sites/{site}?period=custom&from={}&to={}&compare=previous",
            range.0, range.1
        );
        let shown = step(
            "model",
            json!({"base": base, "state": state, "path": path, "filterPage": "/pricing"}),
        )
        .await;
        assert!(shown["requests"].as_u64().unwrap() <= 3, "{label}: {shown}");
        // Top stats and their comparison (the two days before).
        let want = expected_stats(&events, &visits, range.0, range.1, all.as_ref());
        let before = expected_stats(&events, &visits, "2026-01-13", "2026-01-14", all.as_ref());
        for metric in [
            "visitors",
            "visits",
            "pageviews",
            "viewsPerVisit",
            "bounceRate",
            "visitDurationSeconds",
        ] {
            assert_eq!(
                shown["stats"][metric]["value"].as_f64(),
                want[metric].as_f64(),
                "{label}: {metric}: {shown}"
            );
            assert_eq!(
                shown["stats"][metric]["previous"].as_f64(),
                before[metric].as_f64(),
                "{label}: {metric} before: {shown}"
            );
        }
        // The chart: a point a day, its comparison the day two before; then
        // the visits when that stat is clicked.
        for (chart, metric) in [("chart", "visitors"), ("visitsChart", "visits")] {
            let points = shown[chart].as_array().unwrap();
            assert_eq!(points.len(), 2, "{label}: {chart}: {shown}");
            for (point, (day, before)) in points
                .iter()
                .zip([("2026-01-15", "2026-01-13"), ("2026-01-16", "2026-01-14")])
            {
                let want = expected_stats(&events, &visits, day, day, all.as_ref());
                let was = expected_stats(&events, &visits, before, before, all.as_ref());
                assert_eq!(
                    point["value"].as_f64(),
                    want[metric].as_f64(),
                    "{label}: {chart} {day}"
                );
                assert_eq!(
                    point["previous"].as_f64(),
                    was[metric].as_f64(),
                    "{label}: {chart} {before}"
                );
            }
        }
        // Every panel, then with the page filter, then back.
        let unfiltered = panel_model(&events, &visits, range, &all);
        let filtered = panel_model(&events, &visits, range, &pricing);
        for (key, want) in [
            ("panels", &unfiltered),
            ("filtered", &filtered),
            ("back", &unfiltered),
        ] {
            for panel in ["pages", "sources", "devices", "events"] {
                assert_rows(
                    &shown[key][panel],
                    &want[panel],
                    &format!("{label}: {key}: {panel}"),
                );
            }
        }
        let url = shown["filteredUrl"].as_str().unwrap();
        assert!(
            url.contains("f=") && url.contains("pricing"),
            "{label}: {url}"
        );
        let filtered_visitors =
            expected_stats(&events, &visits, range.0, range.1, pricing.as_ref());
        assert_eq!(
            shown["filteredVisitors"].as_f64(),
            filtered_visitors["visitors"].as_f64(),
            "{label}: the filtered top stats"
        );
        let back = shown["backUrl"].as_str().unwrap();
        assert!(
            !back.contains("pricing"),
            "{label}: back removes the filter: {back}"
        );
    }
    // Goals (issue 17): added in the settings, read on the Goals tab, and
    // the dashboard filtered by one.
    let path = format!(
        "/orgs/{slug}/sites/{site}?period=custom&from={}&to={}&events=goals",
        range.0, range.1
    );
    let goals = step(
        "goals",
        json!({"base": base, "state": state, "path": path,
        "settings": format!("/orgs/{slug}/sites/{site}/settings"),
        "goals": [
            {"kind": "Page visit", "pattern": "/blog/*", "name": "Blog"},
            {"kind": "Revenue", "event": "Signup", "currency": "USD", "name": "Signups"},
        ]}),
    )
    .await;
    assert_eq!(goals["violations"], json!([]), "{goals}");
    let blog = model::GoalDef::Page("/blog/*");
    let signup = model::GoalDef::Event("Signup");
    let mut want = Vec::new();
    for (name, def, own) in [("Blog", blog, None), ("Signups", signup, Some("USD"))] {
        let c = model::expected_conversion(&events, range, def, own, all.as_ref());
        let revenue: Vec<String> = c["revenue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["currency"].as_str().unwrap(),
                    r["total"].as_str().unwrap()
                )
            })
            .collect();
        want.push((
            name,
            c["visitors"].as_i64().unwrap(),
            c["conversions"].as_i64().unwrap(),
            c["conversionRate"].as_f64().unwrap(),
            revenue.join(","),
        ));
    }
    // Most unique conversions first.
    want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<_> = goals["shown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["value"].as_str().unwrap().to_owned(),
                r["visitors"].as_i64().unwrap(),
                r["conversions"].as_i64().unwrap(),
                r["conversionRate"].as_f64().unwrap(),
                r["revenue"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let want: Vec<_> = want
        .into_iter()
        .map(|(n, v, c, r, m)| (n.to_owned(), v, c, r, m))
        .collect();
    assert_eq!(shown, want, "{goals}");
    assert!(
        want[1].4.contains("USD:") || want[0].4.contains("USD:"),
        "revenue shown: {want:?}"
    );
    assert_eq!(goals["chip"], "Goal is Blog", "{goals}");
    let who = model::converted(&events, range, blog, all.as_ref());
    let converted: model::Keep = Box::new(move |e: &Ev| who.contains(&model::identity(e)));
    let want = expected_stats(&events, &visits, range.0, range.1, converted.as_ref());
    for metric in ["visitors", "visits", "pageviews", "bounceRate"] {
        assert_eq!(
            goals["filtered"][metric]["value"].as_f64(),
            want[metric].as_f64(),
            "filtered by the goal: {metric}: {goals}"
        );
    }

    // Funnels and properties (issue 17): a funnel made in the funnels page,
    // read against the model; the Properties tab's values, and the
    // dashboard filtered by one.
    let insights = step(
        "insights",
        json!({"base": base, "state": state, "from": range.0, "to": range.1,
               "funnels": format!("/orgs/{slug}/sites/{site}/funnels"),
               "funnel": {"name": "Home to signup", "steps": ["/", "/pricing", "/signup"]},
               "path": format!("/orgs/{slug}/sites/{site}?period=custom&from={}&to={}&events=property", range.0, range.1),
               "property": "plan", "value": "pro"}),
    )
    .await;
    assert_eq!(insights["violations"], json!([]), "{insights}");
    let defs = [
        model::GoalDef::Page("/"),
        model::GoalDef::Page("/pricing"),
        model::GoalDef::Page("/signup"),
    ];
    let reached = model::expected_funnel(&events, range, &defs, all.as_ref());
    let shown: Vec<i64> = insights["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["visitors"].as_i64().unwrap())
        .collect();
    assert_eq!(
        shown,
        reached.iter().map(|v| *v as i64).collect::<Vec<_>>(),
        "{insights}"
    );
    let mut plans: std::collections::BTreeMap<String, std::collections::HashSet<model::Identity>> =
        Default::default();
    for e in model::inside(&events, range, all.as_ref()) {
        if let Some(v) = model::prop(e, "plan") {
            plans.entry(v).or_default().insert(model::identity(e));
        }
    }
    for row in insights["values"].as_array().unwrap() {
        let want = plans[row["value"].as_str().unwrap()].len();
        assert_eq!(row["visitors"].as_u64(), Some(want as u64), "{insights}");
    }
    assert_eq!(
        insights["values"].as_array().unwrap().len(),
        plans.len(),
        "{insights}"
    );
    assert_eq!(insights["chip"], "Property plan is pro", "{insights}");
    let pro: model::Keep = Box::new(|e: &Ev| model::prop(e, "plan").as_deref() == Some("pro"));
    let want = expected_stats(&events, &visits, range.0, range.1, pro.as_ref());
    assert_eq!(
        insights["filtered"]["visitors"]["value"].as_f64(),
        want["visitors"].as_f64(),
        "{insights}"
    );

    // Shared dashboards (issue 18): a link with a password, opened without
    // an account, shows the model's numbers and no way anywhere else; its
    // embed takes the theme and background asked for. Then a link made
    // through the site's settings.
    let shared = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!) { createShareLink(input: {siteId: $s, name: \"Team board\", password: \"open sesame 42\"}) { slug } }",
            json!({"s": site}),
        )
        .await["createShareLink"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let share = step(
        "share",
        json!({"base": base, "slug": shared, "password": "open sesame 42", "from": range.0, "to": range.1,
               "embed": {"theme": "dark", "background": "transparent"}}),
    )
    .await;
    assert_eq!(share["violations"], json!([]), "{share}");
    assert_eq!(share["embed"]["violations"], json!([]), "{share}");
    assert_eq!(share["title"], "Team board", "{share}");
    assert_eq!(
        share["links"],
        json!([]),
        "nowhere to go from a shared dashboard: {share}"
    );
    assert_eq!(
        share["cookieVisible"], "",
        "the unlock cookie is HttpOnly: {share}"
    );
    assert!(
        share["wrongAlert"]
            .as_str()
            .unwrap()
            .contains("Wrong password"),
        "{share}"
    );
    assert_eq!(share["embed"]["background"], "rgba(0, 0, 0, 0)", "{share}");
    let want = expected_stats(&events, &visits, range.0, range.1, all.as_ref());
    for metric in ["visitors", "visits", "pageviews", "bounceRate"] {
        assert_eq!(
            share["stats"][metric]["value"].as_f64(),
            want[metric].as_f64(),
            "shared: {metric}: {share}"
        );
    }
    let made = step(
        "share-links",
        json!({"base": base, "state": state, "path": format!("/orgs/{slug}/sites/{site}/settings"),
               "name": "Wall screen", "password": "", "origins": ["https://intranet.example"]}),
    )
    .await;
    assert_eq!(made["violations"], json!([]), "{made}");
    assert!(
        made["listed"]
            .as_array()
            .unwrap()
            .contains(&json!("Wall screen")),
        "{made}"
    );
    let made_slug = made["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!) { site(id: $s) { shareLinks { name slug allowedOrigins hasPassword } } }",
            json!({"s": site}),
        )
        .await;
    assert!(
        listed["site"]["shareLinks"].as_array().unwrap().contains(&json!({
            "name": "Wall screen", "slug": made_slug, "allowedOrigins": ["https://intranet.example"], "hasPassword": false
        })),
        "{listed}"
    );

    // Email reports and alerts (issue 18), set through the site's settings
    // and read back through the API.
    let notifications = step(
        "notifications",
        json!({"base": base, "state": state, "path": format!("/orgs/{slug}/sites/{site}/settings"),
               "email": "ops@example.com", "spikeThreshold": 250, "silenceHours": 5}),
    )
    .await;
    assert_eq!(notifications["violations"], json!([]), "{notifications}");
    assert!(
        notifications["note"]
            .as_str()
            .unwrap()
            .contains("ops@example.com"),
        "{notifications}"
    );
    assert!(
        notifications["recipients"].as_array().unwrap().contains(&json!({
            "email": "ops@example.com", "confirmed": false, "weekly": true, "monthly": false, "alerts": true
        })),
        "{notifications}"
    );
    assert_eq!(
        notifications["alerts"],
        json!([{"kind": "SPIKE", "threshold": 250, "everyHours": 6}, {"kind": "SILENCE", "threshold": 5, "everyHours": 12}]),
        "{notifications}"
    );
    let stored = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!) { site(id: $s) { emailRecipients { email weekly monthly alerts confirmed } trafficAlerts { kind threshold everyHours } } }",
            json!({"s": site}),
        )
        .await;
    assert_eq!(
        stored["site"]["emailRecipients"],
        json!([{"email": "ops@example.com", "weekly": true, "monthly": false, "alerts": true, "confirmed": false}])
    );
    assert_eq!(
        stored["site"]["trafficAlerts"],
        json!([{"kind": "SILENCE", "threshold": 5, "everyHours": 12}, {"kind": "SPIKE", "threshold": 250, "everyHours": 6}])
    );
    app.wait_for_email("ops@example.com", "confirm").await;

    let shots = step(
        "shots",
        json!({"base": base, "state": state, "shots": shots_dir(b).display().to_string(),
               "path": format!("/orgs/{slug}/sites/{site}?period=custom&from={}&to={}&compare=previous", range.0, range.1)}),
    )
    .await;
    assert_eq!(shots["violations"], json!([]), "{shots}");
}

/// Serves `tests/browser/pages/shop.html` (reached as example.test) with
/// the tracking script and the recorder of the server under test.
async fn shop(app: &TestApp) -> u16 {
    let script = app.url("/js/script.js");
    trackr_tests::serve_pages(move |_| {
        std::fs::read_to_string(trackr_tests::browser_dir().join("pages/shop.html"))
            .unwrap()
            .replace(
                "{{RECORDER_SRC}}",
                &script.replace("/script.js", "/recorder.js"),
            )
            .replace("{{SCRIPT_SRC}}", &script)
    })
    .await
}

async fn promise_2_and_8_realtime_a_masked_recording_and_the_heatmap_in_the_dashboard(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, org, site) = app.site_owner("example.test").await;
    app.set_plan(&org, "growth").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {recordingsEnabled: true}) { id } }",
        json!({"id": site}),
    )
    .await;
    let slug = slug_of(&app, &owner, &org).await;
    let dir = tempfile::tempdir().unwrap();
    let state = browser_state(&app, &owner, dir.path()).await;
    let base = app.url("").trim_end_matches('/').to_owned();
    let dashboard = format!("/orgs/{slug}/sites/{site}");

    // A visitor in one browser context: typed into the form (masked in
    // the recording), clicked "Buy now" three times and elsewhere once.
    let port = shop(&app).await;
    let visit = step(
        "visit",
        json!({"url": format!("http://example.test:{port}/shop.html"), "state": ""}),
    )
    .await;
    assert_eq!(visit["clicks"], 4, "{visit}");
    let today = Utc::now().date_naive();
    let around = json!({"from": today.pred_opt().unwrap().to_string(), "to": today.succ_opt().unwrap().to_string()});
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!, $r: DateRange!) { site(id: $s) { recordings(range: $r) { nodes { sessionId pages } } } }",
            json!({"s": site, "r": around}),
        )
        .await;
    let nodes = listed["site"]["recordings"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{listed}");
    let session = nodes[0]["sessionId"].as_str().unwrap().to_owned();

    // The current visitors' count: that visitor; another one arrives
    // while the page is open, and the count rises by itself.
    let ready = dir.path().join("realtime-ready");
    let watching = tokio::spawn(step(
        "realtime",
        json!({"base": base, "state": state, "path": dashboard, "ready": ready.display().to_string()}),
    ));
    for _ in 0..600 {
        if ready.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready.exists(), "the dashboard showed its first count");
    let body = json!({"n": "pageview", "u": "http://example.test/shop.html", "d": "example.test"});
    assert_eq!(app.event(&body, "203.0.113.77").await, 202);
    let realtime = watching.await.unwrap();
    assert_eq!(realtime["before"], 1, "{realtime}");
    assert_eq!(realtime["after"], 2, "{realtime}");
    // The realtime view: 30 minutes, the last few (a minute may have
    // turned meanwhile) holding both visitors and the earlier ones none.
    let minutes: Vec<i64> = realtime["minutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_i64().unwrap())
        .collect();
    assert_eq!(minutes.len(), 30, "{realtime}");
    assert_eq!(minutes[..27].iter().sum::<i64>(), 0, "{realtime}");
    assert!(
        (2..=4).contains(&minutes[27..].iter().sum::<i64>()),
        "{realtime}"
    );

    // The recording plays in another context, its inputs still masked.
    let player = step(
        "player",
        json!({"base": base, "state": state, "list": format!("{dashboard}/recordings"), "session": session}),
    )
    .await;
    assert_eq!(player["listed"], true, "{player}");
    assert_eq!(player["heading"], true, "the page's text replays: {player}");
    assert_eq!(
        player["secrets"],
        json!([]),
        "typed text never shows: {player}"
    );
    assert!(
        player["masked"].as_u64().unwrap() >= 1,
        "masked input shows: {player}"
    );

    // The heatmap's hottest cell is where "Buy now" was clicked.
    let mut heat = Value::Null;
    for _ in 0..40 {
        heat = app
            .gql_ok(
                Some(&owner.token),
                "query($s: ID!, $r: DateRange!) { site(id: $s) { heatmap(path: \"/shop.html\", range: $r, viewportClass: DESKTOP) { clicks } } }",
                json!({"s": site, "r": around}),
            )
            .await;
        if heat["site"]["heatmap"]["clicks"] == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(heat["site"]["heatmap"]["clicks"], 4, "{heat}");
    let heatmap = step(
        "heatmap",
        json!({"base": base, "state": state, "path": format!("{dashboard}/heatmaps?path=/shop.html&viewport=DESKTOP")}),
    )
    .await;
    let (columns, cell) = (
        heatmap["columns"].as_f64().unwrap(),
        heatmap["cellHeight"].as_f64().unwrap(),
    );
    let x = (visit["buy"]["x"].as_f64().unwrap() / visit["scrollWidth"].as_f64().unwrap()
        * 10_000.0)
        .round();
    let want = (
        (x * columns / 10_000.0).floor(),
        (visit["buy"]["y"].as_f64().unwrap() / cell).floor(),
    );
    assert_eq!(
        (
            heatmap["col"].as_f64().unwrap(),
            heatmap["row"].as_f64().unwrap()
        ),
        want,
        "{heatmap} vs {visit}"
    );
    assert_eq!(
        heatmap["snapshot"], true,
        "drawn over the replayed page: {heatmap}"
    );

    // Every new page: axe finds nothing serious; screenshots.
    let tour = step(
        "tour",
        json!({"base": base, "state": state, "shots": shots_dir(b).display().to_string(), "pages": [
            ["realtime", format!("{dashboard}?period=realtime")],
            ["recordings", format!("{dashboard}/recordings")],
            ["player", format!("{dashboard}/recordings/{session}")],
            ["heatmap", format!("{dashboard}/heatmaps?path=/shop.html&viewport=DESKTOP")],
        ]}),
    )
    .await;
    assert_eq!(tour["violations"], json!([]), "{tour}");
}

both_backends!(
    promise_2_the_dashboard_shows_the_models_numbers,
    promise_2_and_8_realtime_a_masked_recording_and_the_heatmap_in_the_dashboard
);
