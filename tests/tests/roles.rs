//! Every cell of API.md's role table, through the real API.

use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, Backend, TestApp, TestUser};

const ROLES: [&str; 4] = ["OWNER", "ADMIN", "BILLING", "VIEWER"];

struct Team {
    app: TestApp,
    org: String,
    site: String,
    /// One user per role, in the order of `ROLES`.
    users: Vec<TestUser>,
}

async fn team(b: Backend) -> Team {
    let app = TestApp::spawn_with(
        b,
        &[
            ("plans.free.max_seats", "unlimited"),
            ("plans.free.max_sites", "unlimited"),
        ],
    )
    .await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "example.com").await;
    let mut users = vec![owner.clone()];
    for role in &ROLES[1..] {
        let u = app.sign_up(&role.to_lowercase()).await;
        app.add_member(&owner, &org, &u, role).await;
        users.push(u);
    }
    Team {
        app,
        org,
        site,
        users,
    }
}

/// Allowed: no error, or only "not available yet" (a capability this
/// version lacks, checked after the role). Refused: FORBIDDEN by role.
fn allowed(resp: &Value) -> bool {
    match error_code(resp).as_deref() {
        None => true,
        Some("FORBIDDEN") => {
            let m = resp["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                m.contains("your role may not")
                    || m.contains("not available")
                    || m.contains("not configured"),
                "{resp}"
            );
            !m.contains("your role may not")
        }
        other => panic!("unexpected error {other:?}: {resp}"),
    }
}

async fn check(
    t: &Team,
    what: &str,
    expected: [bool; 4],
    query: &str,
    vars: impl Fn(usize) -> Value,
) {
    for (i, want) in expected.into_iter().enumerate() {
        let resp = t.app.gql(Some(&t.users[i].token), query, vars(i)).await;
        assert_eq!(allowed(&resp), want, "{what} as {}: {resp}", ROLES[i]);
    }
}

async fn role_table_read_sites_and_stats(b: Backend) {
    let t = team(b).await;
    let yes = [true, true, false, true];
    check(
        &t,
        "list sites",
        yes,
        "query($o: ID!) { organization(id: $o) { sites { id } } }",
        |_| json!({"o": t.org}),
    )
    .await;
    check(
        &t,
        "read a site",
        yes,
        "query($s: ID!) { site(id: $s) { domain } }",
        |_| json!({"s": t.site}),
    )
    .await;
}

async fn role_table_manage_sites_and_data(b: Backend) {
    let t = team(b).await;
    let yes = [true, true, false, false];
    check(
        &t,
        "create site",
        yes,
        "mutation($o: ID!, $d: String!) { createSite(organizationId: $o, domain: $d) { id } }",
        |i| json!({"o": t.org, "d": format!("s{i}.example")}),
    )
    .await;
    check(
        &t,
        "update site",
        yes,
        "mutation($s: ID!) { updateSite(id: $s, input: {name: \"n\"}) { id } }",
        |_| json!({"s": t.site}),
    )
    .await;
    check(
        &t,
        "delete data",
        yes,
        "mutation($s: ID!) { deleteSiteData(siteId: $s, visitorId: \"123\") }",
        |_| json!({"s": t.site}),
    )
    .await;
    check(&t, "export", yes, "mutation($s: ID!) { requestExport(siteId: $s, range: {from: \"2026-01-01\", to: \"2026-01-31\"}) }", |_| json!({"s": t.site})).await;
    // Delete: each allowed role deletes a site of its own making.
    let ids: Vec<String> = t
        .app
        .gql_ok(
            Some(&t.users[0].token),
            "query($o: ID!) { organization(id: $o) { sites { id domain } } }",
            json!({"o": t.org}),
        )
        .await["organization"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.len(),
        3,
        "the owner's and the admin's new sites beside the first"
    );
    check(
        &t,
        "delete site",
        yes,
        "mutation($s: ID!) { deleteSite(id: $s) }",
        |i| json!({"s": ids[match i { 0 => 1, 1 => 2, _ => 0 }]}),
    )
    .await;
}

