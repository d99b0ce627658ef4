//! Event data stores: Create, Get, List, Update, Delete (termination protection, seven days
//! pending deletion), Restore, Start/StopEventDataStoreIngestion. Each change of ingestion
//! opens or closes an ingestion window at the call's own event, in the call's write, so the
//! feed ([`super::feed`]) takes exactly the events recorded while the store ingested.

use trailroom_audit::{CallContext, Seal, store_failure};
use trailroom_model::cloudtrail::{
    AdvancedEventSelector, AdvancedFieldSelector, CreateEventDataStoreRequest,
    CreateEventDataStoreResponse, DeleteEventDataStoreRequest, DeleteEventDataStoreResponse,
    GetEventDataStoreRequest, GetEventDataStoreResponse, ListEventDataStoresRequest,
    ListEventDataStoresResponse, RestoreEventDataStoreRequest, RestoreEventDataStoreResponse,
    StartEventDataStoreIngestionRequest, StartEventDataStoreIngestionResponse,
    StopEventDataStoreIngestionRequest, StopEventDataStoreIngestionResponse,
    UpdateEventDataStoreRequest, UpdateEventDataStoreResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use super::record::{ACTIVITY_AUDIT_LOG, EDS_KIND, EdsStatus, EventDataStoreRecord, eds_arn};
use super::{EDS_RESOURCE_TYPE, StoreRef, administered_stores};
use crate::trails::{
    AdvancedSelector, FieldSelector, SelectorSet, checked_tags, managed_organization,
    not_management_account, organization_owner, required, selectors_from_request,
};

/// AWS's limit of event data stores per account and region.
pub const MAX_STORES_PER_REGION: usize = 10;
/// The longest retention of each billing mode, days.
const FIXED_MAX_RETENTION: i32 = 2557;
const EXTENDABLE: &str = "EXTENDABLE_RETENTION_PRICING";
const FIXED: &str = "FIXED_RETENTION_PRICING";

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

fn invalid_status(record: &EventDataStoreRecord) -> ApiError {
    ApiError::client(
        "InvalidEventDataStoreStatusException",
        format!(
            "The event data store {} has status {}.",
            record.arn,
            record.status.as_str()
        ),
    )
}

fn inactive(record: &EventDataStoreRecord) -> ApiError {
    ApiError::client(
        "InactiveEventDataStoreException",
        format!("The event data store {} is pending deletion.", record.arn),
    )
}

/// The default selectors: every management event.
fn default_selectors() -> Vec<AdvancedSelector> {
    let wire = AdvancedEventSelector {
        name: Some("Default management events".into()),
        field_selectors: Some(vec![AdvancedFieldSelector {
            field: Some("eventCategory".into()),
            equals: Some(vec!["Management".into()]),
            ..AdvancedFieldSelector::default()
        }]),
    };
    match selectors_from_request(None, Some(&[wire])) {
        Ok(SelectorSet::Advanced(list)) => list,
        _ => Vec::new(),
    }
}

fn checked_selectors(
    selectors: Option<&[AdvancedEventSelector]>,
) -> Result<Option<Vec<AdvancedSelector>>, ApiError> {
    if let Some(list) = selectors
        && let Some(activity) = activity_audit_log(list)?
    {
        return Ok(Some(activity));
    }
    match selectors {
        None => Ok(None),
        Some(list) => match selectors_from_request(None, Some(list))? {
            SelectorSet::Advanced(list) => Ok(Some(list)),
            SelectorSet::Basic(_) => Ok(None),
        },
    }
}

/// The selector of a store for events from outside AWS: exactly one selector, whose one field
/// is `eventCategory` equal to `ActivityAuditLog`. `None` when the selectors do not ask for it.
fn activity_audit_log(
    selectors: &[AdvancedEventSelector],
) -> Result<Option<Vec<AdvancedSelector>>, ApiError> {
    let asks = selectors
        .iter()
        .flat_map(|s| s.field_selectors.iter().flatten())
        .any(|f| {
            f.field.as_deref() == Some("eventCategory")
                && f.equals.iter().flatten().any(|c| c == ACTIVITY_AUDIT_LOG)
        });
    if !asks {
        return Ok(None);
    }
    let fields: Vec<_> = selectors
        .iter()
        .flat_map(|s| s.field_selectors.iter().flatten())
        .collect();
    let only_category = selectors.len() == 1
        && fields.len() == 1
        && fields[0].equals.as_deref() == Some(&[ACTIVITY_AUDIT_LOG.to_owned()][..]);
    if !only_category {
        return Err(ApiError::client(
            "InvalidEventSelectorsException",
            "A store for ActivityAuditLog events has one selector: eventCategory equals \
             ActivityAuditLog.",
        ));
    }
    Ok(Some(vec![AdvancedSelector {
        name: selectors[0].name.clone(),
        field_selectors: vec![FieldSelector {
            field: "eventCategory".into(),
            equals: vec![ACTIVITY_AUDIT_LOG.into()],
            ..FieldSelector::default()
        }],
    }]))
}

/// Billing mode and retention, checked together.
fn checked_retention(billing: &str, retention: Option<i32>) -> Result<i32, ApiError> {
    let retention = retention.unwrap_or(match billing {
        FIXED => FIXED_MAX_RETENTION,
        _ => 366,
    });
    if billing == FIXED && retention > FIXED_MAX_RETENTION {
        return Err(invalid_parameter(format!(
            "The retention period of an event data store with {FIXED} is at most \
             {FIXED_MAX_RETENTION} days."
        )));
    }
    Ok(retention)
}

/// The live stores of `account` in `region`.
fn stores_in(
    txn: &dyn ReadTxn,
    account: &str,
    region: &str,
    now: i64,
) -> Result<Vec<EventDataStoreRecord>, ApiError> {
    let mut out = Vec::new();
    for doc in txn.list(account, EDS_KIND).map_err(store_failure)? {
        let record: EventDataStoreRecord = doc.decode().map_err(store_failure)?;
        if record.home_region == region && !record.is_gone(now) {
            out.push(record);
        }
    }
    out.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.arn.cmp(&b.arn)));
    Ok(out)
}

