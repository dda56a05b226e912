//! Sites (domains, limits, retention: promise 3) and API keys.

use serde_json::json;
use trackr_tests::{both_backends, error_code, Backend, TestApp};

const CREATE: &str = "mutation($o: ID!, $d: String!, $tz: String) { createSite(organizationId: $o, domain: $d, timezone: $tz) { id domain name timezone retentionDays honorDnt requireConsent recordingsEnabled } }";
const UPDATE: &str = "mutation($id: ID!, $in: UpdateSiteInput!) { updateSite(id: $id, input: $in) { name timezone retentionDays retentionOverrideDays recordingsEnabled } }";

async fn site_domains_are_normalized_validated_and_unique(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_sites", "unlimited")]).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let org = app.create_org(&ada, "Acme").await;
    let bob_org = app.create_org(&bob, "Bob's").await;
    let r = app
        .gql_ok(
            Some(&ada.token),
            CREATE,
            json!({"o": org, "d": "https://www.Bücher.de/shop?x=1", "tz": "Europe/Berlin"}),
        )
        .await;
    let site = &r["createSite"];
    assert_eq!(site["domain"], "www.xn--bcher-kva.de");
    assert_eq!(site["name"], "www.xn--bcher-kva.de");
    assert_eq!(site["timezone"], "Europe/Berlin");
    assert_eq!(site["retentionDays"], 30);
    assert_eq!(site["honorDnt"], true);
    assert_eq!(site["recordingsEnabled"], false);
    let dup = app
        .gql(
            Some(&bob.token),
            CREATE,
            json!({"o": bob_org, "d": "WWW.bücher.de"}),
        )
        .await;
    assert_eq!(error_code(&dup).as_deref(), Some("CONFLICT"));
    for bad in ["not a domain", "localhost", "10.0.0.1"] {
        let r = app
            .gql(Some(&ada.token), CREATE, json!({"o": org, "d": bad}))
            .await;
        assert_eq!(
            error_code(&r).as_deref(),
            Some("BAD_USER_INPUT"),
            "{bad}: {r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["field"], "domain");
    }
    let tz = app
        .gql(
            Some(&ada.token),
            CREATE,
            json!({"o": org, "d": "ok.example", "tz": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(tz["errors"][0]["extensions"]["field"], "timezone");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sites").await,
        1,
        "bad input changes nothing"
    );
}

async fn creating_a_site_past_the_plans_limit_is_a_plan_limit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    app.create_site(&ada, &org, "one.example").await;
    let r = app
        .gql(
            Some(&ada.token),
            CREATE,
            json!({"o": org, "d": "two.example"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("PLAN_LIMIT"));
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 site"),
        "{r}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sites").await, 1);
}

async fn promise_3_a_site_may_shorten_retention_never_lengthen_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let site = app.create_site(&ada, &org, "example.com").await;
    let short = app
        .gql_ok(
            Some(&ada.token),
            UPDATE,
            json!({"id": site, "in": {"retentionOverrideDays": 10}}),
        )
        .await;
    assert_eq!(short["updateSite"]["retentionDays"], 10);
    assert_eq!(short["updateSite"]["retentionOverrideDays"], 10);
    let long = app
        .gql(
            Some(&ada.token),
            UPDATE,
            json!({"id": site, "in": {"retentionOverrideDays": 31}}),
        )
        .await;
    assert_eq!(error_code(&long).as_deref(), Some("BAD_USER_INPUT"));
    let zero = app
        .gql(
            Some(&ada.token),
            UPDATE,
            json!({"id": site, "in": {"retentionOverrideDays": 0}}),
        )
        .await;
    assert_eq!(error_code(&zero).as_deref(), Some("BAD_USER_INPUT"));
    let kept = app
        .gql_ok(
            Some(&ada.token),
            "query($id: ID!) { site(id: $id) { retentionDays } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(
        kept["site"]["retentionDays"], 10,
        "a refused change changes nothing"
    );
    let cleared = app
        .gql_ok(
            Some(&ada.token),
            UPDATE,
            json!({"id": site, "in": {"retentionOverrideDays": null, "name": "Shop"}}),
        )
        .await;
    assert_eq!(cleared["updateSite"]["retentionDays"], 30);
    assert_eq!(cleared["updateSite"]["name"], "Shop");
    let rec = app
        .gql(
            Some(&ada.token),
            UPDATE,
            json!({"id": site, "in": {"recordingsEnabled": true}}),
        )
        .await;
    assert_eq!(
        error_code(&rec).as_deref(),
        Some("PLAN_LIMIT"),
        "no recordings on the free plan"
    );
}

async fn api_keys_are_shown_once_stored_hashed_and_scoped(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let site = app.create_site(&ada, &org, "example.com").await;
    let create = "mutation($o: ID!, $s: [ApiKeyScope!]!) { createApiKey(organizationId: $o, name: \"ci\", scopes: $s) { secret apiKey { id prefix scopes } } }";
    let bad = app
        .gql(Some(&ada.token), create, json!({"o": org, "s": ["root"]}))
        .await;
    assert_eq!(error_code(&bad).as_deref(), Some("BAD_USER_INPUT"));
    let r = app
        .gql_ok(
            Some(&ada.token),
            create,
            json!({"o": org, "s": ["STATS_READ"]}),
        )
        .await;
    let secret = r["createApiKey"]["secret"].as_str().unwrap().to_owned();
    let key_id = r["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with(r["createApiKey"]["apiKey"]["prefix"].as_str().unwrap()));
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM api_keys WHERE key_hash LIKE '%{}%'",
            &secret[6..]
        ))
        .await;
    assert_eq!(stored, 0, "only a hash is stored");
    let listed = app
        .gql_ok(
            Some(&ada.token),
            "query($id: ID!) { organization(id: $id) { apiKeys { id name lastUsedAt } } }",
            json!({"id": org}),
        )
        .await;
    assert_eq!(listed["organization"]["apiKeys"][0]["id"], key_id.as_str());
    assert!(!listed.to_string().contains(&secret), "never shown again");

    let read = app
        .gql_ok(
            Some(&secret),
            "query($id: ID!) { site(id: $id) { domain } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(read["site"]["domain"], "example.com");
    let write = app
        .gql(
            Some(&secret),
            CREATE,
            json!({"o": org, "d": "other.example"}),
        )
        .await;
    assert_eq!(
        error_code(&write).as_deref(),
        Some("FORBIDDEN"),
        "scope STATS_READ cannot write"
    );
    let members = app
        .gql(
            Some(&secret),
            "query($o: ID!) { organization(id: $o) { members { user { email } } } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(
        error_code(&members).as_deref(),
        Some("FORBIDDEN"),
        "a stats key cannot list members' emails"
    );
    let keys = app.gql(Some(&secret), "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"x\", scopes: [STATS_READ]) { secret } }", json!({"o": org})).await;
    assert_eq!(
        error_code(&keys).as_deref(),
        Some("FORBIDDEN"),
        "a key cannot mint keys"
    );

    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { revokeApiKey(id: $id) }",
        json!({"id": key_id}),
    )
    .await;
    let revoked = app
        .gql(
            Some(&secret),
            "query($id: ID!) { site(id: $id) { domain } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(error_code(&revoked).as_deref(), Some("UNAUTHENTICATED"));
}

async fn concurrent_creations_cannot_pass_the_site_limit(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_sites", "2")]).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let attempts = (0..6).map(|i| {
        app.gql(
            Some(&ada.token),
            CREATE,
            json!({"o": org, "d": format!("s{i}.example")}),
        )
    });
    let results = futures_join(attempts).await;
    let created = results.iter().filter(|r| error_code(r).is_none()).count();
    assert_eq!(created, 2, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| error_code(r).is_none() || error_code(r).as_deref() == Some("PLAN_LIMIT")),
        "{results:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sites").await, 2);
}

