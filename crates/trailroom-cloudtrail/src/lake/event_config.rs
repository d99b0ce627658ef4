//! PutEventConfiguration and GetEventConfiguration. An event data store's configuration is its
//! maximum event size and its context key selectors (enriched events, [`super::enrich`]); a
//! trail's is its aggregated data events (templates the delivery worker summarizes its data
//! events with, `trailroom_delivery::aggregate`).

use trailroom_audit::{CallContext, store_failure};
use trailroom_delivery::aggregate::TEMPLATES;
use trailroom_model::cloudtrail::{
    AggregationConfiguration, GetEventConfigurationRequest, GetEventConfigurationResponse,
    PutEventConfigurationRequest, PutEventConfigurationResponse,
};
use trailroom_protocol::ApiError;

use super::enrich::{checked_selectors, selectors_to_wire};
use super::record::{EdsStatus, EventDataStoreRecord};
use super::{EDS_RESOURCE_TYPE, StoreRef};
use crate::trails::{Caller, ResolveAccess, TRAIL_RESOURCE_TYPE, TrailRecord};

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

/// A trail's configuration: its aggregation templates.
fn trail_response(trail: &TrailRecord) -> GetEventConfigurationResponse {
    GetEventConfigurationResponse {
        trail_arn: Some(trail.trail_arn.clone()),
        aggregation_configurations: Some(aggregation_wire(&trail.aggregation_templates)),
        ..GetEventConfigurationResponse::default()
    }
}

fn aggregation_wire(templates: &[String]) -> Vec<AggregationConfiguration> {
    match templates.is_empty() {
        true => Vec::new(),
        false => vec![AggregationConfiguration {
            templates: Some(templates.to_vec()),
            event_category: Some("Data".into()),
        }],
    }
}

fn caller(ctx: &CallContext) -> Caller<'_> {
    Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    }
}

/// GetEventConfiguration.
pub(crate) fn get_event_configuration(
    ctx: &CallContext,
    input: GetEventConfigurationRequest,
) -> Result<GetEventConfigurationResponse, ApiError> {
    match target(ctx, input.trail_name, input.event_data_store)? {
        Target::Trail(name) => {
            let trail = ctx.read(|txn| caller(ctx).find(txn, &name, ResolveAccess::Read, false))?;
            ctx.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
            Ok(trail_response(&trail))
        }
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
        Target::Trail(name) => return put_trail_configuration(ctx, name, input).await,
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

/// A trail takes only aggregation (of data events, which it must log); an empty list turns it
/// off.
async fn put_trail_configuration(
    ctx: &CallContext,
    name: String,
    input: PutEventConfigurationRequest,
) -> Result<PutEventConfigurationResponse, ApiError> {
    if input.max_event_size.is_some() || input.context_key_selectors.is_some() {
        return Err(combination(
            "MaxEventSize and ContextKeySelectors configure an event data store, not a trail.",
        ));
    }
    let templates = checked_aggregation(input.aggregation_configurations.as_deref())?;
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
        let mut trail = caller.find(&*tx, &name, ResolveAccess::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        if let Some(templates) = templates {
            if !templates.is_empty() && !trail.event_selectors.logs_data_events() {
                return Err(combination(
                    "Aggregation summarizes data events: the trail must log data events first.",
                ));
            }
            trail.aggregation_templates = templates;
            trail.updated_ms = now;
            tx.put(&trail.to_doc().map_err(store_failure)?)
                .map_err(store_failure)?;
        }
        Ok(PutEventConfigurationResponse {
            trail_arn: Some(trail.trail_arn.clone()),
            aggregation_configurations: Some(aggregation_wire(&trail.aggregation_templates)),
            ..PutEventConfigurationResponse::default()
        })
    })
    .await
}

/// The templates of `AggregationConfigurations` (at most one, of category `Data`), in AWS's
/// order; `None` when not given.
fn checked_aggregation(
    given: Option<&[AggregationConfiguration]>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(given) = given else {
        return Ok(None);
    };
    let invalid = |m: String| ApiError::client("InvalidParameterException", m);
    if given.len() > 1 {
        return Err(invalid(
            "At most one aggregation configuration is allowed.".into(),
        ));
    }
    let Some(config) = given.first() else {
        return Ok(Some(Vec::new()));
    };
    let category = config.event_category.as_deref().unwrap_or_default();
    if category != "Data" {
        return Err(invalid(format!(
            "Aggregation applies to the Data event category, not {category:?}."
        )));
    }
    let named = config.templates.as_deref().unwrap_or_default();
    if named.is_empty() {
        return Err(invalid(
            "An aggregation configuration needs a template.".into(),
        ));
    }
    if let Some(bad) = named.iter().find(|t| !TEMPLATES.contains(&t.as_str())) {
        return Err(invalid(format!(
            "{bad} is not an aggregation template: use API_ACTIVITY, RESOURCE_ACCESS or \
             USER_ACTIONS."
        )));
    }
    Ok(Some(
        TEMPLATES
            .iter()
            .filter(|t| named.iter().any(|n| n == *t))
            .map(|t| (*t).to_owned())
            .collect(),
    ))
}
