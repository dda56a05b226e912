//! The tracker's payload: our field names and the Plausible Events API's,
//! validated into a `Beacon` or a `PayloadError` naming the field.

use serde::Deserialize;
use serde_json::Value;

const MAX_NAME: usize = 120;
const MAX_URL: usize = 2_000;
const MAX_PROPS: usize = 30;
const MAX_PROP_KEY: usize = 300;
const MAX_PROP_VALUE: usize = 2_000;

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(alias = "n")]
    name: Option<Value>,
    #[serde(alias = "u")]
    url: Option<Value>,
    #[serde(alias = "d")]
    domain: Option<Value>,
    #[serde(alias = "r")]
    referrer: Option<Value>,
    #[serde(alias = "p")]
    props: Option<Value>,
    #[serde(alias = "$")]
    revenue: Option<Value>,
    /// Consent given on the page.
    c: Option<Value>,
    /// Viewport width.
    w: Option<Value>,
    /// Click position: fraction of document width, px from the top.
    x: Option<Value>,
    y: Option<Value>,
    /// Engagement (Plausible's): the page's deepest scroll, in percent.
    sd: Option<Value>,
    /// Engagement: milliseconds the page was engaged with.
    e: Option<Value>,
}

/// The name of Plausible's engagement beacons (and ours): not an event,
/// but the scroll depth and engaged time of the page view before it.
pub const ENGAGEMENT: &str = "engagement";

/// The longest engaged time one beacon may report: a day.
const MAX_ENGAGED_MS: f64 = 86_400_000.0;

