//! Business report schedules: usage reports delivered to an S3 bucket, or through a signed
//! download link when the schedule has no bucket (a4b.md §7.4). Reports are synthetic and
//! computed when asked for (see [`report`]): ListBusinessReportSchedules shows each schedule's
//! latest delivery with a fresh 24-hour link, and the admin surface serves the report itself and
//! simulates bucket failures.

mod report;

pub use report::DEFAULT_PUBLIC_URL;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

use crate::arn::{ResourceType, new_arn};
use crate::records::announcements;
use crate::records::rooms::RoomRecord;
use crate::support::admin::{AdminAction, AdminCtx};
use crate::support::convert::merged;
use crate::support::errors::{invalid, limit_exceeded, not_found};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{binding, page};
use crate::support::tags;

use report::{Activity, Delivery, DownloadLink};

const TYPE: ResourceType = ResourceType::BusinessReportSchedule;
/// Schedules per account (no published quota; a4b.md §5.1).
const MAX_SCHEDULES: usize = 100;
/// Kind of the documents that mark a bucket as failing delivery (admin `set-report-bucket`).
const BUCKET_KIND: &str = "a4b_report_bucket";

/// A stored schedule: the model's shape without `LastBusinessReport` (always computed), plus its
/// creation time and the secret its download links are signed with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ScheduleRecord {
    #[serde(flatten)]
    schedule: BusinessReportSchedule,
    #[serde(rename = "CreatedTime", default)]
    created_ms: i64,
    #[serde(rename = "DownloadSecret", default)]
    secret: String,
}

impl ScheduleRecord {
    fn arn(&self) -> String {
        self.schedule.schedule_arn.clone().unwrap_or_default()
    }

    /// The ARN's last segment, which names the schedule in report paths and links.
    fn id(&self) -> String {
        self.arn().rsplit('/').next().unwrap_or_default().to_owned()
    }

    fn delivery(&self, now_ms: i64) -> Option<Delivery> {
        let start = self
            .schedule
            .recurrence
            .as_ref()
            .and_then(|r| r.start_date.as_deref())
            .and_then(report::parse_date);
        let period = report::interval_days(self.interval());
        report::last_delivery(self.created_ms, start, period, now_ms)
    }

    fn interval(&self) -> Option<&str> {
        self.schedule
            .content_range
            .as_ref()
            .and_then(|r| r.interval.as_deref())
    }
}

/// A recurrence must start on a date that exists (the model's pattern allows 2023-02-31).
fn check_recurrence(recurrence: Option<&BusinessReportRecurrence>) -> Result<(), ApiError> {
    match recurrence.and_then(|r| r.start_date.as_deref()) {
        Some(date) if report::parse_date(date).is_none() => Err(invalid(format!(
            "Recurrence.StartDate {date} is not a valid date."
        ))),
        _ => Ok(()),
    }
}

pub(crate) async fn create_business_report_schedule(
    ctx: &CallContext,
    input: CreateBusinessReportScheduleRequest,
) -> Result<CreateBusinessReportScheduleResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    check_recurrence(input.recurrence.as_ref())?;
    let arn = new_arn(TYPE, &account, ctx.region());
    let now = ctx.now_ms();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateBusinessReportSchedule",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            if tx.list(&account, TYPE.kind()).map_err(store_failure)?.len() >= MAX_SCHEDULES {
                return Err(limit_exceeded("business report schedules", MAX_SCHEDULES));
            }
            let record = ScheduleRecord {
                schedule: BusinessReportSchedule {
                    schedule_arn: Some(arn.clone()),
                    schedule_name: input.schedule_name.clone(),
                    s3_bucket_name: input.s3_bucket_name.clone(),
                    s3_key_prefix: input.s3_key_prefix.clone(),
                    format: input.format.clone(),
                    content_range: input.content_range.clone(),
                    recurrence: input.recurrence.clone(),
                    last_business_report: None,
                },
                created_ms: records::next_created_time(tx, &account, TYPE, now)?,
                secret,
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateBusinessReportScheduleResponse {
                schedule_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

/// Changes the members given; the content range cannot change [M].
pub(crate) async fn update_business_report_schedule(
    ctx: &CallContext,
    input: UpdateBusinessReportScheduleRequest,
) -> Result<UpdateBusinessReportScheduleResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    check_recurrence(input.recurrence.as_ref())?;
    ctx.write(move |tx| {
        let mut record =
            ScheduleRecord::require_member(tx, &account, input.schedule_arn.as_deref())?;
        let patch = UpdateBusinessReportScheduleRequest {
            schedule_arn: None,
            ..input.clone()
        };
        record.schedule = merged(&record.schedule, &patch)?;
        record.save(tx, &account)?;
        Ok(UpdateBusinessReportScheduleResponse {})
    })
    .await
}

pub(crate) async fn delete_business_report_schedule(
    ctx: &CallContext,
    input: DeleteBusinessReportScheduleRequest,
) -> Result<DeleteBusinessReportScheduleResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn =
            ScheduleRecord::require_member(tx, &account, input.schedule_arn.as_deref())?.arn();
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteBusinessReportScheduleResponse {})
    })
    .await
}

