//! A session-recording chunk: `{domain, sessionId, seq, consent, events}`
//! where `events` are rrweb events. Validated into a `Chunk`, or a
//! `PayloadError` naming the field.
//!
//! Every shape of JSON gets an answer, never a panic: values are matched,
//! never indexed. Real pages nest deeper than serde_json's default limit
//! (128 levels, about 60 DOM levels), so a chunk may nest `MAX_DEPTH`
//! levels. The depth is measured on the bytes first; a deep chunk is then
//! parsed, scrubbed, serialized and dropped (all recursive) on a stack
//! grown for it, and what leaves this module is the scrubbed JSON text,
//! never a deep tree.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::PayloadError;

/// More events than this in one chunk is not a recorder flushing.
pub const MAX_EVENTS: usize = 50_000;
pub const MAX_SEQ: i64 = 1_000_000;
/// JSON nesting a chunk may have: a DOM 1 200 elements deep (each element
/// is a node object inside a `childNodes` array) under its event.
pub const MAX_DEPTH: usize = 2_500;
/// Chunks up to this depth are handled on the request's own stack.
const SHALLOW: usize = 100;
/// The stack a deeper chunk is handled on (reserved, touched as used).
const DEEP_STACK: usize = 32 * 1024 * 1024;
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
    /// The scrubbed rrweb events, as a JSON array.
    pub events_json: Vec<u8>,
    pub event_count: usize,
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

