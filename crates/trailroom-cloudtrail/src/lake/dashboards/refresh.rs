//! Refreshing a dashboard: StartDashboardRefresh, and the refreshes its schedule makes
//! ([`run_scheduled_refreshes`], from the Lake worker). A refresh fills each widget's
//! placeholders and starts its query as CloudTrail does, on the dashboard owner's behalf: each
//! store a widget reads must let `cloudtrail.amazonaws.com` run `cloudtrail:StartQuery` for this
//! dashboard (`aws:SourceArn`) through its resource policy, and a scheduled refresh needs the
//! dashboard's own policy to let CloudTrail run `cloudtrail:StartDashboardRefresh`. A widget
//! whose query cannot start is recorded as a failed query under its alias and the refresh id,
//! so DescribeQuery says why; GetDashboard's `LastRefreshFailureReason` names the first.

use std::collections::BTreeMap;
use std::sync::Arc;

use trailroom_audit::{CallContext, store_failure};
use trailroom_lake::{Lake, LakeError, QuerySpec, QueryStatus};
use trailroom_model::cloudtrail::{StartDashboardRefreshRequest, StartDashboardRefreshResponse};
use trailroom_policy::resource::allows;
use trailroom_protocol::ApiError;
use trailroom_store::Store;

use super::record::{DASHBOARD_KIND, DASHBOARD_RESOURCE_TYPE, DashboardRecord, find_dashboard};
use super::resolver;
use super::widgets::{CUSTOM_PARAMETERS, STORE_PARAMETER, fill, refresh_values};
use crate::lake::feed::FeedSources;
use crate::lake::queries::fed_stores;
use crate::lake::record::{EdsStatus, EventDataStoreRecord};
use crate::lake::{lake_error, not_found};
use crate::trails::required;

/// The service principal that runs dashboards' queries.
const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// The id of the refresh after `last` at `now_ms`: digits, increasing.
fn next_refresh_id(last: Option<&str>, now_ms: i64) -> String {
    let last = last.and_then(|l| l.parse::<i64>().ok()).unwrap_or(0);
    now_ms.max(last + 1).to_string()
}

/// Whether `policy` lets CloudTrail perform `action` on `resource` for `dashboard`.
fn lets_cloudtrail(
    policy: Option<&str>,
    action: &str,
    resource: &str,
    dashboard: &DashboardRecord,
) -> bool {
    let context = BTreeMap::from([
        ("aws:SourceArn".to_owned(), dashboard.arn.clone()),
        ("aws:SourceAccount".to_owned(), dashboard.account_id.clone()),
    ]);
    policy.is_some_and(|p| allows(p, CLOUDTRAIL, action, resource, &context))
}

/// Why CloudTrail may not query the stores `statement` reads for `dashboard`, if it may not.
fn query_refusal(
    statement: &str,
    stores: &[EventDataStoreRecord],
    dashboard: &DashboardRecord,
) -> Option<String> {
    trailroom_lake::sql::table_names(statement)
        .iter()
        .filter_map(|name| {
            stores
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(name) || s.arn == *name)
        })
        .find(|store| {
            !lets_cloudtrail(
                store.resource_policy.as_deref(),
                "cloudtrail:StartQuery",
                &store.arn,
                dashboard,
            )
        })
        .map(|store| {
            format!(
                "CloudTrail is not allowed to run StartQuery on the event data store {} for the \
                 dashboard {}: its resource policy must allow cloudtrail.amazonaws.com.",
                store.arn, dashboard.arn
            )
        })
}

