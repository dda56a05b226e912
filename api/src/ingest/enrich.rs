//! Enrichment without keeping anything personal: user agent → browser, OS,
//! device; bots and referrer spam dropped; referrer → source; IP → place
//! (optional MaxMind file). The IP and user agent themselves are never
//! stored; recent user-agent strings are remembered in memory only, with
//! what they parse to, never with an address or a time.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{LazyLock, Mutex},
};

use ipnet::IpNet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub browser: String,
    pub os: String,
    /// Desktop, Mobile, Tablet or Other.
    pub device: String,
}

/// Why an event was dropped; the label of `trackr_events_dropped_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    Bot,
    Headless,
    Datacenter,
    ReferrerSpam,
    DoNotTrack,
    NoConsent,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Bot => "bot",
            DropReason::Headless => "headless",
            DropReason::Datacenter => "datacenter",
            DropReason::ReferrerSpam => "referrer_spam",
            DropReason::DoNotTrack => "dnt",
            DropReason::NoConsent => "no_consent",
        }
    }
}

/// Signatures of automation that plain crawler lists miss.
const HEADLESS: &[&str] = &[
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "selenium",
    "puppeteer",
    "playwright",
    "electron/",
    "slimerjs",
];
const BOTS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp/",
    "axios/",
    "node-fetch",
    "libwww",
    "httpclient",
    "scrapy",
    "facebookexternalhit",
    "preview",
    "monitor",
    "uptime",
];

/// User agents whose answers are remembered; past this the memory starts
/// over (traffic is dominated by a few thousand current browser versions).
const AGENT_CACHE_SIZE: usize = 16_384;
type AgentCache = HashMap<Box<str>, Result<Agent, DropReason>>;
static AGENT_CACHE: LazyLock<Mutex<AgentCache>> = LazyLock::new(Default::default);

/// What a user agent is: browser, OS and device, or why it is dropped.
/// Parsing costs a few microseconds per event, so answers are remembered in
/// memory for the most frequent strings. The cache holds user-agent strings
/// only, never linked to an address or a time, and is never written out.
pub fn classify_agent(user_agent: &str) -> Result<Agent, DropReason> {
    let lock = || AGENT_CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = lock().get(user_agent) {
        return known.clone();
    }
    let answer = parse_agent(user_agent);
    if user_agent.len() <= 512 {
        let mut cache = lock();
        if cache.len() >= AGENT_CACHE_SIZE {
            cache.clear();
        }
        cache.insert(user_agent.into(), answer.clone());
    }
    answer
}

fn parse_agent(user_agent: &str) -> Result<Agent, DropReason> {
    let ua = user_agent.trim();
    if ua.len() < 10 {
        return Err(DropReason::Bot);
    }
    let lower = ua.to_lowercase();
    if HEADLESS.iter().any(|s| lower.contains(s)) {
        return Err(DropReason::Headless);
    }
    if BOTS.iter().any(|s| lower.contains(s)) {
        return Err(DropReason::Bot);
    }
    let parsed = woothee::parser::Parser::new().parse(ua);
    let Some(parsed) = parsed else {
        return Ok(Agent {
            browser: "Unknown".into(),
            os: "Unknown".into(),
            device: "Other".into(),
        });
    };
    if parsed.category == "crawler" {
        return Err(DropReason::Bot);
    }
    let os = parsed.os.to_string();
    let device = match parsed.category {
        "pc" => "Desktop",
        "smartphone"
            if os == "iPad" || (lower.contains("android") && !lower.contains("mobile")) =>
        {
            "Tablet"
        }
        "smartphone" | "mobilephone" => "Mobile",
        _ => "Other",
    };
    let unknown = |s: &str| {
        if s == "UNKNOWN" || s.is_empty() {
            "Unknown".to_owned()
        } else {
            s.to_owned()
        }
    };
    Ok(Agent {
        browser: unknown(parsed.name),
        os: unknown(&os),
        device: device.into(),
    })
}

