//! The lake's own SQL functions, for the Trino functions SQLite lacks: timestamps (held as
//! Trino prints them, `2024-05-01 12:00:00.000`, so they compare as text), regular expressions
//! (the `regex` crate; Trino's are Java's, the same for the patterns queries use) and
//! `split_part`. Registered on every query connection by [`register`].

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike, Utc};
use regex::Regex;
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Value;

/// How timestamps are held and shown.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// `text` as a lake timestamp, when it is one: a date, a date and time with a space or `T`,
/// with or without fractions of a second and a zone (`Z` or `±hh:mm`, converted to UTC).
pub fn normalize_timestamp(text: &str) -> Option<String> {
    parse_timestamp(text).map(|t| format_timestamp(&t))
}

/// A lake timestamp for a time.
pub fn format_timestamp(time: &NaiveDateTime) -> String {
    time.format(TIMESTAMP_FORMAT).to_string()
}

fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(zoned) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(zoned.with_timezone(&Utc).naive_utc());
    }
    let plain = text.trim_end_matches('Z').replacen('T', " ", 1);
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&plain, format) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(&plain, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

type FnResult<T> = rusqlite::Result<T>;

fn user_error(message: String) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(message.into())
}

fn timestamp_arg(ctx: &Context<'_>, index: usize) -> FnResult<Option<NaiveDateTime>> {
    let Some(text) = ctx.get::<Option<String>>(index)? else {
        return Ok(None);
    };
    parse_timestamp(&text)
        .map(Some)
        .ok_or_else(|| user_error(format!("Value cannot be cast to timestamp: {text}")))
}

fn unit_arg(ctx: &Context<'_>, index: usize) -> FnResult<String> {
    Ok(ctx.get::<String>(index)?.to_lowercase())
}

/// `time` moved by `amount` units.
fn add(unit: &str, amount: i64, time: NaiveDateTime) -> FnResult<NaiveDateTime> {
    let months = |n: i64| -> FnResult<NaiveDateTime> {
        let shifted = match n >= 0 {
            true => time.checked_add_months(Months::new(n.unsigned_abs() as u32)),
            false => time.checked_sub_months(Months::new(n.unsigned_abs() as u32)),
        };
        shifted.ok_or_else(|| user_error("timestamp out of range".to_owned()))
    };
    let span = match unit {
        "millisecond" => Duration::milliseconds(amount),
        "second" => Duration::seconds(amount),
        "minute" => Duration::minutes(amount),
        "hour" => Duration::hours(amount),
        "day" => Duration::days(amount),
        "week" => Duration::weeks(amount),
        "month" => return months(amount),
        "quarter" => return months(amount * 3),
        "year" => return months(amount * 12),
        other => return Err(user_error(format!("'{other}' is not a valid time unit"))),
    };
    time.checked_add_signed(span)
        .ok_or_else(|| user_error("timestamp out of range".to_owned()))
}

/// Whole `unit`s from `from` to `to`.
fn diff(unit: &str, from: NaiveDateTime, to: NaiveDateTime) -> FnResult<i64> {
    let span = to - from;
    let months = || {
        let m = (to.year() - from.year()) as i64 * 12 + to.month() as i64 - from.month() as i64;
        let back = add("month", m, from).unwrap_or(from);
        match (m > 0 && back > to, m < 0 && back < to) {
            (true, _) => m - 1,
            (_, true) => m + 1,
            _ => m,
        }
    };
    Ok(match unit {
        "millisecond" => span.num_milliseconds(),
        "second" => span.num_seconds(),
        "minute" => span.num_minutes(),
        "hour" => span.num_hours(),
        "day" => span.num_days(),
        "week" => span.num_weeks(),
        "month" => months(),
        "quarter" => months() / 3,
        "year" => months() / 12,
        other => return Err(user_error(format!("'{other}' is not a valid time unit"))),
    })
}

fn truncate(unit: &str, t: NaiveDateTime) -> FnResult<NaiveDateTime> {
    let day = t.date();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or(t);
    let month_start = |month: u32| {
        NaiveDate::from_ymd_opt(t.year(), month, 1)
            .map(midnight)
            .unwrap_or(t)
    };
    Ok(match unit {
        "second" => t.with_nanosecond(0).unwrap_or(t),
        "minute" => day.and_hms_opt(t.hour(), t.minute(), 0).unwrap_or(t),
        "hour" => day.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        "day" => midnight(day),
        "week" => midnight(day - Duration::days(day.weekday().num_days_from_monday() as i64)),
        "month" => month_start(t.month()),
        "quarter" => month_start((t.month() - 1) / 3 * 3 + 1),
        "year" => month_start(1),
        other => return Err(user_error(format!("'{other}' is not a valid time unit"))),
    })
}

