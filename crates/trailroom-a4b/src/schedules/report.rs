//! The synthetic usage reports behind business report schedules (a4b.md §7.4): when the last
//! report was delivered, which days it covers, its CSV, where it landed, and the signed download
//! link handed out for schedules without a bucket. Everything here is pure, so a report is
//! recomputed from the schedule and the recorded activity whenever it is asked for.

use sha2::{Digest, Sha256};

/// One day in milliseconds.
pub(super) const DAY_MS: i64 = 86_400_000;
/// Lifetime of a download link [M].
pub(super) const DOWNLOAD_TTL_MS: i64 = DAY_MS;
/// The server's report route, below its public base URL.
pub(super) const DOWNLOAD_PATH: &str = "/a4b/reports";

/// Where download links point when the server names no public URL.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:4570";

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A `YYYY-M(M)-D(D)` date (the model's pattern) as a day number; `None` for dates that do not
/// exist, such as 2023-02-30.
pub(super) fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// `YYYY-MM-DD` of a day number.
pub(super) fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days a report covers (and, for recurring schedules, days between deliveries).
pub(super) fn interval_days(interval: Option<&str>) -> i64 {
    match interval {
        Some("ONE_WEEK") => 7,
        Some("THIRTY_DAYS") => 30,
        _ => 1,
    }
}

/// The last delivery of a schedule at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Delivery {
    /// Last day the report covers (the day before delivery); names the report's files.
    pub last_day: i64,
    /// When it was delivered, ms since the epoch.
    pub delivered_ms: i64,
}

/// The latest delivery of a schedule created at `created_ms` at `now_ms`. Without a start date
/// the one report is delivered on creation; with one, a report is due on the start date and every
/// `period_days` after it, and a schedule created after a due date catches up on creation. `None`
/// while the start date is still ahead.
pub(super) fn last_delivery(
    created_ms: i64,
    start_day: Option<i64>,
    period_days: i64,
    now_ms: i64,
) -> Option<Delivery> {
    let Some(start) = start_day else {
        return Some(Delivery {
            last_day: created_ms.div_euclid(DAY_MS) - 1,
            delivered_ms: created_ms,
        });
    };
    let today = now_ms.div_euclid(DAY_MS);
    if today < start {
        return None;
    }
    let due = start + (today - start) / period_days.max(1) * period_days.max(1);
    Some(Delivery {
        last_day: due - 1,
        delivered_ms: (due * DAY_MS).max(created_ms),
    })
}

/// File name of a report: CSV, or the CSV zipped for `CSV_ZIP`.
pub(super) fn file_name(format: Option<&str>, last_day: i64) -> String {
    let extension = if format == Some("CSV_ZIP") {
        "zip"
    } else {
        "csv"
    };
    format!("usage_report_{}.{extension}", format_date(last_day))
}

