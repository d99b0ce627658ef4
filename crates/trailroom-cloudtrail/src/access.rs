//! What each CloudTrail call needs permission for: `cloudtrail:<Operation>` on the trail the
//! request names (by name, in the caller's region and account, or by ARN), on the event data
//! store it names (by id or ARN; for StartQuery, every store its SQL reads), or on `*` for calls
//! about neither (LookupEvents, DescribeTrails, ListTrails, ListPublicKeys, ListEventDataStores;
//! and the calls that name a query, not a store: DescribeQuery, GetQueryResults, CancelQuery,
//! which only ever see the caller's own account's queries), or on the dashboard it names (by name
//! or ARN). A store's resource policy and owner
//! come with its accesses, so another account's StartQuery needs the policy's grant. Tags in CreateTrail
//! and AddTags are the `aws:RequestTag/*` and `aws:TagKeys` condition keys; a named trail's own
//! tags are `aws:ResourceTag/*` ([`add_resource_tags`]).

use serde_json::Value;
use trailroom_authz::Access;
use trailroom_model::cloudtrail::Operation;

use crate::trails::trail_arn;

/// Adds each named trail's tags as `aws:ResourceTag/*`.
pub fn add_resource_tags(
    txn: &dyn trailroom_store::ReadTxn,
    caller_account: &str,
    accesses: Vec<Access>,
) -> Result<Vec<Access>, trailroom_protocol::ApiError> {
    accesses
        .into_iter()
        .map(|access| {
            let Some(account) = access.resource.split(':').nth(4).filter(|a| !a.is_empty()) else {
                return Ok(access);
            };
            if access.resource.contains(":eventdatastore/") {
                let account = account.to_owned();
                return store_facts(txn, &account, caller_account, access);
            }
            let trail = txn
                .get(account, crate::trails::TRAIL_KIND, &access.resource)
                .map_err(trailroom_audit::store_failure)?
                .and_then(|doc| doc.decode::<crate::trails::TrailRecord>().ok());
            Ok(match trail {
                Some(trail) => {
                    let tags: Vec<(String, String)> = trail
                        .tags
                        .iter()
                        .map(|t| (t.key.clone(), t.value.clone().unwrap_or_default()))
                        .collect();
                    access.with_resource_tags(tags.iter().map(|(k, v)| (k, v)))
                }
                None => access,
            })
        })
        .collect()
}

/// An event data store's tags, owner and resource policy, for the access naming it. An
/// organization store is the caller's own to administer when the caller is the organization's
/// delegated administrator: its identity policies decide, as for its own stores.
fn store_facts(
    txn: &dyn trailroom_store::ReadTxn,
    account: &str,
    caller_account: &str,
    access: Access,
) -> Result<Access, trailroom_protocol::ApiError> {
    let store = txn
        .get(account, crate::lake::EDS_KIND, &access.resource)
        .map_err(trailroom_audit::store_failure)?
        .and_then(|doc| doc.decode::<crate::lake::EventDataStoreRecord>().ok());
    let Some(store) = store else {
        return Ok(access.owned_by(account));
    };
    let account = match crate::lake::administers(txn, caller_account, &store)? {
        true => caller_account,
        false => account,
    };
    let tags: Vec<(String, String)> = store
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone().unwrap_or_default()))
        .collect();
    let access = access
        .with_resource_tags(tags.iter().map(|(k, v)| (k, v)))
        .owned_by(account);
    Ok(match store.resource_policy {
        Some(policy) => access.with_resource_policy(policy, account.to_owned()),
        None => access,
    })
}

