//! What the web app's management pages need from the API, each usable by
//! any API client too: a user's sessions (device, last use, end one), the
//! download of their own data, pending invitations (list, resend, cancel)
//! and the finance staff role.

use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, Backend, TestApp, TestUser};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Logs `user` in from a browser with this User-Agent; the session token.
async fn log_in_from(app: &TestApp, user: &TestUser, agent: &str) -> String {
    let resp: Value = app
        .client
        .post(app.url("/graphql"))
        .header("user-agent", agent)
        .json(&json!({
            "query": trackr_tests::LOG_IN,
            "variables": {"e": user.email, "p": user.password},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resp["data"]["logIn"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

const SESSIONS: &str = "{ me { sessions { id device current createdAt lastSeenAt expiresAt } } }";

async fn promise_13_sessions_name_their_device_and_last_use_and_one_can_be_ended(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let laptop = log_in_from(&app, &ada, FIREFOX).await;
    let desktop = log_in_from(&app, &ada, CHROME).await;

    let seen = app.gql_ok(Some(&laptop), SESSIONS, json!({})).await;
    let sessions = seen["me"]["sessions"].as_array().unwrap().clone();
    assert_eq!(
        sessions.len(),
        3,
        "sign-up's, the laptop's, the desktop's: {seen}"
    );
    let device = |d: &str| sessions.iter().find(|s| s["device"] == d).cloned();
    let firefox = device("Firefox on Linux").expect("Firefox on Linux");
    let chrome = device("Chrome on Windows 10").expect("Chrome on Windows 10");
    assert_eq!(firefox["current"], true);
    assert_eq!(chrome["current"], false);
    assert!(firefox["lastSeenAt"].is_string());
    let text = seen.to_string();
    assert!(
        !text.contains(&laptop) && !text.contains(&desktop),
        "no secrets: {text}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE device LIKE '%Mozilla%'")
            .await,
        0,
        "never the raw User-Agent"
    );

    // Another user cannot end it, nor see that it exists.
    let eve = app.sign_up("eve").await;
    let theirs = app
        .gql(
            Some(&eve.token),
            "mutation($id: ID!) { endSession(id: $id) }",
            json!({"id": chrome["id"]}),
        )
        .await;
    assert_eq!(
        error_code(&theirs).as_deref(),
        Some("NOT_FOUND"),
        "{theirs}"
    );
    app.gql_ok(Some(&desktop), "{ me { id } }", json!({})).await;

    let ended = app
        .gql_ok(
            Some(&laptop),
            "mutation($id: ID!) { endSession(id: $id) }",
            json!({"id": chrome["id"]}),
        )
        .await;
    assert_eq!(ended["endSession"], true);
    let gone = app.gql(Some(&desktop), "{ me { id } }", json!({})).await;
    assert_eq!(
        error_code(&gone).as_deref(),
        Some("UNAUTHENTICATED"),
        "{gone}"
    );
    app.gql_ok(Some(&laptop), "{ me { id } }", json!({})).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'session.end'")
            .await,
        1
    );
}

async fn promise_13_users_download_their_own_personal_data(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_seats", "10")]).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let org = app.create_org(&ada, "Acme").await;
    app.add_member(&ada, &org, &bob, "VIEWER").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation { updateProfile(name: \"Ada Lovelace\") { id } }",
        json!({}),
    )
    .await;

    let data = app.gql_ok(Some(&ada.token), "{ myData }", json!({})).await;
    let doc = &data["myData"];
    assert_eq!(doc["profile"]["email"], ada.email);
    assert_eq!(doc["profile"]["username"], "ada");
    assert_eq!(doc["profile"]["name"], "Ada Lovelace");
    assert_eq!(doc["memberships"][0]["organization"], "Acme");
    assert_eq!(doc["memberships"][0]["role"], "OWNER");
    assert!(!doc["sessions"].as_array().unwrap().is_empty());
    let actions: Vec<&str> = doc["auditEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"member.invite"), "{actions:?}");
    let text = doc.to_string();
    for secret in [
        ada.token.as_str(),
        "password_hash",
        "token_hash",
        "ip_hash",
        "argon2",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(
        !text.contains(&bob.email),
        "nothing about another user: {text}"
    );
    // The download is audited; an API key has no person to export.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.export'")
            .await,
        1
    );
    let key = app
        .gql_ok(
            Some(&ada.token),
            "mutation($o: ID!) { createApiKey(organizationId: $o, name: \"k\", scopes: [STATS_READ]) { secret } }",
            json!({"o": org}),
        )
        .await;
    let by_key = app
        .gql(
            key["createApiKey"]["secret"].as_str(),
            "{ myData }",
            json!({}),
        )
        .await;
    assert!(by_key["errors"].is_array(), "{by_key}");
}

const INVITATIONS: &str =
    "query($o: ID!) { organization(id: $o) { invitations { id email role expired } } }";

async fn pending_invitations_are_listed_resent_and_cancelled(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_seats", "10")]).await;
    let ada = app.sign_up("ada").await;
    let org = app.create_org(&ada, "Acme").await;
    for (email, role) in [("bob@example.com", "VIEWER"), ("cyd@example.com", "ADMIN")] {
        app.gql_ok(
            Some(&ada.token),
            "mutation($o: ID!, $e: String!, $r: Role!) { inviteMember(organizationId: $o, email: $e, role: $r) }",
            json!({"o": org, "e": email, "r": role}),
        )
        .await;
    }
    let listed = app
        .gql_ok(Some(&ada.token), INVITATIONS, json!({"o": org}))
        .await;
    let invitations = listed["organization"]["invitations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(invitations.len(), 2, "{listed}");
    let find = |email: &str| {
        invitations
            .iter()
            .find(|i| i["email"] == email)
            .cloned()
            .unwrap()
    };
    let (bob, cy) = (find("bob@example.com"), find("cyd@example.com"));
    assert_eq!(bob["role"], "VIEWER");
    assert_eq!(bob["expired"], false);
    let first = app.email_token("bob@example.com", "invited").await;

    // Resending mails a new link; the old one stops working.
    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { resendInvitation(id: $id) }",
        json!({"id": bob["id"]}),
    )
    .await;
    let emails = app
        .emails()
        .into_iter()
        .filter(|e| e.contains("bob@example.com"))
        .count();
    assert_eq!(emails, 2);
    let bob_user = app.sign_up("bob").await;
    let old = app
        .gql(
            Some(&bob_user.token),
            "mutation($t: String!) { acceptInvitation(token: $t) { id } }",
            json!({"t": first}),
        )
        .await;
    assert_eq!(error_code(&old).as_deref(), Some("BAD_USER_INPUT"), "{old}");

    // Nobody else may see, resend or cancel them.
    let eve = app.sign_up("eve").await;
    app.create_org(&eve, "Eve's").await;
    for mutation in ["resendInvitation", "cancelInvitation"] {
        let r = app
            .gql(
                Some(&eve.token),
                &format!("mutation($id: ID!) {{ {mutation}(id: $id) }}"),
                json!({"id": cy["id"]}),
            )
            .await;
        assert_eq!(
            error_code(&r).as_deref(),
            Some("NOT_FOUND"),
            "{mutation}: {r}"
        );
    }
    let viewer = app.sign_up("vic").await;
    app.add_member(&ada, &org, &viewer, "VIEWER").await;
    let peek = app
        .gql(Some(&viewer.token), INVITATIONS, json!({"o": org}))
        .await;
    assert_eq!(error_code(&peek).as_deref(), Some("FORBIDDEN"), "{peek}");

    // Cancelled: gone from the list, its link dead.
    let cy_token = app.email_token("cyd@example.com", "invited").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { cancelInvitation(id: $id) }",
        json!({"id": cy["id"]}),
    )
    .await;
    let after = app
        .gql_ok(Some(&ada.token), INVITATIONS, json!({"o": org}))
        .await;
    let left: Vec<_> = after["organization"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].clone())
        .collect();
    assert_eq!(left, vec![json!("bob@example.com")]);
    let cy_user = app.sign_up("cyd").await;
    let dead = app
        .gql(
            Some(&cy_user.token),
            "mutation($t: String!) { acceptInvitation(token: $t) { id } }",
            json!({"t": cy_token}),
        )
        .await;
    assert_eq!(
        error_code(&dead).as_deref(),
        Some("BAD_USER_INPUT"),
        "{dead}"
    );
}

async fn promise_12_finance_staff_read_billing_across_organizations_and_nothing_else(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (ada, org, site) = app.site_owner("acme.test").await;
    let fin = app.sign_up("fin").await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let reconcile = "query($m: String!) { reconciliation(month: $m) { month } }";
    let before = app
        .gql(Some(&fin.token), reconcile, json!({"m": month}))
        .await;
    assert_eq!(
        error_code(&before).as_deref(),
        Some("FORBIDDEN"),
        "{before}"
    );

    trackr_api::accounts::grant_staff(
        &app.db,
        &fin.email,
        trackr_api::accounts::StaffRole::Finance,
    )
    .await
    .unwrap();
    let me = app
        .gql_ok(Some(&fin.token), "{ me { isStaff isFinance } }", json!({}))
        .await;
    assert_eq!(me["me"], json!({"isStaff": false, "isFinance": true}));
    app.gql_ok(Some(&fin.token), reconcile, json!({"m": month}))
        .await;
    let billing = app
        .gql_ok(
            Some(&fin.token),
            "query($o: ID!) { organization(id: $o) { name plan { id } usage { events } invoices { id } } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(billing["organization"]["name"], "Acme");
    assert_eq!(billing["organization"]["plan"]["id"], "FREE");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.read' AND CAST(details AS TEXT) LIKE '%finance%'").await,
        1,
        "the read is audited as a staff read"
    );

    // Nothing else: no analytics, no members, no changes.
    for (query, vars) in [
        (
            "query($o: ID!) { organization(id: $o) { sites { id } } }",
            json!({"o": org}),
        ),
        (
            "query($o: ID!) { organization(id: $o) { members { user { email } } } }",
            json!({"o": org}),
        ),
        (
            "query($s: ID!) { site(id: $s) { domain } }",
            json!({"s": site}),
        ),
        (
            "mutation($o: ID!) { updateOrganization(id: $o, name: \"x\") { id } }",
            json!({"o": org}),
        ),
        (
            "mutation($o: ID!) { billingPortalUrl(organizationId: $o) }",
            json!({"o": org}),
        ),
    ] {
        let r = app.gql(Some(&fin.token), query, vars).await;
        let code = error_code(&r);
        assert!(
            matches!(code.as_deref(), Some("FORBIDDEN" | "NOT_FOUND")),
            "{query}: {r}"
        );
    }
    // The invoices CSV, from the web app's Finance page: the session cookie
    // counts on a same-origin navigation, not on a link from elsewhere.
    let cookie = app.browser_session(&fin).await;
    let csv = |site: &'static str| {
        app.client
            .get(app.url(&format!("/finance/invoices.csv?month={month}")))
            .header("cookie", cookie.clone())
            .header("sec-fetch-site", site)
            .send()
    };
    let own = csv("same-origin").await.unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().starts_with("stripe_invoice_id,"));
    assert_eq!(
        csv("cross-site").await.unwrap().status(),
        401,
        "a link on another site"
    );

    let still = app
        .gql_ok(
            Some(&ada.token),
            "query($o: ID!) { organization(id: $o) { name } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(still["organization"]["name"], "Acme");
}

async fn promise_14_a_sites_data_requests_are_listed_for_those_who_manage_it(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_seats", "10")]).await;
    let (ada, org, site) = app.site_owner("acme.test").await;
    let range = json!({"from": "2026-01-01", "to": "2026-01-31"});
    let export = app
        .gql_ok(
            Some(&ada.token),
            "mutation($s: ID!, $r: DateRange!) { requestExport(siteId: $s, range: $r) }",
            json!({"s": site, "r": range}),
        )
        .await;
    let deletion = app
        .gql_ok(
            Some(&ada.token),
            "mutation($s: ID!, $r: DateRange!) { deleteSiteData(siteId: $s, range: $r) }",
            json!({"s": site, "r": range}),
        )
        .await;
    const JOBS: &str =
        "query($s: ID!, $n: Int! = 20) { site(id: $s) { jobs(limit: $n) { id kind status } } }";
    let listed = app.gql_ok(Some(&ada.token), JOBS, json!({"s": site})).await;
    let ids: Vec<&Value> = listed["site"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["id"])
        .collect();
    assert_eq!(
        ids,
        vec![&deletion["deleteSiteData"], &export["requestExport"]],
        "newest first: {listed}"
    );
    assert_eq!(listed["site"]["jobs"][1]["kind"], "EXPORT");
    let one = app
        .gql_ok(Some(&ada.token), JOBS, json!({"s": site, "n": 1}))
        .await;
    assert_eq!(one["site"]["jobs"].as_array().unwrap().len(), 1);
    let bad = app
        .gql(Some(&ada.token), JOBS, json!({"s": site, "n": 0}))
        .await;
    assert_eq!(error_code(&bad).as_deref(), Some("BAD_USER_INPUT"), "{bad}");

    // A VIEWER reads the site, not its data requests; another tenant not even the site.
    let vic = app.sign_up("vic").await;
    app.add_member(&ada, &org, &vic, "VIEWER").await;
    let viewer = app.gql(Some(&vic.token), JOBS, json!({"s": site})).await;
    assert_eq!(
        error_code(&viewer).as_deref(),
        Some("FORBIDDEN"),
        "{viewer}"
    );
    let eve = app.sign_up("eve").await;
    let other = app.gql(Some(&eve.token), JOBS, json!({"s": site})).await;
    assert_eq!(error_code(&other).as_deref(), Some("NOT_FOUND"), "{other}");
}

async fn verification_emails_can_be_sent_again_and_usage_counts_sites_and_seats(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.max_seats", "10")]).await;
    let (ada, org, _) = app.site_owner("acme.test").await;
    let first = app.email_token(&ada.email, "Welcome").await;
    let again = app
        .gql_ok(
            Some(&ada.token),
            "mutation { resendVerificationEmail }",
            json!({}),
        )
        .await;
    assert_eq!(again["resendVerificationEmail"], true);
    // Sent after the answer, as sign-up's is.
    let welcomes = || {
        app.emails()
            .into_iter()
            .filter(|m| m.contains("Confirm your email"))
            .count()
    };
    for _ in 0..200 {
        if welcomes() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(welcomes(), 2);
    let second = app.email_token(&ada.email, "Welcome").await;
    assert_ne!(first, second);
    app.gql_ok(
        None,
        "mutation($t: String!) { verifyEmail(token: $t) }",
        json!({"t": second}),
    )
    .await;
    let done = app
        .gql_ok(
            Some(&ada.token),
            "mutation { resendVerificationEmail }",
            json!({}),
        )
        .await;
    assert_eq!(
        done["resendVerificationEmail"], false,
        "verified already: nothing sent"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(welcomes(), 2);

    app.gql_ok(
        Some(&ada.token),
        "mutation($o: ID!) { inviteMember(organizationId: $o, email: \"bob@example.com\", role: BILLING) }",
        json!({"o": org}),
    )
    .await;
    let usage = app
        .gql_ok(
            Some(&ada.token),
            "query($o: ID!) { organization(id: $o) { usage { sites seats } } }",
            json!({"o": org}),
        )
        .await;
    assert_eq!(
        usage["organization"]["usage"],
        json!({"sites": 1, "seats": 2}),
        "one member, one invitation"
    );
}

both_backends!(
    promise_14_a_sites_data_requests_are_listed_for_those_who_manage_it,
    verification_emails_can_be_sent_again_and_usage_counts_sites_and_seats,
    promise_13_sessions_name_their_device_and_last_use_and_one_can_be_ended,
    promise_13_users_download_their_own_personal_data,
    pending_invitations_are_listed_resent_and_cancelled,
    promise_12_finance_staff_read_billing_across_organizations_and_nothing_else,
);
