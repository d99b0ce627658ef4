//! CloudTrail's [`Destinations`] port, answered by this server's S3 and SNS through their own
//! readers, by the configured external buckets, and (for enriched events' tags) by the tagging
//! inventory of every service.

use trailroom_cloudtrail::trails::{BucketView, Destinations, TaggedResource};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

/// This server's buckets and topics, plus the buckets on external S3-compatible endpoints.
#[derive(Debug, Default)]
pub struct ServerDestinations {
    /// Names of buckets that live on an external endpoint.
    pub external_buckets: Vec<String>,
}

impl Destinations for ServerDestinations {
    fn bucket(&self, txn: &dyn ReadTxn, name: &str) -> Result<BucketView, ApiError> {
        if self.external_buckets.iter().any(|b| b == name) {
            return Ok(BucketView::External);
        }
        Ok(match trailroom_s3::bucket_named(txn, name)? {
            Some(bucket) => BucketView::Local {
                region: bucket.region,
                policy: bucket.policy,
            },
            None => BucketView::Missing,
        })
    }

    fn topic_policy(&self, txn: &dyn ReadTxn, arn: &str) -> Result<Option<String>, ApiError> {
        Ok(trailroom_sns::topic_named(txn, arn)?.map(|topic| topic.policy().to_owned()))
    }

    fn tagged_resources(
        &self,
        txn: &dyn ReadTxn,
        account: &str,
        region: &str,
    ) -> Result<Vec<TaggedResource>, ApiError> {
        Ok(
            trailroom_tagging::inventory::resources(txn, account, region)?
                .into_iter()
                .map(|r| (r.arn, r.tags))
                .collect(),
        )
    }
}
