//! Ingestion: the tracker script and `POST /api/event`.

pub mod chunk;
mod enrich;
pub mod issues;
mod payload;
pub mod pipeline;
pub mod recording;
mod site_cache;
mod visitor;

use std::{net::IpAddr, sync::OnceLock, time::Duration};

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Router,
};
use ipnet::IpNet;
use prometheus::IntCounterVec;
use sha2::{Digest, Sha256};
use tower_http::cors::{Any, CorsLayer};
use trackr_config::Settings;

pub use enrich::{classify_agent, classify_source, DropReason, Geo};
pub use payload::{parse as parse_payload, Beacon, PayloadError};
use pipeline::{Refusal, Step};
pub use site_cache::{SiteCache, SiteInfo};
use trackr_analytics::writer::{SiteRef, WriteError, WriterConfig};
pub use visitor::{rotate as rotate_salts, visitor_hash, Salts};

use crate::{client_ip::ClientIp, ratelimit::RateLimiter, App};

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
        clock: &trackr_config::Clock,
    ) -> Result<Self, String> {
        let geo = settings.geoip_db.as_deref().map(Geo::open).transpose()?;
        let issues = issues::IngestIssues::default();
        issues.start_flushing(db.clone());
        Ok(Ingest {
            sites: SiteCache::default(),
            issues,
            salts: Salts::default(),
            limiter: RateLimiter::local(clock.clone()),
            geo,
            datacenters: settings.ingest.datacenter_nets(),
            dropped: registry.events_dropped.clone(),
            accepted: registry.events_accepted.clone(),
            refused: registry.events_refused.clone(),
        })
    }
}

/// How many times an engagement beacon looks for its page view.
const ENGAGEMENT_TRIES: u32 = 5;

/// `POST /api/event`: a page view or custom event, stored once committed.
#[tracing::instrument(skip_all)]
async fn post_event(
    State(app): State<App>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match accept_event(&app, ip, &headers, body).await {
        Ok(()) => {
            app.ingest.accepted.inc();
            StatusCode::ACCEPTED.into_response()
        }
        Err(refusal) => {
            if let Refusal::OverQuota = refusal {
                app.ingest.refused.inc();
            }
            refusal.into_response()
        }
    }
}

async fn accept_event(
    app: &App,
    ip: Option<IpAddr>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Step<()> {
    let settings = &app.settings.ingest;
    let body = pipeline::read_body(body, settings.body_bytes)?;
    pipeline::count_address(
        app,
        ip,
        "event-ip",
        settings.events_per_ip_per_minute,
        "too many events from this address; slow down",
    )
    .await?;
    let beacon = payload::parse(&body)?;
    let sites = pipeline::resolve_sites(app, &beacon.domains).await?;
    let host = beacon.url.host_str().unwrap_or_default().to_lowercase();
    for site in &sites {
        pipeline::check_host(app, site, &host, "url")?;
    }
    let (user_agent, agent) = pipeline::screen_agent(app, headers, ip)?;
    if enrich::is_referrer_spam(beacon.referrer.as_ref(), &settings.referrer_spam) {
        return Err(pipeline::drop_request(app, DropReason::ReferrerSpam));
    }
    for site in &sites {
        pipeline::check_consent(app, site, headers, beacon.consent)?;
    }
    let place = match (&app.ingest.geo, ip) {
        (Some(geo), Some(ip)) => geo.lookup(ip),
        _ => Default::default(),
    };
    let draft = enrich::event(&beacon, &host, &agent, &place, app.clock.now());
    if let Some(engaged) = beacon.engagement {
        // Not an event: the figures of the page view it follows.
        for site in &sites {
            let (today, yesterday) = pipeline::visitor_ids(app, site, ip, user_agent).await?;
            let engagement = trackr_analytics::Engagement {
                site: site.id,
                today,
                yesterday,
                pathname: draft.pathname().to_owned(),
                scroll_depth: engaged.scroll_depth,
                engaged_ms: engaged.engaged_ms,
            };
            // A page left right after it opened sends its engagement while
            // its page view may still be committing (a group commit away):
            // look again a few times before giving it up.
            for attempt in 0..ENGAGEMENT_TRIES {
                match app.events.engage(&engagement, app.clock.now_ms()).await {
                    Ok(true) => break,
                    Ok(false) if attempt + 1 < ENGAGEMENT_TRIES => {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "engagement not stored");
                        return Err(Refusal::Unavailable("not stored; retry"));
                    }
                }
            }
        }
        return Ok(());
    }
    let mut writes = Vec::with_capacity(sites.len());
    for site in &sites {
        let (hash_today, hash_yesterday) = pipeline::visitor_ids(app, site, ip, user_agent).await?;
        let mut event = draft.for_site(site_ref(site), hash_today, hash_yesterday);
        if !site.allowed_property_keys.is_empty() {
            event.row.props =
                enrich::kept_props(event.row.props.take(), &site.allowed_property_keys);
        }
        writes.push(app.events.write(event));
    }
    // Each write waits for its commit; a beacon names one site nearly always.
    let mut results = Vec::with_capacity(writes.len());
    for write in writes {
        results.push(write.await);
    }
    if results.contains(&Err(WriteError::Unavailable)) {
        return Err(Refusal::Unavailable("not stored; retry"));
    }
    if results.iter().all(|r| *r == Err(WriteError::OverQuota)) {
        return Err(Refusal::OverQuota);
    }
    Ok(())
}

/// What the event store needs to know of a site.
fn site_ref(site: &SiteInfo) -> SiteRef {
    SiteRef {
        id: site.id,
        organization_id: site.organization_id,
        plan: site.plan,
    }
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