/// MySQL's `date_format` specifiers (Trino's) as chrono's.
fn mysql_format(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let spec = match chars.next() {
            Some('i') => "%M",
            Some('s' | 'S') => "%S",
            Some('M') => "%B",
            Some('W') => "%A",
            Some('f') => "%6f",
            Some('T') => "%H:%M:%S",
            Some('h') => "%I",
            Some('Y') => "%Y",
            Some('y') => "%y",
            Some('m') => "%m",
            Some('d') => "%d",
            Some('H') => "%H",
            Some('b') => "%b",
            Some('a') => "%a",
            Some('p') => "%p",
            Some('j') => "%j",
            Some('%') => "%%",
            Some(other) => {
                out.push(other);
                continue;
            }
            None => break,
        };
        out.push_str(spec);
    }
    out
}

fn regex_arg(ctx: &Context<'_>, index: usize) -> FnResult<Arc<Regex>> {
    ctx.get_or_create_aux(index as i32, |value| {
        let pattern = value.as_str().map_err(|e| e.to_string())?;
        Regex::new(pattern).map_err(|e| format!("Invalid regular expression {pattern}: {e}"))
    })
}

fn text_or_null(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::Text)
}

/// Registers the lake's functions on `conn`; `now` is what `now()` answers for this query.
pub fn register(conn: &Connection, now: NaiveDateTime) -> rusqlite::Result<()> {
    let pure = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let now_text = format_timestamp(&now);
    conn.create_scalar_function("lake_now", 0, pure, move |_| Ok(now_text.clone()))?;
    conn.create_scalar_function("lake_timestamp", 1, pure, |ctx| {
        Ok(timestamp_arg(ctx, 0)?.map(|t| format_timestamp(&t)))
    })?;
    conn.create_scalar_function("lake_to_iso8601", 1, pure, |ctx| {
        Ok(timestamp_arg(ctx, 0)?.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()))
    })?;
    conn.create_scalar_function("lake_date_add", 3, pure, |ctx| {
        let unit = unit_arg(ctx, 0)?;
        let (Some(amount), Some(time)) = (ctx.get::<Option<i64>>(1)?, timestamp_arg(ctx, 2)?)
        else {
            return Ok(None);
        };
        Ok(Some(format_timestamp(&add(&unit, amount, time)?)))
    })?;
    conn.create_scalar_function("lake_date_diff", 3, pure, |ctx| {
        let unit = unit_arg(ctx, 0)?;
        match (timestamp_arg(ctx, 1)?, timestamp_arg(ctx, 2)?) {
            (Some(from), Some(to)) => Ok(Some(diff(&unit, from, to)?)),
            _ => Ok(None),
        }
    })?;
    conn.create_scalar_function("lake_date_trunc", 2, pure, |ctx| {
        let unit = unit_arg(ctx, 0)?;
        Ok(match timestamp_arg(ctx, 1)? {
            Some(t) => Some(format_timestamp(&truncate(&unit, t)?)),
            None => None,
        })
    })?;
    conn.create_scalar_function("lake_date_format", 2, pure, |ctx| {
        let format = mysql_format(&ctx.get::<String>(1)?);
        Ok(timestamp_arg(ctx, 0)?.map(|t| t.format(&format).to_string()))
    })?;
    conn.create_scalar_function("regexp", 2, pure, |ctx| {
        let regex = regex_arg(ctx, 0)?;
        Ok(ctx
            .get::<Option<String>>(1)?
            .map(|text| regex.is_match(&text)))
    })?;
    for arity in [2, 3] {
        conn.create_scalar_function("lake_regexp_extract", arity, pure, move |ctx| {
            let regex = regex_arg(ctx, 1)?;
            let group = match arity {
                3 => ctx.get::<i64>(2)?.max(0) as usize,
                _ => 0,
            };
            let Some(text) = ctx.get::<Option<String>>(0)? else {
                return Ok(Value::Null);
            };
            let found = regex
                .captures(&text)
                .and_then(|c| c.get(group))
                .map(|m| m.as_str().to_owned());
            Ok(text_or_null(found))
        })?;
        conn.create_scalar_function("lake_regexp_replace", arity, pure, move |ctx| {
            let regex = regex_arg(ctx, 1)?;
            let replacement = match arity {
                3 => ctx.get::<String>(2)?,
                _ => String::new(),
            };
            let text = ctx.get::<Option<String>>(0)?;
            Ok(text.map(|t| regex.replace_all(&t, replacement.as_str()).into_owned()))
        })?;
    }
    conn.create_scalar_function("lake_split_part", 3, pure, |ctx| {
        let (Some(text), delimiter, index) = (
            ctx.get::<Option<String>>(0)?,
            ctx.get::<String>(1)?,
            ctx.get::<i64>(2)?,
        ) else {
            return Ok(Value::Null);
        };
        if index < 1 {
            return Err(user_error("Index must be greater than zero".to_owned()));
        }
        let part = match delimiter.is_empty() {
            true => Some(text).filter(|_| index == 1),
            false => text
                .split(delimiter.as_str())
                .nth(index as usize - 1)
                .map(str::to_owned),
        };
        Ok(text_or_null(part))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> NaiveDateTime {
        parse_timestamp(text).expect(text)
    }

    #[test]
    fn timestamps_normalize_from_the_forms_queries_write() {
        for (text, want) in [
            ("2024-05-01", "2024-05-01 00:00:00.000"),
            ("2024-05-01 12:30", "2024-05-01 12:30:00.000"),
            ("2024-05-01 12:30:05", "2024-05-01 12:30:05.000"),
            ("2024-05-01T12:30:05Z", "2024-05-01 12:30:05.000"),
            ("2024-05-01T12:30:05.25Z", "2024-05-01 12:30:05.250"),
            ("2024-05-01T14:30:05+02:00", "2024-05-01 12:30:05.000"),
        ] {
            assert_eq!(normalize_timestamp(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(normalize_timestamp("yesterday"), None);
    }

    #[test]
    fn date_arithmetic_matches_trino() {
        let t = ts("2024-01-31 10:00:00");
        assert_eq!(
            format_timestamp(&add("month", 1, t).unwrap()),
            "2024-02-29 10:00:00.000"
        );
        assert_eq!(
            format_timestamp(&add("day", -31, t).unwrap()),
            "2023-12-31 10:00:00.000"
        );
        assert_eq!(diff("day", ts("2024-01-01"), ts("2024-03-01")).unwrap(), 60);
        assert_eq!(
            diff("month", ts("2024-01-31"), ts("2024-02-29")).unwrap(),
            1
        );
        assert_eq!(
            diff("month", ts("2024-01-31"), ts("2024-02-28")).unwrap(),
            0
        );
        assert_eq!(
            diff("month", ts("2024-01-15"), ts("2024-03-15")).unwrap(),
            2
        );
        assert_eq!(
            diff("hour", ts("2024-01-02"), ts("2024-01-01")).unwrap(),
            -24
        );
        assert_eq!(
            format_timestamp(&truncate("week", ts("2024-05-02 13:14:15")).unwrap()),
            "2024-04-29 00:00:00.000"
        );
        assert_eq!(
            format_timestamp(&truncate("quarter", ts("2024-05-02 13:14:15")).unwrap()),
            "2024-04-01 00:00:00.000"
        );
        assert!(add("fortnight", 1, t).is_err());
    }

    #[test]
    fn functions_answer_through_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn, ts("2024-05-01 00:00:00")).unwrap();
        let one = |sql: &str| -> Option<String> {
            conn.query_row(sql, [], |r| r.get::<_, Option<String>>(0))
                .unwrap()
        };
        assert_eq!(
            one("SELECT lake_now()").as_deref(),
            Some("2024-05-01 00:00:00.000")
        );
        assert_eq!(
            one("SELECT lake_date_add('hour', 2, '2024-05-01 00:00:00.000')").as_deref(),
            Some("2024-05-01 02:00:00.000")
        );
        assert_eq!(
            one("SELECT lake_regexp_extract('abc123', '[0-9]+')").as_deref(),
            Some("123")
        );
        assert_eq!(
            one("SELECT lake_split_part('a:b:c', ':', 2)").as_deref(),
            Some("b")
        );
        assert_eq!(one("SELECT lake_split_part('a:b:c', ':', 4)"), None);
        let matched: bool = conn
            .query_row("SELECT 'CreateRoom' REGEXP '^Create'", [], |r| r.get(0))
            .unwrap();
        assert!(matched);
        assert!(
            conn.query_row("SELECT 'x' REGEXP '('", [], |r| r.get::<_, bool>(0))
                .is_err()
        );
        assert_eq!(
            one("SELECT lake_date_format('2024-05-01 13:14:15.000', '%Y/%m/%d %H:%i')").as_deref(),
            Some("2024/05/01 13:14")
        );
    }
}
