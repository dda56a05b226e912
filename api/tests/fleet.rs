//! A fleet, not one process (issue 14): `trackr serve` and `trackr worker`
//! processes on one PostgreSQL and one Redis, laid out as docs/deploy.md
//! says, each test with a fleet of its own.
//!
//! - Two servers and two workers: events for the same sites go to both
//!   servers, on both sides of a local midnight in a zone that is not UTC.
//!   The reports agree with what was sent, through either server, filtered
//!   or not, read raw and from the rollups; each scheduled rollup and purge
//!   runs once per slot across the workers.
//! - Two servers: a site's setting changed on one holds on the other
//!   within the site cache's bound.
//! - Two servers taking one organization's events at once: the quota holds
//!   within its grace.
//!
//! The processes are real, so the first fleet's clocks are moved with
//! libfaketime (Debian's `faketime`). Every process reads one offset from
//! one file, so their clocks agree, and the test moves them all at once.
//! Only the wall clock moves (`FAKETIME_DONT_FAKE_MONOTONIC`): timers,
//! leases and caches keep real time, as on real hosts. The fleet crosses
//! the local midnight live, then jumps past the hour after it, when the day
//! closes: the workers' next tick rolls up both days, and the reports are
//! read again, from the rollups.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, Database, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use trackr_entity::{event, rollup, rollup_state};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// Midnight there is 05:00 UTC in winter and 04:00 in summer: an hour
/// slot and a five-minute slot of the workers' schedule start with it.
const NEW_YORK: Tz = chrono_tz::America::New_York;

/// How soon other servers see a change of a site's `allowedHostnames`
/// (docs/api.md; the TTL of `api/src/ingest/site_cache.rs`).
const SITE_CACHE_BOUND: Duration = Duration::from_secs(10);

/// The scheduler's tick (`worker/src/schedule.rs`).
const TICK: Duration = Duration::from_secs(60);

/// Debian's libfaketime for this machine's architecture.
fn faketime_library() -> PathBuf {
    let lib = PathBuf::from(format!(
        "/usr/lib/{}-linux-gnu/faketime/libfaketime.so.1",
        std::env::consts::ARCH
    ));
    assert!(
        lib.exists(),
        "{} is missing; this test moves the fleet's clocks with it: install faketime: apt-get install -y faketime",
        lib.display()
    );
    lib
}

/// The fleet's one wall clock: an offset from real time in a file that
/// every process's libfaketime reads (again every second).
struct FakeClock {
    file: PathBuf,
    offset: chrono::Duration,
}

impl FakeClock {
    fn starting_at(dir: &Path, at: DateTime<Utc>) -> FakeClock {
        let mut clock = FakeClock {
            file: dir.join("faketime.rc"),
            offset: chrono::Duration::zero(),
        };
        clock.set(at);
        clock
    }

