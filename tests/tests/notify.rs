//! Email reports and traffic alerts (issue 18): recipients confirm first;
//! a report's figures are the reports API's for the same period; each
//! email is sent once (two worker processes racing, a worker killed while
//! handing an email to the SMTP server); one click unsubscribes (promise
//! 13: consent to optional emails is withdrawn at any time); alerts fire
//! once and not again within their quiet period, across restarts.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use trackr_api::notify::{self, Notifier};
use trackr_tests::{both_backends, error_code, model, Backend, TestApp};

const ADD: &str = "mutation($i: AddEmailRecipientInput!) { addEmailRecipient(input: $i) { id email weekly monthly alerts confirmed } }";
const REPORTED: &str = "query($id: ID!, $r: DateRange!) { site(id: $id) { stats(range: $r) { visitors pageviews bounceRate visitDurationSeconds } breakdown(range: $r, dimension: PAGE, limit: 5) { value visitors } sources: breakdown(range: $r, dimension: SOURCE, limit: 5) { value visitors } goalConversions(range: $r) { goal { name } visitors conversions conversionRate } } }";

/// A parsed email: its headers and its plain-text and HTML parts.
struct Mail {
    headers: BTreeMap<String, String>,
    text: String,
    html: String,
}

fn parse(raw: &[u8]) -> Mail {
    let m = mailparse::parse_mail(raw).expect("a MIME message");
    let headers = m
        .headers
        .iter()
        .map(|h| (h.get_key().to_lowercase(), h.get_value()))
        .collect();
    let mut text = String::new();
    let mut html = String::new();
    for part in m.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().unwrap(),
            "text/html" => html = part.get_body().unwrap(),
            _ => {}
        }
    }
    Mail {
        headers,
        text,
        html,
    }
}

/// The outbox's emails, parsed, oldest first.
fn outbox(app: &TestApp) -> Vec<Mail> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(app.outbox_dir())
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "eml"));
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| parse(&std::fs::read(p).unwrap()))
        .collect()
}

fn reports_to<'a>(mails: &'a [Mail], to: &str, subject: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.headers["to"].contains(to) && m.headers["subject"].starts_with(subject))
        .collect()
}

/// The value after `label: ` in the text part.
fn line<'a>(mail: &'a Mail, label: &str) -> &'a str {
    mail.text
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label:?} in {}", mail.text))
}

/// The number before `unit` after `label: ` in the text part.
fn number(mail: &Mail, label: &str, unit: &str) -> f64 {
    let value = line(mail, label);
    value[..value.find(unit).unwrap()].parse().unwrap()
}

async fn notifier(app: &TestApp) -> Notifier {
    Notifier::standalone(app.db.clone(), &app.server.app.settings)
        .await
        .unwrap()
}

/// The confirmation link emailed to `to`.
async fn confirmation(app: &TestApp, to: &str) -> String {
    let mail = app.wait_for_email(to, "confirm").await;
    mail.split_whitespace()
        .find(|w| w.contains("/email-reports/confirm?token="))
        .expect("a confirmation link")
        .to_owned()
}

