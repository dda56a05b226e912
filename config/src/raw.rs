//! The settings as read, before validation.

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    ConfigError, Ingest, Limits, LogFormat, ObjectStoreLocation, Plan, PlanCatalogue, PlanId,
    Settings,
};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RawSettings {
    listen: String,
    worker_listen: String,
    public_url: String,
    data_dir: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redis_url: Option<String>,
    redis_prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_store_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    email_from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stripe_secret_key: Option<String>,
    #[serde(default, deserialize_with = "list")]
    stripe_webhook_secret: Vec<String>,
    stripe_api_base: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sentry_dsn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geoip_db: Option<PathBuf>,
    #[serde(default, deserialize_with = "list")]
    trusted_proxies: Vec<String>,
    log_format: String,
    plans: BTreeMap<PlanId, Plan>,
    quota_grace: f64,
    past_due_grace_days: u32,
    limits: Limits,
    ingest: Ingest,
    scheduler: bool,
    queue_heartbeat_ms: u64,
    queue_workers: usize,
    graphiql: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_token: Option<String>,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8000".into(),
            worker_listen: "127.0.0.1:8001".into(),
            public_url: "http://localhost:8000".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            redis_prefix: "trackr".into(),
            object_store_url: None,
            smtp_url: None,
            secret_key: None,
            email_from: "TrackR <no-reply@localhost>".into(),
            stripe_secret_key: None,
            stripe_webhook_secret: Vec::new(),
            stripe_api_base: "https://api.stripe.com".into(),
            sentry_dsn: None,
            geoip_db: None,
            trusted_proxies: Vec::new(),
            log_format: "pretty".into(),
            plans: PlanCatalogue::defaults(),
            quota_grace: 0.10,
            past_due_grace_days: 7,
            limits: Limits::default(),
            ingest: Ingest::default(),
            scheduler: true,
            queue_heartbeat_ms: 5_000,
            queue_workers: 2,
            graphiql: true,
            metrics_token: None,
        }
    }
}

