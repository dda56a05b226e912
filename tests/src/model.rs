//! The reports' independent model (issue 2's promise of exact numbers):
//! a generated event set, in New York time, with visits that cross local
//! midnight, bounces, UTM values, screen widths and two hostnames; the
//! visits as the product defines them; and the figures of `stats`, a
//! timeseries point and a breakdown row computed from them on their own.
//! `tests/reports.rs` checks the API against it, `tests/dashboard.rs` the
//! dashboard in Chromium.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use crate::{TestApp, TestUser, CHROME, FIREFOX, IPHONE};

pub const PAGES: [&str; 5] = ["/", "/pricing", "/blog/a", "/blog/b", "/signup"];
pub const REFERRERS: [Option<(&str, &str)>; 4] = [
    None,
    Some(("https://www.google.com/search?q=x", "Google")),
    Some(("https://t.co/abc", "Twitter")),
    Some(("https://news.example.org/post", "news.example.org")),
];

/// Who a visitor is to the product: the same IP and browser on one UTC day.
pub type Identity = (String, &'static str, NaiveDate);
pub type Keep = Box<dyn Fn(&Ev) -> bool>;

/// A deterministic generator (an LCG), so failures reproduce.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[derive(Clone, Debug)]
pub struct Ev {
    pub ip: String,
    pub ua: &'static str,
    pub browser: &'static str,
    pub ts: DateTime<Utc>,
    pub name: &'static str,
    pub path: &'static str,
    pub referrer: Option<&'static str>,
    /// Filled in by the model: the visit's source.
    pub source: &'static str,
    pub visit: usize,
    /// The viewport's width, and the page's hostname (issue 16's screen
    /// size and hostname dimensions).
    pub width: i32,
    pub host: &'static str,
    /// UTM content and term in a visit's first URL; the model gives every
    /// event of the visit its first event's.
    pub utm: Utm,
}

/// UTM content and term.
pub type Utm = (Option<&'static str>, Option<&'static str>);

/// The UTM content and term of a visit's landing URL, by its referrer (no
/// draw of the generator, so the event set stays what it was).
pub fn utm_of(referrer: Option<&str>) -> Utm {
    match referrer {
        Some(r) if r.contains("google") => (Some("text-ad"), Some("analytics")),
        Some(r) if r.contains("t.co") => (Some("banner"), Some("social")),
        _ => (None, None),
    }
}

/// The screen size class of a viewport width, as the product names it.
pub fn screen_size(width: i32) -> &'static str {
    match width {
        w if w < 576 => "Mobile",
        w if w < 992 => "Tablet",
        w if w < 1440 => "Laptop",
        _ => "Desktop",
    }
}

pub struct Visit {
    pub start: i64,
    pub end: i64,
    pub entry: &'static str,
    pub pageviews: i64,
    pub events: i64,
    pub identity: Identity,
}

pub fn generate() -> Vec<Ev> {
    let mut rng = Rng(42);
    let uas = [(CHROME, "Chrome"), (FIREFOX, "Firefox"), (IPHONE, "Safari")];
    let mut out = Vec::new();
    for v in 1..=30 {
        let ip = format!("198.51.100.{v}");
        let (ua, browser) = uas[v % 3];
        for day in 14..=16 {
            if rng.next(3) == 0 {
                continue;
            }
            // Visits start between 01:00 and 20:00 UTC, so none crosses UTC
            // midnight (the salt's day); 05:00 UTC is New York's midnight.
            let mut t = Utc.with_ymd_and_hms(2026, 1, day, 1, 0, 0).unwrap()
                + Duration::minutes(rng.next(19 * 60) as i64);
            for _visit in 0..(1 + rng.next(2)) {
                let referrer = REFERRERS[rng.next(4) as usize];
                let n = 1 + rng.next(5);
                for i in 0..n {
                    let custom = rng.next(10) == 0;
                    let referrer = if i == 0 { referrer.map(|r| r.0) } else { None };
                    out.push(Ev {
                        ip: ip.clone(),
                        ua,
                        browser,
                        ts: t,
                        name: if custom { "Signup" } else { "pageview" },
                        path: PAGES[rng.next(5) as usize],
                        referrer,
                        source: "",
                        visit: 0,
                        width: [390, 800, 1280, 1920][v % 4],
                        host: ["example.com", "www.example.com"][v % 2],
                        utm: utm_of(referrer),
                    });
                    t += Duration::minutes(1 + rng.next(20) as i64);
                }
                t += Duration::minutes(45);
            }
        }
    }
    // One visit crosses New York's midnight (05:00 UTC): 04:50, 05:05, 05:20.
    for (i, path) in ["/", "/pricing", "/signup"].into_iter().enumerate() {
        out.push(Ev {
            ip: "198.51.100.99".into(),
            ua: CHROME,
            browser: "Chrome",
            ts: Utc.with_ymd_and_hms(2026, 1, 15, 4, 50, 0).unwrap()
                + Duration::minutes(15 * i as i64),
            name: "pageview",
            path,
            referrer: None,
            source: "",
            visit: 0,
            width: 1920,
            host: "example.com",
            utm: (None, None),
        });
    }
    out.sort_by_key(|e| e.ts);
    out
}

