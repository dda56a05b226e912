//! Hardening (issue 12): no request may crash, stall or out-spend the
//! server. Each test here failed before its fix: a nested document
//! overflowed the stack, a fragment fan-out burned seconds of CPU, odd
//! recording chunks panicked, a `me` query multiplied organizations into
//! millions of rows, Redis going away hung log-in, aliased password
//! mutations were an unthrottled oracle.

use std::time::Duration;

use serde_json::{json, Value};
use trackr_tests::{
    both_backends, error_code, stripe::FakeStripe, Backend, PrivateRedis, TestApp, TestUser, CHROME,
};

const LOG_IN: &str =
    "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }";
const ME: &str = "{ me { username } }";

/// Posts raw JSON to `/graphql`; the status and the body (JSON or not).
async fn post_graphql(app: &TestApp, body: String) -> (u16, String) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

/// The server still answers, and still runs queries.
async fn still_serving(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    app.gql_ok(None, "{ plans { id } }", json!({})).await;
}

async fn no_nesting_of_any_depth_takes_the_server_down(b: Backend) {
    // Bodies large enough that the nesting, not the size, is what is tried.
    let app = TestApp::spawn_with(b, &[("limits.graphql_body_bytes", "2000000")]).await;
    for depth in [1_000, 10_000, 100_000] {
        let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", "{a:".repeat(depth), "}".repeat(depth));
        let selection = format!("{}{}", "{a".repeat(depth), "}".repeat(depth));
        for query in [
            format!("{{ plans(x: {list}) {{ id }} }}"),
            format!("{{ plans(x: {object}) {{ id }} }}"),
            selection,
            // An unclosed block string, which the parser reads as `""`.
            format!(r#"{{ plans(x: [""""], y: {list}) {{ id }} }}"#),
        ] {
            let (status, body) = post_graphql(&app, json!({ "query": query }).to_string()).await;
            assert_eq!(status, 200, "{depth}: {}", &body[..body.len().min(300)]);
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                error_code(&body).as_deref(),
                Some("BAD_USER_INPUT"),
                "{body}"
            );
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains("nests brackets more than"), "{message}");
        }
        // Variables are JSON: refused by the body's parser, with a 400.
        let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for variable in [list, object] {
            let body = format!(
                r#"{{"query": "query($v: JSON) {{ plans {{ id }} }}", "variables": {{"v": {variable}}}}}"#
            );
            let (status, _) = post_graphql(&app, body).await;
            assert_eq!(status, 400, "variables nested {depth} deep");
        }
        still_serving(&app).await;
    }
}

/// F0 is one field; each F(i) spreads F(i-1) twice: 2^levels leaves.
fn fan_out(levels: usize) -> String {
    let mut q = String::from("fragment F0 on Query { plans { id } }\n");
    for i in 1..=levels {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    format!("{{ ...F{levels} }}\n{q}")
}

async fn fragment_fan_out_is_refused_before_validation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let query = fan_out(24);
    assert!(
        query.len() < 1_000,
        "a small document: {} bytes",
        query.len()
    );
    // The issue's document (2^24 leaves): its fragments chain too deep
    // (their sizes are known first, in one pass without recursion).
    let r = app.gql(None, &query, json!({})).await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 16 deep"), "{message}");
    // Shallower, it is still 2^14 leaves: refused by its expanded size,
    // before async-graphql's validation walks it.
    let r = app.gql(None, &fan_out(14), json!({})).await;
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("once its fragments are expanded"),
        "{message}"
    );
    // Spreads of a fragment that selects nothing but spreads, or that does
    // not exist, count too.
    let empty = fan_out(14).replace(
        "fragment F0 on Query { plans { id } }",
        "fragment F0 on Query { ...Missing }",
    );
    let r = app.gql(None, &empty, json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not defined"),
        "{r}"
    );
    let spreads_only = fan_out(14).replace("{ plans { id } }", "{ __typename }");
    let r = app.gql(None, &spreads_only, json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expanded"),
        "{r}"
    );
    let cycle = "{ ...A } fragment A on Query { ...B plans { id } } fragment B on Query { ...A }";
    let r = app.gql(None, cycle, json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("spreads itself"),
        "{r}"
    );
    // A modest fan-out is an ordinary document.
    let r = app.gql_ok(None, &fan_out(3), json!({})).await;
    assert!(r["plans"].is_array());
    still_serving(&app).await;
}

