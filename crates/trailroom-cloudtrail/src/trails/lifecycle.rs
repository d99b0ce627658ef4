//! CreateTrail, UpdateTrail, DeleteTrail: configuration checks, the name and quota rules across
//! regions, and the destination checks, all inside the call's write so they cannot race.

use std::sync::Arc;

use trailroom_audit::{CallContext, Seal, store_failure};
use trailroom_model::cloudtrail::{
    CreateTrailRequest, CreateTrailResponse, DeleteTrailRequest, DeleteTrailResponse,
    UpdateTrailRequest, UpdateTrailResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::{ReadTxn, WriteTxn};

use super::destinations::{
    Destinations, ForTrail, check_bucket, check_cloudwatch, check_topic, kms_key_arn, kms_region,
    sns_topic_arn, validate_bucket_name, validate_prefix,
};
use super::names::{REGIONS, trail_arn, validate_trail_name};
use super::organization::{managed_organization, not_management_account, organization_owner};
use super::record::{DeletedTrail, STATUS_KIND, TRAIL_KIND, TrailRecord, TrailStatus};
use super::resolve::{Access, Caller};
use super::selectors::SelectorSet;
use super::status::trail_status;
use super::tags::checked_tags;
use super::{TRAIL_RESOURCE_TYPE, required};

/// AWS's limit of trails per region, shadow trails included.
pub const MAX_TRAILS_PER_REGION: usize = 5;

/// CreateTrail.
pub(crate) async fn create_trail(
    ctx: &CallContext,
    input: CreateTrailRequest,
    destinations: Arc<dyn Destinations>,
) -> Result<CreateTrailResponse, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let name = required(input.name.clone(), "Name")?;
    validate_trail_name(&name)?;
    // A delegated administrator's organization trail belongs to the management account.
    let owner = match input.is_organization_trail == Some(true) {
        true => ctx.read(|txn| organization_owner(txn, &account))?,
        false => account.clone(),
    };
    let arn = trail_arn(&region, &owner, &name);
    ctx.add_resource(TRAIL_RESOURCE_TYPE, arn.clone());
    let mut trail = new_trail(input, &name, &arn, &owner, &region, now)?;
    ctx.write(move |tx| {
        if trail.is_organization_trail && organization_owner(&*tx, &account)? != owner {
            return Err(ApiError::client(
                "ConflictException",
                "The organization changed while the trail was being created; try again.",
            ));
        }
        let caller = Caller {
            account: &owner,
            region: &region,
        };
        check_room(&caller.all_trails(&*tx)?, &trail)?;
        check_destinations(&*tx, destinations.as_ref(), &mut trail, Recheck::ALL)?;
        tx.put(&trail.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        let status = TrailStatus::new(&trail);
        tx.put(&status.to_doc(&owner).map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(create_response(&trail))
    })
    .await
}

/// The record CreateTrail would store, with every member checked that needs no lookup.
fn new_trail(
    input: CreateTrailRequest,
    name: &str,
    arn: &str,
    account: &str,
    region: &str,
    now: i64,
) -> Result<TrailRecord, ApiError> {
    let multi = input.is_multi_region_trail.unwrap_or(false);
    let global = input.include_global_service_events.unwrap_or(true);
    if multi && !global {
        return Err(multi_region_needs_global());
    }
    let bucket = required(input.s3_bucket_name, "S3BucketName")?;
    validate_bucket_name(&bucket)?;
    let prefix = non_empty(input.s3_key_prefix);
    prefix.as_deref().map(validate_prefix).transpose()?;
    let topic = non_empty(input.sns_topic_name);
    let sns_topic_arn = topic
        .map(|t| sns_topic_arn(&t, region, account))
        .transpose()?;
    let kms_key_id = non_empty(input.kms_key_id)
        .map(|k| kms_key_arn(&k, region, account))
        .transpose()?;
    let group = non_empty(input.cloud_watch_logs_log_group_arn);
    let role = non_empty(input.cloud_watch_logs_role_arn);
    check_cloudwatch(group.as_deref(), role.as_deref())?;
    let tags = checked_tags(&[], input.tags_list.as_deref().unwrap_or_default())?;
    Ok(TrailRecord {
        name: name.to_owned(),
        trail_arn: arn.to_owned(),
        account_id: account.to_owned(),
        home_region: region.to_owned(),
        s3_bucket_name: bucket,
        s3_key_prefix: prefix,
        sns_topic_arn,
        include_global_service_events: global,
        is_multi_region_trail: multi,
        log_file_validation_enabled: input.enable_log_file_validation.unwrap_or(false),
        cloud_watch_logs_log_group_arn: group,
        cloud_watch_logs_role_arn: role,
        kms_key_id,
        recursive_logging: input.recursive_logging.unwrap_or(true),
        event_selectors: SelectorSet::default(),
        has_custom_event_selectors: false,
        insight_selectors: Vec::new(),
        tags,
        external_bucket: false,
        is_organization_trail: input.is_organization_trail.unwrap_or(false),
        created_ms: now,
        updated_ms: now,
        incarnation: trailroom_audit::record::new_event_id(now).replace('-', ""),
        scope_history: Vec::new(),
        aggregation_templates: Vec::new(),
    })
}

/// UpdateTrail (home region only).
pub(crate) async fn update_trail(
    ctx: &CallContext,
    input: UpdateTrailRequest,
    destinations: Arc<dyn Destinations>,
) -> Result<UpdateTrailResponse, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let name = required(input.name.clone(), "Name")?;
    let call = ctx.clone();
    ctx.write(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let mut trail = caller.find(&*tx, &name, Access::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        if trail.account_id != account && input.is_organization_trail == Some(false) {
            // A delegated administrator changes organization trails but cannot turn one into
            // the management account's own trail.
            return Err(not_management_account(&managed_organization(
                &*tx,
                &trail.account_id,
            )?));
        }
        let became_multi_region =
            !trail.is_multi_region_trail && input.is_multi_region_trail == Some(true);
        let scope = trail.scope();
        let recheck = apply_update(&mut trail, &input)?;
        if became_multi_region {
            let owner = Caller {
                account: &trail.account_id,
                region: &region,
            };
            let mut others = owner.all_trails(&*tx)?;
            others.retain(|t| t.trail_arn != trail.trail_arn);
            check_room(&others, &trail)?;
        }
        check_destinations(&*tx, destinations.as_ref(), &mut trail, recheck)?;
        trail.updated_ms = now;
        trail.remember_scope(scope, tx.last_event_seq().map_err(store_failure)?);
        tx.put(&trail.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        Ok(update_response(&trail))
    })
    .await
}

/// Which destinations an update changed and must be checked again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Recheck {
    bucket: bool,
    topic: bool,
}

impl Recheck {
    const ALL: Self = Self {
        bucket: true,
        topic: true,
    };
}

/// Applies the members UpdateTrail was given; empty strings unset optional members.
fn apply_update(trail: &mut TrailRecord, input: &UpdateTrailRequest) -> Result<Recheck, ApiError> {
    let (region, account) = (trail.home_region.clone(), trail.account_id.clone());
    let mut recheck = Recheck::default();
    if let Some(organization) = input.is_organization_trail
        && organization != trail.is_organization_trail
    {
        trail.is_organization_trail = organization;
        recheck.bucket = true;
    }
    if let Some(bucket) = &input.s3_bucket_name {
        validate_bucket_name(bucket)?;
        trail.s3_bucket_name = bucket.clone();
        recheck.bucket = true;
    }
    if let Some(prefix) = &input.s3_key_prefix {
        trail.s3_key_prefix = non_empty(Some(prefix.clone()));
        trail
            .s3_key_prefix
            .as_deref()
            .map(validate_prefix)
            .transpose()?;
        recheck.bucket = true;
    }
    if let Some(topic) = &input.sns_topic_name {
        let topic = non_empty(Some(topic.clone()));
        trail.sns_topic_arn = topic
            .map(|t| sns_topic_arn(&t, &region, &account))
            .transpose()?;
        recheck.topic = true;
    }
    if let Some(key) = &input.kms_key_id {
        let key = non_empty(Some(key.clone()));
        trail.kms_key_id = key
            .map(|k| kms_key_arn(&k, &region, &account))
            .transpose()?;
        recheck.bucket = true;
    }
    if let Some(group) = &input.cloud_watch_logs_log_group_arn {
        trail.cloud_watch_logs_log_group_arn = non_empty(Some(group.clone()));
    }
    if let Some(role) = &input.cloud_watch_logs_role_arn {
        trail.cloud_watch_logs_role_arn = non_empty(Some(role.clone()));
    }
    check_cloudwatch(
        trail.cloud_watch_logs_log_group_arn.as_deref(),
        trail.cloud_watch_logs_role_arn.as_deref(),
    )?;
    if let Some(validation) = input.enable_log_file_validation {
        trail.log_file_validation_enabled = validation;
    }
    if let Some(recursive) = input.recursive_logging {
        trail.recursive_logging = recursive;
    }
    apply_region_scope(
        trail,
        input.is_multi_region_trail,
        input.include_global_service_events,
    )
    .map(|()| recheck)
}

/// Multi-region needs global service events: switching a trail to multi-region turns them on,
/// switching it back turns them off, unless the call says otherwise.
fn apply_region_scope(
    trail: &mut TrailRecord,
    multi: Option<bool>,
    global: Option<bool>,
) -> Result<(), ApiError> {
    let was_multi = trail.is_multi_region_trail;
    let multi = multi.unwrap_or(was_multi);
    let global = match global {
        Some(global) => global,
        None if multi != was_multi => multi,
        None => trail.include_global_service_events,
    };
    if multi && !global {
        return Err(multi_region_needs_global());
    }
    trail.is_multi_region_trail = multi;
    trail.include_global_service_events = global;
    Ok(())
}

/// DeleteTrail (home region only). Logging stops everywhere; delivered files stay; a trail that
/// logged is kept as a [`DeletedTrail`] until the delivery worker has finished with it.
pub(crate) async fn delete_trail(
    ctx: &CallContext,
    input: DeleteTrailRequest,
) -> Result<DeleteTrailResponse, ApiError> {
    let (account, region, now) = (
        ctx.account_id().to_owned(),
        ctx.region().to_owned(),
        ctx.now_ms(),
    );
    let name = required(input.name, "Name")?;
    let call = ctx.clone();
    ctx.write_sealed(move |tx| {
        let caller = Caller {
            account: &account,
            region: &region,
        };
        let trail = caller.find(&*tx, &name, Access::Mutate, false)?;
        call.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
        let status = trail_status(&*tx, &trail.trail_arn).map_err(store_failure)?;
        tx.delete(&trail.account_id, TRAIL_KIND, &trail.trail_arn)
            .map_err(store_failure)?;
        tx.delete(&trail.account_id, STATUS_KIND, &trail.trail_arn)
            .map_err(store_failure)?;
        // A trail that logged leaves its last configuration and windows for the delivery worker;
        // one still logging stops at this call's own event.
        let Some(mut status) = status.filter(|s| !s.logging_windows().is_empty()) else {
            return Ok((DeleteTrailResponse {}, None));
        };
        let logging = status.is_logging;
        if logging {
            status.stop(now);
        }
        let mut deleted = DeletedTrail {
            trail,
            status,
            deleted_ms: now,
        };
        tx.put(&deleted.to_doc().map_err(store_failure)?)
            .map_err(store_failure)?;
        let seal: Option<Seal> = logging.then(|| {
            Box::new(move |tx: &mut dyn WriteTxn, own_seq: i64| {
                deleted.status.close_window(now, own_seq);
                tx.put(&deleted.to_doc()?)
            }) as Seal
        });
        Ok((DeleteTrailResponse {}, seal))
    })
    .await
}

/// Every region where a trail configured like `trail` is visible, its home first.
fn regions_of(trail: &TrailRecord) -> Vec<&str> {
    let mut regions = vec![trail.home_region.as_str()];
    if trail.is_multi_region_trail {
        regions.extend(REGIONS.iter().copied().filter(|r| *r != trail.home_region));
    }
    regions
}

/// In every region where `trail` would be visible, none of `others` visible there has its name,
/// and fewer than five of them are visible there.
fn check_room(others: &[TrailRecord], trail: &TrailRecord) -> Result<(), ApiError> {
    for region in regions_of(trail) {
        let visible: Vec<&TrailRecord> = others.iter().filter(|t| t.visible_in(region)).collect();
        if visible.iter().any(|t| t.name == trail.name) {
            return Err(ApiError::client(
                "TrailAlreadyExistsException",
                format!(
                    "Trail {} already exists for customer: {}",
                    trail.name, trail.account_id
                ),
            ));
        }
        if visible.len() >= MAX_TRAILS_PER_REGION {
            return Err(ApiError::client(
                "MaximumNumberOfTrailsExceededException",
                format!(
                    "User: {} already has {MAX_TRAILS_PER_REGION} trails in {region}.",
                    trail.account_id
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the destinations `recheck` names (and, for an organization trail, that the owner
/// manages an organization); records whether the bucket is external.
fn check_destinations(
    txn: &dyn ReadTxn,
    destinations: &dyn Destinations,
    trail: &mut TrailRecord,
    recheck: Recheck,
) -> Result<(), ApiError> {
    let org_id = match trail.is_organization_trail {
        true => Some(managed_organization(txn, &trail.account_id)?.id),
        false => None,
    };
    let for_trail = ForTrail {
        account: &trail.account_id,
        arn: &trail.trail_arn,
        org_id: org_id.as_deref(),
    };
    if recheck.bucket {
        let prefix = trail.s3_key_prefix.as_deref();
        let bucket = check_bucket(txn, destinations, &trail.s3_bucket_name, prefix, for_trail)?;
        let key_region = trail.kms_key_id.as_deref().and_then(kms_region);
        if let (Some(key_region), Some(bucket_region)) = (key_region, bucket.region.as_deref())
            && key_region != bucket_region
        {
            return Err(ApiError::client(
                "KmsKeyNotFoundException",
                format!(
                    "The KMS key must be in the bucket's region {bucket_region}, not {key_region}."
                ),
            ));
        }
        trail.external_bucket = bucket.external;
    }
    if recheck.topic
        && let Some(topic) = &trail.sns_topic_arn
    {
        check_topic(txn, destinations, topic, for_trail)?;
    }
    Ok(())
}

fn create_response(trail: &TrailRecord) -> CreateTrailResponse {
    let wire = trail.to_wire();
    CreateTrailResponse {
        name: wire.name,
        s3_bucket_name: wire.s3_bucket_name,
        s3_key_prefix: wire.s3_key_prefix,
        sns_topic_name: wire.sns_topic_name,
        sns_topic_arn: wire.sns_topic_arn,
        include_global_service_events: wire.include_global_service_events,
        is_multi_region_trail: wire.is_multi_region_trail,
        trail_arn: wire.trail_arn,
        log_file_validation_enabled: wire.log_file_validation_enabled,
        cloud_watch_logs_log_group_arn: wire.cloud_watch_logs_log_group_arn,
        cloud_watch_logs_role_arn: wire.cloud_watch_logs_role_arn,
        kms_key_id: wire.kms_key_id,
        is_organization_trail: wire.is_organization_trail,
        recursive_logging: wire.recursive_logging,
    }
}

fn update_response(trail: &TrailRecord) -> UpdateTrailResponse {
    let created = create_response(trail);
    UpdateTrailResponse {
        name: created.name,
        s3_bucket_name: created.s3_bucket_name,
        s3_key_prefix: created.s3_key_prefix,
        sns_topic_name: created.sns_topic_name,
        sns_topic_arn: created.sns_topic_arn,
        include_global_service_events: created.include_global_service_events,
        is_multi_region_trail: created.is_multi_region_trail,
        trail_arn: created.trail_arn,
        log_file_validation_enabled: created.log_file_validation_enabled,
        cloud_watch_logs_log_group_arn: created.cloud_watch_logs_log_group_arn,
        cloud_watch_logs_role_arn: created.cloud_watch_logs_role_arn,
        kms_key_id: created.kms_key_id,
        is_organization_trail: created.is_organization_trail,
        recursive_logging: created.recursive_logging,
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

fn multi_region_needs_global() -> ApiError {
    ApiError::client(
        "InvalidParameterCombinationException",
        "Multi-Region trail must include global service events.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail(name: &str, region: &str, multi: bool) -> TrailRecord {
        let input = CreateTrailRequest {
            s3_bucket_name: Some("bucket".into()),
            is_multi_region_trail: Some(multi),
            ..Default::default()
        };
        let arn = trail_arn(region, "123456789012", name);
        new_trail(input, name, &arn, "123456789012", region, 0).unwrap()
    }

    #[test]
    fn five_trails_per_region_counting_shadows() {
        let mut existing: Vec<TrailRecord> = (0..4)
            .map(|i| trail(&format!("t{i}"), "us-east-1", false))
            .collect();
        existing.push(trail("global", "eu-west-1", true));
        let err = check_room(&existing, &trail("t9", "us-east-1", false)).unwrap_err();
        assert_eq!(err.code(), "MaximumNumberOfTrailsExceededException");
        assert_eq!(
            err.message(),
            "User: 123456789012 already has 5 trails in us-east-1."
        );
        assert!(check_room(&existing, &trail("t9", "us-west-2", false)).is_ok());
        let err = check_room(&existing, &trail("t9", "us-west-2", true)).unwrap_err();
        assert_eq!(
            err.message(),
            "User: 123456789012 already has 5 trails in us-east-1."
        );
    }

    #[test]
    fn names_are_unique_wherever_the_trail_is_visible() {
        let existing = vec![
            trail("same", "eu-west-1", false),
            trail("shared", "eu-west-1", true),
        ];
        let code = |t: TrailRecord| check_room(&existing, &t).map_err(|e| e.code().to_owned());
        assert_eq!(code(trail("same", "us-east-1", false)), Ok(()));
        assert_eq!(
            code(trail("same", "eu-west-1", false)),
            Err("TrailAlreadyExistsException".into())
        );
        assert_eq!(
            code(trail("same", "us-east-1", true)),
            Err("TrailAlreadyExistsException".into())
        );
        assert_eq!(
            code(trail("shared", "us-east-1", false)),
            Err("TrailAlreadyExistsException".into())
        );
    }

    #[test]
    fn multi_region_requires_global_events() {
        let input = CreateTrailRequest {
            s3_bucket_name: Some("bucket".into()),
            is_multi_region_trail: Some(true),
            include_global_service_events: Some(false),
            ..Default::default()
        };
        let err = new_trail(input, "t1", "arn", "123456789012", "us-east-1", 0).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterCombinationException");
        let mut t = trail("t1", "us-east-1", false);
        t.include_global_service_events = false;
        apply_region_scope(&mut t, Some(true), None).unwrap();
        assert!(
            t.include_global_service_events,
            "switching to multi-region turns global events on"
        );
        let err = apply_region_scope(&mut t, None, Some(false)).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterCombinationException");
        apply_region_scope(&mut t, Some(false), None).unwrap();
        assert!(!t.is_multi_region_trail && !t.include_global_service_events);
    }

    #[test]
    fn update_unsets_with_empty_strings_and_checks_members() {
        let mut t = trail("t1", "us-east-1", false);
        let set = UpdateTrailRequest {
            s3_key_prefix: Some("logs".into()),
            sns_topic_name: Some("alerts".into()),
            kms_key_id: Some("12345678-1234-1234-1234-123456789012".into()),
            ..Default::default()
        };
        let recheck = apply_update(&mut t, &set).unwrap();
        assert_eq!(recheck, Recheck::ALL);
        assert_eq!(
            t.sns_topic_arn.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:alerts")
        );
        assert_eq!(t.sns_topic_name().as_deref(), Some("alerts"));
        let unset = UpdateTrailRequest {
            s3_key_prefix: Some(String::new()),
            sns_topic_name: Some(String::new()),
            kms_key_id: Some(String::new()),
            ..Default::default()
        };
        apply_update(&mut t, &unset).unwrap();
        assert_eq!(
            (
                t.s3_key_prefix.clone(),
                t.sns_topic_arn.clone(),
                t.kms_key_id.clone()
            ),
            (None, None, None)
        );
        let bad = UpdateTrailRequest {
            s3_bucket_name: Some("Bad_Bucket".into()),
            ..Default::default()
        };
        assert_eq!(
            apply_update(&mut t, &bad).unwrap_err().code(),
            "InvalidS3BucketNameException"
        );
        let org = UpdateTrailRequest {
            is_organization_trail: Some(true),
            ..Default::default()
        };
        let recheck = apply_update(&mut t, &org).unwrap();
        assert!(t.is_organization_trail && recheck.bucket);
    }
}
