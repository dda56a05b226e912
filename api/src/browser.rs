//! Sessions in the browser. The web app never sees a session secret:
//! `logIn` and `signUp` sent from TrackR's own pages put the session in an
//! `HttpOnly`, `SameSite=Lax` cookie (`Secure`, and named with the
//! `__Host-` prefix, when `TRACKR_PUBLIC_URL` is https) and answer an
//! empty `token`. The cookie is honoured only on a same-origin JSON
//! request, so no other site can act with a logged-in browser: a form
//! post cannot send JSON, and a cross-origin `fetch` says where it comes
//! from (`Sec-Fetch-Site`, `Origin`). API clients send `Authorization:
//! Bearer` as before; a bearer token always wins over a cookie.

use axum::http::{header, HeaderMap};
use trackr_config::Settings;

use crate::tokens;

/// The cookie's name over plain http (a developer's machine).
pub const COOKIE: &str = "trackr_session";
/// The cookie's name over https: the prefix makes browsers refuse it
/// unless it is `Secure`, host-only and for the whole path.
pub const SECURE_COOKIE: &str = "__Host-trackr_session";

/// How a GraphQL request reached us, as far as sessions go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Browser {
    /// A same-origin JSON request from a browser: TrackR's own pages.
    pub own_page: bool,
    secure: bool,
}

/// The credential a request carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    Bearer(&'a str),
    Cookie(&'a str),
    None,
}

impl Browser {
    pub fn of(headers: &HeaderMap, settings: &Settings) -> Browser {
        Browser {
            own_page: same_origin(headers, &settings.public_url) && is_json(headers),
            secure: settings.public_url.starts_with("https://"),
        }
    }

    /// The `Set-Cookie` value that carries a new session.
    pub fn set_cookie(&self, token: &str, max_age_days: u32) -> String {
        let max_age = u64::from(max_age_days) * 86_400;
        format!(
            "{}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            self.name(),
            self.secure_attribute()
        )
    }

    /// The `Set-Cookie` value that removes it.
    pub fn clear_cookie(&self) -> String {
        format!(
            "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            self.name(),
            self.secure_attribute()
        )
    }

    fn name(&self) -> &'static str {
        if self.secure {
            SECURE_COOKIE
        } else {
            COOKIE
        }
    }

    fn secure_attribute(&self) -> &'static str {
        if self.secure {
            "; Secure"
        } else {
            ""
        }
    }
}

/// The request's credential: the bearer header, else the session cookie.
pub fn credential(headers: &HeaderMap) -> Credential<'_> {
    if let Some(token) = crate::accounts::bearer(headers) {
        return Credential::Bearer(token);
    }
    session_cookie(headers).map_or(Credential::None, Credential::Cookie)
}

/// The credential of a plain `GET` download (the finance CSV): the bearer
/// header, or the session cookie on a same-origin navigation from our own
/// pages (`Sec-Fetch-Site: same-origin`; a link on another site is not).
pub fn token_for_download(headers: &HeaderMap) -> Option<&str> {
    match credential(headers) {
        Credential::Bearer(token) => Some(token),
        Credential::Cookie(token) => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site.eq_ignore_ascii_case("same-origin"))
            .then_some(token),
        Credential::None => None,
    }
}

/// The request's cookies, `(name, value)`, values trimmed.
pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name, value.trim()))
}

/// The session cookie's value (either name), if it holds a session token.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookies(headers)
        .find(|(name, _)| *name == COOKIE || *name == SECURE_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| value.starts_with(tokens::SESSION_PREFIX))
}

/// Whether a browser sent this from one of our own pages. `Sec-Fetch-Site`
/// decides when present (every current browser sends it); otherwise
/// `Origin` must name this server, as the `Host` header or the public URL
/// does. A request with neither (curl, a server) is not a browser's.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return site.eq_ignore_ascii_case("same-origin");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return false;
    };
    let authority = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase())
    };
    let Some(from) = authority(origin) else {
        return false;
    };
    text(header::HOST.as_str()).is_some_and(|host| host.eq_ignore_ascii_case(&from))
        || origin
            .trim_end_matches('/')
            .eq_ignore_ascii_case(public_url.trim_end_matches('/'))
}

/// A JSON body (`application/json`, any parameters): what no HTML form
/// can send.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    const PUBLIC: &str = "https://t.example";

    #[test]
    fn fetch_metadata_decides_when_present() {
        let own = headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example"),
        ]);
        assert!(same_origin(&own, PUBLIC));
        for site in ["same-site", "cross-site", "none"] {
            let h = headers(&[
                ("sec-fetch-site", site),
                ("host", "t.example"),
                ("origin", "https://t.example"),
            ]);
            assert!(!same_origin(&h, PUBLIC), "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_ours() {
        assert!(same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8000"),
                ("host", "127.0.0.1:8000")
            ]),
            PUBLIC
        ));
        assert!(same_origin(
            &headers(&[("origin", "https://t.example"), ("host", "10.0.0.5:8000")]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example"), ("host", "t.example")]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[("origin", "null"), ("host", "t.example")]),
            PUBLIC
        ));
        assert!(
            !same_origin(&headers(&[("host", "t.example")]), PUBLIC),
            "no Origin: not a browser page"
        );
    }

    #[test]
    fn only_json_bodies_count() {
        assert!(is_json(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        for form in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(form));
            assert!(!is_json(&h), "{form}");
        }
    }

    #[test]
    fn the_bearer_header_wins_and_only_session_tokens_are_read_from_cookies() {
        let both = headers(&[
            ("authorization", "Bearer trk_k_abc"),
            ("cookie", "trackr_session=trk_s_1"),
        ]);
        assert_eq!(credential(&both), Credential::Bearer("trk_k_abc"));
        let cookie = headers(&[("cookie", "theme=dark; __Host-trackr_session=trk_s_2")]);
        assert_eq!(credential(&cookie), Credential::Cookie("trk_s_2"));
        let key_in_cookie = headers(&[("cookie", "trackr_session=trk_k_stolen")]);
        assert_eq!(credential(&key_in_cookie), Credential::None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        let https = Browser {
            own_page: true,
            secure: true,
        };
        let cookie = https.set_cookie("trk_s_x", 30);
        assert_eq!(
            cookie,
            "__Host-trackr_session=trk_s_x; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure"
        );
        let http = Browser {
            own_page: true,
            secure: false,
        };
        assert_eq!(
            http.clear_cookie(),
            "trackr_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }
}