/// A staff user and a server whose Stripe is the stand-in, so that the
/// staff-only `reconciliation` query waits on Stripe.
async fn app_with_stripe(b: Backend, deadline_ms: &str) -> (TestApp, FakeStripe, TestUser) {
    let stripe = FakeStripe::start().await;
    let app = TestApp::spawn_with(
        b,
        &[
            ("stripe_secret_key", "sk_test_trackr"),
            ("stripe_api_base", &stripe.url),
            ("limits.graphql_timeout_ms", deadline_ms),
        ],
    )
    .await;
    let staff = app.sign_up("finance").await;
    trackr_api::accounts::grant_staff(
        &app.db,
        &staff.email,
        trackr_api::accounts::StaffRole::Operator,
    )
    .await
    .unwrap();
    (app, stripe, staff)
}

const RECONCILIATION: &str =
    "query($m: String!) { reconciliation(month: $m) { month comparedWithStripe } }";

fn this_month() -> Value {
    json!({"m": chrono::Utc::now().format("%Y-%m").to_string()})
}

async fn a_query_past_its_deadline_is_stopped(b: Backend) {
    let (app, stripe, staff) = app_with_stripe(b, "500").await;
    let r = app
        .gql_ok(Some(&staff.token), RECONCILIATION, this_month())
        .await;
    assert_eq!(r["reconciliation"]["comparedWithStripe"], true);
    stripe.stall();
    let r = app
        .gql(Some(&staff.token), RECONCILIATION, this_month())
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("TIMEOUT"), "{r}");
    assert_eq!(app.metric("trackr_graphql_timeouts_total").await, 1.0);
    app.wait_for_metric("trackr_graphql_requests_in_flight", 0.0)
        .await;
    stripe.answer_again();
    still_serving(&app).await;
}

async fn a_query_whose_client_leaves_stops_with_it(b: Backend) {
    let (app, stripe, staff) = app_with_stripe(b, "600000").await;
    stripe.stall();
    let request = {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let token = staff.token.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"query": RECONCILIATION, "variables": this_month()}))
                .send()
                .await
        })
    };
    app.wait_for_metric("trackr_graphql_requests_in_flight", 1.0)
        .await;
    // The client gives up: its connection closes.
    request.abort();
    app.wait_for_metric("trackr_graphql_requests_in_flight", 0.0)
        .await;
    assert_eq!(
        app.metric("trackr_graphql_timeouts_total").await,
        0.0,
        "stopped because the client left, long before its deadline"
    );
    stripe.answer_again();
    still_serving(&app).await;
}

/// A site with recordings on, on a plan that includes them.
async fn recording_site(app: &TestApp) -> (TestUser, String, String) {
    let (owner, org, site) = app.site_owner("example.com").await;
    app.set_plan(&org, "starter").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {recordingsEnabled: true}) { id } }",
        json!({"id": site}),
    )
    .await;
    (owner, org, site)
}

async fn post_chunk(app: &TestApp, body: String) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/api/recording"))
        .header("content-type", "application/json")
        .header("user-agent", CHROME)
        .header("x-forwarded-for", "203.0.113.7")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A recording chunk whose page nests `levels` elements, with a password
/// field at the bottom.
fn deep_chunk(session: &str, levels: usize) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let open = r#"{"type":2,"tagName":"div","attributes":{},"childNodes":["#;
    let field = r#"{"type":2,"tagName":"input","attributes":{"type":"password","value":"s3cret"},"childNodes":[]}"#;
    format!(
        r#"{{"domain":"example.com","sessionId":"{session}","seq":0,"consent":true,"events":[{{"type":4,"timestamp":{now},"data":{{"href":"https://example.com/deep","width":800,"height":600}}}},{{"type":2,"timestamp":{},"data":{{"node":{}{field}{}}}}}]}}"#,
        now + 1,
        open.repeat(levels - 1),
        "]}".repeat(levels - 1)
    )
}

