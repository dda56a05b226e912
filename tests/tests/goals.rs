//! Goals (issue 17): conversions, conversion rates and revenue on the
//! reports test's generated event set, against the model's own counts;
//! the GOAL filter on every report, before and after the rollups; and bad
//! input refused with nothing changed.

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_tests::{
    both_backends, error_code,
    model::{
        self, converted, expected_breakdown, expected_conversion, expected_stats, Ev, GoalDef, ROW,
    },
    Backend, TestApp,
};

/// `trackr_analytics::rollup::GOAL`: a goal's rollup rows.
const GOAL_ROWS: i32 = trackr_analytics::rollup::GOAL;
/// `trackr_analytics::rollup::GOAL_MARK`: a goal's rolled-up days.
const GOAL_MARKS: i32 = trackr_analytics::rollup::GOAL_MARK;

const CONVERSIONS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { goalConversions(range: $r, filters: $f) { goal { name } visitors conversions conversionRate revenue { currency total average events } } } }";
const STATS: &str = "query($id: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $id) { stats(range: $r, filters: $f) { visitors pageviews events visits bounceRate visitDurationSeconds viewsPerVisit } } }";

/// The goals of the test: name, definition, the mutation's input.
fn goals() -> Vec<(&'static str, GoalDef, Option<&'static str>, Value)> {
    vec![
        (
            "Blog",
            GoalDef::Page("/blog/*"),
            None,
            json!({"name": "Blog", "pagePattern": "/blog/*"}),
        ),
        // `*` stays within a segment: "/", "/pricing", "/signup", not "/blog/a".
        (
            "Top level",
            GoalDef::Page("/*"),
            None,
            json!({"name": "Top level", "pagePattern": "/*"}),
        ),
        (
            "Anything",
            GoalDef::Page("/**"),
            None,
            json!({"name": "Anything", "pagePattern": "/**"}),
        ),
        (
            "Pricing",
            GoalDef::Page("/pricing"),
            None,
            json!({"name": "Pricing", "pagePattern": "/pricing"}),
        ),
        (
            "Signup",
            GoalDef::Event("Signup"),
            Some("USD"),
            json!({"name": "Signup", "eventName": "Signup", "currency": "usd"}),
        ),
    ]
}

async fn check(
    app: &TestApp,
    token: &str,
    site: &str,
    ids: &[String],
    events: &[Ev],
    visits: &[model::Visit],
    stage: &str,
) {
    for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
        let r = json!({"from": range.0, "to": range.1});
        // Conversions, with and without another filter.
        for (filters, keep) in model::unfiltered_and_by_source() {
            let keep = keep.as_ref();
            let got = app
                .gql_ok(
                    Some(token),
                    CONVERSIONS,
                    json!({"id": site, "r": r, "f": filters}),
                )
                .await;
            let want: Vec<Value> = goals()
                .into_iter()
                .map(|(name, def, own, _)| {
                    let mut row = expected_conversion(events, range, def, own, keep);
                    row["goal"] = json!({"name": name});
                    row
                })
                .collect();
            assert_eq!(
                got["site"]["goalConversions"],
                json!(want),
                "{stage} {range:?} {filters}"
            );
        }
        // The GOAL filter: the visitors who converted in the range, on
        // stats and a breakdown; and those who did not.
        for ((_, def, _, _), id) in goals().into_iter().zip(ids) {
            let who = converted(events, range, def, &|_| true);
            for (op, keep) in [
                (
                    "IS",
                    Box::new(|e: &Ev| who.contains(&model::identity(e)))
                        as Box<dyn Fn(&Ev) -> bool>,
                ),
                (
                    "IS_NOT",
                    Box::new(|e: &Ev| !who.contains(&model::identity(e))),
                ),
            ] {
                let f = json!([{"dimension": "GOAL", "op": op, "value": id}]);
                let got = app
                    .gql_ok(Some(token), STATS, json!({"id": site, "r": r, "f": f}))
                    .await;
                assert_eq!(
                    got["site"]["stats"],
                    expected_stats(events, visits, range.0, range.1, &*keep),
                    "{stage} {range:?} GOAL {op} {def:?}"
                );
                let q = format!("query($id: ID!, $r: DateRange!, $f: [Filter!]) {{ site(id: $id) {{ breakdown(range: $r, dimension: SOURCE, filters: $f, limit: 100) {{ {ROW} }} }} }}");
                let got = app
                    .gql_ok(Some(token), &q, json!({"id": site, "r": r, "f": f}))
                    .await;
                assert_eq!(
                    got["site"]["breakdown"],
                    expected_breakdown(events, visits, range, &*keep, "SOURCE"),
                    "{stage} {range:?} GOAL {op} {def:?}: sources"
                );
            }
        }
    }
}

