//! Which resources a call names, for the audit record: the A4B ARNs given at the top level of the
//! request, then those at the top level of the response (the resource a Create made, the room
//! ResolveRoom found). One rule for all 93 operations, from a4b.md's per-operation table, instead
//! of per-handler bookkeeping.

use serde_json::Value;
use trailroom_audit::Resource;

use crate::arn::Arn;

/// The resources named by `request` and `response` (audit renderings), in that order, deduplicated.
pub fn named_resources(request: &Value, response: &Value) -> Vec<Resource> {
    let mut found = Vec::new();
    for value in [request, response] {
        if let Value::Object(members) = value {
            for member in members.values() {
                collect(member, &mut found);
            }
        }
    }
    found
}

fn collect(value: &Value, found: &mut Vec<Resource>) {
    match value {
        Value::String(text) => {
            let Some(arn) = Arn::parse(text) else { return };
            let Some(kind) = arn.resource_type.cloudtrail_type() else {
                return;
            };
            let resource = Resource {
                resource_type: kind.to_owned(),
                name: text.clone(),
            };
            if !found.contains(&resource) {
                found.push(resource);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PROFILE: &str = "arn:aws:a4b:us-east-1:123456789012:profile/8eed09c4eae340d2ba08b8c6c3e40970/00491b672c651240de09540d2072f660";
    const ROOM: &str = "arn:aws:a4b:us-east-1:123456789012:room/8eed09c4eae340d2ba08b8c6c3e40970/66afda686e75c5b62fceaf60ac00e7a6";

    #[test]
    fn create_room_names_profile_then_room() {
        let found = named_resources(
            &json!({"roomName": "Lobby", "profileArn": PROFILE}),
            &json!({"roomArn": ROOM}),
        );
        let types: Vec<_> = found.iter().map(|r| r.resource_type.as_str()).collect();
        assert_eq!(types, ["AWS::A4B::Profile", "AWS::A4B::Room"]);
        assert_eq!(found[1].name, ROOM);
    }

    #[test]
    fn nested_values_and_non_arns_are_ignored() {
        let found = named_resources(
            &json!({"filters": [{"key": "ProfileArn", "values": [PROFILE]}], "name": "x"}),
            &json!({"room": {"roomArn": ROOM}}),
        );
        assert!(found.is_empty());
    }
}