async fn recording_chunks_of_any_shape_get_an_answer_not_a_panic(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = recording_site(&app).await;
    let now = chrono::Utc::now().timestamp_millis();
    // The shapes that panicked in the scrub (issue 12), and more.
    let shapes = [
        json!({"type": 2, "timestamp": now, "data": "x"}),
        json!({"type": 3, "timestamp": now, "data": [1]}),
        json!({"type": 2, "timestamp": now, "data": {"node": "x"}}),
        json!({"type": 2, "timestamp": now, "data": {"node": {"type": 0, "childNodes": [1]}}}),
        json!({"type": 3, "timestamp": now, "data": {"source": 0, "adds": [1]}}),
        json!({"type": 3, "timestamp": now, "data": {"source": 0, "attributes": [1]}}),
        json!([1, 2]),
        json!("x"),
    ];
    for shape in shapes {
        let body =
            json!({"domain": "example.com", "sessionId": "abcdefgh", "seq": 0, "events": [shape]});
        let (status, answer) = post_chunk(&app, body.to_string()).await;
        assert_eq!(status, 400, "{shape}: {answer}");
        assert_eq!(answer["field"], "events", "{answer}");
    }
    for junk in ["[]", "1", "\"x\"", "null", "{", "[[[[[[[[[["] {
        let (status, _) = post_chunk(&app, junk.to_owned()).await;
        assert_eq!(status, 400, "{junk}");
    }
    // Real pages nest deeper than serde_json's default limit: a page
    // 1 200 elements deep is stored, masked, and plays back.
    let (status, answer) = post_chunk(&app, deep_chunk("deep-page-1", 1_200)).await;
    assert_eq!(status, 202, "{answer}");
    // Read as text: the answer is deeper than the test's JSON parser goes.
    let text = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&owner.token)
        .json(&json!({"query": "query($s: ID!) { site(id: $s) { recording(sessionId: \"deep-page-1\") { events } } }", "variables": {"s": site}}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("\"errors\""),
        "{}",
        &text[..text.len().min(500)]
    );
    assert!(!text.contains("s3cret"), "masked at any depth");
    assert!(text.contains("\"input\""), "the deepest element came back");
    // One recording's events per request, however many aliases ask.
    let body = json!({"query": "query($s: ID!) { site(id: $s) { a: recording(sessionId: \"deep-page-1\") { events } b: recording(sessionId: \"deep-page-1\") { events } } }", "variables": {"s": site}});
    let text = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&owner.token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("one request may play back one recording"),
        "{}",
        &text[text.len().saturating_sub(400)..]
    );
    let (status, answer) = post_chunk(&app, deep_chunk("deep-page-2", 10_000)).await;
    assert_eq!(status, 400, "{answer}");
    still_serving(&app).await;
}

