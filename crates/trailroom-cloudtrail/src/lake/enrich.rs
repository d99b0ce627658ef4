//! Enriched events: an event data store configured with context key selectors
//! (PutEventConfiguration) stores each event with an `eventContext` holding the selected IAM
//! global condition keys as they applied to the call (`requestContext`) and the selected tag keys
//! of the resources the event names (`tagContext`). Event history and trails never carry it.
//!
//! Condition keys are derived from the recorded event itself (its identity, region, time and
//! TLS details) and the caller's organization; a key that did not apply to the call is left out,
//! as AWS leaves out keys irrelevant to the authorization. AWS publishes no populated
//! `tagContext`; here it maps each selected tag key to its value on the first resource of the
//! event that carries it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use trailroom_model::cloudtrail::ContextKeySelector;
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use crate::trails::{Destinations, organization_of};

/// The IAM global condition keys CloudTrail can add to enriched events.
pub const SUPPORTED_CONDITION_KEYS: &[&str] = &[
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:SourceIdentity",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:RequestedRegion",
    "aws:SecureTransport",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SourceAccount",
    "aws:SourceOrgID",
];

/// What a context key selector adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContextType {
    /// Resource tag keys.
    TagContext,
    /// IAM global condition keys.
    RequestContext,
}

impl ContextType {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "TagContext" => Some(Self::TagContext),
            "RequestContext" => Some(Self::RequestContext),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::TagContext => "TagContext",
            Self::RequestContext => "RequestContext",
        }
    }
}

/// A stored context key selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextKeys {
    /// `Type`.
    pub kind: ContextType,
    /// `Equals`: tag keys or condition key names.
    pub keys: Vec<String>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// Checks the selectors PutEventConfiguration was given: at most one per type, 1–50 keys of
/// 1–128 characters, condition keys among those CloudTrail supports.
pub fn checked_selectors(given: &[ContextKeySelector]) -> Result<Vec<ContextKeys>, ApiError> {
    if given.len() > 2 {
        return Err(invalid("At most two context key selectors are allowed."));
    }
    let mut out: Vec<ContextKeys> = Vec::new();
    for selector in given {
        let text = selector.type_.as_deref().unwrap_or_default();
        let kind = ContextType::parse(text).ok_or_else(|| {
            invalid(format!(
                "Context key selector Type must be TagContext or RequestContext, not {text:?}."
            ))
        })?;
        if out.iter().any(|s| s.kind == kind) {
            return Err(invalid(format!(
                "Only one context key selector of Type {text} is allowed."
            )));
        }
        let keys = selector.equals.clone().unwrap_or_default();
        if keys.is_empty() || keys.len() > 50 {
            return Err(invalid(format!(
                "A {text} selector takes between 1 and 50 keys."
            )));
        }
        for key in &keys {
            if key.is_empty() || key.chars().count() > 128 {
                return Err(invalid(format!(
                    "Context keys are 1 to 128 characters long: {key:?}."
                )));
            }
            if kind == ContextType::RequestContext && !SUPPORTED_CONDITION_KEYS.contains(&&**key) {
                return Err(invalid(format!(
                    "{key} is not an IAM global condition key CloudTrail adds to enriched events."
                )));
            }
        }
        let mut keys = keys;
        keys.dedup();
        out.push(ContextKeys { kind, keys });
    }
    Ok(out)
}

/// The selectors on the wire.
pub fn selectors_to_wire(selectors: &[ContextKeys]) -> Vec<ContextKeySelector> {
    selectors
        .iter()
        .map(|s| ContextKeySelector {
            type_: Some(s.kind.as_str().to_owned()),
            equals: Some(s.keys.clone()),
        })
        .collect()
}

/// Tags of the resources of one account and region, read once per feeding round.
pub struct TagIndex<'a> {
    neighbours: &'a dyn Destinations,
    loaded: BTreeMap<(String, String), BTreeMap<String, BTreeMap<String, String>>>,
}

impl<'a> TagIndex<'a> {
    /// An index reading through `neighbours`.
    pub fn new(neighbours: &'a dyn Destinations) -> Self {
        Self {
            neighbours,
            loaded: BTreeMap::new(),
        }
    }

    fn tags(
        &mut self,
        txn: &dyn ReadTxn,
        arn: &str,
        fallback_account: &str,
        fallback_region: &str,
    ) -> Result<Option<&BTreeMap<String, String>>, ApiError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let account = parts.get(4).filter(|a| !a.is_empty()).copied();
        let region = parts.get(3).filter(|r| !r.is_empty()).copied();
        let key = (
            account.unwrap_or(fallback_account).to_owned(),
            region.unwrap_or(fallback_region).to_owned(),
        );
        if !self.loaded.contains_key(&key) {
            let found = self.neighbours.tagged_resources(txn, &key.0, &key.1)?;
            self.loaded.insert(key.clone(), found.into_iter().collect());
        }
        Ok(self.loaded.get(&key).and_then(|by_arn| by_arn.get(arn)))
    }
}