/// A list given either as a TOML array or as one comma-separated string (the
/// only way to write a list in an environment variable).
pub(crate) fn parse_net(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

pub(crate) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    let items = match Option::<List>::deserialize(d)? {
        None => Vec::new(),
        Some(List::One(s)) => s.split(',').map(str::to_owned).collect(),
        Some(List::Many(v)) => v,
    };
    Ok(items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl RawSettings {
    pub(crate) fn validate(self) -> Result<Settings, ConfigError> {
        let listen: SocketAddr = self.listen.trim().parse().map_err(|_| {
            ConfigError::new(
                "listen",
                format!("{:?} is not an address like 127.0.0.1:8000", self.listen),
            )
        })?;

        let worker_listen: SocketAddr = self.worker_listen.trim().parse().map_err(|_| {
            ConfigError::new(
                "worker_listen",
                format!(
                    "{:?} is not an address like 127.0.0.1:8001",
                    self.worker_listen
                ),
            )
        })?;

        let public_url = self.public_url.trim().trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || public_url.len() <= "https://".len()
        {
            return Err(ConfigError::new(
                "public_url",
                "must be an http:// or https:// URL",
            ));
        }

        let data_dir = self.data_dir;
        let database_url = match non_empty(self.database_url) {
            None => format!("sqlite://{}?mode=rwc", data_dir.join("trackr.db").display()),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
            Some(url) if url.starts_with("sqlite:") => {
                if url.contains('?') || url.contains(":memory:") {
                    url
                } else {
                    format!("{url}?mode=rwc")
                }
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "database_url",
                    "must start with postgres:// or sqlite:",
                ))
            }
        };

        let redis_url = non_empty(self.redis_url);
        if let Some(url) = &redis_url {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::new(
                    "redis_url",
                    "must start with redis:// or rediss://",
                ));
            }
        }
        if self.redis_prefix.is_empty() || self.redis_prefix.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                "redis_prefix",
                "must be a non-empty word without spaces",
            ));
        }

        let object_store = match non_empty(self.object_store_url) {
            None => ObjectStoreLocation::LocalDir(data_dir.join("objects")),
            Some(url) => parse_object_store(&url)?,
        };

        let smtp_url = non_empty(self.smtp_url);
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::new(
                    "smtp_url",
                    "must start with smtp:// or smtps://",
                ));
            }
        }
        if !self.email_from.contains('@') {
            return Err(ConfigError::new(
                "email_from",
                "must be an address like TrackR <no-reply@example.com>",
            ));
        }

        let secret_key = non_empty(self.secret_key);
        if secret_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err(ConfigError::new(
                "secret_key",
                "must be at least 32 characters",
            ));
        }
        let stripe_secret_key = non_empty(self.stripe_secret_key);
        if let Some(key) = &stripe_secret_key {
            if !(key.starts_with("sk_") || key.starts_with("rk_")) {
                return Err(ConfigError::new(
                    "stripe_secret_key",
                    "must be a Stripe secret key (sk_… or rk_…)",
                ));
            }
        }
        if self
            .stripe_webhook_secret
            .iter()
            .any(|s| !s.starts_with("whsec_"))
        {
            return Err(ConfigError::new(
                "stripe_webhook_secret",
                "every secret must start with whsec_ (comma-separated for rotation)",
            ));
        }
        let stripe_api_base = self.stripe_api_base.trim().trim_end_matches('/').to_owned();
        if !(stripe_api_base.starts_with("http://") || stripe_api_base.starts_with("https://")) {
            return Err(ConfigError::new(
                "stripe_api_base",
                "must be an http(s) URL",
            ));
        }

        let sentry_dsn = non_empty(self.sentry_dsn);
        if let Some(dsn) = &sentry_dsn {
            if !(dsn.starts_with("http://") || dsn.starts_with("https://")) || !dsn.contains('@') {
                return Err(ConfigError::new(
                    "sentry_dsn",
                    "must be a DSN like https://key@host/project",
                ));
            }
        }

        if let Some(path) = &self.geoip_db {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "geoip_db",
                    format!("{} is not a readable file", path.display()),
                ));
            }
        }

        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|p| {
                parse_net(p).ok_or_else(|| {
                    ConfigError::new(
                        "trusted_proxies",
                        format!("{p:?} is not an IP address or CIDR"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let log_format = match self.log_format.trim() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "log_format",
                    format!("{other:?} is neither pretty nor json"),
                ))
            }
        };

        let plans = validate_plans(self.plans, self.quota_grace)?;

        let limits = self.limits;
        if limits.graphql_body_bytes < 1024
            || limits.graphql_max_depth < 4
            || limits.graphql_max_selections < 100
            || limits.graphql_timeout_ms < 100
            || limits.organizations_per_user < 1
        {
            return Err(ConfigError::new(
                "limits",
                "graphql_body_bytes must be at least 1024, graphql_max_depth at least 4, graphql_max_selections at least 100, graphql_timeout_ms at least 100 and organizations_per_user at least 1",
            ));
        }

        let ingest = self.ingest;
        if let Some(bad) = ingest
            .datacenter_ranges
            .iter()
            .find(|r| parse_net(r).is_none())
        {
            return Err(ConfigError::new(
                "ingest.datacenter_ranges",
                format!("{bad:?} is not an IP address or CIDR"),
            ));
        }
        if ingest.body_bytes < 1024
            || !(1..=5000).contains(&ingest.max_batch)
            || ingest.batch_wait_ms > 1000
        {
            return Err(ConfigError::new(
                "ingest",
                "body_bytes must be at least 1024, max_batch 1 to 5000 (bind-parameter limits), batch_wait_ms at most 1000",
            ));
        }
        if ingest.recording_body_bytes < 1024
            || ingest.recording_decoded_bytes < ingest.recording_body_bytes
        {
            return Err(ConfigError::new(
                "ingest.recording_decoded_bytes",
                "recording_body_bytes must be at least 1024 and recording_decoded_bytes at least recording_body_bytes",
            ));
        }

        Ok(Settings {
            listen,
            worker_listen,
            public_url,
            data_dir,
            database_url,
            redis_url,
            redis_prefix: self.redis_prefix,
            object_store,
            smtp_url: smtp_url.map(SecretString::from),
            secret_key: secret_key.map(SecretString::from),
            email_from: self.email_from,
            stripe_secret_key: stripe_secret_key.map(SecretString::from),
            stripe_webhook_secrets: self
                .stripe_webhook_secret
                .into_iter()
                .map(SecretString::from)
                .collect(),
            stripe_api_base,
            sentry_dsn: sentry_dsn.map(SecretString::from),
            geoip_db: self.geoip_db,
            trusted_proxies,
            log_format,
            plans,
            past_due_grace_days: self.past_due_grace_days.min(90),
            limits,
            ingest,
            scheduler: self.scheduler,
            queue_heartbeat_ms: self.queue_heartbeat_ms.clamp(1_000, 600_000),
            queue_workers: self.queue_workers.clamp(1, 64),
            graphiql: self.graphiql,
            metrics_token: non_empty(self.metrics_token).map(SecretString::from),
        })
    }
}