/// Visits as the product defines them: a visitor's events less than 30
/// minutes apart; the source is the first event's referrer.
pub fn sessionize(events: &mut [Ev]) -> Vec<Visit> {
    let mut visits: Vec<Visit> = Vec::new();
    let mut open: HashMap<(String, &'static str), usize> = HashMap::new();
    for e in events.iter_mut() {
        let key = (e.ip.clone(), e.ua);
        let ts = e.ts.timestamp_millis();
        let idx = match open.get(&key) {
            Some(&i) if ts - visits[i].end <= 30 * 60 * 1000 => i,
            _ => {
                let source = REFERRERS
                    .iter()
                    .flatten()
                    .find(|(url, _)| Some(*url) == e.referrer)
                    .map(|(_, s)| *s)
                    .unwrap_or("Direct / None");
                visits.push(Visit {
                    start: ts,
                    end: ts,
                    entry: e.path,
                    pageviews: 0,
                    events: 0,
                    identity: identity(e),
                });
                open.insert(key.clone(), visits.len() - 1);
                e.source = source;
                visits.len() - 1
            }
        };
        let v = &mut visits[idx];
        v.end = ts;
        v.events += 1;
        v.pageviews += i64::from(e.name == "pageview");
        e.visit = idx;
    }
    // Events after the first take their visit's source and UTM values.
    let first: HashMap<usize, (&'static str, Utm)> = events
        .iter()
        .filter(|e| !e.source.is_empty())
        .map(|e| (e.visit, (e.source, e.utm)))
        .collect();
    for e in events.iter_mut() {
        (e.source, e.utm) = first[&e.visit];
    }
    visits
}

pub fn ny_window(from: &str, to: &str) -> (i64, i64) {
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let start = tz
        .from_local_datetime(&d(from).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let end = tz
        .from_local_datetime(&(d(to) + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    (start.timestamp_millis(), end.timestamp_millis())
}

pub fn expected_stats(
    events: &[Ev],
    visits: &[Visit],
    from: &str,
    to: &str,
    keep: &dyn Fn(&Ev) -> bool,
) -> Value {
    let (a, b) = ny_window(from, to);
    let inside = inside(events, (from, to), keep);
    let visitors: HashSet<_> = inside.iter().map(|e| identity(e)).collect();
    // A visit started in the range counts whole when any of its events
    // matches, even one after the range's end.
    let matching_visits: HashSet<usize> = events
        .iter()
        .filter(|e| e.ts.timestamp_millis() >= a && keep(e))
        .map(|e| e.visit)
        .collect();
    let vs: Vec<&Visit> = visits
        .iter()
        .enumerate()
        .filter(|(i, v)| (a..b).contains(&v.start) && matching_visits.contains(i))
        .map(|(_, v)| v)
        .collect();
    let n = vs.len() as f64;
    let ratio = |x: f64| if n == 0.0 { 0.0 } else { x / n };
    json!({
        "visitors": visitors.len(),
        "pageviews": inside.iter().filter(|e| e.name == "pageview").count(),
        "events": inside.len(),
        "visits": vs.len(),
        "bounceRate": (ratio(vs.iter().filter(|v| v.events == 1).count() as f64) * 1000.0).round() / 10.0,
        "visitDurationSeconds": (ratio(vs.iter().map(|v| (v.end - v.start) as f64).sum::<f64>()) / 10.0).round() / 100.0,
        "viewsPerVisit": (ratio(vs.iter().map(|v| v.pageviews as f64).sum::<f64>()) * 100.0).round() / 100.0,
    })
}

/// The values of an event a breakdown by `dimension` groups it under (pages
/// count page views only).
pub fn value_of(dimension: &str, e: &Ev) -> Option<String> {
    match dimension {
        "PAGE" => (e.name == "pageview").then(|| e.path.to_owned()),
        _ => visit_value_of(dimension, e),
    }
}

/// The value an event gives its visit: a visit counts for each value one
/// of its events has (for pages, any event on the page).
pub fn visit_value_of(dimension: &str, e: &Ev) -> Option<String> {
    match dimension {
        "PAGE" => Some(e.path.to_owned()),
        "SOURCE" => Some(e.source.to_owned()),
        "BROWSER" => Some(e.browser.to_owned()),
        "EVENT_NAME" => Some(e.name.to_owned()),
        "UTM_CONTENT" => e.utm.0.map(str::to_owned),
        "UTM_TERM" => e.utm.1.map(str::to_owned),
        "SCREEN_SIZE" => Some(screen_size(e.width).to_owned()),
        "HOSTNAME" => Some(e.host.to_owned()),
        _ => unreachable!("{dimension}"),
    }
}

/// A breakdown row's figures over `vs`, the visits counted for it.
pub fn row_json(value: &str, visitors: usize, pageviews: i64, events: i64, vs: &[&Visit]) -> Value {
    let n = vs.len() as f64;
    let ratio = |x: f64| if n == 0.0 { 0.0 } else { x / n };
    json!({
        "value": value,
        "visitors": visitors,
        "pageviews": pageviews,
        "events": events,
        "visits": vs.len(),
        "bounceRate": (ratio(vs.iter().filter(|v| v.events == 1).count() as f64) * 1000.0).round() / 10.0,
        "visitDurationSeconds": (ratio(vs.iter().map(|v| (v.end - v.start) as f64).sum::<f64>()) / 10.0).round() / 100.0,
    })
}

/// The fields of a breakdown row the model computes.
pub const ROW: &str = "value visitors pageviews events visits bounceRate visitDurationSeconds";

/// A breakdown by `dimension` of the events in `[from, to]` passing `keep`:
/// visitors, page views and events of the events with each value; visits
/// started in the range with an event (from its start on) having the value
/// and passing `keep`. Ordered by visitors, page views, value.
pub fn expected_breakdown(
    events: &[Ev],
    visits: &[Visit],
    (from, to): (&str, &str),
    keep: &dyn Fn(&Ev) -> bool,
    dimension: &str,
) -> Value {
    let (a, b) = ny_window(from, to);
    let mut rows: BTreeMap<String, (HashSet<Identity>, i64, i64)> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| (a..b).contains(&e.ts.timestamp_millis()) && keep(e))
    {
        if let Some(k) = value_of(dimension, e) {
            let row = rows.entry(k).or_default();
            row.0.insert(identity(e));
            row.1 += i64::from(e.name == "pageview");
            row.2 += 1;
        }
    }
    let mut visits_of: HashMap<String, HashSet<usize>> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.ts.timestamp_millis() >= a && keep(e))
        .filter(|e| (a..b).contains(&visits[e.visit].start))
    {
        if let Some(k) = visit_value_of(dimension, e) {
            visits_of.entry(k).or_default().insert(e.visit);
        }
    }
    let mut v: Vec<(String, usize, i64, i64)> = rows
        .into_iter()
        .map(|(k, (vis, pv, ev))| (k, vis.len(), pv, ev))
        .collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.cmp(&x.2)).then(x.0.cmp(&y.0)));
    json!(v
        .into_iter()
        .map(|(value, visitors, pageviews, ev)| {
            let vs: Vec<&Visit> = visits_of
                .get(&value)
                .map(|ids| ids.iter().map(|i| &visits[*i]).collect())
                .unwrap_or_default();
            row_json(&value, visitors, pageviews, ev, &vs)
        })
        .collect::<Vec<_>>())
}

/// The revenue a custom event carries (issue 17's revenue goals), in
/// minor units and a currency, by its page: no draw of the generator.
pub fn revenue_of(e: &Ev) -> Option<(i64, &'static str)> {
    match (e.name, e.path) {
        ("Signup", "/pricing") => Some((1900, "USD")),
        ("Signup", "/signup") => Some((1750, "EUR")),
        ("Signup", "/blog/a") => Some((999, "USD")),
        _ => None,
    }
}

/// The custom properties an event carries (issue 17), by its kind, its
/// visitor and its page: no draw of the generator.
pub fn props_of(e: &Ev) -> Vec<(&'static str, String)> {
    let octet: u32 =
        e.ip.rsplit('.')
            .next()
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
    match (e.name, e.path) {
        ("Signup", _) => vec![
            (
                "plan",
                if octet.is_multiple_of(3) {
                    "pro"
                } else {
                    "free"
                }
                .to_owned(),
            ),
            ("form", format!("form{}", e.path)),
        ],
        ("pageview", "/pricing") => {
            vec![("variant", if e.width >= 992 { "B" } else { "A" }.to_owned())]
        }
        _ => Vec::new(),
    }
}

/// A property's value on an event.
pub fn prop(e: &Ev, key: &str) -> Option<String> {
    props_of(e)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Whether a page pattern matches a path whole (`*`: any characters but
/// `/`; `**`: any), by backtracking over the characters, not through a
/// regular expression as the product does.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p {
            [] => s.is_empty(),
            ['*', '*', rest @ ..] => (0..=s.len()).any(|i| go(rest, &s[i..])),
            ['*', rest @ ..] => {
                let run = s.iter().take_while(|c| **c != '/').count();
                (0..=run).any(|i| go(rest, &s[i..]))
            }
            [c, rest @ ..] => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), path.chars().collect());
    go(&p, &s)
}

