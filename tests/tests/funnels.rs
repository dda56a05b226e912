//! Funnels (issue 17): visitors reaching each of 2 to 8 ordered steps
//! (page patterns, goals) within one visit, exact against the reports
//! test's model on both backends; bad input refused, nothing changed.

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{
    both_backends, error_code,
    model::{self, expected_funnel, GoalDef},
    Backend, TestApp,
};

const REPORT: &str = "query($id: ID!, $f: ID!, $r: DateRange!, $fl: [Filter!]) { site(id: $id) { funnel(id: $f, range: $r, filters: $fl) { funnel { name } steps { label visitors dropOff conversionRate } } } }";
const CREATE: &str = "mutation($i: CreateFunnelInput!) { createFunnel(input: $i) { id name steps { label pagePattern eventName } } }";

async fn funnels_count_visitors_step_by_step_exactly(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite {
        owner,
        site,
        events,
        ..
    } = model::model_site(&app).await;
    let signup = app
        .gql_ok(Some(&owner.token), "mutation($s: ID!) { createGoal(input: {siteId: $s, name: \"Signed up\", eventName: \"Signup\"}) { id } }", json!({"s": site}))
        .await["createGoal"]["id"].as_str().unwrap().to_owned();
    let step = |s: &str| {
        if s.starts_with('/') {
            json!({"pagePattern": s})
        } else {
            json!({"goalId": s})
        }
    };
    let funnels: Vec<(&str, Vec<&str>, Vec<GoalDef>)> = vec![
        (
            "Home to signup",
            vec!["/", "/pricing", &signup],
            vec![
                GoalDef::Page("/"),
                GoalDef::Page("/pricing"),
                GoalDef::Event("Signup"),
            ],
        ),
        (
            "Blog",
            vec!["/blog/*", "/signup"],
            vec![GoalDef::Page("/blog/*"), GoalDef::Page("/signup")],
        ),
        (
            "Four steps",
            vec!["/**", "/pricing", "/signup", &signup],
            vec![
                GoalDef::Page("/**"),
                GoalDef::Page("/pricing"),
                GoalDef::Page("/signup"),
                GoalDef::Event("Signup"),
            ],
        ),
    ];
    let mut ids = Vec::new();
    for (name, steps, _) in &funnels {
        let input = json!({"siteId": site, "name": name, "steps": steps.iter().map(|s| step(s)).collect::<Vec<_>>()});
        let made = app
            .gql_ok(Some(&owner.token), CREATE, json!({"i": input}))
            .await;
        assert_eq!(made["createFunnel"]["name"], *name);
        ids.push(made["createFunnel"]["id"].as_str().unwrap().to_owned());
    }
    let made = app.gql_ok(Some(&owner.token), "query($id: ID!) { site(id: $id) { funnels { name steps { label pagePattern eventName } } } }", json!({"id": site})).await;
    assert_eq!(
        made["site"]["funnels"][0]["steps"],
        json!([
            {"label": "Visit /", "pagePattern": "/", "eventName": null},
            {"label": "Visit /pricing", "pagePattern": "/pricing", "eventName": null},
            {"label": "Signed up", "pagePattern": null, "eventName": "Signup"},
        ])
    );
    let (mut completed, mut dropped) = (0, 0);
    // From the raw events; with the days before Jan 16 rolled up and its
    // afternoon read raw; with every day rolled up (the funnels' rows, and
    // the visitors whose visits cross midnight walked raw).
    for stage in model::STAGES {
        model::reach(&app, stage).await;
        if stage == "rolled" {
            // Visits crossing midnight with steps on both sides are named for
            // a raw walk.
            let split = app
                .count(&format!(
                    "SELECT COUNT(*) FROM rollups WHERE dim = {}",
                    trackr_analytics::rollup::FUNNEL_SPLIT
                ))
                .await;
            assert!(split >= 1, "a visit crossing midnight: {split}");
        }
        if stage != "raw" {
            let key = "page:/\u{1f}page:/pricing\u{1f}event:Signup";
            assert!(
                model::rollup_rows(&app, trackr_analytics::rollup::FUNNEL_MARK, key).await >= 2
            );
        }
        for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
            for (filters, keep) in model::unfiltered_and_by_source() {
                for ((name, _, defs), id) in funnels.iter().zip(&ids) {
                    let got = app
                    .gql_ok(Some(&owner.token), REPORT, json!({"id": site, "f": id, "r": {"from": range.0, "to": range.1}, "fl": filters}))
                    .await;
                    let reached = expected_funnel(&events, range, defs, keep.as_ref());
                    let first = reached[0];
                    let want: Vec<Value> = reached
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let before = if i == 0 { *v } else { reached[i - 1] };
                            let rate = if first == 0 {
                                0.0
                            } else {
                                (*v as f64 / first as f64 * 1000.0).round() / 10.0
                            };
                            json!({"visitors": v, "dropOff": before - v, "conversionRate": rate})
                        })
                        .collect();
                    let shown: Vec<Value> = got["site"]["funnel"]["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| json!({"visitors": s["visitors"], "dropOff": s["dropOff"], "conversionRate": s["conversionRate"]}))
                    .collect();
                    assert_eq!(shown, want, "{stage}: {name} {range:?} {filters}");
                    assert!(reached.windows(2).all(|w| w[0] >= w[1]));
                    completed += usize::from(reached.last().copied().unwrap_or(0) > 0);
                    dropped += usize::from(reached.windows(2).any(|w| w[0] > w[1]));
                }
            }
        }
    }
    assert!(
        completed >= 1 && dropped >= 1,
        "funnels someone went all the way through ({completed}), and steps some left at ({dropped})"
    );
    // Deleting a goal leaves the funnels that used it as they were.
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { deleteGoal(id: $id) }",
        json!({"id": signup}),
    )
    .await;
    let got = app
        .gql_ok(
            Some(&owner.token),
            REPORT,
            json!({"id": site, "f": ids[0], "r": {"from": "2026-01-14", "to": "2026-01-16"}}),
        )
        .await;
    let reached = expected_funnel(
        &events,
        ("2026-01-14", "2026-01-16"),
        &funnels[0].2,
        &|_| true,
    );
    assert_eq!(got["site"]["funnel"]["steps"][2]["label"], "Signed up");
    assert_eq!(got["site"]["funnel"]["steps"][2]["visitors"], reached[2]);

    // A funnel made after the days were rolled up: raw until the next run
    // rolls those days up for it, then from its rows.
    let late = vec![GoalDef::Page("/pricing"), GoalDef::Page("/signup")];
    let input = json!({"siteId": site, "name": "Late", "steps": [{"pagePattern": "/pricing"}, {"pagePattern": "/signup"}]});
    let made = app
        .gql_ok(Some(&owner.token), CREATE, json!({"i": input}))
        .await;
    let id = made["createFunnel"]["id"].as_str().unwrap().to_owned();
    let key = "page:/pricing\u{1f}page:/signup";
    for stage in ["before the backfill", "backfilled"] {
        if stage == "backfilled" {
            assert_eq!(
                model::rollup_rows(&app, trackr_analytics::rollup::FUNNEL_MARK, key).await,
                0
            );
            model::roll_up(&app, model::all_rolled()).await;
            assert!(
                model::rollup_rows(&app, trackr_analytics::rollup::FUNNEL_MARK, key).await >= 3
            );
        }
        for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
            let got = app
                .gql_ok(
                    Some(&owner.token),
                    REPORT,
                    json!({"id": site, "f": id, "r": {"from": range.0, "to": range.1}}),
                )
                .await;
            let shown: Vec<usize> = got["site"]["funnel"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["visitors"].as_u64().unwrap() as usize)
                .collect();
            assert_eq!(
                shown,
                expected_funnel(&events, range, &late, &|_| true),
                "{stage} {range:?}"
            );
        }
    }
    // The report does read the rows: a changed one shows.
    let jan15 =
        trackr_analytics::time::day_number(chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    let changed = app
        .db
        .execute_unprepared(&format!(
            "UPDATE rollups SET visitors = visitors + 1000 WHERE dim = {} AND value = '{key}' AND value2 = '1' AND gap = 0 AND day = {jan15}",
            trackr_analytics::rollup::FUNNEL
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let got = app
        .gql_ok(
            Some(&owner.token),
            REPORT,
            json!({"id": site, "f": id, "r": {"from": "2026-01-15", "to": "2026-01-15"}}),
        )
        .await;
    assert_eq!(
        got["site"]["funnel"]["steps"][0]["visitors"]
            .as_u64()
            .unwrap() as usize,
        expected_funnel(&events, ("2026-01-15", "2026-01-15"), &late, &|_| true)[0] + 1000
    );
}

async fn malformed_funnels_are_refused_and_change_nothing(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.max_seats", "unlimited"),
            ("plans.free.max_sites", "unlimited"),
        ],
    )
    .await;
    let owner = app.sign_up("owner").await;
    let viewer = app.sign_up("viewer").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "example.com").await;
    let other = app.create_site(&owner, &org, "other.example").await;
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    let other_goal = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!) { createGoal(input: {siteId: $s, eventName: \"Buy\"}) { id } }",
            json!({"s": other}),
        )
        .await["createGoal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = |p: &str| json!({"pagePattern": p});
    let first = app
        .gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "F", "steps": [page("/a"), page("/b")]}}),
        )
        .await["createFunnel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.count("SELECT COUNT(*) FROM funnels").await;
    let nine: Vec<Value> = (0..9).map(|i| page(&format!("/s{i}"))).collect();
    for (input, code) in [
        (
            json!({"name": "One", "steps": [page("/a")]}),
            "BAD_USER_INPUT",
        ),
        (json!({"name": "Nine", "steps": nine}), "BAD_USER_INPUT"),
        (
            json!({"name": "Both", "steps": [page("/a"), {"pagePattern": "/b", "goalId": other_goal}]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "Neither", "steps": [page("/a"), {}]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "Malformed", "steps": [page("/a"), page("b")]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "Other site's goal", "steps": [page("/a"), {"goalId": other_goal}]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": " ", "steps": [page("/a"), page("/b")]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"name": "F", "steps": [page("/a"), page("/c")]}),
            "CONFLICT",
        ),
    ] {
        let mut input = input.clone();
        input["siteId"] = json!(site);
        let resp = app
            .gql(Some(&owner.token), CREATE, json!({"i": input}))
            .await;
        assert_eq!(error_code(&resp).as_deref(), Some(code), "{input} → {resp}");
    }
    let resp = app
        .gql(
            Some(&viewer.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "V", "steps": [page("/a"), page("/b")]}}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    let resp = app
        .gql(
            Some(&viewer.token),
            "mutation($id: ID!) { deleteFunnel(id: $id) }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    // A funnel is read through its own site only.
    let r = json!({"from": "2026-01-01", "to": "2026-01-02"});
    for (s, f) in [
        (other.as_str(), first.as_str()),
        (site.as_str(), "not-an-id"),
        (site.as_str(), other_goal.as_str()),
    ] {
        let resp = app
            .gql(
                Some(&viewer.token),
                REPORT,
                json!({"id": s, "f": f, "r": r}),
            )
            .await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("NOT_FOUND"),
            "{s} {f} → {resp}"
        );
    }
    let got = app
        .gql_ok(
            Some(&viewer.token),
            REPORT,
            json!({"id": site, "f": first, "r": r}),
        )
        .await;
    assert_eq!(got["site"]["funnel"]["steps"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM funnels").await,
        before,
        "nothing added"
    );
    assert_eq!(
        app.gql_ok(
            Some(&owner.token),
            "mutation($id: ID!) { deleteFunnel(id: $id) }",
            json!({"id": first})
        )
        .await["deleteFunnel"],
        true
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM funnels").await, before - 1);
}

both_backends!(
    funnels_count_visitors_step_by_step_exactly,
    malformed_funnels_are_refused_and_change_nothing,
);
