//! Session recordings from the browser (issue 6, privacy promise 8):
//! `GET /api/recording/config` tells the recorder whether and how to
//! record, and `POST /api/recording` stores rrweb chunks in object storage
//! with their metadata in `recordings`. The same gates as events apply
//! (bots, data centres, DNT/GPC, consent), and more: the site must have
//! recordings on and its plan must include them. A refused chunk stores
//! nothing; a duplicate `(site, session, seq)` changes nothing.

use std::{io::Read, time::Duration};

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use trackr_entity::recording;

use super::{chunk, dropped, header_is, json_error, visitor, DropReason, SiteInfo};
use crate::{server::ClientIp, App};

/// The class that keeps an element (and its children) out of recordings.
pub const BLOCK_CLASS: &str = "trackr-block";
/// How far chunk timestamps may be from the server's clock.
const CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;
/// Slack past a site's maximum length (the last flush, clock drift).
const LENGTH_GRACE_MS: i64 = 60_000;

/// Why a site does not record now, if it does not.
fn refusal(app: &App, site: &SiteInfo) -> Option<(StatusCode, &'static str)> {
    if !site.recordings_enabled {
        return Some((
            StatusCode::FORBIDDEN,
            "session recordings are not enabled for this site",
        ));
    }
    if app
        .settings
        .plans
        .get(site.plan)
        .recording_retention_days
        .is_none()
    {
        return Some((
            StatusCode::PAYMENT_REQUIRED,
            "the organization's plan does not include session recordings",
        ));
    }
    None
}

#[derive(serde::Deserialize)]
pub struct ConfigQuery {
    domain: Option<String>,
}

/// What the recorder needs to know before it records anything.
pub async fn config(State(app): State<App>, Query(q): Query<ConfigQuery>) -> Response {
    let Some(domain) = q
        .domain
        .map(|d| super::payload::lookup_domain(&d))
        .filter(|d| !d.is_empty())
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "domain: is required", "field": "domain"})),
        )
            .into_response();
    };
    let site = match site_for(&app, &domain).await {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let refused = refusal(&app, &site);
    (
        [(header::CACHE_CONTROL, "public, max-age=60")],
        Json(serde_json::json!({
            "record": refused.is_none(),
            "reason": refused.map(|(_, why)| why),
            "requireConsent": site.require_consent,
            "honorDnt": site.honor_dnt,
            "maskAllInputs": true,
            "maskAllText": site.recording_mask_all_text,
            "blockClass": BLOCK_CLASS,
            "sampleRate": site.recording_sample_rate,
            "maxSeconds": site.recording_max_seconds,
        })),
    )
        .into_response()
}

/// The body as JSON bytes: gunzipped (bounded) when sent gzipped.
fn decode(app: &App, headers: &HeaderMap, body: Bytes) -> Result<Vec<u8>, Box<Response>> {
    let limit = app.settings.ingest.recording_decoded_bytes;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => Ok(body.to_vec()),
        "gzip" | "x-gzip" => {
            let mut out = Vec::new();
            let mut reader = GzDecoder::new(&body[..]).take(limit as u64 + 1);
            if reader.read_to_end(&mut out).is_err() {
                return Err(Box::new(json_error(
                    StatusCode::BAD_REQUEST,
                    "body: Content-Encoding says gzip but the body is not valid gzip",
                )));
            }
            if out.len() > limit {
                return Err(Box::new(json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("body: decompresses to more than {limit} bytes"),
                )));
            }
            Ok(out)
        }
        other => Err(Box::new(json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Encoding {other:?} is not accepted: send gzip or plain JSON"),
        ))),
    }
}

fn bad_field(field: &str, message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message, "field": field })),
    )
        .into_response()
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The site registered for `domain`, or the answer when there is none.
// The refusal is answered at once: no need to box it.
#[allow(clippy::result_large_err)]
async fn site_for(app: &App, domain: &str) -> Result<std::sync::Arc<SiteInfo>, Response> {
    match app.ingest.sites.get(&app.db, domain).await {
        Ok(Some(site)) => Ok(site),
        Ok(None) => Err(json_error(
            StatusCode::NOT_FOUND,
            "domain: no site is registered for this domain",
        )),
        Err(e) => {
            tracing::error!(error = %e, "site lookup failed");
            Err(unavailable())
        }
    }
}

fn unavailable() -> Response {
    json_error(StatusCode::SERVICE_UNAVAILABLE, "not stored; retry")
}

