//! The web app end to end, in Debian's Chromium (playwright-core, driven by
//! `tests/browser/journey.mjs`) against the real server: sign up, verify
//! from the emailed link, create an organization and a site, install the
//! copied snippet on a page and see "Installation verified"; invite a
//! member who accepts from the emailed link in a second browser and, as a
//! VIEWER, sees no settings or billing; an API key made in the app works
//! over HTTP until revoked there; an upgrade goes to Stripe Checkout and a
//! signed webhook moves the plan the billing page shows; an export is
//! requested and downloaded. A second organization is switched to, renamed
//! and deleted; back, forward and reload keep the page. Every page, at desktop and phone width and in
//! the dark theme: screenshots (written to `target/app-screenshots/<backend>`,
//! not committed) and axe-core, which must find no serious or critical
//! violation. GraphiQL, from the binary's own assets, lists the schema. A
//! forgotten password is reset from the emailed link; a password change
//! logs another browser (logged in with the keyboard alone) out; "Log
//! out" ends a session; the member deletes their account.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use trackr_tests::{
    serve_pages,
    stripe::{event, signature, FakeStripe, Sub},
    Backend, TestApp,
};

const WEBHOOK_SECRET: &str = "whsec_app_journey";
const GROWTH: &str = "price_growth_monthly";

/// One browser step (`journey.mjs <step> <args>`): its JSON answer.
async fn step(name: &str, args: Value) -> Value {
    trackr_tests::browser_script("journey.mjs", &[name, &args.to_string()]).await
}

/// A port free now, for a server whose public URL must be known before it
/// starts (emailed links and export links name it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The link an email carries to the app (the line holding `#token=`).
fn emailed_link(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.starts_with("http") && l.contains("#token="))
        .unwrap_or_else(|| panic!("an emailed link: {mail}"))
        .to_owned()
}

fn state(dir: &Path, who: &str) -> String {
    dir.join(format!("{who}.json")).display().to_string()
}