pub fn in_datacenter(ip: Option<IpAddr>, ranges: &[IpNet]) -> bool {
    ip.is_some_and(|ip| ranges.iter().any(|net| net.contains(&ip.to_canonical())))
}

/// Domains known for referrer spam; operators add their own.
const SPAM: &[&str] = &[
    "semalt.com",
    "buttons-for-website.com",
    "darodar.com",
    "ilovevitaly.com",
    "priceg.com",
    "hulfingtonpost.com",
    "best-seo-offer.com",
    "get-free-traffic-now.com",
    "free-share-buttons.com",
    "social-buttons.com",
];

fn matches_domain(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

pub fn is_referrer_spam(referrer: Option<&url::Url>, extra: &[String]) -> bool {
    let Some(host) = referrer.and_then(|r| r.host_str()) else {
        return false;
    };
    let host = host.to_lowercase();
    SPAM.iter().any(|d| matches_domain(&host, d))
        || extra
            .iter()
            .any(|d| matches_domain(&host, &d.to_lowercase()))
}

const SEARCH: &[(&str, &str)] = &[
    ("google.", "Google"),
    ("bing.com", "Bing"),
    ("duckduckgo.com", "DuckDuckGo"),
    ("search.yahoo.", "Yahoo!"),
    ("yandex.", "Yandex"),
    ("baidu.com", "Baidu"),
    ("ecosia.org", "Ecosia"),
    ("qwant.com", "Qwant"),
    ("startpage.com", "Startpage"),
    ("search.brave.com", "Brave Search"),
    ("kagi.com", "Kagi"),
];
const SOCIAL: &[(&str, &str)] = &[
    ("facebook.com", "Facebook"),
    ("fb.me", "Facebook"),
    ("twitter.com", "Twitter"),
    ("t.co", "Twitter"),
    ("x.com", "Twitter"),
    ("linkedin.com", "LinkedIn"),
    ("lnkd.in", "LinkedIn"),
    ("reddit.com", "Reddit"),
    ("instagram.com", "Instagram"),
    ("youtube.com", "YouTube"),
    ("youtu.be", "YouTube"),
    ("pinterest.", "Pinterest"),
    ("tiktok.com", "TikTok"),
    ("news.ycombinator.com", "Hacker News"),
    ("bsky.app", "Bluesky"),
    ("threads.net", "Threads"),
];

pub const DIRECT: &str = "Direct / None";

fn known(host: &str, table: &[(&'static str, &'static str)]) -> Option<&'static str> {
    table.iter().find_map(|(pattern, name)| {
        let hit = if pattern.ends_with('.') {
            host.starts_with(pattern) || host.contains(&format!(".{pattern}"))
        } else {
            matches_domain(host, pattern)
        };
        hit.then_some(*name)
    })
}

/// `utm_source` wins; then known search engines and social networks by
/// name; then the referring domain; else direct. A referrer on the site's
/// own host is navigation, not a source.
pub fn classify_source(
    referrer: Option<&url::Url>,
    utm_source: Option<&str>,
    page_host: &str,
) -> (String, Option<String>) {
    let referrer_host = referrer
        .and_then(|r| r.host_str())
        .map(|h| h.trim_start_matches("www.").to_lowercase())
        .filter(|h| h != page_host.trim_start_matches("www."));
    // The referrer kept: host and path, never the query (it may carry
    // personal data).
    let referrer_kept = referrer_host.as_ref().and(referrer).map(|r| {
        let path = r.path().trim_end_matches('/');
        format!(
            "{}{}",
            r.host_str().unwrap_or_default().trim_start_matches("www."),
            path
        )
    });
    if let Some(utm) = utm_source.map(str::trim).filter(|s| !s.is_empty()) {
        return (utm.to_owned(), referrer_kept);
    }
    let source = match &referrer_host {
        None => DIRECT.to_owned(),
        Some(host) => known(host, SEARCH)
            .or_else(|| known(host, SOCIAL))
            .map(str::to_owned)
            .unwrap_or_else(|| host.clone()),
    };
    (source, referrer_kept)
}

