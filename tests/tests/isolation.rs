//! Tenant isolation: for every query and mutation that takes an id, a member
//! of another organization gets NOT_FOUND and nothing changes.

use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, Backend, TestApp};

/// Everything a cross-tenant call could have changed.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM organizations",
        "SELECT COUNT(*) FROM memberships",
        "SELECT COUNT(*) FROM invitations",
        "SELECT COUNT(*) FROM sites",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(*) FROM jobs",
        "SELECT COUNT(*) FROM goals",
        "SELECT COUNT(*) FROM funnels",
        "SELECT COUNT(*) FROM segments",
        "SELECT COUNT(*) FROM share_links",
        "SELECT COUNT(*) FROM organizations WHERE name = 'Victim'",
        "SELECT COUNT(*) FROM sites WHERE name = 'victim.example' AND retention_days IS NULL",
        "SELECT COUNT(*) FROM memberships WHERE role = 'owner'",
        "SELECT COUNT(*) FROM sites WHERE recording_sample_rate = 1.0 AND recording_mask_all_text = false",
    ] {
        v.push(app.count(sql).await);
    }
    v
}

async fn another_tenants_ids_are_not_found_and_nothing_changes(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.max_seats", "unlimited"),
            ("plans.free.max_sites", "unlimited"),
        ],
    )
    .await;
    let alice = app.sign_up("alice").await;
    let viewer = app.sign_up("vic").await;
    let mallory = app.sign_up("mallory").await;
    let org = app.create_org(&alice, "Victim").await;
    let site = app.create_site(&alice, &org, "victim.example").await;
    app.add_member(&alice, &org, &viewer, "VIEWER").await;
    let key = app
        .gql_ok(Some(&alice.token), "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"k\", scopes: [STATS_READ]) { apiKey { id } } }", json!({"o": org}))
        .await["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let goal = app
        .gql_ok(Some(&alice.token), "mutation($s: ID!) { createGoal(input: {siteId: $s, pagePattern: \"/thanks\"}) { id } }", json!({"s": site}))
        .await["createGoal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let funnel = app
        .gql_ok(Some(&alice.token), "mutation($s: ID!) { createFunnel(input: {siteId: $s, name: \"F\", steps: [{pagePattern: \"/\"}, {pagePattern: \"/thanks\"}]}) { id } }", json!({"s": site}))
        .await["createFunnel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let segment = app
        .gql_ok(Some(&alice.token), "mutation($s: ID!) { createSegment(input: {siteId: $s, name: \"S\", shared: true, filters: [{dimension: PAGE, op: IS, value: \"/\"}]}) { id } }", json!({"s": site}))
        .await["createSegment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let share = app
        .gql_ok(
            Some(&alice.token),
            "mutation($s: ID!) { createShareLink(input: {siteId: $s, name: \"Board\"}) { id } }",
            json!({"s": site}),
        )
        .await["createShareLink"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own_org = app.create_org(&mallory, "Mallory").await;
    let own_key = app
        .gql_ok(Some(&mallory.token), "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"k\", scopes: [STATS_READ, SITES_WRITE]) { secret } }", json!({"o": own_org}))
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let calls: Vec<(&str, Value)> = vec![
        ("query($id: ID!) { organization(id: $id) { id } }", json!({"id": org})),
        ("query($id: ID!) { site(id: $id) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { updateOrganization(id: $id, name: \"Pwned\") { id } }", json!({"id": org})),
        ("mutation($id: ID!) { deleteOrganization(id: $id) }", json!({"id": org})),
        ("mutation($id: ID!) { inviteMember(organizationId: $id, email: \"m2@example.com\", role: OWNER) }", json!({"id": org})),
        ("mutation($id: ID!, $u: ID!) { updateMemberRole(organizationId: $id, userId: $u, role: VIEWER) { role } }", json!({"id": org, "u": alice.id})),
        ("mutation($id: ID!, $u: ID!) { removeMember(organizationId: $id, userId: $u) }", json!({"id": org, "u": viewer.id})),
        ("mutation($id: ID!) { createSite(organizationId: $id, domain: \"evil.example\") { id } }", json!({"id": org})),
        ("mutation($id: ID!) { updateSite(id: $id, input: {retentionOverrideDays: 1}) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteSite(id: $id) }", json!({"id": site})),
        ("mutation($id: ID!) { createApiKey(organizationId: $id, name: \"x\", scopes: [STATS_READ]) { secret } }", json!({"id": org})),
        ("mutation($id: ID!) { revokeApiKey(id: $id) }", json!({"id": key})),
        ("mutation($id: ID!) { startCheckout(organizationId: $id, plan: GROWTH) }", json!({"id": org})),
        ("mutation($id: ID!) { billingPortalUrl(organizationId: $id) }", json!({"id": org})),
        ("mutation($id: ID!) { deleteSiteData(siteId: $id) }", json!({"id": site})),
        ("mutation($id: ID!) { requestExport(siteId: $id, range: {from: \"2026-01-01\", to: \"2026-01-02\"}) }", json!({"id": site})),
        ("query($id: ID!) { site(id: $id) { recordings(range: {from: \"2026-01-01\", to: \"2026-01-02\"}) { edges { cursor } } } }", json!({"id": site})),
        ("query($id: ID!) { site(id: $id) { recording(sessionId: \"sess-0001-abcdef\") { events } } }", json!({"id": site})),
        ("query($id: ID!) { site(id: $id) { heatmap(path: \"/\", range: {from: \"2026-01-01\", to: \"2026-01-02\"}, viewportClass: DESKTOP) { clicks } } }", json!({"id": site})),
        ("mutation($id: ID!) { updateSite(id: $id, input: {recordingSampleRate: 0.5, recordingMaskAllText: true}) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { createGoal(input: {siteId: $id, eventName: \"Pwned\"}) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteGoal(id: $id) }", json!({"id": goal})),
        ("query($id: ID!) { site(id: $id) { goals { id } } }", json!({"id": site})),
        ("query($id: ID!) { site(id: $id) { goalConversions(range: {from: \"2026-01-01\", to: \"2026-01-02\"}) { visitors } } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteGoal(id: $id) }", json!({"id": uuid::Uuid::new_v4().to_string()})),
        ("mutation($id: ID!) { createFunnel(input: {siteId: $id, name: \"Pwned\", steps: [{pagePattern: \"/\"}, {pagePattern: \"/x\"}]}) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteFunnel(id: $id) }", json!({"id": funnel})),
        ("query($id: ID!) { site(id: $id) { funnels { id } } }", json!({"id": site})),
        ("query($id: ID!, $f: ID!) { site(id: $id) { funnel(id: $f, range: {from: \"2026-01-01\", to: \"2026-01-02\"}) { steps { visitors } } } }", json!({"id": site, "f": funnel})),
        ("mutation($id: ID!) { createSegment(input: {siteId: $id, name: \"Pwned\", filters: [{dimension: PAGE, op: IS, value: \"/\"}]}) { id } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteSegment(id: $id) }", json!({"id": segment})),
        ("query($id: ID!) { site(id: $id) { segments { id } } }", json!({"id": site})),
        ("mutation($id: ID!) { createShareLink(input: {siteId: $id}) { slug } }", json!({"id": site})),
        ("mutation($id: ID!) { deleteShareLink(id: $id) }", json!({"id": share})),
        ("query($id: ID!) { site(id: $id) { shareLinks { slug } } }", json!({"id": site})),
        // Ids that name nothing at all.
        ("query($id: ID!) { site(id: $id) { id } }", json!({"id": "not-a-uuid"})),
        ("query($id: ID!) { organization(id: $id) { id } }", json!({"id": uuid::Uuid::new_v4().to_string()})),
    ];
    // Mallory's own organization, someone else's member (user only: an API
    // key may not manage members at all).
    let member_calls: Vec<(&str, Value)> = vec![
        ("mutation($id: ID!, $u: ID!) { updateMemberRole(organizationId: $id, userId: $u, role: VIEWER) { role } }", json!({"id": own_org, "u": alice.id})),
        ("mutation($id: ID!, $u: ID!) { removeMember(organizationId: $id, userId: $u) }", json!({"id": own_org, "u": alice.id})),
    ];
    // A share link of Mallory's own site (issue 18): it reads that site's
    // reports, and finds nothing of anyone else's.
    let own_site = app.create_site(&mallory, &own_org, "mallory.example").await;
    let own_share = app
        .gql_ok(
            Some(&mallory.token),
            "mutation($s: ID!) { createShareLink(input: {siteId: $s}) { slug } }",
            json!({"s": own_site}),
        )
        .await["createShareLink"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = fingerprint(&app).await;
    for (query, vars) in calls.iter().chain(member_calls.iter()) {
        let resp = app.gql_shared(&own_share, None, query, vars.clone()).await;
        // Not found, or (what needs an account) unauthenticated: a link's
        // holder has none.
        assert!(
            matches!(
                error_code(&resp).as_deref(),
                Some("NOT_FOUND" | "UNAUTHENTICATED")
            ),
            "share link: {query} → {resp}"
        );
        assert!(
            resp["data"].is_null()
                || resp["data"]
                    .as_object()
                    .is_some_and(|d| d.values().all(Value::is_null))
        );
    }
    for (token, extra) in [(&mallory.token, &member_calls), (&own_key, &Vec::new())] {
        for (query, vars) in calls.iter().chain(extra.iter()) {
            let resp = app.gql(Some(token), query, vars.clone()).await;
            let code = error_code(&resp);
            // An API key cannot reach member operations at all; those say so
            // before any lookup, without naming the resource.
            let key_refusal = token == &own_key
                && code.as_deref() == Some("FORBIDDEN")
                && resp["errors"][0]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("not an API key");
            assert!(
                code.as_deref() == Some("NOT_FOUND") || key_refusal,
                "{query} → {resp}"
            );
            assert!(
                resp["data"].is_null()
                    || resp["data"]
                        .as_object()
                        .is_some_and(|d| d.values().all(Value::is_null))
            );
        }
    }
    assert_eq!(fingerprint(&app).await, before, "nothing changed");

    // The member of another organization does not even see Alice in shared lists.
    let mallory_me = app
        .gql_ok(
            Some(&mallory.token),
            "{ me { organizations { id name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mallory_me["me"]["organizations"],
        json!([{"id": own_org, "name": "Mallory"}])
    );
    let members = app.gql_ok(Some(&viewer.token), "query($id: ID!) { organization(id: $id) { members { user { username organizations { name } } } } }", json!({"id": org})).await;
    for m in members["organization"]["members"].as_array().unwrap() {
        assert_eq!(
            m["user"]["organizations"],
            json!([{"name": "Victim"}]),
            "only shared organizations are listed"
        );
    }
}

/// Reaching an organization through another member's `organizations`
/// keeps the caller's own role: no escalation to that member's role.
async fn roles_do_not_leak_through_other_members_organizations(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_seats", "unlimited")]).await;
    let owner = app.sign_up("owner").await;
    let viewer = app.sign_up("viewer").await;
    let billing = app.sign_up("billing").await;
    let org = app.create_org(&owner, "Acme").await;
    app.create_site(&owner, &org, "acme.example").await;
    app.add_member(&owner, &org, &viewer, "VIEWER").await;
    app.add_member(&owner, &org, &billing, "BILLING").await;
    let q = "query($id: ID!) { organization(id: $id) { members { role user { organizations { viewerRole invoices { id } } } } } }";
    let r = app.gql(Some(&viewer.token), q, json!({"id": org})).await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    let roles = app.gql(Some(&viewer.token), "query($id: ID!) { organization(id: $id) { members { user { organizations { viewerRole } } } } }", json!({"id": org})).await;
    for m in roles["data"]["organization"]["members"].as_array().unwrap() {
        assert_eq!(
            m["user"]["organizations"][0]["viewerRole"], "VIEWER",
            "{roles}"
        );
    }
    let sites = "query($id: ID!) { organization(id: $id) { members { user { organizations { sites { id } } } } } }";
    let r = app
        .gql(Some(&billing.token), sites, json!({"id": org}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
}

both_backends!(
    another_tenants_ids_are_not_found_and_nothing_changes,
    roles_do_not_leak_through_other_members_organizations,
);