/// Refuses a name another live store of the region has; drops a gone store holding it.
fn claim_name(
    tx: &mut dyn WriteTxn,
    record: &EventDataStoreRecord,
    now: i64,
) -> Result<(), ApiError> {
    let doc_name = format!("{}/{}", record.home_region, record.name);
    if let Some(doc) = tx
        .get_by_name(&record.account_id, EDS_KIND, &doc_name)
        .map_err(store_failure)?
        && doc.id != record.arn
    {
        let other: EventDataStoreRecord = doc.decode().map_err(store_failure)?;
        if !other.is_gone(now) {
            return Err(ApiError::client(
                "EventDataStoreAlreadyExistsException",
                format!("An event data store named {} already exists.", record.name),
            ));
        }
        tx.delete(&record.account_id, EDS_KIND, &other.arn)
            .map_err(store_failure)?;
    }
    Ok(())
}

fn put(tx: &mut dyn WriteTxn, record: &EventDataStoreRecord) -> Result<(), ApiError> {
    tx.put(&record.to_doc().map_err(store_failure)?)
        .map_err(store_failure)
}

/// A seal closing `record`'s open window at the call's own event.
fn closing_seal(mut record: EventDataStoreRecord) -> Seal {
    Box::new(move |tx: &mut dyn WriteTxn, own_seq: i64| {
        record.close_window(own_seq);
        tx.put(&record.to_doc()?)
    })
}