/// The deepest nesting of arrays and objects in JSON text, ignoring
/// strings; stops counting once past `stop`. Invalid JSON is measured all
/// the same (the parser refuses it afterwards).
pub fn json_depth(bytes: &[u8], stop: usize) -> usize {
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > stop {
                    return deepest;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Reads, validates and scrubs a chunk.
pub fn parse(body: &[u8]) -> Result<Chunk, PayloadError> {
    let depth = json_depth(body, MAX_DEPTH);
    if depth > MAX_DEPTH {
        return Err(err(
            "events",
            format!("nest more than {MAX_DEPTH} levels deep"),
        ));
    }
    if depth <= SHALLOW {
        parse_tree(body)
    } else {
        stacker::grow(DEEP_STACK, || parse_tree(body))
    }
}

/// The events of a stored chunk (written by `parse`, so at most
/// `MAX_DEPTH` deep), for playback.
pub fn read_stored(json: &[u8]) -> Result<Vec<Value>, serde_json::Error> {
    let read = || {
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        deserializer.disable_recursion_limit();
        Vec::<Value>::deserialize(&mut deserializer)
    };
    if json_depth(json, SHALLOW) <= SHALLOW {
        read()
    } else {
        stacker::grow(DEEP_STACK, read)
    }
}

fn parse_tree(body: &[u8]) -> Result<Chunk, PayloadError> {
    // The depth was bounded by the caller; serde_json's own limit would
    // refuse real pages.
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v))
        .map_err(|e| err("body", format!("is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(err("body", "must be a JSON object"));
    };
    read(object)
}

fn read(mut object: Map<String, Value>) -> Result<Chunk, PayloadError> {
    let domain = match object.remove("domain") {
        Some(Value::String(d)) if !d.trim().is_empty() && d.len() <= 253 && !d.contains('\0') => {
            super::payload::lookup_domain(&d)
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
    for (i, event) in events.iter_mut().enumerate() {
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
        scrub_event(kind, e).map_err(|m| err("events", format!("event {i}: {m}")))?;
    }
    let event_count = events.len();
    let events_json =
        serde_json::to_vec(&events).map_err(|e| err("events", format!("cannot be stored: {e}")))?;
    Ok(Chunk {
        domain,
        session_id,
        seq,
        consent,
        events_json,
        event_count,
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
/// (tokens and emails travel there). The parts read here must have the
/// shape rrweb writes; anything else is refused, never indexed into.
#[cfg(test)]
fn scrub(event: &mut Value) -> Result<(), String> {
    match event {
        Value::Object(e) => match e.get("type").and_then(Value::as_u64) {
            Some(kind) => scrub_event(kind, e),
            None => Err("type must be a number".into()),
        },
        _ => Err("is not an object".into()),
    }
}

fn scrub_event(kind: u64, event: &mut Map<String, Value>) -> Result<(), String> {
    let data = match event.get_mut("data") {
        Some(Value::Object(data)) => data,
        None if !matches!(kind, FULL_SNAPSHOT | INCREMENTAL | META) => return Ok(()),
        _ => return Err("data must be an object".into()),
    };
    match kind {
        META => {
            if let Some(href) = data
                .get("href")
                .and_then(Value::as_str)
                .and_then(|h| url::Url::parse(h).ok())
            {
                let mut bare = href;
                bare.set_query(None);
                bare.set_fragment(None);
                data.insert("href".into(), Value::String(bare.to_string()));
            }
        }
        FULL_SNAPSHOT => {
            if let Some(node) = data.get_mut("node") {
                scrub_node(node, false)?;
            }
        }
        INCREMENTAL => match data.get("source").and_then(Value::as_u64) {
            Some(SOURCE_INPUT) if data.contains_key("text") => {
                data.insert("text".into(), Value::String(MASK.into()));
            }
            Some(SOURCE_MUTATION) => {
                for add in objects(data.get_mut("adds"), "data.adds")? {
                    match add.get_mut("node") {
                        Some(node) => scrub_node(node, false)?,
                        None => return Err("data.adds[].node is required".into()),
                    }
                }
                for change in objects(data.get_mut("attributes"), "data.attributes")? {
                    match change.get_mut("attributes") {
                        Some(Value::Object(attributes)) => mask_value(attributes),
                        _ => return Err("data.attributes[].attributes must be an object".into()),
                    }
                }
            }
            Some(_) => {}
            None if data.get("source").is_none_or(Value::is_null) => {}
            None => return Err("data.source must be a number".into()),
        },
        _ => {}
    }
    Ok(())
}

/// The objects of an optional array field.
fn objects<'a>(
    field: Option<&'a mut Value>,
    name: &str,
) -> Result<Vec<&'a mut Map<String, Value>>, String> {
    match field {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter_mut()
            .map(|item| {
                item.as_object_mut()
                    .ok_or_else(|| format!("{name} must hold objects"))
            })
            .collect(),
        Some(_) => Err(format!("{name} must be an array")),
    }
}

fn mask_value(attributes: &mut Map<String, Value>) {
    if attributes.contains_key("value") {
        attributes.insert("value".into(), Value::String(MASK.into()));
    }
}

/// Masks form values, and the text inside form fields and editable
/// elements, in a serialized DOM node and its children.
fn scrub_node(node: &mut Value, inside_field: bool) -> Result<(), String> {
    let Value::Object(node) = node else {
        return Err("a DOM node must be an object".into());
    };
    let mut field = inside_field;
    match node.get("type").and_then(Value::as_u64) {
        Some(NODE_ELEMENT) => {
            let tag = node
                .get("tagName")
                .and_then(Value::as_str)
                .ok_or("an element needs a tagName")?
                .to_ascii_lowercase();
            let attributes = match node.get_mut("attributes") {
                None | Some(Value::Null) => None,
                Some(Value::Object(attributes)) => Some(attributes),
                Some(_) => return Err("an element's attributes must be an object".into()),
            };
            let editable = attributes
                .as_ref()
                .is_some_and(|a| a.contains_key("contenteditable"));
            if matches!(tag.as_str(), "input" | "textarea" | "select" | "option") || editable {
                field = true;
            }
            if field {
                if let Some(attributes) = attributes {
                    mask_value(attributes);
                }
            }
        }
        Some(NODE_TEXT) if field => {
            let has_text = node
                .get("textContent")
                .is_some_and(|t| !t.as_str().unwrap_or("").trim().is_empty());
            if has_text {
                node.insert("textContent".into(), Value::String(MASK.into()));
            }
        }
        Some(_) => {}
        None => return Err("a DOM node's type must be a number".into()),
    }
    match node.get_mut("childNodes") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(children)) => children
            .iter_mut()
            .try_for_each(|child| scrub_node(child, field)),
        Some(_) => Err("childNodes must be an array".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn promise_8_the_server_masks_what_a_recorder_did_not() {
        let mut meta = json!({"type": 4, "timestamp": 1, "data": {"href": "https://a.example/cb?email=x@y.z#access_token=t", "width": 1, "height": 1}});
        scrub(&mut meta).unwrap();
        assert_eq!(meta["data"]["href"], "https://a.example/cb");
        let mut input = json!({"type": 3, "timestamp": 1, "data": {"source": 5, "id": 7, "text": "hunter2", "isChecked": false}});
        scrub(&mut input).unwrap();
        assert_eq!(input["data"]["text"], MASK);
        let mut full = json!({"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "childNodes": [
            {"type": 2, "tagName": "input", "attributes": {"type": "password", "value": "s3cret"}, "childNodes": [], "id": 2},
            {"type": 2, "tagName": "div", "attributes": {"contenteditable": "true"}, "id": 3, "childNodes": [
                {"type": 3, "textContent": "my diary", "id": 4}]},
            {"type": 2, "tagName": "p", "attributes": {}, "id": 5, "childNodes": [{"type": 3, "textContent": "Welcome", "id": 6}]}
        ]}}});
        scrub(&mut full).unwrap();
        let text = full.to_string();
        assert!(
            !text.contains("s3cret") && !text.contains("my diary"),
            "{text}"
        );
        assert!(text.contains("Welcome"), "page text stays: {text}");
    }

    /// The events as stored.
    fn events(c: &Chunk) -> Value {
        serde_json::from_slice(&c.events_json).unwrap()
    }

    fn chunk_with(events: Value) -> Vec<u8> {
        body(json!({"domain": "e.com", "sessionId": "abcdefgh", "seq": 0, "events": events}))
    }

    #[test]
    fn shapes_rrweb_never_writes_are_refused_not_panicked_on() {
        // Each of these panicked in the scrub (issue 12): data a string or
        // an array, node a string, children and mutations holding numbers.
        let shapes = [
            json!([{"type": 2, "timestamp": 5, "data": "x"}]),
            json!([{"type": 3, "timestamp": 5, "data": [1, 2]}]),
            json!([{"type": 2, "timestamp": 5, "data": {"node": "x"}}]),
            json!([{"type": 2, "timestamp": 5, "data": {"node": {"type": 2, "tagName": "p", "childNodes": [1]}}}]),
            json!([{"type": 2, "timestamp": 5, "data": {"node": {"type": 2, "tagName": 7, "childNodes": []}}}]),
            json!([{"type": 2, "timestamp": 5, "data": {"node": {"type": 2, "tagName": "p", "attributes": [1]}}}]),
            json!([{"type": 2, "timestamp": 5, "data": {"node": {"type": 0, "childNodes": "x"}}}]),
            json!([{"type": 3, "timestamp": 5, "data": {"source": 0, "adds": [1]}}]),
            json!([{"type": 3, "timestamp": 5, "data": {"source": 0, "adds": [{"node": 1}]}}]),
            json!([{"type": 3, "timestamp": 5, "data": {"source": 0, "attributes": [1]}}]),
            json!([{"type": 3, "timestamp": 5, "data": {"source": 0, "attributes": [{"attributes": [1]}]}}]),
            json!([{"type": 3, "timestamp": 5, "data": {"source": "x"}}]),
            json!([{"type": 4, "timestamp": 5, "data": {"href": 5}}]),
        ];
        for events in shapes {
            let e = parse(&chunk_with(events.clone())).unwrap_err();
            assert_eq!(e.field, "events", "{events}: {e}");
        }
        // What rrweb writes still passes, input text masked whatever its type.
        let fine = json!([
            {"type": 3, "timestamp": 5, "data": {"source": 5, "text": {"nested": true}, "id": 1}},
            {"type": 3, "timestamp": 6, "data": {"source": 0, "adds": [], "removes": [], "texts": [], "attributes": []}},
            {"type": 5, "timestamp": 7, "data": {"tag": "x", "payload": {}}},
            {"type": 0, "timestamp": 8},
        ]);
        let c = parse(&chunk_with(fine)).unwrap();
        assert_eq!(events(&c)[0]["data"]["text"], MASK);
    }

    /// A chunk whose page nests `levels` elements, a password field at
    /// the bottom; written as text (a tree this deep would overflow the
    /// test's own stack when serialized or dropped).
    fn deep_dom(levels: usize) -> Vec<u8> {
        let open = r#"{"type":2,"tagName":"div","attributes":{},"childNodes":["#;
        let field = r#"{"type":2,"tagName":"input","attributes":{"type":"password","value":"s3cret"},"childNodes":[]}"#;
        let mut text = String::from(
            r#"{"domain":"e.com","sessionId":"abcdefgh","seq":0,"events":[{"type":2,"timestamp":5,"data":{"node":"#,
        );
        text.push_str(&open.repeat(levels - 1));
        text.push_str(field);
        text.push_str(&"]}".repeat(levels - 1));
        text.push_str("}}]}");
        text.into_bytes()
    }

    #[test]
    fn a_page_a_thousand_elements_deep_is_accepted_and_masked() {
        let c = parse(&deep_dom(1_200)).expect("real pages nest deep");
        let text = String::from_utf8(c.events_json).unwrap();
        assert!(!text.contains("s3cret"), "masked at any depth");
        assert_eq!(text.matches(r#""div""#).count(), 1_199);
        let deeper = parse(&deep_dom(100_000)).unwrap_err();
        assert_eq!(deeper.field, "events", "{deeper}");
        for open in ["[", r#"{"a":"#] {
            let bomb = open.repeat(100_000);
            assert_eq!(parse(bomb.as_bytes()).unwrap_err().field, "events");
        }
    }

    #[test]
    fn depth_is_measured_outside_strings() {
        assert_eq!(
            json_depth(br#"{"a": "[[[{{{", "b": [1, {"c": "\"]]"}]}"#, 100),
            3
        );
        assert_eq!(json_depth(&b"[".repeat(1000), 10), 11, "stops early");
    }

    mod arbitrary {
        use super::*;
        use proptest::prelude::*;

        /// Any JSON value, biased towards rrweb's keys so that the scrub's
        /// paths are reached with every kind of value in every place.
        fn json() -> impl Strategy<Value = Value> {
            let key = prop_oneof![
                Just("type".to_owned()),
                Just("data".to_owned()),
                Just("node".to_owned()),
                Just("childNodes".to_owned()),
                Just("attributes".to_owned()),
                Just("adds".to_owned()),
                Just("source".to_owned()),
                Just("text".to_owned()),
                Just("textContent".to_owned()),
                Just("tagName".to_owned()),
                Just("href".to_owned()),
                Just("value".to_owned()),
                Just("timestamp".to_owned()),
                "[a-z]{1,3}",
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                (0u64..8).prop_map(|n| json!(n)),
                any::<f64>().prop_map(|f| json!(f)),
                prop_oneof![
                    Just("input".to_owned()),
                    Just("https://e.com/?q#f".to_owned()),
                    ".{0,8}"
                ]
                .prop_map(Value::String),
            ];
            leaf.prop_recursive(6, 64, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((key.clone(), inner), 0..6)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn any_json_event_is_scrubbed_or_refused_without_panic(mut event in json()) {
                let _ = scrub(&mut event);
            }

            #[test]
            fn any_json_chunk_is_parsed_or_refused_without_panic(events in prop::collection::vec(json(), 0..4), whole in json()) {
                let _ = parse(&chunk_with(Value::Array(events)));
                let _ = parse(whole.to_string().as_bytes());
            }

            #[test]
            fn any_bytes_are_parsed_or_refused_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
                let _ = parse(&bytes);
            }
        }
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
        assert_eq!(c.event_count, 4);
        assert_eq!(events(&c)[0]["data"]["href"], "https://example.com/a");
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
