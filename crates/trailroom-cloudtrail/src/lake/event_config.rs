//! PutEventConfiguration and GetEventConfiguration. An event data store's configuration is its
//! maximum event size and its context key selectors (enriched events, [`super::enrich`]); a
//! trail's would be its aggregated data events, which this server does not generate, so a trail
//! answers with no aggregation and refuses to be given one.

use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{
    GetEventConfigurationRequest, GetEventConfigurationResponse, PutEventConfigurationRequest,
    PutEventConfigurationResponse,
};
use trailroom_protocol::ApiError;

use super::enrich::{checked_selectors, selectors_to_wire};
use super::record::{EdsStatus, EventDataStoreRecord};
use super::{EDS_RESOURCE_TYPE, StoreRef};
use crate::trails::{Caller, ResolveAccess, TRAIL_RESOURCE_TYPE};

const STANDARD: &str = "Standard";
const LARGE: &str = "Large";

fn combination(message: &str) -> ApiError {
    ApiError::client("InvalidParameterCombinationException", message)
}

/// What a call configures: exactly one of a trail and an event data store.
enum Target {
    Trail(String),
    Store(StoreRef),
}

fn target(
    ctx: &CallContext,
    trail: Option<String>,
    store: Option<String>,
) -> Result<Target, ApiError> {
    match (trail, store) {
        (Some(trail), None) => Ok(Target::Trail(trail)),
        (None, Some(store)) => Ok(Target::Store(StoreRef::parse(&store, ctx)?)),
        _ => Err(combination(
            "Specify either TrailName or EventDataStore, not both and not neither.",
        )),
    }
}

fn store_response(record: &EventDataStoreRecord) -> GetEventConfigurationResponse {
    GetEventConfigurationResponse {
        event_data_store_arn: Some(record.arn.clone()),
        max_event_size: Some(if record.large_events { LARGE } else { STANDARD }.to_owned()),
        context_key_selectors: Some(selectors_to_wire(&record.context_keys)),
        ..GetEventConfigurationResponse::default()
    }
}

/// A trail's configuration: no aggregated events.
fn trail_response(trail_arn: String) -> GetEventConfigurationResponse {
    GetEventConfigurationResponse {
        trail_arn: Some(trail_arn),
        aggregation_configurations: Some(Vec::new()),
        ..GetEventConfigurationResponse::default()
    }
}

fn find_trail(ctx: &CallContext, name: &str, access: ResolveAccess) -> Result<String, ApiError> {
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let trail = ctx.read(|txn| caller.find(txn, name, access, false))?;
    ctx.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
    Ok(trail.trail_arn)
}

/// GetEventConfiguration.
pub(crate) fn get_event_configuration(
    ctx: &CallContext,
    input: GetEventConfigurationRequest,
) -> Result<GetEventConfigurationResponse, ApiError> {
    match target(ctx, input.trail_name, input.event_data_store)? {
        Target::Trail(name) => Ok(trail_response(find_trail(ctx, &name, ResolveAccess::Read)?)),
        Target::Store(store) => {
            ctx.add_resource(EDS_RESOURCE_TYPE, store.arn.clone());
            let record = ctx.read(|txn| store.find(txn, ctx.now_ms()))?;
            Ok(store_response(&record))
        }
    }
}

/// PutEventConfiguration: members left out keep their value; an empty `ContextKeySelectors`
/// removes them. Selectors need `MaxEventSize` `Large`.
pub(crate) async fn put_event_configuration(
    ctx: &CallContext,
    input: PutEventConfigurationRequest,
) -> Result<PutEventConfigurationResponse, ApiError> {
    let store = match target(
        ctx,
        input.trail_name.clone(),
        input.event_data_store.clone(),
    )? {
        Target::Store(store) => store,
        Target::Trail(name) => return put_trail_configuration(ctx, &name, input),
    };
    if input.aggregation_configurations.is_some() {
        return Err(combination(
            "AggregationConfigurations configure a trail, not an event data store.",
        ));
    }
    let size = input.max_event_size.as_deref();
    if let Some(size) = size.filter(|s| ![STANDARD, LARGE].contains(s)) {
        return Err(ApiError::client(
            "InvalidParameterException",
            format!("MaxEventSize must be Standard or Large, not {size}."),
        ));
    }
    let large = size.map(|s| s == LARGE);
    let selectors = input
        .context_key_selectors
        .as_deref()
        .map(checked_selectors)
        .transpose()?;
    ctx.add_resource(EDS_RESOURCE_TYPE, store.arn.clone());
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let mut record = store.find(&*tx, now)?;
        if record.status == EdsStatus::PendingDeletion {
            return Err(ApiError::client(
                "InactiveEventDataStoreException",
                format!("The event data store {} is pending deletion.", record.arn),
            ));
        }
        if record.takes_activity_audit_log() {
            return Err(ApiError::client(
                "InvalidEventDataStoreCategoryException",
                format!(
                    "The event data store {} holds events from outside AWS, which are not \
                     enriched.",
                    record.arn
                ),
            ));
        }
        if let Some(large) = large {
            record.large_events = large;
        }
        if let Some(selectors) = selectors {
            record.context_keys = selectors;
        }
        if !record.context_keys.is_empty() && !record.large_events {
            return Err(combination(
                "Context key selectors need MaxEventSize Large, so the keys fit in every event.",
            ));
        }
        record.updated_ms = now;
        tx.put(&record.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        let shown = store_response(&record);
        Ok(PutEventConfigurationResponse {
            event_data_store_arn: shown.event_data_store_arn,
            max_event_size: shown.max_event_size,
            context_key_selectors: shown.context_key_selectors,
            ..PutEventConfigurationResponse::default()
        })
    })
    .await
}

/// A trail takes only aggregation, which this server does not generate.
fn put_trail_configuration(
    ctx: &CallContext,
    name: &str,
    input: PutEventConfigurationRequest,
) -> Result<PutEventConfigurationResponse, ApiError> {
    if input.max_event_size.is_some() || input.context_key_selectors.is_some() {
        return Err(combination(
            "MaxEventSize and ContextKeySelectors configure an event data store, not a trail.",
        ));
    }
    let arn = find_trail(ctx, name, ResolveAccess::Mutate)?;
    match input.aggregation_configurations.as_deref() {
        None | Some([]) => Ok(PutEventConfigurationResponse {
            trail_arn: Some(arn),
            aggregation_configurations: Some(Vec::new()),
            ..PutEventConfigurationResponse::default()
        }),
        Some(_) => Err(ApiError::client(
            "UnsupportedOperationException",
            "This server does not generate aggregated data events for trails.",
        )),
    }
}
