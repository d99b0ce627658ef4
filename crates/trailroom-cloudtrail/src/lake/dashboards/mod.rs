//! Dashboards: CreateDashboard, GetDashboard, ListDashboards, UpdateDashboard,
//! DeleteDashboard and StartDashboardRefresh ([`refresh`]). A dashboard is a set of widgets,
//! each a Lake query with `?` placeholders ([`widgets`]); a refresh runs every widget's query
//! (named by its `QueryAlias` and the refresh's `RefreshId`), on demand or on the dashboard's
//! schedule. The Highlights dashboard is CloudTrail's own ([`highlights`]).

pub mod highlights;
pub mod record;
pub mod refresh;
pub mod widgets;

use trailroom_audit::{CallContext, store_failure};
use trailroom_lake::LakeError;
use trailroom_model::cloudtrail::{
    CreateDashboardRequest, CreateDashboardResponse, DashboardDetail, DeleteDashboardRequest,
    DeleteDashboardResponse, GetDashboardRequest, GetDashboardResponse, ListDashboardsRequest,
    ListDashboardsResponse, RefreshSchedule, RequestWidget, UpdateDashboardRequest,
    UpdateDashboardResponse,
};
use trailroom_protocol::ApiError;

use super::page;
use super::queries::region_stores;
use super::record::EventDataStoreRecord;
use crate::trails::{checked_tags, required, tags_to_wire};
use highlights::HIGHLIGHTS;
pub use record::{
    DASHBOARD_KIND, DASHBOARD_RESOURCE_TYPE, DashboardRecord, dashboard_arn, dashboard_ref,
    dashboards_in, find_dashboard,
};
use record::{ScheduleRecord, WidgetRecord};

/// Dashboards per account and region.
pub const MAX_DASHBOARDS_PER_REGION: usize = 100;

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// A requested refresh schedule, checked: hours 1, 6, 12 or 24, or one day; a `HH:MM` time of
/// day (default `00:00`); the Highlights dashboard refreshes every six hours.
fn checked_schedule(
    requested: &RefreshSchedule,
    managed: bool,
) -> Result<ScheduleRecord, ApiError> {
    let frequency = requested.frequency.clone().unwrap_or_default();
    let unit = frequency.unit.unwrap_or_else(|| "HOURS".into());
    let value = frequency.value.unwrap_or(if managed { 6 } else { 1 });
    let allowed = match (managed, unit.as_str()) {
        (true, "HOURS") => value == 6,
        (false, "HOURS") => [1, 6, 12, 24].contains(&value),
        (false, "DAYS") => value == 1,
        _ => false,
    };
    if !allowed {
        return Err(invalid_parameter(match managed {
            true => "The Highlights dashboard refreshes every 6 HOURS.".to_owned(),
            false => format!(
                "A refresh every {value} {unit} is not supported: HOURS takes 1, 6, 12 or 24, \
                 DAYS takes 1."
            ),
        }));
    }
    let time_of_day = requested
        .time_of_day
        .clone()
        .unwrap_or_else(|| "00:00".into());
    let valid_time = time_of_day.len() == 5
        && time_of_day
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .is_some_and(|(h, m)| h < 24 && m < 60);
    if !valid_time {
        return Err(invalid_parameter(format!(
            "TimeOfDay must be HH:MM in UTC: {time_of_day}"
        )));
    }
    Ok(ScheduleRecord {
        unit,
        value,
        enabled: requested.status.as_deref() == Some("ENABLED"),
        time_of_day,
    })
}

/// The store a widget's table name names: a live store of the caller in the calling region.
fn resolver(stores: &[EventDataStoreRecord]) -> impl FnMut(&str) -> Result<String, LakeError> {
    move |name: &str| super::queries::resolve(stores, name)
}

/// A custom dashboard's widgets as requested, checked against the caller's stores.
fn requested_widgets(
    ctx: &CallContext,
    dashboard: &str,
    requested: &[RequestWidget],
) -> Result<Vec<WidgetRecord>, ApiError> {
    let now = ctx.now_ms();
    let stores = ctx.read(|txn| region_stores(txn, ctx.account_id(), ctx.region(), now))?;
    widgets::checked_widgets(dashboard, requested, now, &mut resolver(&stores))
}

