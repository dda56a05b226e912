//! Organizations, invitations, owners, and staff access (promises 5, 7, 12).

use serde_json::json;
use trackr_tests::{both_backends, error_code, Backend, TestApp};

const ORG: &str = "query($id: ID!) { organization(id: $id) { id name slug viewerRole plan { id maxSeats } usage { events limit overQuota periodStart } members { role user { username } } } }";
const INVITE: &str = "mutation($o: ID!, $e: String!, $r: Role!) { inviteMember(organizationId: $o, email: $e, role: $r) }";
const ROLE: &str = "mutation($o: ID!, $u: ID!, $r: Role!) { updateMemberRole(organizationId: $o, userId: $u, role: $r) { role user { username } } }";
const REMOVE: &str = "mutation($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const UNLIMITED: &[(&str, &str)] = &[("plans.free.max_seats", "unlimited")];

async fn creating_an_organization_makes_the_creator_its_owner_on_the_free_plan(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme, Inc.").await;
    let other = app.create_org(&ada, "Acme, Inc.").await;
    let data = app.gql_ok(Some(&ada.token), ORG, json!({"id": org})).await;
    let o = &data["organization"];
    assert_eq!(o["slug"], "acme-inc");
    assert_eq!(o["viewerRole"], "OWNER");
    assert_eq!(o["plan"]["id"], "FREE");
    assert_eq!(o["usage"]["events"], 0);
    assert_eq!(o["usage"]["limit"], 10000);
    assert_eq!(o["usage"]["overQuota"], false);
    assert!(o["usage"]["periodStart"].as_str().unwrap().ends_with("-01"));
    assert_eq!(
        o["members"],
        json!([{ "role": "OWNER", "user": { "username": "ada" } }])
    );
    let second = app
        .gql_ok(Some(&ada.token), ORG, json!({"id": other}))
        .await;
    assert_ne!(
        second["organization"]["slug"], "acme-inc",
        "slugs are unique"
    );
    let me = app
        .gql_ok(
            Some(&ada.token),
            "{ me { organizations { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["organizations"].as_array().unwrap().len(), 2);
    let empty = app
        .gql(
            Some(&ada.token),
            "mutation { createOrganization(name: \"  \") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&empty).as_deref(), Some("BAD_USER_INPUT"));
}

async fn invitations_are_emailed_and_accepted_by_the_invited_address_only(b: Backend) {
    let app = TestApp::spawn_with(b, UNLIMITED).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let eve = app.sign_up("eve").await;
    let org = app.create_org(&ada, "Acme").await;
    app.gql_ok(
        Some(&ada.token),
        INVITE,
        json!({"o": org, "e": bob.email, "r": "VIEWER"}),
    )
    .await;
    let token = app.email_token(&bob.email, "invited").await;
    let accept = "mutation($t: String!) { acceptInvitation(token: $t) { id viewerRole } }";
    let stolen = app.gql(Some(&eve.token), accept, json!({"t": token})).await;
    assert_eq!(error_code(&stolen).as_deref(), Some("FORBIDDEN"));
    let ok = app
        .gql_ok(Some(&bob.token), accept, json!({"t": token}))
        .await;
    assert_eq!(ok["acceptInvitation"]["viewerRole"], "VIEWER");
    let again = app.gql(Some(&bob.token), accept, json!({"t": token})).await;
    assert_eq!(
        error_code(&again).as_deref(),
        Some("BAD_USER_INPUT"),
        "single use"
    );
    let dup = app
        .gql(
            Some(&ada.token),
            INVITE,
            json!({"o": org, "e": bob.email, "r": "ADMIN"}),
        )
        .await;
    assert_eq!(error_code(&dup).as_deref(), Some("CONFLICT"));
}

async fn inviting_past_the_plans_seats_is_a_plan_limit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let r = app
        .gql(
            Some(&ada.token),
            INVITE,
            json!({"o": org, "e": "bob@example.com", "r": "VIEWER"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("PLAN_LIMIT"));
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 seat"),
        "{r}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
}

async fn an_organization_always_keeps_an_owner(b: Backend) {
    let app = TestApp::spawn_with(b, UNLIMITED).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let org = app.create_org(&ada, "Acme").await;
    let demote = app
        .gql(
            Some(&ada.token),
            ROLE,
            json!({"o": org, "u": ada.id, "r": "ADMIN"}),
        )
        .await;
    assert_eq!(error_code(&demote).as_deref(), Some("CONFLICT"));
    let leave = app
        .gql(Some(&ada.token), REMOVE, json!({"o": org, "u": ada.id}))
        .await;
    assert_eq!(error_code(&leave).as_deref(), Some("CONFLICT"));
    app.add_member(&ada, &org, &bob, "ADMIN").await;
    let promoted = app
        .gql_ok(
            Some(&ada.token),
            ROLE,
            json!({"o": org, "u": bob.id, "r": "OWNER"}),
        )
        .await;
    assert_eq!(promoted["updateMemberRole"]["role"], "OWNER");
    app.gql_ok(Some(&ada.token), REMOVE, json!({"o": org, "u": ada.id}))
        .await;
    let gone = app.gql(Some(&ada.token), ORG, json!({"id": org})).await;
    assert_eq!(error_code(&gone).as_deref(), Some("NOT_FOUND"), "ada left");
    let data = app.gql_ok(Some(&bob.token), ORG, json!({"id": org})).await;
    assert_eq!(data["organization"]["members"].as_array().unwrap().len(), 1);
}

async fn promise_5_and_12_staff_reads_of_another_tenant_are_audited(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let staff = app.sign_up("operator").await;
    let org = app.create_org(&ada, "Acme").await;
    let before = app.gql(Some(&staff.token), ORG, json!({"id": org})).await;
    assert_eq!(
        error_code(&before).as_deref(),
        Some("NOT_FOUND"),
        "not staff yet"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.read'")
            .await,
        0
    );

    trackr_api::accounts::grant_staff(
        &app.db,
        &staff.email,
        trackr_api::accounts::StaffRole::Operator,
    )
    .await
    .unwrap();
    let read = app
        .gql_ok(Some(&staff.token), ORG, json!({"id": org}))
        .await;
    assert_eq!(
        read["organization"]["members"][0]["user"]["username"],
        "ada"
    );
    assert_eq!(read["organization"]["viewerRole"], serde_json::Value::Null);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.read'")
            .await,
        1
    );
    let by_staff = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.read' AND target_id = '{org}' AND ip_hash IS NOT NULL"
        ))
        .await;
    assert_eq!(by_staff, 1);

    let write = app
        .gql(
            Some(&staff.token),
            "mutation($id: ID!) { updateOrganization(id: $id, name: \"x\") { id } }",
            json!({"id": org}),
        )
        .await;
    assert_eq!(
        error_code(&write).as_deref(),
        Some("NOT_FOUND"),
        "staff read, never write here"
    );
    let own = app.gql_ok(Some(&ada.token), ORG, json!({"id": org})).await;
    assert_eq!(own["organization"]["name"], "Acme");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.read'")
            .await,
        1,
        "members' reads are not staff reads"
    );
}