macro_rules! full_response {
    ($ty:ident, $r:expr) => {{
        let r = $r;
        // Some response shapes have exactly these members, others more.
        #[allow(clippy::needless_update)]
        let response = $ty {
            event_data_store_arn: Some(r.arn.clone()),
            name: Some(r.name.clone()),
            status: Some(r.status.as_str().to_owned()),
            advanced_event_selectors: r.wire_selectors(),
            multi_region_enabled: Some(r.multi_region),
            organization_enabled: Some(r.organization),
            retention_period: Some(r.retention_days),
            termination_protection_enabled: Some(r.termination_protection),
            created_timestamp: Some(r.created()),
            updated_timestamp: Some(r.updated()),
            kms_key_id: r.kms_key_id.clone(),
            billing_mode: Some(r.billing_mode.clone()),
            ..$ty::default()
        };
        response
    }};
}

/// CreateEventDataStore.
pub(crate) async fn create_event_data_store(
    ctx: &CallContext,
    input: CreateEventDataStoreRequest,
) -> Result<CreateEventDataStoreResponse, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let name = required(input.name, "Name")?;
    let billing = input.billing_mode.unwrap_or_else(|| EXTENDABLE.to_owned());
    let retention = checked_retention(&billing, input.retention_period)?;
    let selectors = checked_selectors(input.advanced_event_selectors.as_deref())?
        .unwrap_or_else(default_selectors);
    let tags = checked_tags(&[], input.tags_list.as_deref().unwrap_or_default())?;
    let id = uuid::Uuid::new_v4().to_string();
    let organization = input.organization_enabled.unwrap_or(false);
    // A delegated administrator's organization store belongs to the management account.
    let owner = match organization {
        true => ctx.read(|txn| organization_owner(txn, &account))?,
        false => account.clone(),
    };
    let arn = eds_arn(&region, &owner, &id);
    ctx.add_resource(EDS_RESOURCE_TYPE, arn.clone());
    let ingest = input.start_ingestion.unwrap_or(true);
    let mut record = EventDataStoreRecord {
        name,
        arn,
        id,
        account_id: owner.clone(),
        home_region: region.clone(),
        status: if ingest {
            EdsStatus::Enabled
        } else {
            EdsStatus::Created
        },
        status_before_deletion: None,
        selectors,
        multi_region: input.multi_region_enabled.unwrap_or(true),
        organization,
        retention_days: retention,
        termination_protection: input.termination_protection_enabled.unwrap_or(true),
        billing_mode: billing,
        kms_key_id: input.kms_key_id,
        tags,
        resource_policy: None,
        created_ms: now,
        updated_ms: now,
        deleted_ms: None,
        windows: Vec::new(),
        federation_role: None,
        large_events: false,
        context_keys: Vec::new(),
    };
    ctx.write(move |tx| {
        if record.organization && organization_owner(&*tx, &account)? != owner {
            return Err(ApiError::client(
                "ConflictException",
                "The organization changed while the event data store was being created; try \
                 again.",
            ));
        }
        if stores_in(&*tx, &owner, &region, now)?.len() >= MAX_STORES_PER_REGION {
            return Err(ApiError::client(
                "EventDataStoreMaxLimitExceededException",
                format!(
                    "Your account has the maximum number of event data stores in {region} \
                     ({MAX_STORES_PER_REGION})."
                ),
            ));
        }
        claim_name(tx, &record, now)?;
        if ingest {
            record.open_window(tx.last_event_seq().map_err(store_failure)?);
        }
        put(tx, &record)?;
        let mut response = full_response!(CreateEventDataStoreResponse, &record);
        response.tags_list = Some(crate::trails::tags_to_wire(&record.tags));
        Ok(response)
    })
    .await
}

/// GetEventDataStore.
pub(crate) fn get_event_data_store(
    ctx: &CallContext,
    input: GetEventDataStoreRequest,
) -> Result<GetEventDataStoreResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    let record = ctx.read(|txn| target.find(txn, ctx.now_ms()))?;
    ctx.add_resource(EDS_RESOURCE_TYPE, record.arn.clone());
    let mut response = full_response!(GetEventDataStoreResponse, &record);
    response.federation_status = Some(record.federation_status().to_owned());
    response.federation_role_arn = record.federation_role.clone();
    Ok(response)
}

