//! The configurations a bucket holds by id: analytics, metrics, inventory and intelligent
//! tiering. Each family is put, read, deleted and listed as S3 does (an unknown id is
//! `NoSuchConfiguration`; a listing of none is an empty, untruncated list), stored as one JSON
//! object of id to configuration.

use std::collections::BTreeMap;

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};
use serde_json::Value;
use trailroom_protocol::ApiError;

use super::{NO_CONTENT, Sub, not_found, stored};
use crate::service::{S3Backend, request_info};

const ANALYTICS: Sub = Sub {
    key: "analytics",
    root: "AnalyticsConfiguration",
    get: "s3:GetAnalyticsConfiguration",
    put: "s3:PutAnalyticsConfiguration",
};
const METRICS: Sub = Sub {
    key: "metrics",
    root: "MetricsConfiguration",
    get: "s3:GetMetricsConfiguration",
    put: "s3:PutMetricsConfiguration",
};
const INVENTORY: Sub = Sub {
    key: "inventory",
    root: "InventoryConfiguration",
    get: "s3:GetInventoryConfiguration",
    put: "s3:PutInventoryConfiguration",
};
const INTELLIGENT_TIERING: Sub = Sub {
    key: "intelligent-tiering",
    root: "IntelligentTieringConfiguration",
    get: "s3:GetIntelligentTieringConfiguration",
    put: "s3:PutIntelligentTieringConfiguration",
};

fn no_such_configuration() -> ApiError {
    not_found(
        "NoSuchConfiguration",
        "The specified configuration does not exist.",
    )
}

/// Put, get, delete and list of one family.
macro_rules! family {
    (
        $sub:expr, $config:ty, $field:ident,
        $put:ident: $put_in:ty => $put_out:ty, $put_event:literal,
        $get:ident: $get_in:ty => $get_out:ident, $get_event:literal,
        $delete:ident: $delete_in:ty => $delete_out:ty, $delete_event:literal,
        $list:ident: $list_in:ty => $list_out:ident, $list_field:ident, $list_event:literal
    ) => {
        pub(crate) async fn $put(
            backend: &S3Backend,
            req: S3Request<$put_in>,
        ) -> S3Result<S3Response<$put_out>> {
            let info = request_info(&req)?;
            let input = &req.input;
            let document = serde_json::to_value(&input.$field).ok();
            let ctx = backend.config_call(&info, $put_event, false, &input.bucket, $sub, document);
            let (id, config) = (input.id.clone(), input.$field.clone());
            let result = match config.id == id {
                false => Err(ApiError::client(
                    "InvalidArgument",
                    "The Id in the request does not match the Id in the configuration",
                )),
                true => {
                    backend
                        .update_config(&ctx, &info, &input.bucket, $sub.put, $sub, move |_, old| {
                            let mut all = entries(old);
                            all.insert(id, serde_json::to_value(config).unwrap_or_default());
                            Ok(Some(Value::Object(all.into_iter().collect())))
                        })
                        .await
                }
            };
            backend
                .finish(&ctx, &info, result.map(|()| <$put_out>::default()))
                .await
        }

        pub(crate) async fn $get(
            backend: &S3Backend,
            req: S3Request<$get_in>,
        ) -> S3Result<S3Response<$get_out>> {
            let info = request_info(&req)?;
            let ctx = backend.config_call(&info, $get_event, true, &req.input.bucket, $sub, None);
            let result = backend
                .owned_bucket(&info, &req.input.bucket, $sub.get)
                .and_then(|bucket| {
                    entries(stored(&bucket, $sub))
                        .remove(&req.input.id)
                        .and_then(|v| serde_json::from_value::<$config>(v).ok())
                        .map(|config| $get_out {
                            $field: Some(config),
                        })
                        .ok_or_else(no_such_configuration)
                });
            backend.finish(&ctx, &info, result).await
        }

        pub(crate) async fn $delete(
            backend: &S3Backend,
            req: S3Request<$delete_in>,
        ) -> S3Result<S3Response<$delete_out>> {
            let info = request_info(&req)?;
            let bucket = req.input.bucket.clone();
            let ctx = backend.config_call(&info, $delete_event, false, &bucket, $sub, None);
            let id = req.input.id.clone();
            let result = backend
                .update_config(&ctx, &info, &bucket, $sub.put, $sub, move |_, old| {
                    let mut all = entries(old);
                    all.remove(&id).ok_or_else(no_such_configuration)?;
                    Ok((!all.is_empty()).then(|| Value::Object(all.into_iter().collect())))
                })
                .await;
            let mut response = backend
                .finish(&ctx, &info, result.map(|()| <$delete_out>::default()))
                .await?;
            response.status = Some(NO_CONTENT);
            Ok(response)
        }

        pub(crate) async fn $list(
            backend: &S3Backend,
            req: S3Request<$list_in>,
        ) -> S3Result<S3Response<$list_out>> {
            let info = request_info(&req)?;
            let ctx = backend.config_call(&info, $list_event, true, &req.input.bucket, $sub, None);
            let result = backend
                .owned_bucket(&info, &req.input.bucket, $sub.get)
                .map(|bucket| {
                    let all: Vec<$config> = entries(stored(&bucket, $sub))
                        .into_values()
                        .filter_map(|v| serde_json::from_value(v).ok())
                        .collect();
                    $list_out {
                        $list_field: (!all.is_empty()).then_some(all),
                        is_truncated: Some(false),
                        continuation_token: req.input.continuation_token.clone(),
                        next_continuation_token: None,
                    }
                });
            backend.finish(&ctx, &info, result).await
        }
    };
}

