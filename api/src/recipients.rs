//! Who hears from TrackR about a site (issue 18): email recipients of its
//! reports and alerts, managed by its owners and admins, each address
//! confirming first through the link emailed to it; one-click unsubscribe
//! (RFC 8058) per kind; and the site's traffic alert rules.
//!
//! Pages reached from an email (confirm, unsubscribe) act on `POST` only:
//! a `GET` (a mail scanner following links) shows a button and changes
//! nothing. Mail clients' one-click unsubscribe posts
//! `List-Unsubscribe=One-Click` to the same address.

use std::time::Duration;

use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use trackr_entity::{email_recipient, new_id, now, site, traffic_alert};
use uuid::Uuid;

use crate::{
    access::{Principal, RequestMeta},
    error::ApiResult,
    site_items, tokens, ApiError, App,
};

/// Recipients a site may have.
pub const MAX_RECIPIENTS: u64 = 50;
/// Confirmation emails an organization may send a day.
const CONFIRMATIONS_PER_DAY: u32 = 50;

/// What a recipient receives.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kinds {
    pub weekly: bool,
    pub monthly: bool,
    pub alerts: bool,
}

/// The signature of a recipient's unsubscribe link for `kind` (`weekly`,
/// `monthly`, `alerts`): bound to the address's token, so removing and
/// adding the address again voids its old links.
pub fn signature(key: &[u8], recipient: &email_recipient::Model, kind: &str) -> String {
    tokens::keyed_digest(
        key,
        &format!(
            "unsubscribe\0{}\0{kind}\0{}",
            recipient.id, recipient.token_hash
        ),
    )
}

/// A site's recipients, by address.
pub async fn list(app: &App, site: Uuid) -> ApiResult<Vec<email_recipient::Model>> {
    Ok(email_recipient::Entity::find()
        .filter(email_recipient::Column::SiteId.eq(site))
        .order_by_asc(email_recipient::Column::Email)
        .all(&app.db)
        .await?)
}

