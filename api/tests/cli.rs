//! The `trackr` binary itself: settings errors, the embedded default,
//! commands, JSON logs and graceful shutdown.

mod common;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use common::{serve, trackr};

#[test]
fn an_invalid_setting_stops_start_up_with_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value) in [
        ("TRACKR_LISTEN", "nonsense"),
        ("TRACKR_DATABASE_URL", "mysql://db"),
        ("TRACKR_PLANS__GROWTH__MAX_SITES", "lots"),
        ("TRACKR_STRIPE_WEBHOOK_SECRET", "whsec_ok,sk_live_secret"),
    ] {
        let out = trackr(dir.path())
            .arg("serve")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert!(
            !stderr.contains("sk_live_secret"),
            "secrets are never echoed"
        );
    }
    let file = dir.path().join("trackr.toml");
    std::fs::write(&file, "[plans.free]\nretention_days = 0\n").unwrap();
    let out = trackr(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TRACKR_PLANS__FREE__RETENTION_DAYS"));
    assert!(!dir.path().join("data").exists(), "nothing was started");
}

#[test]
fn schema_prints_the_sdl() {
    let dir = tempfile::tempdir().unwrap();
    let out = trackr(dir.path()).arg("schema").output().unwrap();
    assert!(out.status.success());
    let sdl = String::from_utf8(out.stdout).unwrap();
    assert_eq!(sdl, trackr_api::graphql::sdl());
    assert!(
        sdl.contains("signUp(email: String!, username: String!, password: String!): AuthPayload!")
    );
}

#[test]
fn jobs_run_by_hand_and_commands_of_later_versions_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let purge = trackr(dir.path())
        .args(["jobs", "run", "purge", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        purge.status.success(),
        "{}",
        String::from_utf8_lossy(&purge.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&purge.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["complete"], true);
    let reconcile = trackr(dir.path())
        .args(["jobs", "run", "reconcile"])
        .output()
        .unwrap();
    // Without a Stripe key, reconcile compares TrackR's own records only.
    assert_eq!(reconcile.status.code(), Some(0), "{reconcile:?}");
    let report: serde_json::Value = serde_json::from_slice(&reconcile.stdout).unwrap();
    let months = report["months"].as_array().unwrap();
    assert_eq!(months.len(), 2, "last month and this one: {report}");
    for month in months {
        assert_eq!(month["found"], serde_json::json!([]));
        assert_eq!(month["month"].as_str().unwrap().len(), 7);
    }
    // One month by hand; a month that is not one is refused.
    let october = trackr(dir.path())
        .args(["jobs", "run", "reconcile", "--month", "2026-10"])
        .output()
        .unwrap();
    assert_eq!(october.status.code(), Some(0), "{october:?}");
    let report: serde_json::Value = serde_json::from_slice(&october.stdout).unwrap();
    assert_eq!(report["months"][0]["month"], "2026-10");
    assert_eq!(report["months"].as_array().unwrap().len(), 1);
    let bad = trackr(dir.path())
        .args(["jobs", "run", "reconcile", "--month", "2026-13"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("not a month"),
        "{bad:?}"
    );
    let misplaced = trackr(dir.path())
        .args(["jobs", "run", "purge", "--month", "2026-10"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&misplaced.stderr).contains("--month is for the reconcile job"));
    let worker = trackr(dir.path()).arg("worker").output().unwrap();
    assert_eq!(worker.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&worker.stderr).contains("TRACKR_REDIS_URL"));
    let bad = trackr(dir.path())
        .args(["jobs", "run", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn migrate_and_grant_staff_work_on_the_embedded_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = trackr(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/trackr.db").exists());
    let unknown = trackr(dir.path())
        .args(["admin", "grant-staff", "nobody@example.com"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no user has the email"));
}

#[tokio::test]
async fn serve_with_no_settings_uses_the_embedded_default_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path());
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.addr);
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let resp: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({"query": "mutation { signUp(email: \"ada@example.com\", username: \"ada\", password: \"long enough pw\") { token } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resp["data"]["signUp"]["token"].is_string(), "{resp}");
    assert!(
        dir.path().join("data/trackr.db").exists(),
        "SQLite under ./data"
    );
    let outbox = dir.path().join("data/outbox");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(
            Instant::now() < deadline,
            "the verification email lands in ./data/outbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "SIGTERM stops the server");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
}

#[test]
fn pretty_logs_written_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    // stderr is a pipe here, as when logs go to a file or a journal.
    let out = trackr(dir.path())
        .args(["jobs", "run", "purge", "--dry-run"])
        .env("TRACKR_LOG_FORMAT", "pretty")
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.trim().is_empty(), "something was logged");
    assert!(!stderr.contains('\u{1b}'), "no escape codes: {stderr:?}");
}
