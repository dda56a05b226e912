//! Accounts: sign-up, log-in and its rate limits, sessions, email
//! verification, password reset (privacy promise 9), profile (promise 5).

use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, Backend, TestApp};

const LOG_IN: &str = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token user { username } } }";
const ME: &str = "{ me { id username email name emailVerified organizations { id } } }";

async fn sign_up_gives_a_working_session_token_stored_only_as_a_hash(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let me = app.gql_ok(Some(&ada.token), ME, json!({})).await;
    assert_eq!(me["me"]["username"], "ada");
    assert_eq!(me["me"]["email"], "ada@example.com");
    assert_eq!(me["me"]["emailVerified"], false);
    let secret = &ada.token["trk_s_".len()..];
    let leaked = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash LIKE '%{secret}%'"
        ))
        .await;
    assert_eq!(leaked, 0, "the raw token is never stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    let hash = app
        .count("SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(hash, 1, "passwords are hashed with argon2id");
}

async fn sign_up_refuses_bad_input_and_duplicates(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.sign_up("ada").await;
    let q = "mutation($e: String!, $u: String!, $p: String!) { signUp(email: $e, username: $u, password: $p) { token } }";
    for (email, username, password, field) in [
        ("not-an-email", "bob", "long enough password", "email"),
        ("bob@example.com", "b", "long enough password", "username"),
        ("bob@example.com", "bob", "short", "password"),
        // Long enough, but guessable (issue 12).
        ("bob@example.com", "bob", "password12", "password"),
        ("bob@example.com", "bob", "1234567890", "password"),
        ("bob@example.com", "bob", "          ", "password"),
        ("bob@example.com", "bob", "bob@example.com", "password"),
    ] {
        let resp = app
            .gql(None, q, json!({"e": email, "u": username, "p": password}))
            .await;
        assert_eq!(
            error_code(&resp).as_deref(),
            Some("BAD_USER_INPUT"),
            "{resp}"
        );
        assert_eq!(resp["errors"][0]["extensions"]["field"], field);
    }
    // A taken email is answered as a new one would be (no account oracle);
    // its owner hears of it by email.
    let dup_email = app
        .gql(
            None,
            "mutation($e: String!, $u: String!, $p: String!) { signUp(email: $e, username: $u, password: $p) { token user { username email emailVerified organizations { id } } } }",
            json!({"e": "ADA@example.com", "u": "other", "p": "long enough password"}),
        )
        .await;
    assert!(dup_email.get("errors").is_none(), "{dup_email}");
    let payload = &dup_email["data"]["signUp"];
    assert!(payload["token"].as_str().unwrap().starts_with("trk_s_"));
    assert_eq!(payload["user"]["username"], "other");
    assert_eq!(payload["user"]["email"], "ada@example.com");
    assert_eq!(payload["user"]["emailVerified"], false);
    let told = app
        .wait_for_email("ada@example.com", "Sign-up attempt")
        .await;
    assert!(told.contains("username ada"), "{told}");
    let useless = app.gql(payload["token"].as_str(), ME, json!({})).await;
    assert_eq!(error_code(&useless).as_deref(), Some("UNAUTHENTICATED"));
    let dup_name = app
        .gql(
            None,
            q,
            json!({"e": "x@example.com", "u": "Ada", "p": "long enough password"}),
        )
        .await;
    assert_eq!(error_code(&dup_name).as_deref(), Some("CONFLICT"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        1,
        "nothing was created"
    );
}

async fn log_in_and_log_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let wrong = app
        .gql(
            None,
            LOG_IN,
            json!({"e": ada.email, "p": "wrong password!"}),
        )
        .await;
    assert_eq!(error_code(&wrong).as_deref(), Some("UNAUTHENTICATED"));
    let unknown = app
        .gql(
            None,
            LOG_IN,
            json!({"e": "nobody@example.com", "p": "wrong password!"}),
        )
        .await;
    assert_eq!(
        wrong["errors"][0]["message"], unknown["errors"][0]["message"],
        "no account enumeration"
    );
    let ok = app
        .gql_ok(
            None,
            LOG_IN,
            json!({"e": "Ada@Example.com", "p": ada.password}),
        )
        .await;
    let token = ok["logIn"]["token"].as_str().unwrap().to_owned();
    assert_ne!(token, ada.token);
    app.gql_ok(Some(&token), "mutation { logOut }", json!({}))
        .await;
    let after = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(error_code(&after).as_deref(), Some("UNAUTHENTICATED"));
    let still = app.gql_ok(Some(&ada.token), ME, json!({})).await;
    assert_eq!(still["me"]["username"], "ada", "other sessions stay");
}

async fn log_in_attempts_are_rate_limited_per_account(b: Backend) {
    let app = TestApp::spawn_with(b, &[("limits.login_attempts_per_account", "3")]).await;
    let ada = app.sign_up("ada").await;
    for _ in 0..3 {
        let r = app
            .gql(
                None,
                LOG_IN,
                json!({"e": ada.email, "p": "wrong password!"}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("UNAUTHENTICATED"));
    }
    let limited = app
        .gql(None, LOG_IN, json!({"e": ada.email, "p": ada.password}))
        .await;
    assert_eq!(
        error_code(&limited).as_deref(),
        Some("RATE_LIMITED"),
        "even the right password waits"
    );
    let bob = app.sign_up("bob").await;
    app.gql_ok(None, LOG_IN, json!({"e": bob.email, "p": bob.password}))
        .await;
}

async fn log_in_attempts_are_rate_limited_per_ip(b: Backend) {
    let app = TestApp::spawn_with(b, &[("limits.login_attempts_per_ip", "4")]).await;
    for i in 0..4 {
        let r = app
            .gql(
                None,
                LOG_IN,
                json!({"e": format!("u{i}@example.com"), "p": "wrong password!"}),
            )
            .await;
        assert_eq!(error_code(&r).as_deref(), Some("UNAUTHENTICATED"));
    }
    let r = app
        .gql(
            None,
            LOG_IN,
            json!({"e": "another@example.com", "p": "wrong password!"}),
        )
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("RATE_LIMITED"));
}

async fn promise_9_password_reset_email_names_the_requesting_ip(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let r = app
        .gql_ok(
            None,
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({"e": ada.email}),
        )
        .await;
    assert_eq!(r["requestPasswordReset"], true);
    let mail = app.wait_for_email(&ada.email, "reset").await;
    assert!(mail.contains("IP address 127.0.0.1"), "{mail}");
    let token = app.email_token(&ada.email, "reset").await;

    let reset = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
    app.gql_ok(
        None,
        reset,
        json!({"t": token, "p": "a brand new password"}),
    )
    .await;
    let old_session = app.gql(Some(&ada.token), ME, json!({})).await;
    assert_eq!(
        error_code(&old_session).as_deref(),
        Some("UNAUTHENTICATED"),
        "a reset ends every session"
    );
    app.gql_ok(
        None,
        LOG_IN,
        json!({"e": ada.email, "p": "a brand new password"}),
    )
    .await;
    let again = app
        .gql(
            None,
            reset,
            json!({"t": token, "p": "another new password"}),
        )
        .await;
    assert_eq!(
        error_code(&again).as_deref(),
        Some("BAD_USER_INPUT"),
        "tokens are single-use"
    );
}

async fn password_reset_never_reveals_whether_an_account_exists(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let q = "mutation($e: String!) { requestPasswordReset(email: $e) }";
    let known = app.gql(None, q, json!({"e": ada.email})).await;
    let unknown = app.gql(None, q, json!({"e": "nobody@example.com"})).await;
    assert_eq!(known, unknown);
    app.wait_for_email(&ada.email, "reset").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        app.emails()
            .iter()
            .all(|m| !m.contains("nobody@example.com")),
        "no email is sent for an unknown address"
    );
}