/// The accesses `op` with rendered input `parameters` needs.
pub fn accesses(
    op: Operation,
    parameters: Option<&Value>,
    region: &str,
    account: &str,
) -> Vec<Access> {
    if op == Operation::ListInsightsMetricData {
        return insights_metric_accesses(parameters, region, account);
    }
    let action = format!("cloudtrail:{}", op.name());
    let arn = |name: &str| match name.starts_with("arn:") {
        true => name.to_owned(),
        false => trail_arn(region, account, name),
    };
    // StartQuery may name another account's stores (shared by their resource policy).
    let owner = parameters
        .and_then(|p| p.get("eventDataStoreOwnerAccountId"))
        .and_then(Value::as_str)
        .unwrap_or(account);
    let store_arn = |name: &str| match name.starts_with("arn:") {
        true => name.to_owned(),
        false => crate::lake::eds_arn(region, owner, name),
    };
    let dashboard_arn = |name: &str| match name.starts_with("arn:") {
        true => name.to_owned(),
        false => crate::lake::dashboards::dashboard_arn(region, account, name),
    };
    let mut resources: Vec<String> = Vec::new();
    if let Some(Value::Object(members)) = parameters {
        if let Some(Value::String(dashboard)) = members.get("dashboardId") {
            resources.push(dashboard_arn(dashboard));
        }
        if let (Operation::CreateDashboard, Some(Value::String(name))) = (op, members.get("name")) {
            resources.push(dashboard_arn(name));
        }
        let named = match op {
            Operation::CreateDashboard => ["trailName", "resourceId"].as_slice(),
            _ => ["name", "trailName", "resourceId"].as_slice(),
        };
        for key in named {
            if let Some(Value::String(name)) = members.get(*key) {
                resources.push(arn(name));
            }
        }
        if let Some(Value::Array(ids)) = members.get("resourceIdList") {
            resources.extend(ids.iter().filter_map(Value::as_str).map(arn));
        }
        if let Some(Value::String(store)) = members.get("eventDataStore") {
            resources.push(store_arn(store));
        }
        if let Some(Value::String(statement)) = members.get("queryStatement") {
            let tables = trailroom_lake::sql::table_names(statement);
            resources.extend(tables.iter().map(|t| store_arn(t)));
        }
    }
    if resources.is_empty() {
        resources.push("*".into());
    }
    let tags: Vec<(String, String)> = parameters
        .and_then(|p| p.get("tagsList"))
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    let key = t.get("key").and_then(Value::as_str)?;
                    let value = t.get("value").and_then(Value::as_str).unwrap_or_default();
                    Some((key.to_owned(), value.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    resources
        .into_iter()
        .map(|resource| {
            let mut access = Access::new(action.clone(), resource);
            for (key, value) in &tags {
                access = access.with(&format!("aws:RequestTag/{key}"), value.clone());
            }
            if !tags.is_empty() {
                let keys = tags.iter().map(|(k, _)| k.clone()).collect();
                access.context.push(("aws:TagKeys".into(), keys));
            }
            access
        })
        .collect()
}

/// ListInsightsMetricData is authorized as AWS documents: `cloudtrail:LookupEvents`, and with
/// `TrailName` both `cloudtrail:LookupEvents` and `cloudtrail:ListInsightsData` on that trail.
fn insights_metric_accesses(
    parameters: Option<&Value>,
    region: &str,
    account: &str,
) -> Vec<Access> {
    let trail = parameters
        .and_then(|p| p.get("trailName"))
        .and_then(Value::as_str)
        .map(|name| match name.starts_with("arn:") {
            true => name.to_owned(),
            false => trail_arn(region, account, name),
        });
    match trail {
        None => vec![Access::new("cloudtrail:LookupEvents", "*")],
        Some(arn) => vec![
            Access::new("cloudtrail:LookupEvents", arn.clone()),
            Access::new("cloudtrail:ListInsightsData", arn),
        ],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn insights_metrics_need_lookup_events() {
        let plain = accesses(
            Operation::ListInsightsMetricData,
            Some(&json!({"eventSource": "s3.amazonaws.com"})),
            "us-east-1",
            "111122223333",
        );
        assert_eq!(
            plain
                .iter()
                .map(|a| (a.action.as_str(), a.resource.as_str()))
                .collect::<Vec<_>>(),
            [("cloudtrail:LookupEvents", "*")]
        );
        let on_trail = accesses(
            Operation::ListInsightsMetricData,
            Some(&json!({"trailName": "data-trail"})),
            "us-east-1",
            "111122223333",
        );
        let trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/data-trail";
        assert_eq!(
            on_trail
                .iter()
                .map(|a| (a.action.as_str(), a.resource.as_str()))
                .collect::<Vec<_>>(),
            [
                ("cloudtrail:LookupEvents", trail),
                ("cloudtrail:ListInsightsData", trail)
            ]
        );
    }

    #[test]
    fn trails_by_name_or_arn() {
        let stop = accesses(
            Operation::StopLogging,
            Some(&json!({"name": "audit"})),
            "eu-west-1",
            "111122223333",
        );
        assert_eq!(stop[0].action, "cloudtrail:StopLogging");
        assert_eq!(
            stop[0].resource,
            "arn:aws:cloudtrail:eu-west-1:111122223333:trail/audit"
        );
        let arn = "arn:aws:cloudtrail:us-east-1:111122223333:trail/other";
        let get = accesses(
            Operation::GetEventSelectors,
            Some(&json!({"trailName": arn})),
            "eu-west-1",
            "111122223333",
        );
        assert_eq!(get[0].resource, arn);
        let lookup = accesses(Operation::LookupEvents, None, "us-east-1", "111122223333");
        assert_eq!(lookup[0].resource, "*");
    }

    #[test]
    fn event_data_stores_by_id_arn_or_query() {
        let get = accesses(
            Operation::GetEventDataStore,
            Some(&json!({"eventDataStore": "0f1e2d3c-aaaa"})),
            "eu-west-1",
            "111122223333",
        );
        assert_eq!(
            get[0].resource,
            "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/0f1e2d3c-aaaa"
        );
        let query = accesses(
            Operation::StartQuery,
            Some(&json!({"queryStatement": "SELECT count(*) FROM 0f1e2d3c-aaaa"})),
            "eu-west-1",
            "111122223333",
        );
        assert_eq!(query.len(), 1);
        assert_eq!(
            query[0].resource,
            "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/0f1e2d3c-aaaa"
        );
    }
}