async fn organizations_per_user_are_capped_and_nested_lists_count_their_size(b: Backend) {
    let app = TestApp::spawn_with(b, &[("limits.organizations_per_user", "3")]).await;
    let ada = app.sign_up("ada").await;
    let aliased = "mutation { a: createOrganization(name: \"A\") { id } b: createOrganization(name: \"B\") { id } c: createOrganization(name: \"C\") { id } d: createOrganization(name: \"D\") { id } e: createOrganization(name: \"E\") { id } }";
    let r = app.gql(Some(&ada.token), aliased, json!({})).await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations").await,
        3,
        "the cap held, aliases or not"
    );
    // Concurrent requests race for the last place: one wins.
    let eve = app.sign_up("eve").await;
    app.create_org(&eve, "E1").await;
    app.create_org(&eve, "E2").await;
    let racers = (0..6).map(|i| {
        let app = &app;
        let token = eve.token.clone();
        async move {
            app.gql(
                Some(&token),
                "mutation($n: String!) { createOrganization(name: $n) { id } }",
                json!({"n": format!("race {i}")}),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(racers).await;
    let won = answers.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(won, 1, "{answers:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations WHERE name LIKE 'race %'")
            .await,
        1
    );
    // Joining counts too.
    let bob = app.sign_up("bob").await;
    let bobs = app.create_org(&bob, "Bob's").await;
    app.set_plan(&bobs, "business").await;
    app.gql_ok(
        Some(&bob.token),
        "mutation($o: ID!, $e: String!) { inviteMember(organizationId: $o, email: $e, role: VIEWER) }",
        json!({"o": bobs, "e": ada.email}),
    )
    .await;
    let token = app.email_token(&ada.email, "invited").await;
    let r = app
        .gql(
            Some(&ada.token),
            "mutation($t: String!) { acceptInvitation(token: $t) { id } }",
            json!({"t": token}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    // Lists count as many items in a query's complexity: nesting them is
    // refused before anything runs.
    let amplifier = "{ me { organizations { members { user { organizations { members { user { organizations { id } } } } } } } } }";
    let r = app.gql(Some(&ada.token), amplifier, json!({})).await;
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("too complex"), "{r}");
    // What a dashboard asks for is well within.
    let dashboard = "query($f: Date!, $t: Date!) { me { organizations { id name plan { name maxSites } usage { events limit } sites { id domain stats(range: {from: $f, to: $t}) { visitors pageviews bounceRate } } } } }";
    let today = chrono::Utc::now().date_naive().to_string();
    app.gql_ok(Some(&ada.token), dashboard, json!({"f": today, "t": today}))
        .await;
}

async fn with_redis_gone_the_server_keeps_answering_and_jobs_wait(b: Backend) {
    let mut redis = PrivateRedis::start().await;
    let url = redis.url();
    let app = TestApp::spawn_with(b, &[("redis_url", &url)]).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    redis.stop();

    // Log-in, sign-up and reset answer (their rate limits are kept in
    // process meanwhile); the client's own 30 s timeout would catch a hang.
    app.gql_ok(None, LOG_IN, json!({"e": owner.email, "p": owner.password}))
        .await;
    app.sign_up("newcomer").await;
    app.gql_ok(
        None,
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({"e": owner.email}),
    )
    .await;
    let event = json!({"n": "pageview", "u": "https://example.com/", "d": "example.com"});
    assert_eq!(app.event(&event, "198.51.100.4").await, 202);
    let today = chrono::Utc::now().date_naive().to_string();
    let stats = app
        .gql_ok(
            Some(&owner.token),
            "query($s: ID!, $d: Date!) { site(id: $s) { stats(range: {from: $d, to: $d}) { pageviews } } }",
            json!({"s": site, "d": today}),
        )
        .await;
    assert_eq!(stats["site"]["stats"]["pageviews"], 1);
    // An export is recorded and acknowledged, waiting for the queue.
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $d: Date!) { requestExport(siteId: $s, range: {from: $d, to: $d}) }",
            json!({"s": site, "d": today}),
        )
        .await;
    let job = r["requestExport"].as_str().unwrap().to_owned();
    let row = job_row(&app, &job).await;
    assert_eq!(
        (row.status, row.enqueued_at),
        (trackr_entity::job::Status::Queued, None)
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "the database is what readiness needs");
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["database"], "ok");
    let said = ready["redis"].as_str().unwrap();
    assert!(said.starts_with("unreachable"), "{said}");

    // Redis returns: the job is handed over and a worker runs it, once.
    redis.resume().await;
    let settings = (*app.server.app.settings).clone();
    let conn = trackr_api::app::open_redis(&url).unwrap();
    tokio::spawn(trackr_worker::queue::run_workers(
        app.db.clone(),
        conn,
        settings,
        1,
        std::future::pending(),
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let row = job_row(&app, &job).await;
        if row.status == trackr_entity::job::Status::Succeeded {
            assert!(row.enqueued_at.is_some(), "handed over, then run");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job never ran: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs").await,
        1,
        "never doubled"
    );
    assert_eq!(job_row(&app, &job).await.attempts, 1, "and run once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'data.export.request'")
            .await,
        1
    );
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["redis"], "ok");
}

async fn job_row(app: &TestApp, id: &str) -> trackr_entity::job::Model {
    use sea_orm::EntityTrait;
    trackr_entity::job::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("the job's row")
}