/// A goal as the model sees it: a page pattern or an event name.
#[derive(Clone, Copy, Debug)]
pub enum GoalDef {
    Page(&'static str),
    Event(&'static str),
}

impl GoalDef {
    pub fn converts(self, e: &Ev) -> bool {
        match self {
            GoalDef::Page(p) => e.name == "pageview" && glob_match(p, e.path),
            GoalDef::Event(n) => e.name == n,
        }
    }
}

/// The visitors (identities) who converted to `goal` in `[from, to]`
/// with an event passing `keep`.
pub fn converted(
    events: &[Ev],
    (from, to): (&str, &str),
    goal: GoalDef,
    keep: &dyn Fn(&Ev) -> bool,
) -> HashSet<Identity> {
    inside(events, (from, to), keep)
        .into_iter()
        .filter(|e| goal.converts(e))
        .map(identity)
        .collect()
}

/// A `goalConversions` row's figures (without the goal): unique and total
/// conversions, the conversion rate over the visitors passing `keep`, and
/// per currency the revenue (`own` first).
pub fn expected_conversion(
    events: &[Ev],
    (from, to): (&str, &str),
    goal: GoalDef,
    own: Option<&str>,
    keep: &dyn Fn(&Ev) -> bool,
) -> Value {
    let inside = inside(events, (from, to), keep);
    let all: HashSet<Identity> = inside.iter().map(|e| identity(e)).collect();
    let visitors = converted(events, (from, to), goal, keep).len();
    let conversions = inside.iter().filter(|e| goal.converts(e)).count();
    let mut money: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    if let GoalDef::Event(_) = goal {
        for e in inside.iter().filter(|e| goal.converts(e)) {
            if let Some((minor, currency)) = revenue_of(e) {
                let m = money.entry(currency).or_default();
                m.0 += minor;
                m.1 += 1;
            }
        }
    }
    let dec = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    let mut revenue: Vec<Value> = money
        .into_iter()
        .map(|(c, (total, n))| json!({"currency": c, "total": dec(total), "average": dec((total as f64 / n as f64).round() as i64), "events": n}))
        .collect();
    if let Some(own) = own {
        revenue.sort_by_key(|r| r["currency"] != own);
    }
    let rate = if all.is_empty() {
        0.0
    } else {
        (visitors as f64 / all.len() as f64 * 1000.0).round() / 10.0
    };
    json!({"visitors": visitors, "conversions": conversions, "conversionRate": rate, "revenue": revenue})
}

/// A site in New York's time zone holding the generated events, as the
/// reports, dashboard, goals and properties tests start.
pub struct ModelSite {
    pub owner: TestUser,
    pub org: String,
    pub site: String,
    pub events: Vec<Ev>,
    pub visits: Vec<Visit>,
}

/// Signs up an owner, creates an organization and a New York site, and
/// sends it the generated events (their visits sessionized by the model).
/// Noon in New York on Jan 16: rolled up then, the model site's days
/// before are closed, Jan 16 is rolled up to five minutes before, and
/// reports read the rest of it raw (the tail after the rollups).
pub fn partly_rolled() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 16, 17, 0, 0).unwrap()
}

