//! Share links (issue 18): a site's dashboard for people without an
//! account. The link's holder reads that one site's reports, exactly as a
//! member does, and nothing else (no settings, recordings, segments, other
//! sites, no change of anything); a password is checked (argon2, rate
//! limited) and remembered by an HttpOnly cookie; a link expires and is
//! revoked; only its embed may be framed, by the origins it lists.

use chrono::Duration;
use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, model, Backend, TestApp};

const CREATE: &str = "mutation($i: CreateShareLinkInput!) { createShareLink(input: $i) { id name slug url hasPassword expiresAt allowedOrigins } }";
const SHARED: &str = "query($r: DateRange!) { sharedSite { name site { id name domain timezone stats(range: $r) { visitors pageviews events visits bounceRate } breakdown(range: $r, dimension: PAGE, limit: 10) { value visitors } goals { name } } } }";
const STATS: &str = "query($id: ID!, $r: DateRange!) { site(id: $id) { id name domain timezone stats(range: $r) { visitors pageviews events visits bounceRate } breakdown(range: $r, dimension: PAGE, limit: 10) { value visitors } goals { name } } }";

fn link(made: &Value) -> (String, String) {
    let l = &made["createShareLink"];
    (
        l["id"].as_str().unwrap().to_owned(),
        l["slug"].as_str().unwrap().to_owned(),
    )
}