/// `record_json` with its `eventContext` for `selectors` (unchanged without selectors).
pub fn enrich(
    txn: &dyn ReadTxn,
    record_json: &str,
    selectors: &[ContextKeys],
    tags: &mut TagIndex<'_>,
) -> Result<String, ApiError> {
    if selectors.is_empty() {
        return Ok(record_json.to_owned());
    }
    let Ok(Value::Object(mut record)) = serde_json::from_str::<Value>(record_json) else {
        return Ok(record_json.to_owned());
    };
    let mut context = Map::new();
    for selector in selectors {
        match selector.kind {
            ContextType::RequestContext => {
                let values = request_context(txn, &record, &selector.keys)?;
                context.insert("requestContext".into(), Value::Object(values));
            }
            ContextType::TagContext => {
                let values = tag_context(txn, &record, &selector.keys, tags)?;
                context.insert("tagContext".into(), Value::Object(values));
            }
        }
    }
    record.insert("eventVersion".into(), Value::from("1.11"));
    record.insert("eventContext".into(), Value::Object(context));
    Ok(Value::Object(record).to_string())
}

fn text<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// The selected condition keys' values for the call `record` describes.
fn request_context(
    txn: &dyn ReadTxn,
    record: &Map<String, Value>,
    keys: &[String],
) -> Result<Map<String, Value>, ApiError> {
    let event = Value::Object(record.clone());
    let identity = event.get("userIdentity").cloned().unwrap_or(Value::Null);
    let kind = text(&identity, &["type"]).unwrap_or_default();
    let account = text(&identity, &["accountId"]);
    let event_time = text(&event, &["eventTime"]);
    let epoch = event_time
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp().to_string());
    let mut out = Map::new();
    for key in keys {
        let value: Option<String> = match key.as_str() {
            "aws:PrincipalAccount" => account.map(str::to_owned),
            "aws:PrincipalArn" => match kind {
                "AssumedRole" => text(&identity, &["sessionContext", "sessionIssuer", "arn"]),
                _ => text(&identity, &["arn"]),
            }
            .map(str::to_owned),
            "aws:PrincipalType" => match kind {
                "Root" => Some("Account"),
                "IAMUser" => Some("User"),
                "AssumedRole" | "FederatedUser" => Some(kind),
                _ => None,
            }
            .map(str::to_owned),
            "aws:userid" => text(&identity, &["principalId"]).map(str::to_owned),
            "aws:username" if kind == "IAMUser" => {
                text(&identity, &["userName"]).map(str::to_owned)
            }
            "aws:PrincipalIsAWSService" => Some((kind == "AWSService").to_string()),
            "aws:PrincipalServiceName" if kind == "AWSService" => {
                text(&identity, &["invokedBy"]).map(str::to_owned)
            }
            "aws:ViaAWSService" => Some(
                (kind != "AWSService" && text(&identity, &["invokedBy"]).is_some()).to_string(),
            ),
            "aws:RequestedRegion" => text(&event, &["awsRegion"]).map(str::to_owned),
            "aws:SecureTransport" => Some(event.get("tlsDetails").is_some().to_string()),
            "aws:CurrentTime" => event_time.map(str::to_owned),
            "aws:EpochTime" => epoch.clone(),
            "aws:MultiFactorAuthPresent" => text(
                &identity,
                &["sessionContext", "attributes", "mfaAuthenticated"],
            )
            .map(str::to_owned),
            "aws:TokenIssueTime" => {
                text(&identity, &["sessionContext", "attributes", "creationDate"])
                    .map(str::to_owned)
            }
            "aws:SourceIdentity" => {
                text(&identity, &["sessionContext", "sourceIdentity"]).map(str::to_owned)
            }
            "aws:FederatedProvider" => text(
                &identity,
                &["sessionContext", "webIdFederationData", "federatedProvider"],
            )
            .map(str::to_owned),
            "aws:PrincipalOrgID" => match account {
                Some(account) => organization_of(txn, account)
                    .map_err(trailroom_audit::store_failure)?
                    .map(|org| org.id),
                None => None,
            },
            _ => None,
        };
        if let Some(value) = value {
            out.insert(key.clone(), Value::from(value));
        }
    }
    Ok(out)
}

/// The selected tag keys of the resources `record` names, first resource first.
fn tag_context(
    txn: &dyn ReadTxn,
    record: &Map<String, Value>,
    keys: &[String],
    index: &mut TagIndex<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let account = record
        .get("recipientAccountId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let region = record
        .get("awsRegion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let arns: Vec<String> = record
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("ARN").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut out = Map::new();
    for arn in arns {
        let Some(tags) = index.tags(txn, &arn, account, region)? else {
            continue;
        };
        for key in keys {
            if let Some(value) = tags.get(key)
                && !out.contains_key(key)
            {
                out.insert(key.clone(), Value::from(value.clone()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(kind: &str, keys: &[&str]) -> ContextKeySelector {
        ContextKeySelector {
            type_: Some(kind.into()),
            equals: Some(keys.iter().map(|k| k.to_string()).collect()),
        }
    }

    #[test]
    fn selectors_are_checked() {
        let ok = checked_selectors(&[
            selector("TagContext", &["team"]),
            selector("RequestContext", &["aws:PrincipalArn"]),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2);
        for bad in [
            vec![
                selector("TagContext", &["a"]),
                selector("TagContext", &["b"]),
            ],
            vec![selector("Other", &["a"])],
            vec![selector("TagContext", &[])],
            vec![selector("RequestContext", &["aws:NotAKey"])],
        ] {
            assert_eq!(
                checked_selectors(&bad).unwrap_err().code(),
                "InvalidParameterException"
            );
        }
    }
}
