//! The program's notion of "now", shared by the server and the worker.
//! Always the system clock in production; tests stop it at a chosen time to
//! exercise day boundaries, salt rotation, visits and retention. Clones
//! share one clock: a test that moves the server's moves its scheduler's.
//!
//! What the rules go by reads it: days and months, salts, visits,
//! retention cut-offs, schedule slots, the webhook tolerance, and the
//! throttles of warnings (a stopped clock stops them too, as it would any
//! expiry). Bookkeeping stamps on rows (`created_at`, a job's lease) are
//! the system's time (`trackr_entity::now`).

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc,
};

use chrono::{DateTime, Utc};

const NOT_FIXED: i64 = i64::MIN;

#[derive(Clone, Debug)]
pub struct Clock {
    fixed_ms: Arc<AtomicI64>,
}

impl Default for Clock {
    /// The system clock.
    fn default() -> Self {
        Self {
            fixed_ms: Arc::new(AtomicI64::new(NOT_FIXED)),
        }
    }
}

impl Clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self.fixed_ms.load(Ordering::Relaxed) {
            NOT_FIXED => Utc::now().timestamp_millis(),
            fixed => fixed,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_else(Utc::now)
    }

    /// Stops the clock at `at` (tests only).
    pub fn set(&self, at: DateTime<Utc>) {
        self.fixed_ms
            .store(at.timestamp_millis(), Ordering::Relaxed);
    }

    /// Back to the system clock.
    pub fn reset(&self) {
        self.fixed_ms.store(NOT_FIXED, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_clock_that_tests_stop_and_release() {
        let clock = Clock::default();
        let scheduler = clock.clone();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        clock.set(at);
        assert_eq!(scheduler.now(), at);
        assert_eq!(scheduler.now_ms(), 1_800_000_000_000);
        clock.reset();
        assert!(scheduler.now() > at - chrono::Duration::days(3650));
        assert_ne!(scheduler.now(), at);
    }
}