/// ListEventDataStores: the region's stores, oldest first.
pub(crate) fn list_event_data_stores(
    ctx: &CallContext,
    input: ListEventDataStoresRequest,
) -> Result<ListEventDataStoresResponse, ApiError> {
    let stores = ctx.read(|txn| {
        let (account, region, now) = (ctx.account_id(), ctx.region(), ctx.now_ms());
        let mut stores = stores_in(txn, account, region, now)?;
        stores.extend(administered_stores(txn, account, region, now)?);
        Ok(stores)
    })?;
    let (page, next_token) = super::page(
        &stores,
        input.next_token.as_deref(),
        input.max_results,
        1000,
    )?;
    Ok(ListEventDataStoresResponse {
        event_data_stores: Some(page.iter().map(|r| r.to_list_entry()).collect()),
        next_token,
    })
}

/// UpdateEventDataStore.
pub(crate) async fn update_event_data_store(
    ctx: &CallContext,
    input: UpdateEventDataStoreRequest,
) -> Result<UpdateEventDataStoreResponse, ApiError> {
    let target = StoreRef::parse(
        &required(input.event_data_store.clone(), "EventDataStore")?,
        ctx,
    )?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let selectors = checked_selectors(input.advanced_event_selectors.as_deref())?;
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut record = target.find(&*tx, now)?;
        if record.status == EdsStatus::PendingDeletion {
            return Err(inactive(&record));
        }
        if let Some(billing) = input.billing_mode {
            if record.billing_mode == EXTENDABLE && billing == FIXED {
                return Err(invalid_parameter(format!(
                    "The billing mode cannot change from {EXTENDABLE} to {FIXED}."
                )));
            }
            record.billing_mode = billing;
        }
        let retention = input.retention_period.or(Some(record.retention_days));
        record.retention_days = checked_retention(&record.billing_mode, retention)?;
        if let Some(org) = input.organization_enabled {
            if org && !record.organization {
                managed_organization(&*tx, &account)?;
            }
            if !org && record.account_id != account {
                // A delegated administrator cannot make an organization store the management
                // account's own.
                let owner = managed_organization(&*tx, &record.account_id)?;
                return Err(not_management_account(&owner));
            }
            record.organization = org;
        }
        if let Some(kms) = input.kms_key_id {
            if record.kms_key_id.as_ref().is_some_and(|k| *k != kms) {
                return Err(invalid_parameter(
                    "The KMS key of an event data store cannot be changed once set.",
                ));
            }
            record.kms_key_id = Some(kms);
        }
        record.multi_region = input.multi_region_enabled.unwrap_or(record.multi_region);
        record.termination_protection = input
            .termination_protection_enabled
            .unwrap_or(record.termination_protection);
        if let Some(selectors) = selectors {
            record.selectors = selectors;
        }
        if let Some(name) = input.name {
            record.name = name;
            claim_name(tx, &record, now)?;
        }
        record.updated_ms = now;
        put(tx, &record)?;
        let mut response = full_response!(UpdateEventDataStoreResponse, &record);
        response.federation_status = Some(record.federation_status().to_owned());
        response.federation_role_arn = record.federation_role.clone();
        Ok(response)
    })
    .await
}