/// Country (ISO code), region and city from a MaxMind-format database.
pub struct Geo {
    reader: maxminddb::Reader<Vec<u8>>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Place {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
}

impl Geo {
    pub fn open(path: &std::path::Path) -> Result<Self, String> {
        maxminddb::Reader::open_readfile(path)
            .map(|reader| Geo { reader })
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    pub fn lookup(&self, ip: IpAddr) -> Place {
        let Ok(Some(city)) = self.reader.lookup::<maxminddb::geoip2::City>(ip) else {
            return Place::default();
        };
        Place {
            country: city.country.and_then(|c| c.iso_code).map(str::to_owned),
            region: city
                .subdivisions
                .and_then(|s| s.into_iter().next())
                .and_then(|s| s.names)
                .and_then(|n| n.get("en").map(|s| s.to_string())),
            city: city
                .city
                .and_then(|c| c.names)
                .and_then(|n| n.get("en").map(|s| s.to_string())),
        }
    }
}

/// An event enriched from its beacon (page, source and campaign, place,
/// browser), not yet tied to a site's visitor.
pub struct EventDraft(trackr_entity::event::Model);

/// Enriches a beacon into the event row it becomes.
pub fn event(
    beacon: &super::Beacon,
    host: &str,
    agent: &Agent,
    place: &Place,
    now: chrono::DateTime<chrono::Utc>,
) -> EventDraft {
    let query: Vec<(String, String)> = beacon
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Decoded query values may carry anything, NUL included (which
    // PostgreSQL refuses): control characters are dropped.
    let utm = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| {
                let clean: String = v.chars().filter(|c| !c.is_control()).take(300).collect();
                clean.trim().to_owned()
            })
            .filter(|v| !v.is_empty())
    };
    let (referrer_source, referrer) =
        classify_source(beacon.referrer.as_ref(), utm("utm_source").as_deref(), host);
    // Hash routes count as pages (`/#/settings`).
    let pathname = match beacon.url.fragment() {
        Some(f) if f.starts_with('/') => format!("{}#{f}", beacon.url.path()),
        _ => beacon.url.path().to_owned(),
    };
    EventDraft(trackr_entity::event::Model {
        id: 0,
        site_id: uuid::Uuid::nil(),
        ts: now.timestamp_millis(),
        name: beacon.name.clone(),
        pathname,
        hostname: host.to_owned(),
        referrer,
        referrer_source,
        utm_source: utm("utm_source"),
        utm_medium: utm("utm_medium"),
        utm_campaign: utm("utm_campaign"),
        utm_content: utm("utm_content"),
        utm_term: utm("utm_term"),
        country: place.country.clone(),
        region: place.region.clone(),
        city: place.city.clone(),
        browser: agent.browser.clone(),
        os: agent.os.clone(),
        device: agent.device.clone(),
        visitor_hash: 0,
        session_id: 0,
        props: beacon
            .props
            .as_ref()
            .map(|p| serde_json::Value::Object(p.clone()).to_string()),
        revenue_minor: beacon.revenue.as_ref().map(|r| r.amount_minor),
        revenue_currency: beacon.revenue.as_ref().map(|r| r.currency.clone()),
        click_x: beacon.click.map(|c| c.0),
        click_y: beacon.click.map(|c| c.1),
        viewport_width: beacon.viewport_width,
        scroll_depth: None,
        engaged_ms: None,
    })
}

/// An event's properties (a JSON object) with only the `allowed` keys;
/// none left: no properties.
pub fn kept_props(props: Option<String>, allowed: &[String]) -> Option<String> {
    let serde_json::Value::Object(mut map) = serde_json::from_str(&props?).ok()? else {
        return None;
    };
    map.retain(|k, _| allowed.iter().any(|a| a == k));
    (!map.is_empty()).then(|| serde_json::Value::Object(map).to_string())
}

impl EventDraft {
    /// The page's path, as events store it.
    pub fn pathname(&self) -> &str {
        &self.0.pathname
    }