/// The failure code a bucket was set to answer with, if any.
fn bucket_failure(
    txn: &dyn ReadTxn,
    account: &str,
    bucket: &str,
) -> Result<Option<String>, ApiError> {
    let doc = txn
        .get(account, BUCKET_KIND, bucket)
        .map_err(store_failure)?;
    Ok(doc.and_then(|d| {
        d.body
            .get("FailureCode")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }))
}

/// The last report of `record` as the List operation shows it at `now_ms`.
fn last_report(
    txn: &dyn ReadTxn,
    account: &str,
    record: &ScheduleRecord,
    now_ms: i64,
    public_url: &str,
) -> Result<Option<BusinessReport>, ApiError> {
    let Some(delivery) = record.delivery(now_ms) else {
        return Ok(None);
    };
    let schedule = &record.schedule;
    let format = schedule.format.as_deref();
    let mut result = BusinessReport {
        status: Some("SUCCEEDED".into()),
        delivery_time: Some(Timestamp::from_epoch_millis(delivery.delivered_ms)),
        ..BusinessReport::default()
    };
    match &schedule.s3_bucket_name {
        Some(bucket) => match bucket_failure(txn, account, bucket)? {
            Some(code) => {
                result.status = Some("FAILED".into());
                result.failure_code = Some(code);
            }
            None => {
                let folder = schedule
                    .schedule_name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| record.id());
                let path = report::s3_path(
                    schedule.s3_key_prefix.as_deref(),
                    &folder,
                    format,
                    delivery.last_day,
                );
                result.s3_location = Some(BusinessReportS3Location {
                    path: Some(path),
                    bucket_name: Some(bucket.clone()),
                });
            }
        },
        None => {
            let path = report::download_path(
                account,
                &record.id(),
                &report::file_name(format, delivery.last_day),
            );
            let nonce = uuid::Uuid::new_v4().simple().to_string();
            result.download_url = Some(report::download_url(
                public_url,
                &path,
                &record.secret,
                now_ms,
                &nonce[..16],
            ));
        }
    }
    Ok(Some(result))
}

