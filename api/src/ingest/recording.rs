//! Session recordings from the browser (issue 6, privacy promise 8):
//! `GET /api/recording/config` tells the recorder whether and how to
//! record, and `POST /api/recording` stores rrweb chunks in object storage
//! with their metadata in `recordings`. The same gates as events apply
//! (bots, data centres, DNT/GPC, consent), and more: the site must have
//! recordings on and its plan must include them. A refused chunk stores
//! nothing; a duplicate `(site, session, seq)` changes nothing.

use std::{io::Read, net::IpAddr};

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use trackr_entity::recording;

use super::{
    chunk,
    pipeline::{self, Refusal, Step},
    SiteInfo,
};
use crate::{client_ip::ClientIp, App};

/// The class that keeps an element (and its children) out of recordings.
pub const BLOCK_CLASS: &str = "trackr-block";
/// How far chunk timestamps may be from the server's clock.
const CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;
/// Slack past a site's maximum length (the last flush, clock drift).
const LENGTH_GRACE_MS: i64 = 60_000;

/// Why a site does not record now, if it does not.
fn refusal(app: &App, site: &SiteInfo) -> Option<Refusal> {
    if !site.recordings_enabled {
        return Some(Refusal::Refused(
            StatusCode::FORBIDDEN,
            "session recordings are not enabled for this site".into(),
        ));
    }
    if app
        .settings
        .plans
        .get(site.plan)
        .recording_retention_days
        .is_none()
    {
        return Some(Refusal::Refused(
            StatusCode::PAYMENT_REQUIRED,
            "the organization's plan does not include session recordings".into(),
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
        return Refusal::field("domain", "domain: is required").into_response();
    };
    let site = match pipeline::resolve_sites(&app, &[domain]).await {
        Ok(mut sites) => sites.remove(0),
        Err(refusal) => return refusal.into_response(),
    };
    let reason = refusal(&app, &site).map(|r| match r {
        Refusal::Refused(_, why) => why,
        other => format!("{other:?}"),
    });
    (
        [(header::CACHE_CONTROL, "public, max-age=60")],
        Json(serde_json::json!({
            "record": reason.is_none(),
            "reason": reason,
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
fn decode(app: &App, headers: &HeaderMap, body: Bytes) -> Step<Vec<u8>> {
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
                return Err(Refusal::Input {
                    field: None,
                    message: "body: Content-Encoding says gzip but the body is not valid gzip"
                        .into(),
                });
            }
            if out.len() > limit {
                return Err(Refusal::TooLarge(format!(
                    "body: decompresses to more than {limit} bytes"
                )));
            }
            Ok(out)
        }
        other => Err(Refusal::Unsupported(format!(
            "Content-Encoding {other:?} is not accepted: send gzip or plain JSON"
        ))),
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// What storing a chunk came to.
enum Stored {
    New,
    Duplicate,
}

/// `POST /api/recording`: one chunk of rrweb events.
#[tracing::instrument(skip_all)]
pub async fn post(
    State(app): State<App>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let counted = |outcome: &str| {
        app.metrics
            .recording_chunks
            .with_label_values(&[outcome])
            .inc()
    };
    match accept_chunk(&app, ip, &headers, body).await {
        Ok(Stored::New) => {
            counted("accepted");
            StatusCode::ACCEPTED.into_response()
        }
        Ok(Stored::Duplicate) => {
            counted("duplicate");
            (StatusCode::OK, Json(serde_json::json!({"duplicate": true}))).into_response()
        }
        Err(refusal) => {
            if let Refusal::Refused(..) = refusal {
                counted("refused");
            }
            refusal.into_response()
        }
    }
}

async fn accept_chunk(
    app: &App,
    ip: Option<IpAddr>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Step<Stored> {
    let settings = &app.settings.ingest;
    let body = pipeline::read_body(body, settings.recording_body_bytes)?;
    pipeline::count_address(
        app,
        ip,
        "recording-ip",
        settings.recording_chunks_per_ip_per_minute,
        "too many recording chunks from this address; slow down",
    )
    .await?;
    let json = decode(app, headers, body)?;
    let chunk = chunk::parse(&json)?;
    let site = pipeline::resolve_sites(app, std::slice::from_ref(&chunk.domain))
        .await?
        .remove(0);
    if let Some(refused) = refusal(app, &site) {
        return Err(refused);
    }
    for host in &chunk.hosts {
        pipeline::check_host(app, &site, host, "events")?;
    }
    let (user_agent, agent) = pipeline::screen_agent(app, headers, ip)?;
    pipeline::check_consent(app, &site, headers, chunk.consent)?;
    let now = app.clock.now();
    let now_ms = now.timestamp_millis();
    if (chunk.started_at - now_ms).abs() > CLOCK_SKEW_MS
        || (chunk.ended_at - now_ms).abs() > CLOCK_SKEW_MS
    {
        return Err(Refusal::field(
            "events",
            "events: timestamps must be within a day of the server's clock",
        ));
    }
    let db = &app.db;
    let unavailable = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "recording lookup failed");
        Refusal::Unavailable("not stored; retry")
    };
    if recording::Entity::existing_key(db, site.id, &chunk.session_id, chunk.seq)
        .await
        .map_err(unavailable)?
        .is_some()
    {
        return Ok(Stored::Duplicate);
    }
    let max_ms = i64::from(site.recording_max_seconds) * 1000 + LENGTH_GRACE_MS;
    let start = recording::Entity::session_start(db, site.id, &chunk.session_id)
        .await
        .map_err(unavailable)?
        .unwrap_or(chunk.started_at)
        .min(chunk.started_at);
    if chunk.ended_at - start > max_ms {
        return Err(Refusal::Refused(
            StatusCode::FORBIDDEN,
            format!(
                "the recording is past the site's maximum length of {} seconds",
                site.recording_max_seconds
            ),
        ));
    }
    let place = match (&app.ingest.geo, ip) {
        (Some(geo), Some(ip)) => geo.lookup(ip),
        _ => Default::default(),
    };
    // The visitor's id as its events have it: a visit that began before
    // midnight keeps yesterday's (so deleting that visitor finds this too).
    let (today, yesterday) = pipeline::visitor_ids(app, &site, ip, user_agent).await?;
    let visitor_hash = app
        .events
        .open_visitor(site.id, today, yesterday, now_ms)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "visit lookup failed");
            Refusal::Unavailable("not stored; retry")
        })?;
    let stored = gzip(&chunk.events_json).map_err(|e| {
        tracing::error!(error = %e, "recording chunk not compressed");
        Refusal::Unavailable("not stored; retry")
    })?;
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
        return Err(Refusal::Unavailable("not stored; retry"));
    }
    match recording::Entity::insert_if_new(db, row).await {
        Ok(true) => Ok(Stored::New),
        Ok(false) => {
            // A twin won meanwhile: ours is an object nobody points at.
            let _ = app.store.delete(&key).await;
            Ok(Stored::Duplicate)
        }
        Err(e) => {
            tracing::error!(site_id = %site.id, error = %e, "recording row not stored");
            let _ = app.store.delete(&key).await;
            Err(Refusal::Unavailable("not stored; retry"))
        }
    }
}