/// Starts every widget's query for refresh `refresh_id`; returns the first failure, if any.
fn run_widgets(
    lake: &Arc<Lake>,
    dashboard: &DashboardRecord,
    stores: &[EventDataStoreRecord],
    values: &BTreeMap<String, String>,
    refresh_id: &str,
    now_ms: i64,
) -> Result<Option<String>, LakeError> {
    let mut first_failure = None;
    for widget in &dashboard.widgets {
        let mut spec = QuerySpec {
            account: dashboard.account_id.clone(),
            region: dashboard.home_region.clone(),
            statement: widget.statement.clone(),
            now_ms,
            alias: Some(widget.alias.clone()),
            refresh: Some(refresh_id.to_owned()),
            ..QuerySpec::default()
        };
        let outcome = match fill(&widget.statement, &widget.parameters, values) {
            Err(message) => Err(message),
            Ok(filled) => {
                spec.statement = filled;
                match query_refusal(&spec.statement, stores, dashboard) {
                    Some(refusal) => Err(refusal),
                    None => match lake.start_query(spec.clone(), &mut resolver(stores)) {
                        Ok(_) => Ok(()),
                        Err(err @ LakeError::Database(_)) => return Err(err),
                        Err(err) => Err(err.to_string()),
                    },
                }
            }
        };
        if let Err(message) = outcome {
            lake.fail_query(spec, &message)?;
            first_failure.get_or_insert(format!("{}: {message}", widget.alias));
        }
    }
    Ok(first_failure)
}

/// Records a refresh on the dashboard.
async fn record_refresh(
    store: &dyn Store,
    dashboard: &DashboardRecord,
    refresh_id: Option<String>,
    now_ms: i64,
    failure: Option<String>,
) -> Result<(), ApiError> {
    let (account, arn) = (dashboard.account_id.clone(), dashboard.arn.clone());
    trailroom_store::write(store, move |tx| {
        let Some(doc) = tx.get(&account, DASHBOARD_KIND, &arn)? else {
            return Ok(());
        };
        let mut record: DashboardRecord = doc.decode()?;
        record.refreshed(refresh_id, now_ms, failure);
        tx.put(&record.to_doc()?)
    })
    .await
    .map_err(store_failure)?
    .map_err(store_failure)
}

/// The store a Highlights refresh reads (`$EventDataStoreId$`, an id or ARN), as its id.
fn highlights_store(
    given: Option<&String>,
    stores: &[EventDataStoreRecord],
) -> Result<String, ApiError> {
    let name = given.ok_or_else(|| {
        ApiError::client(
            "InvalidParameterException",
            "Refreshing the Highlights dashboard needs $EventDataStoreId$ in QueryParameterValues.",
        )
    })?;
    let store = stores
        .iter()
        .find(|s| s.id == *name || s.arn == *name)
        .ok_or_else(|| not_found(name))?;
    if store.status == EdsStatus::PendingDeletion {
        return Err(ApiError::client(
            "InactiveEventDataStoreException",
            format!("The event data store {} is pending deletion.", store.arn),
        ));
    }
    Ok(store.id.clone())
}

