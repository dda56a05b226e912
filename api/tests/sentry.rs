//! Promise 11: a failed job is reported to Sentry with technical tags, and
//! the envelope carries no email, IP address or token; without a DSN
//! nothing is sent. A local HTTP server stands in for Sentry's envelope
//! endpoint.

mod common;

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{ActiveModelTrait, Database};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Accepts envelopes like Sentry does and keeps their bodies.
async fn sentry_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let keep = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let Ok(n) = conn.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            keep.lock().unwrap().push(
                                String::from_utf8_lossy(&buf[end + 4..end + 4 + length])
                                    .to_string(),
                            );
                            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}").await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, bodies)
}

/// A tenant with personal data, and a job whose parameters are broken
/// (as a job written by an older version could be), queued for the next
/// start.
async fn tenant_with_a_broken_job(dir: &Path) {
    let mut server = common::serve(dir);
    let base = format!("http://{}", server.addr);
    let (_, org, site) = common::tenant(&base, "ada", "acme.example").await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let db = Database::connect(format!(
        "sqlite://{}/data/trackr.db?mode=rwc",
        dir.display()
    ))
    .await
    .unwrap();
    trackr_entity::job::ActiveModel::queued(
        uuid::Uuid::new_v4(),
        trackr_entity::job::Kind::Export,
        (Some(org.parse().unwrap()), Some(site.parse().unwrap())),
        json!({"requested_by": "ada@example.com", "ip": "198.51.100.23"}),
        None,
    )
    .insert(&db)
    .await
    .unwrap();
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_11_a_failed_job_is_reported_without_personal_data() {
    let (port, bodies) = sentry_sink().await;
    let dir = tempfile::tempdir().unwrap();
    tenant_with_a_broken_job(dir.path()).await;
    let mut server = common::serve_with(
        dir.path(),
        &[(
            "TRACKR_SENTRY_DSN",
            format!("http://publickey@localhost:{port}/42"),
        )],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let envelope = loop {
        if let Some(e) = bodies
            .lock()
            .unwrap()
            .iter()
            .find(|b| b.contains("job export failed"))
            .cloned()
        {
            break e;
        }
        assert!(
            Instant::now() < deadline,
            "no envelope arrived; got {:?}",
            bodies.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(envelope.contains("\"job\":\"export\""), "{envelope}");
    assert!(envelope.contains("\"attempt\":\"1\""), "{envelope}");
    assert!(envelope.contains("\"site_id\""), "{envelope}");
    for secret in [
        "ada@example.com",
        "198.51.100.23",
        "127.0.0.1",
        "trk_s_",
        "trk_k_",
    ] {
        assert!(!envelope.contains(secret), "{secret} leaked: {envelope}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_dsn_nothing_is_sent() {
    let (_port, bodies) = sentry_sink().await;
    let dir = tempfile::tempdir().unwrap();
    tenant_with_a_broken_job(dir.path()).await;
    let mut server = common::serve(dir.path());
    let db = Database::connect(format!(
        "sqlite://{}/data/trackr.db?mode=rwc",
        dir.path().display()
    ))
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let failed = trackr_entity::job::Entity::find()
            .filter(trackr_entity::job::Column::Status.eq(trackr_entity::job::Status::Failed))
            .one(&db)
            .await
            .unwrap();
        if failed.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the job ran and failed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(bodies.lock().unwrap().is_empty());
}