pub(crate) async fn list_business_report_schedules(
    ctx: &CallContext,
    input: ListBusinessReportSchedulesRequest,
    public_url: &str,
) -> Result<ListBusinessReportSchedulesResponse, ApiError> {
    let account = ctx.account_id();
    let now = ctx.now_ms();
    let schedules = ctx.read(|txn| {
        let mut records: Vec<ScheduleRecord> = records::list(txn, account, TYPE)?;
        records.sort_by_key(|r| (r.created_ms, r.arn()));
        records
            .into_iter()
            .map(|record| {
                let last = last_report(txn, account, &record, now, public_url)?;
                Ok(BusinessReportSchedule {
                    last_business_report: last,
                    ..record.schedule
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()
    })?;
    let (items, next_token) = page(
        schedules,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&"ListBusinessReportSchedules"),
    )?;
    Ok(ListBusinessReportSchedulesResponse {
        business_report_schedules: Some(items),
        next_token,
    })
}

/// A business report file: its schedule, name, the days it covers and its CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub schedule_arn: String,
    pub file_name: String,
    /// First and last day covered, `YYYY-MM-DD`.
    pub first_day: String,
    pub last_day: String,
    pub csv: String,
}

/// The report a download link ListBusinessReportSchedules handed out points at, if the link is
/// unexpired, untampered, of `account` and still names the schedule's latest report.
pub fn report_download(
    txn: &dyn ReadTxn,
    account: &str,
    url: &str,
    now_ms: i64,
) -> Result<ReportFile, ApiError> {
    let denied = || {
        ApiError::client(
            "AccessDeniedException",
            "The download link is invalid or has expired.",
        )
    };
    let link = DownloadLink::parse(url)
        .filter(|l| l.account == account)
        .ok_or_else(denied)?;
    let arn = format!(
        "arn:aws:a4b:{}:{account}:{}/{}/{}",
        crate::REGION,
        TYPE.segment(),
        crate::arn::org_id(account, crate::REGION),
        link.schedule_id
    );
    let record = records::load::<ScheduleRecord>(txn, account, TYPE, &arn)?.ok_or_else(denied)?;
    let current = report::file_name(
        record.schedule.format.as_deref(),
        record.delivery(now_ms).map_or(0, |d| d.last_day),
    );
    if !link.is_valid(&record.secret, now_ms) || link.file != current {
        return Err(denied());
    }
    report_content(txn, account, &record, now_ms)
}

/// The latest report of `record` at `now_ms`.
fn report_content(
    txn: &dyn ReadTxn,
    account: &str,
    record: &ScheduleRecord,
    now_ms: i64,
) -> Result<ReportFile, ApiError> {
    let delivery = record
        .delivery(now_ms)
        .ok_or_else(|| not_found("business report (the schedule has not started)"))?;
    let first_day = delivery.last_day - report::interval_days(record.interval()) + 1;
    let rooms = RoomRecord::all(txn, account)?;
    let sent = announcements::sent(txn, account)?;
    let activity = Activity {
        rooms: rooms
            .iter()
            .map(|r| {
                (
                    r.room.room_arn.as_deref().unwrap_or_default(),
                    r.room.room_name.as_deref().unwrap_or_default(),
                )
            })
            .collect(),
        announcements: sent
            .iter()
            .map(|a| (a.created_time, a.room_arns.as_slice()))
            .collect(),
    };
    Ok(ReportFile {
        schedule_arn: record.arn(),
        file_name: report::file_name(record.schedule.format.as_deref(), delivery.last_day),
        first_day: report::format_date(first_day),
        last_day: report::format_date(delivery.last_day),
        csv: report::csv(&activity, first_day, delivery.last_day),
    })
}

fn parse_args<T: serde::de::DeserializeOwned>(args: Value) -> Result<T, ApiError> {
    serde_json::from_value(args)
        .map_err(|e| ApiError::validation(format!("Invalid arguments: {e}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetReport {
    schedule_arn: Option<String>,
    download_url: Option<String>,
}

/// Admin: the latest report of a schedule, by ARN or by a download link ListBusinessReportSchedules
/// handed out (which must be unexpired and untampered).
fn get_business_report(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: GetReport = parse_args(args)?;
    let report = match (&args.schedule_arn, &args.download_url) {
        (Some(arn), None) => {
            let record = ScheduleRecord::require_member(tx, &ctx.account, Some(arn))?;
            report_content(tx, &ctx.account, &record, ctx.now_ms)?
        }
        (None, Some(url)) => report_download(tx, &ctx.account, url, ctx.now_ms)?,
        _ => {
            return Err(ApiError::validation(
                "Give exactly one of ScheduleArn and DownloadUrl.",
            ));
        }
    };
    Ok(json!({
        "ScheduleArn": report.schedule_arn,
        "FileName": report.file_name,
        "FirstDay": report.first_day,
        "LastDay": report.last_day,
        "Csv": report.csv,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetBucket {
    bucket_name: String,
    /// `AVAILABLE`, `NO_SUCH_BUCKET` or `ACCESS_DENIED`.
    state: String,
}

/// Admin: makes report delivery to a bucket fail (or succeed again), as a missing bucket or a
/// bucket policy without A4B's grants would.
fn set_report_bucket(
    tx: &mut dyn WriteTxn,
    ctx: &AdminCtx,
    args: Value,
) -> Result<Value, ApiError> {
    let args: SetBucket = parse_args(args)?;
    match args.state.as_str() {
        "AVAILABLE" => {
            tx.delete(&ctx.account, BUCKET_KIND, &args.bucket_name)
                .map_err(store_failure)?;
        }
        "NO_SUCH_BUCKET" | "ACCESS_DENIED" => {
            let doc = Doc::new(
                &ctx.account,
                BUCKET_KIND,
                &args.bucket_name,
                &json!({ "FailureCode": args.state }),
            )
            .map_err(store_failure)?;
            tx.put(&doc).map_err(store_failure)?;
        }
        other => {
            return Err(ApiError::validation(format!(
                "Unknown bucket state {other}."
            )));
        }
    }
    Ok(json!({ "BucketName": args.bucket_name, "State": args.state }))
}

/// Admin actions of this family (see `crate::admin`).
pub(crate) const ADMIN: &[AdminAction] = &[
    AdminAction {
        name: "get-business-report",
        about: "The latest usage report of a schedule (ScheduleArn, or a DownloadUrl from ListBusinessReportSchedules) → FileName, FirstDay, LastDay, Csv",
        run: get_business_report,
    },
    AdminAction {
        name: "set-report-bucket",
        about: "Simulate report delivery to a bucket (BucketName, State: AVAILABLE | NO_SUCH_BUCKET | ACCESS_DENIED)",
        run: set_report_bucket,
    },
];

impl Record for ScheduleRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "schedule";

    fn record_arn(&self) -> String {
        ScheduleRecord::arn(self)
    }
}