/// DeleteEventDataStore: pending deletion for seven days, unless termination protected.
pub(crate) async fn delete_event_data_store(
    ctx: &CallContext,
    input: DeleteEventDataStoreRequest,
) -> Result<DeleteEventDataStoreResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let now = ctx.now_ms();
    ctx.write_sealed(move |tx| {
        let mut record = target.find(&*tx, now)?;
        if record.status == EdsStatus::PendingDeletion {
            return Err(inactive(&record));
        }
        if super::channels::store_has_channel(&*tx, &record.account_id, &record.arn)? {
            return Err(ApiError::client(
                "ChannelExistsForEDSException",
                format!(
                    "A channel delivers to the event data store {}: delete the channel first.",
                    record.arn
                ),
            ));
        }
        if record.federation_role.is_some() {
            return Err(ApiError::client(
                "EventDataStoreFederationEnabledException",
                format!(
                    "Lake query federation is enabled on the event data store {}: disable it \
                     first.",
                    record.arn
                ),
            ));
        }
        if record.termination_protection {
            return Err(ApiError::client(
                "EventDataStoreTerminationProtectedException",
                format!(
                    "The event data store {} cannot be deleted because termination protection \
                     is enabled.",
                    record.arn
                ),
            ));
        }
        record.status_before_deletion = Some(record.status);
        record.status = EdsStatus::PendingDeletion;
        record.deleted_ms = Some(now);
        record.updated_ms = now;
        put(tx, &record)?;
        Ok((DeleteEventDataStoreResponse {}, Some(closing_seal(record))))
    })
    .await
}

/// RestoreEventDataStore: back to the status it had, within the pending deletion period.
pub(crate) async fn restore_event_data_store(
    ctx: &CallContext,
    input: RestoreEventDataStoreRequest,
) -> Result<RestoreEventDataStoreResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let (region, now) = (ctx.region().to_owned(), ctx.now_ms());
    ctx.write(move |tx| {
        let mut record = target.find(&*tx, now)?;
        if record.status != EdsStatus::PendingDeletion {
            return Err(invalid_status(&record));
        }
        let live = stores_in(&*tx, &record.account_id, &region, now)?;
        let active = live
            .iter()
            .filter(|s| s.status != EdsStatus::PendingDeletion)
            .count();
        if active >= MAX_STORES_PER_REGION {
            return Err(ApiError::client(
                "EventDataStoreMaxLimitExceededException",
                format!("Your account has the maximum number of event data stores in {region}."),
            ));
        }
        record.status = record
            .status_before_deletion
            .take()
            .unwrap_or(EdsStatus::Enabled);
        record.deleted_ms = None;
        record.updated_ms = now;
        if record.status == EdsStatus::Enabled {
            record.open_window(tx.last_event_seq().map_err(store_failure)?);
        }
        put(tx, &record)?;
        Ok(full_response!(RestoreEventDataStoreResponse, &record))
    })
    .await
}

/// StartEventDataStoreIngestion: a created or stopped store starts ingesting.
pub(crate) async fn start_ingestion(
    ctx: &CallContext,
    input: StartEventDataStoreIngestionRequest,
) -> Result<StartEventDataStoreIngestionResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let mut record = target.find(&*tx, now)?;
        if !matches!(
            record.status,
            EdsStatus::Created | EdsStatus::StoppedIngestion
        ) {
            return Err(invalid_status(&record));
        }
        record.status = EdsStatus::Enabled;
        record.updated_ms = now;
        record.open_window(tx.last_event_seq().map_err(store_failure)?);
        put(tx, &record)?;
        Ok(StartEventDataStoreIngestionResponse {})
    })
    .await
}

/// StopEventDataStoreIngestion: an ingesting store stops, at this call's own event.
pub(crate) async fn stop_ingestion(
    ctx: &CallContext,
    input: StopEventDataStoreIngestionRequest,
) -> Result<StopEventDataStoreIngestionResponse, ApiError> {
    let target = StoreRef::parse(&required(input.event_data_store, "EventDataStore")?, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let now = ctx.now_ms();
    ctx.write_sealed(move |tx| {
        let mut record = target.find(&*tx, now)?;
        if record.status != EdsStatus::Enabled {
            return Err(invalid_status(&record));
        }
        record.status = EdsStatus::StoppedIngestion;
        record.updated_ms = now;
        put(tx, &record)?;
        Ok((
            StopEventDataStoreIngestionResponse {},
            Some(closing_seal(record)),
        ))
    })
    .await
}
