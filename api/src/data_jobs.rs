//! Deletion and export requests (privacy promise 4): each becomes a job
//! row, is audited, and runs in the background; exports are fetched
//! through short-lived signed links.

use chrono::Duration;
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, TransactionTrait};
use sha2::Sha256;
use trackr_analytics::{deletion::DeleteParams, export::ExportParams, Window};
use trackr_entity::{audit_log, job, new_id, now, site};
use trackr_worker::{jobs::runner, queue};
use uuid::Uuid;

use crate::{
    access::{self, Principal, RequestMeta},
    error::ApiResult,
    ApiError, App,
};

/// How long a download link works.
pub const LINK_HOURS: i64 = 24;

/// Records the job and its audit entry together, then dispatches it. The
/// answer (the job's id) does not depend on Redis: a job the queue cannot
/// take now is handed over when it can, so a client never needs to retry
/// (and a retry never doubles the job).
async fn enqueue(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    kind: job::Kind,
    params: serde_json::Value,
) -> ApiResult<Uuid> {
    let id = new_id();
    let action = match kind {
        job::Kind::Export => "data.export.request",
        job::Kind::DeleteData | job::Kind::StripeEvent => "data.delete.request",
    };
    let txn = app.db.begin().await?;
    job::ActiveModel::queued(
        id,
        kind,
        (Some(site.organization_id), Some(site.id)),
        params.clone(),
        principal.user_id(),
    )
    .insert(&txn)
    .await?;
    access::audit_in(
        app,
        &txn,
        principal,
        meta,
        audit_log::Entry::new(action, "site")
            .target(site.id)
            .organization(site.organization_id)
            .details(serde_json::json!({ "job": id, "params": params })),
    )
    .await?;
    txn.commit().await?;
    dispatch(app, id).await;
    Ok(id)
}

/// Hands the job to the Redis queue (or, if Redis cannot take it now,
/// leaves it recorded for the next hand-over), or runs it in this process
/// when no Redis is configured (the same code, retries included).
pub async fn dispatch(app: &App, id: Uuid) {
    match &app.queue {
        Some(queue) => {
            if let Err(e) = queue::hand_over(&app.db, queue, id).await {
                tracing::warn!(job_id = %id, error = %e, "job recorded; handed to the queue once Redis answers");
            }
        }
        None => {
            let app = app.clone();
            tokio::spawn(async move {
                if let Err(e) = runner::run_in_process(&app.db, &app.settings, id).await {
                    tracing::error!(job_id = %id, error = %e, "job could not run");
                }
            });
        }
    }
}

pub async fn request_delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    window: Option<Window>,
    visitor_id: Option<String>,
) -> ApiResult<Uuid> {
    let visitor_hash = match visitor_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            ApiError::bad_input(
                "visitorId",
                "is not a visitor id (the visitor_id of an export)",
            )
        })?),
    };
    let params = DeleteParams {
        site_id: site.id,
        window: window.map(|w| (w.from_ms, w.to_ms)),
        visitor_hash,
    };
    enqueue(
        app,
        principal,
        meta,
        site,
        job::Kind::DeleteData,
        serde_json::to_value(params).unwrap_or_default(),
    )
    .await
}

pub async fn request_export(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    window: Window,
) -> ApiResult<Uuid> {
    let params = ExportParams {
        site_id: site.id,
        window: (window.from_ms, window.to_ms),
    };
    enqueue(
        app,
        principal,
        meta,
        site,
        job::Kind::Export,
        serde_json::to_value(params).unwrap_or_default(),
    )
    .await
}

fn signature(app: &App, job: Uuid, file: &str, expires: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app.link_key()).expect("HMAC takes any key length");
    mac.update(format!("{job}/{file}/{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A link to `file` of export `job`, valid for `LINK_HOURS`: pre-signed by
/// S3, or signed by us for the local store (served by `/exports/…`).
pub async fn download_link(
    app: &App,
    job: Uuid,
    file: &str,
    files_until: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    // Never past the files themselves (the purge removes them then).
    let expires = (now() + Duration::hours(LINK_HOURS)).min(files_until);
    let valid = (expires - now()).to_std().ok().filter(|d| !d.is_zero())?;
    if app.store.is_local() {
        return Some(signed_link(app, job, file, expires.timestamp()));
    }
    let key = trackr_analytics::export::export_key(job, file);
    app.store.signed_url(&key, valid).await
}

fn signed_link(app: &App, job: Uuid, file: &str, expires: i64) -> String {
    let sig = signature(app, job, file, expires);
    format!(
        "{}/exports/{job}/{file}?expires={expires}&sig={sig}",
        app.settings.public_url
    )
}

/// Checks a download link; constant-time on the signature.
pub fn verify_link(app: &App, job: Uuid, file: &str, expires: i64, sig: &str) -> bool {
    if expires < now().timestamp() {
        return false;
    }
    let Ok(given) = hex::decode(sig) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app.link_key()).expect("HMAC takes any key length");
    mac.update(format!("{job}/{file}/{expires}").as_bytes());
    mac.verify_slice(&given).is_ok()
}
