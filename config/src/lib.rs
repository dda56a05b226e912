//! Typed settings for TrackR: defaults, then `trackr.toml`, then `TRACKR_*`
//! environment variables (the environment wins). Everything is validated
//! here, once, so the rest of the program only ever sees a valid `Settings`.

mod clock;
mod plans;
mod raw;

use std::{net::SocketAddr, path::PathBuf};

pub use clock::Clock;
use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use ipnet::IpNet;
pub use plans::{Plan, PlanCatalogue, PlanId};
use raw::RawSettings;
pub use secrecy::{ExposeSecret, SecretString};

/// A setting that could not be accepted. Its `Display` is the one line the
/// binary prints before exiting with code 2.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {message}")]
pub struct ConfigError {
    /// The environment variable name of the setting (`TRACKR_LISTEN`).
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            setting: env_name(key),
            message: message.into(),
        }
    }
}

/// `plans.growth.max_sites` → `TRACKR_PLANS__GROWTH__MAX_SITES`.
fn env_name(key: &str) -> String {
    format!("TRACKR_{}", key.replace('.', "__").to_uppercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where large objects (recordings, exports) live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectStoreLocation {
    LocalDir(PathBuf),
    S3 { bucket: String, prefix: String },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Where `trackr worker` serves its health and metrics.
    pub worker_listen: SocketAddr,
    /// Without a trailing slash.
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments (or test runs) can
    /// share one Redis.
    pub redis_prefix: String,
    pub object_store: ObjectStoreLocation,
    pub smtp_url: Option<SecretString>,
    /// Key of the hash kept instead of IP addresses (audit log, rate-limit
    /// keys). Unset: a random key kept in the database, shared by the fleet.
    pub secret_key: Option<SecretString>,
    pub email_from: String,
    pub stripe_secret_key: Option<SecretString>,
    pub stripe_webhook_secrets: Vec<SecretString>,
    pub stripe_api_base: String,
    pub sentry_dsn: Option<SecretString>,
    pub geoip_db: Option<PathBuf>,
    pub trusted_proxies: Vec<IpNet>,
    pub log_format: LogFormat,
    pub plans: PlanCatalogue,
    /// Days a `past_due` subscription keeps its plan before limits fall
    /// to the free plan (`TRACKR_PAST_DUE_GRACE_DAYS`, at most 90).
    pub past_due_grace_days: u32,
    pub limits: Limits,
    pub ingest: Ingest,
    /// Run scheduled jobs (the hourly purge). Off only in tests that move
    /// the clock.
    pub scheduler: bool,
    /// How often queue workers heartbeat (at least 1 s: the queue keeps
    /// whole seconds); a worker silent for three beats is presumed dead and
    /// its jobs go to another.
    pub queue_heartbeat_ms: u64,
    /// Concurrent job consumers per `trackr worker` process.
    pub queue_workers: usize,
    /// Serve GraphiQL on `GET /graphql` (a development aid).
    pub graphiql: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
}

/// Event ingestion: batching, limits and abuse filters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ingest {
    /// Largest accepted `/api/event` body, in bytes.
    pub body_bytes: usize,
    /// How long the writer waits to gather a batch after its first event.
    pub batch_wait_ms: u64,
    pub max_batch: usize,
    /// Events accepted per client IP per minute.
    pub events_per_ip_per_minute: u32,
    /// Referrer domains always dropped as spam (added to the built-in list).
    #[serde(default, deserialize_with = "raw::list")]
    pub referrer_spam: Vec<String>,
    /// CIDRs of data centres whose traffic is dropped as bots.
    #[serde(default, deserialize_with = "raw::list")]
    pub datacenter_ranges: Vec<String>,
    /// Largest accepted `/api/recording` body as sent (gzipped or not).
    #[serde(default = "defaults::recording_body_bytes")]
    pub recording_body_bytes: usize,
    /// Largest recording chunk once decompressed (a gzip bomb stops here).
    #[serde(default = "defaults::recording_decoded_bytes")]
    pub recording_decoded_bytes: usize,
    /// Recording chunks accepted per client IP per minute.
    #[serde(default = "defaults::recording_chunks_per_ip_per_minute")]
    pub recording_chunks_per_ip_per_minute: u32,
}

mod defaults {
    pub fn recording_body_bytes() -> usize {
        1024 * 1024
    }
    pub fn recording_decoded_bytes() -> usize {
        8 * 1024 * 1024
    }
    pub fn recording_chunks_per_ip_per_minute() -> u32 {
        120
    }
}

impl Default for Ingest {
    fn default() -> Self {
        Self {
            body_bytes: 16 * 1024,
            batch_wait_ms: 2,
            max_batch: 2_000,
            events_per_ip_per_minute: 600,
            referrer_spam: Vec::new(),
            datacenter_ranges: Vec::new(),
            recording_body_bytes: defaults::recording_body_bytes(),
            recording_decoded_bytes: defaults::recording_decoded_bytes(),
            recording_chunks_per_ip_per_minute: defaults::recording_chunks_per_ip_per_minute(),
        }
    }
}

impl Ingest {
    pub fn datacenter_nets(&self) -> Vec<IpNet> {
        self.datacenter_ranges
            .iter()
            .filter_map(|r| raw::parse_net(r))
            .collect()
    }
}

/// Abuse and resource limits of the API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest accepted `/graphql` body, in bytes.
    pub graphql_body_bytes: usize,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    /// Most selections a document may hold with its fragments expanded
    /// (checked in time proportional to the document, before validation).
    pub graphql_max_selections: usize,
    /// How long a GraphQL request may run. A query also stops when its
    /// client goes away; a mutation does not (it runs in a task of its
    /// own), but its deadline holds.
    pub graphql_timeout_ms: u64,
    /// Organizations a user may belong to (create or join).
    pub organizations_per_user: u32,
    /// Password attempts (log-in and every other password check) allowed
    /// per account from addresses that have not logged in to it before,
    /// in `login_window_seconds`.
    pub login_attempts_per_account: u32,
    /// Password attempts allowed per account from one address, known or
    /// not, in `login_window_seconds`.
    pub login_attempts_per_account_and_ip: u32,
    /// How long an address that logged in to an account stays known to it
    /// (exempt from the account-wide limit), in days.
    pub login_known_address_days: u32,
    /// Log-in attempts allowed per client IP in `login_window_seconds`.
    pub login_attempts_per_ip: u32,
    pub login_window_seconds: u64,
    /// Sign-ups and password-reset requests per client IP per hour.
    pub account_emails_per_ip_per_hour: u32,
    pub session_days: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            graphql_body_bytes: 256 * 1024,
            // The standard introspection query is 13 deep.
            graphql_max_depth: 16,
            // A dashboard of every site of every organization with its
            // stats costs about 11 000.
            graphql_max_complexity: 20_000,
            graphql_max_selections: 5_000,
            graphql_timeout_ms: 30_000,
            organizations_per_user: 20,
            login_attempts_per_account: 20,
            login_attempts_per_account_and_ip: 10,
            login_known_address_days: 90,
            login_attempts_per_ip: 50,
            login_window_seconds: 15 * 60,
            account_emails_per_ip_per_hour: 20,
            session_days: 30,
        }
    }
}

