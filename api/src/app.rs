//! The application's shared state: settings, database, Redis, mailer,
//! limiter and metrics. Built once at start-up and cloned cheaply.

use std::{ops::Deref, sync::Arc, time::Duration};

use redis::aio::ConnectionManager;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use trackr_config::Settings;
use trackr_entity::server_key;
use trackr_migration::{Migrator, MigratorTrait};

use crate::{email::Mailer, metrics::Metrics, ratelimit::RateLimiter, tokens};

#[derive(Clone)]
pub struct App(Arc<AppInner>);

pub struct AppInner {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub redis: Option<ConnectionManager>,
    pub limiter: RateLimiter,
    pub mailer: Mailer,
    pub metrics: Metrics,
    /// What time it is, for everything the server does (tests stop it).
    pub clock: trackr_config::Clock,
    /// When "database connections exhausted" was last said (at most once a
    /// second, however many requests hit it).
    pub busy_warnings: crate::error::Throttle,
    /// Serializes organization-owning transactions on SQLite.
    pub sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// Object storage (recordings, exports).
    pub store: trackr_analytics::store::Store,
    /// The event store: everything about events, visits and rollups.
    pub events: Arc<dyn trackr_analytics::EventStore>,
    /// The Redis job queue; `None` runs jobs in this process.
    pub queue: Option<trackr_worker::queue::Queue>,
    pub ingest: crate::ingest::Ingest,
    /// Key of the hash that replaces IP addresses wherever one is kept.
    ip_key: Vec<u8>,
}

impl Deref for App {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot prepare the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Database(String),
    #[error("cannot apply migrations: {0}")]
    Migrate(String),
    #[error("cannot connect to Redis: {0}")]
    Redis(String),
    #[error("email: {0}")]
    Mail(String),
    #[error("geolocation: {0}")]
    Geo(String),
    #[error("object store: {0}")]
    Store(String),
}

/// The server's key (IP hashes, signed links): `TRACKR_SECRET_KEY`, else
/// one the fleet shares through the database.
pub async fn link_key(
    db: &DatabaseConnection,
    settings: &Settings,
) -> Result<String, sea_orm::DbErr> {
    Ok(match &settings.secret_key {
        // Kept outside the database: a database dump alone cannot be
        // used to recover addresses by hashing all of IPv4.
        Some(key) => secrecy::ExposeSecret::expose_secret(key).to_owned(),
        None => server_key::Entity::get_or_create(db, "ip_hash", tokens::generate("")).await?,
    })
}

/// Connects to the configured database (creating the SQLite file and its
/// directory when needed).
pub async fn connect_db(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| StartupError::DataDir(settings.data_dir.display().to_string(), e))?;
    }
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(if settings.is_sqlite() { 8 } else { 20 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // PostgreSQL's JIT compiles a plan for seconds to save milliseconds:
        // a report over a day of raw events spent 1.4 s of 1.42 s in it.
        .map_sqlx_postgres_opts(|o| o.options([("jit", "off")]))
        // Page goals' patterns are regular expressions (`~` on PostgreSQL).
        .map_sqlx_sqlite_opts(|o| o.with_regexp());
    let db = Database::connect(options)
        .await
        .map_err(|e| StartupError::Database(redact(&e.to_string())))?;
    if settings.is_sqlite() {
        // WAL lets reports read while ingestion writes; FULL makes every
        // commit durable (group commit amortizes the fsync).
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?;
    }
    Ok(db)
}

/// Applies this binary's migrations. A database that a newer TrackR has
/// migrated further is left as it is: migrations only add, so this binary
/// keeps working on it, and a rolling upgrade can restart an older server
/// while a newer one already runs (sea-orm-migration alone would refuse to
/// start it). A database whose history is not this binary's at all (one
/// of its migrations missing while unknown ones are applied) is refused.
pub async fn migrate(db: &DatabaseConnection) -> Result<Migrated, StartupError> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let applied = applied_migrations(db).await;
    let unknown: Vec<&String> = applied.iter().filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        let missing: Vec<&String> = known.iter().filter(|k| !applied.contains(k)).collect();
        if !missing.is_empty() {
            return Err(StartupError::Migrate(format!(
                "the database has migrations this binary does not know ({}) and lacks some it does ({}): it belongs to another history",
                join(&unknown),
                join(&missing)
            )));
        }
        tracing::warn!(
            newer = %join(&unknown),
            "the database was migrated by a newer TrackR; running on it without migrating (upgrade this binary too)"
        );
        return Ok(Migrated::DatabaseIsNewer);
    }
    Migrator::up(db, None)
        .await
        .map_err(|e| StartupError::Migrate(e.to_string()))?;
    Ok(Migrated::UpToDate)
}

/// What `migrate` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrated {
    /// Every migration of this binary is applied.
    UpToDate,
    /// A newer TrackR migrated further; nothing was changed.
    DatabaseIsNewer,
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The versions in sea-orm-migration's table; none on a new database.
async fn applied_migrations(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .unwrap_or_default();
    rows.iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect()
}

/// How long a connection attempt to Redis may take.
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long one Redis command may take before it fails.
const REDIS_RESPONSE_TIMEOUT: Duration = Duration::from_millis(1000);