async fn goals_count_conversions_and_revenue_exactly(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite {
        owner,
        site,
        events,
        visits,
        ..
    } = model::model_site(&app).await;
    let mut ids = Vec::new();
    for (name, _, _, input) in goals() {
        let mut input = input.clone();
        input["siteId"] = json!(site);
        let g = app
            .gql_ok(Some(&owner.token), "mutation($i: CreateGoalInput!) { createGoal(input: $i) { id name pagePattern eventName currency } }", json!({"i": input}))
            .await;
        assert_eq!(g["createGoal"]["name"], name);
        ids.push(g["createGoal"]["id"].as_str().unwrap().to_owned());
    }
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { site(id: $id) { goals { name currency } } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(
        listed["site"]["goals"][4],
        json!({"name": "Signup", "currency": "USD"})
    );
    assert_eq!(listed["site"]["goals"].as_array().unwrap().len(), 5);

    assert!(
        events
            .iter()
            .any(|e| model::revenue_of(e).is_some_and(|r| r.1 == "EUR")),
        "revenue in two currencies"
    );
    check(&app, &owner.token, &site, &ids, &events, &visits, "raw").await;
    // Rolled up (conversions from the goals' rollup rows; the GOAL filter
    // still reads the raw events), with Jan 16's afternoon read raw, then
    // every day rolled up: all agree.
    let partly = model::roll_up(&app, model::partly_rolled()).await;
    assert!(partly.days >= 2);
    assert!(model::rollup_rows(&app, GOAL_ROWS, "event:Signup").await > 0);
    check(
        &app,
        &owner.token,
        &site,
        &ids,
        &events,
        &visits,
        "rolled, Jan 16 in part",
    )
    .await;
    let rolled = model::roll_up(&app, model::all_rolled()).await;
    assert!(rolled.days >= 3);
    check(&app, &owner.token, &site, &ids, &events, &visits, "rolled").await;
    // The conversions do come from the rollups: a changed row shows.
    let jan15 =
        trackr_analytics::time::day_number(chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
    let changed = app
        .db
        .execute_unprepared(&format!(
            "UPDATE rollups SET events = events + 1000 WHERE dim = {GOAL_ROWS} AND value = 'event:Signup' AND gap = 0 AND day = {jan15}"
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let r = json!({"from": "2026-01-15", "to": "2026-01-15"});
    let got = app
        .gql_ok(Some(&owner.token), CONVERSIONS, json!({"id": site, "r": r}))
        .await;
    let want = expected_conversion(
        &events,
        ("2026-01-15", "2026-01-15"),
        GoalDef::Event("Signup"),
        Some("USD"),
        &|_| true,
    );
    assert_eq!(
        got["site"]["goalConversions"][4]["conversions"]
            .as_i64()
            .unwrap(),
        want["conversions"].as_i64().unwrap() + 1000
    );
    app.db
        .execute_unprepared(&format!(
            "UPDATE rollups SET events = events - 1000 WHERE dim = {GOAL_ROWS} AND value = 'event:Signup' AND gap = 0 AND day = {jan15}"
        ))
        .await
        .unwrap();

    // A deleted goal leaves the report and the filter.
    assert_eq!(
        app.gql_ok(
            Some(&owner.token),
            "mutation($id: ID!) { deleteGoal(id: $id) }",
            json!({"id": ids[0]})
        )
        .await["deleteGoal"],
        true
    );
    let got = app
        .gql_ok(
            Some(&owner.token),
            CONVERSIONS,
            json!({"id": site, "r": {"from": "2026-01-14", "to": "2026-01-16"}}),
        )
        .await;
    assert_eq!(got["site"]["goalConversions"].as_array().unwrap().len(), 4);
    let f = json!([{"dimension": "GOAL", "op": "IS", "value": ids[0]}]);
    let resp = app
        .gql(
            Some(&owner.token),
            STATS,
            json!({"id": site, "r": {"from": "2026-01-14", "to": "2026-01-16"}, "f": f}),
        )
        .await;
    assert_eq!(
        error_code(&resp).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resp}"
    );

    // A goal made after the days were rolled up: read raw until the next
    // run rolls those days up for it, then from its rows; exact both ways.
    let made = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!) { createGoal(input: {siteId: $s, name: \"Late\", pagePattern: \"/sign*\"}) { id } }",
            json!({"s": site}),
        )
        .await;
    assert!(made["createGoal"]["id"].is_string());
    let late = GoalDef::Page("/sign*");
    for stage in ["before the backfill", "backfilled"] {
        if stage == "backfilled" {
            assert_eq!(model::rollup_rows(&app, GOAL_MARKS, "page:/sign*").await, 0);
            model::roll_up(&app, model::all_rolled()).await;
            assert!(model::rollup_rows(&app, GOAL_MARKS, "page:/sign*").await >= 3);
        }
        for range in [("2026-01-14", "2026-01-16"), ("2026-01-15", "2026-01-15")] {
            let got = app
                .gql_ok(
                    Some(&owner.token),
                    CONVERSIONS,
                    json!({"id": site, "r": {"from": range.0, "to": range.1}}),
                )
                .await;
            let mut want = expected_conversion(&events, range, late, None, &|_| true);
            want["goal"] = json!({"name": "Late"});
            assert_eq!(got["site"]["goalConversions"][4], want, "{stage} {range:?}");
        }
    }
}

async fn malformed_goals_are_refused_and_change_nothing(b: Backend) {
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
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    let create = "mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }";
    let first = app
        .gql_ok(
            Some(&owner.token),
            create,
            json!({"i": {"siteId": site, "name": "Thanks", "pagePattern": "/thanks"}}),
        )
        .await["createGoal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.count("SELECT COUNT(*) FROM goals").await;
    for (input, code, field) in [
        (
            json!({"pagePattern": "thanks"}),
            "BAD_USER_INPUT",
            "pagePattern",
        ),
        (
            json!({"pagePattern": "/a b"}),
            "BAD_USER_INPUT",
            "pagePattern",
        ),
        (
            json!({"pagePattern": "/***"}),
            "BAD_USER_INPUT",
            "pagePattern",
        ),
        (
            json!({"pagePattern": format!("/{}", "a".repeat(300))}),
            "BAD_USER_INPUT",
            "pagePattern",
        ),
        (
            json!({"pagePattern": "/x", "eventName": "Signup"}),
            "BAD_USER_INPUT",
            "pagePattern",
        ),
        (json!({}), "BAD_USER_INPUT", "pagePattern"),
        (
            json!({"eventName": "pageview"}),
            "BAD_USER_INPUT",
            "eventName",
        ),
        (
            json!({"pagePattern": "/x", "currency": "USD"}),
            "BAD_USER_INPUT",
            "currency",
        ),
        (
            json!({"eventName": "Buy", "currency": "dollars"}),
            "BAD_USER_INPUT",
            "currency",
        ),
        (
            json!({"eventName": "Buy", "name": "n".repeat(121)}),
            "BAD_USER_INPUT",
            "name",
        ),
        (
            json!({"pagePattern": "/other", "name": "Thanks"}),
            "CONFLICT",
            "",
        ),
    ] {
        let mut input = input.clone();
        input["siteId"] = json!(site);
        let resp = app
            .gql(Some(&owner.token), create, json!({"i": input}))
            .await;
        assert_eq!(error_code(&resp).as_deref(), Some(code), "{input} → {resp}");
        if !field.is_empty() {
            assert_eq!(
                resp["errors"][0]["extensions"]["field"], field,
                "{input} → {resp}"
            );
        }
    }
    // A viewer reads goals but does not manage them.
    let resp = app
        .gql(
            Some(&viewer.token),
            create,
            json!({"i": {"siteId": site, "eventName": "Buy"}}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    let resp = app
        .gql(
            Some(&viewer.token),
            "mutation($id: ID!) { deleteGoal(id: $id) }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    let listed = app
        .gql_ok(
            Some(&viewer.token),
            "query($id: ID!) { site(id: $id) { goals { id } } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(listed["site"]["goals"], json!([{"id": first}]));
    // Goals are a filter, not a breakdown; a GOAL filter is IS or IS_NOT
    // one of the site's goals.
    let range = json!({"from": "2026-01-01", "to": "2026-01-02"});
    let resp = app
        .gql(Some(&owner.token), "query($id: ID!, $r: DateRange!) { site(id: $id) { breakdown(range: $r, dimension: GOAL) { value } } }", json!({"id": site, "r": range}))
        .await;
    assert_eq!(
        error_code(&resp).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resp}"
    );
    let other_site = app.create_site(&owner, &org, "other.example").await;
    let other_goal = app
        .gql_ok(
            Some(&owner.token),
            create,
            json!({"i": {"siteId": other_site, "eventName": "Buy"}}),
        )
        .await["createGoal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (op, value) in [
        ("CONTAINS", first.as_str()),
        ("IS", other_goal.as_str()),
        ("IS", "not-a-goal"),
    ] {
        let f = json!([{"dimension": "GOAL", "op": op, "value": value}]);
        let resp = app
            .gql(
                Some(&owner.token),
                STATS,
                json!({"id": site, "r": range, "f": f}),
            )
            .await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("BAD_USER_INPUT"),
            "{op} {value} → {resp}"
        );
    }
    let resp = app
        .gql(
            Some(&owner.token),
            "mutation { deleteGoal(id: \"not-an-id\") }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM goals").await,
        before + 1,
        "only the other site's goal was added"
    );
    // A site's goals go with it.
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { deleteSite(id: $id) }",
        json!({"id": other_site}),
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM goals").await, before);
}

both_backends!(
    goals_count_conversions_and_revenue_exactly,
    malformed_goals_are_refused_and_change_nothing,
);
