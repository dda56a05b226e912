//! The web app, built from `web/` into `api/assets/web` (committed) and
//! embedded in the binary: hashed assets cached for a year, `index.html`
//! revalidated on every load, each answered gzip- or brotli-compressed
//! from the build's own precompressed copies, and every page under a
//! strict Content-Security-Policy. `index.html` answers the app's routes
//! only: the API's paths (`/api/…`, `/js/…`, `/webhooks/…`) keep their
//! own 404.

use std::{collections::HashMap, sync::LazyLock};

use sha2::{Digest, Sha256};

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// The first path segments of the app's own routes (`web/src/routes.ts`).
const APP_ROUTES: &[&str] = &[
    "",
    "login",
    "signup",
    "forgot-password",
    "reset-password",
    "verify-email",
    "invitations",
    "orgs",
    "account",
    "finance",
];

/// The app's pages: no inline script or style, nothing from elsewhere,
/// never framed.
const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// GraphiQL's editor sets inline styles; the rest is as strict.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One file of the build, with its precompressed copies.
struct Asset {
    body: &'static [u8],
    gzip: Option<&'static [u8]>,
    brotli: Option<&'static [u8]>,
    content_type: &'static str,
    etag: String,
}

static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    let files: HashMap<&str, &[u8]> = embedded::FILES.iter().copied().collect();
    files
        .iter()
        .filter(|(name, _)| !name.ends_with(".gz") && !name.ends_with(".br"))
        .map(|(name, body)| {
            let asset = Asset {
                body,
                gzip: files.get(format!("{name}.gz").as_str()).copied(),
                brotli: files.get(format!("{name}.br").as_str()).copied(),
                content_type: content_type(name),
                etag: format!("\"{}\"", &hex::encode(Sha256::digest(body))[..32]),
            };
            (*name, asset)
        })
        .collect()
});

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json" | "map") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether this binary carries a web build (a checkout that never ran
/// `npm run build` in `web/` has none).
pub fn built() -> bool {
    ASSETS.contains_key("index.html")
}

/// The router's fallback: the app's files and routes, else 404.
pub async fn fallback(req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = req.uri().path().trim_start_matches('/');
    let first = path.split('/').next().unwrap_or_default();
    if let Some(asset) = ASSETS.get(path).filter(|_| !path.ends_with(".html")) {
        let cache = if first == "assets" {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return respond(asset, req.headers(), cache, None);
    }
    if APP_ROUTES.contains(&first) {
        return page("index.html", APP_CSP, req.headers());
    }
    StatusCode::NOT_FOUND.into_response()
}

/// A share link's page (`/share/<slug>`): the app, never framed; with
/// `frame_ancestors`, its embed, framed by those origins (none listed:
/// by any page).
pub fn share_page(headers: &HeaderMap, frame_ancestors: Option<&[String]>) -> Response {
    match frame_ancestors {
        None => page("index.html", APP_CSP, headers),
        Some(origins) => {
            let allowed = if origins.is_empty() {
                "*".to_owned()
            } else {
                origins.join(" ")
            };
            let csp = APP_CSP.replace(
                "frame-ancestors 'none'",
                &format!("frame-ancestors {allowed}"),
            );
            page("index.html", &csp, headers)
        }
    }
}

/// `GET /graphql`: GraphiQL, from the embedded build.
pub fn graphiql(headers: &HeaderMap) -> Response {
    page("graphiql.html", GRAPHIQL_CSP, headers)
}

fn page(name: &str, csp: &str, headers: &HeaderMap) -> Response {
    match ASSETS.get(name) {
        Some(asset) => respond(asset, headers, "no-cache", Some(csp)),
        None => (
            StatusCode::NOT_FOUND,
            "this binary was built without the web app: run `npm ci && npm run build` in web/, then rebuild",
        )
            .into_response(),
    }
}

fn respond(asset: &Asset, request: &HeaderMap, cache: &'static str, csp: Option<&str>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(csp) = csp.and_then(|c| HeaderValue::from_str(c).ok()) {
        // Framing is for share links' embeds only (`frame-ancestors` says
        // by whom); every other page is never framed.
        if csp.as_bytes().ends_with(b"frame-ancestors 'none'") {
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    let revalidated = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    if revalidated {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    let accepted = accepted_encodings(request);
    let (body, encoding) = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepted.brotli => (br, Some("br")),
        (_, Some(gz)) if accepted.gzip => (gz, Some("gzip")),
        _ => (asset.body, None),
    };
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    (StatusCode::OK, headers, body).into_response()
}

#[derive(Debug, Default, PartialEq)]
struct Accepted {
    brotli: bool,
    gzip: bool,
}

/// Which of our two encodings `Accept-Encoding` allows (`q=0` refuses one).
fn accepted_encodings(headers: &HeaderMap) -> Accepted {
    let mut accepted = Accepted::default();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if coding.eq_ignore_ascii_case("br") {
                accepted.brotli = true;
            } else if coding.eq_ignore_ascii_case("gzip") || coding == "*" {
                accepted.gzip = true;
            }
        }
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert_eq!(
            accepted_encodings(&with("gzip, deflate, br, zstd")),
            Accepted {
                brotli: true,
                gzip: true
            }
        );
        assert_eq!(
            accepted_encodings(&with("br;q=0, gzip;q=0.5")),
            Accepted {
                brotli: false,
                gzip: true
            }
        );
        assert_eq!(accepted_encodings(&with("identity")), Accepted::default());
        assert_eq!(accepted_encodings(&HeaderMap::new()), Accepted::default());
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type("assets/index-abc.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }
}