async fn the_web_app_end_to_end(b: Backend) {
    let stripe = FakeStripe::start().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let app = TestApp::spawn_with(
        b,
        &[
            ("listen", &listen),
            ("public_url", &base),
            ("plans.free.max_seats", "3"),
            ("stripe_secret_key", "sk_test_trackr"),
            ("stripe_api_base", &stripe.url),
            ("stripe_webhook_secret", WEBHOOK_SECRET),
            ("plans.growth.stripe_prices", GROWTH),
        ],
    )
    .await;
    assert_eq!(
        app.url(""),
        base,
        "the server listens where its public URL says"
    );
    let states = tempfile::tempdir().unwrap();
    let ada = state(states.path(), "ada");
    let ada_phone = state(states.path(), "ada-phone");
    let bob = state(states.path(), "bob");
    let password = "correct horse battery staple";

    // Sign up: the session is an HttpOnly cookie, nothing for page scripts.
    let signed = step(
        "signup",
        json!({"base": base, "state": ada, "email": "ada@example.com", "username": "ada", "password": password}),
    )
    .await;
    assert_eq!(signed["path"], "/orgs/new", "{signed}");
    let text = signed["visible"].to_string();
    assert!(
        !text.contains("trk_s_"),
        "no session secret readable by page JavaScript: {text}"
    );
    assert_eq!(
        signed["cookies"],
        json!([{"name": "trackr_session", "httpOnly": true, "sameSite": "Lax"}])
    );

    // Verify the email from the link in the outbox.
    let welcome = app.wait_for_email("ada@example.com", "Welcome").await;
    let verified = step(
        "visit",
        json!({"base": base, "state": ada, "url": emailed_link(&welcome), "expect": "verified"}),
    )
    .await;
    assert!(
        verified["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("verified"),
        "{verified}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL")
            .await,
        1
    );

    // An organization and a site; the snippet shown is the one copied.
    let created = step(
        "create-site",
        json!({"base": base, "state": ada, "org": "Acme", "domain": "example.test"}),
    )
    .await;
    let snippet = created["copied"].as_str().unwrap().to_owned();
    assert_eq!(created["shown"], snippet);
    assert!(
        snippet.contains("data-domain=\"example.test\""),
        "{snippet}"
    );
    assert!(
        snippet.contains(&format!("{base}/js/script.js")),
        "{snippet}"
    );
    let org_slug = created["org"].as_str().unwrap().to_owned();
    let site = created["site"].as_str().unwrap().to_owned();

    // A page carrying the copied snippet sends a page view: verified.
    let page_port = serve_pages(move |_| {
        format!("<!doctype html><html><head><title>Shop</title>{snippet}</head><body><h1>Shop</h1></body></html>")
    })
    .await;
    let installed = step(
        "verify-install",
        json!({"base": base, "state": ada, "settings": created["settings"], "testPage": format!("http://example.test:{page_port}/")}),
    )
    .await;
    assert_eq!(installed["verified"], true);
    assert!(
        app.count("SELECT COUNT(*) FROM events WHERE hostname = 'example.test'")
            .await
            >= 1
    );

    // Another organization: listed in the switcher, renamed, deleted after
    // typing its name; back and forward and reload keep the page.
    let lifecycle = step(
        "org-lifecycle",
        json!({"base": base, "state": ada, "name": "Scratch", "other": "Acme", "renamed": "Scratch Two"}),
    )
    .await;
    assert!(lifecycle["listed"].as_u64().unwrap() >= 1, "{lifecycle}");
    assert_eq!(lifecycle["disabledBeforeTyping"], true, "{lifecycle}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations").await,
        1,
        "only Acme is left"
    );
    let history = step(
        "history",
        json!({"base": base, "state": ada, "org": org_slug}),
    )
    .await;
    assert_eq!(history["team"], "Team", "{history}");
    assert_eq!(history["back"], "Sites", "{history}");
    assert_eq!(history["reloaded"], "Team", "{history}");

    // Invite Bob as a VIEWER; he accepts from the emailed link in his own
    // browser, signing up on the way; he sees no settings, keys or billing.
    step(
        "invite",
        json!({"base": base, "state": ada, "org": org_slug, "email": "bob@example.com", "role": "VIEWER"}),
    )
    .await;
    let invitation = app.wait_for_email("bob@example.com", "invited").await;
    let accepted = step(
        "accept",
        json!({"base": base, "state": bob, "link": emailed_link(&invitation), "email": "bob@example.com", "username": "bob", "password": "bob's own long passphrase"}),
    )
    .await;
    assert!(
        accepted["path"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/orgs/{org_slug}")),
        "{accepted}"
    );
    let viewer = step(
        "visit",
        json!({"base": base, "state": bob, "url": format!("/orgs/{org_slug}/sites"), "expect": "example.test"}),
    )
    .await;
    let links: Vec<String> = viewer["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().trim().to_owned())
        .collect();
    assert!(links.iter().any(|l| l == "Sites"), "{links:?}");
    for hidden in ["Billing", "Settings", "API keys"] {
        assert!(
            !links.iter().any(|l| l == hidden),
            "a VIEWER sees no {hidden}: {links:?}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE role = 'viewer'")
            .await,
        1
    );

    // An API key made in the app works over HTTP until revoked in the app.
    let key = step(
        "create-key",
        json!({"base": base, "state": ada, "org": org_slug, "name": "ci-reader"}),
    )
    .await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("trk_k_"), "{key}");
    let stats = format!("{{ site(id: \"{site}\") {{ domain }} }}");
    let with_key = app.gql(Some(&secret), &stats, json!({})).await;
    assert_eq!(
        with_key["data"]["site"]["domain"], "example.test",
        "{with_key}"
    );
    step(
        "revoke-key",
        json!({"base": base, "state": ada, "org": org_slug, "name": "ci-reader"}),
    )
    .await;
    let revoked = app.gql(Some(&secret), &stats, json!({})).await;
    assert_eq!(
        trackr_tests::error_code(&revoked).as_deref(),
        Some("UNAUTHENTICATED"),
        "{revoked}"
    );

    // Upgrade: Checkout at Stripe, then Stripe's signed webhook moves the
    // plan, and the billing page shows it.
    let upgrade = step(
        "upgrade",
        json!({"base": base, "state": ada, "org": org_slug, "plan": "Growth"}),
    )
    .await;
    assert!(
        upgrade["checkout"]
            .as_str()
            .unwrap()
            .starts_with("https://checkout.stripe.test/"),
        "{upgrade}"
    );
    let org_uuid: String = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        trackr_entity::organization::Entity::find()
            .filter(trackr_entity::organization::Column::Slug.eq(org_slug.clone()))
            .one(&app.db)
            .await
            .unwrap()
            .expect("the organization")
            .id
            .to_string()
    };
    let now = chrono::Utc::now().timestamp();
    let sub = Sub {
        id: "sub_app",
        customer: "cus_test1",
        status: "active",
        price: GROWTH,
        period_end: now + 30 * 86_400,
        cancel_at_period_end: false,
        organization: Some(&org_uuid),
    };
    let body = event(
        "evt_app_1",
        "customer.subscription.created",
        now,
        sub.json(),
    )
    .to_string();
    let hook = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature(&body, WEBHOOK_SECRET, now))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 200);
    for _ in 0..200 {
        if app
            .count("SELECT COUNT(*) FROM organizations WHERE plan = 'growth'")
            .await
            == 1
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let billing = step(
        "visit",
        json!({"base": base, "state": ada, "url": format!("/orgs/{org_slug}/billing"), "expect": "Growth"}),
    )
    .await;
    assert!(
        billing["text"].as_str().unwrap().contains("Growth"),
        "{billing}"
    );

    // An export, requested and downloaded in the app.
    let export = step(
        "export",
        json!({"base": base, "state": ada, "org": org_slug, "site": site}),
    )
    .await;
    assert!(export["lines"].as_u64().unwrap() >= 1, "{export}");
    assert!(
        export["first"].as_str().unwrap().contains("example.test"),
        "{export}"
    );

    // The site's dashboard shows what the API answers, in at most three
    // requests; a row filters it; the view lives in the URL. Three more
    // visitors first, from a news site.
    let before = app.count("SELECT COUNT(*) FROM events").await;
    for (i, path) in ["/", "/pricing", "/", "/docs", "/pricing"]
        .iter()
        .enumerate()
    {
        let body = json!({"n": "pageview", "u": format!("http://example.test{path}"), "d": "example.test", "r": "https://news.example/"});
        assert_eq!(
            app.event(&body, &format!("203.0.113.{}", i % 3 + 1)).await,
            202
        );
    }
    for _ in 0..200 {
        if app.count("SELECT COUNT(*) FROM events").await == before + 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let dashboard = step(
        "dashboard",
        json!({"base": base, "state": ada, "org": org_slug, "site": site}),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let api = app
        .gql_ok(
            Some(&app.log_in("ada@example.com", password).await),
            "query($s: ID!, $r: DateRange!) { site(id: $s) { stats(range: $r) { visitors visits pageviews } } }",
            json!({"s": site, "r": {"from": (today - chrono::Duration::days(29)).to_string(), "to": today.to_string()}}),
        )
        .await;
    let shown = &dashboard["stats"];
    for (label, field) in [
        ("Unique visitors", "visitors"),
        ("Visits", "visits"),
        ("Page views", "pageviews"),
    ] {
        assert_eq!(
            shown[label].as_str().unwrap_or_default(),
            api["site"]["stats"][field].to_string(),
            "{label}: {dashboard} vs {api}"
        );
    }
    assert!(
        api["site"]["stats"]["visitors"].as_i64().unwrap() >= 4,
        "{api}"
    );
    assert!(dashboard["onLoad"].as_u64().unwrap() <= 3, "{dashboard}");
    assert!(
        dashboard["filtered"].as_str().unwrap().contains("f=source"),
        "{dashboard}"
    );
    assert!(
        !dashboard["back"].as_str().unwrap().contains("devices=os"),
        "{dashboard}"
    );
    assert_eq!(dashboard["shortcutWhileTyping"], false, "{dashboard}");
    assert_eq!(dashboard["reloaded"]["tab"], "true", "{dashboard}");

    // Every page, at desktop and phone width: axe finds nothing serious.
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/app-screenshots")
        .join(format!("{b:?}").to_lowercase());
    let pages = json!([
        ["sites", format!("/orgs/{org_slug}/sites")],
        ["dashboard", format!("/orgs/{org_slug}/sites/{site}")],
        ["new-site", format!("/orgs/{org_slug}/sites/new")],
        [
            "site-settings",
            format!("/orgs/{org_slug}/sites/{site}/settings")
        ],
        ["site-data", format!("/orgs/{org_slug}/sites/{site}/data")],
        ["team", format!("/orgs/{org_slug}/team")],
        ["api-keys", format!("/orgs/{org_slug}/keys")],
        ["billing", format!("/orgs/{org_slug}/billing")],
        ["organization", format!("/orgs/{org_slug}/settings")],
        ["new-organization", "/orgs/new"],
        ["account", "/account"],
        ["not-found", "/orgs/nope/nothing"],
    ]);
    let tour = step(
        "tour",
        json!({"base": base, "state": ada, "pages": pages, "shots": shots}),
    )
    .await;
    let logged_out = step(
        "tour",
        json!({"base": base, "state": state(states.path(), "nobody"), "shots": shots, "pages": [
            ["log-in", "/login"], ["sign-up", "/signup"], ["forgot-password", "/forgot-password"],
            ["reset-password", "/reset-password#token=x"], ["verify-email", "/verify-email#token=x"],
            ["invitation", "/invitations/accept#token=x"],
        ]}),
    )
    .await;
    let mut seen = 0;
    for page in tour["pages"]
        .as_array()
        .unwrap()
        .iter()
        .chain(logged_out["pages"].as_array().unwrap())
    {
        assert_eq!(page["violations"], json!([]), "axe: {page}");
        assert!(page["title"].as_str().unwrap().contains("TrackR"), "{page}");
        seen += 1;
    }
    assert_eq!(
        seen, 54,
        "18 pages at two widths, and at desktop width in the dark theme"
    );
    println!("pages: {tour}\n{logged_out}");

    // GraphiQL, from the binary's own assets, lists the schema.
    let graphiql = step("graphiql", json!({"base": base, "state": ada})).await;
    assert_eq!(graphiql["listsQuery"], true, "{graphiql}");

    // Forgot the password: the emailed link sets a new one.
    let forgot = step(
        "forgot",
        json!({"base": base, "state": state(states.path(), "forgetful"), "email": "ada@example.com"}),
    )
    .await;
    assert!(
        forgot["said"].as_str().unwrap().contains("ada@example.com"),
        "{forgot}"
    );
    let reset_mail = app.wait_for_email("ada@example.com", "reset").await;
    let new_password = "ada resets to this passphrase";
    let reset = step(
        "reset",
        json!({"base": base, "state": ada, "link": emailed_link(&reset_mail), "email": "ada@example.com", "password": new_password}),
    )
    .await;
    assert!(
        reset["path"].as_str().unwrap().starts_with("/orgs/"),
        "{reset}"
    );
    let password = new_password;

    // A password change in one browser logs the other out (which logged
    // in with the keyboard alone).
    step(
        "login",
        json!({"base": base, "state": ada_phone, "email": "ada@example.com", "password": password}),
    )
    .await;
    let changed = step(
        "change-password",
        json!({"base": base, "state": ada, "other": ada_phone, "current": password, "next": "a brand new passphrase for ada"}),
    )
    .await;
    assert_eq!(changed["otherPath"], "/login", "{changed}");

    // Log out ends the session: the app goes back to the log-in page.
    let out = step("logout", json!({"base": base, "state": ada})).await;
    assert_eq!(out["after"], "/login", "{out}");

    // Bob deletes his account (Ada, Acme's last owner, could not: the API
    // tests keep that rule).
    let deleted = step(
        "delete-account",
        json!({"base": base, "state": bob, "password": "bob's own long passphrase"}),
    )
    .await;
    assert!(
        !deleted["path"].as_str().unwrap().starts_with("/account"),
        "{deleted}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'bob'")
            .await,
        0
    );
}

trackr_tests::both_backends!(the_web_app_end_to_end);
