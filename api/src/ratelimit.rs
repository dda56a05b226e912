//! Fixed-window rate limits and remembered facts (an address that logged
//! in to an account): in Redis when configured (shared by the fleet), in
//! process otherwise. Keys are hashed by the caller; no email or IP is
//! ever written to Redis.
//!
//! Redis being down must not stop log-in: every Redis call has a short
//! deadline, and when it fails the same limit is applied by this process
//! alone (so a flood is still slowed, per server) until Redis answers
//! again. The outage is logged once per interval, not once per call.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use redis::aio::ConnectionManager;
use trackr_config::Clock;

/// How long a limit may wait for Redis before this process decides alone.
pub const REDIS_DEADLINE: Duration = Duration::from_millis(300);
/// At most one warning about an unreachable Redis per this many seconds.
const WARN_EVERY_SECONDS: i64 = 30;

#[derive(Clone)]
pub struct RateLimiter {
    redis: Option<(ConnectionManager, String)>,
    local: Arc<Local>,
    /// For the outage backoff and its warnings.
    clock: Clock,
}

#[derive(Default)]
struct Local {
    /// Key → (when its window ends, hits in it).
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    remembered: Mutex<HashMap<String, Instant>>,
    /// Unix seconds of the last outage warning.
    warned_at: AtomicI64,
    /// Unix seconds until which Redis is not tried (it just failed): a
    /// hung Redis costs one deadline every few seconds, not one per call.
    skip_redis_until: AtomicI64,
}

/// How long Redis is left alone after it failed to answer in time.
const REDIS_BACKOFF_SECONDS: i64 = 5;
/// Most keys kept in process; past it, the oldest windows give way.
const LOCAL_MAX_KEYS: usize = 200_000;

const INCR_WITH_EXPIRY: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

impl RateLimiter {
    pub fn local(clock: Clock) -> Self {
        RateLimiter {
            redis: None,
            local: Arc::default(),
            clock,
        }
    }

    pub fn redis(conn: ConnectionManager, prefix: String, clock: Clock) -> Self {
        RateLimiter {
            redis: Some((conn, prefix)),
            local: Arc::default(),
            clock,
        }
    }

    /// Counts one hit on `key` and tells whether it is within `limit` hits
    /// per `window`.
    pub async fn allow(&self, key: &str, limit: u32, window: Duration) -> bool {
        if let Some((conn, prefix)) = self.live_redis() {
            let mut conn = conn.clone();
            let script = redis::Script::new(INCR_WITH_EXPIRY);
            let mut call = script.key(format!("{prefix}:rl:{key}"));
            call.arg(window.as_secs().max(1));
            let hits = tokio::time::timeout(REDIS_DEADLINE, call.invoke_async::<u32>(&mut conn));
            match hits.await {
                Ok(Ok(n)) => return n <= limit,
                Ok(Err(e)) => self.warn(&e.to_string()),
                Err(_) => self.warn("no answer in time"),
            }
        }
        self.local.allow(key, limit, window)
    }

    /// Remembers `key` for `ttl`.
    pub async fn remember(&self, key: &str, ttl: Duration) {
        if let Some((conn, prefix)) = self.live_redis() {
            let mut conn = conn.clone();
            let mut set = redis::cmd("SET");
            set.arg(format!("{prefix}:known:{key}"))
                .arg(1)
                .arg("EX")
                .arg(ttl.as_secs().max(1));
            match tokio::time::timeout(REDIS_DEADLINE, set.query_async::<()>(&mut conn)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => self.warn(&e.to_string()),
                Err(_) => self.warn("no answer in time"),
            }
        }
        // Kept here too: while Redis is away, this process still knows.
        self.local.remember(key, ttl);
    }

    /// Whether `key` was remembered and has not expired.
    pub async fn remembered(&self, key: &str) -> bool {
        if let Some((conn, prefix)) = self.live_redis() {
            let mut conn = conn.clone();
            let mut exists = redis::cmd("EXISTS");
            exists.arg(format!("{prefix}:known:{key}"));
            match tokio::time::timeout(REDIS_DEADLINE, exists.query_async::<u32>(&mut conn)).await {
                Ok(Ok(n)) => return n > 0 || self.local.remembered(key),
                Ok(Err(e)) => self.warn(&e.to_string()),
                Err(_) => self.warn("no answer in time"),
            }
        }
        self.local.remembered(key)
    }

    /// Redis, unless it failed a moment ago.
    fn live_redis(&self) -> Option<&(ConnectionManager, String)> {
        let now = self.clock.now().timestamp();
        self.redis
            .as_ref()
            .filter(|_| self.local.skip_redis_until.load(Ordering::Relaxed) <= now)
    }

