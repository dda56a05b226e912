//! The end-to-end test harness: every test gets its own server on a random
//! port, its own database (a fresh PostgreSQL database or a fresh SQLite
//! file), its own data directory and, on PostgreSQL, real Redis under its
//! own key prefix. Tests talk to it over real HTTP.

pub mod model;
pub mod spans;
pub mod stripe;

use std::{path::PathBuf, time::Duration};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use trackr_api::{RunningServer, Server};
use trackr_config::Settings;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL and Redis: the production shape.
    Postgres,
    /// SQLite and in-process jobs and limits: the embedded default.
    Sqlite,
}

pub fn postgres_admin_url() -> String {
    std::env::var("TRACKR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TRACKR_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Runs each named `async fn name(backend: Backend)` once per backend, as
/// `postgres::name` and `sqlite::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
    };
}

/// The server's own runtime, as the binary builds it (its threads' stack
/// size included); stopped in the background when the test ends.
pub struct ServerRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ServerRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

pub struct TestApp {
    pub server: RunningServer,
    pub runtime: ServerRuntime,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    /// A direct connection to the test's database, for asserting what is
    /// stored.
    pub db: DatabaseConnection,
}

/// A signed-up user.
/// `logIn` with `$e` and `$p`, selecting the token.
pub const LOG_IN: &str =
    "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }";

