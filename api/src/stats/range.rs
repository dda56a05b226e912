//! Date ranges in a site's time zone, turned into UTC millisecond windows
//! and report buckets.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::{error::ApiResult, ApiError};

/// Longest range a report may cover.
const MAX_DAYS: i64 = 5 * 366;
/// Most buckets a timeseries may have.
pub const MAX_BUCKETS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hour,
    Day,
    Week,
    Month,
}

pub use trackr_worker::jobs::rollup::local_midnight;

pub fn validate(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if to < from {
        return Err(ApiError::bad_input("range", "to must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_input(
            "range",
            format!("may span at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// `[from 00:00, to+1 00:00)` in the site's zone, as UTC milliseconds.
pub fn window(tz: Tz, from: NaiveDate, to: NaiveDate) -> ApiResult<Window> {
    validate(from, to)?;
    Ok(Window {
        from_ms: local_midnight(tz, from).timestamp_millis(),
        to_ms: local_midnight(tz, to + Duration::days(1)).timestamp_millis(),
    })
}

/// The period of equal length just before `[from, to]`.
pub fn previous(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = (to - from).num_days() + 1;
    (from - Duration::days(days), from - Duration::days(1))
}

/// Buckets `(label, window)` covering the range, in the site's zone.
pub fn buckets(
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
) -> ApiResult<Vec<(DateTime<Utc>, Window)>> {
    let whole = window(tz, from, to)?;
    let mut starts: Vec<i64> = Vec::new();
    match interval {
        Interval::Hour => {
            let mut t = whole.from_ms;
            while t < whole.to_ms {
                starts.push(t);
                t += 3_600_000;
                if starts.len() > MAX_BUCKETS {
                    break;
                }
            }
        }
        Interval::Day | Interval::Week | Interval::Month => {
            let mut day = from;
            while day <= to {
                let starts_bucket = match interval {
                    Interval::Day => true,
                    Interval::Week => day == from || day.weekday() == chrono::Weekday::Mon,
                    _ => day == from || day.day() == 1,
                };
                if starts_bucket {
                    starts.push(local_midnight(tz, day).timestamp_millis());
                }
                day += Duration::days(1);
                if starts.len() > MAX_BUCKETS {
                    break;
                }
            }
        }
    }
    if starts.len() > MAX_BUCKETS {
        return Err(ApiError::bad_input(
            "interval",
            format!(
                "gives more than {MAX_BUCKETS} points for this range; choose a coarser interval"
            ),
        ));
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(whole.to_ms);
        let label = DateTime::from_timestamp_millis(*s).unwrap_or_default();
        out.push((
            label,
            Window {
                from_ms: *s,
                to_ms: e,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows_follow_the_time_zone() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let w = window(tz, d("2026-01-10"), d("2026-01-10")).unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(w.from_ms)
                .unwrap()
                .to_rfc3339(),
            "2026-01-10T05:00:00+00:00"
        );
        assert_eq!(w.to_ms - w.from_ms, 86_400_000);
        // The day DST starts has 23 hours.
        let dst = window(tz, d("2026-03-08"), d("2026-03-08")).unwrap();
        assert_eq!(dst.to_ms - dst.from_ms, 23 * 3_600_000);
    }

    #[test]
    fn buckets_cover_the_range_without_gaps() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let days = buckets(tz, d("2026-03-01"), d("2026-03-31"), Interval::Day).unwrap();
        assert_eq!(days.len(), 31);
        let weeks = buckets(tz, d("2026-03-01"), d("2026-03-31"), Interval::Week).unwrap();
        assert_eq!(weeks.len(), 6, "Sun 1st, then Mondays 2, 9, 16, 23, 30");
        let months = buckets(tz, d("2026-01-15"), d("2026-03-31"), Interval::Month).unwrap();
        assert_eq!(months.len(), 3);
        let hours = buckets(tz, d("2026-03-29"), d("2026-03-29"), Interval::Hour).unwrap();
        assert_eq!(hours.len(), 23, "the DST day");
        for w in [&days, &weeks, &months, &hours] {
            for pair in w.windows(2) {
                assert_eq!(pair[0].1.to_ms, pair[1].1.from_ms);
            }
        }
        assert!(buckets(tz, d("2020-01-01"), d("2026-01-01"), Interval::Hour).is_err());
        assert_eq!(
            previous(d("2026-03-10"), d("2026-03-16")),
            (d("2026-03-03"), d("2026-03-09"))
        );
    }
}