/// Adds a recipient to `site` (the caller manages it) and emails it the
/// link that confirms it.
pub async fn add(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    email: &str,
    kinds: Kinds,
) -> ApiResult<email_recipient::Model> {
    let email = crate::accounts::normalize_email(email)?;
    if !(kinds.weekly || kinds.monthly || kinds.alerts) {
        return Err(ApiError::bad_input(
            "weekly",
            "choose at least one of weekly, monthly and alerts",
        ));
    }
    site_items::within_limit::<email_recipient::Entity>(
        app,
        email_recipient::Column::SiteId,
        site.id,
        MAX_RECIPIENTS,
        "recipients",
    )
    .await?;
    if !app
        .limiter
        .allow(
            &app.limit_key("report-confirmations", &site.organization_id.to_string()),
            CONFIRMATIONS_PER_DAY,
            Duration::from_secs(86_400),
        )
        .await
    {
        return Err(ApiError::RateLimited);
    }
    let token = tokens::generate("");
    let recipient = email_recipient::ActiveModel {
        id: Set(new_id()),
        site_id: Set(site.id),
        email: Set(email.clone()),
        weekly: Set(kinds.weekly),
        monthly: Set(kinds.monthly),
        alerts: Set(kinds.alerts),
        token_hash: Set(tokens::digest(&token)),
        confirmed_at: Set(None),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .map_err(site_items::name_taken("recipient", &email))?;
    let base = app.settings.public_url.trim_end_matches('/');
    let body = format!(
        "Someone who manages {domain} on TrackR asked to send this address the site's {what}.\n\n\
         To receive them, confirm: {base}/email-reports/confirm?token={token}\n\n\
         If you did not expect this, ignore this email: nothing will be sent to you.\n",
        domain = site.domain,
        what = describe(kinds),
    );
    app.send_email_later(email, "Confirm TrackR emails", body);
    site_items::audit(
        app,
        principal,
        meta,
        "email_recipient.add",
        site_items::Item {
            kind: "recipient",
            id: recipient.id,
            name: "",
        },
        site,
    )
    .await?;
    Ok(recipient)
}

fn describe(k: Kinds) -> String {
    let mut parts = Vec::new();
    if k.weekly {
        parts.push("weekly reports");
    }
    if k.monthly {
        parts.push("monthly reports");
    }
    if k.alerts {
        parts.push("traffic alerts");
    }
    parts.join(", ")
}

/// A recipient whose site the caller manages (another tenant's: not found).
async fn managed(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<(email_recipient::Model, site::Model)> {
    let recipient = email_recipient::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("recipient"))?;
    let (site, _) = site_items::site_of(
        app,
        principal,
        meta,
        "recipient",
        recipient.site_id,
        crate::access::Action::ManageSites,
    )
    .await?;
    Ok((recipient, site))
}

/// Changes what a recipient receives (a confirmed address stays so).
pub async fn update(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
    kinds: Kinds,
) -> ApiResult<email_recipient::Model> {
    let (recipient, _) = managed(app, principal, meta, id).await?;
    if !(kinds.weekly || kinds.monthly || kinds.alerts) {
        return Err(ApiError::bad_input(
            "weekly",
            "choose at least one of weekly, monthly and alerts (or remove the recipient)",
        ));
    }
    let mut model = recipient.into_active_model();
    model.weekly = Set(kinds.weekly);
    model.monthly = Set(kinds.monthly);
    model.alerts = Set(kinds.alerts);
    Ok(model.update(&app.db).await?)
}

/// Removes a recipient: nothing more is sent to it.
pub async fn remove(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<()> {
    let (recipient, site) = managed(app, principal, meta, id).await?;
    email_recipient::Entity::delete_by_id(recipient.id)
        .exec(&app.db)
        .await?;
    site_items::audit(
        app,
        principal,
        meta,
        "email_recipient.remove",
        site_items::Item {
            kind: "recipient",
            id: recipient.id,
            name: "",
        },
        &site,
    )
    .await
}

/// The kinds of traffic alert.
pub const ALERT_KINDS: [&str; 2] = ["spike", "silence"];

/// Sets a site's alert of `kind` (`spike`: more than `threshold` visitors
/// in 15 minutes; `silence`: no event for `threshold` hours), sent at most
/// once per `every_hours`.
pub async fn set_alert(
    app: &App,
    site: &site::Model,
    kind: &str,
    threshold: i32,
    every_hours: i32,
) -> ApiResult<traffic_alert::Model> {
    let (low, high) = if kind == "spike" {
        (1, 1_000_000)
    } else {
        (1, 168)
    };
    if !(low..=high).contains(&threshold) {
        return Err(ApiError::bad_input(
            "threshold",
            if kind == "spike" {
                "a spike's threshold is 1 to 1000000 visitors in 15 minutes"
            } else {
                "a silence is 1 to 168 hours without an event"
            },
        ));
    }
    if !(1..=720).contains(&every_hours) {
        return Err(ApiError::bad_input("everyHours", "1 to 720 hours"));
    }
    let existing = traffic_alert::Entity::find()
        .filter(traffic_alert::Column::SiteId.eq(site.id))
        .filter(traffic_alert::Column::Kind.eq(kind))
        .one(&app.db)
        .await?;
    Ok(match existing {
        Some(rule) => {
            let mut model = rule.into_active_model();
            model.threshold = Set(threshold);
            model.every_hours = Set(every_hours);
            model.update(&app.db).await?
        }
        None => {
            traffic_alert::ActiveModel {
                id: Set(new_id()),
                site_id: Set(site.id),
                kind: Set(kind.to_owned()),
                threshold: Set(threshold),
                every_hours: Set(every_hours),
                last_fired_at: Set(None),
                created_at: Set(now()),
            }
            .insert(&app.db)
            .await?
        }
    })
}

/// Removes a site's alert of `kind`; false when it had none.
pub async fn delete_alert(app: &App, site: &site::Model, kind: &str) -> ApiResult<bool> {
    Ok(traffic_alert::Entity::delete_many()
        .filter(traffic_alert::Column::SiteId.eq(site.id))
        .filter(traffic_alert::Column::Kind.eq(kind))
        .exec(&app.db)
        .await?
        .rows_affected
        > 0)
}

/// A site's alert rules.
pub async fn alerts(app: &App, site: Uuid) -> ApiResult<Vec<traffic_alert::Model>> {
    Ok(traffic_alert::Entity::find()
        .filter(traffic_alert::Column::SiteId.eq(site))
        .order_by_asc(traffic_alert::Column::Kind)
        .all(&app.db)
        .await?)
}

/// `/email-reports/confirm` and `/email-reports/unsubscribe`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/email-reports/confirm", get(confirm_page).post(confirm))
        .route(
            "/email-reports/unsubscribe",
            get(unsubscribe_page).post(unsubscribe),
        )
}

#[derive(serde::Deserialize)]
struct ConfirmParams {
    token: Option<String>,
}

#[derive(serde::Deserialize)]
struct UnsubscribeParams {
    r: Option<String>,
    kind: Option<String>,
    sig: Option<String>,
}

async fn by_token(app: &App, token: &str) -> ApiResult<Option<email_recipient::Model>> {
    Ok(email_recipient::Entity::find()
        .filter(email_recipient::Column::TokenHash.eq(tokens::digest(token)))
        .one(&app.db)
        .await?)
}

async fn confirm_page(State(app): State<App>, Query(p): Query<ConfirmParams>) -> Response {
    let token = p.token.unwrap_or_default();
    match by_token(&app, &token).await {
        Ok(Some(r)) => page(
            StatusCode::OK,
            "Confirm TrackR emails",
            &format!(
                "<p>Receive TrackR's {} for this site at {}?</p><form method=\"post\"><button type=\"submit\">Confirm</button></form>",
                describe(kinds_of(&r)),
                html_escape(&r.email)
            ),
        ),
        Ok(None) => gone(),
        Err(e) => failed(e),
    }
}

async fn confirm(State(app): State<App>, Query(p): Query<ConfirmParams>) -> Response {
    let token = p.token.unwrap_or_default();
    match by_token(&app, &token).await {
        Ok(Some(r)) => {
            if r.confirmed_at.is_none() {
                let mut model = r.into_active_model();
                model.confirmed_at = Set(Some(app.clock.now()));
                if let Err(e) = model.update(&app.db).await {
                    return failed(e.into());
                }
            }
            page(
                StatusCode::OK,
                "Confirmed",
                "<p>Confirmed: this address will receive them. Every email has a link to stop them.</p>",
            )
        }
        Ok(None) => gone(),
        Err(e) => failed(e),
    }
}

/// The recipient a signed unsubscribe link names, and the kind.
async fn signed(
    app: &App,
    p: &UnsubscribeParams,
) -> ApiResult<Option<(email_recipient::Model, String)>> {
    let (Some(id), Some(kind), Some(sig)) = (&p.r, &p.kind, &p.sig) else {
        return Ok(None);
    };
    let (Ok(id), true) = (
        Uuid::parse_str(id),
        ["weekly", "monthly", "alerts"].contains(&kind.as_str()),
    ) else {
        return Ok(None);
    };
    let Some(r) = email_recipient::Entity::find_by_id(id).one(&app.db).await? else {
        return Ok(None);
    };
    let ok = tokens::constant_time_eq(
        signature(app.link_key(), &r, kind).as_bytes(),
        sig.as_bytes(),
    );
    Ok(ok.then(|| (r, kind.clone())))
}

async fn unsubscribe_page(State(app): State<App>, Query(p): Query<UnsubscribeParams>) -> Response {
    match signed(&app, &p).await {
        Ok(Some((r, kind))) => page(
            StatusCode::OK,
            "Unsubscribe",
            &format!(
                "<p>Stop TrackR's {} to {}?</p><form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>",
                what(&kind),
                html_escape(&r.email)
            ),
        ),
        Ok(None) => gone(),
        Err(e) => failed(e),
    }
}

/// One click (the mail client's `List-Unsubscribe=One-Click` post, or the
/// page's button): that kind stops at once; with none left, the address
/// is removed.
async fn unsubscribe(State(app): State<App>, Query(p): Query<UnsubscribeParams>) -> Response {
    match signed(&app, &p).await {
        Ok(Some((r, kind))) => {
            let mut kinds = kinds_of(&r);
            match kind.as_str() {
                "weekly" => kinds.weekly = false,
                "monthly" => kinds.monthly = false,
                _ => kinds.alerts = false,
            }
            let done = if kinds.weekly || kinds.monthly || kinds.alerts {
                let mut model = r.into_active_model();
                model.weekly = Set(kinds.weekly);
                model.monthly = Set(kinds.monthly);
                model.alerts = Set(kinds.alerts);
                model.update(&app.db).await.map(|_| ())
            } else {
                email_recipient::Entity::delete_by_id(r.id)
                    .exec(&app.db)
                    .await
                    .map(|_| ())
            };
            match done {
                Ok(()) => page(
                    StatusCode::OK,
                    "Unsubscribed",
                    &format!("<p>Done: no more {} to this address.</p>", what(&kind)),
                ),
                Err(e) => failed(e.into()),
            }
        }
        Ok(None) => gone(),
        Err(e) => failed(e),
    }
}

fn kinds_of(r: &email_recipient::Model) -> Kinds {
    Kinds {
        weekly: r.weekly,
        monthly: r.monthly,
        alerts: r.alerts,
    }
}

fn what(kind: &str) -> &'static str {
    match kind {
        "weekly" => "weekly reports",
        "monthly" => "monthly reports",
        _ => "traffic alerts",
    }
}

fn gone() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "<p>This link is not valid any more (the address was removed, or the link is incomplete).</p>",
    )
}

fn failed(e: ApiError) -> Response {
    tracing::error!(error = ?e, "email link page failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "<p>Something went wrong on our side; try the link again later.</p>",
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small page of our own, no script, never framed.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title} — TrackR</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em\"><h1>{title}</h1>{body}</body></html>"
    );
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        html,
    )
        .into_response()
}
