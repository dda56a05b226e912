//! A real browser (Debian's Chromium, driven by playwright-core) runs the
//! tracking script on a page: SPA navigation and a custom event arrive;
//! with Do-Not-Track nothing is sent; with required consent only what
//! follows consent is sent. Needs `node`, `/usr/bin/chromium` and
//! `tests/browser/node_modules` (the test command installs them).

use std::path::PathBuf;

use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use trackr_tests::{Backend, TestApp};

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Serves the test pages on 127.0.0.1 (the browser reaches it as
/// example.test), with the script URL of the TrackR server under test.
async fn page_server(script_src: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let script_src = script_src.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = conn.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .split('?')
                    .next()
                    .unwrap_or("/");
                let file = match path {
                    "/consent.html" => "consent.html",
                    _ => "index.html",
                };
                let html = std::fs::read_to_string(browser_dir().join("pages").join(file))
                    .unwrap()
                    .replace("{{SCRIPT_SRC}}", &script_src);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    port
}

async fn run(scenario: &str, url: &str) -> serde_json::Value {
    let modules = browser_dir().join("node_modules/playwright-core");
    assert!(
        modules.exists(),
        "run `npm ci` in tests/browser (bash scripts/test.sh does)"
    );
    let out = tokio::process::Command::new("node")
        .arg(browser_dir().join("run.mjs"))
        .args([scenario, url])
        .output()
        .await
        .expect("node is installed (bash scripts/test.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{scenario}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("a JSON summary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promise_1_and_7_a_real_browser_sends_page_views_and_events_and_honours_dnt_and_consent() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (owner, _, site) = app.site_owner("example.test").await;
    let port = page_server(app.url("/js/script.js")).await;

    let spa = run("spa", &format!("http://example.test:{port}/index.html")).await;
    assert_eq!(spa["sent"], 4, "{spa}");
    assert_eq!(spa["statuses"], json!([202, 202, 202, 202]));
    for path in ["/index.html", "/pricing", "/signup"] {
        let n = app.count(&format!("SELECT COUNT(*) FROM events WHERE name = 'pageview' AND pathname = '{path}' AND hostname = 'example.test'")).await;
        assert_eq!(n, 1, "{path}");
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM events WHERE name = 'signup' AND props LIKE '%\"plan\":\"pro\"%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT session_id) FROM events")
            .await,
        1,
        "one visit"
    );

    let dnt = run("dnt", &format!("http://example.test:{port}/index.html")).await;
    assert_eq!(dnt["sent"], 0, "{dnt}");
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 4);

    app.gql_ok(
        Some(&owner.token),
        "mutation($id: ID!) { updateSite(id: $id, input: {requireConsent: true}) { requireConsent } }",
        json!({"id": site}),
    )
    .await;
    let consent = run(
        "consent",
        &format!("http://example.test:{port}/consent.html"),
    )
    .await;
    assert_eq!(consent["names"], json!(["pageview", "late"]), "{consent}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'early'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE name = 'late'")
            .await,
        1
    );
}
