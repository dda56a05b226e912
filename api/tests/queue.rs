//! The Redis job queue with real `trackr worker` processes: two workers and
//! many jobs, each job's effect exactly once (even delivered twice); a
//! worker killed mid-job and another finishing it; a job failing every
//! attempt ending in the dead-letter list.

mod common;

use std::{
    path::Path,
    process::Child,
    time::{Duration, Instant},
};

use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use trackr_entity::job;

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

struct Fleet {
    dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    db: DatabaseConnection,
    base: String,
    token: String,
    site: String,
    server: common::Serving,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.server.child.kill();
        let _ = self.server.child.wait();
    }
}

/// A server on a fresh PostgreSQL database with Redis, a site, and events.
async fn fleet(events: usize) -> Fleet {
    let url = common::fresh_postgres().await;
    let redis =
        std::env::var("TRACKR_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let env = vec![
        ("TRACKR_DATABASE_URL", url.clone()),
        ("TRACKR_REDIS_URL", redis),
        (
            "TRACKR_REDIS_PREFIX",
            format!("trackr-test-{}", uuid::Uuid::new_v4().simple()),
        ),
        ("TRACKR_QUEUE_HEARTBEAT_MS", "1000".into()),
        ("TRACKR_PLANS__FREE__MONTHLY_EVENTS", "10000000".into()),
        ("TRACKR_INGEST__EVENTS_PER_IP_PER_MINUTE", "10000000".into()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let server = common::serve_with(dir.path(), &env);
    let base = format!("http://{}", server.addr);
    let (token, _, site) = common::tenant(&base, "queue", "queue.example").await;
    let client = reqwest::Client::new();
    for i in 0..10 {
        let body = json!({"n": "pageview", "u": format!("https://queue.example/{i}"), "d": "queue.example"});
        let r = client
            .post(format!("{base}/api/event"))
            .header("user-agent", format!("{CHROME} v{i}"))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    let db = Database::connect(&url).await.unwrap();
    if events > 0 {
        // Many more rows, written directly: the export has work to do.
        db.execute_unprepared(&format!(
            "INSERT INTO events (site_id, ts, name, pathname, hostname, referrer_source, browser, os, device, visitor_hash, session_id) \
             SELECT '{site}'::uuid, (EXTRACT(EPOCH FROM now()) * 1000)::bigint - g, 'pageview', '/bulk/' || g, 'queue.example', 'Direct / None', 'Chrome', 'Linux', 'Desktop', g, g \
             FROM generate_series(1, {events}) g"
        ))
        .await
        .unwrap();
    }
    Fleet {
        dir,
        env,
        db,
        base,
        token,
        site,
        server,
    }
}

impl Fleet {
    /// The fleet's queue settings, for pushing jobs from the test.
    fn settings(&self) -> trackr_config::Settings {
        let get = |k: &str| {
            self.env
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        trackr_config::Settings::from_pairs([
            ("database_url", get("TRACKR_DATABASE_URL")),
            ("redis_url", get("TRACKR_REDIS_URL")),
            ("redis_prefix", get("TRACKR_REDIS_PREFIX")),
            ("queue_heartbeat_ms", get("TRACKR_QUEUE_HEARTBEAT_MS")),
        ])
        .unwrap()
    }
}

fn worker(dir: &Path, env: &[(&'static str, String)]) -> Child {
    common::trackr(dir)
        .arg("worker")
        .env("TRACKR_WORKER_LISTEN", "127.0.0.1:0")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("TRACKR_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(if std::env::var_os("SHOW_WORKER_LOGS").is_some() {
            std::process::Stdio::inherit()
        } else {
            std::process::Stdio::null()
        })
        .spawn()
        .unwrap()
}

async fn wait_status(
    db: &DatabaseConnection,
    id: uuid::Uuid,
    want: job::Status,
    within: Duration,
) -> job::Model {
    let deadline = Instant::now() + within;
    loop {
        let row = job::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
        if row.status == want {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} is {} (attempts {}), not {want}",
            row.status,
            row.attempts
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_run_each_job_once_even_when_delivered_twice() {
    let f = fleet(0).await;
    let workers = [worker(f.dir.path(), &f.env), worker(f.dir.path(), &f.env)];
    let mut ids = Vec::new();
    for i in 0..12 {
        let q = "mutation($s: ID!, $r: DateRange!) { deleteSiteData(siteId: $s, range: $r) }";
        let day = format!("2025-01-{:02}", i + 1);
        let r = common::gql(
            &f.base,
            Some(&f.token),
            q,
            json!({"s": f.site, "r": {"from": day, "to": day}}),
        )
        .await;
        ids.push(
            r["deleteSiteData"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        );
    }
    for id in &ids {
        wait_status(&f.db, *id, job::Status::Succeeded, Duration::from_secs(30)).await;
    }
    // Deliver every job a second time: the claim makes it a no-op.
    let settings = f.settings();
    let queue = producer(&settings);
    for id in &ids {
        queue.push(*id).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows = job::Entity::find()
        .filter(job::Column::Id.is_in(ids.clone()))
        .all(&f.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 12);
    assert!(
        rows.iter()
            .all(|j| j.status == job::Status::Succeeded && j.attempts == 1),
        "{rows:?}"
    );
    let audited =
        f.db.query_one(sea_orm::Statement::from_string(
            f.db.get_database_backend(),
            "SELECT COUNT(*) FROM audit_log WHERE action = 'data.deleted'".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        audited.try_get_by_index::<i64>(0).unwrap(),
        12,
        "each effect once"
    );
    workers.into_iter().for_each(stop);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_a_killed_worker_is_finished_by_another() {
    let f = fleet(100_000).await;
    let first = worker(f.dir.path(), &f.env);
    let r = common::gql(&f.base, Some(&f.token), "mutation($s: ID!) { requestExport(siteId: $s, range: {from: \"2024-01-01\", to: \"2028-01-01\"}) }", json!({"s": f.site})).await;
    let id: uuid::Uuid = r["requestExport"].as_str().unwrap().parse().unwrap();
    wait_status(&f.db, id, job::Status::Running, Duration::from_secs(30)).await;
    stop(first); // SIGKILL, mid-export
    let row = job::Entity::find_by_id(id)
        .one(&f.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.status,
        job::Status::Running,
        "killed before it finished"
    );
    let second = worker(f.dir.path(), &f.env);
    let done = wait_status(&f.db, id, job::Status::Succeeded, Duration::from_secs(60)).await;
    assert_eq!(done.attempts, 2, "retried once, by the other worker");
    assert_eq!(done.result.unwrap()["events"], 100_010);
    stop(second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_every_attempt_ends_in_the_dead_letter_list() {
    let f = fleet(0).await;
    let w = worker(f.dir.path(), &f.env);
    let id = uuid::Uuid::new_v4();
    f.db.execute_unprepared(&format!(
        "INSERT INTO jobs (id, kind, site_id, status, progress, params, attempts, created_at, updated_at) \
         VALUES ('{id}', 'export', '{}', 'queued', 0, '{{\"bogus\": true}}', 0, now(), now())",
        f.site
    ))
    .await
    .unwrap();
    let settings = f.settings();
    producer(&settings).push(id).await.unwrap();
    let dead = wait_status(&f.db, id, job::Status::Dead, Duration::from_secs(60)).await;
    assert_eq!(dead.attempts as usize, trackr_worker::queue::MAX_ATTEMPTS);
    stop(w);
    let out = common::trackr(f.dir.path())
        .args(["jobs", "dead"])
        .envs(f.env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        listed.contains(&id.to_string()) && listed.contains("bad parameters"),
        "{listed}"
    );
}

/// The members of a sorted set: here, the consumers apalis counts alive.
async fn members(redis: &mut redis::aio::MultiplexedConnection, set: &str) -> Vec<String> {
    redis::cmd("ZRANGE")
        .arg(set)
        .arg(0)
        .arg(-1)
        .query_async(redis)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_dropped_from_the_workers_set_comes_back_and_runs_jobs() {
    // A stall or a clock jump makes another worker drop this one's
    // consumers from Redis's workers set; their next heartbeat fails
    // ("worker not registered") and apalis stops them. The worker must
    // start them again rather than keep a health check green while
    // nothing consumes the queue.
    let f = fleet(0).await;
    let w = worker(f.dir.path(), &f.env);
    let settings = f.settings();
    let workers_set = format!("{}:jobs:workers", settings.redis_prefix);
    let client = redis::Client::open(settings.redis_url.clone().unwrap()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let registered = loop {
        let names = members(&mut redis, &workers_set).await;
        if !names.is_empty() {
            break names;
        }
        assert!(Instant::now() < deadline, "the worker never registered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _: usize = redis::cmd("DEL")
        .arg(&workers_set)
        .query_async(&mut redis)
        .await
        .unwrap();
    // Three heartbeats (1 s each): every consumer has failed one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = common::gql(
        &f.base,
        Some(&f.token),
        "mutation($s: ID!, $r: DateRange!) { deleteSiteData(siteId: $s, range: $r) }",
        json!({"s": f.site, "r": {"from": "2025-01-01", "to": "2025-01-02"}}),
    )
    .await;
    let id: uuid::Uuid = r["deleteSiteData"].as_str().unwrap().parse().unwrap();
    wait_status(&f.db, id, job::Status::Succeeded, Duration::from_secs(30)).await;
    let now = members(&mut redis, &workers_set).await;
    assert_eq!(
        now.len(),
        registered.len(),
        "every consumer registered again: before {registered:?}, now {now:?}"
    );
    stop(w);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workers_scheduled_purge_shows_in_its_metrics() {
    let f = fleet(0).await;
    // Thirty events from long ago: past the free plan's 30 days.
    f.db.execute_unprepared(&format!(
        "INSERT INTO events (site_id, ts, name, pathname, hostname, referrer_source, browser, os, device, visitor_hash, session_id) \
         SELECT '{}'::uuid, 1000000000000 + g, 'pageview', '/old', 'queue.example', 'Direct / None', 'Chrome', 'Linux', 'Desktop', g, g \
         FROM generate_series(1, 30) g",
        f.site
    ))
    .await
    .unwrap();
    let mut env = f.env.clone();
    env.push(("TRACKR_WORKER_LISTEN", "127.0.0.1:0".into()));
    env.push(("TRACKR_METRICS_TOKEN", "worker-metrics-token".into()));
    let mut w = common::start(f.dir.path(), "worker", &env, "worker health and metrics");
    let url = format!("http://{}/metrics", w.addr);
    let client = reqwest::Client::new();
    let without = client.get(&url).send().await.unwrap();
    assert_eq!(
        without.status(),
        401,
        "a worker's metrics need the token too"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = client
            .get(&url)
            .bearer_auth("worker-metrics-token")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("trackr_purge_deleted_rows_total{table=\"events\"} 30") {
            break;
        }
        assert!(Instant::now() < deadline, "no purge in the metrics: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let health = reqwest::get(format!("http://{}/healthz", w.addr))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let _ = w.child.kill();
    let _ = w.child.wait();
}

/// A producer on the test's Redis, as an API server holds one.
fn producer(settings: &trackr_config::Settings) -> trackr_worker::queue::Queue {
    let url = settings.redis_url.as_deref().expect("Redis configured");
    let conn = trackr_api::app::open_redis(url).expect("a Redis URL");
    trackr_worker::queue::Queue::new(conn, settings)
}
