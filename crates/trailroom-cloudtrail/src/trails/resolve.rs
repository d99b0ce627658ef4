//! Finding the trail a call names (by name or ARN), with AWS's region rules: names match trails
//! homed in the calling region, ARNs also reach shadow trails, and shadows cannot be changed.
//! A member account of an organization also sees the organization's trails, by ARN and read-only
//! unless it is a delegated administrator.

use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::names::{TrailRef, trail_arn};
use super::organization::{is_delegated_admin, member_view, not_management_account};
use super::record::{TRAIL_KIND, TrailRecord, doc_name};

/// What the call will do with the trail it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read it (its selectors too): by name in its home region, by ARN in every region it is
    /// seen in (a multi-region trail's shadows), as AWS answers the reads scanners make by ARN.
    Read,
    /// Change it: must be in the home region (`InvalidHomeRegionException` for a shadow, found by
    /// name or ARN).
    Mutate,
}

/// Where the lookup happens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    /// The caller's account.
    pub account: &'a str,
    /// The region the call was signed for.
    pub region: &'a str,
}

impl Caller<'_> {
    /// `TrailNotFoundException` naming `shown`.
    pub(crate) fn not_found(&self, shown: &str) -> ApiError {
        ApiError::client(
            "TrailNotFoundException",
            format!("Unknown trail: {shown} for the user: {}", self.account),
        )
    }

    /// Every trail of the account (at most a handful per region).
    pub(crate) fn all_trails(&self, txn: &dyn ReadTxn) -> Result<Vec<TrailRecord>, ApiError> {
        txn.list(self.account, TRAIL_KIND)
            .map_err(store_failure)?
            .iter()
            .map(|doc| doc.decode().map_err(store_failure))
            .collect()
    }

    /// Every trail visible in the calling region (home trails, shadows and the organization's
    /// trails for a member account), the caller's home trails first.
    pub(crate) fn visible_trails(&self, txn: &dyn ReadTxn) -> Result<Vec<TrailRecord>, ApiError> {
        let mut trails: Vec<TrailRecord> = self
            .all_trails(txn)?
            .into_iter()
            .chain(member_view(txn, self.account)?)
            .filter(|t| t.visible_in(self.region))
            .collect();
        trails.sort_by(|a, b| (self.is_shadow(a), &a.name).cmp(&(self.is_shadow(b), &b.name)));
        Ok(trails)
    }

    /// Whether `trail` is not the caller's to change here: a shadow of a multi-region trail, or
    /// an organization trail seen from a member account.
    pub(crate) fn is_shadow(&self, trail: &TrailRecord) -> bool {
        trail.is_shadow_in(self.region) || trail.account_id != self.account
    }

    /// The trail homed in the calling region with this name.
    pub(crate) fn home_trail(
        &self,
        txn: &dyn ReadTxn,
        name: &str,
    ) -> Result<Option<TrailRecord>, ApiError> {
        txn.get_by_name(self.account, TRAIL_KIND, &doc_name(self.region, name))
            .map_err(store_failure)?
            .map(|doc| doc.decode().map_err(store_failure))
            .transpose()
    }

    /// The trail with this exact ARN, in the caller's account.
    pub(crate) fn trail_by_arn(
        &self,
        txn: &dyn ReadTxn,
        arn: &str,
    ) -> Result<Option<TrailRecord>, ApiError> {
        txn.get(self.account, TRAIL_KIND, arn)
            .map_err(store_failure)?
            .map(|doc| doc.decode().map_err(store_failure))
            .transpose()
    }

    /// Resolves `input` (name or ARN) for `access`. `arn_in_errors` reports a name given by the
    /// caller in its ARN form in `TrailNotFoundException`, as GetTrailStatus and
    /// GetEventSelectors do.
    pub(crate) fn find(
        &self,
        txn: &dyn ReadTxn,
        input: &str,
        access: Access,
        arn_in_errors: bool,
    ) -> Result<TrailRecord, ApiError> {
        let shown = |name: &str| match arn_in_errors {
            true => trail_arn(self.region, self.account, name),
            false => input.to_owned(),
        };
        let trail = match TrailRef::parse(input)? {
            TrailRef::Name(name) => {
                let found = match self.home_trail(txn, &name)? {
                    Some(trail) => Some(trail),
                    // Shadows are not found by name, except to say they cannot be changed here.
                    None if access == Access::Mutate => self.shadow_named(txn, &name)?,
                    None => None,
                };
                found.ok_or_else(|| self.not_found(&shown(&name)))?
            }
            TrailRef::Arn(arn) if arn.account != self.account => {
                return self.organization_trail(txn, &arn.text, access);
            }
            TrailRef::Arn(arn) => match self.trail_by_arn(txn, &arn.text)? {
                Some(trail) if trail.visible_in(self.region) => trail,
                _ if arn.region != self.region => return Err(wrong_region(self.region)),
                _ => return Err(self.not_found(&arn.text)),
            },
        };
        if access == Access::Mutate && trail.is_shadow_in(self.region) {
            return Err(home_region_only(&trail));
        }
        Ok(trail)
    }

    /// The organization trail with this ARN, as a member account sees it: readable where it
    /// logs, changeable in its home region only by a delegated administrator.
    fn organization_trail(
        &self,
        txn: &dyn ReadTxn,
        arn: &str,
        access: Access,
    ) -> Result<TrailRecord, ApiError> {
        let trail = member_view(txn, self.account)?
            .into_iter()
            .find(|t| t.trail_arn == arn && t.visible_in(self.region))
            .ok_or_else(|| self.not_found(arn))?;
        match access {
            Access::Read => Ok(trail),
            Access::Mutate => {
                let org = trailroom_organizations::organization_of(txn, self.account)
                    .map_err(store_failure)?
                    .ok_or_else(|| self.not_found(arn))?;
                if !is_delegated_admin(txn, &org, self.account)? {
                    return Err(not_management_account(&org));
                }
                match trail.is_shadow_in(self.region) {
                    true => Err(home_region_only(&trail)),
                    false => Ok(trail),
                }
            }
        }
    }

    /// A multi-region trail homed elsewhere that has this name.
    fn shadow_named(&self, txn: &dyn ReadTxn, name: &str) -> Result<Option<TrailRecord>, ApiError> {
        Ok(self
            .all_trails(txn)?
            .into_iter()
            .find(|t| t.name == name && t.visible_in(self.region)))
    }
}

/// An ARN of a single-region trail of another region.
pub(crate) fn wrong_region(region: &str) -> ApiError {
    ApiError::client(
        "CloudTrailARNInvalidException",
        format!("Region in ARN is wrong, you can only access resources in region {region}."),
    )
}

/// A change asked of a shadow trail.
pub(crate) fn home_region_only(trail: &TrailRecord) -> ApiError {
    ApiError::client(
        "InvalidHomeRegionException",
        format!(
            "The trail {} can only be changed in its home region {}.",
            trail.trail_arn, trail.home_region
        ),
    )
}