async fn promise_13_reports_match_the_api_and_unsubscribe_in_one_click(b: Backend) {
    let app = TestApp::spawn_with(b, &[("plans.free.monthly_events", "100000")]).await;
    let model::ModelSite { owner, site, .. } = model::model_site(&app).await;
    app.gql_ok(
        Some(&owner.token),
        "mutation($s: ID!) { createGoal(input: {siteId: $s, eventName: \"Signup\"}) { id } }",
        json!({"s": site}),
    )
    .await;
    // Confirmed on Jan 10: the week of Jan 12 (Monday) to 18 is owed,
    // December is not (it ended before).
    app.set_time(Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap());
    for (email, weekly, monthly, alerts) in [
        ("boss@example.com", true, true, true),
        ("team@example.com", true, false, false),
        ("late@example.com", true, false, false),
    ] {
        let made = app
            .gql_ok(
                Some(&owner.token),
                ADD,
                json!({"i": {"siteId": site, "email": email, "weekly": weekly, "monthly": monthly, "alerts": alerts}}),
            )
            .await;
        assert_eq!(made["addEmailRecipient"]["confirmed"], false);
    }
    let http = reqwest::Client::new();
    for email in ["boss@example.com", "team@example.com"] {
        let link = confirmation(&app, email).await;
        let link = link.replace(&app.server.app.settings.public_url, &app.url(""));
        // A mail scanner's GET confirms nothing; the page's button does.
        let page = http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("method=\"post\""));
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM email_recipients WHERE email = '{email}' AND confirmed_at IS NOT NULL")).await,
            0
        );
        assert_eq!(http.post(&link).send().await.unwrap().status(), 200);
    }
    let listed = app
        .gql_ok(
            Some(&owner.token),
            "query($id: ID!) { site(id: $id) { emailRecipients { email confirmed } } }",
            json!({"id": site}),
        )
        .await;
    assert_eq!(
        listed["site"]["emailRecipients"],
        json!([
            {"email": "boss@example.com", "confirmed": true},
            {"email": "late@example.com", "confirmed": false},
            {"email": "team@example.com", "confirmed": true},
        ])
    );

    let n = notifier(&app).await;
    let monday = Utc.with_ymd_and_hms(2026, 1, 19, 15, 0, 0).unwrap();
    let before = outbox(&app).len();
    let r = notify::run_once(&n, monday).await.unwrap();
    assert_eq!(r.sent, 2, "{r:?}");
    let mails = outbox(&app);
    assert_eq!(mails.len(), before + 2);
    assert!(
        reports_to(&mails, "late@example.com", "Weekly").is_empty(),
        "unconfirmed"
    );
    assert!(
        reports_to(&mails, "boss@example.com", "Monthly").is_empty(),
        "December ended before the confirmation"
    );
    let boss = reports_to(&mails, "boss@example.com", "Weekly report for");
    assert_eq!(boss.len(), 1);
    let mail = boss[0];

    // The figures are the reports API's for Jan 12 to 18 (New York).
    let api = app
        .gql_ok(
            Some(&owner.token),
            REPORTED,
            json!({"id": site, "r": {"from": "2026-01-12", "to": "2026-01-18"}}),
        )
        .await["site"]
        .clone();
    let visitors = api["stats"]["visitors"].as_i64().unwrap();
    assert!(visitors > 0);
    assert!(line(mail, "Visitors").starts_with(&format!("{visitors} (")));
    assert!(line(mail, "Page views").starts_with(&format!("{} (", api["stats"]["pageviews"])));
    assert_eq!(
        number(mail, "Bounce rate", "%"),
        api["stats"]["bounceRate"].as_f64().unwrap()
    );
    assert_eq!(
        number(mail, "Visit duration", "s"),
        api["stats"]["visitDurationSeconds"].as_f64().unwrap()
    );
    assert!(mail.headers["subject"].contains(&format!(": {visitors} visitors")));
    for (rows, what) in [
        (&api["breakdown"], "visitors"),
        (&api["sources"], "visitors"),
    ] {
        for row in rows.as_array().unwrap() {
            let want = format!(
                "{}: {} {what}",
                row["value"].as_str().unwrap(),
                row["visitors"]
            );
            assert!(mail.text.contains(&want), "{want} in {}", mail.text);
        }
    }
    let goal = &api["goalConversions"][0];
    assert!(mail.text.contains(&format!(
        "Signup: {} converted, {} conversions, {}% conversion rate",
        goal["visitors"],
        goal["conversions"],
        goal["conversionRate"].as_f64().unwrap()
    )));
    // Against the week before (nothing then: "new").
    assert!(line(mail, "Visitors").contains("(new on the week before)"));
    // HTML and text, a link to the dashboard, one-click unsubscribe.
    assert!(mail.html.contains("<table>") && mail.html.contains("Open the dashboard"));
    assert!(mail.text.contains(&format!(
        "/sites/{site}?period=custom&from=2026-01-12&to=2026-01-18"
    )));
    assert_eq!(
        mail.headers["list-unsubscribe-post"],
        "List-Unsubscribe=One-Click"
    );
    let unsubscribe = mail.headers["list-unsubscribe"]
        .trim_matches(|c| c == '<' || c == '>')
        .replace(&app.server.app.settings.public_url, &app.url(""));
    assert!(unsubscribe.contains("kind=weekly"));

    // Exactly once: another run (another worker) sends nothing more.
    let again = notify::run_once(&notifier(&app).await, monday + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(outbox(&app).len(), before + 2);

    // One click: the mail client posts; a GET (a scanner) changes nothing;
    // a link with a wrong signature does nothing.
    assert_eq!(http.get(&unsubscribe).send().await.unwrap().status(), 200);
    let weekly =
        "SELECT COUNT(*) FROM email_recipients WHERE email = 'boss@example.com' AND weekly";
    assert_eq!(app.count(weekly).await, 1);
    let forged = format!("{}0", &unsubscribe[..unsubscribe.len() - 1]);
    let resp = http
        .post(&forged)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(app.count(weekly).await, 1);
    let resp = http
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.count(weekly).await, 0, "promise 13: withdrawn at once");

    // February 2: January's monthly report to boss; the week's to team
    // only (boss left the weekly ones).
    let feb = Utc.with_ymd_and_hms(2026, 2, 2, 15, 0, 0).unwrap();
    let before = outbox(&app).len();
    notify::run_once(&n, feb).await.unwrap();
    let mails = outbox(&app);
    let fresh = &mails[before..];
    assert_eq!(fresh.len(), 2);
    let monthly = reports_to(fresh, "boss@example.com", "Monthly report for");
    assert_eq!(monthly.len(), 1);
    let api = app
        .gql_ok(
            Some(&owner.token),
            REPORTED,
            json!({"id": site, "r": {"from": "2026-01-01", "to": "2026-01-31"}}),
        )
        .await["site"]
        .clone();
    assert!(line(monthly[0], "Visitors").starts_with(&format!("{} (", api["stats"]["visitors"])));
    assert_eq!(
        reports_to(fresh, "team@example.com", "Weekly report for").len(),
        1
    );
    assert!(reports_to(fresh, "boss@example.com", "Weekly").is_empty());

    // Bad input changes nothing; another tenant's recipient is not found.
    let count = app.count("SELECT COUNT(*) FROM email_recipients").await;
    for input in [
        json!({"siteId": site, "email": "not an address", "weekly": true}),
        json!({"siteId": site, "email": "x@example.com"}),
        json!({"siteId": site, "email": "team@example.com", "weekly": true}),
    ] {
        let resp = app.gql(Some(&owner.token), ADD, json!({"i": input})).await;
        assert!(
            matches!(
                error_code(&resp).as_deref(),
                Some("BAD_USER_INPUT" | "CONFLICT")
            ),
            "{resp}"
        );
    }
    let mallory = app.sign_up("mallory").await;
    let id = listed_id(&app, &owner.token, &site).await;
    let resp = app
        .gql(
            Some(&mallory.token),
            "mutation($id: ID!) { removeEmailRecipient(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("NOT_FOUND"), "{resp}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_recipients").await,
        count
    );
}