async fn email_verification_uses_a_single_use_token(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let token = app.email_token(&ada.email, "Confirm").await;
    let q = "mutation($t: String!) { verifyEmail(token: $t) }";
    app.gql_ok(None, q, json!({"t": token})).await;
    let me = app.gql_ok(Some(&ada.token), ME, json!({})).await;
    assert_eq!(me["me"]["emailVerified"], true);
    let again = app.gql(None, q, json!({"t": token})).await;
    assert_eq!(error_code(&again).as_deref(), Some("BAD_USER_INPUT"));
    let bogus = app.gql(None, q, json!({"t": "nonsense"})).await;
    assert_eq!(error_code(&bogus).as_deref(), Some("BAD_USER_INPUT"));
}

async fn promise_5_users_see_and_correct_their_profile_but_not_their_username(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    app.sign_up("bob").await;
    let q = "mutation($n: String, $e: String, $p: String) { updateProfile(name: $n, email: $e, currentPassword: $p) { username name email emailVerified } }";
    let r = app
        .gql_ok(
            Some(&ada.token),
            q,
            json!({"n": "Ada Lovelace", "e": "ada@lovelace.org", "p": ada.password}),
        )
        .await;
    assert_eq!(r["updateProfile"]["name"], "Ada Lovelace");
    assert_eq!(r["updateProfile"]["email"], "ada@lovelace.org");
    assert_eq!(
        r["updateProfile"]["emailVerified"], false,
        "a new address must be verified again"
    );
    app.wait_for_email("ada@lovelace.org", "Confirm").await;
    let taken = app
        .gql(
            Some(&ada.token),
            q,
            json!({"e": "bob@example.com", "p": ada.password}),
        )
        .await;
    assert_eq!(error_code(&taken).as_deref(), Some("CONFLICT"));
    let rename = app
        .gql(
            Some(&ada.token),
            "mutation { updateProfile(username: \"eve\") { username } }",
            json!({}),
        )
        .await;
    assert!(
        rename["errors"].is_array(),
        "there is no way to change a username: {rename}"
    );
    let me = app.gql_ok(Some(&ada.token), ME, json!({})).await;
    assert_eq!(me["me"]["username"], "ada");
}