async fn role_table_members(b: Backend) {
    let t = team(b).await;
    let yes = [true, true, false, false];
    check(&t, "invite", yes, "mutation($o: ID!, $e: String!) { inviteMember(organizationId: $o, email: $e, role: VIEWER) }", |i| {
        json!({"o": t.org, "e": format!("new{i}@example.com")})
    })
    .await;
    let viewer = &t.users[3];
    check(&t, "change role", yes, "mutation($o: ID!, $u: ID!) { updateMemberRole(organizationId: $o, userId: $u, role: VIEWER) { role } }", |_| {
        json!({"o": t.org, "u": viewer.id})
    })
    .await;
    // Admins manage everyone but owners.
    let owner = &t.users[0];
    let admin = &t.users[1];
    let r = t.app.gql(Some(&admin.token), "mutation($o: ID!, $u: ID!) { updateMemberRole(organizationId: $o, userId: $u, role: VIEWER) { role } }", json!({"o": t.org, "u": owner.id})).await;
    assert_eq!(
        error_code(&r).as_deref(),
        Some("FORBIDDEN"),
        "admin demoting an owner: {r}"
    );
    let r = t.app.gql(Some(&admin.token), "mutation($o: ID!, $u: ID!) { updateMemberRole(organizationId: $o, userId: $u, role: OWNER) { role } }", json!({"o": t.org, "u": viewer.id})).await;
    assert_eq!(
        error_code(&r).as_deref(),
        Some("FORBIDDEN"),
        "admin granting owner: {r}"
    );
    let r = t.app.gql(Some(&admin.token), "mutation($o: ID!) { inviteMember(organizationId: $o, email: \"boss@example.com\", role: OWNER) }", json!({"o": t.org})).await;
    assert_eq!(
        error_code(&r).as_deref(),
        Some("FORBIDDEN"),
        "admin inviting an owner: {r}"
    );
    let r = t
        .app
        .gql(
            Some(&admin.token),
            "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
            json!({"o": t.org, "u": owner.id}),
        )
        .await;
    assert_eq!(
        error_code(&r).as_deref(),
        Some("FORBIDDEN"),
        "admin removing an owner: {r}"
    );
    // Billing and viewer cannot remove others; the admin removes the viewer.
    let billing = &t.users[2];
    for u in [billing, viewer] {
        let r = t
            .app
            .gql(
                Some(&u.token),
                "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
                json!({"o": t.org, "u": admin.id}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("FORBIDDEN"), "{r}");
    }
    t.app
        .gql_ok(
            Some(&admin.token),
            "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
            json!({"o": t.org, "u": viewer.id}),
        )
        .await;
    t.app
        .gql_ok(
            Some(&owner.token),
            "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
            json!({"o": t.org, "u": billing.id}),
        )
        .await;
}

async fn role_table_api_keys(b: Backend) {
    let t = team(b).await;
    let yes = [true, true, false, false];
    check(&t, "create key", yes, "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"k\", scopes: [STATS_READ]) { secret } }", |_| json!({"o": t.org})).await;
    check(
        &t,
        "list keys",
        yes,
        "query($o: ID!) { organization(id: $o) { apiKeys { id } } }",
        |_| json!({"o": t.org}),
    )
    .await;
}

async fn role_table_billing(b: Backend) {
    let t = team(b).await;
    let yes = [true, false, true, false];
    check(
        &t,
        "invoices",
        yes,
        "query($o: ID!) { organization(id: $o) { invoices { id } } }",
        |_| json!({"o": t.org}),
    )
    .await;
    check(
        &t,
        "subscription",
        yes,
        "query($o: ID!) { organization(id: $o) { subscription { status } } }",
        |_| json!({"o": t.org}),
    )
    .await;
    check(
        &t,
        "checkout",
        yes,
        "mutation($o: ID!) { startCheckout(organizationId: $o, plan: GROWTH) }",
        |_| json!({"o": t.org}),
    )
    .await;
    check(
        &t,
        "portal",
        yes,
        "mutation($o: ID!) { billingPortalUrl(organizationId: $o) }",
        |_| json!({"o": t.org}),
    )
    .await;
    // Everyone in the organization sees its plan and usage.
    check(
        &t,
        "plan and usage",
        [true; 4],
        "query($o: ID!) { organization(id: $o) { plan { id } usage { events } members { role } } }",
        |_| json!({"o": t.org}),
    )
    .await;
}

async fn role_table_rename_and_delete_organization(b: Backend) {
    let t = team(b).await;
    check(
        &t,
        "rename",
        [true, true, false, false],
        "mutation($o: ID!) { updateOrganization(id: $o, name: \"Renamed\") { name } }",
        |_| json!({"o": t.org}),
    )
    .await;
    // Non-owners first, so the owner's deletion comes last.
    for i in [1, 2, 3] {
        let r = t
            .app
            .gql(
                Some(&t.users[i].token),
                "mutation($o: ID!) { deleteOrganization(id: $o) }",
                json!({"o": t.org}),
            )
            .await;
        assert_eq!(
            error_code(&r).as_deref(),
            Some("FORBIDDEN"),
            "delete as {}: {r}",
            ROLES[i]
        );
    }
    assert_eq!(t.app.count("SELECT COUNT(*) FROM organizations").await, 1);
    t.app
        .gql_ok(
            Some(&t.users[0].token),
            "mutation($o: ID!) { deleteOrganization(id: $o) }",
            json!({"o": t.org}),
        )
        .await;
    assert_eq!(t.app.count("SELECT COUNT(*) FROM organizations").await, 0);
    assert_eq!(t.app.count("SELECT COUNT(*) FROM sites").await, 0);
}

both_backends!(
    role_table_read_sites_and_stats,
    role_table_manage_sites_and_data,
    role_table_members,
    role_table_api_keys,
    role_table_billing,
    role_table_rename_and_delete_organization,
);
