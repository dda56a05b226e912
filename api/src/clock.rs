//! The server's notion of "now". Always the system clock in production;
//! tests move it to exercise day boundaries, salt rotation and visits.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

const NOT_FIXED: i64 = i64::MIN;

pub struct Clock {
    fixed_ms: AtomicI64,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            fixed_ms: AtomicI64::new(NOT_FIXED),
        }
    }
}

impl Clock {
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
