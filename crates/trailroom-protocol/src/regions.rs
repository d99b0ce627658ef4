//! The regions this server knows: one table for signature checks, multi-region trails, region
//! discovery and the console. A request signed for a region outside it is refused before any
//! service runs, so no event is ever recorded in a region no trail covers.

/// The partition every ARN this server hands out is in.
pub const PARTITION: &str = "aws";

/// The regions of the partition, sorted. Requests signed for any other region are refused (as
/// AWS refuses a credential scope naming no region); a multi-region trail has a shadow in each
/// and the trail quota is checked in each.
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Regions an account must opt in to (AWS's `opt-in-required`); the others are enabled by
/// default.
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// Whether `region` is a region of the partition.
pub fn is_known(region: &str) -> bool {
    REGIONS.binary_search(&region).is_ok()
}

/// The message AWS answers a credential scope naming an unknown region with.
pub fn invalid_region_message(region: &str) -> String {
    format!("Credential should be scoped to a valid region, not '{region}'. ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_opt_in_regions_are_in_it() {
        assert!(REGIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(OPT_IN_REGIONS.iter().all(|r| is_known(r)));
        assert!(is_known("us-east-1") && is_known("eu-west-1"));
        assert!(!is_known("zz-fake-1") && !is_known("") && !is_known("US-EAST-1"));
    }
}