async fn listed_id(app: &TestApp, token: &str, site: &str) -> String {
    app.gql_ok(
        Some(token),
        "query($id: ID!) { site(id: $id) { emailRecipients { id } } }",
        json!({"id": site}),
    )
    .await["site"]["emailRecipients"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A page view of acme.example at `at` from `ip`.
async fn visit(app: &TestApp, at: DateTime<Utc>, ip: &str) {
    app.set_time(at);
    let body = json!({"n": "pageview", "u": "https://acme.example/", "d": "acme.example"});
    assert_eq!(app.event(&body, ip).await, 202);
}

async fn alerts_fire_once_per_quiet_period(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "acme.example").await;
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    app.set_time(t0 - chrono::Duration::days(1));
    app.gql_ok(
        Some(&owner.token),
        ADD,
        json!({"i": {"siteId": site, "email": "ops@example.com", "alerts": true}}),
    )
    .await;
    let link = confirmation(&app, "ops@example.com")
        .await
        .replace(&app.server.app.settings.public_url, &app.url(""));
    reqwest::Client::new().post(&link).send().await.unwrap();
    for (kind, threshold) in [("SPIKE", 2), ("SILENCE", 3)] {
        app.gql_ok(
            Some(&owner.token),
            "mutation($i: SetTrafficAlertInput!) { setTrafficAlert(input: $i) { kind threshold everyHours } }",
            json!({"i": {"siteId": site, "kind": kind, "threshold": threshold, "everyHours": 6}}),
        )
        .await;
    }
    let resp = app
        .gql(
            Some(&owner.token),
            "mutation($i: SetTrafficAlertInput!) { setTrafficAlert(input: $i) { kind } }",
            json!({"i": {"siteId": site, "kind": "SPIKE", "threshold": 0, "everyHours": 6}}),
        )
        .await;
    assert_eq!(error_code(&resp).as_deref(), Some("BAD_USER_INPUT"));

    // A day before: some traffic. Then three visitors within minutes.
    visit(&app, t0 - chrono::Duration::hours(20), "203.0.113.1").await;
    for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        visit(&app, t0 - chrono::Duration::minutes(5), ip).await;
    }
    let spikes = |app: &TestApp| {
        outbox(app)
            .into_iter()
            .filter(|m| {
                m.headers["subject"].starts_with("Traffic spike on acme.example: 3 visitors")
            })
            .count()
    };
    let n = notifier(&app).await;
    let r = notify::run_once(&n, t0).await.unwrap();
    assert_eq!(
        r.alerts_fired, 1,
        "the spike (not the silence: there was traffic)"
    );
    assert_eq!(spikes(&app), 1);
    let mail = outbox(&app).pop().unwrap();
    assert!(mail.headers["list-unsubscribe"].contains("kind=alerts"));
    // Within its quiet period, not again, even from a restarted worker.
    let restarted = notifier(&app).await;
    let r = notify::run_once(&restarted, t0 + chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!((r.alerts_fired, r.sent), (0, 0));
    assert_eq!(spikes(&app), 1);
    // Silence: four hours later nothing came (the threshold is three).
    let r = notify::run_once(&restarted, t0 + chrono::Duration::hours(4))
        .await
        .unwrap();
    assert_eq!(r.alerts_fired, 1);
    let silence = |app: &TestApp| {
        outbox(app)
            .into_iter()
            .filter(|m| m.headers["subject"] == "No events from acme.example for 3 hours")
            .count()
    };
    assert_eq!(silence(&app), 1);
    let r = notify::run_once(&restarted, t0 + chrono::Duration::hours(5))
        .await
        .unwrap();
    assert_eq!(r.alerts_fired, 0, "quiet for six hours");
    // After the quiet period, a new spike fires again.
    let t1 = t0 + chrono::Duration::hours(7);
    for ip in ["198.51.100.4", "198.51.100.5", "198.51.100.6"] {
        visit(&app, t1 - chrono::Duration::minutes(1), ip).await;
    }
    let r = notify::run_once(&restarted, t1).await.unwrap();
    assert_eq!(r.alerts_fired, 1);
    assert_eq!(spikes(&app), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_deliveries WHERE state = 'sent'")
            .await,
        3
    );
}

/// The `trackr` binary beside the test binaries (`cargo build --bins`).
fn trackr_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("trackr");
    assert!(
        bin.exists(),
        "{} is built (cargo build --bins)",
        bin.display()
    );
    bin
}

