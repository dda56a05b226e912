//! A session-recording chunk: `{domain, sessionId, seq, consent, events}`
//! where `events` are rrweb events. Validated into a `Chunk`, or a
//! `PayloadError` naming the field.

use serde_json::Value;

use super::PayloadError;

/// More events than this in one chunk is not a recorder flushing.
pub const MAX_EVENTS: usize = 50_000;
pub const MAX_SEQ: i64 = 1_000_000;
const MAX_PAGES: usize = 100;
const MAX_PATH: usize = 2_000;
/// rrweb's event types: DomContentLoaded 0 … Plugin 6.
const MAX_EVENT_TYPE: u64 = 6;
const META: u64 = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub domain: String,
    pub session_id: String,
    pub seq: i32,
    pub consent: bool,
    pub events: Vec<Value>,
    /// First and last event timestamps (epoch ms).
    pub started_at: i64,
    pub ended_at: i64,
    /// Paths of the pages the chunk's meta events visited, in order,
    /// without query or fragment.
    pub pages: Vec<String>,
    /// Hostnames of those pages.
    pub hosts: Vec<String>,
}

fn err(field: &'static str, message: impl Into<String>) -> PayloadError {
    PayloadError {
        field,
        message: message.into(),
    }
}

pub fn parse(body: &[u8]) -> Result<Chunk, PayloadError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| err("body", format!("is not valid JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(err("body", "must be a JSON object"));
    };
    let domain = match object.remove("domain") {
        Some(Value::String(d)) if !d.trim().is_empty() && d.len() <= 253 && !d.contains('\0') => {
            d.trim().to_lowercase()
        }
        Some(Value::String(_)) => return Err(err("domain", "must be a domain name")),
        None | Some(Value::Null) => return Err(err("domain", "is required")),
        Some(_) => return Err(err("domain", "must be a string")),
    };
    let session_id = match object.remove("sessionId") {
        Some(Value::String(s))
            if (8..=64).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            s
        }
        None | Some(Value::Null) => return Err(err("sessionId", "is required")),
        Some(_) => {
            return Err(err(
                "sessionId",
                "must be 8 to 64 letters, digits, '-' or '_'",
            ))
        }
    };
    let seq = match object.remove("seq") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(s) if (0..=MAX_SEQ).contains(&s) => s as i32,
            _ => {
                return Err(err(
                    "seq",
                    format!("must be a whole number from 0 to {MAX_SEQ}"),
                ))
            }
        },
        None | Some(Value::Null) => return Err(err("seq", "is required")),
        Some(_) => return Err(err("seq", "must be a number")),
    };
    let consent = match object.remove("consent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(_) => return Err(err("consent", "must be true or false")),
    };
    let mut events = match object.remove("events") {
        Some(Value::Array(events)) if events.is_empty() => {
            return Err(err("events", "must not be empty"))
        }
        Some(Value::Array(events)) if events.len() > MAX_EVENTS => {
            return Err(err(
                "events",
                format!("at most {MAX_EVENTS} events per chunk"),
            ))
        }
        Some(Value::Array(events)) => events,
        None | Some(Value::Null) => return Err(err("events", "is required")),
        Some(_) => return Err(err("events", "must be an array of rrweb events")),
    };
    let mut started_at = i64::MAX;
    let mut ended_at = i64::MIN;
    let mut pages = Vec::new();
    let mut hosts = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let Value::Object(e) = event else {
            return Err(err("events", format!("event {i} is not an object")));
        };
        let kind = e
            .get("type")
            .and_then(Value::as_u64)
            .filter(|t| *t <= MAX_EVENT_TYPE)
            .ok_or_else(|| {
                err(
                    "events",
                    format!("event {i}: type must be an rrweb event type (0 to {MAX_EVENT_TYPE})"),
                )
            })?;
        let ts = e
            .get("timestamp")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t > 0.0 && *t < 1e15)
            .ok_or_else(|| {
                err(
                    "events",
                    format!("event {i}: timestamp must be epoch milliseconds"),
                )
            })? as i64;
        started_at = started_at.min(ts);
        ended_at = ended_at.max(ts);
        if kind == META {
            let href = e
                .get("data")
                .and_then(|d| d.get("href"))
                .and_then(Value::as_str)
                .and_then(|h| url::Url::parse(h).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    err(
                        "events",
                        format!("event {i}: a meta event needs data.href, the page's URL"),
                    )
                })?;
            let path: String = href.path().chars().take(MAX_PATH).collect();
            if pages.len() < MAX_PAGES && !pages.contains(&path) {
                pages.push(path);
            }
            let host = href.host_str().unwrap_or_default().to_lowercase();
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    }
    for event in events.iter_mut() {
        scrub(event);
    }
    Ok(Chunk {
        domain,
        session_id,
        seq,
        consent,
        events,
        started_at,
        ended_at,
        pages,
        hosts,
    })
}