/// After the model's last day: rolled up then, every day is closed.
pub fn all_rolled() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 20, 7, 0, 0).unwrap()
}

/// Runs the rollups as the worker would at `at`, the server's clock there
/// (reports use rollups only while they are recent).
pub async fn roll_up(app: &TestApp, at: DateTime<Utc>) -> trackr_analytics::rollup::RollupReport {
    app.set_time(at);
    trackr_analytics::rollup::run(&app.db, at)
        .await
        .expect("rollup runs")
}

/// The stages a report is checked at: from the raw events; with the days
/// before Jan 16 rolled up and its afternoon read raw (`partly_rolled`);
/// with every day rolled up (`all_rolled`).
pub const STAGES: [&str; 3] = ["raw", "rolled, Jan 16 in part", "rolled"];

/// Brings the rollups to `stage` (one of `STAGES`, in order).
pub async fn reach(app: &TestApp, stage: &str) {
    match stage {
        "raw" => {}
        "rolled, Jan 16 in part" => {
            roll_up(app, partly_rolled()).await;
        }
        _ => {
            roll_up(app, all_rolled()).await;
        }
    }
}

/// How many rollup rows of kind `dim` (`trackr_analytics::rollup`'s codes)
/// the database holds with `value`.
pub async fn rollup_rows(app: &TestApp, dim: i32, value: &str) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use trackr_entity::rollup;
    rollup::Entity::find()
        .filter(rollup::Column::Dim.eq(dim))
        .filter(rollup::Column::Value.eq(value))
        .count(&app.db)
        .await
        .expect("rollups counted") as i64
}