    /// The event for one site's visitor (a beacon may name several sites).
    pub fn for_site(
        &self,
        site: trackr_analytics::writer::SiteRef,
        hash_today: i64,
        hash_yesterday: Option<i64>,
    ) -> trackr_analytics::writer::NewEvent {
        trackr_analytics::writer::NewEvent {
            site,
            hash_today,
            hash_yesterday,
            row: trackr_entity::event::Model {
                site_id: site.id,
                ..self.0.clone()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

    #[test]
    fn agents_are_classified() {
        let c = classify_agent(CHROME).unwrap();
        assert_eq!(
            (c.browser.as_str(), c.device.as_str()),
            ("Chrome", "Desktop")
        );
        assert!(c.os.starts_with("Windows"));
        let i = classify_agent(IPHONE).unwrap();
        assert_eq!(
            (i.browser.as_str(), i.os.as_str(), i.device.as_str()),
            ("Safari", "iPhone", "Mobile")
        );
    }

    #[test]
    fn bots_and_headless_browsers_are_dropped() {
        assert_eq!(
            classify_agent(
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            ),
            Err(DropReason::Bot)
        );
        assert_eq!(classify_agent("curl/8.5.0"), Err(DropReason::Bot));
        assert_eq!(classify_agent(""), Err(DropReason::Bot));
        assert_eq!(
            classify_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"),
            Err(DropReason::Headless)
        );
    }

    #[test]
    fn remembered_answers_match_fresh_ones_past_the_cache_size() {
        let agents = [
            CHROME,
            IPHONE,
            "curl/8.5.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
        ];
        for round in 0..3 {
            for agent in agents {
                assert_eq!(
                    classify_agent(agent),
                    parse_agent(agent),
                    "{agent}, round {round}"
                );
            }
            // Enough other agents to make the cache start over.
            for i in 0..AGENT_CACHE_SIZE {
                let other = format!("Mozilla/5.0 (X11; Linux x86_64) Firefox/{round}.{i}");
                assert_eq!(classify_agent(&other), parse_agent(&other));
            }
        }
        assert!(AGENT_CACHE.lock().unwrap().len() <= AGENT_CACHE_SIZE);
    }

    #[test]
    fn sources_are_classified() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            classify_source(
                Some(&u("https://www.google.de/search?q=secret")),
                None,
                "example.com"
            ),
            ("Google".into(), Some("google.de/search".into()))
        );
        assert_eq!(
            classify_source(Some(&u("https://t.co/abc")), None, "example.com").0,
            "Twitter"
        );
        assert_eq!(
            classify_source(
                Some(&u("https://blog.example.org/post/")),
                None,
                "example.com"
            ),
            (
                "blog.example.org".into(),
                Some("blog.example.org/post".into())
            )
        );
        assert_eq!(classify_source(None, None, "example.com").0, DIRECT);
        assert_eq!(
            classify_source(Some(&u("https://example.com/other")), None, "example.com"),
            (DIRECT.into(), None)
        );
        assert_eq!(
            classify_source(
                Some(&u("https://google.com/")),
                Some("newsletter"),
                "example.com"
            )
            .0,
            "newsletter"
        );
    }

    #[test]
    fn referrer_spam_is_recognized() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(is_referrer_spam(Some(&u("https://semalt.com/x")), &[]));
        assert!(is_referrer_spam(
            Some(&u("https://a.spam.example/")),
            &["spam.example".into()]
        ));
        assert!(!is_referrer_spam(Some(&u("https://google.com/")), &[]));
    }
}