async fn with_redis_hung_the_server_answers_within_its_deadlines(b: Backend) {
    let redis = PrivateRedis::start().await;
    let url = redis.url();
    let app = TestApp::spawn_with(b, &[("redis_url", &url)]).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    // Frozen, Redis accepts nothing and answers nothing: every call to it
    // must give up on its own deadline (the client's 30 s would catch a
    // hang).
    redis.freeze();
    let today = chrono::Utc::now().date_naive().to_string();
    for _ in 0..3 {
        app.gql_ok(None, LOG_IN, json!({"e": owner.email, "p": owner.password}))
            .await;
    }
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $d: Date!) { requestExport(siteId: $s, range: {from: $d, to: $d}) }",
            json!({"s": site, "d": today}),
        )
        .await;
    let job = r["requestExport"].as_str().unwrap().to_owned();
    assert_eq!(
        job_row(&app, &job).await.enqueued_at,
        None,
        "waits for the queue"
    );
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        ready["redis"].as_str().unwrap().starts_with("unreachable"),
        "{ready}"
    );
    redis.thaw();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while job_row(&app, &job).await.enqueued_at.is_none() {
        assert!(tokio::time::Instant::now() < deadline, "never handed over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn the_server_starts_and_serves_without_its_redis(b: Backend) {
    // Nothing listens on port 1.
    let url = "redis://127.0.0.1:1";
    let app = TestApp::spawn_with(b, &[("redis_url", url)]).await;
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let said = ready["redis"].as_str().unwrap();
    assert!(said.contains("refused"), "the real cause is named: {said}");
    let ada = app.sign_up("ada").await;
    app.gql_ok(None, LOG_IN, json!({"e": ada.email, "p": ada.password}))
        .await;
}

async fn one_request_checks_one_password(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let aliased = "mutation { a: deleteAccount(password: \"guess number one\") b: deleteAccount(password: \"guess number two\") c: deleteAccount(password: \"guess number three\") }";
    let r = app.gql(Some(&ada.token), aliased, json!({})).await;
    let messages: Vec<&str> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{r}");
    assert_eq!(messages[0], "password: is wrong");
    assert!(
        messages[1..].iter().all(|m| m.contains("one password")),
        "{r}"
    );
    let logins = format!(
        "mutation {{ a: logIn(email: \"{0}\", password: \"guess number one\") {{ token }} b: logIn(email: \"{0}\", password: \"{1}\") {{ token }} }}",
        ada.email, ada.password
    );
    let r = app.gql(None, &logins, json!({})).await;
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{r}");
    assert_eq!(errors[0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("one password"),
        "the right password was not even checked: {r}"
    );
}

async fn every_password_check_counts_against_the_log_in_limits(b: Backend) {
    let app = TestApp::spawn_with(b, &[("limits.login_attempts_per_account_and_ip", "3")]).await;
    let ada = app.sign_up("ada").await;
    let delete = "mutation($p: String!) { deleteAccount(password: $p) }";
    for _ in 0..3 {
        let r = app
            .gql(Some(&ada.token), delete, json!({"p": "not the password"}))
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    }
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let r = app
        .gql(
            Some(&ada.token),
            change,
            json!({"c": ada.password, "n": "a fresh unguessable phrase"}),
        )
        .await;
    assert_eq!(
        error_code(&r).as_deref(),
        Some("RATE_LIMITED"),
        "the same limit as log-in: {r}"
    );
    let email = "mutation($p: String!) { updateProfile(email: \"ada@new.example\", currentPassword: $p) { email } }";
    let r = app
        .gql(Some(&ada.token), email, json!({"p": ada.password}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("RATE_LIMITED"), "{r}");
}

async fn a_guesser_elsewhere_cannot_lock_the_owner_out(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("limits.login_attempts_per_account_and_ip", "3"),
            ("limits.login_attempts_per_account", "5"),
        ],
    )
    .await;
    let ada = app.sign_up("ada").await;
    let home = "198.51.100.10";
    let right = json!({"e": ada.email, "p": ada.password});
    let wrong = json!({"e": ada.email, "p": "surely this is it"});
    app.gql_from(home, None, LOG_IN, right.clone()).await;
    // A guesser from elsewhere: three tries per address, five for the
    // account from addresses it does not know.
    let mut refused = 0;
    for i in 1..=4 {
        for _ in 0..3 {
            let r = app
                .gql_from(&format!("203.0.113.{i}"), None, LOG_IN, wrong.clone())
                .await;
            if error_code(&r).as_deref() == Some("RATE_LIMITED") {
                refused += 1;
            }
        }
        let r = app
            .gql_from(&format!("203.0.113.{i}"), None, LOG_IN, wrong.clone())
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("RATE_LIMITED"), "{r}");
    }
    assert!(refused >= 7, "the account-wide limit held: {refused}");
    // The owner, from an address that logged in before, gets in.
    let r = app.gql_from(home, None, LOG_IN, right.clone()).await;
    assert!(r["errors"].is_null(), "{r}");
    // A new address must wait, even with the right password: the price of
    // stopping a spread-out guesser, which docs/security.md states.
    let r = app.gql_from("192.0.2.99", None, LOG_IN, right).await;
    assert_eq!(error_code(&r).as_deref(), Some("RATE_LIMITED"), "{r}");
}