/// What an engagement beacon reports of its page view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Engagement {
    /// 0 to 100; none when not sent.
    pub scroll_depth: Option<i32>,
    pub engaged_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Beacon {
    pub name: String,
    pub url: url::Url,
    /// Every domain named (Plausible allows `a.com,b.com`).
    pub domains: Vec<String>,
    pub referrer: Option<url::Url>,
    /// Sorted, string-valued; `None` when empty.
    pub props: Option<serde_json::Map<String, Value>>,
    pub revenue: Option<Revenue>,
    /// Set for an engagement beacon (`name` is `engagement`).
    pub engagement: Option<Engagement>,
    pub consent: bool,
    pub viewport_width: Option<i32>,
    pub click: Option<(f64, i32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revenue {
    /// Minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PayloadError {
    pub field: &'static str,
    pub message: String,
}

impl PayloadError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn string(
    field: &'static str,
    v: Option<Value>,
    max: usize,
) -> Result<Option<String>, PayloadError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        // PostgreSQL cannot store NUL in text.
        Some(Value::String(s)) if s.contains('\0') => {
            Err(PayloadError::new(field, "must not contain NUL characters"))
        }
        Some(Value::String(s)) if s.chars().count() > max => Err(PayloadError::new(
            field,
            format!("is longer than {max} characters"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(PayloadError::new(field, "must be a string")),
    }
}

fn number(field: &'static str, v: &Option<Value>) -> Result<Option<f64>, PayloadError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| PayloadError::new(field, "must be a finite number")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| PayloadError::new(field, "must be a number")),
        Some(_) => Err(PayloadError::new(field, "must be a number")),
    }
}

fn parse_url(field: &'static str, s: &str) -> Result<url::Url, PayloadError> {
    let u = url::Url::parse(s).map_err(|_| PayloadError::new(field, "must be an absolute URL"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(PayloadError::new(field, "must be an http(s) URL"));
    }
    Ok(u)
}

/// A domain as sites are looked up by: normalized as a site's domain is
/// when it is created (`bücher.example`, `Example.com.`, `example.com:443`
/// all find their site). Something that is no domain name at all is kept
/// as written, lower case: it finds no site, and the beacon answers 404.
pub fn lookup_domain(raw: &str) -> String {
    trackr_entity::site::normalize_domain(raw).unwrap_or_else(|_| raw.trim().to_lowercase())
}

pub fn parse(body: &[u8]) -> Result<Beacon, PayloadError> {
    let raw: Raw = serde_json::from_slice(body)
        .map_err(|e| PayloadError::new("body", format!("is not a JSON object of an event: {e}")))?;
    let name = string("name", raw.name, MAX_NAME)?
        .ok_or_else(|| PayloadError::new("name", "is required"))?;
    let url =
        string("url", raw.url, MAX_URL)?.ok_or_else(|| PayloadError::new("url", "is required"))?;
    let url = parse_url("url", &url)?;
    let domain = string("domain", raw.domain, 1_000)?
        .ok_or_else(|| PayloadError::new("domain", "is required"))?;
    let domains: Vec<String> = domain
        .split(',')
        .map(lookup_domain)
        .filter(|d| !d.is_empty())
        .collect();
    if domains.is_empty() || domains.len() > 10 {
        return Err(PayloadError::new("domain", "must name 1 to 10 domains"));
    }
    // A referrer that is not a URL (some apps send garbage) is ignored, not
    // an error: the page view itself is still good.
    let referrer =
        string("referrer", raw.referrer, MAX_URL)?.and_then(|r| parse_url("referrer", &r).ok());

    let props = match raw.props {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        // The Plausible API also accepts props as a JSON-encoded string.
        Some(Value::String(s)) => Some(
            serde_json::from_str::<Value>(&s)
                .map_err(|_| PayloadError::new("props", "must be an object"))?,
        ),
        Some(v) => Some(v),
    };
    let props = match props {
        None => None,
        Some(Value::Object(map)) => {
            if map.len() > MAX_PROPS {
                return Err(PayloadError::new(
                    "props",
                    format!("has more than {MAX_PROPS} keys"),
                ));
            }
            let mut clean = serde_json::Map::new();
            for (k, v) in map {
                if k.is_empty() || k.chars().count() > MAX_PROP_KEY || k.contains('\0') {
                    return Err(PayloadError::new(
                        "props",
                        format!("keys must be 1 to {MAX_PROP_KEY} characters"),
                    ));
                }
                let v = match v {
                    Value::Null => continue,
                    Value::String(s) => s,
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return Err(PayloadError::new(
                            "props",
                            "values must be strings, numbers or booleans",
                        ))
                    }
                };
                if v.contains('\0') {
                    return Err(PayloadError::new(
                        "props",
                        "values must not contain NUL characters",
                    ));
                }
                if v.chars().count() > MAX_PROP_VALUE {
                    return Err(PayloadError::new(
                        "props",
                        format!("values must be at most {MAX_PROP_VALUE} characters"),
                    ));
                }
                clean.insert(k, Value::String(v));
            }
            (!clean.is_empty()).then_some(clean)
        }
        Some(_) => return Err(PayloadError::new("props", "must be an object")),
    };

    let revenue = match raw.revenue {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => {
            let amount = number("revenue", &map.get("amount").cloned())?
                .ok_or_else(|| PayloadError::new("revenue", "needs an amount"))?;
            let currency = match map.get("currency") {
                Some(Value::String(c))
                    if c.len() == 3 && c.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    c.to_uppercase()
                }
                _ => {
                    return Err(PayloadError::new(
                        "revenue",
                        "needs a 3-letter ISO 4217 currency",
                    ))
                }
            };
            if amount.abs() > 1e12 {
                return Err(PayloadError::new("revenue", "amount is out of range"));
            }
            Some(Revenue {
                amount_minor: (amount * 100.0).round() as i64,
                currency,
            })
        }
        Some(_) => {
            return Err(PayloadError::new(
                "revenue",
                "must be an object {amount, currency}",
            ))
        }
    };

    let consent = matches!(raw.c, Some(Value::Bool(true)))
        || matches!(&raw.c, Some(Value::Number(n)) if n.as_i64() == Some(1));
    let viewport_width = match number("w", &raw.w)? {
        None => None,
        Some(w) if (1.0..=100_000.0).contains(&w) => Some(w.round() as i32),
        Some(_) => return Err(PayloadError::new("w", "must be a width in pixels")),
    };
    let click = match (number("x", &raw.x)?, number("y", &raw.y)?) {
        (None, None) => None,
        (Some(x), Some(y)) if (0.0..=1.0).contains(&x) && (0.0..=10_000_000.0).contains(&y) => {
            Some(((x * 10_000.0).round() / 10_000.0, y.round() as i32))
        }
        _ => {
            return Err(PayloadError::new(
                "x",
                "x must be a fraction 0..1 and y pixels from the top, both given",
            ))
        }
    };

    let engagement = if name == ENGAGEMENT {
        let scroll_depth = match number("sd", &raw.sd)? {
            None => None,
            Some(sd) if (0.0..=100.0).contains(&sd) => Some(sd.round() as i32),
            Some(_) => return Err(PayloadError::new("sd", "must be a percentage, 0 to 100")),
        };
        let engaged_ms = match number("e", &raw.e)? {
            None => 0,
            Some(e) if (0.0..=MAX_ENGAGED_MS).contains(&e) => e.round() as i64,
            Some(_) => return Err(PayloadError::new("e", "must be milliseconds, 0 to a day")),
        };
        Some(Engagement {
            scroll_depth,
            engaged_ms,
        })
    } else {
        None
    };

    Ok(Beacon {
        name,
        url,
        domains,
        referrer,
        props,
        revenue,
        engagement,
        consent,
        viewport_width,
        click,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_field_names_are_accepted() {
        let b = parse(br#"{"n":"pageview","u":"https://example.com/a?x=1","d":"example.com","r":"https://google.com/","p":{"plan":"pro","n":3}}"#).unwrap();
        assert_eq!(b.name, "pageview");
        assert_eq!(b.domains, vec!["example.com"]);
        assert_eq!(b.referrer.unwrap().host_str(), Some("google.com"));
        assert_eq!(b.props.unwrap()["n"], "3");
        let long = parse(br#"{"name":"Signup","url":"https://example.com/","domain":"a.com,b.com","revenue":{"amount":"9.99","currency":"eur"}}"#).unwrap();
        assert_eq!(long.domains.len(), 2);
        assert_eq!(
            long.revenue.unwrap(),
            Revenue {
                amount_minor: 999,
                currency: "EUR".into()
            }
        );
    }

    #[test]
    fn errors_name_the_field() {
        for (body, field) in [
            (&br#"not json"#[..], "body"),
            (br#"{"u":"https://e.com/","d":"e.com"}"#, "name"),
            (br#"{"n":"x","d":"e.com"}"#, "url"),
            (br#"{"n":"x","u":"/relative","d":"e.com"}"#, "url"),
            (br#"{"n":"x","u":"https://e.com/"}"#, "domain"),
            (
                br#"{"n":"x","u":"https://e.com/","d":"e.com","p":[1]}"#,
                "props",
            ),
            (
                br#"{"n":"x","u":"https://e.com/","d":"e.com","p":{"a":{"b":1}}}"#,
                "props",
            ),
            (
                br#"{"n":"x","u":"https://e.com/","d":"e.com","x":2,"y":3}"#,
                "x",
            ),
            (br#"{"n":3,"u":"https://e.com/","d":"e.com"}"#, "name"),
            (
                br#"{"n":"a\u0000","u":"https://e.com/","d":"e.com"}"#,
                "name",
            ),
            (
                br#"{"n":"x","u":"https://e.com/","d":"e.com","p":{"k":"\u0000"}}"#,
                "props",
            ),
        ] {
            assert_eq!(
                parse(body).unwrap_err().field,
                field,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn clicks_and_consent() {
        let b = parse(br#"{"n":"click","u":"https://e.com/","d":"e.com","x":0.123456,"y":812.4,"w":1280,"c":1}"#).unwrap();
        assert_eq!(b.click, Some((0.1235, 812)));
        assert_eq!(b.viewport_width, Some(1280));
        assert!(b.consent);
    }
}
