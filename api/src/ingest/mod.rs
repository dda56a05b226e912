//! Ingestion: the tracker script and `POST /api/event`.

pub mod chunk;
mod enrich;
pub mod issues;
mod payload;
pub mod recording;
mod site_cache;
mod visitor;

use std::{net::IpAddr, sync::OnceLock, time::Duration};

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use ipnet::IpNet;
use prometheus::IntCounterVec;
use sha2::{Digest, Sha256};
use tower_http::cors::{Any, CorsLayer};
use trackr_config::Settings;

pub use enrich::{classify_agent, classify_source, DropReason, Geo};
pub use payload::{parse as parse_payload, Beacon, PayloadError};
pub use site_cache::{SiteCache, SiteInfo};
use trackr_analytics::writer::{NewEvent, SiteRef, WriteError, WriterConfig};
pub use visitor::{rotate as rotate_salts, visitor_hash, Salts};

use crate::{ratelimit::RateLimiter, server::ClientIp, App};

/// Ingestion's share of the application state.
pub struct Ingest {
    pub sites: SiteCache,
    /// Refused beacons, counted for their site's owner.
    pub issues: issues::IngestIssues,
    pub salts: Salts,
    limiter: RateLimiter,
    geo: Option<Geo>,
    datacenters: Vec<IpNet>,
    pub dropped: IntCounterVec,
    pub accepted: prometheus::IntCounter,
    pub refused: prometheus::IntCounter,
}

/// How the event store's writer gathers and commits events.
pub fn writer_config(settings: &Settings) -> WriterConfig {
    // SQLite has one writer: one lane, one commit at a time.
    let (lanes, in_flight) = if settings.is_sqlite() { (1, 1) } else { (2, 4) };
    WriterConfig {
        lanes,
        in_flight,
        batch_wait: Duration::from_millis(settings.ingest.batch_wait_ms),
        max_batch: settings.ingest.max_batch,
        plans: settings.plans.clone(),
    }
}

impl Ingest {
    pub fn start(
        db: &sea_orm::DatabaseConnection,
        settings: &Settings,
        registry: &crate::metrics::Metrics,
    ) -> Result<Self, String> {
        let geo = settings.geoip_db.as_deref().map(Geo::open).transpose()?;
        let issues = issues::IngestIssues::default();
        issues.start_flushing(db.clone());
        Ok(Ingest {
            sites: SiteCache::default(),
            issues,
            salts: Salts::default(),
            limiter: RateLimiter::local(),
            geo,
            datacenters: settings.ingest.datacenter_nets(),
            dropped: registry.events_dropped.clone(),
            accepted: registry.events_accepted.clone(),
            refused: registry.events_refused.clone(),
        })
    }
}

fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// Dropped on purpose (bots, spam, DNT, no consent): nothing stored, so not
/// a 202; the reason is in a header for people debugging their set-up.
/// The request's user agent and what it is, or the answer that drops a
/// bot, a headless browser or a data-centre address.
// The refusal is answered at once: no need to box it.
#[allow(clippy::result_large_err)]
pub(crate) fn screen_agent<'h>(
    app: &App,
    headers: &'h HeaderMap,
    ip: Option<std::net::IpAddr>,
) -> Result<(&'h str, enrich::Agent), Response> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let agent = enrich::classify_agent(user_agent).map_err(|reason| dropped(app, reason))?;
    if enrich::in_datacenter(ip, &app.ingest.datacenters) {
        return Err(dropped(app, DropReason::Datacenter));
    }
    Ok((user_agent, agent))
}

fn dropped(app: &App, reason: DropReason) -> Response {
    app.ingest
        .dropped
        .with_label_values(&[reason.as_str()])
        .inc();
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        "x-trackr-dropped",
        HeaderValue::from_static(reason.as_str()),
    );
    resp
}

fn header_is(headers: &HeaderMap, name: &str, value: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == value)
}

