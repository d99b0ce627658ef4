//! Times as people type them on the command line: RFC 3339 (`2026-12-06T10:00:00Z`), a date
//! (`2026-12-06`, midnight UTC), a date and time without zone (UTC), or an age (`1h`, `30m`,
//! `2d`: that long before now).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Now, from the system clock (the one place the command line reads it).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms()).unwrap_or_default()
}

/// Now in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    use trailroom_audit::Clock;
    trailroom_audit::SystemClock.now_ms()
}

/// Parses `text` as of now.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time_at(text, now())
}

fn parse_time_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(time.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    if let Ok(age) = humantime::parse_duration(text) {
        let age = chrono::Duration::from_std(age).map_err(|e| e.to_string())?;
        return now
            .checked_sub_signed(age)
            .ok_or_else(|| format!("{text:?} reaches before the start of time"));
    }
    Err(format!(
        "{text:?} is not a time: use 2026-12-06T10:00:00Z, 2026-12-06, or an age such as 1h"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s: &str| parse_time_at(s, now).unwrap().to_rfc3339();
        assert_eq!(at("2026-12-06T10:00:00Z"), "2026-12-06T10:00:00+00:00");
        assert_eq!(at("2026-12-06T10:00:00+01:00"), "2026-12-06T09:00:00+00:00");
        assert_eq!(at("2026-12-06"), "2026-12-06T00:00:00+00:00");
        assert_eq!(at("2026-12-06T10:30"), "2026-12-06T10:30:00+00:00");
        assert_eq!(at("1h"), "2026-12-06T11:00:00+00:00");
        assert_eq!(at("2d"), "2026-12-04T12:00:00+00:00");
        assert!(parse_time_at("yesterday-ish", now).is_err());
    }
}
