//! The stored dashboard (`ct_dashboard`): account = owner, id = ARN
//! (`arn:aws:cloudtrail:<region>:<account>:dashboard/<name>`), name = `<region>/<name>`; and how
//! a request names one (its name or ARN).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trailroom_audit::store_failure;
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{RefreshSchedule, RefreshScheduleFrequency, Widget};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use crate::trails::TagRecord;

/// Document kind of dashboards.
pub const DASHBOARD_KIND: &str = "ct_dashboard";
/// `resources[].type` of a dashboard a call names.
pub const DASHBOARD_RESOURCE_TYPE: &str = "AWS::CloudTrail::Dashboard";

/// A widget: its query (with `?` placeholders), their parameters and how it is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WidgetRecord {
    /// `QueryAlias`: how DescribeQuery and StartQuery name the widget's query.
    pub alias: String,
    /// `QueryStatement`.
    pub statement: String,
    /// `QueryParameters`: one per `?`, literal or `$StartTime$`, `$EndTime$`, `$Period$`,
    /// `$EventDataStoreId$`.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// `ViewProperties`.
    #[serde(default)]
    pub view: BTreeMap<String, String>,
}

impl WidgetRecord {
    /// The widget as the API shows it.
    pub fn to_wire(&self) -> Widget {
        Widget {
            query_alias: Some(self.alias.clone()),
            query_statement: Some(self.statement.clone()),
            query_parameters: (!self.parameters.is_empty()).then(|| self.parameters.clone()),
            view_properties: Some(self.view.clone()),
        }
    }
}

/// `RefreshSchedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleRecord {
    /// `HOURS` or `DAYS`.
    pub unit: String,
    /// Hours (1, 6, 12, 24) or days (1) between refreshes.
    pub value: i32,
    /// Whether the schedule runs.
    pub enabled: bool,
    /// `HH:MM` UTC: the first refresh of each day (hourly schedules use its minutes).
    pub time_of_day: String,
}

impl ScheduleRecord {
    /// The schedule as the API shows it.
    pub fn to_wire(&self) -> RefreshSchedule {
        RefreshSchedule {
            frequency: Some(RefreshScheduleFrequency {
                unit: Some(self.unit.clone()),
                value: Some(self.value),
            }),
            status: Some(if self.enabled { "ENABLED" } else { "DISABLED" }.to_owned()),
            time_of_day: Some(self.time_of_day.clone()),
        }
    }

    /// Milliseconds between refreshes.
    pub fn period_ms(&self) -> i64 {
        let hours = if self.unit == "DAYS" {
            24 * i64::from(self.value)
        } else {
            i64::from(self.value)
        };
        hours.max(1) * 3_600_000
    }

    /// Milliseconds after midnight UTC of the day's first refresh.
    fn offset_ms(&self) -> i64 {
        let (hours, minutes) = self.time_of_day.split_once(':').unwrap_or(("0", "0"));
        let hours: i64 = hours.parse().unwrap_or(0);
        let minutes: i64 = minutes.get(..2).unwrap_or(minutes).parse().unwrap_or(0);
        let offset = (hours * 60 + minutes) * 60_000;
        offset.rem_euclid(self.period_ms())
    }

    /// The first scheduled time after `after_ms`: refreshes fall on midnight UTC plus the time
    /// of day, plus whole periods.
    pub fn next_after(&self, after_ms: i64) -> i64 {
        let period = self.period_ms();
        let offset = self.offset_ms();
        let slots = (after_ms - offset).div_euclid(period) + 1;
        offset + slots * period
    }
}

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DashboardRecord {
    /// `Name`.
    pub name: String,
    /// `DashboardArn`.
    pub arn: String,
    /// The owner.
    pub account_id: String,
    /// Its region.
    pub home_region: String,
    /// `Type` `MANAGED` (the Highlights dashboard) rather than `CUSTOM`.
    pub managed: bool,
    /// Widgets.
    #[serde(default)]
    pub widgets: Vec<WidgetRecord>,
    /// `RefreshSchedule`.
    #[serde(default)]
    pub schedule: Option<ScheduleRecord>,
    /// `TerminationProtectionEnabled`.
    #[serde(default)]
    pub termination_protection: bool,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<TagRecord>,
    /// The resource policy (lets CloudTrail refresh it on schedule).
    #[serde(default)]
    pub resource_policy: Option<String>,
    /// Created, ms.
    pub created_ms: i64,
    /// Last updated, ms.
    pub updated_ms: i64,
    /// `LastRefreshId`.
    #[serde(default)]
    pub last_refresh_id: Option<String>,
    /// When the last refresh started, ms.
    #[serde(default)]
    pub last_refresh_ms: Option<i64>,
    /// Why the last refresh could not start its queries, when it could not.
    #[serde(default)]
    pub last_refresh_failure: Option<String>,
}

impl DashboardRecord {
    /// The stored document.
    pub fn to_doc(&self) -> trailroom_store::StoreResult<trailroom_store::Doc> {
        Ok(
            trailroom_store::Doc::new(&self.account_id, DASHBOARD_KIND, &self.arn, self)?
                .with_name(format!("{}/{}", self.home_region, self.name)),
        )
    }

