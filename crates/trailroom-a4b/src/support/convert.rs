//! Moving values between the model's shapes: Create*/Update* inputs and stored outputs share their
//! PascalCase member names, so conversion goes through JSON, and updates are JSON merges.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use trailroom_protocol::ApiError;

/// Converts between two shapes whose members share wire names.
pub fn convert<A: Serialize, B: DeserializeOwned>(from: &A) -> Result<B, ApiError> {
    serde_json::to_value(from)
        .and_then(serde_json::from_value)
        .map_err(|_| ApiError::internal())
}

/// Applies the members present in `patch` onto `target`, recursing into objects. Absent members
/// (and nulls) leave the stored value alone, as A4B's Update* operations do.
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    continue;
                }
                match target.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, patch) if !patch.is_null() => *target = patch,
        _ => {}
    }
}

/// `merge` on typed values: `target` updated with the members `patch` sets.
pub fn merged<T: Serialize + DeserializeOwned, P: Serialize>(
    target: &T,
    patch: &P,
) -> Result<T, ApiError> {
    let mut value = serde_json::to_value(target).map_err(|_| ApiError::internal())?;
    merge(
        &mut value,
        serde_json::to_value(patch).map_err(|_| ApiError::internal())?,
    );
    serde_json::from_value(value).map_err(|_| ApiError::internal())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_keeps_absent_members_and_recurses() {
        let mut stored = json!({"A": 1, "B": {"X": 1, "Y": 2}, "C": "keep"});
        merge(&mut stored, json!({"A": 2, "B": {"Y": 3}, "C": null}));
        assert_eq!(stored, json!({"A": 2, "B": {"X": 1, "Y": 3}, "C": "keep"}));
    }
}