/// A Redis connection that connects on first use and reconnects after an
/// outage, failing fast meanwhile: the server starts, and keeps serving,
/// whether Redis is there or not.
pub fn lazy_redis(client: redis::Client) -> redis::RedisResult<ConnectionManager> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(REDIS_CONNECT_TIMEOUT))
        .set_response_timeout(Some(REDIS_RESPONSE_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    ConnectionManager::new_lazy_with_config(client, config)
}

/// Opens the configured Redis without waiting for it (only a malformed URL
/// is an error here).
pub fn open_redis(url: &str) -> Result<ConnectionManager, StartupError> {
    let client =
        redis::Client::open(url).map_err(|e| StartupError::Redis(redact(&e.to_string())))?;
    lazy_redis(client).map_err(|e| StartupError::Redis(redact(&e.to_string())))
}

/// Asks Redis for a PONG within `REDIS_RESPONSE_TIMEOUT`; the error names
/// what is wrong (refused, timed out, …), never the URL's password.
pub async fn ping_redis(conn: &ConnectionManager) -> Result<(), String> {
    let mut conn = conn.clone();
    let cmd = redis::cmd("PING");
    match tokio::time::timeout(REDIS_RESPONSE_TIMEOUT, cmd.query_async::<String>(&mut conn)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(redact(&e.to_string())),
        Err(_) => Err("no answer within a second".into()),
    }
}

/// Connection errors may quote the URL, and URLs may carry passwords.
pub(crate) fn redact(message: &str) -> String {
    message
        .split_whitespace()
        .map(|word| match word.find("://") {
            Some(i) if word[i + 3..].contains('@') => {
                let at = word.rfind('@').unwrap_or(word.len());
                format!("{}://***{}", &word[..i], &word[at..])
            }
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl App {
    /// Connects everything and applies migrations.
    pub async fn start(settings: Settings) -> Result<App, StartupError> {
        let db = connect_db(&settings).await?;
        migrate(&db).await?;
        let redis = match &settings.redis_url {
            Some(url) => Some(open_redis(url)?),
            None => None,
        };
        if let Some(conn) = &redis {
            // Only said, not fatal: jobs wait in the database and limits
            // are kept in process until Redis answers.
            if let Err(e) = ping_redis(conn).await {
                tracing::warn!(error = %e, "Redis is not reachable yet; serving without it and reconnecting in the background");
            }
        }
        let clock = trackr_config::Clock::default();
        let limiter = match &redis {
            Some(conn) => {
                RateLimiter::redis(conn.clone(), settings.redis_prefix.clone(), clock.clone())
            }
            None => RateLimiter::local(clock.clone()),
        };
        let mailer = Mailer::from_settings(&settings).map_err(StartupError::Mail)?;
        let ip_key = link_key(&db, &settings)
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?;
        let queue = redis
            .as_ref()
            .map(|conn| trackr_worker::queue::Queue::new(conn.clone(), &settings));
        let store = trackr_analytics::store::Store::open(&settings).map_err(StartupError::Store)?;
        let metrics = Metrics::new();
        let ingest = crate::ingest::Ingest::start(&db, &settings, &metrics, &clock)
            .map_err(StartupError::Geo)?;
        let events = Arc::new(trackr_analytics::SqlEventStore::with_writer(
            db.clone(),
            store.clone(),
            crate::ingest::writer_config(&settings),
        ));
        Ok(App(Arc::new(AppInner {
            settings: Arc::new(settings),
            db,
            redis,
            limiter,
            mailer,
            metrics,
            clock,
            busy_warnings: Default::default(),
            queue,
            store,
            events,
            sqlite_writer: Arc::default(),
            ingest,
            ip_key: ip_key.into_bytes(),
        })))
    }

    /// Key that signs download links.
    pub fn link_key(&self) -> &[u8] {
        &self.ip_key
    }

    /// The keyed hash kept instead of an IP address.
    pub fn ip_hash(&self, ip: std::net::IpAddr) -> String {
        tokens::keyed_digest(&self.ip_key, &ip.to_string())
    }

    /// The MAC of a share link's unlock cookie (`crate::shares`).
    pub fn share_mac(&self, value: &str) -> String {
        tokens::keyed_digest(&self.ip_key, &format!("share-unlock\0{value}"))
    }

    /// A rate-limit key that names neither the email nor the IP it is for.
    pub fn limit_key(&self, kind: &str, value: &str) -> String {
        format!("{kind}:{}", tokens::keyed_digest(&self.ip_key, value))
    }

    /// Sends an email in the background: the caller's answer (and its
    /// timing) must not depend on whether an account exists.
    pub fn send_email_later(&self, to: String, subject: &'static str, body: String) {
        let app = self.clone();
        tokio::spawn(async move {
            if let Err(e) = app
                .mailer
                .send(&app.settings.email_from, &to, subject, body)
                .await
            {
                tracing::error!(error = %e, subject, "email not sent");
            }
        });
    }

    pub async fn send_email(
        &self,
        to: &str,
        subject: &str,
        body: String,
    ) -> Result<(), crate::ApiError> {
        self.mailer
            .send(&self.settings.email_from, to, subject, body)
            .await
            .map_err(crate::ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_in_urls() {
        let s = super::redact("failed postgres://user:secret@db:5432/x now");
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("@db:5432/x"));
    }
}
