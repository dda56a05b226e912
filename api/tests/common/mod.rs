//! Running the real `trackr` binary from tests.

#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// `trackr` in `dir`, with no `TRACKR_*` variable inherited.
pub fn trackr(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trackr"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("TRACKR_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

pub struct Serving {
    pub child: Child,
    pub addr: String,
}

/// Starts `trackr serve` with JSON logs and waits for its "listening" line.
pub fn serve(dir: &Path) -> Serving {
    serve_with(dir, &[])
}

/// Like `serve`, with extra environment.
pub fn serve_with(dir: &Path, env: &[(&str, String)]) -> Serving {
    start(dir, "serve", env, "listening")
}

/// Starts `trackr <command>` on a random port with JSON logs and waits for
/// the log line `ready` that carries its address.
pub fn start(dir: &Path, command: &str, env: &[(&str, String)], ready: &str) -> Serving {
    let mut child = trackr(dir)
        .arg(command)
        .env("TRACKR_LISTEN", "127.0.0.1:0")
        .env("TRACKR_LOG_FORMAT", "json")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            break Err(format!("trackr {command} did not log {ready:?} in time"));
        };
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(json) if json["message"] == ready => {
                break json["addr"].as_str().map(str::to_owned).ok_or(line);
            }
            Ok(_) => continue,
            Err(_) => break Err(format!("log lines are JSON: {line}")),
        }
    };
    match addr {
        Ok(addr) => Serving { child, addr },
        Err(problem) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{problem}");
        }
    }
}

/// Posts a GraphQL request; panics on errors; returns `data`.
pub async fn gql(
    base: &str,
    token: Option<&str>,
    query: &str,
    vars: serde_json::Value,
) -> serde_json::Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({"query": query, "variables": vars}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
    assert!(resp.get("errors").is_none(), "{resp}");
    resp["data"].clone()
}

/// A fresh PostgreSQL database for one test; returns its URL.
pub async fn fresh_postgres() -> String {
    use sea_orm::ConnectionTrait;
    let admin_url = std::env::var("TRACKR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("trackr_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    match admin_url.rsplit_once('/') {
        Some((server, _)) if !server.ends_with('/') => format!("{server}/{name}"),
        _ => format!("{admin_url}/{name}"),
    }
}

/// A user (email `<username>@example.com`) owning an organization with one
/// site for `domain`, made through the API; returns (token, org, site).
pub async fn tenant(base: &str, username: &str, domain: &str) -> (String, String, String) {
    let signup = format!(
        "mutation {{ signUp(email: \"{username}@example.com\", username: \"{username}\", password: \"long enough pw\") {{ token }} }}"
    );
    let token = gql(base, None, &signup, serde_json::json!({})).await["signUp"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = gql(
        base,
        Some(&token),
        "mutation { createOrganization(name: \"Acme\") { id } }",
        serde_json::json!({}),
    )
    .await["createOrganization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = gql(
        base,
        Some(&token),
        "mutation($o: ID!, $d: String!) { createSite(organizationId: $o, domain: $d) { id } }",
        serde_json::json!({"o": org, "d": domain}),
    )
    .await["createSite"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, org, site)
}

/// The JSON log lines of a process started with `start_logged`, kept as
/// they arrive.
#[derive(Clone, Default)]
pub struct Log(std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>);

impl Log {
    /// Every line so far.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The lines whose message is `message`.
    pub fn messages(&self, message: &str) -> Vec<serde_json::Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["message"] == message)
            .collect()
    }
}

/// Like `start`, and keeps every JSON log line of the process (its
/// standard error) for the test to read.
pub fn start_logged(
    dir: &Path,
    command: &str,
    env: &[(&str, String)],
    ready: &str,
) -> (Serving, Log) {
    let mut child = trackr(dir)
        .arg(command)
        .env("TRACKR_LISTEN", "127.0.0.1:0")
        .env("TRACKR_WORKER_LISTEN", "127.0.0.1:0")
        .env("TRACKR_LOG_FORMAT", "json")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Log::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let json = serde_json::from_str::<serde_json::Value>(&line)
                .unwrap_or_else(|_| serde_json::json!({ "message": "not JSON", "line": line }));
            kept.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(json.clone());
            let _ = tx.send(json);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let Ok(json) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            break Err(format!("trackr {command} did not log {ready:?} in time"));
        };
        if json["message"] == ready {
            break json["addr"]
                .as_str()
                .map(str::to_owned)
                .ok_or(json.to_string());
        }
    };
    match addr {
        Ok(addr) => (Serving { child, addr }, log),
        Err(problem) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{problem}; its log: {:?}", log.lines());
        }
    }
}