async fn share_links_show_one_sites_reports_and_nothing_else(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.monthly_events", "100000"),
            ("plans.free.max_seats", "unlimited"),
            ("plans.free.max_sites", "unlimited"),
        ],
    )
    .await;
    let model::ModelSite {
        owner, org, site, ..
    } = model::model_site(&app).await;
    let viewer = app.sign_up("viewer").await;
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    let other_site = app.create_site(&owner, &org, "other.example").await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($s: ID!) { createGoal(input: {siteId: $s, eventName: \"Signup\"}) { id } }",
        json!({"s": site}),
    )
    .await;

    // A viewer may read the reports, not share them.
    let resp = app
        .gql(Some(&viewer.token), CREATE, json!({"i": {"siteId": site}}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");

    let made = app
        .gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Board"}}),
        )
        .await;
    let (id, slug) = link(&made);
    assert_eq!(slug.len(), 22);
    assert_eq!(made["createShareLink"]["hasPassword"], false);
    assert!(made["createShareLink"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/share/{slug}")));
    let second = link(
        &app.gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Wall"}}),
        )
        .await,
    );
    assert_ne!(second.1, slug, "several links, each its own slug");
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { site(id: $id) { shareLinks { name } } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(
        listed["site"]["shareLinks"],
        json!([{"name": "Board"}, {"name": "Wall"}])
    );

    // The holder reads what a member reads, to the visitor.
    let r = json!({"from": "2026-01-14", "to": "2026-01-16"});
    let shared = app.gql_shared(&slug, None, SHARED, json!({"r": r})).await;
    assert!(shared.get("errors").is_none(), "{shared}");
    let member = app
        .gql_ok(Some(&owner.token), STATS, json!({"id": site, "r": r}))
        .await;
    assert_eq!(shared["data"]["sharedSite"]["name"], "Board");
    assert_eq!(shared["data"]["sharedSite"]["site"], member["site"]);
    assert!(member["site"]["stats"]["visitors"].as_i64().unwrap() > 0);
    // The same site by id, too, with its goals' figures and a funnel.
    let resp = app
        .gql_shared(
            &slug,
            None,
            "query($id: ID!, $r: DateRange!) { site(id: $id) { goalConversions(range: $r) { visitors } realtimeVisitors } }",
            json!({"id": site, "r": r}),
        )
        .await;
    assert!(resp.get("errors").is_none(), "{resp}");

    // Nothing else: settings, recordings, segments, heatmaps, data
    // requests, share links, the organization, another site, any change.
    for q in [
        "query($id: ID!) { site(id: $id) { honorDnt } }",
        "query($id: ID!) { site(id: $id) { allowedHostnames } }",
        "query($id: ID!) { site(id: $id) { retentionOverrideDays } }",
        "query($id: ID!) { site(id: $id) { ingestIssues { kind } } }",
        "query($id: ID!) { site(id: $id) { segments { id } } }",
        "query($id: ID!) { site(id: $id) { shareLinks { slug } } }",
        "query($id: ID!) { site(id: $id) { jobs { id } } }",
        "query($id: ID!) { site(id: $id) { recordings(range: {from: \"2026-01-14\", to: \"2026-01-16\"}) { edges { cursor } } } }",
        "query($id: ID!) { site(id: $id) { heatmap(path: \"/\", range: {from: \"2026-01-14\", to: \"2026-01-16\"}, viewportClass: DESKTOP) { clicks } } }",
    ] {
        let resp = app.gql_shared(&slug, None, q, json!({"id": site})).await;
        assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{q} → {resp}");
    }
    let before = app.count("SELECT COUNT(*) FROM goals").await
        + app.count("SELECT COUNT(*) FROM share_links").await;
    for (q, vars) in [
        (
            "query($id: ID!) { site(id: $id) { id } }",
            json!({"id": other_site}),
        ),
        (
            "query($id: ID!) { organization(id: $id) { id } }",
            json!({"id": org}),
        ),
        (
            "mutation($id: ID!) { updateSite(id: $id, input: {honorDnt: false}) { id } }",
            json!({"id": site}),
        ),
        (
            "mutation($id: ID!) { createGoal(input: {siteId: $id, eventName: \"X\"}) { id } }",
            json!({"id": site}),
        ),
        (
            "mutation($id: ID!) { createShareLink(input: {siteId: $id}) { slug } }",
            json!({"id": site}),
        ),
        (
            "mutation($id: ID!) { deleteShareLink(id: $id) }",
            json!({"id": id}),
        ),
        (
            "mutation($id: ID!) { deleteSiteData(siteId: $id) }",
            json!({"id": site}),
        ),
    ] {
        let resp = app.gql_shared(&slug, None, q, vars).await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("NOT_FOUND"),
            "{q} → {resp}"
        );
    }
    let me = app
        .gql_shared(&slug, None, "{ me { id } }", json!({}))
        .await;
    assert!(error_code(&me).is_some(), "no account behind a link: {me}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM goals").await
            + app.count("SELECT COUNT(*) FROM share_links").await,
        before,
        "nothing changed"
    );

    // The page, never framed; its embed, framed by any page (no origins
    // listed) or by the listed ones only.
    let page = app
        .client
        .get(app.url(&format!("/share/{slug}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let embed = app
        .client
        .get(app.url(&format!("/share/{slug}?embed=true&theme=dark")))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), 200);
    assert!(embed.headers().get("x-frame-options").is_none());
    assert!(embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .ends_with("frame-ancestors *"));
    let framed = link(
        &app.gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Embed", "allowedOrigins": ["https://blog.example", "https://Blog.example/", "http://localhost:8080"]}}),
        )
        .await,
    );
    let embed = app
        .client
        .get(app.url(&format!("/share/{}?embed=true", framed.1)))
        .send()
        .await
        .unwrap();
    assert!(embed.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .ends_with("frame-ancestors https://blog.example http://localhost:8080"));
    // Other pages stay unframable, whatever their query.
    let other = app
        .client
        .get(app.url("/login?embed=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.headers()["x-frame-options"], "DENY");
    let unknown = app
        .client
        .get(app.url("/share/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let resp = app
        .gql_shared("AAAAAAAAAAAAAAAAAAAAAA", None, SHARED, json!({"r": r}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");

    // Revoked: the link opens nothing any more.
    assert_eq!(
        app.gql_ok(
            Some(&owner.token),
            "mutation($id: ID!) { deleteShareLink(id: $id) }",
            json!({"id": id})
        )
        .await["deleteShareLink"],
        true
    );
    let resp = app.gql_shared(&slug, None, SHARED, json!({"r": r})).await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");
    let gone = app
        .client
        .get(app.url(&format!("/share/{slug}")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let audited = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action IN ('share_link.create', 'share_link.delete')")
        .await;
    assert_eq!(audited, 4, "three made, one revoked");
}

async fn passwords_and_expiry_guard_a_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "acme.example").await;
    let r = json!({"from": "2026-01-14", "to": "2026-01-16"});

    let made = app
        .gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Locked", "password": "correct horse battery"}}),
        )
        .await;
    assert_eq!(made["createShareLink"]["hasPassword"], true);
    let (_, slug) = link(&made);
    let stored = app
        .count("SELECT COUNT(*) FROM share_links WHERE password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(stored, 1, "the password is stored as an argon2 hash");

    let resp = app.gql_shared(&slug, None, SHARED, json!({"r": r})).await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");
    let unlock = |password: &'static str, ip: &'static str| {
        let url = app.url(&format!("/share/{slug}/unlock"));
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .header("x-forwarded-for", ip)
                .json(&json!({"password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = unlock("not the password", "203.0.113.7").await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let right = unlock("correct horse battery", "203.0.113.7").await;
    assert_eq!(right.status(), 204);
    let set = right.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly"),
        "page JavaScript never reads it: {set}"
    );
    assert!(set.contains("SameSite="), "{set}");
    let cookie = set.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with(&format!("trackr_share_{slug}=")));
    let resp = app
        .gql_shared(&slug, Some(&cookie), SHARED, json!({"r": r}))
        .await;
    assert!(resp.get("errors").is_none(), "{resp}");
    // A forged or altered cookie opens nothing.
    let (name, value) = cookie.split_once('=').unwrap();
    let (until, _) = value.split_once('.').unwrap();
    let later: i64 = until.parse::<i64>().unwrap() + 86_400_000;
    for forged in [
        format!("{name}={until}.00000000000000000000000000000000"),
        format!("{name}={later}.{}", value.split_once('.').unwrap().1),
    ] {
        let resp = app
            .gql_shared(&slug, Some(&forged), SHARED, json!({"r": r}))
            .await;
        assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{forged}");
    }
    // Another link's cookie does not open this one, nor this one another.
    let other = link(
        &app.gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Other", "password": "another password"}}),
        )
        .await,
    );
    let resp = app
        .gql_shared(
            &other.1,
            Some(&cookie.replace(&slug, &other.1)),
            SHARED,
            json!({"r": r}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");

    // Guessing is rate-limited per address and link: after ten tries even
    // the right password waits; another address is not held up.
    for _ in 0..10 {
        assert_eq!(unlock("guess", "198.51.100.9").await.status(), 401);
    }
    assert_eq!(
        unlock("correct horse battery", "198.51.100.9")
            .await
            .status(),
        429
    );
    assert_eq!(
        unlock("correct horse battery", "198.51.100.10")
            .await
            .status(),
        204
    );
    let resp = app
        .client
        .post(app.url(&format!("/share/{slug}/unlock")))
        .body("password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "not JSON");

    // Expiry: a link made to expire in an hour opens until then.
    let now = chrono::Utc::now();
    app.set_time(now);
    let expiring = link(
        &app.gql_ok(
            Some(&owner.token),
            CREATE,
            json!({"i": {"siteId": site, "name": "Hour", "expiresAt": (now + Duration::hours(1)).to_rfc3339()}}),
        )
        .await,
    );
    let resp = app
        .gql_shared(&expiring.1, None, SHARED, json!({"r": r}))
        .await;
    assert!(resp.get("errors").is_none(), "{resp}");
    app.set_time(now + Duration::minutes(61));
    let resp = app
        .gql_shared(&expiring.1, None, SHARED, json!({"r": r}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");
    // The unlock cookie also lapses with the time it was given for.
    app.set_time(now + Duration::days(8));
    let resp = app
        .gql_shared(&slug, Some(&cookie), SHARED, json!({"r": r}))
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("FORBIDDEN"), "{resp}");

    // Bad input: a clear error naming the field, and no link made.
    let count = app.count("SELECT COUNT(*) FROM share_links").await;
    for (input, field) in [
        (json!({"siteId": site, "password": "short"}), "password"),
        (
            json!({"siteId": site, "expiresAt": "2020-01-01T00:00:00Z"}),
            "expiresAt",
        ),
        (
            json!({"siteId": site, "allowedOrigins": ["http://blog.example"]}),
            "allowedOrigins",
        ),
        (
            json!({"siteId": site, "allowedOrigins": ["https://blog.example/path"]}),
            "allowedOrigins",
        ),
        (json!({"siteId": site, "name": "x".repeat(121)}), "name"),
        (json!({"siteId": site, "name": "Locked"}), ""),
    ] {
        let resp = app
            .gql(Some(&owner.token), CREATE, json!({"i": input}))
            .await;
        let code = error_code(&resp);
        if field.is_empty() {
            assert_eq!(code.as_deref(), Some("CONFLICT"), "{resp}");
        } else {
            assert_eq!(code.as_deref(), Some("BAD_USER_INPUT"), "{resp}");
            assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM share_links").await, count);
}

both_backends!(
    share_links_show_one_sites_reports_and_nothing_else,
    passwords_and_expiry_guard_a_link,
);