/// What a masked value becomes: fixed width, so not even a length is kept.
const MASK: &str = "****";

/// rrweb event and node kinds the scrub acts on.
const FULL_SNAPSHOT: u64 = 2;
const INCREMENTAL: u64 = 3;
const SOURCE_MUTATION: u64 = 0;
const SOURCE_INPUT: u64 = 5;
const NODE_ELEMENT: u64 = 2;
const NODE_TEXT: u64 = 3;

/// The server does not trust the browser to have masked: whatever recorder
/// sent the chunk (an old cached one, a site's own rrweb), form values and
/// typed text are masked here, and page URLs lose their query and fragment
/// (tokens and emails travel there).
pub fn scrub(event: &mut Value) {
    let kind = event["type"].as_u64();
    let data = &mut event["data"];
    match kind {
        Some(META) => {
            if let Some(href) = data["href"].as_str().and_then(|h| url::Url::parse(h).ok()) {
                let mut bare = href.clone();
                bare.set_query(None);
                bare.set_fragment(None);
                data["href"] = Value::String(bare.to_string());
            }
        }
        Some(FULL_SNAPSHOT) => scrub_node(&mut data["node"], false),
        Some(INCREMENTAL) => match data["source"].as_u64() {
            Some(SOURCE_INPUT) if data.get("text").is_some() => {
                data["text"] = Value::String(MASK.into());
            }
            Some(SOURCE_MUTATION) => {
                if let Some(adds) = data["adds"].as_array_mut() {
                    for add in adds {
                        scrub_node(&mut add["node"], false);
                    }
                }
                if let Some(changes) = data["attributes"].as_array_mut() {
                    for change in changes {
                        if let Some(attrs) = change["attributes"].as_object_mut() {
                            if attrs.contains_key("value") {
                                attrs.insert("value".into(), Value::String(MASK.into()));
                            }
                        }
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// Masks form values, and the text inside form fields and editable
/// elements, in a serialized DOM node and its children.
fn scrub_node(node: &mut Value, inside_field: bool) {
    let mut field = inside_field;
    match node["type"].as_u64() {
        Some(NODE_ELEMENT) => {
            let tag = node["tagName"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let editable = node["attributes"].get("contenteditable").is_some();
            if matches!(tag.as_str(), "input" | "textarea" | "select" | "option") || editable {
                field = true;
            }
            if field {
                if let Some(attrs) = node["attributes"].as_object_mut() {
                    if attrs.contains_key("value") {
                        attrs.insert("value".into(), Value::String(MASK.into()));
                    }
                }
            }
        }
        Some(NODE_TEXT)
            if field
                && node
                    .get("textContent")
                    .is_some_and(|t| !t.as_str().unwrap_or("").trim().is_empty()) =>
        {
            node["textContent"] = Value::String(MASK.into());
        }
        _ => {}
    }
    if let Some(children) = node["childNodes"].as_array_mut() {
        for child in children {
            scrub_node(child, field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn promise_8_the_server_masks_what_a_recorder_did_not() {
        let mut meta = json!({"type": 4, "timestamp": 1, "data": {"href": "https://a.example/cb?email=x@y.z#access_token=t", "width": 1, "height": 1}});
        scrub(&mut meta);
        assert_eq!(meta["data"]["href"], "https://a.example/cb");
        let mut input = json!({"type": 3, "timestamp": 1, "data": {"source": 5, "id": 7, "text": "hunter2", "isChecked": false}});
        scrub(&mut input);
        assert_eq!(input["data"]["text"], MASK);
        let mut full = json!({"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "childNodes": [
            {"type": 2, "tagName": "input", "attributes": {"type": "password", "value": "s3cret"}, "childNodes": [], "id": 2},
            {"type": 2, "tagName": "div", "attributes": {"contenteditable": "true"}, "id": 3, "childNodes": [
                {"type": 3, "textContent": "my diary", "id": 4}]},
            {"type": 2, "tagName": "p", "attributes": {}, "id": 5, "childNodes": [{"type": 3, "textContent": "Welcome", "id": 6}]}
        ]}}});
        scrub(&mut full);
        let text = full.to_string();
        assert!(
            !text.contains("s3cret") && !text.contains("my diary"),
            "{text}"
        );
        assert!(text.contains("Welcome"), "page text stays: {text}");
    }

    fn body(v: Value) -> Vec<u8> {
        v.to_string().into_bytes()
    }

    #[test]
    fn a_chunk_is_read_with_its_pages_and_times() {
        let c = parse(&body(json!({
            "domain": "Example.com", "sessionId": "abcdEFGH-1234", "seq": 3, "consent": true,
            "events": [
                {"type": 4, "timestamp": 1000, "data": {"href": "https://example.com/a?token=x#y", "width": 800, "height": 600}},
                {"type": 2, "timestamp": 1001, "data": {}},
                {"type": 3, "timestamp": 1500.5, "data": {}},
                {"type": 4, "timestamp": 1400, "data": {"href": "https://www.example.com/b"}},
            ]
        })))
        .unwrap();
        assert_eq!(c.domain, "example.com");
        assert_eq!(c.seq, 3);
        assert!(c.consent);
        assert_eq!((c.started_at, c.ended_at), (1000, 1500));
        assert_eq!(c.pages, vec!["/a", "/b"], "no query strings kept");
        assert_eq!(c.hosts, vec!["example.com", "www.example.com"]);
    }

    #[test]
    fn bad_chunks_name_the_field() {
        let ok = json!({"domain": "e.com", "sessionId": "abcdefgh", "seq": 0, "events": [{"type": 2, "timestamp": 5, "data": {}}]});
        assert!(parse(&body(ok.clone())).is_ok());
        let with = |k: &str, v: Value| {
            let mut o = ok.clone();
            o[k] = v;
            body(o)
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"nope".to_vec(), "body"),
            (b"[1]".to_vec(), "body"),
            (with("domain", Value::Null), "domain"),
            (with("sessionId", json!("short")), "sessionId"),
            (with("sessionId", json!("has space in it")), "sessionId"),
            (with("seq", json!(-1)), "seq"),
            (with("seq", json!("1")), "seq"),
            (with("seq", json!(1.5)), "seq"),
            (with("events", json!([])), "events"),
            (with("events", json!({})), "events"),
            (with("events", json!([1])), "events"),
            (
                with("events", json!([{"type": 9, "timestamp": 1}])),
                "events",
            ),
            (with("events", json!([{"type": 2}])), "events"),
            (
                with("events", json!([{"type": 4, "timestamp": 1, "data": {}}])),
                "events",
            ),
            (with("consent", json!("yes")), "consent"),
        ];
        for (b, field) in cases {
            let e = parse(&b).unwrap_err();
            assert_eq!(e.field, field, "{}: {e}", String::from_utf8_lossy(&b));
        }
    }
}
