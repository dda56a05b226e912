//! Share links (issue 18): a site's dashboard, read-only, for people
//! without an account. Whoever holds a link's slug reads that one site's
//! reports and nothing else (`access::Principal::Share`); a password, when
//! the link has one, is checked once (argon2, rate-limited) and then
//! remembered by an HttpOnly cookie that names the slug and the password's
//! hash it was checked against, so a new password or a deleted link shuts
//! the door on cookies already given out.

use std::time::Duration;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use trackr_entity::{new_id, now, share_link, site};
use uuid::Uuid;

use crate::{
    access::{Action, Principal, RequestMeta},
    client_ip::ClientIp,
    error::ApiResult,
    site_items, ApiError, App,
};

/// Share links a site may have.
pub const MAX_LINKS: u64 = 20;
/// The longest name.
pub const MAX_NAME: usize = 120;
/// Origins one link may be framed by.
pub const MAX_ORIGINS: usize = 10;
/// The header a share page's requests name their link's slug in.
pub const SHARE_HEADER: &str = "x-trackr-share";
/// Password attempts per address and link, per quarter of an hour.
const UNLOCK_ATTEMPTS: u32 = 10;
/// How long an unlocked link stays unlocked in one browser.
const UNLOCKED_FOR_MS: i64 = 7 * 86_400_000;
/// The slug's length (base 62: about 131 bits).
const SLUG_LEN: usize = 22;

/// A share link as `createShareLink` gives it.
#[derive(Debug, Default)]
pub struct NewLink {
    pub name: Option<String>,
    pub password: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_origins: Vec<String>,
}