/// CreateDashboard.
pub(crate) async fn create_dashboard(
    ctx: &CallContext,
    input: CreateDashboardRequest,
) -> Result<CreateDashboardResponse, ApiError> {
    let name = required(input.name, "Name")?;
    let managed = name == HIGHLIGHTS;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let arn = dashboard_arn(&region, &account, &name);
    ctx.add_resource(DASHBOARD_RESOURCE_TYPE, arn.clone());
    let schedule = input
        .refresh_schedule
        .as_ref()
        .map(|s| checked_schedule(s, managed))
        .transpose()?;
    let widgets = match managed {
        true => {
            if input.widgets.as_ref().is_some_and(|w| !w.is_empty()) {
                return Err(invalid_parameter(
                    "The Highlights dashboard's widgets are CloudTrail's: do not specify Widgets.",
                ));
            }
            if !schedule.as_ref().is_some_and(|s| s.enabled) {
                return Err(invalid_parameter(
                    "The Highlights dashboard needs an ENABLED RefreshSchedule of 6 HOURS.",
                ));
            }
            highlights::widgets()
        }
        false => requested_widgets(ctx, &name, input.widgets.as_deref().unwrap_or_default())?,
    };
    let tags = checked_tags(&[], input.tags_list.as_deref().unwrap_or_default())?;
    let record = DashboardRecord {
        name,
        arn,
        account_id: account.clone(),
        home_region: region.clone(),
        managed,
        widgets,
        schedule,
        termination_protection: input.termination_protection_enabled.unwrap_or(false),
        tags,
        resource_policy: None,
        created_ms: now,
        updated_ms: now,
        last_refresh_id: None,
        last_refresh_ms: None,
        last_refresh_failure: None,
    };
    ctx.write(move |tx| {
        if tx
            .get(&account, DASHBOARD_KIND, &record.arn)
            .map_err(store_failure)?
            .is_some()
        {
            return Err(ApiError::client(
                "ConflictException",
                format!("A dashboard named {} already exists.", record.name),
            ));
        }
        if dashboards_in(&*tx, &account, &region)?.len() >= MAX_DASHBOARDS_PER_REGION {
            return Err(ApiError::client(
                "ServiceQuotaExceededException",
                format!(
                    "Your account has the maximum number of dashboards in {region} \
                     ({MAX_DASHBOARDS_PER_REGION})."
                ),
            ));
        }
        tx.put(&record.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(CreateDashboardResponse {
            dashboard_arn: Some(record.arn.clone()),
            name: Some(record.name.clone()),
            type_: Some(record.type_name().to_owned()),
            widgets: Some(record.wire_widgets()),
            tags_list: (!record.tags.is_empty()).then(|| tags_to_wire(&record.tags)),
            refresh_schedule: record.schedule.as_ref().map(ScheduleRecord::to_wire),
            termination_protection_enabled: Some(record.termination_protection),
        })
    })
    .await
}

/// GetDashboard. `LastRefreshFailureReason` says why the last refresh could not start a
/// widget's query, or why one of them failed.
pub(crate) fn get_dashboard(
    ctx: &CallContext,
    input: GetDashboardRequest,
    lake: &trailroom_lake::Lake,
) -> Result<GetDashboardResponse, ApiError> {
    let id = required(input.dashboard_id, "DashboardId")?;
    let dashboard = ctx.read(|txn| find_dashboard(txn, &id, ctx.account_id(), ctx.region()))?;
    ctx.add_resource(DASHBOARD_RESOURCE_TYPE, dashboard.arn.clone());
    let failure = refresh::last_failure(lake, &dashboard);
    Ok(GetDashboardResponse {
        dashboard_arn: Some(dashboard.arn.clone()),
        type_: Some(dashboard.type_name().to_owned()),
        status: Some(dashboard.status().to_owned()),
        widgets: Some(dashboard.wire_widgets()),
        refresh_schedule: dashboard.schedule.as_ref().map(ScheduleRecord::to_wire),
        created_timestamp: Some(dashboard.created()),
        updated_timestamp: Some(dashboard.updated()),
        last_refresh_id: dashboard.last_refresh_id.clone(),
        last_refresh_failure_reason: failure,
        termination_protection_enabled: Some(dashboard.termination_protection),
    })
}

/// ListDashboards: by name, filtered by prefix and type.
pub(crate) fn list_dashboards(
    ctx: &CallContext,
    input: ListDashboardsRequest,
) -> Result<ListDashboardsResponse, ApiError> {
    let mut dashboards = ctx.read(|txn| dashboards_in(txn, ctx.account_id(), ctx.region()))?;
    if let Some(prefix) = &input.name_prefix {
        dashboards.retain(|d| d.name.starts_with(prefix.as_str()));
    }
    if let Some(kind) = &input.type_ {
        dashboards.retain(|d| d.type_name() == kind);
    }
    let (page, next_token) = page(
        &dashboards,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListDashboardsResponse {
        dashboards: Some(
            page.iter()
                .map(|d| DashboardDetail {
                    dashboard_arn: Some(d.arn.clone()),
                    type_: Some(d.type_name().to_owned()),
                })
                .collect(),
        ),
        next_token,
    })
}

/// UpdateDashboard: replaces the widgets and the schedule given; the Highlights dashboard's
/// widgets stay CloudTrail's.
pub(crate) async fn update_dashboard(
    ctx: &CallContext,
    input: UpdateDashboardRequest,
) -> Result<UpdateDashboardResponse, ApiError> {
    let id = required(input.dashboard_id, "DashboardId")?;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let current = ctx.read(|txn| find_dashboard(txn, &id, &account, &region))?;
    ctx.add_resource(DASHBOARD_RESOURCE_TYPE, current.arn.clone());
    let schedule = input
        .refresh_schedule
        .as_ref()
        .map(|s| checked_schedule(s, current.managed))
        .transpose()?;
    let widgets = match (&input.widgets, current.managed) {
        (None, _) => None,
        (Some(_), true) => {
            return Err(ApiError::client(
                "UnsupportedOperationException",
                "The Highlights dashboard's widgets cannot be changed.",
            ));
        }
        (Some(requested), false) => Some(requested_widgets(ctx, &current.name, requested)?),
    };
    ctx.write(move |tx| {
        let mut record = find_dashboard(&*tx, &id, &account, &region)?;
        if let Some(widgets) = widgets {
            record.widgets = widgets;
        }
        if schedule.is_some() {
            record.schedule = schedule;
        }
        if let Some(protect) = input.termination_protection_enabled {
            record.termination_protection = protect;
        }
        record.updated_ms = now.max(record.created_ms + 1);
        tx.put(&record.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(UpdateDashboardResponse {
            dashboard_arn: Some(record.arn.clone()),
            name: Some(record.name.clone()),
            type_: Some(record.type_name().to_owned()),
            widgets: Some(record.wire_widgets()),
            refresh_schedule: record.schedule.as_ref().map(ScheduleRecord::to_wire),
            termination_protection_enabled: Some(record.termination_protection),
            created_timestamp: Some(record.created()),
            updated_timestamp: Some(record.updated()),
        })
    })
    .await
}

/// DeleteDashboard, unless termination protection is on.
pub(crate) async fn delete_dashboard(
    ctx: &CallContext,
    input: DeleteDashboardRequest,
) -> Result<DeleteDashboardResponse, ApiError> {
    let id = required(input.dashboard_id, "DashboardId")?;
    let (account, region) = (ctx.account_id().to_owned(), ctx.region().to_owned());
    let arn = dashboard_ref(&id, &account, &region)?;
    ctx.add_resource(DASHBOARD_RESOURCE_TYPE, arn);
    ctx.write(move |tx| {
        let record = find_dashboard(&*tx, &id, &account, &region)?;
        if record.termination_protection {
            return Err(ApiError::client(
                "ConflictException",
                format!(
                    "The dashboard {} has termination protection enabled; disable it before \
                     deleting the dashboard.",
                    record.name
                ),
            ));
        }
        tx.delete(&account, DASHBOARD_KIND, &record.arn)
            .map_err(store_failure)?;
        Ok(DeleteDashboardResponse {})
    })
    .await
}
