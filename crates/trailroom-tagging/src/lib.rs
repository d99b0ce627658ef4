//! The Resource Groups Tagging API (AWS JSON 1.1, target prefix `ResourceGroupsTaggingAPI_20170126`,
//! signing name `tagging`) over the resources trailroom serves: trails, S3 buckets, SNS topics
//! and A4B resources. Tags live where each service keeps them; this crate reads them
//! ([`inventory`]) and changes them through each service's own rules, so tags set through either
//! door are the same tags.
//!
//! Knows nothing about HTTP: the server authenticates, authorizes `tag:<Operation>` and passes
//! the body to [`call`].

pub mod inventory;
mod query;
mod write;

use serde_json::{Map, Value, json};
use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;
use trailroom_protocol::operations::{OperationTable, TableOperation};

/// `X-Amz-Target` prefix of the tagging API.
pub const TARGET_PREFIX: &str = "ResourceGroupsTaggingAPI_20170126";
/// `eventSource` of its calls.
pub const EVENT_SOURCE: &str = "tagging.amazonaws.com";
/// The signing name its credential scope carries.
pub const SIGNING_NAME: &str = "tagging";

/// The operations answered here: `(name, readOnly)`.
pub const OPERATIONS: OperationTable = OperationTable::new(&[
    ("GetResources", true),
    ("GetTagKeys", true),
    ("GetTagValues", true),
    ("TagResources", false),
    ("UntagResources", false),
]);

/// A tagging API operation.
pub type Operation = TableOperation;

/// Every operation answered here, with whether it is read-only.
pub fn operations() -> impl Iterator<Item = (&'static str, bool)> {
    OPERATIONS.all()
}

/// `InvalidParameterException` (400).
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// `requestParameters`: member names in lowerCamel case; tag keys and values as given.
fn request_parameters(input: &Value) -> Value {
    let Some(members) = input.as_object() else {
        return Value::Null;
    };
    let lower = |name: &str| {
        let mut chars = name.chars();
        chars.next().map_or_else(String::new, |c| {
            c.to_lowercase().chain(chars).collect::<String>()
        })
    };
    let rendered: Map<String, Value> = members
        .iter()
        .map(|(name, value)| {
            let value = match (name.as_str(), value) {
                ("TagFilters", Value::Array(filters)) => Value::Array(
                    filters
                        .iter()
                        .map(|f| json!({"key": f["Key"], "values": f["Values"]}))
                        .collect(),
                ),
                _ => value.clone(),
            };
            (lower(name).replace("ARN", "Arn"), value)
        })
        .collect();
    Value::Object(rendered)
}

/// The input as `T`, or a `SerializationException` naming what is wrong.
fn parse<T: serde::de::DeserializeOwned>(input: Value) -> Result<T, ApiError> {
    serde_json::from_value(input).map_err(|e| ApiError::serialization(e.to_string()))
}

/// Runs `op`; returns the JSON response body.
pub async fn call(ctx: &CallContext, op: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let input: Value = match body.is_empty() {
        true => json!({}),
        false => serde_json::from_slice(body)
            .map_err(|_| ApiError::serialization("Malformed request body"))?,
    };
    if !input.is_object() {
        return Err(ApiError::serialization(
            "The request body must be a JSON object",
        ));
    }
    let parameters = input.as_object().is_some_and(|o| !o.is_empty());
    ctx.set_request_parameters(match parameters {
        true => request_parameters(&input),
        false => Value::Null,
    });
    ctx.check_authorized(parameters.then_some(&input))?;
    let resources = || ctx.read(|txn| inventory::resources(txn, ctx.account_id(), ctx.region()));
    let token = |input: &Value| input["PaginationToken"].as_str().map(str::to_owned);
    let response = match op.name() {
        "GetResources" => query::get_resources(resources()?, &parse(input)?)?,
        "GetTagKeys" => query::get_tag_keys(resources()?, token(&input).as_deref())?,
        "GetTagValues" => {
            let key = input["Key"].as_str().unwrap_or_default();
            if key.is_empty() || key.chars().count() > 128 {
                return Err(invalid("Key must be 1 to 128 characters."));
            }
            query::get_tag_values(resources()?, key, token(&input).as_deref())?
        }
        "TagResources" => write::apply(ctx, write::Change::tag(parse(input)?)?)
            .await?
            .to_response(),
        _ => write::apply(ctx, write::Change::untag(parse(input)?)?)
            .await?
            .to_response(),
    };
    Ok(response.to_string().into_bytes())
}