pub async fn model_site(app: &TestApp) -> ModelSite {
    let owner = app.sign_up("owner").await;
    let org = app.create_org(&owner, "Acme").await;
    let site = app
        .gql_ok(Some(&owner.token), "mutation($o: ID!) { createSite(organizationId: $o, domain: \"example.com\", timezone: \"America/New_York\") { id } }", json!({"o": org}))
        .await["createSite"]["id"].as_str().unwrap().to_owned();
    let mut events = generate();
    let visits = sessionize(&mut events);
    send(app, &events).await;
    ModelSite {
        owner,
        org,
        site,
        events,
        visits,
    }
}

/// Visitors reaching each step of a funnel within one visit, in order:
/// each visit's events in `[from, to]` passing `keep`, in time order, move
/// it one step on when they match the step it waits for.
pub fn expected_funnel(
    events: &[Ev],
    range: (&str, &str),
    steps: &[GoalDef],
    keep: &dyn Fn(&Ev) -> bool,
) -> Vec<usize> {
    let mut reached: Vec<HashSet<Identity>> = vec![HashSet::new(); steps.len()];
    let mut next: HashMap<usize, usize> = HashMap::new();
    for e in inside(events, range, keep) {
        let k = next.entry(e.visit).or_insert(0);
        if *k < steps.len() && steps[*k].converts(e) {
            reached[*k].insert(identity(e));
            *k += 1;
        }
    }
    reached.into_iter().map(|r| r.len()).collect()
}

/// A report's filters and the model's same selection: none, then the
/// source Google.
pub fn unfiltered_and_by_source() -> Vec<(Value, Keep)> {
    vec![
        (Value::Null, Box::new(|_: &Ev| true)),
        (
            json!([{"dimension": "SOURCE", "op": "IS", "value": "Google"}]),
            Box::new(|e: &Ev| e.source == "Google"),
        ),
    ]
}

/// The visitor an event counts for: its address and browser on its day
/// (visitor ids are salted daily).
pub fn identity(e: &Ev) -> Identity {
    (e.ip.clone(), e.ua, e.ts.date_naive())
}

/// The events of `[from, to]` (New York days) passing `keep`.
pub fn inside<'a>(
    events: &'a [Ev],
    (from, to): (&str, &str),
    keep: &dyn Fn(&Ev) -> bool,
) -> Vec<&'a Ev> {
    let (a, b) = ny_window(from, to);
    events
        .iter()
        .filter(|e| (a..b).contains(&e.ts.timestamp_millis()) && keep(e))
        .collect()
}

/// Sends the events through `/api/event`, each at its time on the
/// server's clock, from its visitor's address and browser.
pub async fn send(app: &TestApp, events: &[Ev]) {
    for e in events {
        app.set_time(e.ts);
        let query = match e.utm {
            (Some(c), Some(t)) if e.referrer.is_some() => format!("?utm_content={c}&utm_term={t}"),
            (Some(c), None) if e.referrer.is_some() => format!("?utm_content={c}"),
            _ => String::new(),
        };
        let mut body = json!({"n": e.name, "u": format!("https://{}{}{query}", e.host, e.path), "d": "example.com", "w": e.width});
        if let Some(r) = e.referrer {
            body["r"] = json!(r);
        }
        let props = props_of(e);
        if !props.is_empty() {
            body["p"] = json!(props.into_iter().collect::<BTreeMap<_, _>>());
        }
        if let Some((minor, currency)) = revenue_of(e) {
            body["$"] = json!({"amount": format!("{}.{:02}", minor / 100, minor % 100), "currency": currency});
        }
        let status = app.event_as(&body, &e.ip, e.ua, &[]).await.status();
        assert_eq!(status, 202);
    }
}
