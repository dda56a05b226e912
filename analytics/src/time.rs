//! Days and ranges in a site's time zone: local days numbered since 1970,
//! their midnights in UTC, and date ranges turned into UTC millisecond
//! windows and report buckets. Reports and rollups count in these alone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{AnalyticsError, Result};

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

/// A site's zone by name (UTC for a name that is none).
pub fn timezone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01.
pub fn day_number(day: NaiveDate) -> i32 {
    (day - epoch()).num_days() as i32
}

pub fn day_date(n: i32) -> NaiveDate {
    epoch() + Duration::days(i64::from(n))
}

/// The UTC instant of local midnight starting `day` (the first instant of
/// the day where midnight does not exist because of a DST jump).
pub fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let mut t = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Local midnight starting day number `n`, in epoch milliseconds.
pub fn midnight_ms(tz: Tz, n: i32) -> i64 {
    local_midnight(tz, day_date(n)).timestamp_millis()
}

/// The local day (number) an instant falls on.
pub fn local_day(tz: Tz, ms: i64) -> i32 {
    let at = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    day_number(at.with_timezone(&tz).date_naive())
}

pub fn validate(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(AnalyticsError::bad_input(
            "range",
            "to must not be before from",
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AnalyticsError::bad_input(
            "range",
            format!("may span at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// `[from 00:00, to+1 00:00)` in the site's zone, as UTC milliseconds.
pub fn window(tz: Tz, from: NaiveDate, to: NaiveDate) -> Result<Window> {
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

/// The same dates a year before (29 February: the 28th).
pub fn year_before(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = |d: NaiveDate| d.checked_sub_months(chrono::Months::new(12)).unwrap_or(d);
    (back(from), back(to))
}

/// Buckets `(label, window)` covering the range, in the site's zone.
pub fn buckets(
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
) -> Result<Vec<(DateTime<Utc>, Window)>> {
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
        return Err(AnalyticsError::bad_input(
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

    #[test]
    fn days_round_trip_and_follow_the_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(day_date(day_number(d)), d);
        let ny = timezone("America/New_York");
        // 04:59 UTC is still the 14th in New York, 05:00 the 15th.
        let five = local_midnight(ny, d).timestamp_millis();
        assert_eq!(local_day(ny, five), day_number(d));
        assert_eq!(local_day(ny, five - 60_000), day_number(d) - 1);
        assert_eq!(midnight_ms(ny, day_number(d)), five);
    }

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
