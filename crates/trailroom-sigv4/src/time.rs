//! Request times: the SigV4 basic format (`yyyymmddThhmmssZ`), the HTTP `Date`
//! fallback, and the clock checks (±15 minutes for header auth, the
//! `X-Amz-Expires` window for presigned requests).
//!
//! Hand-rolled civil-date arithmetic (proleptic Gregorian, UTC only) keeps this a
//! leaf crate with no date library; the caller passes "now" in, so nothing here
//! reads a clock.

use crate::error::SigV4Error;

/// Allowed distance between the request time and the server clock, in seconds.
pub(crate) const MAX_SKEW_SECS: i64 = 15 * 60;
/// The longest `X-Amz-Expires` AWS accepts: one week.
pub(crate) const MAX_PRESIGN_EXPIRES: u64 = 7 * 24 * 3600;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses a run of ASCII digits.
fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// Seconds since the epoch of validated civil fields, or `None` if out of range.
fn to_unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let ok = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61;
    ok.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses `yyyymmddThhmmssZ` into seconds since the epoch.
pub(crate) fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let [y, mo, d, h, mi, sec] = [0..4, 4..6, 6..8, 9..11, 11..13, 13..15].map(|r| digits(&s[r]));
    to_unix(y?, mo?, d?, h?, mi?, sec?)
}

/// Formats seconds since the epoch as `yyyymmddThhmmssZ`.
pub fn format_amz_date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let t = unix.rem_euclid(86_400);
    let (h, mi, s) = (t / 3600, t / 60 % 60, t % 60);
    format!("{y:04}{m:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Formats seconds since the epoch as ISO 8601 extended (`2026-01-01T00:00:00Z`).
fn format_iso8601(unix: i64) -> String {
    let mut s = format_amz_date(unix);
    for (at, c) in [(4, '-'), (7, '-'), (13, ':'), (16, ':')] {
        s.insert(at, c);
    }
    s
}

/// Converts an HTTP `Date` header (`Sun, 30 Aug 2015 12:36:00 GMT`, or the
/// `-0000`/`+0000` zone botocore writes) to `yyyymmddThhmmssZ`.
pub(crate) fn http_date_to_amz(s: &str) -> Option<String> {
    let rest = s.split_once(',').map_or(s, |(_, r)| r);
    let parts: Vec<&str> = rest.split_ascii_whitespace().collect();
    let [day, mon, year, hms, zone] = parts.as_slice() else {
        return None;
    };
    if !matches!(*zone, "GMT" | "UTC" | "UT" | "Z" | "+0000" | "-0000") {
        return None;
    }
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let mut t = hms.split(':').map(digits);
    let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
    let unix = to_unix(digits(year)?, mo, digits(day)?, h, mi, sec)?;
    Some(format_amz_date(unix))
}

/// AWS's wording for a header-auth request outside the ±15 minute window.
pub(crate) fn skew_message(request_time: &str, server_time: &str) -> String {
    let (Some(req), Some(now)) = (parse_amz_date(request_time), parse_amz_date(server_time)) else {
        return format!("Signature expired: {request_time} (server time {server_time})");
    };
    if req < now {
        let bound = format_amz_date(now - MAX_SKEW_SECS);
        format!(
            "Signature expired: {request_time} is now earlier than {bound} ({server_time} - 15 min.)"
        )
    } else {
        let bound = format_amz_date(now + MAX_SKEW_SECS);
        format!(
            "Signature not yet current: {request_time} is still later than {bound} \
             ({server_time} + 15 min.)"
        )
    }
}

/// Header auth: the request time must be within ±15 minutes of `now`.
pub(crate) fn check_skew(amz_date: &str, now: i64) -> Result<(), SigV4Error> {
    let req = parse_amz_date(amz_date).ok_or_else(|| bad_date(amz_date))?;
    match (req - now).abs() > MAX_SKEW_SECS {
        true => Err(skewed(amz_date, now)),
        false => Ok(()),
    }
}

/// Presigned: valid from the request time (less the allowed skew, for clients
/// whose clock runs ahead) until `expires` seconds after it.
pub(crate) fn check_presign_window(
    amz_date: &str,
    expires: u64,
    now: i64,
) -> Result<(), SigV4Error> {
    let req = parse_amz_date(amz_date).ok_or_else(|| bad_date(amz_date))?;
    if req - now > MAX_SKEW_SECS {
        return Err(skewed(amz_date, now));
    }
    let expires_at = req + expires.min(MAX_PRESIGN_EXPIRES) as i64;
    if now > expires_at {
        return Err(SigV4Error::PresignExpired {
            expires_at: format_iso8601(expires_at),
            server_time: format_iso8601(now),
        });
    }
    Ok(())
}

/// The error for a request time outside the allowed skew.
fn skewed(amz_date: &str, now: i64) -> SigV4Error {
    let (request_time, server_time) = (amz_date.to_owned(), format_amz_date(now));
    SigV4Error::Skewed {
        request_time,
        server_time,
    }
}

/// AWS's complaint about a request time that is not `yyyymmddThhmmssZ`.
pub(crate) fn bad_date(s: &str) -> SigV4Error {
    SigV4Error::Incomplete(format!(
        "Date must be in ISO-8601 'basic format'. Got '{s}'. \
         See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_440_938_160; // 2015-08-30T12:36:00Z

    #[test]
    fn amz_date_round_trip() {
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(T));
        assert_eq!(format_amz_date(T), "20150830T123600Z");
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(format_amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(format_iso8601(T), "2015-08-30T12:36:00Z");
        for bad in [
            "20150830T123600",
            "2015083OT123600Z",
            "20151330T123600Z",
            "",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_date() {
        let want = Some("20150830T123600Z".to_owned());
        assert_eq!(http_date_to_amz("Sun, 30 Aug 2015 12:36:00 GMT"), want);
        assert_eq!(http_date_to_amz("Sun, 30 Aug 2015 12:36:00 -0000"), want);
        assert_eq!(http_date_to_amz("Sun, 30 Aug 2015 12:36:00 +0200"), None);
        assert_eq!(http_date_to_amz("yesterday"), None);
    }

    #[test]
    fn skew_window() {
        assert!(check_skew("20150830T123600Z", T + 15 * 60).is_ok());
        assert!(check_skew("20150830T123600Z", T - 15 * 60).is_ok());
        let e = check_skew("20150830T123600Z", T + 16 * 60).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z \
             (20150830T125200Z - 15 min.)"
        );
        assert!(matches!(
            check_skew("20150830T123600Z", T - 16 * 60),
            Err(SigV4Error::Skewed { .. })
        ));
    }

    #[test]
    fn presign_window() {
        assert!(check_presign_window("20150830T123600Z", 60, T + 60).is_ok());
        let e = check_presign_window("20150830T123600Z", 60, T + 61).unwrap_err();
        assert_eq!(
            e,
            SigV4Error::PresignExpired {
                expires_at: "2015-08-30T12:37:00Z".into(),
                server_time: "2015-08-30T12:37:01Z".into()
            }
        );
        assert!(check_presign_window("20150830T123600Z", 60, T - 14 * 60).is_ok());
        assert!(check_presign_window("20150830T123600Z", 60, T - 16 * 60).is_err());
    }
}
