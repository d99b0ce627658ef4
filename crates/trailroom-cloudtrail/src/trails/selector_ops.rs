//! PutEventSelectors, GetEventSelectors, PutInsightSelectors, GetInsightSelectors: what a trail
//! logs. Selectors live in the home region: elsewhere they cannot be set, and reading them by
//! a shadow trail's ARN answers "not found", as AWS does.

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{
    GetEventSelectorsRequest, GetEventSelectorsResponse, GetInsightSelectorsRequest,
    GetInsightSelectorsResponse, InsightSelector, PutEventSelectorsRequest,
    PutEventSelectorsResponse, PutInsightSelectorsRequest, PutInsightSelectorsResponse,
};
use trailroom_protocol::ApiError;

use super::record::{InsightSelectorRecord, TrailRecord};
use super::resolve::{Access, Caller};
use super::selectors::{self, SelectorSet, management_coverage};
use super::{TRAIL_RESOURCE_TYPE, required};

const INSIGHT_TYPES: &[&str] = &["ApiCallRateInsight", "ApiErrorRateInsight"];
const INSIGHT_CATEGORIES: &[&str] = &["Management", "Data"];

/// PutEventSelectors: replaces the trail's selectors (either kind).
pub(crate) async fn put_event_selectors(
    ctx: &CallContext,
    input: PutEventSelectorsRequest,
) -> Result<PutEventSelectorsResponse, ApiError> {
    let name = required(input.trail_name, "TrailName")?;
    let set = selectors::from_request(
        input.event_selectors.as_deref(),
        input.advanced_event_selectors.as_deref(),
    )?;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let call = ctx.clone();
    ctx.write(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let mut trail = caller.find(&*tx, &name, Access::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        let scope = trail.scope();
        trail.event_selectors = set;
        trail.has_custom_event_selectors = true;
        trail.updated_ms = now;
        trail.remember_scope(scope, tx.last_event_seq().map_err(store_failure)?);
        tx.put(&trail.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        let (event_selectors, advanced_event_selectors) =
            selectors::to_wire(&trail.event_selectors);
        Ok(PutEventSelectorsResponse {
            trail_arn: Some(trail.trail_arn),
            event_selectors,
            advanced_event_selectors,
        })
    })
    .await
}

/// GetEventSelectors: a new trail answers the default selector (all management events).
pub(crate) fn get_event_selectors(
    ctx: &CallContext,
    input: GetEventSelectorsRequest,
) -> Result<GetEventSelectorsResponse, ApiError> {
    let trail = home_trail(ctx, input.trail_name, "TrailName")?;
    let (event_selectors, advanced_event_selectors) = selectors::to_wire(&trail.event_selectors);
    Ok(GetEventSelectorsResponse {
        trail_arn: Some(trail.trail_arn),
        event_selectors,
        advanced_event_selectors,
    })
}

/// The trail a selector read names, homed in the calling region.
fn home_trail(
    ctx: &CallContext,
    name: Option<String>,
    member: &str,
) -> Result<TrailRecord, ApiError> {
    let name = required(name, member)?;
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let trail = ctx.read(|txn| caller.find(txn, &name, Access::Read, true))?;
    ctx.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
    Ok(trail)
}

/// PutInsightSelectors on a trail: an empty list turns Insights off. Event data stores do not
/// exist on this server.
pub(crate) async fn put_insight_selectors(
    ctx: &CallContext,
    input: PutInsightSelectorsRequest,
) -> Result<PutInsightSelectorsResponse, ApiError> {
    no_event_data_store(
        input.event_data_store.as_deref(),
        input.insights_destination.as_deref(),
    )?;
    let Some(name) = input.trail_name else {
        return Err(ApiError::client(
            "InvalidParameterCombinationException",
            "You must specify a TrailName.",
        ));
    };
    let records = insight_records(input.insight_selectors.as_deref().unwrap_or_default())?;
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let call = ctx.clone();
    ctx.write(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let mut trail = caller.find(&*tx, &name, Access::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        check_insights_need(&records, &trail.event_selectors)?;
        trail.insight_selectors = records;
        trail.updated_ms = now;
        tx.put(&trail.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(PutInsightSelectorsResponse {
            trail_arn: Some(trail.trail_arn.clone()),
            insight_selectors: Some(insight_wire(&trail)),
            event_data_store_arn: None,
            insights_destination: None,
        })
    })
    .await
}

/// GetInsightSelectors: `InsightNotEnabledException` when Insights is off.
pub(crate) fn get_insight_selectors(
    ctx: &CallContext,
    input: GetInsightSelectorsRequest,
) -> Result<GetInsightSelectorsResponse, ApiError> {
    no_event_data_store(input.event_data_store.as_deref(), None)?;
    let trail = home_trail(ctx, input.trail_name, "TrailName")?;
    if trail.insight_selectors.is_empty() {
        return Err(ApiError::client(
            "InsightNotEnabledException",
            format!("Trail {} does not have Insights enabled.", trail.name),
        ));
    }
    Ok(GetInsightSelectorsResponse {
        trail_arn: Some(trail.trail_arn.clone()),
        insight_selectors: Some(insight_wire(&trail)),
        event_data_store_arn: None,
        insights_destination: None,
    })
}

fn no_event_data_store(store: Option<&str>, destination: Option<&str>) -> Result<(), ApiError> {
    match store.or(destination) {
        None => Ok(()),
        Some(_) => Err(ApiError::client(
            "UnsupportedOperationException",
            "Event data stores are not supported by this server; name a trail.",
        )),
    }
}

fn insight_records(selectors: &[InsightSelector]) -> Result<Vec<InsightSelectorRecord>, ApiError> {
    let invalid = |m: String| ApiError::client("InvalidInsightSelectorsException", m);
    let mut records: Vec<InsightSelectorRecord> = Vec::new();
    for selector in selectors {
        let kind = selector.insight_type.clone().unwrap_or_default();
        if !INSIGHT_TYPES.contains(&kind.as_str()) {
            return Err(invalid(format!("Invalid InsightType: {kind}")));
        }
        if records.iter().any(|r| r.insight_type == kind) {
            return Err(invalid(format!(
                "InsightType {kind} is given more than once."
            )));
        }
        let categories = selector.event_categories.clone().unwrap_or_default();
        if let Some(bad) = categories
            .iter()
            .find(|c| !INSIGHT_CATEGORIES.contains(&c.as_str()))
        {
            return Err(invalid(format!("Invalid Insights event category: {bad}")));
        }
        records.push(InsightSelectorRecord {
            insight_type: kind,
            event_categories: categories,
        });
    }
    Ok(records)
}

/// API call rate Insights need write management events; error rate Insights need management
/// events. (Data-event Insights are accepted as asked.)
fn check_insights_need(
    records: &[InsightSelectorRecord],
    set: &SelectorSet,
) -> Result<(), ApiError> {
    let (any, writes) = management_coverage(set);
    for record in records {
        let on_management = record.event_categories.is_empty()
            || record.event_categories.iter().any(|c| c == "Management");
        let satisfied = match record.insight_type.as_str() {
            "ApiCallRateInsight" => writes,
            _ => any,
        };
        if on_management && !satisfied {
            return Err(ApiError::client(
                "InvalidInsightSelectorsException",
                format!(
                    "The trail must log {} management events to enable {}.",
                    if record.insight_type == "ApiCallRateInsight" {
                        "write"
                    } else {
                        "read or write"
                    },
                    record.insight_type
                ),
            ));
        }
    }
    Ok(())
}

fn insight_wire(trail: &TrailRecord) -> Vec<InsightSelector> {
    trail
        .insight_selectors
        .iter()
        .map(|r| InsightSelector {
            insight_type: Some(r.insight_type.clone()),
            event_categories: (!r.event_categories.is_empty()).then(|| r.event_categories.clone()),
        })
        .collect()
}
