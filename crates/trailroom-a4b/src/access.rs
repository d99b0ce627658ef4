//! What each A4B call needs permission for: the action `a4b:<Operation>` on every A4B resource
//! the request names (its ARN members), or, for a call that names none, on the type the call
//! creates (`arn:aws:a4b:<region>:<account>:room/*`) or `*`. Tags in the request are the
//! `aws:RequestTag/*` and `aws:TagKeys` condition keys; the named resource's own tags are
//! `aws:ResourceTag/*` ([`add_resource_tags`]).

use serde_json::Value;
use trailroom_authz::Access;
use trailroom_model::a4b::Operation;

use crate::arn::{Arn, ResourceType};

/// Adds each named resource's stored tags as `aws:ResourceTag/*`.
pub fn add_resource_tags(
    txn: &dyn trailroom_store::ReadTxn,
    accesses: Vec<Access>,
) -> Result<Vec<Access>, trailroom_protocol::ApiError> {
    accesses
        .into_iter()
        .map(|access| {
            let Some(arn) = Arn::parse(&access.resource) else {
                return Ok(access);
            };
            let tags = crate::support::tags::load(txn, &arn.account_id, &access.resource)?;
            Ok(access.with_resource_tags(&tags))
        })
        .collect()
}

/// The accesses `op` with rendered input `parameters` needs.
pub fn accesses(
    op: Operation,
    parameters: Option<&Value>,
    region: &str,
    account: &str,
) -> Vec<Access> {
    let action = format!("a4b:{}", op.name());
    let mut resources = Vec::new();
    if let Some(Value::Object(members)) = parameters {
        for value in members.values() {
            if let Value::String(text) = value
                && Arn::parse(text).is_some()
                && !resources.contains(text)
            {
                resources.push(text.clone());
            }
        }
    }
    if resources.is_empty() {
        resources.push(match created_type(op) {
            Some(kind) => format!("arn:aws:a4b:{region}:{account}:{}/*", kind.segment()),
            None => "*".to_owned(),
        });
    }
    let tags = request_tags(parameters);
    resources
        .into_iter()
        .map(|resource| {
            let mut access = Access::new(action.clone(), resource);
            if !tags.is_empty() {
                for (key, value) in &tags {
                    access = access.with(&format!("aws:RequestTag/{key}"), value.clone());
                }
                let keys = tags.iter().map(|(k, _)| k.clone()).collect();
                access.context.push(("aws:TagKeys".into(), keys));
            }
            access
        })
        .collect()
}

/// The resource type a `Create…` operation makes.
fn created_type(op: Operation) -> Option<ResourceType> {
    Some(match op {
        Operation::CreateRoom => ResourceType::Room,
        Operation::CreateProfile => ResourceType::Profile,
        Operation::CreateSkillGroup => ResourceType::SkillGroup,
        Operation::CreateUser => ResourceType::User,
        Operation::CreateAddressBook => ResourceType::AddressBook,
        Operation::CreateContact => ResourceType::Contact,
        Operation::CreateConferenceProvider => ResourceType::ConferenceProvider,
        Operation::CreateNetworkProfile => ResourceType::NetworkProfile,
        Operation::CreateGatewayGroup => ResourceType::GatewayGroup,
        Operation::CreateBusinessReportSchedule => ResourceType::BusinessReportSchedule,
        _ => return None,
    })
}

/// `tags: [{key, value}]` of the request.
fn request_tags(parameters: Option<&Value>) -> Vec<(String, String)> {
    parameters
        .and_then(|p| p.get("tags"))
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    let key = t.get("key").and_then(Value::as_str)?;
                    let value = t.get("value").and_then(Value::as_str).unwrap_or_default();
                    Some((key.to_owned(), value.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resources_come_from_the_request_or_the_created_type() {
        let create = accesses(
            Operation::CreateRoom,
            Some(&json!({"roomName": "Lobby", "tags": [{"key": "team", "value": "blue"}]})),
            "us-east-1",
            "111122223333",
        );
        assert_eq!(create.len(), 1);
        assert_eq!(create[0].action, "a4b:CreateRoom");
        assert_eq!(
            create[0].resource,
            "arn:aws:a4b:us-east-1:111122223333:room/*"
        );
        assert!(
            create[0]
                .context
                .contains(&("aws:RequestTag/team".into(), vec!["blue".into()]))
        );
        let room = "arn:aws:a4b:us-east-1:111122223333:room/abc/def";
        let group = "arn:aws:a4b:us-east-1:111122223333:skill-group/abc/ghi";
        let associate = accesses(
            Operation::AssociateSkillGroupWithRoom,
            Some(&json!({"roomArn": room, "skillGroupArn": group})),
            "us-east-1",
            "111122223333",
        );
        let resources: Vec<&str> = associate.iter().map(|a| a.resource.as_str()).collect();
        assert!(resources.contains(&room) && resources.contains(&group));
        let search = accesses(Operation::SearchRooms, None, "us-east-1", "111122223333");
        assert_eq!(search[0].resource, "*");
    }
}