#[tracing::instrument(skip_all)]
pub async fn post(
    State(app): State<App>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match super::read_body(body, app.settings.ingest.recording_body_bytes) {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let ip_key = ip
        .map(|ip| app.limit_key("recording-ip", &crate::ratelimit::address_subject(ip)))
        .unwrap_or_default();
    if !app
        .ingest
        .limiter
        .allow(
            &ip_key,
            app.settings.ingest.recording_chunks_per_ip_per_minute,
            Duration::from_secs(60),
        )
        .await
    {
        return json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many recording chunks from this address; slow down",
        );
    }
    let json = match decode(&app, &headers, body) {
        Ok(j) => j,
        Err(resp) => return *resp,
    };
    let chunk = match chunk::parse(&json) {
        Ok(c) => c,
        Err(e) => return bad_field(e.field, e.to_string()),
    };
    let site = match site_for(&app, &chunk.domain).await {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    if let Some((status, why)) = refusal(&app, &site) {
        app.metrics
            .recording_chunks
            .with_label_values(&["refused"])
            .inc();
        return json_error(status, why);
    }
    if let Some(host) = chunk.hosts.iter().find(|h| !site.allows_host(h)) {
        return bad_field(
            "events",
            format!(
                "events: the page's hostname {host} is not allowed for the site {}",
                site.domain
            ),
        );
    }
    let (user_agent, agent) = match super::screen_agent(&app, &headers, ip) {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let dnt = header_is(&headers, "dnt", "1") || header_is(&headers, "sec-gpc", "1");
    if site.honor_dnt && dnt {
        return dropped(&app, DropReason::DoNotTrack);
    }
    if site.require_consent && !chunk.consent {
        return dropped(&app, DropReason::NoConsent);
    }
    let now = app.clock.now();
    let now_ms = now.timestamp_millis();
    if (chunk.started_at - now_ms).abs() > CLOCK_SKEW_MS
        || (chunk.ended_at - now_ms).abs() > CLOCK_SKEW_MS
    {
        return bad_field(
            "events",
            "events: timestamps must be within a day of the server's clock".into(),
        );
    }
    let db = &app.db;
    match recording::Entity::existing_key(db, site.id, &chunk.session_id, chunk.seq).await {
        Ok(Some(_)) => {
            app.metrics
                .recording_chunks
                .with_label_values(&["duplicate"])
                .inc();
            return (StatusCode::OK, Json(serde_json::json!({"duplicate": true}))).into_response();
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "recording lookup failed");
            return unavailable();
        }
    }
    let max_ms = i64::from(site.recording_max_seconds) * 1000 + LENGTH_GRACE_MS;
    match recording::Entity::session_start(db, site.id, &chunk.session_id).await {
        Ok(start) => {
            let start = start.unwrap_or(chunk.started_at).min(chunk.started_at);
            if chunk.ended_at - start > max_ms {
                app.metrics
                    .recording_chunks
                    .with_label_values(&["refused"])
                    .inc();
                return json_error(
                    StatusCode::FORBIDDEN,
                    format!(
                        "the recording is past the site's maximum length of {} seconds",
                        site.recording_max_seconds
                    ),
                );
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "recording lookup failed");
            return unavailable();
        }
    }
    let salts = match app.ingest.salts.for_day(db, now.date_naive()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "salts unavailable");
            return unavailable();
        }
    };
    let ip_text = ip.map(|ip| ip.to_string()).unwrap_or_default();
    let place = match (&app.ingest.geo, ip) {
        (Some(geo), Some(ip)) => geo.lookup(ip),
        _ => Default::default(),
    };
    // The visitor's id as its events have it: a visit that began before
    // midnight keeps yesterday's (so deleting that visitor finds this too).
    let today = visitor::visitor_hash(&salts.today, site.id, &ip_text, user_agent);
    let yesterday = salts
        .yesterday
        .as_ref()
        .map(|salt| visitor::visitor_hash(salt, site.id, &ip_text, user_agent));
    let visitor_hash = match app
        .events
        .open_visitor(site.id, today, yesterday, now_ms)
        .await
    {
        Ok(hash) => hash,
        Err(e) => {
            tracing::error!(error = %e, "visit lookup failed");
            return unavailable();
        }
    };
    let stored = match gzip(&chunk.events_json) {
        Ok(bytes) => bytes,
        _ => return unavailable(),
    };
    // Each attempt writes its own object: two copies of a chunk arriving
    // at once cannot overwrite each other, and the loser deletes only its
    // own (the row's unique key decides who wins).
    let key = recording::object_key(site.id, now.date_naive(), &chunk.session_id, chunk.seq)
        .replace(
            ".json.gz",
            &format!("-{}.json.gz", uuid::Uuid::new_v4().simple()),
        );
    let row = recording::Model {
        id: 0,
        site_id: site.id,
        session_id: chunk.session_id.clone(),
        seq: chunk.seq,
        object_key: key.clone(),
        bytes: stored.len() as i64,
        events: chunk.event_count as i32,
        started_at: chunk.started_at,
        ended_at: chunk.ended_at,
        pages: serde_json::to_string(&chunk.pages).unwrap_or_else(|_| "[]".into()),
        country: place.country,
        browser: agent.browser,
        os: agent.os,
        device: agent.device,
        visitor_hash,
        received_at: now_ms,
    };
    // The object first: a row always points at bytes that exist.
    if let Err(e) = app.store.put(&key, stored.into()).await {
        tracing::error!(site_id = %site.id, error = %e, "recording chunk not stored");
        return unavailable();
    }
    match recording::Entity::insert_if_new(db, row).await {
        Ok(true) => {
            app.metrics
                .recording_chunks
                .with_label_values(&["accepted"])
                .inc();
            StatusCode::ACCEPTED.into_response()
        }
        Ok(false) => {
            // A twin won meanwhile: ours is an object nobody points at.
            let _ = app.store.delete(&key).await;
            (StatusCode::OK, Json(serde_json::json!({"duplicate": true}))).into_response()
        }
        Err(e) => {
            tracing::error!(site_id = %site.id, error = %e, "recording row not stored");
            let _ = app.store.delete(&key).await;
            unavailable()
        }
    }
}