/// `trackr jobs run notify` against the test's database.
fn notify_process(app: &TestApp, smtp: Option<&str>) -> tokio::process::Child {
    let settings = &app.server.app.settings;
    let mut cmd = tokio::process::Command::new(trackr_bin());
    cmd.args(["jobs", "run", "notify"])
        .env("TRACKR_DATABASE_URL", &settings.database_url)
        .env("TRACKR_DATA_DIR", app.outbox_dir().parent().unwrap())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true);
    match smtp {
        Some(url) => cmd.env("TRACKR_SMTP_URL", url),
        None => cmd.env_remove("TRACKR_SMTP_URL"),
    };
    cmd.spawn().expect("trackr runs")
}

/// Six confirmed weekly recipients of a site with a little traffic.
async fn six_recipients(app: &TestApp) -> Vec<String> {
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app.create_site(&owner, &org, "acme.example").await;
    let mut emails = Vec::new();
    for i in 0..6 {
        let email = format!("reader{i}@example.com");
        app.gql_ok(
            Some(&owner.token),
            ADD,
            json!({"i": {"siteId": site, "email": email, "weekly": true}}),
        )
        .await;
        emails.push(email);
    }
    app.db
        .execute_unprepared(
            "UPDATE email_recipients SET confirmed_at = created_at - INTERVAL '30 days'",
        )
        .await
        .unwrap();
    emails
}