#[derive(Clone, Debug)]
pub struct TestUser {
    pub token: String,
    pub id: String,
    pub email: String,
    pub username: String,
    pub password: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// With extra settings (`trackr.toml` keys such as `plans.free.max_seats`).
    pub async fn spawn_with(backend: Backend, extra: &[(&'static str, &str)]) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut pairs: Vec<(&str, String)> = vec![
            ("listen", "127.0.0.1:0".into()),
            ("data_dir", data_dir.path().display().to_string()),
            // Tests play many visitors through X-Forwarded-For.
            ("trusted_proxies", "127.0.0.1/32".into()),
            // Tests move the clock; the hourly purge would race them.
            ("scheduler", "false".into()),
        ];
        if backend == Backend::Postgres {
            let name = format!("trackr_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(postgres_admin_url())
                .await
                .expect("PostgreSQL reachable (see README: the test command starts it)");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            // postgres://user@host:port/postgres → …/<fresh database>
            let base = postgres_admin_url();
            let url = match base.rsplit_once('/') {
                Some((server, _)) if server.contains("://") && !server.ends_with('/') => {
                    format!("{server}/{name}")
                }
                _ => format!("{}/{name}", base.trim_end_matches('/')),
            };
            pairs.push(("database_url", url));
            pairs.push(("redis_url", redis_url()));
            pairs.push((
                "redis_prefix",
                format!("trackr-test-{}", uuid::Uuid::new_v4().simple()),
            ));
        }
        for (k, v) in extra {
            pairs.push((k, (*v).to_owned()));
        }
        let settings = Settings::from_pairs(pairs).expect("valid test settings");
        let test_settings = settings.clone();
        let runtime = trackr_api::cli::runtime().expect("a runtime");
        let server = runtime
            .spawn({
                let settings = settings.clone();
                async move { Server::bind(settings).await.expect("server starts").spawn() }
            })
            .await
            .expect("server started");
        if backend == Backend::Postgres {
            // What `trackr worker` runs: queue consumers beside the server.
            let db = trackr_api::app::connect_db(&settings)
                .await
                .expect("worker db");
            let redis = trackr_api::app::open_redis(&redis_url()).expect("redis url");
            tokio::spawn(trackr_worker::queue::run_workers(
                db,
                redis,
                settings,
                2,
                std::future::pending(),
            ));
        }
        // As the server connects (SQLite's REGEXP for goals' patterns).
        let db = trackr_api::app::connect_db(&test_settings)
            .await
            .expect("test db connection");
        TestApp {
            server,
            runtime: ServerRuntime(Some(runtime)),
            backend,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            data_dir,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Posts a GraphQL request and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("request sent");
        resp.json().await.expect("JSON response")
    }

    /// Like `gql`, but panics on errors and returns `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let resp = self.gql(token, query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
        resp["data"].clone()
    }

    /// Logs in as an API client: the session token.
    pub async fn log_in(&self, email: &str, password: &str) -> String {
        let data = self
            .gql_ok(None, LOG_IN, json!({"e": email, "p": password}))
            .await;
        data["logIn"]["token"].as_str().expect("token").to_owned()
    }

    /// Logs in as the web app does (same origin, JSON): the session
    /// cookie's `name=value`.
    pub async fn browser_session(&self, user: &TestUser) -> String {
        let resp = self
            .client
            .post(self.url("/graphql"))
            .header("origin", self.url("").trim_end_matches('/'))
            .header("sec-fetch-site", "same-origin")
            .json(&json!({"query": LOG_IN, "variables": {"e": user.email, "p": user.password}}))
            .send()
            .await
            .expect("request sent");
        let set = resp.headers()["set-cookie"].to_str().expect("a cookie");
        set.split(';').next().unwrap_or_default().to_owned()
    }

    pub async fn sign_up(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let password = format!("{username}-password-123");
        let data = self
            .gql_ok(
                None,
                "mutation($e: String!, $u: String!, $p: String!) { signUp(email: $e, username: $u, password: $p) { token user { id } } }",
                json!({ "e": email, "u": username, "p": password }),
            )
            .await;
        TestUser {
            token: data["signUp"]["token"].as_str().expect("token").to_owned(),
            id: data["signUp"]["user"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
            email,
            username: username.to_owned(),
            password,
        }
    }

    pub async fn create_org(&self, user: &TestUser, name: &str) -> String {
        let data = self
            .gql_ok(
                Some(&user.token),
                "mutation($n: String!) { createOrganization(name: $n) { id } }",
                json!({ "n": name }),
            )
            .await;
        data["createOrganization"]["id"]
            .as_str()
            .expect("org id")
            .to_owned()
    }

    pub async fn create_site(&self, user: &TestUser, org: &str, domain: &str) -> String {
        let data = self
            .gql_ok(
                Some(&user.token),
                "mutation($o: ID!, $d: String!) { createSite(organizationId: $o, domain: $d) { id } }",
                json!({ "o": org, "d": domain }),
            )
            .await;
        data["createSite"]["id"]
            .as_str()
            .expect("site id")
            .to_owned()
    }

    /// Invites `user` into `org` with `role` and accepts for them.
    pub async fn add_member(&self, owner: &TestUser, org: &str, user: &TestUser, role: &str) {
        self.gql_ok(
            Some(&owner.token),
            "mutation($o: ID!, $e: String!, $r: Role!) { inviteMember(organizationId: $o, email: $e, role: $r) }",
            json!({ "o": org, "e": user.email, "r": role }),
        )
        .await;
        let token = self.email_token(&user.email, "invited").await;
        self.gql_ok(
            Some(&user.token),
            "mutation($t: String!) { acceptInvitation(token: $t) { id } }",
            json!({ "t": token }),
        )
        .await;
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.path().join("outbox")
    }

    /// Every email in the outbox, decoded enough to read.
    pub fn emails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.outbox_dir()) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let modified = e.metadata().ok()?.modified().ok()?;
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((modified, decode_quoted_printable(&text)))
            })
            .collect();
        files.sort();
        files.into_iter().map(|(_, t)| t).collect()
    }

    /// Waits (with a deadline) for an email to `to` whose text contains
    /// `contains`, and returns the newest such.
    pub async fn wait_for_email(&self, to: &str, contains: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(mail) = self
                .emails()
                .into_iter()
                .rev()
                .find(|m| m.contains(&format!("To: {to}")) && m.contains(contains))
            {
                return mail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no email to {to} containing {contains:?}; outbox: {:#?}",
                self.emails()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The `token: …` line of the newest matching email.
    pub async fn email_token(&self, to: &str, contains: &str) -> String {
        let mail = self.wait_for_email(to, contains).await;
        mail.lines()
            .find_map(|l| l.trim().strip_prefix("token: "))
            .expect("email carries a token")
            .trim()
            .to_owned()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }
}

/// A desktop Chrome, which the bot filters let through.
pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
pub const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

impl TestApp {
    /// A user owning an organization with one site for `domain`.
    pub async fn site_owner(&self, domain: &str) -> (TestUser, String, String) {
        let owner = self.sign_up("owner").await;
        let org = self.create_org(&owner, "Acme").await;
        let site = self.create_site(&owner, &org, domain).await;
        (owner, org, site)
    }

    /// Posts a beacon to `/api/event` as `ip` (through X-Forwarded-For)
    /// with the user agent `ua`.
    pub async fn event_as(
        &self,
        body: &Value,
        ip: &str,
        ua: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url("/api/event"))
            .header("x-forwarded-for", ip)
            .header("user-agent", ua)
            .header("content-type", "text/plain")
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("event sent")
    }

    /// Posts a beacon as a desktop Chrome; returns the status.
    pub async fn event(&self, body: &Value, ip: &str) -> u16 {
        self.event_as(body, ip, CHROME, &[]).await.status().as_u16()
    }

    /// Moves the server's clock (tests only).
    pub fn set_time(&self, at: chrono::DateTime<chrono::Utc>) {
        self.server.app.clock.set(at);
    }
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(resp: &Value) -> Option<String> {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

/// A real S3 protocol server (moto) on a free port, with one bucket, and
/// the `AWS_*` environment pointing at it (each test is its own process
/// under nextest). Stopped when dropped.
pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn moto(bucket: &str) -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address")
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server is installed (bash scripts/test.sh installs it)");
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while client.get(&endpoint).send().await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "moto did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let created = client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("moto answers");
    assert!(
        created.status().is_success(),
        "bucket: {}",
        created.status()
    );
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ] {
        std::env::set_var(k, v);
    }
    Moto { child, endpoint }
}

impl TestApp {
    /// Moves an organization to `plan` (as billing would) and forgets the
    /// cached site settings.
    pub async fn set_plan(&self, org: &str, plan: &str) {
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
        use trackr_entity::organization;
        let id = uuid::Uuid::parse_str(org).expect("an organization id");
        organization::Entity::update_many()
            .col_expr(organization::Column::Plan, Expr::value(plan))
            .filter(organization::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .expect("plan set");
        self.server.app.ingest.sites.clear();
    }

    /// Keys and sizes of the objects under `prefix` in the app's store.
    pub async fn objects(&self, prefix: &str) -> Vec<(String, u64)> {
        self.server
            .app
            .store
            .list(prefix)
            .await
            .expect("object store listing")
    }
}

impl TestApp {
    /// Posts a GraphQL request as a share page does: the link's slug in
    /// `X-Trackr-Share`, with its unlock cookie (`name=value`) if given.
    pub async fn gql_shared(
        &self,
        slug: &str,
        cookie: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .header("x-trackr-share", slug)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        req.send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// Like `gql`, from the client address `ip` (through X-Forwarded-For).
    pub async fn gql_from(
        &self,
        ip: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .header("x-forwarded-for", ip)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// The value of a metric without labels, from `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics answered")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
    }

    /// Polls `metric` until it equals `value` (with a deadline).
    pub async fn wait_for_metric(&self, name: &str, value: f64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let now = self.metric(name).await;
            if now == value {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} stayed {now}, not {value}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A Redis server of the test's own, which the test may stop and start
/// again on the same port (the shared one must stay up for other tests).
pub struct PrivateRedis {
    child: Option<std::process::Child>,
    pub port: u16,
}

impl PrivateRedis {
    pub async fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("an address")
            .port();
        let mut redis = PrivateRedis { child: None, port };
        redis.resume().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): it keeps its connections and answers
    /// nothing, as a hung Redis does.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen server run again (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = std::process::Command::new("kill")
            .args([which, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {which} {pid}");
    }

    /// Starts it again on the same port and waits until it answers.
    pub async fn resume(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (bash scripts/test.sh installs it)");
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "redis did not start"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serves HTML pages on 127.0.0.1 (a browser under test reaches it by any
/// name mapped there, such as example.test): `page(path)` is the body for
/// a request's path. The port.
pub async fn serve_pages<F>(page: F) -> u16
where
    F: Fn(&str) -> String + Send + Sync + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let page = std::sync::Arc::new(page);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .split('?')
                    .next()
                    .unwrap_or("/")
                    .to_owned();
                let html = page(&path);
                let kind = if path.ends_with(".js") {
                    "text/javascript"
                } else {
                    "text/html"
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {kind}; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    port
}

/// `tests/browser`, where the Node.js scripts that drive Chromium live.
pub fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Runs `node tests/browser/<script> <args…>`, which drives Debian's
/// Chromium, and returns the JSON of its last line on stdout; panics with
/// its output if it fails.
pub async fn browser_script(script: &str, args: &[&str]) -> Value {
    for module in ["playwright-core", "axe-core"] {
        assert!(
            browser_dir().join("node_modules").join(module).exists(),
            "run `npm ci` in tests/browser (bash scripts/test.sh does)"
        );
    }
    let out = tokio::process::Command::new("node")
        .arg(browser_dir().join(script))
        .args(args)
        .output()
        .await
        .expect("node is installed (bash scripts/test.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} {}: {stdout}\n{}",
        args.first().unwrap_or(&""),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("a JSON answer")
}
