//! The web app as the binary serves it (caching, compression, security
//! headers, which paths fall back to the app), and sessions in the
//! browser: the `HttpOnly` cookie, honoured only on same-origin JSON
//! requests, ended by log-out.

use std::io::Read;

use reqwest::{header, RequestBuilder, Response};
use serde_json::{json, Value};
use trackr_tests::{both_backends, error_code, Backend, TestApp};

/// The `src` of the app's entry script in `index.html`.
fn entry_script(index: &str) -> String {
    let start = index.find("src=\"/assets/").expect("a hashed entry script") + 5;
    let end = start + index[start..].find('"').unwrap();
    index[start..end].to_owned()
}

async fn the_app_is_served_at_root_with_caching_compression_and_a_strict_policy(b: Backend) {
    let app = TestApp::spawn(b).await;
    let root = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 200);
    let h = root.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in [
        "script-src 'self';",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "no inline script or style: {csp}");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    let index = root.text().await.unwrap();
    assert!(!index.contains("<script>"), "no inline script: {index}");

    // The app's routes are the app; the API's paths keep their answers.
    for route in [
        "/login",
        "/orgs/abc/sites",
        "/verify-email",
        "/account",
        "/finance",
    ] {
        let page = app.client.get(app.url(route)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{route}");
        assert_eq!(page.text().await.unwrap(), index, "{route}");
    }
    for path in [
        "/api/nope",
        "/api/event/x",
        "/js/nope.js",
        "/webhooks/nope",
        "/nope",
        "/assets/nope.js",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        assert!(!resp.text().await.unwrap().contains("<html"), "{path}");
    }
    let post = app.client.post(app.url("/orgs")).send().await.unwrap();
    assert_eq!(post.status(), 404, "the app answers GET only");
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let script = app
        .client
        .get(app.url("/js/script.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("javascript"));

    // Hashed assets: cached for a year, precompressed as the client allows.
    let entry = entry_script(&index);
    let fetch = |accept: &'static str| {
        let mut req = app.client.get(app.url(&entry));
        if !accept.is_empty() {
            req = req.header(header::ACCEPT_ENCODING, accept);
        }
        req.send()
    };
    let plain = fetch("").await.unwrap();
    assert_eq!(plain.status(), 200, "{entry}");
    assert_eq!(
        plain.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain = plain.bytes().await.unwrap();
    let gzip = fetch("gzip").await.unwrap();
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gzip.headers()[header::VARY], "accept-encoding");
    let gzipped = gzip.bytes().await.unwrap();
    assert!(
        gzipped.len() * 2 < plain.len(),
        "{} vs {}",
        gzipped.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the gzip copy is the same file");
    let brotli = fetch("gzip, deflate, br").await.unwrap();
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    assert!(brotli.bytes().await.unwrap().len() <= gzipped.len());

    // index.html is revalidated by its ETag.
    let etag = h[header::ETAG].clone();
    let again = app
        .client
        .get(app.url("/"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

async fn graphiql_comes_from_embedded_assets(b: Backend) {
    let app = TestApp::spawn(b).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self';") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(!html.contains("https://"), "nothing from a CDN: {html}");
    let script = entry_script(&html);
    assert_eq!(
        app.client
            .get(app.url(&script))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// A request as the web app sends it: from its own origin, as JSON.
fn from_app(app: &TestApp, cookie: Option<&str>, query: &str, variables: Value) -> RequestBuilder {
    let origin = app.url("");
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header(header::ORIGIN, origin.trim_end_matches('/'))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req
}

/// The `name=value` part of the response's session cookie.
fn session_cookie(resp: &Response) -> String {
    let set = resp.headers()[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn json(resp: Response) -> Value {
    resp.json().await.unwrap()
}

async fn no_session_secret_is_readable_by_page_javascript_and_cookies_work_only_from_our_pages(
    b: Backend,
) {
    let app = TestApp::spawn(b).await;
    let user = app.sign_up("ada").await;
    let login = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token user { username } } }";
    let vars = json!({"e": user.email, "p": user.password});

    // From the app: the session is an HttpOnly, SameSite=Lax cookie, and the
    // answer carries no token.
    let resp = from_app(&app, None, login, vars.clone())
        .send()
        .await
        .unwrap();
    let set = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("trackr_session=trk_s_"), "{set}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains("Secure"), "http public URL: {set}");
    let cookie = session_cookie(&resp);
    let body = json(resp).await;
    assert_eq!(body["data"]["logIn"]["token"], "", "{body}");
    assert_eq!(body["data"]["logIn"]["user"]["username"], "ada");

    let me = json(
        from_app(&app, Some(&cookie), "{ me { username } }", json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["data"]["me"]["username"], "ada", "{me}");

    // API clients are unchanged: a token in the answer, no cookie.
    let api = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": login, "variables": vars}))
        .send()
        .await
        .unwrap();
    assert!(api.headers().get(header::SET_COOKIE).is_none());
    let token = json(api).await["data"]["logIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.starts_with("trk_s_"));
    // …and a bearer token wins over a cookie.
    let both = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header(header::COOKIE, "trackr_session=trk_s_bogus")
        .json(&json!({"query": "{ me { username } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(both).await["data"]["me"]["username"], "ada");
}

async fn a_cross_origin_request_with_the_session_cookie_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let user = app.sign_up("ada").await;
    let cookie = app.browser_session(&user).await;
    let create =
        json!({"query": "mutation { createOrganization(name: \"Evil\") { id } }"}).to_string();
    let orgs = || app.count("SELECT COUNT(*) FROM organizations");
    assert_eq!(orgs().await, 0);

    // A form on another site posting to /graphql (no preflight: text/plain
    // or urlencoded), with the browser adding the cookie.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, content_type)
            .body(create.clone())
            .send()
            .await
            .unwrap();
        let text = resp.text().await.unwrap();
        assert!(
            !text.contains("\"createOrganization\":{"),
            "{content_type}: {text}"
        );
    }
    // JSON requests a browser may send with the cookie, none from our pages.
    let evil = "https://evil.example";
    let json_type = "application/json";
    let attempts: [(&str, &[(&str, &str)]); 4] = [
        (
            "a cross-origin fetch with credentials",
            &[
                ("origin", evil),
                ("sec-fetch-site", "cross-site"),
                ("content-type", json_type),
            ],
        ),
        (
            "the same from an older browser (no fetch metadata): Origin decides",
            &[("origin", evil), ("content-type", json_type)],
        ),
        (
            "a same-site sibling (another subdomain)",
            &[("sec-fetch-site", "same-site"), ("content-type", json_type)],
        ),
        (
            "a copied cookie replayed by a script without Origin",
            &[("content-type", json_type)],
        ),
    ];
    for (what, headers) in attempts {
        let mut req = app
            .client
            .post(app.url("/graphql"))
            .header(header::COOKIE, &cookie)
            .body(create.clone());
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let answer = json(req.send().await.unwrap()).await;
        assert_eq!(
            error_code(&answer).as_deref(),
            Some("FORBIDDEN"),
            "{what}: {answer}"
        );
    }
    assert_eq!(orgs().await, 0, "nothing was created");
    let own = json(
        from_app(
            &app,
            Some(&cookie),
            "mutation { createOrganization(name: \"Ours\") { id } }",
            json!({}),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(own["errors"].is_null(), "{own}");
    assert_eq!(orgs().await, 1);
}

async fn log_out_ends_the_session_server_side_and_clears_the_cookie(b: Backend) {
    let app = TestApp::spawn(b).await;
    let user = app.sign_up("ada").await;
    let cookie = app.browser_session(&user).await;
    let out = from_app(&app, Some(&cookie), "mutation { logOut }", json!({}))
        .send()
        .await
        .unwrap();
    let cleared = out.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cleared.starts_with("trackr_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(json(out).await["data"]["logOut"], true);
    // A copy of the cookie taken before log-out no longer works.
    let stolen = json(
        from_app(&app, Some(&cookie), "{ me { username } }", json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        error_code(&stolen).as_deref(),
        Some("UNAUTHENTICATED"),
        "{stolen}"
    );
}

async fn over_https_the_cookie_is_secure_and_host_only(b: Backend) {
    let app = TestApp::spawn_with(b, &[("public_url", "https://trackr.example")]).await;
    let user = app.sign_up("ada").await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(header::ORIGIN, "https://trackr.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({"query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }", "variables": {"e": user.email, "p": user.password}}).to_string())
        .send()
        .await
        .unwrap();
    let set = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("__Host-trackr_session=trk_s_"), "{set}");
    assert!(
        set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"),
        "{set}"
    );
}

both_backends!(
    the_app_is_served_at_root_with_caching_compression_and_a_strict_policy,
    graphiql_comes_from_embedded_assets,
    no_session_secret_is_readable_by_page_javascript_and_cookies_work_only_from_our_pages,
    a_cross_origin_request_with_the_session_cookie_changes_nothing,
    log_out_ends_the_session_server_side_and_clears_the_cookie,
    over_https_the_cookie_is_secure_and_host_only,
);

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file below `dir`, by its path relative to `dir`.
fn files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// The committed `web/schema.graphql`, which types the app's documents, is
/// the server's schema: a schema change that breaks the app fails its
/// type check on the next build.
#[test]
fn the_apps_schema_is_the_servers() {
    let committed = std::fs::read_to_string(root().join("web/schema.graphql")).unwrap();
    assert!(
        committed == trackr_api::graphql::sdl(),
        "web/schema.graphql is stale: run `cargo run --bin trackr -- schema > web/schema.graphql`, then `npm run build` in web/"
    );
}

/// The embedded build (`api/assets/web`) is what `web/` builds now: type
/// check, bundle, precompress, from the locked dependencies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committed_web_build_is_what_web_builds_now() {
    let web = root().join("web");
    assert!(
        web.join("node_modules/vite").exists(),
        "run `npm ci` in web (bash scripts/test.sh does)"
    );
    let out = tempfile::tempdir().unwrap();
    let build = tokio::process::Command::new("npm")
        .args(["run", "--silent", "build"])
        .current_dir(&web)
        .env("TRACKR_WEB_OUT", out.path())
        .output()
        .await
        .expect("npm is installed");
    assert!(
        build.status.success(),
        "npm run build: {}\n{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    let built = files(out.path());
    let committed = files(&root().join("api/assets/web"));
    let names =
        |m: &std::collections::BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&built),
        "api/assets/web is stale: run `npm run build` in web/"
    );
    for (name, bytes) in &built {
        assert!(
            committed[name] == *bytes,
            "api/assets/web/{name} is stale: run `npm run build` in web/"
        );
    }
}

/// The app's own logic (vitest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_unit_tests_pass() {
    let web = root().join("web");
    let run = tokio::process::Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(&web)
        .output()
        .await
        .expect("npm is installed");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "npm test: {stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
}
