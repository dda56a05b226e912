//! Session recordings for the API (issue 6): the recorded sessions of a
//! site, one session's rrweb events in playback order, and the removal of
//! a site's objects when the site goes. Ingestion is `ingest::recording`;
//! retention and deletion on request are worker jobs.

use std::io::Read;

use flate2::read::GzDecoder;
use trackr_analytics::{reports, Window};
use trackr_entity::recording;
use uuid::Uuid;

use crate::{error::ApiResult, stats::Filter, ApiError, App};

/// Most sessions one page of `Site.recordings` returns.
pub const MAX_PAGE: usize = 100;
/// Most decompressed bytes one `Recording.events` returns.
const MAX_PLAYBACK_BYTES: usize = 32 * 1024 * 1024;

/// A recorded session.
pub type Summary = reports::RecordingRow;

/// Adds a chunk's pages (a JSON array of paths) to `pages`, keeping order
/// and dropping repeats.
fn merge_pages(pages: &mut Vec<String>, json: &str) {
    for page in serde_json::from_str::<Vec<String>>(json).unwrap_or_default() {
        if !pages.contains(&page) {
            pages.push(page);
        }
    }
}

/// The list cursor: where the previous page ended.
pub fn cursor(s: &Summary) -> String {
    hex::encode(format!("{}:{}", s.started_at, s.session_id))
}

fn parse_cursor(c: &str) -> ApiResult<(i64, String)> {
    let bad = || ApiError::bad_input("after", "is not a cursor this list gave out");
    let text = String::from_utf8(hex::decode(c).map_err(|_| bad())?).map_err(|_| bad())?;
    let (ts, session) = text.split_once(':').ok_or_else(bad)?;
    Ok((ts.parse().map_err(|_| bad())?, session.to_owned()))
}

fn validate_filters(filters: &[Filter]) -> ApiResult<()> {
    match filters
        .iter()
        .find(|f| !reports::recording_filter_supported(f.dimension))
    {
        Some(f) => Err(ApiError::bad_input(
            "filters",
            format!(
                "recordings cannot be filtered by {:?}: use PAGE, COUNTRY, BROWSER, OS or DEVICE",
                f.dimension
            ),
        )),
        None => Ok(()),
    }
}

/// One page of a site's recorded sessions, newest first, and whether more
/// follow.
pub async fn list(
    app: &App,
    site_id: Uuid,
    window: Window,
    filters: &[Filter],
    durations: (Option<i32>, Option<i32>),
    first: Option<i32>,
    after: Option<&str>,
) -> ApiResult<(Vec<Summary>, bool)> {
    validate_filters(filters)?;
    let seconds = |s: Option<i32>, default: i64| match s {
        None => Ok(default),
        Some(s) if s >= 0 => Ok(i64::from(s) * 1000),
        Some(_) => Err(ApiError::bad_input(
            "durationSeconds",
            "must not be negative",
        )),
    };
    let durations = (seconds(durations.0, 0)?, seconds(durations.1, i64::MAX)?);
    if durations.0 > durations.1 {
        return Err(ApiError::bad_input(
            "durationSeconds",
            "the least must not exceed the most",
        ));
    }
    let first = match first {
        None => 20,
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 1 and {MAX_PAGE}"),
            ))
        }
    };
    let after = after.map(parse_cursor).transpose()?;
    let mut rows = app
        .events
        .recordings(site_id, window, filters, durations, after, first as u64 + 1)
        .await?;
    let more = rows.len() > first;
    rows.truncate(first);
    let sessions: Vec<String> = rows.iter().map(|r| r.session_id.clone()).collect();
    let mut pages: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (session, list) in recording::Entity::pages_of(&app.db, site_id, &sessions).await? {
        merge_pages(pages.entry(session).or_default(), &list);
    }
    Ok((
        rows.into_iter()
            .map(|mut r| {
                r.pages = pages.remove(&r.session_id).unwrap_or_default();
                r
            })
            .collect(),
        more,
    ))
}

/// One session's summary, if it was recorded.
pub async fn find(app: &App, site_id: Uuid, session_id: &str) -> ApiResult<Option<Summary>> {
    let chunks = recording::Entity::chunks(&app.db, site_id, session_id).await?;
    let Some(first) = chunks.first() else {
        return Ok(None);
    };
    let mut pages: Vec<String> = Vec::new();
    for c in &chunks {
        merge_pages(&mut pages, &c.pages);
    }
    Ok(Some(Summary {
        site_id,
        session_id: session_id.to_owned(),
        started_at: chunks.iter().map(|c| c.started_at).min().unwrap_or(0),
        ended_at: chunks.iter().map(|c| c.ended_at).max().unwrap_or(0),
        chunks: chunks.len() as i64,
        events: chunks.iter().map(|c| i64::from(c.events)).sum(),
        bytes: chunks.iter().map(|c| c.bytes).sum(),
        pages,
        country: first.country.clone(),
        browser: Some(first.browser.clone()),
        os: Some(first.os.clone()),
        device: Some(first.device.clone()),
    }))
}

/// The session's rrweb events, chunk after chunk in `seq` order.
pub async fn events(app: &App, site_id: Uuid, session_id: &str) -> ApiResult<serde_json::Value> {
    let chunks = recording::Entity::chunks(&app.db, site_id, session_id).await?;
    let mut events = Vec::new();
    let mut total = 0usize;
    for chunk in chunks {
        let bytes = match app.store.get(&chunk.object_key).await {
            Ok(b) => b,
            Err(e) => {
                // A chunk whose object is gone (mid-deletion) is skipped.
                tracing::warn!(site_id = %site_id, seq = chunk.seq, error = %e, "recording chunk unreadable");
                continue;
            }
        };
        let mut json = Vec::new();
        GzDecoder::new(&bytes[..])
            .take((MAX_PLAYBACK_BYTES - total) as u64 + 1)
            .read_to_end(&mut json)
            .map_err(ApiError::internal)?;
        total += json.len();
        if total > MAX_PLAYBACK_BYTES {
            return Err(ApiError::NotAvailable(format!(
                "this recording is larger than {MAX_PLAYBACK_BYTES} bytes"
            )));
        }
        let chunk_events = crate::ingest::chunk::read_stored(&json).map_err(ApiError::internal)?;
        events.extend(chunk_events);
    }
    Ok(serde_json::Value::Array(events))
}

/// Deletes the recording objects of these sites (their rows go with the
/// sites' other analytics rows).
pub async fn remove_site_objects(app: &App, sites: &[Uuid]) -> ApiResult<()> {
    for site in sites {
        app.store
            .delete_prefix(&recording::site_prefix(*site))
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(())
}