/// GraphiQL's introspection query (graphql-js 16, `getIntrospectionQuery`
/// with `inputValueDeprecation`), as codegen tools send it too.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
              }
            }
          }
        }
      }
    }
  }
}
"#;

async fn the_standard_introspection_query_works(b: Backend) {
    let app = TestApp::spawn(b).await;
    let r = app.gql_ok(None, INTROSPECTION, json!({})).await;
    let types = r["__schema"]["types"].as_array().unwrap();
    assert!(
        types.iter().any(|t| t["name"] == "Site"),
        "the schema is listed"
    );
    assert_eq!(r["__schema"]["mutationType"]["name"], "Mutation");
}

async fn job_is_authenticated_before_it_is_looked_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, _, site) = app.site_owner("example.com").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .gql_ok(
            Some(&owner.token),
            "mutation($s: ID!, $d: Date!) { requestExport(siteId: $s, range: {from: $d, to: $d}) }",
            json!({"s": site, "d": today}),
        )
        .await;
    let real = r["requestExport"].as_str().unwrap().to_owned();
    let made_up = uuid::Uuid::new_v4().to_string();
    let q = "query($j: ID!) { job(id: $j) { id status } }";
    for id in [&real, &made_up] {
        let anonymous = app.gql(None, q, json!({"j": id})).await;
        assert_eq!(error_code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
        let bogus = app.gql(Some("trk_s_bogus"), q, json!({"j": id})).await;
        assert_eq!(error_code(&bogus).as_deref(), Some("UNAUTHENTICATED"));
    }
    app.gql_ok(Some(&owner.token), q, json!({"j": real})).await;
}