async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut out = Vec::new();
    // Poll all at once: they race for the same organization.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

/// A scope outside `ApiKeyScope` (a typo, the old `stats:read` spelling, a
/// scope of a later version) is refused with a message naming it, and no
/// key is made, not even one with the valid scopes beside it.
async fn an_unknown_api_key_scope_is_refused_and_creates_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let with_variables = "mutation($o: ID!, $s: [ApiKeyScope!]!) { createApiKey(organizationId: $o, name: \"ci\", scopes: $s) { secret } }";
    for scopes in [json!(["STATS_READ", "ADMIN"]), json!(["stats:read"])] {
        let r = app
            .gql(
                Some(&ada.token),
                with_variables,
                json!({"o": org, "s": scopes}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "scopes", "{r}");
        let message = r["errors"][0]["message"].as_str().unwrap();
        let named = scopes[scopes.as_array().unwrap().len() - 1]
            .as_str()
            .unwrap();
        assert!(
            message.contains("ApiKeyScope") && message.contains(named),
            "{message}"
        );
    }
    let literal = app
        .gql(
            Some(&ada.token),
            "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"ci\", scopes: [STATS_READ, ADMIN]) { secret } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(
        error_code(&literal).as_deref(),
        Some("BAD_USER_INPUT"),
        "{literal}"
    );
    let none = app
        .gql(Some(&ada.token), with_variables, json!({"o": org, "s": []}))
        .await;
    assert_eq!(
        error_code(&none).as_deref(),
        Some("BAD_USER_INPUT"),
        "{none}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'api_key.create'")
            .await,
        0
    );
}

/// Every scope goes in and comes back as itself, and is stored by its
/// name (`stats:read`, …), as keys made before the enum were.
async fn api_key_scopes_round_trip_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let all = json!(["STATS_READ", "SITES_READ", "SITES_WRITE", "RECORDINGS_READ"]);
    let r = app
        .gql_ok(
            Some(&ada.token),
            "mutation($o: ID!, $s: [ApiKeyScope!]!) { createApiKey(organizationId: $o, name: \"all\", scopes: $s) { apiKey { scopes } } }",
            json!({"o": org, "s": all}),
        )
        .await;
    assert_eq!(r["createApiKey"]["apiKey"]["scopes"], all);
    let listed = app
        .gql_ok(
            Some(&ada.token),
            "query($o: ID!) { organization(id: $o) { apiKeys { scopes } } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(listed["organization"]["apiKeys"][0]["scopes"], all);
    let stored = app
        .count("SELECT COUNT(*) FROM api_keys WHERE CAST(scopes AS TEXT) LIKE '%\"stats:read\"%' AND CAST(scopes AS TEXT) LIKE '%\"recordings:read\"%'")
        .await;
    assert_eq!(stored, 1);
}

both_backends!(
    an_unknown_api_key_scope_is_refused_and_creates_nothing,
    api_key_scopes_round_trip_through_the_api,
    concurrent_creations_cannot_pass_the_site_limit,
    site_domains_are_normalized_validated_and_unique,
    creating_a_site_past_the_plans_limit_is_a_plan_limit,
    promise_3_a_site_may_shorten_retention_never_lengthen_it,
    api_keys_are_shown_once_stored_hashed_and_scoped,
);