impl Settings {
    /// Defaults → `trackr.toml` (or the file named by `TRACKR_CONFIG`) →
    /// `TRACKR_*` environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("TRACKR_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("trackr.toml"));
        let figment = Figment::from(Serialized::defaults(RawSettings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("TRACKR_").ignore(&["config"]).split("__"));
        Self::from_figment(figment)
    }

    /// Defaults overridden by `key = value` pairs using the same keys as
    /// `trackr.toml` (`plans.free.max_sites`). Reads neither the file nor the
    /// environment: what tests and embedders use.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        for (key, value) in pairs {
            let value: figment::value::Value = value
                .parse()
                .unwrap_or_else(|_| figment::value::Value::from(value));
            figment = figment.merge(Serialized::default(key, value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawSettings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            let key = if key.is_empty() {
                "config".to_owned()
            } else {
                key
            };
            ConfigError::new(&key, e.kind.to_string())
        })?;
        raw.validate()
    }

    pub fn uses_redis(&self) -> bool {
        self.redis_url.is_some()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn queue_heartbeat(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.queue_heartbeat_ms)
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&'static str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(items.iter().map(|(k, v)| (*k, v.to_string())))
    }

    #[test]
    fn defaults_are_the_embedded_shape() {
        let s = pairs(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8000");
        assert_eq!(s.database_url, "sqlite://./data/trackr.db?mode=rwc");
        assert_eq!(
            s.object_store,
            ObjectStoreLocation::LocalDir(PathBuf::from("./data/objects"))
        );
        assert!(s.redis_url.is_none());
        assert_eq!(s.plans.get(PlanId::Free).max_sites, Some(1));
        assert_eq!(s.plans.get(PlanId::Business).max_sites, None);
        assert_eq!(s.plans.get(PlanId::Growth).retention_days, 730);
    }

    #[test]
    fn data_dir_moves_database_and_objects() {
        let s = pairs(&[("data_dir", "/tmp/x")]).unwrap();
        assert_eq!(s.database_url, "sqlite:///tmp/x/trackr.db?mode=rwc");
        assert_eq!(
            s.object_store,
            ObjectStoreLocation::LocalDir(PathBuf::from("/tmp/x/objects"))
        );
    }

    #[test]
    fn invalid_listen_names_the_setting() {
        let e = pairs(&[("listen", "nonsense")]).unwrap_err();
        assert_eq!(e.setting, "TRACKR_LISTEN");
    }

    #[test]
    fn invalid_database_url_names_the_setting() {
        let e = pairs(&[("database_url", "mysql://x")]).unwrap_err();
        assert_eq!(e.setting, "TRACKR_DATABASE_URL");
    }

    #[test]
    fn webhook_secrets_are_comma_separated() {
        let s = pairs(&[("stripe_webhook_secret", "whsec_a, whsec_b")]).unwrap();
        assert_eq!(s.stripe_webhook_secrets.len(), 2);
        let e = pairs(&[("stripe_webhook_secret", "nope")]).unwrap_err();
        assert_eq!(e.setting, "TRACKR_STRIPE_WEBHOOK_SECRET");
        assert!(!e.to_string().contains("nope"), "secrets never echoed");
    }

    #[test]
    fn trusted_proxies_accept_cidrs_and_addresses() {
        let s = pairs(&[("trusted_proxies", "10.0.0.0/8,127.0.0.1")]).unwrap();
        assert_eq!(s.trusted_proxies.len(), 2);
        let e = pairs(&[("trusted_proxies", "10.0.0.0/99")]).unwrap_err();
        assert_eq!(e.setting, "TRACKR_TRUSTED_PROXIES");
    }

    #[test]
    fn plans_can_be_overridden_one_field_at_a_time() {
        let s = pairs(&[
            ("plans.growth.max_sites", "30"),
            ("plans.growth.stripe_prices", "price_a,price_b"),
            ("plans.business.max_seats", "unlimited"),
        ])
        .unwrap();
        let growth = s.plans.get(PlanId::Growth);
        assert_eq!(growth.max_sites, Some(30));
        assert_eq!(growth.max_seats, Some(10));
        assert_eq!(growth.stripe_prices, vec!["price_a", "price_b"]);
        assert_eq!(s.plans.plan_for_price("price_b"), Some(PlanId::Growth));
    }

    #[test]
    fn a_price_used_by_two_plans_is_contradictory() {
        let e = pairs(&[
            ("plans.growth.stripe_prices", "price_a"),
            ("plans.starter.stripe_prices", "price_a"),
        ])
        .unwrap_err();
        assert!(e.setting.starts_with("TRACKR_PLANS__"), "{e}");
    }

    #[test]
    fn s3_object_store_is_parsed() {
        let s = pairs(&[("object_store_url", "s3://bucket/some/prefix")]).unwrap();
        assert_eq!(
            s.object_store,
            ObjectStoreLocation::S3 {
                bucket: "bucket".into(),
                prefix: "some/prefix".into()
            }
        );
    }
}
