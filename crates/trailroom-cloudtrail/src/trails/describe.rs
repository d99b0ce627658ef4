//! GetTrail, DescribeTrails and ListTrails: what the calling region sees, shadow trails
//! included where AWS includes them.

use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{
    DescribeTrailsRequest, DescribeTrailsResponse, GetTrailRequest, GetTrailResponse,
    ListTrailsRequest, ListTrailsResponse,
};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::names::TrailRef;
use super::record::TrailRecord;
use super::resolve::{Access, Caller};
use super::{TRAIL_RESOURCE_TYPE, required};

/// GetTrail: a trail homed here by name, or any visible trail by ARN.
pub(crate) fn get_trail(
    ctx: &CallContext,
    input: GetTrailRequest,
) -> Result<GetTrailResponse, ApiError> {
    let name = required(input.name, "Name")?;
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let trail = ctx.read(|txn| caller.find(txn, &name, Access::Read, false))?;
    ctx.add_resource(TRAIL_RESOURCE_TYPE, trail.trail_arn.clone());
    Ok(GetTrailResponse {
        trail: Some(trail.to_wire()),
    })
}

/// DescribeTrails: with no list, every trail of the region (plus shadows unless
/// `includeShadowTrails` is false); with a list, the named ones that exist, unknown ones left
/// out. Names match trails homed here; shadows need their ARN.
pub(crate) fn describe_trails(
    ctx: &CallContext,
    input: DescribeTrailsRequest,
) -> Result<DescribeTrailsResponse, ApiError> {
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let shadows = input.include_shadow_trails.unwrap_or(true);
    let wanted = input.trail_name_list.unwrap_or_default();
    let refs = wanted
        .iter()
        .map(|w| TrailRef::parse(w))
        .collect::<Result<Vec<_>, _>>()?;
    let trails = ctx.read(|txn| {
        let visible = caller.visible_trails(txn)?;
        Ok(visible
            .into_iter()
            .filter(|t| shadows || !caller.is_shadow(t))
            .filter(|t| refs.is_empty() || refs.iter().any(|r| names(r, t, &caller)))
            .collect::<Vec<_>>())
    })?;
    Ok(DescribeTrailsResponse {
        trail_list: Some(trails.iter().map(TrailRecord::to_wire).collect()),
    })
}

/// Whether `reference` names `trail` as `caller` sees it.
fn names(reference: &TrailRef, trail: &TrailRecord, caller: &Caller<'_>) -> bool {
    match reference {
        TrailRef::Name(name) => *name == trail.name && !caller.is_shadow(trail),
        TrailRef::Arn(arn) => arn.text == trail.trail_arn,
    }
}

/// ListTrails: every trail visible in the region, shadows included. At most five trails are
/// visible in a region, so there is never a second page.
pub(crate) fn list_trails(
    ctx: &CallContext,
    input: ListTrailsRequest,
) -> Result<ListTrailsResponse, ApiError> {
    let _ = input.next_token;
    let caller = Caller {
        account: ctx.account_id(),
        region: ctx.region(),
    };
    let trails = ctx.read(|txn: &dyn ReadTxn| caller.visible_trails(txn))?;
    Ok(ListTrailsResponse {
        trails: Some(trails.iter().map(TrailRecord::info).collect()),
        next_token: None,
    })
}