/// The request body, or the answer for one too large or unreadable.
// The refusal is answered at once: no need to box it.
#[allow(clippy::result_large_err)]
pub(crate) fn read_body(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, Response> {
    match body {
        Ok(b) => Ok(b),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body: larger than {limit} bytes"),
        )),
        Err(e) => Err(json_error(
            StatusCode::BAD_REQUEST,
            format!("body: {}", e.body_text()),
        )),
    }
}

async fn post_event(
    State(app): State<App>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match read_body(body, app.settings.ingest.body_bytes) {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let per_minute = app.settings.ingest.events_per_ip_per_minute;
    let ip_key = ip
        .map(|ip| app.limit_key("event-ip", &crate::ratelimit::address_subject(ip)))
        .unwrap_or_default();
    if !app
        .ingest
        .limiter
        .allow(&ip_key, per_minute, Duration::from_secs(60))
        .await
    {
        return json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many events from this address; slow down",
        );
    }
    let beacon = match payload::parse(&body) {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": e.to_string(), "field": e.field })),
            )
                .into_response()
        }
    };
    let mut sites = Vec::new();
    let mut unknown = Vec::new();
    for domain in &beacon.domains {
        match app.ingest.sites.get(&app.db, domain).await {
            Ok(Some(site)) => sites.push(site),
            Ok(None) => unknown.push(domain),
            Err(e) => {
                tracing::error!(error = %e, "site lookup failed");
                return json_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily unavailable; retry",
                );
            }
        }
    }
    if sites.is_empty() {
        for domain in unknown {
            if let Ok(Some(site)) = issues::neighbour(&app.ingest.sites, &app.db, domain).await {
                app.ingest
                    .issues
                    .note(site, issues::UNKNOWN_DOMAIN, domain, app.clock.now());
            }
        }
        return json_error(
            StatusCode::NOT_FOUND,
            "domain: no site is registered for this domain",
        );
    }
    let host = beacon.url.host_str().unwrap_or_default().to_lowercase();
    if let Some(site) = sites.iter().find(|s| !s.allows_host(&host)) {
        app.ingest
            .issues
            .note(site.id, issues::HOST_NOT_ALLOWED, &host, app.clock.now());
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({
                "error": format!("url: the hostname {host} is not allowed for the site {}", site.domain),
                "field": "url",
            })),
        )
            .into_response();
    }
    let (user_agent, agent) = match screen_agent(&app, &headers, ip) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    if enrich::is_referrer_spam(beacon.referrer.as_ref(), &app.settings.ingest.referrer_spam) {
        return dropped(&app, DropReason::ReferrerSpam);
    }
    let dnt = header_is(&headers, "dnt", "1") || header_is(&headers, "sec-gpc", "1");
    let now = app.clock.now();
    let salts = match app.ingest.salts.for_day(&app.db, now.date_naive()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "salts unavailable");
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable; retry",
            );
        }
    };
    let place = match (&app.ingest.geo, ip) {
        (Some(geo), Some(ip)) => geo.lookup(ip),
        _ => Default::default(),
    };
    let query: Vec<(String, String)> = beacon
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Decoded query values may carry anything, NUL included (which
    // PostgreSQL refuses): control characters are dropped.
    let utm = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| {
                let clean: String = v.chars().filter(|c| !c.is_control()).take(300).collect();
                clean.trim().to_owned()
            })
            .filter(|v| !v.is_empty())
    };
    let (referrer_source, referrer) = enrich::classify_source(
        beacon.referrer.as_ref(),
        utm("utm_source").as_deref(),
        &host,
    );
    let pathname = match beacon.url.fragment() {
        Some(f) if f.starts_with('/') => format!("{}#{f}", beacon.url.path()),
        _ => beacon.url.path().to_owned(),
    };
    let ip_text = ip.map(|ip: IpAddr| ip.to_string()).unwrap_or_default();
    let props = beacon
        .props
        .as_ref()
        .map(|p| serde_json::Value::Object(p.clone()).to_string());

    let mut writes = Vec::new();
    for site in sites {
        if site.honor_dnt && dnt {
            return dropped(&app, DropReason::DoNotTrack);
        }
        if site.require_consent && !beacon.consent {
            return dropped(&app, DropReason::NoConsent);
        }
        let event = NewEvent {
            ts: now.timestamp_millis(),
            name: beacon.name.clone(),
            pathname: pathname.clone(),
            hostname: host.clone(),
            referrer: referrer.clone(),
            referrer_source: referrer_source.clone(),
            utm_source: utm("utm_source"),
            utm_medium: utm("utm_medium"),
            utm_campaign: utm("utm_campaign"),
            country: place.country.clone(),
            region: place.region.clone(),
            city: place.city.clone(),
            browser: agent.browser.clone(),
            os: agent.os.clone(),
            device: agent.device.clone(),
            hash_today: visitor::visitor_hash(&salts.today, site.id, &ip_text, user_agent),
            hash_yesterday: salts
                .yesterday
                .as_ref()
                .map(|s| visitor::visitor_hash(s, site.id, &ip_text, user_agent)),
            props: props.clone(),
            revenue_minor: beacon.revenue.as_ref().map(|r| r.amount_minor),
            revenue_currency: beacon.revenue.as_ref().map(|r| r.currency.clone()),
            click_x: beacon.click.map(|c| c.0),
            click_y: beacon.click.map(|c| c.1),
            viewport_width: beacon.viewport_width,
            site: SiteRef {
                id: site.id,
                organization_id: site.organization_id,
                plan: site.plan,
            },
        };
        writes.push(app.events.write(event));
    }
    // Each write waits for its commit; a beacon names one site nearly always.
    let mut results = Vec::with_capacity(writes.len());
    for write in writes {
        results.push(write.await);
    }
    if results.contains(&Err(WriteError::Unavailable)) {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "not stored; retry");
    }
    if results.iter().all(|r| *r == Err(WriteError::OverQuota)) {
        app.ingest.refused.inc();
        return json_error(
            StatusCode::PAYMENT_REQUIRED,
            "the organization is past its plan's monthly event quota",
        );
    }
    app.ingest.accepted.inc();
    StatusCode::ACCEPTED.into_response()
}