fn parse_object_store(url: &str) -> Result<ObjectStoreLocation, ConfigError> {
    if let Some(path) = url.strip_prefix("file://") {
        if path.is_empty() {
            return Err(ConfigError::new("object_store_url", "file:// needs a path"));
        }
        return Ok(ObjectStoreLocation::LocalDir(PathBuf::from(path)));
    }
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ConfigError::new("object_store_url", "s3:// needs a bucket"));
        }
        return Ok(ObjectStoreLocation::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        });
    }
    Err(ConfigError::new(
        "object_store_url",
        "must start with file:// or s3://",
    ))
}

fn validate_plans(
    plans: BTreeMap<PlanId, Plan>,
    quota_grace: f64,
) -> Result<PlanCatalogue, ConfigError> {
    if !(0.0..=10.0).contains(&quota_grace) {
        return Err(ConfigError::new(
            "quota_grace",
            "must be a share between 0 and 10 (0.10 is 10 %)",
        ));
    }
    let mut seen_prices: BTreeMap<&str, PlanId> = BTreeMap::new();
    for id in PlanId::ALL {
        let key = |field: &str| format!("plans.{id}.{field}");
        let plan = plans
            .get(&id)
            .ok_or_else(|| ConfigError::new(&format!("plans.{id}"), "missing plan"))?;
        if plan.monthly_events == 0 {
            return Err(ConfigError::new(
                &key("monthly_events"),
                "must be at least 1",
            ));
        }
        if plan.retention_days == 0 {
            return Err(ConfigError::new(
                &key("retention_days"),
                "must be at least 1",
            ));
        }
        if plan.max_sites == Some(0) || plan.max_seats == Some(0) {
            return Err(ConfigError::new(
                &key("max_sites"),
                "limits must be at least 1, or \"unlimited\"",
            ));
        }
        if let Some(days) = plan.recording_retention_days {
            if days == 0 || days > plan.retention_days {
                return Err(ConfigError::new(
                    &key("recording_retention_days"),
                    "must be between 1 and the plan's retention_days",
                ));
            }
        }
        if id == PlanId::Free && !plan.stripe_prices.is_empty() {
            return Err(ConfigError::new(
                &key("stripe_prices"),
                "the free plan has no Stripe price",
            ));
        }
        for price in &plan.stripe_prices {
            if let Some(other) = seen_prices.insert(price, id) {
                return Err(ConfigError::new(
                    &key("stripe_prices"),
                    format!("price {price:?} is already used by plan {other}"),
                ));
            }
        }
    }
    Ok(PlanCatalogue::new(plans, quota_grace))
}