    /// `Type`.
    pub fn type_name(&self) -> &'static str {
        if self.managed { "MANAGED" } else { "CUSTOM" }
    }

    /// `Status`: `CREATED` until it is first updated.
    pub fn status(&self) -> &'static str {
        if self.updated_ms > self.created_ms {
            "UPDATED"
        } else {
            "CREATED"
        }
    }

    /// Notes a refresh at `now_ms`: its id when its queries started, and its first failure.
    pub fn refreshed(&mut self, refresh_id: Option<String>, now_ms: i64, failure: Option<String>) {
        if refresh_id.is_some() {
            self.last_refresh_id = refresh_id;
        }
        self.last_refresh_ms = Some(now_ms);
        self.last_refresh_failure = failure;
    }

    /// The widgets as the API shows them.
    pub fn wire_widgets(&self) -> Vec<Widget> {
        self.widgets.iter().map(WidgetRecord::to_wire).collect()
    }

    /// `CreatedTimestamp`.
    pub fn created(&self) -> Timestamp {
        Timestamp::from_epoch_millis(self.created_ms)
    }

    /// `UpdatedTimestamp`.
    pub fn updated(&self) -> Timestamp {
        Timestamp::from_epoch_millis(self.updated_ms)
    }
}

/// A dashboard's ARN.
pub fn dashboard_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:dashboard/{name}")
}

/// Whether `name` is a dashboard name (3–128 of letters, digits, `_` and `-`).
pub fn is_dashboard_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn not_found(name: &str) -> ApiError {
    ApiError::client(
        "ResourceNotFoundException",
        format!("The dashboard {name} was not found."),
    )
}

/// The ARN a request's `DashboardId` (a name or an ARN) stands for, in the caller's account and
/// region; an ARN of another account or region, or not a dashboard's, names nothing here.
pub fn dashboard_ref(id: &str, account: &str, region: &str) -> Result<String, ApiError> {
    match id.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            match parts.as_slice() {
                [_, "cloudtrail", r, a, resource]
                    if *r == region
                        && *a == account
                        && resource
                            .strip_prefix("dashboard/")
                            .is_some_and(is_dashboard_name) =>
                {
                    Ok(id.to_owned())
                }
                _ => Err(not_found(id)),
            }
        }
        None if is_dashboard_name(id) => Ok(dashboard_arn(region, account, id)),
        None => Err(not_found(id)),
    }
}

/// The dashboard a request names.
pub fn find_dashboard(
    txn: &dyn ReadTxn,
    id: &str,
    account: &str,
    region: &str,
) -> Result<DashboardRecord, ApiError> {
    let arn = dashboard_ref(id, account, region)?;
    txn.get(account, DASHBOARD_KIND, &arn)
        .map_err(store_failure)?
        .map(|doc| doc.decode())
        .transpose()
        .map_err(store_failure)?
        .ok_or_else(|| not_found(id))
}

/// The account's dashboards in `region`, by name.
pub fn dashboards_in(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
) -> Result<Vec<DashboardRecord>, ApiError> {
    let mut out: Vec<DashboardRecord> = txn
        .list(account, DASHBOARD_KIND)
        .map_err(store_failure)?
        .iter()
        .map(|doc| doc.decode::<DashboardRecord>())
        .collect::<Result<_, _>>()
        .map_err(store_failure)?;
    out.retain(|d| d.home_region == region);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(unit: &str, value: i32, time_of_day: &str) -> ScheduleRecord {
        ScheduleRecord {
            unit: unit.into(),
            value,
            enabled: true,
            time_of_day: time_of_day.into(),
        }
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn daily_schedules_fall_on_the_time_of_day() {
        let daily = schedule("DAYS", 1, "06:30");
        let at = 10 * DAY + 6 * HOUR + 30 * 60_000;
        assert_eq!(daily.next_after(10 * DAY), at);
        assert_eq!(daily.next_after(at - 1), at);
        assert_eq!(daily.next_after(at), at + DAY);
    }

    #[test]
    fn hourly_schedules_use_the_minutes() {
        let hourly = schedule("HOURS", 1, "00:15");
        assert_eq!(hourly.next_after(5 * HOUR), 5 * HOUR + 15 * 60_000);
        assert_eq!(
            hourly.next_after(5 * HOUR + 15 * 60_000),
            6 * HOUR + 15 * 60_000
        );
        let six = schedule("HOURS", 6, "00:00");
        assert_eq!(six.next_after(DAY + 1), DAY + 6 * HOUR);
        assert_eq!(six.next_after(DAY - 1), DAY);
    }

    #[test]
    fn dashboards_are_named_by_name_or_arn() {
        let arn = dashboard_ref("ops-view", "111122223333", "us-east-1").unwrap();
        assert_eq!(
            arn,
            "arn:aws:cloudtrail:us-east-1:111122223333:dashboard/ops-view"
        );
        assert_eq!(
            dashboard_ref(&arn, "111122223333", "us-east-1").unwrap(),
            arn
        );
        for other in [
            "arn:aws:cloudtrail:eu-west-1:111122223333:dashboard/ops-view",
            "arn:aws:cloudtrail:us-east-1:444455556666:dashboard/ops-view",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/ops-view",
            "no",
            "has space",
        ] {
            let err = dashboard_ref(other, "111122223333", "us-east-1").unwrap_err();
            assert_eq!(err.code(), "ResourceNotFoundException", "{other}");
        }
    }
}