/// The object key of a report: `<S3KeyPrefix>/<ScheduleName or id>/<date>/<file>`.
pub(super) fn s3_path(
    prefix: Option<&str>,
    folder: &str,
    format: Option<&str>,
    last_day: i64,
) -> String {
    let prefix = prefix.unwrap_or_default().trim_matches('/');
    let date = format_date(last_day);
    let file = file_name(format, last_day);
    [prefix, folder, &date, &file]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

/// Room activity a report counts.
pub(super) struct Activity<'a> {
    /// `(room ARN, room name)` of every room.
    pub rooms: Vec<(&'a str, &'a str)>,
    /// `(sent at ms, rooms reached)` of every recorded announcement.
    pub announcements: Vec<(i64, &'a [String])>,
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The report CSV: one row per covered day and room (rooms by name), counting the announcements
/// each room received that day.
pub(super) fn csv(activity: &Activity<'_>, first_day: i64, last_day: i64) -> String {
    let mut rooms = activity.rooms.clone();
    rooms.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
    let mut out = String::from("date,room_name,room_arn,announcements\n");
    for day in first_day..=last_day {
        for (arn, name) in &rooms {
            let count = activity
                .announcements
                .iter()
                .filter(|(at, reached)| {
                    at.div_euclid(DAY_MS) == day && reached.iter().any(|r| r == arn)
                })
                .count();
            out.push_str(&format!(
                "{},{},{},{count}\n",
                format_date(day),
                csv_field(name),
                arn
            ));
        }
    }
    out
}

fn signature(secret: &str, path: &str, expires_ms: i64, nonce: &str) -> String {
    let digest = Sha256::digest(format!("{secret}\n{path}\n{expires_ms}\n{nonce}").as_bytes());
    hex::encode(&digest[..16])
}

/// The URL path of a report download: `/<account>/<schedule id>/<file>` under [`DOWNLOAD_PATH`].
pub(super) fn download_path(account: &str, schedule_id: &str, file: &str) -> String {
    format!("/{account}/{schedule_id}/{file}")
}

/// A fresh download link below `public_url` (the server's base URL), valid for a day from
/// `now_ms`.
pub(super) fn download_url(
    public_url: &str,
    path: &str,
    secret: &str,
    now_ms: i64,
    nonce: &str,
) -> String {
    let expires = now_ms + DOWNLOAD_TTL_MS;
    let signature = signature(secret, path, expires, nonce);
    let base = public_url.trim_end_matches('/');
    format!("{base}{DOWNLOAD_PATH}{path}?Expires={expires}&Nonce={nonce}&Signature={signature}")
}

/// A download link taken apart: its path under [`DOWNLOAD_PATH`] and its query.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct DownloadLink {
    pub account: String,
    pub schedule_id: String,
    pub file: String,
    path: String,
    expires_ms: i64,
    nonce: String,
    signature: String,
}

impl DownloadLink {
    /// Parses a link made by [`download_url`]; `None` for anything else.
    pub fn parse(url: &str) -> Option<Self> {
        // Whatever host the link names, the route below it identifies the report.
        let (_, below) = url.split_once(DOWNLOAD_PATH)?;
        let (path, query) = below.split_once('?')?;
        let mut segments = path.strip_prefix('/')?.split('/');
        let (account, schedule_id, file) = (segments.next()?, segments.next()?, segments.next()?);
        if segments.next().is_some() {
            return None;
        }
        let param = |name: &str| {
            query.split('&').find_map(|pair| {
                pair.strip_prefix(name)?
                    .strip_prefix('=')
                    .map(str::to_owned)
            })
        };
        Some(Self {
            account: account.to_owned(),
            schedule_id: schedule_id.to_owned(),
            file: file.to_owned(),
            path: path.to_owned(),
            expires_ms: param("Expires")?.parse().ok()?,
            nonce: param("Nonce")?,
            signature: param("Signature")?,
        })
    }

    /// Whether the link was signed with `secret` and is still valid at `now_ms`.
    pub fn is_valid(&self, secret: &str, now_ms: i64) -> bool {
        now_ms <= self.expires_ms
            && signature(secret, &self.path, self.expires_ms, &self.nonce) == self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2024-2-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2023-01"), None);
        for day in [-1000, 0, 11_016, 19_782, 60_000] {
            assert_eq!(parse_date(&format_date(day)), Some(day));
        }
    }

    #[test]
    fn deliveries_follow_the_start_date_and_interval() {
        let start = parse_date("2024-01-01").unwrap();
        let created = start * DAY_MS - 5 * DAY_MS;
        assert_eq!(
            last_delivery(created, Some(start), 7, (start - 1) * DAY_MS),
            None
        );
        let at = |day: i64| (start + day) * DAY_MS + 3_600_000;
        assert_eq!(
            last_delivery(created, Some(start), 7, at(0)),
            Some(Delivery {
                last_day: start - 1,
                delivered_ms: start * DAY_MS
            })
        );
        assert_eq!(
            last_delivery(created, Some(start), 7, at(13))
                .unwrap()
                .last_day,
            start + 6
        );
        assert_eq!(
            last_delivery(created, Some(start), 1, at(13))
                .unwrap()
                .last_day,
            start + 12
        );
        // Created long after the start date: the due report is delivered on creation.
        let late = at(20);
        assert_eq!(
            last_delivery(late, Some(start), 30, late + 1)
                .unwrap()
                .delivered_ms,
            late
        );
        // One-off: delivered on creation, covering up to the day before.
        assert_eq!(
            last_delivery(late, None, 1, late + DAY_MS * 90),
            Some(Delivery {
                last_day: start + 19,
                delivered_ms: late
            })
        );
    }

    #[test]
    fn paths_skip_empty_parts() {
        let day = parse_date("2024-03-05").unwrap();
        assert_eq!(
            s3_path(Some("/reports/"), "weekly", Some("CSV"), day),
            "reports/weekly/2024-03-05/usage_report_2024-03-05.csv"
        );
        assert_eq!(
            s3_path(None, "s1", Some("CSV_ZIP"), day),
            "s1/2024-03-05/usage_report_2024-03-05.zip"
        );
    }

    #[test]
    fn csv_counts_announcements_per_room_and_day() {
        let lobby = vec!["arn:lobby".to_owned()];
        let both = vec!["arn:lobby".to_owned(), "arn:board".to_owned()];
        let activity = Activity {
            rooms: vec![("arn:lobby", "Lobby"), ("arn:board", "Board, East")],
            announcements: vec![
                (DAY_MS + 5, &lobby),
                (DAY_MS + 9, &both),
                (2 * DAY_MS, &both),
            ],
        };
        let text = csv(&activity, 1, 1);
        assert_eq!(
            text,
            "date,room_name,room_arn,announcements\n\
             1970-01-02,\"Board, East\",arn:board,1\n\
             1970-01-02,Lobby,arn:lobby,2\n"
        );
    }

    #[test]
    fn download_links_verify_and_expire() {
        let path = download_path("123456789012", "abc", "usage_report_2024-03-05.csv");
        let url = download_url(DEFAULT_PUBLIC_URL, &path, "secret", 1_000, "n1");
        let link = DownloadLink::parse(&url).unwrap();
        assert_eq!(
            (link.account.as_str(), link.schedule_id.as_str()),
            ("123456789012", "abc")
        );
        assert!(link.is_valid("secret", 1_000 + DOWNLOAD_TTL_MS));
        assert!(!link.is_valid("secret", 1_001 + DOWNLOAD_TTL_MS));
        assert!(!link.is_valid("other", 1_000));
        let forged = url.replace("Expires=", "Expires=9");
        assert!(
            !DownloadLink::parse(&forged)
                .unwrap()
                .is_valid("secret", 1_000)
        );
        assert_eq!(DownloadLink::parse("https://example.com/x?y"), None);
    }
}
