//! Fixed-window rate limits: in Redis when configured (shared by the fleet),
//! in process otherwise. Keys are hashed by the caller; no email or IP is
//! ever written to Redis.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use redis::aio::ConnectionManager;

#[derive(Clone)]
pub enum RateLimiter {
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
    Local(Arc<Mutex<HashMap<String, (Instant, u32)>>>),
}

const INCR_WITH_EXPIRY: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

impl RateLimiter {
    pub fn local() -> Self {
        RateLimiter::Local(Arc::default())
    }

    /// Counts one hit on `key` and tells whether it is within `limit` hits
    /// per `window`. If Redis is unreachable the hit is allowed: a limiter
    /// outage must not lock every user out.
    pub async fn allow(&self, key: &str, limit: u32, window: Duration) -> bool {
        match self {
            RateLimiter::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let result: redis::RedisResult<u32> = redis::Script::new(INCR_WITH_EXPIRY)
                    .key(format!("{prefix}:rl:{key}"))
                    .arg(window.as_secs().max(1))
                    .invoke_async(&mut conn)
                    .await;
                match result {
                    Ok(n) => n <= limit,
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limiter unavailable; allowing");
                        true
                    }
                }
            }
            RateLimiter::Local(map) => {
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                if map.len() > 100_000 {
                    map.retain(|_, (start, _)| now.duration_since(*start) < window);
                }
                let entry = map.entry(key.to_owned()).or_insert((now, 0));
                if now.duration_since(entry.0) >= window {
                    *entry = (now, 0);
                }
                entry.1 += 1;
                entry.1 <= limit
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_limiter_counts_per_key_and_window() {
        let rl = RateLimiter::local();
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
}