async fn promise_5_deleting_an_account_removes_personal_data(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let org = app.create_org(&ada, "Ada's").await;
    let q = "mutation($p: String!) { deleteAccount(password: $p) }";
    let wrong = app
        .gql(Some(&ada.token), q, json!({"p": "not my password"}))
        .await;
    assert_eq!(error_code(&wrong).as_deref(), Some("BAD_USER_INPUT"));
    let last_owner = app
        .gql(Some(&ada.token), q, json!({"p": ada.password}))
        .await;
    assert_eq!(error_code(&last_owner).as_deref(), Some("CONFLICT"));
    let message = last_owner["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("last owner") && message.contains("Ada's"),
        "{message}"
    );

    app.gql_ok(
        Some(&ada.token),
        "mutation($id: ID!) { deleteOrganization(id: $id) }",
        json!({"id": org}),
    )
    .await;
    app.gql_ok(Some(&ada.token), q, json!({"p": ada.password}))
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'ada@example.com'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'ada'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_tokens").await,
        1,
        "only bob's token is left"
    );
    let gone = app.gql(Some(&ada.token), ME, json!({})).await;
    assert_eq!(error_code(&gone).as_deref(), Some("UNAUTHENTICATED"));
    app.gql_ok(Some(&bob.token), ME, json!({})).await;
}

async fn requests_without_or_with_a_bad_token_are_unauthenticated(b: Backend) {
    let app = TestApp::spawn(b).await;
    let none = app.gql(None, ME, json!({})).await;
    assert_eq!(error_code(&none).as_deref(), Some("UNAUTHENTICATED"));
    let bad = app.gql(Some("trk_s_deadbeef"), ME, json!({})).await;
    assert_eq!(error_code(&bad).as_deref(), Some("UNAUTHENTICATED"));
    let plans = app
        .gql_ok(None, "{ plans { id monthlyEvents maxSites } }", json!({}))
        .await;
    assert_eq!(
        plans["plans"].as_array().unwrap().len(),
        4,
        "plans are public"
    );
}

async fn a_reset_token_sent_to_an_old_address_stops_working(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    app.gql_ok(
        None,
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({"e": ada.email}),
    )
    .await;
    let token = app.email_token(&ada.email, "reset").await;
    app.gql_ok(
        Some(&ada.token),
        "mutation($p: String!) { updateProfile(email: \"ada@new.example\", currentPassword: $p) { email } }",
        json!({"p": ada.password}),
    )
    .await;
    let r = app
        .gql(None, "mutation($t: String!) { resetPassword(token: $t, newPassword: \"another good password\") }", json!({"t": token}))
        .await;
    assert_eq!(error_code(&r).as_deref(), Some("BAD_USER_INPUT"), "{r}");
    app.gql_ok(
        None,
        LOG_IN,
        json!({"e": "ada@new.example", "p": ada.password}),
    )
    .await;
}

/// The command an email shows (`curl … -d '<body>'`): its JSON body.
fn curl_body(mail: &str) -> Value {
    let line = mail
        .lines()
        .find(|l| l.trim_start().starts_with("curl -s "))
        .expect("the email shows a curl command");
    let start = line.find("-d '").expect("a body") + 4;
    serde_json::from_str(line[start..].trim_end().trim_end_matches('\'')).expect("JSON")
}

/// Emails link to the web app's page for their token (the token in the
/// fragment, which no server sees), and for API clients show the mutation
/// to send; sending it as shown works.
async fn emails_show_how_to_use_their_token_and_it_works(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ada = app.sign_up("ada").await;
    let welcome = app.wait_for_email(&ada.email, "Welcome").await;
    let token = app.email_token(&ada.email, "Welcome").await;
    let link = format!("http://localhost:8000/verify-email#token={token}");
    assert!(welcome.contains(&link), "{welcome}");
    let page = app
        .client
        .get(app.url("/verify-email"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the link's page exists");
    let body = curl_body(&welcome);
    let sent: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["data"]["verifyEmail"], true, "{sent}");
    let me = app.gql_ok(Some(&ada.token), ME, json!({})).await;
    assert_eq!(me["me"]["emailVerified"], true);
    app.gql_ok(
        None,
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({"e": ada.email}),
    )
    .await;
    let reset = app.wait_for_email(&ada.email, "reset").await;
    let mut body = curl_body(&reset);
    let query = body["query"]
        .as_str()
        .unwrap()
        .replace("<your new password>", "a brand new passphrase here");
    body["query"] = json!(query);
    let sent: Value = app
        .client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["data"]["resetPassword"], true, "{sent}");
}

both_backends!(
    emails_show_how_to_use_their_token_and_it_works,
    a_reset_token_sent_to_an_old_address_stops_working,
    sign_up_gives_a_working_session_token_stored_only_as_a_hash,
    sign_up_refuses_bad_input_and_duplicates,
    log_in_and_log_out,
    log_in_attempts_are_rate_limited_per_account,
    log_in_attempts_are_rate_limited_per_ip,
    promise_9_password_reset_email_names_the_requesting_ip,
    password_reset_never_reveals_whether_an_account_exists,
    email_verification_uses_a_single_use_token,
    promise_5_users_see_and_correct_their_profile_but_not_their_username,
    promise_5_deleting_an_account_removes_personal_data,
    requests_without_or_with_a_bad_token_are_unauthenticated,
);
