//! Structured logs (pretty for people, JSON for machines) and error
//! reporting to Sentry when `TRACKR_SENTRY_DSN` is set. Privacy promise 11:
//! events carry technical context only; everything that could identify a
//! person (emails, IPs, tokens, request headers, user data) is scrubbed in
//! `before_send`, whatever the code that reported it did.

use std::{borrow::Cow, sync::OnceLock};

use regex::Regex;
use secrecy::ExposeSecret;
use sentry::protocol::{Breadcrumb, Event, Value};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};
use trackr_config::{LogFormat, Settings};

/// Keeps Sentry running; flushes pending events when dropped.
pub struct Telemetry {
    _sentry: Option<sentry::ClientInitGuard>,
}

pub fn init(settings: &Settings) -> Telemetry {
    let sentry = settings.sentry_dsn.as_ref().and_then(|dsn| {
        let dsn = match dsn.expose_secret().parse::<sentry::types::Dsn>() {
            Ok(dsn) => dsn,
            Err(_) => {
                eprintln!("trackr: TRACKR_SENTRY_DSN is not a valid DSN; errors are not reported");
                return None;
            }
        };
        let mut options = sentry::ClientOptions::new()
            .send_default_pii(false)
            .before_send(|event| Some(scrub_event(event)))
            .before_breadcrumb(|crumb| Some(scrub_breadcrumb(crumb)));
        options.dsn = Some(dsn);
        options.release = sentry::release_name!();
        Some(sentry::init(options))
    });
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let format = match settings.log_format {
        LogFormat::Json => fmt::layer()
            .with_writer(std::io::stderr)
            .json()
            .flatten_event(true)
            .boxed(),
        // Colour only for a person at a terminal: in a file or a journal,
        // escape codes are noise.
        LogFormat::Pretty => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(format)
        .with(sentry.as_ref().map(|_| {
            use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
            use tracing_subscriber::filter::{filter_fn, LevelFilter};
            BreadcrumbLayer::new()
                .with_filter(filter_fn(|m| {
                    matches!(*m.level(), tracing::Level::WARN | tracing::Level::INFO)
                }))
                .and_then(ErrorLayer::new().with_filter(LevelFilter::ERROR))
        }))
        .try_init();
    Telemetry { _sentry: sentry }
}

fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            (r"(?i)bearer\s+\S+", "Bearer [token]"),
            (r"trk_[sk]_[0-9a-fA-F]+", "[token]"),
            (
                r"(whsec|sk_live|sk_test|rk_live|rk_test)_[0-9A-Za-z]+",
                "[secret]",
            ),
            (
                r"[^\s@<>()\[\],;:]+@[^\s@<>()\[\],;:]+\.[A-Za-z]{2,}",
                "[email]",
            ),
            (r"\b(?:\d{1,3}\.){3}\d{1,3}\b", "[ip]"),
            // IPv6 (also matches clock times like 12:30:45: better to
            // over-scrub than to leak).
            (r"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b", "[ip]"),
        ]
        .into_iter()
        .filter_map(|(re, with)| Regex::new(re).ok().map(|r| (r, with)))
        .collect()
    })
}

/// Replaces emails, IP addresses, tokens and secrets in a text.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, with) in patterns() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out
}

fn scrub_string(s: &mut String) {
    if let Cow::Owned(clean) = scrub(s) {
        *s = clean;
    }
}

fn scrub_value(v: &mut Value) {
    match v {
        Value::String(s) => scrub_string(s),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => map.values_mut().for_each(scrub_value),
        _ => {}
    }
}

pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    event.user = None;
    if let Some(request) = event.request.as_mut() {
        request.headers.clear();
        request.cookies = None;
        request.query_string = None;
        request.data = None;
        request.env.clear();
        if let Some(url) = request.url.as_mut() {
            url.set_query(None);
        }
    }
    if let Some(m) = event.message.as_mut() {
        scrub_string(m);
    }
    if let Some(log) = event.logentry.as_mut() {
        scrub_string(&mut log.message);
        log.params.iter_mut().for_each(scrub_value);
    }
    for e in event.exception.values.iter_mut() {
        if let Some(v) = e.value.as_mut() {
            scrub_string(v);
        }
    }
    event.extra.values_mut().for_each(scrub_value);
    event.tags.values_mut().for_each(scrub_string);
    for crumb in event.breadcrumbs.values.iter_mut() {
        *crumb = scrub_breadcrumb(crumb.clone());
    }
    event
}

pub fn scrub_breadcrumb(mut crumb: Breadcrumb) -> Breadcrumb {
    if let Some(m) = crumb.message.as_mut() {
        scrub_string(m);
    }
    crumb.data.values_mut().for_each(scrub_value);
    crumb
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn personal_data_is_scrubbed() {
        let text = "user ada@example.com from 203.0.113.9 and 2001:db8::1 sent Bearer trk_s_abc123 and sk_live_XYZ";
        let clean = scrub(text);
        for leaked in [
            "ada@example.com",
            "203.0.113.9",
            "2001:db8::1",
            "trk_s_abc123",
            "sk_live_XYZ",
        ] {
            assert!(!clean.contains(leaked), "{leaked} in {clean}");
        }
        assert_eq!(
            scrub("job export failed on attempt 2"),
            "job export failed on attempt 2"
        );
    }
}
