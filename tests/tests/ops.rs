//! Operations: health, readiness, metrics, request ids, limits, GraphiQL,
//! and the schema contract.

use serde_json::json;
use trackr_tests::{both_backends, error_code, Backend, TestApp};

async fn health_readiness_and_metrics(b: Backend) {
    let app = TestApp::spawn(b).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    let expected_redis = if b == Backend::Postgres {
        "ok"
    } else {
        "not configured"
    };
    assert_eq!(body["redis"], expected_redis);
    app.gql(None, "{ plans { id } }", json!({})).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "trackr_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("trackr_http_request_duration_seconds_bucket"));
}

async fn every_response_carries_a_request_id(b: Backend) {
    let app = TestApp::spawn(b).await;
    let fresh = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
}

async fn oversized_bodies_and_deep_queries_are_refused(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[
            ("limits.graphql_body_bytes", "4096"),
            ("limits.graphql_max_depth", "6"),
        ],
    )
    .await;
    let big = "x".repeat(10_000);
    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ plans {{ id }} }} # {big}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    // Seven deep, and cheap enough that depth is what refuses it.
    let deep = "{ me { organizations { members { user { organizations { plan { id } } } } } } }";
    let r = app.gql(None, deep, json!({})).await;
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("nested too deep"), "{r}");
    let malformed = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
}

async fn graphiql_is_served_on_get(b: Backend) {
    let app = TestApp::spawn(b).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    let r = app.gql(None, "{ nosuchfield }", json!({})).await;
    assert!(r["errors"].is_array());
    assert_eq!(
        error_code(&r),
        None,
        "validation errors are not domain errors"
    );
}