/// The stored configurations by id.
fn entries(stored: Option<Value>) -> BTreeMap<String, Value> {
    match stored {
        Some(Value::Object(map)) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

family!(ANALYTICS, AnalyticsConfiguration, analytics_configuration,
    put_analytics: PutBucketAnalyticsConfigurationInput => PutBucketAnalyticsConfigurationOutput,
        "PutBucketAnalyticsConfiguration",
    get_analytics: GetBucketAnalyticsConfigurationInput => GetBucketAnalyticsConfigurationOutput,
        "GetBucketAnalyticsConfiguration",
    delete_analytics: DeleteBucketAnalyticsConfigurationInput => DeleteBucketAnalyticsConfigurationOutput,
        "DeleteBucketAnalyticsConfiguration",
    list_analytics: ListBucketAnalyticsConfigurationsInput => ListBucketAnalyticsConfigurationsOutput,
        analytics_configuration_list, "ListBucketAnalyticsConfigurations");

family!(METRICS, MetricsConfiguration, metrics_configuration,
    put_metrics: PutBucketMetricsConfigurationInput => PutBucketMetricsConfigurationOutput,
        "PutBucketMetricsConfiguration",
    get_metrics: GetBucketMetricsConfigurationInput => GetBucketMetricsConfigurationOutput,
        "GetBucketMetricsConfiguration",
    delete_metrics: DeleteBucketMetricsConfigurationInput => DeleteBucketMetricsConfigurationOutput,
        "DeleteBucketMetricsConfiguration",
    list_metrics: ListBucketMetricsConfigurationsInput => ListBucketMetricsConfigurationsOutput,
        metrics_configuration_list, "ListBucketMetricsConfigurations");

family!(INVENTORY, InventoryConfiguration, inventory_configuration,
    put_inventory: PutBucketInventoryConfigurationInput => PutBucketInventoryConfigurationOutput,
        "PutBucketInventoryConfiguration",
    get_inventory: GetBucketInventoryConfigurationInput => GetBucketInventoryConfigurationOutput,
        "GetBucketInventoryConfiguration",
    delete_inventory: DeleteBucketInventoryConfigurationInput => DeleteBucketInventoryConfigurationOutput,
        "DeleteBucketInventoryConfiguration",
    list_inventory: ListBucketInventoryConfigurationsInput => ListBucketInventoryConfigurationsOutput,
        inventory_configuration_list, "ListBucketInventoryConfigurations");

family!(INTELLIGENT_TIERING, IntelligentTieringConfiguration, intelligent_tiering_configuration,
    put_intelligent_tiering: PutBucketIntelligentTieringConfigurationInput
        => PutBucketIntelligentTieringConfigurationOutput, "PutBucketIntelligentTieringConfiguration",
    get_intelligent_tiering: GetBucketIntelligentTieringConfigurationInput
        => GetBucketIntelligentTieringConfigurationOutput, "GetBucketIntelligentTieringConfiguration",
    delete_intelligent_tiering: DeleteBucketIntelligentTieringConfigurationInput
        => DeleteBucketIntelligentTieringConfigurationOutput,
        "DeleteBucketIntelligentTieringConfiguration",
    list_intelligent_tiering: ListBucketIntelligentTieringConfigurationsInput
        => ListBucketIntelligentTieringConfigurationsOutput,
        intelligent_tiering_configuration_list, "ListBucketIntelligentTieringConfigurations");