const SCRIPT: &str = include_str!("../../assets/script.js");
/// rrweb's recorder with TrackR's loader, built by `tracker/` (npm run build).
const RECORDER: &str = include_str!("../../assets/recorder.js");

fn etag(body: &str) -> String {
    format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..20]
    )
}

async fn script(headers: HeaderMap) -> Response {
    static ETAG: OnceLock<String> = OnceLock::new();
    serve_js(&headers, ETAG.get_or_init(|| etag(SCRIPT)), SCRIPT)
}

async fn recorder(headers: HeaderMap) -> Response {
    static ETAG: OnceLock<String> = OnceLock::new();
    serve_js(&headers, ETAG.get_or_init(|| etag(RECORDER)), RECORDER)
}

fn serve_js(headers: &HeaderMap, etag: &str, body: &'static str) -> Response {
    let cache = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            "public, max-age=3600, must-revalidate",
        ),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag)
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `/api/event` and `/api/recording` (CORS open, body-limited),
/// `/js/script.js` and `/js/recorder.js`.
pub fn routes(app: &App) -> Router<App> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::CONTENT_ENCODING])
        .max_age(Duration::from_secs(86_400));
    let events = Router::new()
        .route("/api/event", post(post_event))
        .layer(axum::extract::DefaultBodyLimit::max(
            app.settings.ingest.body_bytes,
        ))
        .layer(cors.clone());
    let recordings = Router::new()
        .route("/api/recording", post(recording::post))
        .route("/api/recording/config", get(recording::config))
        .layer(axum::extract::DefaultBodyLimit::max(
            app.settings.ingest.recording_body_bytes,
        ))
        .layer(cors);
    Router::new()
        .route("/js/script.js", get(script))
        .route("/js/recorder.js", get(recorder))
        .merge(events)
        .merge(recordings)
}