    fn warn(&self, error: &str) {
        let now = self.clock.now().timestamp();
        self.local
            .skip_redis_until
            .store(now + REDIS_BACKOFF_SECONDS, Ordering::Relaxed);
        let last = self.local.warned_at.load(Ordering::Relaxed);
        if now - last >= WARN_EVERY_SECONDS
            && self
                .local
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                error,
                "Redis unavailable: rate limits are applied by this process alone until it answers"
            );
        }
    }
}

impl Local {
    fn allow(&self, key: &str, limit: u32, window: Duration) -> bool {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= LOCAL_MAX_KEYS && !map.contains_key(key) {
            make_room(&mut map, now, |(ends, _)| *ends);
        }
        let entry = map.entry(key.to_owned()).or_insert((now + window, 0));
        if now >= entry.0 {
            *entry = (now + window, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }

    fn remember(&self, key: &str, ttl: Duration) {
        let now = Instant::now();
        let mut map = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= LOCAL_MAX_KEYS && !map.contains_key(key) {
            make_room(&mut map, now, |until| *until);
        }
        map.insert(key.to_owned(), now + ttl);
    }

    fn remembered(&self, key: &str) -> bool {
        let map = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).is_some_and(|until| *until > Instant::now())
    }
}

/// Drops what has expired (each entry by its own end, whatever limit it
/// was made for); if the map is still full, the tenth that ends soonest.
/// Runs once per `LOCAL_MAX_KEYS / 10` new keys at most.
fn make_room<V>(map: &mut HashMap<String, V>, now: Instant, ends: impl Fn(&V) -> Instant) {
    map.retain(|_, v| ends(v) > now);
    if map.len() >= LOCAL_MAX_KEYS {
        let mut by_end: Vec<(Instant, String)> =
            map.iter().map(|(k, v)| (ends(v), k.clone())).collect();
        by_end.sort_unstable();
        for (_, key) in by_end.into_iter().take(LOCAL_MAX_KEYS / 10) {
            map.remove(&key);
        }
    }
}

/// What an address is counted as: IPv4 addresses one by one, IPv6 by
/// their /64 (one household or host gets a whole /64 and may rotate
/// addresses within it).
pub fn address_subject(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_limiter_counts_per_key_and_window() {
        let rl = RateLimiter::local(Clock::default());
        let w = Duration::from_secs(60);
        assert!(rl.allow("a", 2, w).await);
        assert!(rl.allow("a", 2, w).await);
        assert!(!rl.allow("a", 2, w).await);
        assert!(rl.allow("b", 2, w).await);
        let short = Duration::from_millis(1);
        assert!(rl.allow("c", 1, short).await);
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(rl.allow("c", 1, short).await, "a new window starts afresh");
    }

    #[tokio::test]
    async fn remembered_keys_expire() {
        let rl = RateLimiter::local(Clock::default());
        assert!(!rl.remembered("k").await);
        rl.remember("k", Duration::from_secs(60)).await;
        assert!(rl.remembered("k").await);
        rl.remember("short", Duration::from_millis(1)).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!rl.remembered("short").await);
    }

    #[tokio::test]
    async fn windows_expire_by_their_own_length_whatever_else_is_swept() {
        let rl = RateLimiter::local(Clock::default());
        assert!(rl.allow("hour", 1, Duration::from_secs(3600)).await);
        // Filling the map sweeps it: the hour-long window must survive a
        // sweep made on behalf of a one-millisecond one.
        for i in 0..LOCAL_MAX_KEYS {
            rl.allow(&format!("k{i}"), 1, Duration::from_millis(1))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        rl.allow("one more", 1, Duration::from_millis(1)).await;
        assert!(
            !rl.allow("hour", 1, Duration::from_secs(3600)).await,
            "still counted"
        );
        let size = rl.local.windows.lock().unwrap().len();
        assert!(size < LOCAL_MAX_KEYS, "swept: {size}");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_subject(a), address_subject(b));
        assert_ne!(address_subject(a), address_subject(c));
        let mapped: std::net::IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(address_subject(mapped), "198.51.100.7");
    }

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_to_the_process_at_once() {
        // Nothing listens on port 1: every Redis call fails.
        let client = redis::Client::open("redis://127.0.0.1:1").unwrap();
        let conn = crate::app::lazy_redis(client).unwrap();
        let rl = RateLimiter::redis(conn, "t".into(), Clock::default());
        let w = Duration::from_secs(60);
        assert!(rl.allow("a", 1, w).await);
        assert!(
            !rl.allow("a", 1, w).await,
            "the limit still holds, in process"
        );
        rl.remember("k", w).await;
        assert!(rl.remembered("k").await);
    }
}