async fn promise_7_audit_log_keeps_a_hash_of_the_ip_never_the_ip(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    app.create_site(&ada, &org, "example.com").await;
    let hashed = app
        .count("SELECT COUNT(*) FROM audit_log WHERE ip_hash IS NOT NULL")
        .await;
    assert!(hashed >= 1);
    let raw = app
        .count("SELECT COUNT(*) FROM audit_log WHERE ip_hash LIKE '%127.0.0.1%' OR CAST(details AS TEXT) LIKE '%127.0.0.1%'")
        .await;
    assert_eq!(raw, 0);
}

async fn promise_12_deletions_are_audited(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let site = app.create_site(&ada, &org, "example.com").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { deleteSite(id: $id) }",
        json!({"id": site}),
    )
    .await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { deleteOrganization(id: $id) }",
        json!({"id": org}),
    )
    .await;
    let actor = &ada.id;
    for action in ["site.delete", "organization.delete"] {
        let n = app
            .count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND actor_user_id IS NOT NULL"))
            .await;
        assert_eq!(n, 1, "{action} by {actor}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships").await,
        0,
        "memberships go with the organization"
    );
}

/// The plan column holds the plan's name; each reads back as its `PlanId`,
/// in the organization and in the catalogue alike.
async fn every_stored_plan_reads_back_as_its_plan_id(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    let q = "query($id: ID!) { organization(id: $id) { plan { id retentionDays } } plans { id } }";
    for (stored, id, retention) in [
        ("free", "FREE", 30),
        ("starter", "STARTER", 365),
        ("growth", "GROWTH", 730),
        ("business", "BUSINESS", 1825),
    ] {
        app.set_plan(&org, stored).await;
        let data = app.gql_ok(Some(&ada.token), q, json!({"id": org})).await;
        assert_eq!(data["organization"]["plan"]["id"], id, "{stored}");
        assert_eq!(data["organization"]["plan"]["retentionDays"], retention);
    }
    let data = app.gql_ok(Some(&ada.token), q, json!({"id": org})).await;
    assert_eq!(
        data["plans"],
        json!([{"id": "FREE"}, {"id": "STARTER"}, {"id": "GROWTH"}, {"id": "BUSINESS"}])
    );
}

/// A plan column naming no plan (a newer version's plan, a hand edit) is
/// an error, never the free plan in disguise: its limits and retention
/// would be wrong without anyone noticing.
async fn an_unknown_stored_plan_is_an_error_not_the_free_plan(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    app.set_plan(&org, "enterprise").await;
    let r = app
        .gql(
            Some(&ada.token),
            "query($id: ID!) { organization(id: $id) { plan { id } } }",
            json!({"id": org}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("INTERNAL"), "{r}");
    assert!(r["data"].is_null(), "{r}");
}

both_backends!(
    creating_an_organization_makes_the_creator_its_owner_on_the_free_plan,
    invitations_are_emailed_and_accepted_by_the_invited_address_only,
    inviting_past_the_plans_seats_is_a_plan_limit,
    an_organization_always_keeps_an_owner,
    promise_5_and_12_staff_reads_of_another_tenant_are_audited,
    promise_7_audit_log_keeps_a_hash_of_the_ip_never_the_ip,
    promise_12_deletions_are_audited,
    every_stored_plan_reads_back_as_its_plan_id,
    an_unknown_stored_plan_is_an_error_not_the_free_plan,
);
