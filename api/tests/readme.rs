//! The README's first hour, run as written (issue 13): a fresh data
//! directory, the real binary, and the shell commands of "Your first
//! counted visit" in order, which must reach a counted visit and delete
//! the site after.

mod common;

use std::process::Command;

use common::serve;

const README: &str = include_str!("../../README.md");

/// The `sh` blocks of the README section `heading`, in order.
fn shell_blocks(heading: &str) -> Vec<String> {
    let start = README.find(heading).expect("the section exists");
    let rest = &README[start + heading.len()..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    section
        .split("```sh\n")
        .skip(1)
        .map(|b| b[..b.find("```").expect("a closed block")].to_owned())
        .collect()
}

#[test]
fn the_readme_reaches_a_counted_visit_as_written() {
    let blocks = shell_blocks("## Your first counted visit");
    assert_eq!(blocks.len(), 2, "the walk-through and the clean-up");
    // The snippet a reader copies names the domain the walk-through creates.
    assert!(blocks[0].contains(r#"domain: \"example.com\""#));
    assert!(README.contains(r#"<script defer data-domain="example.com" src="http://localhost:8000/js/script.js"></script>"#));

    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path());
    // The reader's server is on localhost:8000; this one is where it is.
    let script = blocks.join("\n").replace("localhost:8000", &server.addr);
    let out = Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", &script])
        .output()
        .expect("bash runs");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("beacon: 202"), "{stdout}");
    let report_line = stdout
        .lines()
        .find(|l| l.contains("\"stats\""))
        .expect("the report was printed");
    let report: serde_json::Value = serde_json::from_str(report_line).unwrap();
    let site = &report["data"]["site"];
    assert_eq!(site["stats"]["visitors"], 1, "{report}");
    assert_eq!(site["stats"]["pageviews"], 1);
    assert_eq!(site["stats"]["events"], 1);
    assert_eq!(site["breakdown"][0]["value"], "/hello");
    let hours = site["timeseries"].as_array().unwrap();
    assert_eq!(hours.len(), 24, "one point per hour of the day");
    assert_eq!(
        hours
            .iter()
            .map(|h| h["pageviews"].as_i64().unwrap())
            .sum::<i64>(),
        1
    );
    assert_eq!(site["ingestIssues"], serde_json::json!([]));
    assert!(
        stdout.contains(r#"{"data":{"deleteSite":true}}"#),
        "{stdout}"
    );
}