async fn graphiql_can_be_turned_off_and_metrics_need_their_token(b: Backend) {
    let app = TestApp::spawn_with(
        b,
        &[("graphiql", "false"), ("metrics_token", "scrape-secret")],
    )
    .await;
    assert_eq!(
        app.client
            .get(app.url("/graphql"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    app.gql_ok(None, "{ plans { id } }", json!({})).await;
    assert_eq!(
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("trackr_http_requests_total"));
}

/// Each GraphQL operation runs in a `graphql` span named for it, with the
/// organization it reached: ids only, never the caller's email or token.
async fn graphql_operations_run_in_spans_with_their_name_and_organization(b: Backend) {
    trackr_tests::spans::closed();
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    app.gql_ok(
        Some(&ada.token),
        "query OrganizationName($id: ID!) { organization(id: $id) { name } }",
        json!({"id": org}),
    )
    .await;
    app.gql_ok(
        Some(&ada.token),
        "mutation Rename($id: ID!) { updateOrganization(id: $id, name: \"Acme 2\") { name } }",
        json!({"id": org}),
    )
    .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let spans: Vec<_> = trackr_tests::spans::closed()
            .into_iter()
            .filter(|s| s.name == "graphql")
            .collect();
        let of = |name: &str| {
            spans
                .iter()
                .find(|s| s.fields.get("operation_name").map(String::as_str) == Some(name))
                .cloned()
        };
        if let (Some(query), Some(mutation)) = (of("OrganizationName"), of("Rename")) {
            for span in [&query, &mutation] {
                assert_eq!(span.fields.get("organization_id"), Some(&org), "{span:?}");
            }
            for span in &spans {
                let all = format!("{:?}", span.fields);
                assert!(
                    !all.contains(&ada.email) && !all.contains(&ada.token),
                    "{all}"
                );
            }
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no spans for both operations: {spans:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

both_backends!(
    graphql_operations_run_in_spans_with_their_name_and_organization,
    graphiql_can_be_turned_off_and_metrics_need_their_token,
    health_readiness_and_metrics,
    every_response_carries_a_request_id,
    oversized_bodies_and_deep_queries_are_refused,
    graphiql_is_served_on_get,
);

/// Every name of API.md's core schema that this version serves.
#[test]
fn schema_contains_the_api_contract() {
    let sdl = trackr_api::graphql::sdl();
    let names = [
        "scalar DateTime",
        "scalar Date",
        "scalar JSON",
        "enum Role",
        "OWNER",
        "ADMIN",
        "BILLING",
        "VIEWER",
        "enum PlanId",
        "FREE",
        "STARTER",
        "GROWTH",
        "BUSINESS",
        "type AuthPayload",
        "token: String!",
        "user: User!",
        "type User",
        "username: String!",
        "email: String!",
        "name: String",
        "emailVerified: Boolean!",
        "createdAt: DateTime!",
        "organizations: [Organization!]!",
        "type Organization",
        "slug: String!",
        "plan: Plan!",
        "subscription: Subscription",
        "members: [Membership!]!",
        "sites: [Site!]!",
        "usage: Usage!",
        "invoices: [Invoice!]!",
        "type Plan",
        "id: PlanId!",
        "monthlyEvents: Int!",
        "maxSites: Int",
        "maxSeats: Int",
        "retentionDays: Int!",
        "recordingRetentionDays: Int",
        "type Membership",
        "role: Role!",
        "type Site",
        "domain: String!",
        "timezone: String!",
        "retentionOverrideDays: Int",
        "honorDnt: Boolean!",
        "requireConsent: Boolean!",
        "recordingsEnabled: Boolean!",
        "input DateRange",
        "from: Date!",
        "to: Date!",
        "type Usage",
        "periodStart: Date!",
        "events: Int!",
        "limit: Int!",
        "overQuota: Boolean!",
        "type Subscription",
        // Stripe's status, as an enum (`ACTIVE`, `PAST_DUE`, …).
        "status: SubscriptionStatus!",
        "enum SubscriptionStatus",
        "status: String!",
        "currentPeriodEnd: DateTime!",
        "cancelAtPeriodEnd: Boolean!",
        "type Invoice",
        "stripeInvoiceId: String!",
        "currency: String!",
        "amountDue: Int!",
        "amountPaid: Int!",
        "periodStart: DateTime!",
        "periodEnd: DateTime!",
        "paidAt: DateTime",
        "hostedInvoiceUrl: String",
        "type ApiKey",
        // The scopes as an enum (`STATS_READ`, …), in and out.
        "scopes: [ApiKeyScope!]!",
        "enum ApiKeyScope",
        "prefix: String!",
        "lastUsedAt: DateTime",
        "type CreatedApiKey",
        "apiKey: ApiKey!",
        "secret: String!",
        "me: User!",
        "organization(id: ID!): Organization!",
        "site(id: ID!): Site!",
        "plans: [Plan!]!",
        "signUp(email: String!, username: String!, password: String!): AuthPayload!",
        "logIn(email: String!, password: String!): AuthPayload!",
        "logOut: Boolean!",
        "requestPasswordReset(email: String!): Boolean!",
        "resetPassword(token: String!, newPassword: String!): Boolean!",
        "verifyEmail(token: String!): Boolean!",
        // An optional `currentPassword` follows, which changing the email
        // needs: every query of the contract still validates.
        "updateProfile(name: String, email: String, currentPassword: String): User!",
        "deleteAccount(password: String!): Boolean!",
        "createOrganization(name: String!): Organization!",
        "updateOrganization(id: ID!, name: String!): Organization!",
        "deleteOrganization(id: ID!): Boolean!",
        "inviteMember(organizationId: ID!, email: String!, role: Role!): Boolean!",
        "acceptInvitation(token: String!): Organization!",
        "updateMemberRole(organizationId: ID!, userId: ID!, role: Role!): Membership!",
        "removeMember(organizationId: ID!, userId: ID!): Boolean!",
        "createSite(organizationId: ID!, domain: String!, name: String, timezone: String): Site!",
        "updateSite(id: ID!, input: UpdateSiteInput!): Site!",
        "deleteSite(id: ID!): Boolean!",
        "createApiKey(organizationId: ID!, name: String!, scopes: [ApiKeyScope!]!): CreatedApiKey!",
        "revokeApiKey(id: ID!): Boolean!",
        // An optional `interval` (MONTH, YEAR) follows: every query of the
        // contract still works unchanged.
        "startCheckout(organizationId: ID!, plan: PlanId!, interval: BillingInterval): String!",
        "billingPortalUrl(organizationId: ID!): String!",
        "deleteSiteData(siteId: ID!, range: DateRange, visitorId: String): ID!",
        "requestExport(siteId: ID!, range: DateRange!): ID!",
        "input UpdateSiteInput",
        "retentionOverrideDays: Int",
        "honorDnt: Boolean",
    ];
    let missing: Vec<&str> = names.iter().copied().filter(|n| !sdl.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "missing from the schema: {missing:#?}\n{sdl}"
    );
}