/// A fresh unguessable slug.
fn slug() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..SLUG_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether `slug` could be one (checked before any lookup).
pub fn is_slug(slug: &str) -> bool {
    slug.len() == SLUG_LEN && slug.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An origin a link may be framed by: `https://host[:port]` (or `http://`
/// for localhost), nothing after it.
fn origin(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim()).map_err(|_| format!("{raw:?} is not an origin"))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    if !(url.scheme() == "https" || url.scheme() == "http" && local)
        || url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(format!(
            "{raw:?} is not an origin such as https://example.com (https, a host, an optional port, nothing else)"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// A site's share links, oldest first.
pub async fn list(app: &App, site: Uuid) -> ApiResult<Vec<share_link::Model>> {
    Ok(share_link::Entity::find()
        .filter(share_link::Column::SiteId.eq(site))
        .order_by_asc(share_link::Column::CreatedAt)
        .order_by_asc(share_link::Column::Id)
        .all(&app.db)
        .await?)
}

/// Validates and stores a share link of `site` (the caller manages it).
pub async fn create(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    site: &site::Model,
    input: NewLink,
) -> ApiResult<share_link::Model> {
    let name = input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("Shared dashboard")
        .to_owned();
    if name.chars().count() > MAX_NAME {
        return Err(ApiError::bad_input(
            "name",
            format!("a share link's name is at most {MAX_NAME} characters"),
        ));
    }
    if let Some(at) = input.expires_at {
        if at <= app.clock.now() {
            return Err(ApiError::bad_input("expiresAt", "must be in the future"));
        }
    }
    if input.allowed_origins.len() > MAX_ORIGINS {
        return Err(ApiError::bad_input(
            "allowedOrigins",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut origins = Vec::with_capacity(input.allowed_origins.len());
    for raw in &input.allowed_origins {
        let o = origin(raw).map_err(|m| ApiError::bad_input("allowedOrigins", m))?;
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    let password = match input.password {
        Some(p) if !p.is_empty() => {
            if !(8..=200).contains(&p.chars().count()) {
                return Err(ApiError::bad_input(
                    "password",
                    "a share link's password is 8 to 200 characters",
                ));
            }
            meta.spend_password_check()?;
            Some(crate::accounts::hash(p).await?)
        }
        _ => None,
    };
    site_items::within_limit::<share_link::Entity>(
        app,
        share_link::Column::SiteId,
        site.id,
        MAX_LINKS,
        "share links",
    )
    .await?;
    let link = share_link::ActiveModel {
        id: Set(new_id()),
        site_id: Set(site.id),
        slug: Set(slug()),
        name: Set(name.clone()),
        password_hash: Set(password),
        expires_at: Set(input.expires_at),
        allowed_origins: Set(serde_json::json!(origins)),
        created_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .map_err(site_items::name_taken("share link", &name))?;
    site_items::audit(
        app,
        principal,
        meta,
        "share_link.create",
        site_items::Item {
            kind: "share link",
            id: link.id,
            name: &link.name,
        },
        site,
    )
    .await?;
    Ok(link)
}

/// Deletes (revokes) a share link whose site the caller manages; another
/// tenant's link is not found.
pub async fn delete(
    app: &App,
    principal: &Principal,
    meta: &RequestMeta,
    id: Uuid,
) -> ApiResult<()> {
    let link = share_link::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .ok_or(ApiError::NotFound("share link"))?;
    let (site, _) = site_items::site_of(
        app,
        principal,
        meta,
        "share link",
        link.site_id,
        Action::ManageSites,
    )
    .await?;
    share_link::Entity::delete_by_id(link.id)
        .exec(&app.db)
        .await?;
    site_items::audit(
        app,
        principal,
        meta,
        "share_link.delete",
        site_items::Item {
            kind: "share link",
            id: link.id,
            name: &link.name,
        },
        &site,
    )
    .await
}

/// The live link of `slug`, if any.
pub async fn find(app: &App, slug: &str) -> ApiResult<Option<share_link::Model>> {
    if !is_slug(slug) {
        return Ok(None);
    }
    Ok(share_link::Entity::find()
        .filter(share_link::Column::Slug.eq(slug))
        .one(&app.db)
        .await?
        .filter(|l| l.live(app.clock.now())))
}

/// The name of the cookie that unlocks `slug`.
fn cookie_name(slug: &str) -> String {
    format!("trackr_share_{slug}")
}

/// The cookie value that unlocks `link` until `until_ms`.
fn unlock_value(app: &App, link: &share_link::Model, until_ms: i64) -> String {
    let hash = link.password_hash.as_deref().unwrap_or_default();
    let mac = app.share_mac(&format!("{}\0{}\0{hash}\0{until_ms}", link.id, link.slug));
    format!("{until_ms}.{mac}")
}

/// Whether the request carries a live unlock cookie for `link`.
fn unlocked(app: &App, headers: &HeaderMap, link: &share_link::Model) -> bool {
    let name = cookie_name(&link.slug);
    crate::browser::cookies(headers)
        .filter(|(n, _)| *n == name)
        .any(|(_, value)| {
            value
                .split_once('.')
                .and_then(|(until, _)| until.parse::<i64>().ok())
                .is_some_and(|until| {
                    until > app.clock.now_ms()
                        && crate::tokens::constant_time_eq(
                            value.as_bytes(),
                            unlock_value(app, link, until).as_bytes(),
                        )
                })
        })
}

/// The principal of a request that names a share link (`x-trackr-share`):
/// the link, if it is live and (with a password) unlocked in this browser.
pub async fn principal(app: &App, headers: &HeaderMap) -> ApiResult<Option<Principal>> {
    let Some(slug) = headers.get(SHARE_HEADER).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let link = find(app, slug.trim())
        .await?
        .ok_or(ApiError::NotFound("share link"))?;
    if link.password_hash.is_some() && !unlocked(app, headers, &link) {
        return Err(ApiError::Forbidden(
            "this shared dashboard asks for its password".into(),
        ));
    }
    Ok(Some(Principal::Share(link)))
}

/// Checks a share link's password; on success, the `Set-Cookie` value
/// that unlocks it in this browser (HttpOnly, for the share pages and the
/// API only).
pub async fn unlock(
    app: &App,
    meta: &RequestMeta,
    slug: &str,
    password: &str,
) -> ApiResult<String> {
    let link = find(app, slug)
        .await?
        .ok_or(ApiError::NotFound("share link"))?;
    let Some(hash) = link.password_hash.clone() else {
        return Err(ApiError::bad_input("password", "this link has no password"));
    };
    let subject = format!(
        "{}\0{}",
        link.id,
        meta.client_ip.map(|ip| ip.to_string()).unwrap_or_default()
    );
    if !app
        .limiter
        .allow(
            &app.limit_key("share-unlock", &subject),
            UNLOCK_ATTEMPTS,
            Duration::from_secs(900),
        )
        .await
    {
        return Err(ApiError::RateLimited);
    }
    if password.len() > 1000
        || !crate::accounts::verify_password(meta, password.to_owned(), hash).await?
    {
        return Err(ApiError::WrongCredentials);
    }
    let until = app.clock.now_ms() + UNLOCKED_FOR_MS;
    let secure = app.settings.public_url.starts_with("https://");
    // Framed on another site, a cookie must be `SameSite=None` (and so
    // `Secure`) to be sent at all.
    let same_site = if secure { "None; Secure" } else { "Lax" };
    Ok(format!(
        "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite={same_site}",
        cookie_name(&link.slug),
        unlock_value(app, &link, until),
        UNLOCKED_FOR_MS / 1000
    ))
}

/// `GET /share/<slug>` (the app's shared dashboard; `?embed=true` its
/// framable embed) and `POST /share/<slug>/unlock` (the password).
pub fn routes() -> Router<App> {
    Router::new()
        .route("/share/{slug}", get(page))
        .route("/share/{slug}/unlock", post(unlock_route))
}

#[derive(serde::Deserialize)]
struct PageParams {
    embed: Option<String>,
}

async fn page(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(params): Query<PageParams>,
    headers: HeaderMap,
) -> Response {
    let link = match find(&app, &slug).await {
        Ok(link) => link,
        Err(e) => return refuse(e),
    };
    let embed = params.embed.as_deref() == Some("true");
    let mut response = match &link {
        Some(link) if embed => crate::web::share_page(&headers, Some(&link.origins())),
        _ => crate::web::share_page(&headers, None),
    };
    // The app says what is wrong with a link (unknown, expired); the
    // status says it to everyone else.
    if link.is_none() {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

#[derive(serde::Deserialize)]
struct UnlockBody {
    password: String,
}

async fn unlock_route(
    State(app): State<App>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(slug): Path<String>,
    body: Result<Json<UnlockBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return refuse(ApiError::bad_input(
            "password",
            "send a JSON body {\"password\": \"…\"}",
        ));
    };
    let meta = RequestMeta::new(ip, None);
    match unlock(&app, &meta, &slug, &body.password).await {
        Ok(cookie) => match HeaderValue::from_str(&cookie) {
            Ok(value) => (StatusCode::NO_CONTENT, [(header::SET_COOKIE, value)]).into_response(),
            Err(e) => refuse(ApiError::internal(e)),
        },
        Err(e) => refuse(e),
    }
}

fn refuse(e: ApiError) -> Response {
    if let ApiError::Internal(detail) = &e {
        tracing::error!(error = %detail, "share link request failed");
    }
    (
        e.status(),
        Json(serde_json::json!({"error": e.message(), "code": e.code()})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_long_random_and_recognised() {
        let (a, b) = (slug(), slug());
        assert_ne!(a, b);
        assert!(is_slug(&a) && is_slug(&b));
        assert!(!is_slug("short"));
        assert!(!is_slug(&format!("{}-", &a[..21])));
    }

    #[test]
    fn origins_are_bare_https_origins() {
        assert_eq!(
            origin("https://example.com").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            origin("https://Example.com:8443/").unwrap(),
            "https://example.com:8443"
        );
        assert_eq!(
            origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert!(origin("http://example.com").is_err());
        assert!(origin("https://example.com/page").is_err());
        assert!(origin("javascript:alert(1)").is_err());
        assert!(origin("*").is_err());
    }
}