    /// What each process needs in its environment to read this clock.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LD_PRELOAD", faketime_library().display().to_string()),
            ("FAKETIME_TIMESTAMP_FILE", self.file.display().to_string()),
            ("FAKETIME_CACHE_DURATION", "1".into()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".into()),
        ]
    }

    /// Moves the fleet's clock so that it reads `at` now.
    fn set(&mut self, at: DateTime<Utc>) {
        self.offset = chrono::Duration::seconds((at - Utc::now()).num_seconds());
        // Written whole, then renamed: a process never reads half of it.
        let tmp = self.file.with_extension("tmp");
        std::fs::write(&tmp, format!("{:+}s\n", self.offset.num_seconds())).unwrap();
        std::fs::rename(&tmp, &self.file).unwrap();
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Waits until every process's clock reads this one (their `Date`
    /// headers, to the second).
    async fn wait_for(&self, bases: &[String]) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        for base in bases {
            loop {
                let resp = client.get(format!("{base}/healthz")).send().await.unwrap();
                let date = resp
                    .headers()
                    .get("date")
                    .and_then(|d| d.to_str().ok())
                    .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
                    .map(|d| d.with_timezone(&Utc));
                if date.is_some_and(|d| (d - self.now()).num_seconds().abs() <= 2) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{base} reads {date:?}, not the fleet's clock {}",
                    self.now()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The fleet's processes, killed when the test ends, panics included.
#[derive(Default)]
struct Processes(Vec<common::Serving>);

impl Drop for Processes {
    fn drop(&mut self) {
        for p in &mut self.0 {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}

struct Worker {
    pid: u32,
    base: String,
    log: common::Log,
    /// About when its schedule started: it ticks then and every `TICK`.
    started: Instant,
}

struct Fleet {
    // Dropped first: the processes go before their directory.
    _processes: Processes,
    servers: Vec<String>,
    workers: Vec<Worker>,
    server_logs: Vec<common::Log>,
    env: Vec<(&'static str, String)>,
    db: DatabaseConnection,
    _dir: tempfile::TempDir,
}

impl Fleet {
    /// Two servers and `workers` workers on a fresh PostgreSQL database and
    /// a Redis prefix of their own, all with the same settings.
    async fn start(
        dir: tempfile::TempDir,
        extra: Vec<(&'static str, String)>,
        workers: usize,
    ) -> Fleet {
        let url = common::fresh_postgres().await;
        let redis = std::env::var("TRACKR_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let mut env = vec![
            ("TRACKR_DATABASE_URL", url.clone()),
            ("TRACKR_REDIS_URL", redis),
            (
                "TRACKR_REDIS_PREFIX",
                format!("trackr-fleet-{}", uuid::Uuid::new_v4().simple()),
            ),
            (
                "TRACKR_SECRET_KEY",
                "fleet-test-secret-key-shared-by-every-process".into(),
            ),
            ("TRACKR_TRUSTED_PROXIES", "127.0.0.1".into()),
            ("TRACKR_PLANS__FREE__MAX_SITES", "10".into()),
            ("TRACKR_INGEST__EVENTS_PER_IP_PER_MINUTE", "100000".into()),
        ];
        env.extend(extra);
        let mut processes = Processes::default();
        let mut servers = Vec::new();
        let mut server_logs = Vec::new();
        // One at a time: the first migrates the database.
        for _ in 0..2 {
            let (serving, log) = common::start_logged(dir.path(), "serve", &env, "listening");
            servers.push(format!("http://{}", serving.addr));
            server_logs.push(log);
            processes.0.push(serving);
        }
        let mut worker_env = env.clone();
        worker_env.push(("RUST_LOG", "info,trackr_worker=debug".into()));
        let mut started = Vec::new();
        for _ in 0..workers {
            let (serving, log) = common::start_logged(
                dir.path(),
                "worker",
                &worker_env,
                "worker health and metrics",
            );
            started.push(Worker {
                pid: serving.child.id(),
                base: format!("http://{}", serving.addr),
                log,
                started: Instant::now(),
            });
            processes.0.push(serving);
        }
        let db = Database::connect(&url).await.unwrap();
        Fleet {
            _processes: processes,
            servers,
            workers: started,
            server_logs,
            env,
            db,
            _dir: dir,
        }
    }

    fn setting(&self, key: &str) -> &str {
        self.env
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    /// Every process's address (servers, then workers).
    fn bases(&self) -> Vec<String> {
        self.servers
            .iter()
            .cloned()
            .chain(self.workers.iter().map(|w| w.base.clone()))
            .collect()
    }
}

/// A beacon from visitor `visitor` (its own address, Chrome) for `path` on
/// `domain`; returns the answer's status and body.
async fn beacon(
    base: &str,
    domain: &str,
    host: &str,
    visitor: u32,
    path: &str,
    name: &str,
) -> (u16, String) {
    let body = json!({"n": name, "u": format!("https://{host}{path}"), "d": domain});
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/event"))
        .header("user-agent", CHROME)
        .header(
            "x-forwarded-for",
            format!("203.0.{}.{}", 113 + visitor / 250, 1 + visitor % 250),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn create_site(base: &str, token: &str, org: &str, domain: &str, zone: &str) -> String {
    let q = "mutation($o: ID!, $d: String!, $z: String) { createSite(organizationId: $o, domain: $d, timezone: $z) { id } }";
    common::gql(
        base,
        Some(token),
        q,
        json!({"o": org, "d": domain, "z": zone}),
    )
    .await["createSite"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// One event sent, as the test's model of what the reports must say.
#[derive(Debug, Clone)]
struct Hit {
    site: usize,
    visitor: u32,
    path: &'static str,
    name: &'static str,
    /// The fleet's clock when it was sent.
    at: DateTime<Utc>,
}

impl Hit {
    fn is_pageview(&self) -> bool {
        self.name == "pageview"
    }
}

/// Sends each (site, visitor, path, name), alternately through each
/// server, and notes it in `hits`.
async fn send(
    servers: &[String],
    clock: &FakeClock,
    sites: &[Site],
    hits: &mut Vec<Hit>,
    batch: &[(usize, u32, &'static str, &'static str)],
) {
    for &(site, visitor, path, name) in batch {
        let server = &servers[hits.len() % servers.len()];
        let at = clock.now();
        let domain = sites[site].domain;
        let (status, body) = beacon(server, domain, domain, visitor, path, name).await;
        assert_eq!(status, 202, "{body}");
        hits.push(Hit {
            site,
            visitor,
            path,
            name,
            at,
        });
    }
}

/// A site of the report checks.
struct Site {
    id: String,
    domain: &'static str,
    zone: Tz,
}

/// What a report over the local days `[from, to]` of `site` must say,
/// filtered to the events on `page` if given, computed from the hits.
#[derive(Debug, PartialEq)]
struct Expected {
    visitors: i64,
    pageviews: i64,
    events: i64,
    /// Visits started in the range (unfiltered reports only).
    visits: Option<i64>,
    /// Per day: visitors and pageviews.
    days: Vec<(DateTime<Utc>, i64, i64)>,
    /// Pages by viewers: page, viewers, pageviews.
    pages: Vec<(String, i64, i64)>,
}

fn expected(
    hits: &[Hit],
    sites: &[Site],
    site: usize,
    (from, to): (NaiveDate, NaiveDate),
    page: Option<&str>,
) -> Expected {
    let zone = sites[site].zone;
    let day = |h: &Hit| h.at.with_timezone(&zone).date_naive();
    let of_site: Vec<&Hit> = hits.iter().filter(|h| h.site == site).collect();
    let chosen = |from: NaiveDate, to: NaiveDate| -> Vec<&Hit> {
        of_site
            .iter()
            .copied()
            .filter(|h| (from..=to).contains(&day(h)) && page.is_none_or(|p| h.path == p))
            .collect()
    };
    let visitors = |hs: &[&Hit]| hs.iter().map(|h| h.visitor).collect::<BTreeSet<_>>().len() as i64;
    let pageviews = |hs: &[&Hit]| hs.iter().filter(|h| h.is_pageview()).count() as i64;
    let hs = chosen(from, to);
    // Each visitor's events here are minutes apart: one visit each, which
    // belongs to the day of its first event.
    let visits = page.is_none().then(|| {
        let mut first: BTreeMap<u32, DateTime<Utc>> = BTreeMap::new();
        for h in &of_site {
            let at = first.entry(h.visitor).or_insert(h.at);
            *at = (*at).min(h.at);
        }
        first
            .values()
            .filter(|at| (from..=to).contains(&at.with_timezone(&zone).date_naive()))
            .count() as i64
    });
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let hs = chosen(d, d);
            let midnight = zone
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
                .earliest()
                .unwrap()
                .with_timezone(&Utc);
            (midnight, visitors(&hs), pageviews(&hs))
        })
        .collect();
    let mut pages: BTreeMap<&str, (BTreeSet<u32>, i64)> = BTreeMap::new();
    for h in hs.iter().filter(|h| h.is_pageview()) {
        let p = pages.entry(h.path).or_default();
        p.0.insert(h.visitor);
        p.1 += 1;
    }
    let mut pages: Vec<(String, i64, i64)> = pages
        .into_iter()
        .map(|(p, (v, n))| (p.to_owned(), v.len() as i64, n))
        .collect();
    pages.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    Expected {
        visitors: visitors(&hs),
        pageviews: pageviews(&hs),
        events: hs.len() as i64,
        visits,
        days,
        pages,
    }
}

/// What a server answers for the same report.
async fn reported(
    base: &str,
    token: &str,
    site: &str,
    (from, to): (NaiveDate, NaiveDate),
    page: Option<&str>,
) -> Expected {
    let q = "query($s: ID!, $r: DateRange!, $f: [Filter!]) { site(id: $s) { \
             stats(range: $r, filters: $f) { visitors visits pageviews events } \
             timeseries(range: $r, interval: DAY, filters: $f) { at visitors pageviews } \
             breakdown(range: $r, dimension: PAGE, filters: $f, limit: 100) { value visitors pageviews } } }";
    let filters = page.map(|p| json!([{"dimension": "PAGE", "op": "IS", "value": p}]));
    let data = common::gql(
        base,
        Some(token),
        q,
        json!({"s": site, "r": {"from": from.to_string(), "to": to.to_string()}, "f": filters}),
    )
    .await;
    let s = &data["site"];
    let int = |v: &Value| v.as_i64().unwrap();
    Expected {
        visitors: int(&s["stats"]["visitors"]),
        pageviews: int(&s["stats"]["pageviews"]),
        events: int(&s["stats"]["events"]),
        visits: page.is_none().then(|| int(&s["stats"]["visits"])),
        days: s["timeseries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let at = DateTime::parse_from_rfc3339(p["at"].as_str().unwrap())
                    .unwrap()
                    .with_timezone(&Utc);
                (at, int(&p["visitors"]), int(&p["pageviews"]))
            })
            .collect(),
        pages: s["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["value"].as_str().unwrap().to_owned(),
                    int(&r["visitors"]),
                    int(&r["pageviews"]),
                )
            })
            .collect(),
    }
}

/// Checks every report of both sites through every server against the
/// hits: for the day of `midnight`'s eve in New York, the day it starts,
/// and both; whole, and filtered to the events on one page.
async fn check_reports(
    servers: &[String],
    token: &str,
    sites: &[Site],
    hits: &[Hit],
    midnight: DateTime<Utc>,
    read: &str,
) {
    let today = midnight.with_timezone(&NEW_YORK).date_naive();
    let yesterday = today.pred_opt().unwrap();
    for base in servers {
        for (s, site) in sites.iter().enumerate() {
            for range in [(yesterday, yesterday), (today, today), (yesterday, today)] {
                for page in [None, Some("/a")] {
                    let want = expected(hits, sites, s, range, page);
                    let got = reported(base, token, &site.id, range, page).await;
                    assert_eq!(
                        got, want,
                        "{} through {base}, {range:?}, page {page:?}, {read}",
                        site.domain
                    );
                }
            }
        }
    }
}

/// The next local midnight of `zone` after `after`.
fn next_midnight(zone: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = after.with_timezone(&zone).date_naive().succ_opt().unwrap();
    zone.from_local_datetime(&tomorrow.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// The schedule's slot of an instant: a job runs once per slot.
type Slot = fn(DateTime<Utc>) -> String;

fn hour_slot(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d%H").to_string()
}

fn five_minute_slot(at: DateTime<Utc>) -> String {
    format!("{}{:02}", at.format("%Y%m%d%H"), at.minute() / 5)
}

/// The scheduled runs a worker logged as `message`, by the slot of the
/// fleet's clock they ran in.
fn runs(worker: &Worker, message: &str, slot: Slot) -> Vec<(String, u32)> {
    worker
        .log
        .messages(message)
        .iter()
        .map(|l| {
            let at = DateTime::parse_from_rfc3339(l["timestamp"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            (slot(at), worker.pid)
        })
        .collect()
}

/// The schedule's claims in Redis for `job`: slot → the claiming pid.
async fn claims(
    redis: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
    job: &str,
) -> BTreeMap<String, u32> {
    let pattern = format!("{prefix}:schedule:{job}:*");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(redis)
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for key in keys {
        let pid: String = redis::cmd("GET")
            .arg(&key)
            .query_async(redis)
            .await
            .unwrap();
        let slot = key.rsplit(':').next().unwrap().to_owned();
        out.insert(slot, pid.parse().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_across_a_local_midnight_reports_exactly_and_runs_each_schedule_once() {
    let midnight = next_midnight(NEW_YORK, Utc::now());
    let dir = tempfile::tempdir().unwrap();
    // A minute before: the workers' first tick claims the slots before
    // midnight (the hour before, and its last five minutes).
    let mut clock = FakeClock::starting_at(dir.path(), midnight - chrono::Duration::seconds(60));
    let f = Fleet::start(dir, clock.env(), 2).await;
    clock.wait_for(&f.bases()).await;
    let (a, b) = (f.servers[0].as_str(), f.servers[1].as_str());

    // One organization; its sites are made through either server, used
    // through both.
    let (token, org, ny_id) = common::tenant(a, "fleet", "ny-fleet.example").await;
    common::gql(
        b,
        Some(&token),
        "mutation($s: ID!) { updateSite(id: $s, input: {timezone: \"America/New_York\"}) { id } }",
        json!({"s": ny_id}),
    )
    .await;
    let utc_id = create_site(b, &token, &org, "utc-fleet.example", "UTC").await;
    let sites = [
        Site {
            id: ny_id,
            domain: "ny-fleet.example",
            zone: NEW_YORK,
        },
        Site {
            id: utc_id,
            domain: "utc-fleet.example",
            zone: Tz::UTC,
        },
    ];

    // 1. Events on both sides of midnight in New York, alternately through
    // A and B. The clock jumps to a few seconds before midnight; midnight
    // then passes live.
    let before = midnight - chrono::Duration::seconds(12);
    assert!(
        clock.now() < before,
        "setting up took too long: the fleet's clock is already {} (midnight {midnight})",
        clock.now()
    );
    clock.set(before);
    clock.wait_for(&f.bases()).await;
    // (site, visitor, path, name): visitors 3 and 4 go on past midnight in
    // the same visit; 0 comes back to the first site after it; /a has a
    // custom event, so filtering by page and counting page viewers differ.
    let before_midnight: &[(usize, u32, &'static str, &'static str)] = &[
        (0, 0, "/a", "pageview"),
        (0, 0, "/b", "pageview"),
        (0, 1, "/a", "pageview"),
        (0, 2, "/b", "pageview"),
        (0, 2, "/b", "signup"),
        (0, 3, "/a", "pageview"),
        (0, 4, "/b", "pageview"),
        (1, 0, "/a", "pageview"),
        (1, 5, "/b", "pageview"),
        (1, 5, "/a", "signup"),
    ];
    let after_midnight: &[(usize, u32, &'static str, &'static str)] = &[
        (0, 3, "/a", "pageview"),
        (0, 3, "/b", "pageview"),
        (0, 4, "/a", "pageview"),
        (0, 4, "/a", "signup"),
        (0, 6, "/b", "pageview"),
        (0, 7, "/a", "pageview"),
        (0, 0, "/c", "pageview"),
        (1, 0, "/b", "pageview"),
        (1, 6, "/a", "pageview"),
        (1, 8, "/c", "signup"),
    ];
    let mut hits = Vec::new();
    send(&f.servers, &clock, &sites, &mut hits, before_midnight).await;
    assert!(
        hits.iter()
            .all(|h| h.at < midnight - chrono::Duration::seconds(1)),
        "the events before midnight took too long to send: {hits:?}"
    );
    let wait = (midnight + chrono::Duration::seconds(1) - clock.now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
    send(&f.servers, &clock, &sites, &mut hits, after_midnight).await;
    assert!(hits[before_midnight.len()..]
        .iter()
        .all(|h| h.at > midnight));

    // 1. The reports as soon as the events are stored, read raw: no
    // rollup holds any of them yet (the day going on is rolled up only to
    // five minutes ago).
    let rolled: Vec<rollup::Model> = rollup::Entity::find()
        .filter(rollup::Column::Events.gt(0))
        .all(&f.db)
        .await
        .unwrap();
    assert!(rolled.is_empty(), "rolled up already: {rolled:?}");
    check_reports(&f.servers, &token, &sites, &hits, midnight, "read raw").await;

    // Then past the hour after midnight, when the day before closes: the
    // clock jumps so that the workers' next tick falls 7½ minutes into
    // that hour, mid-way through a five-minute slot, clear of its edges.
    let first_start = f.workers.iter().map(|w| w.started).min().unwrap();
    let mut tick = first_start + TICK;
    while tick < Instant::now() + Duration::from_secs(5) {
        tick += TICK;
    }
    let rolled_at = midnight + chrono::Duration::seconds(3600 + 450);
    clock.set(rolled_at - chrono::Duration::from_std(tick - Instant::now()).unwrap());
    clock.wait_for(&f.bases()).await;
    // Wait until every worker has ticked there (the other's tick must
    // find the slot taken), and the rollup has run.
    let last_tick = f.workers.iter().map(|w| {
        let mut t = w.started + TICK;
        while t < tick {
            t += TICK;
        }
        t
    });
    let settled = last_tick.max().unwrap() + Duration::from_secs(5);
    let deadline = settled + TICK * 2;
    loop {
        let rolled = f.workers.iter().any(|w| {
            runs(w, "rollups updated", five_minute_slot)
                .iter()
                .any(|(slot, _)| {
                    *slot >= five_minute_slot(rolled_at - chrono::Duration::seconds(300))
                })
        });
        if rolled && Instant::now() >= settled {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no rollup after the jump; worker logs: {:?}",
            f.workers.iter().map(|w| w.log.lines()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The rollups now hold every event: the reports below come from them,
    // with no raw tail.
    let last_hit = hits.iter().map(|h| h.at).max().unwrap().timestamp_millis();
    for site in &sites {
        let id: uuid::Uuid = site.id.parse().unwrap();
        let state = rollup_state::Entity::find_by_id(id)
            .one(&f.db)
            .await
            .unwrap()
            .expect("the site's rollups started");
        let today = clock.now().with_timezone(&site.zone).date_naive();
        assert_eq!(
            state.until_day,
            trackr_analytics::time::day_number(today),
            "{}: the days before today are closed: {state:?}",
            site.domain
        );
        assert!(
            state.partial_until > last_hit,
            "{}: today is rolled up past the last event: {state:?}",
            site.domain
        );
        let stored = event::Entity::find()
            .filter(event::Column::SiteId.eq(id))
            .all(&f.db)
            .await
            .unwrap()
            .len();
        let sent = hits
            .iter()
            .filter(|h| sites[h.site].domain == site.domain)
            .count();
        assert_eq!(stored, sent, "{}: every event stored once", site.domain);
    }

    // 1. The same reports, now from the rollups.
    check_reports(
        &f.servers,
        &token,
        &sites,
        &hits,
        midnight,
        "from the rollups",
    )
    .await;

    // 3. Each rollup and purge ran once per slot across both workers: the
    // slots each worker logged a run in are those claimed in Redis, by
    // that worker, each once; the slots before midnight and after it are
    // among them.
    let prefix = f.setting("TRACKR_REDIS_PREFIX");
    let client = redis::Client::open(f.setting("TRACKR_REDIS_URL")).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let jobs: [(&str, &str, Slot); 2] = [
        ("purge", "scheduled purge finished", hour_slot),
        ("rollup", "rollups updated", five_minute_slot),
    ];
    for (job, message, slot) in jobs {
        let mut ran: Vec<(String, u32)> = f
            .workers
            .iter()
            .flat_map(|w| runs(w, message, slot))
            .collect();
        ran.sort();
        let claimed = claims(&mut redis, prefix, job).await;
        assert_eq!(
            ran,
            claimed.clone().into_iter().collect::<Vec<_>>(),
            "{job}: runs (slot, worker pid) against Redis claims; workers {:?}",
            f.workers.iter().map(|w| w.pid).collect::<Vec<_>>()
        );
        eprintln!("{job}: ran (slot, worker pid) {ran:?}");
        let before = slot(midnight - chrono::Duration::seconds(30));
        assert!(
            claimed.contains_key(&before),
            "{job}: no run before midnight ({before}): {claimed:?}"
        );
        let after = slot(rolled_at);
        assert!(
            claimed.contains_key(&after),
            "{job}: no run after midnight ({after}): {claimed:?}"
        );
    }
    // Nothing went wrong on the way, but for one effect of moving every
    // clock at once: apalis keeps its consumers' heartbeats by wall clock
    // and drops those whose last one looks older than three heartbeats,
    // so after a jump the first consumer to beat drops the others, whose
    // next heartbeat fails ("worker not registered") and which the worker
    // then restarts (tests/queue.rs shows them consuming again).
    let errors: Vec<Value> = f
        .workers
        .iter()
        .map(|w| &w.log)
        .chain(&f.server_logs)
        .flat_map(|l| l.lines())
        .filter(|l| l["level"] == "ERROR")
        .filter(|l| {
            !(l["target"] == "apalis_core::worker"
                && l["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("worker not registered")))
        })
        .collect();
    assert!(errors.is_empty(), "errors logged: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_setting_changed_on_one_server_holds_on_the_other_within_the_cache_bound() {
    let f = Fleet::start(tempfile::tempdir().unwrap(), Vec::new(), 0).await;
    let (a, b) = (f.servers[0].as_str(), f.servers[1].as_str());
    let (token, _, site) = common::tenant(a, "hosts", "hosts-fleet.example").await;
    // B looks the site up just before the change, so its cached copy is
    // as fresh as can be: the full bound may pass before it applies.
    let shop = "shop-fleet.example";
    let (status, body) = beacon(b, "hosts-fleet.example", shop, 900, "/", "pageview").await;
    assert_eq!(status, 400, "a hostname the site does not allow: {body}");
    let changing = Instant::now();
    common::gql(
        a,
        Some(&token),
        "mutation($s: ID!, $h: [String!]) { updateSite(id: $s, input: {allowedHostnames: $h}) { allowedHostnames } }",
        json!({"s": site, "h": [shop]}),
    )
    .await;
    let changed = Instant::now();
    let (status, body) = beacon(a, "hosts-fleet.example", shop, 901, "/", "pageview").await;
    assert_eq!(
        status, 202,
        "the server that changed the site applies it at once: {body}"
    );
    let mut last_refused = None;
    let applied = loop {
        let sent = Instant::now();
        let (status, body) = beacon(b, "hosts-fleet.example", shop, 902, "/", "pageview").await;
        match status {
            202 => break sent.duration_since(changed),
            400 => last_refused = Some(sent.duration_since(changed)),
            other => panic!("server B answered {other}: {body}"),
        }
        assert!(
            changing.elapsed() < SITE_CACHE_BOUND + Duration::from_secs(2),
            "server B still refuses the new hostname {:?} after the change",
            changing.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // A beacon sent more than the bound after the change was acknowledged
    // reached B after it too: none of those may be refused.
    assert!(
        last_refused.is_none_or(|at| at <= SITE_CACHE_BOUND),
        "server B refused a beacon sent {last_refused:?} after the change (bound {SITE_CACHE_BOUND:?})"
    );
    eprintln!("server B applied the change {applied:?} after it (bound {SITE_CACHE_BOUND:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_hold_an_organizations_quota_within_its_grace() {
    const LIMIT: usize = 40;
    const GRACE: f64 = 0.25;
    let f = Fleet::start(
        tempfile::tempdir().unwrap(),
        vec![
            ("TRACKR_PLANS__FREE__MONTHLY_EVENTS", LIMIT.to_string()),
            ("TRACKR_QUOTA_GRACE", GRACE.to_string()),
            ("TRACKR_METRICS_TOKEN", "fleet-metrics-token".into()),
        ],
        0,
    )
    .await;
    let (token, org, _) = common::tenant(&f.servers[0], "quota", "quota-fleet.example").await;
    let hard_limit = (LIMIT as f64 * (1.0 + GRACE)).floor() as usize;

    // Both servers at once, many events in flight on each.
    let sends = (0..200u32).map(|i| {
        let base = f.servers[i as usize % 2].clone();
        async move {
            beacon(
                &base,
                "quota-fleet.example",
                "quota-fleet.example",
                i,
                "/",
                "pageview",
            )
            .await
        }
    });
    let answers: Vec<(u16, String)> = futures_util::future::join_all(sends).await;
    let accepted = answers.iter().filter(|(s, _)| *s == 202).count();
    let refused: Vec<&(u16, String)> = answers.iter().filter(|(s, _)| *s != 202).collect();
    assert!(
        refused.iter().all(|(s, body)| *s == 402
            && serde_json::from_str::<Value>(body).unwrap()["error"]
                == "the organization is past its plan's monthly event quota"),
        "past the grace, the answer is 402: {refused:?}"
    );
    assert!(
        (LIMIT..=hard_limit).contains(&accepted),
        "{accepted} events accepted; the quota is {LIMIT} and its grace takes it to {hard_limit}"
    );
    let stored = event::Entity::find().all(&f.db).await.unwrap().len();
    assert_eq!(stored, accepted, "every 202 stored, nothing else");
    eprintln!(
        "{accepted} of {} events accepted (quota {LIMIT}, with its grace {hard_limit})",
        answers.len()
    );

    // Once past it, every server refuses.
    for (i, base) in f.servers.iter().enumerate() {
        let (status, body) = beacon(
            base,
            "quota-fleet.example",
            "quota-fleet.example",
            500 + i as u32,
            "/",
            "pageview",
        )
        .await;
        assert_eq!(status, 402, "{body}");
    }
    // The organization sees its usage through either server, and the
    // refusals are counted (each server counts its own).
    let mut refusals = 0;
    for base in &f.servers {
        let usage = common::gql(
            base,
            Some(&token),
            "query($o: ID!) { organization(id: $o) { usage { events limit overQuota } } }",
            json!({"o": org}),
        )
        .await;
        assert_eq!(
            usage["organization"]["usage"],
            json!({"events": accepted, "limit": LIMIT, "overQuota": true})
        );
        let metrics = reqwest::Client::new()
            .get(format!("{base}/metrics"))
            .bearer_auth("fleet-metrics-token")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        refusals += metrics
            .lines()
            .find_map(|l| l.strip_prefix("trackr_events_refused_total "))
            .map(|n| n.trim().parse::<f64>().unwrap() as usize)
            .unwrap_or_default();
    }
    assert_eq!(refusals, refused.len() + 2, "each 402 counted");
}
