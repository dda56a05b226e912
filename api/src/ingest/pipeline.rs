//! The steps every ingestion endpoint takes, in this order, each a named
//! function: read the body (bounded), count the address, parse, resolve
//! the site, check the page's host, screen the agent (bots, headless
//! browsers, data centres), apply the site's consent rules, and find the
//! visitor's daily ids. `/api/event` and `/api/recording` compose them;
//! what differs is their payload and what they store.
//!
//! A step that stops a request says why with a `Refusal`, the one type
//! that answers for ingestion: its status, and `{"error", "field"}` (or,
//! for a request dropped on purpose, 204 with `x-trackr-dropped`).

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use super::{enrich, issues, visitor, DropReason, PayloadError, SiteInfo};
use crate::App;

/// Why an ingestion request stored nothing.
#[derive(Debug)]
pub enum Refusal {
    /// The request is wrong (400), naming the field when one is at fault.
    Input {
        field: Option<&'static str>,
        message: String,
    },
    TooLarge(String),
    Unsupported(String),
    UnknownDomain,
    TooMany(&'static str),
    /// The site or its plan does not take this (403, 402).
    Refused(StatusCode, String),
    OverQuota,
    /// Nothing is wrong with the request; it is dropped on purpose.
    Dropped(DropReason),
    /// Something of ours failed; the detail was logged.
    Unavailable(&'static str),
}

impl Refusal {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Refusal::Input {
            field: Some(field),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Refusal::Input { .. } => StatusCode::BAD_REQUEST,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::UnknownDomain => StatusCode::NOT_FOUND,
            Refusal::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Refused(status, _) => *status,
            Refusal::OverQuota => StatusCode::PAYMENT_REQUIRED,
            Refusal::Dropped(_) => StatusCode::NO_CONTENT,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<PayloadError> for Refusal {
    fn from(e: PayloadError) -> Self {
        Refusal::field(e.field, e.to_string())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status();
        let (message, field) = match self {
            Refusal::Dropped(reason) => {
                let mut resp = status.into_response();
                resp.headers_mut().insert(
                    "x-trackr-dropped",
                    HeaderValue::from_static(reason.as_str()),
                );
                return resp;
            }
            Refusal::Input { field, message } => (message, field),
            Refusal::TooLarge(m) | Refusal::Unsupported(m) | Refusal::Refused(_, m) => (m, None),
            Refusal::UnknownDomain => (
                "domain: no site is registered for this domain".to_owned(),
                None,
            ),
            Refusal::TooMany(m) | Refusal::Unavailable(m) => (m.to_owned(), None),
            Refusal::OverQuota => (
                "the organization is past its plan's monthly event quota".to_owned(),
                None,
            ),
        };
        let body = match field {
            Some(field) => serde_json::json!({ "error": message, "field": field }),
            None => serde_json::json!({ "error": message }),
        };
        (status, Json(body)).into_response()
    }
}

pub type Step<T> = Result<T, Refusal>;

/// Counts a drop in the metrics; the answer is the refusal itself.
pub fn drop_request(app: &App, reason: DropReason) -> Refusal {
    app.ingest
        .dropped
        .with_label_values(&[reason.as_str()])
        .inc();
    Refusal::Dropped(reason)
}

/// The request body, bounded.
pub fn read_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Step<Bytes> {
    match body {
        Ok(b) => Ok(b),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Refusal::TooLarge(format!(
            "body: larger than {limit} bytes"
        ))),
        Err(e) => Err(Refusal::Input {
            field: None,
            message: format!("body: {}", e.body_text()),
        }),
    }
}

/// Counts one request from the address against `per_minute`.
pub async fn count_address(
    app: &App,
    ip: Option<IpAddr>,
    kind: &str,
    per_minute: u32,
    too_many: &'static str,
) -> Step<()> {
    let key = ip
        .map(|ip| app.limit_key(kind, &crate::ratelimit::address_subject(ip)))
        .unwrap_or_default();
    if app
        .ingest
        .limiter
        .allow(&key, per_minute, Duration::from_secs(60))
        .await
    {
        Ok(())
    } else {
        Err(Refusal::TooMany(too_many))
    }
}

/// The registered sites among `domains` (a beacon may name several). None
/// registered: refused, and counted against the neighbouring site it was
/// most likely meant for (`Site.ingestIssues`).
pub async fn resolve_sites(app: &App, domains: &[String]) -> Step<Vec<Arc<SiteInfo>>> {
    let mut sites = Vec::new();
    let mut unknown = Vec::new();
    for domain in domains {
        match app.ingest.sites.get(&app.db, domain).await {
            Ok(Some(site)) => sites.push(site),
            Ok(None) => unknown.push(domain),
            Err(e) => {
                tracing::error!(error = %e, "site lookup failed");
                return Err(Refusal::Unavailable("temporarily unavailable; retry"));
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
        return Err(Refusal::UnknownDomain);
    }
    Ok(sites)
}

/// The page's host must be the site's domain, a subdomain or an allowed
/// hostname; a refusal is counted for the site (`Site.ingestIssues`).
pub fn check_host(app: &App, site: &SiteInfo, host: &str, field: &'static str) -> Step<()> {
    if site.allows_host(host) {
        return Ok(());
    }
    app.ingest
        .issues
        .note(site.id, issues::HOST_NOT_ALLOWED, host, app.clock.now());
    let what = if field == "url" {
        "the hostname"
    } else {
        "the page's hostname"
    };
    Err(Refusal::field(
        field,
        format!(
            "{field}: {what} {host} is not allowed for the site {}",
            site.domain
        ),
    ))
}

/// The request's user agent and what it is; bots, headless browsers and
/// data-centre addresses are dropped.
pub fn screen_agent<'h>(
    app: &App,
    headers: &'h HeaderMap,
    ip: Option<IpAddr>,
) -> Step<(&'h str, enrich::Agent)> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let agent = enrich::classify_agent(user_agent).map_err(|reason| drop_request(app, reason))?;
    if enrich::in_datacenter(ip, &app.ingest.datacenters) {
        return Err(drop_request(app, DropReason::Datacenter));
    }
    Ok((user_agent, agent))
}

/// The site's consent rules: Do-Not-Track and Global Privacy Control
/// (unless the site ignores them), and consent where the site requires it.
pub fn check_consent(app: &App, site: &SiteInfo, headers: &HeaderMap, consent: bool) -> Step<()> {
    let dnt = header_is(headers, "dnt", "1") || header_is(headers, "sec-gpc", "1");
    if site.honor_dnt && dnt {
        return Err(drop_request(app, DropReason::DoNotTrack));
    }
    if site.require_consent && !consent {
        return Err(drop_request(app, DropReason::NoConsent));
    }
    Ok(())
}

fn header_is(headers: &HeaderMap, name: &str, value: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == value)
}

/// The visitor's ids on a site: today's and (a visit may cross midnight)
/// yesterday's, keyed hashes of address and agent with daily salts.
pub async fn visitor_ids(
    app: &App,
    site: &SiteInfo,
    ip: Option<IpAddr>,
    user_agent: &str,
) -> Step<(i64, Option<i64>)> {
    let salts = app
        .ingest
        .salts
        .for_day(&app.db, app.clock.now().date_naive())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "salts unavailable");
            Refusal::Unavailable("temporarily unavailable; retry")
        })?;
    let ip_text = ip.map(|ip| ip.to_string()).unwrap_or_default();
    Ok((
        visitor::visitor_hash(&salts.today, site.id, &ip_text, user_agent),
        salts
            .yesterday
            .as_ref()
            .map(|salt| visitor::visitor_hash(salt, site.id, &ip_text, user_agent)),
    ))
}
