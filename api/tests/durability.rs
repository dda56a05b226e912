//! The 202-means-durable promise: kill the server (SIGKILL) in the middle
//! of a burst of events, restart it, and every acknowledged event is there.

mod common;

use std::{collections::HashSet, path::Path, sync::Arc, time::Duration};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;
use tokio::sync::Mutex;

const BURST: usize = 3000;
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

async fn burst_then_kill(dir: &Path, env: Vec<(&'static str, String)>, database_url: String) {
    let mut env = env;
    env.push(("TRACKR_PLANS__FREE__MONTHLY_EVENTS", "1000000".into()));
    env.push(("TRACKR_INGEST__EVENTS_PER_IP_PER_MINUTE", "1000000".into()));
    let mut server = common::serve_with(dir, &env);
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let token = common::gql(&base, None, "mutation { signUp(email: \"d@example.com\", username: \"durable\", password: \"long enough pw\") { token } }", json!({}))
        .await["signUp"]["token"].as_str().unwrap().to_owned();
    let org = common::gql(
        &base,
        Some(&token),
        "mutation { createOrganization(name: \"D\") { id } }",
        json!({}),
    )
    .await["createOrganization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    common::gql(
        &base,
        Some(&token),
        "mutation($o: ID!) { createSite(organizationId: $o, domain: \"burst.example\") { id } }",
        json!({"o": org}),
    )
    .await;

    let acked = Arc::new(Mutex::new(HashSet::new()));
    let (first_acks, mut enough) = tokio::sync::mpsc::channel::<()>(1000);
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let (client, base, acked, first_acks) = (
            client.clone(),
            base.clone(),
            acked.clone(),
            first_acks.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body =
                json!({"n": format!("e{i}"), "u": "https://burst.example/", "d": "burst.example"});
            let sent = client
                .post(format!("{base}/api/event"))
                .header("user-agent", CHROME)
                .body(body.to_string())
                .send()
                .await;
            if let Ok(resp) = sent {
                if resp.status() == 202 {
                    acked.lock().await.insert(format!("e{i}"));
                    let _ = first_acks.send(()).await;
                }
            }
        }));
    }
    drop(first_acks);
    for _ in 0..100 {
        tokio::time::timeout(Duration::from_secs(30), enough.recv())
            .await
            .expect("acks arrive")
            .expect("an ack");
    }
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() >= 100);
    eprintln!(
        "{} of {BURST} events acknowledged before the kill",
        acked.len()
    );
    assert!(
        acked.len() < BURST,
        "the kill landed in the middle of the burst"
    );

    // Restart on the same data: it comes up, and every 202 is there.
    let mut again = common::serve_with(dir, &env);
    let health = client
        .get(format!("http://{}/healthz", again.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let db = Database::connect(database_url).await.unwrap();
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT name FROM events".to_owned(),
        ))
        .await
        .unwrap();
    let stored: HashSet<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    let lost: Vec<&String> = acked.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost: {lost:?} (of {} acknowledged, {} stored)",
        acked.len(),
        stored.len()
    );
    again.child.kill().unwrap();
    again.child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_every_acknowledged_event_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/trackr.db?mode=rwc", dir.path().display());
    burst_then_kill(dir.path(), vec![], url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_acknowledged_event_survives_a_kill() {
    let url = common::fresh_postgres().await;
    let dir = tempfile::tempdir().unwrap();
    burst_then_kill(dir.path(), vec![("TRACKR_DATABASE_URL", url.clone())], url).await;
}