async fn changing_the_email_needs_the_password_tells_the_old_address_and_ends_other_sessions(
    b: Backend,
) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let other = app
        .gql_ok(None, LOG_IN, json!({"e": ada.email, "p": ada.password}))
        .await["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "mutation($e: String!, $p: String) { updateProfile(email: $e, currentPassword: $p) { email } }";
    let r = app
        .gql(Some(&ada.token), q, json!({"e": "ada@new.example"}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(r["errors"][0]["extensions"]["field"], "currentPassword");
    let r = app
        .gql(
            Some(&ada.token),
            q,
            json!({"e": "ada@new.example", "p": "not the password"}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "currentPassword");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'")
            .await,
        1,
        "nothing changed"
    );
    app.gql_ok(
        Some(&ada.token),
        q,
        json!({"e": "ada@new.example", "p": ada.password}),
    )
    .await;
    let told = app
        .wait_for_email(&ada.email, "email address was changed")
        .await;
    assert!(told.contains("ada@new.example"), "{told}");
    let gone = app.gql(Some(&other), ME, json!({})).await;
    assert_eq!(error_code(&gone).as_deref(), Some("UNAUTHENTICATED"));
    app.gql_ok(Some(&ada.token), ME, json!({})).await;
}

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let other = app
        .gql_ok(None, LOG_IN, json!({"e": ada.email, "p": ada.password}))
        .await["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let r = app
        .gql(
            Some(&ada.token),
            q,
            json!({"c": "not the password", "n": "a fresh unguessable phrase"}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "currentPassword");
    let r = app
        .gql(
            Some(&ada.token),
            q,
            json!({"c": ada.password, "n": "password12"}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "newPassword");
    app.gql_ok(
        Some(&ada.token),
        q,
        json!({"c": ada.password, "n": "a fresh unguessable phrase"}),
    )
    .await;
    let gone = app.gql(Some(&other), ME, json!({})).await;
    assert_eq!(error_code(&gone).as_deref(), Some("UNAUTHENTICATED"));
    app.gql_ok(Some(&ada.token), ME, json!({})).await;
    app.gql_ok(
        None,
        LOG_IN,
        json!({"e": ada.email, "p": "a fresh unguessable phrase"}),
    )
    .await;
}

async fn recordings_need_their_own_api_key_scope(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (owner, org, site) = recording_site(&app).await;
    let key = |scopes: Value| {
        let app = &app;
        let owner = &owner;
        let org = org.clone();
        async move {
            app.gql_ok(
                Some(&owner.token),
                "mutation($o: ID!, $s: [ApiKeyScope!]!) { createApiKey(organizationId: $o, name: \"k\", scopes: $s) { secret } }",
                json!({"o": org, "s": scopes}),
            )
            .await["createApiKey"]["secret"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let stats_only = key(json!(["STATS_READ"])).await;
    let with_recordings = key(json!(["STATS_READ", "RECORDINGS_READ"])).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let q = "query($s: ID!, $d: Date!) { site(id: $s) { stats(range: {from: $d, to: $d}) { visitors } recordings(range: {from: $d, to: $d}) { edges { node { sessionId } } } } }";
    let r = app
        .gql(Some(&stats_only), q, json!({"s": site, "d": today}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    assert_eq!(
        r["data"]["site"]["stats"]["visitors"], 0,
        "stats still read"
    );
    app.gql_ok(Some(&with_recordings), q, json!({"s": site, "d": today}))
        .await;
    let one =
        "query($s: ID!) { site(id: $s) { recording(sessionId: \"abcdefgh\") { sessionId } } }";
    let r = app.gql(Some(&stats_only), one, json!({"s": site})).await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
}

async fn a_write_only_key_cannot_read_reports_through_what_it_writes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    app.set_plan(&org, "growth").await;
    let key = app
        .gql_ok(
            Some(&owner.token),
            "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"deploy\", scopes: [SITES_WRITE]) { secret } }",
            json!({"o": org}),
        )
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .gql(
            Some(&key),
            "mutation($o: ID!, $d: Date!) { createSite(organizationId: $o, domain: \"new.example\") { id domain stats(range: {from: $d, to: $d}) { visitors } } }",
            json!({"o": org, "d": today}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sites").await,
        1,
        "the write itself is allowed"
    );
    // Nor through an export, which holds every event.
    let site: String = {
        use sea_orm::EntityTrait;
        trackr_entity::site::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string()
    };
    let r = app
        .gql(
            Some(&key),
            "mutation($s: ID!, $d: Date!) { requestExport(siteId: $s, range: {from: $d, to: $d}) }",
            json!({"s": site, "d": today}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs").await, 0);
}

both_backends!(
    a_write_only_key_cannot_read_reports_through_what_it_writes,
    no_nesting_of_any_depth_takes_the_server_down,
    fragment_fan_out_is_refused_before_validation,
    a_query_past_its_deadline_is_stopped,
    a_query_whose_client_leaves_stops_with_it,
    recording_chunks_of_any_shape_get_an_answer_not_a_panic,
    organizations_per_user_are_capped_and_nested_lists_count_their_size,
    with_redis_gone_the_server_keeps_answering_and_jobs_wait,
    the_server_starts_and_serves_without_its_redis,
    with_redis_hung_the_server_answers_within_its_deadlines,
    one_request_checks_one_password,
    every_password_check_counts_against_the_log_in_limits,
    a_guesser_elsewhere_cannot_lock_the_owner_out,
    the_standard_introspection_query_works,
    job_is_authenticated_before_it_is_looked_up,
    changing_the_email_needs_the_password_tells_the_old_address_and_ends_other_sessions,
    changing_the_password_needs_the_current_one_and_ends_other_sessions,
    recordings_need_their_own_api_key_scope,
);