async fn two_worker_processes_send_each_report_once(b: Backend) {
    assert_eq!(b, Backend::Postgres);
    let app = TestApp::spawn(b).await;
    let emails = six_recipients(&app).await;
    let before = outbox(&app).len();
    let (a, b) = (notify_process(&app, None), notify_process(&app, None));
    let (a, b) = (
        a.wait_with_output().await.unwrap(),
        b.wait_with_output().await.unwrap(),
    );
    assert!(a.status.success() && b.status.success());
    let sent: Vec<i64> = [&a, &b]
        .iter()
        .map(|o| {
            serde_json::from_slice::<Value>(&o.stdout).unwrap()["sent"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(sent.iter().sum::<i64>(), 6, "{sent:?}");
    let mails = outbox(&app);
    assert_eq!(mails.len() - before, 6);
    for email in &emails {
        assert_eq!(
            reports_to(&mails, email, "Weekly report for").len(),
            1,
            "{email}"
        );
    }
    // A third run: nothing more.
    let c = notify_process(&app, None).wait_with_output().await.unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&c.stdout).unwrap()["sent"],
        0
    );
}

/// A local SMTP server (aiosmtpd) that keeps each message it accepts in
/// `dir`, and holds the `block_at`-th one until `dir/release` exists.
struct SmtpSink {
    child: std::process::Child,
    dir: tempfile::TempDir,
    url: String,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn smtp_sink(block_at: usize) -> SmtpSink {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");
    let child = std::process::Command::new("python3")
        .args([
            script,
            &dir.path().display().to_string(),
            &port.to_string(),
            &block_at.to_string(),
        ])
        .spawn()
        .expect("python3 with aiosmtpd (bash scripts/test.sh installs it)");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the SMTP sink did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    SmtpSink {
        child,
        dir,
        url: format!("smtp://127.0.0.1:{port}"),
    }
}

fn received(sink: &SmtpSink) -> Vec<Mail> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sink.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| parse(&std::fs::read(p).unwrap()))
        .collect()
}

async fn a_worker_killed_mid_send_sends_nothing_twice(b: Backend) {
    assert_eq!(b, Backend::Postgres);
    let app = TestApp::spawn(b).await;
    let emails = six_recipients(&app).await;
    // Through SMTP: the third message is held, and its worker killed
    // while it waits for the server's answer.
    let sink = smtp_sink(3).await;
    let mut first = notify_process(&app, Some(&sink.url));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !sink.dir.path().join("blocked").exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the third message never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().await.unwrap();
    std::fs::write(sink.dir.path().join("release"), "").unwrap();
    assert_eq!(received(&sink).len(), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM email_deliveries WHERE state = 'sending'")
            .await,
        1,
        "the one in flight"
    );
    // A new worker sends the rest, and not the one in flight.
    let second = notify_process(&app, Some(&sink.url))
        .wait_with_output()
        .await
        .unwrap();
    assert!(second.status.success());
    let mails = received(&sink);
    assert_eq!(mails.len(), 5, "six owed, one maybe-sent never sent again");
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mails {
        *per.entry(m.headers["to"].clone()).or_default() += 1;
        assert!(m.text.contains("Visitors: "));
    }
    assert!(per.values().all(|n| *n == 1), "{per:?}");
    assert_eq!(per.len(), 5);
    assert!(
        emails
            .iter()
            .filter(|e| per.keys().any(|k| k.contains(*e)))
            .count()
            == 5
    );
    // Once its lease is over, the one in flight is marked unknown, not sent.
    let later = Utc::now() + chrono::Duration::minutes(11);
    let r = notify::run_once(&notifier(&app).await, later)
        .await
        .unwrap();
    assert_eq!((r.sent, r.unknown), (0, 1));
    assert_eq!(received(&sink).len(), 5);
}

both_backends!(
    promise_13_reports_match_the_api_and_unsubscribe_in_one_click,
    alerts_fire_once_per_quiet_period,
);

mod processes {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_worker_processes_send_each_report_once() {
        super::two_worker_processes_send_each_report_once(trackr_tests::Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_killed_mid_send_sends_nothing_twice() {
        super::a_worker_killed_mid_send_sends_nothing_twice(trackr_tests::Backend::Postgres).await
    }
}