/// StartDashboardRefresh.
pub(crate) async fn start_dashboard_refresh(
    ctx: &CallContext,
    input: StartDashboardRefreshRequest,
    lake: &Arc<Lake>,
    sources: FeedSources<'_>,
) -> Result<StartDashboardRefreshResponse, ApiError> {
    let id = required(input.dashboard_id, "DashboardId")?;
    let (account, region, now) = (ctx.account_id(), ctx.region(), ctx.now_ms());
    let dashboard = ctx.read(|txn| find_dashboard(txn, &id, account, region))?;
    ctx.add_resource(DASHBOARD_RESOURCE_TYPE, dashboard.arn.clone());
    let mut given = input.query_parameter_values.unwrap_or_default();
    let allowed = |key: &str| {
        CUSTOM_PARAMETERS.contains(&key) || (dashboard.managed && key == STORE_PARAMETER)
    };
    if let Some(key) = given.keys().find(|k| !allowed(k)) {
        return Err(ApiError::client(
            "InvalidParameterException",
            format!("{key} is not a query parameter of this dashboard."),
        ));
    }
    let stores = ctx.read(|txn| fed_stores(txn, lake, account, region, now, sources))?;
    if dashboard.managed {
        let store = highlights_store(given.get(STORE_PARAMETER), &stores)?;
        given.insert(STORE_PARAMETER.into(), store);
    }
    let limit = lake.limits().concurrent_queries;
    let active = lake.active_queries(account).map_err(lake_error)?;
    if active + dashboard.widgets.len() > limit {
        return Err(ApiError::client(
            "ServiceQuotaExceededException",
            format!(
                "Refreshing {} runs {} queries; {active} of the account's {limit} are running.",
                dashboard.name,
                dashboard.widgets.len()
            ),
        ));
    }
    let refresh_id = next_refresh_id(dashboard.last_refresh_id.as_deref(), now);
    let values = refresh_values(given, now);
    let failure =
        run_widgets(lake, &dashboard, &stores, &values, &refresh_id, now).map_err(lake_error)?;
    let (account, region, arn, id_out) = (
        account.to_owned(),
        region.to_owned(),
        dashboard.arn.clone(),
        refresh_id.clone(),
    );
    ctx.write(move |tx| {
        let mut record = find_dashboard(&*tx, &arn, &account, &region)?;
        record.refreshed(Some(refresh_id), now, failure);
        tx.put(&record.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(StartDashboardRefreshResponse {
            refresh_id: Some(id_out),
        })
    })
    .await
}

/// Why the dashboard's last refresh failed: a widget that could not start, or one whose query
/// failed or timed out.
pub fn last_failure(lake: &Lake, dashboard: &DashboardRecord) -> Option<String> {
    if let Some(failure) = &dashboard.last_refresh_failure {
        return Some(failure.clone());
    }
    let refresh = dashboard.last_refresh_id.as_deref()?;
    let queries = lake.refresh_queries(&dashboard.account_id, refresh).ok()?;
    // Refresh ids are the refresh's time: another dashboard refreshed in the same millisecond
    // shares one, so only this dashboard's widgets count.
    let mine = |q: &&trailroom_lake::QueryInfo| {
        q.region == dashboard.home_region
            && dashboard
                .widgets
                .iter()
                .any(|w| q.alias.as_deref() == Some(w.alias.as_str()))
    };
    queries
        .iter()
        .filter(mine)
        .find(|q| matches!(q.status, QueryStatus::Failed | QueryStatus::TimedOut))
        .map(|q| {
            format!(
                "{}: {}",
                q.alias.as_deref().unwrap_or("widget"),
                q.error.as_deref().unwrap_or("the query failed")
            )
        })
}

/// Refreshes every dashboard whose schedule is due at `now_ms`, as CloudTrail does (the
/// dashboard's policy must let it). The Highlights dashboard reads the region's oldest live
/// store. Returns how many were refreshed.
pub async fn run_scheduled_refreshes(
    store: &dyn Store,
    lake: &Arc<Lake>,
    now_ms: i64,
    sources: FeedSources<'_>,
) -> Result<usize, ApiError> {
    let due: Vec<DashboardRecord> = trailroom_store::read(store, |txn| {
        txn.list_kind(DASHBOARD_KIND)?
            .iter()
            .map(|d| d.decode::<DashboardRecord>())
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(store_failure)?
    .map_err(store_failure)?
    .into_iter()
    .filter(|d| {
        d.schedule.as_ref().is_some_and(|s| {
            s.enabled && s.next_after(d.last_refresh_ms.unwrap_or(d.created_ms)) <= now_ms
        })
    })
    .collect();
    let mut refreshed = 0;
    for dashboard in due {
        let (refresh_id, failure) = scheduled_refresh(store, lake, &dashboard, now_ms, sources)?;
        refreshed += usize::from(refresh_id.is_some());
        record_refresh(store, &dashboard, refresh_id, now_ms, failure).await?;
    }
    Ok(refreshed)
}

/// One scheduled refresh: its id when its queries started, and the first failure.
fn scheduled_refresh(
    store: &dyn Store,
    lake: &Arc<Lake>,
    dashboard: &DashboardRecord,
    now_ms: i64,
    sources: FeedSources<'_>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    if !lets_cloudtrail(
        dashboard.resource_policy.as_deref(),
        "cloudtrail:StartDashboardRefresh",
        &dashboard.arn,
        dashboard,
    ) {
        let refusal = format!(
            "CloudTrail is not allowed to refresh the dashboard {} on its schedule: its \
             resource policy must allow cloudtrail.amazonaws.com to StartDashboardRefresh.",
            dashboard.arn
        );
        return Ok((None, Some(refusal)));
    }
    let (account, region) = (&dashboard.account_id, &dashboard.home_region);
    let stores = trailroom_store::read(store, |txn| {
        fed_stores(txn, lake, account, region, now_ms, sources)
    })
    .map_err(store_failure)??;
    let mut given = BTreeMap::new();
    if dashboard.managed {
        match stores
            .iter()
            .filter(|s| s.status != EdsStatus::PendingDeletion)
            .min_by_key(|s| (s.created_ms, s.arn.clone()))
        {
            Some(oldest) => given.insert(STORE_PARAMETER.to_owned(), oldest.id.clone()),
            None => {
                let none = format!("The region {region} has no event data store to summarize.");
                return Ok((None, Some(none)));
            }
        };
    }
    let refresh_id = next_refresh_id(dashboard.last_refresh_id.as_deref(), now_ms);
    let values = refresh_values(given, now_ms);
    let failure =
        run_widgets(lake, dashboard, &stores, &values, &refresh_id, now_ms).map_err(lake_error)?;
    Ok((Some(refresh_id), failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard(name: &str) -> DashboardRecord {
        DashboardRecord {
            name: name.into(),
            arn: super::super::dashboard_arn("us-east-1", "111122223333", name),
            account_id: "111122223333".into(),
            home_region: "us-east-1".into(),
            managed: false,
            widgets: vec![super::super::record::WidgetRecord {
                alias: format!("Widget.{name}.1"),
                statement: "SELECT 1".into(),
                parameters: Vec::new(),
                view: BTreeMap::new(),
            }],
            schedule: None,
            termination_protection: false,
            tags: Vec::new(),
            resource_policy: None,
            created_ms: 0,
            updated_ms: 0,
            last_refresh_id: Some("1700000000000".into()),
            last_refresh_ms: Some(0),
            last_refresh_failure: None,
        }
    }

    /// Two dashboards refreshed in the same millisecond share a refresh id: each reports only
    /// its own widgets' failures.
    #[test]
    fn a_refresh_failure_is_the_dashboards_own() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&dir.path().join("lake.db"), Default::default()).unwrap();
        let fail = |alias: &str| {
            let spec = QuerySpec {
                account: "111122223333".into(),
                region: "us-east-1".into(),
                statement: "SELECT 1".into(),
                alias: Some(alias.into()),
                refresh: Some("1700000000000".into()),
                ..QuerySpec::default()
            };
            lake.fail_query(spec, "the store was deleted").unwrap();
        };
        fail("Widget.other.1");
        assert_eq!(last_failure(&lake, &dashboard("mine")), None);
        fail("Widget.mine.1");
        assert_eq!(
            last_failure(&lake, &dashboard("mine")).as_deref(),
            Some("Widget.mine.1: the store was deleted")
        );
    }

    #[test]
    fn refresh_ids_increase() {
        assert_eq!(next_refresh_id(None, 1_700_000_000_000), "1700000000000");
        assert_eq!(
            next_refresh_id(Some("1700000000000"), 1_700_000_000_000),
            "1700000000001"
        );
        assert_eq!(
            next_refresh_id(Some("1700000000000"), 1_700_000_000_500),
            "1700000000500"
        );
    }
}
