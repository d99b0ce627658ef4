//! STS and IAM, the AWS Query services that manage and mint identities.
//!
//! Owns: the operations real clients use (`sts:GetCallerIdentity`, `AssumeRole`,
//! `GetSessionToken`, `GetFederationToken`; IAM users, access keys, roles and their inline
//! policies), their XML results and their audit rendering. Each handler takes the
//! [`CallContext`] and the parsed form parameters and returns a [`QueryOutput`].
//!
//! Knows nothing about HTTP or signatures; the server wraps [`QueryOutput`] in the XML envelope.

pub mod access;
mod iam;
mod output;
mod sts;

use std::collections::BTreeMap;

use trailroom_audit::CallContext;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;

pub use output::QueryOutput;
pub use sts::federation;

/// XML namespace of STS responses.
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// XML namespace of IAM responses.
pub const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// A Query service served here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryService {
    /// AWS Security Token Service.
    Sts,
    /// AWS Identity and Access Management.
    Iam,
}

impl QueryService {
    /// The service for a SigV4 signing name.
    pub fn from_signing_name(name: &str) -> Option<Self> {
        match name {
            "sts" => Some(Self::Sts),
            "iam" => Some(Self::Iam),
            _ => None,
        }
    }

    /// `eventSource` of its events.
    pub fn event_source(self) -> &'static str {
        match self {
            Self::Sts => "sts.amazonaws.com",
            Self::Iam => "iam.amazonaws.com",
        }
    }

    /// XML namespace.
    pub fn xmlns(self) -> &'static str {
        match self {
            Self::Sts => STS_XMLNS,
            Self::Iam => IAM_XMLNS,
        }
    }

    /// The region its events are recorded in, for a call signed for `signed_region`: IAM is
    /// global and records in us-east-1, as AWS does; STS records where it was called.
    pub fn event_region(self, signed_region: &str) -> String {
        match self {
            Self::Sts => signed_region.to_owned(),
            Self::Iam => "us-east-1".to_owned(),
        }
    }

    /// Whether `action` is an operation of this service.
    pub fn knows(self, action: &str) -> bool {
        self.operation(action).is_some()
    }

    /// `(readOnly, logs responseElements)` for `action`, or `None` if unknown.
    pub fn operation(self, action: &str) -> Option<(bool, bool)> {
        match self {
            Self::Sts => sts::operation(action),
            Self::Iam => iam::operation(action),
        }
    }

    /// Runs `action`.
    pub async fn call(
        self,
        ctx: &CallContext,
        action: &str,
        params: &QueryParams,
    ) -> Result<QueryOutput, ApiError> {
        match self {
            Self::Sts => sts::call(ctx, action, params).await,
            Self::Iam => iam::call(ctx, action, params).await,
        }
    }
}

/// `requestParameters` for a Query call: every member but `Action` and `Version`, lowerCamelCase,
/// lists (`Tags.member.1.Key`) as JSON arrays of objects (`"tags": [{"key": …}]`), as CloudTrail
/// renders them. Top-level numbers are numbers.
pub fn request_parameters(params: &QueryParams) -> serde_json::Value {
    let mut root = Node::Object(BTreeMap::new());
    for (key, value) in params.iter() {
        if matches!(key, "Action" | "Version") {
            continue;
        }
        let path = query_path(key);
        let leaf = match path.len() {
            1 => parameter_value(value),
            _ => value.into(),
        };
        root.insert(&path, leaf);
    }
    root.into_value()
}

/// One step of a Query parameter name.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Member(String),
    Index(usize),
}

/// `Tags.member.2.Key` → [tags, #2, key]; `.member.N` / `.entry.N` are list positions.
fn query_path(name: &str) -> Vec<Step> {
    let parts: Vec<&str> = name.split('.').collect();
    // No AWS parameter nests deeper; a longer name stays one member (and the tree shallow).
    if parts.len() > 16 {
        return vec![Step::Member(trailroom_protocol::query::lower_first(name))];
    }
    let mut path = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        // A list position needs a list to be in: the first step is always a member name, so the
        // parameters stay an object whatever the names.
        let list_position = (i > 0 && matches!(parts[i], "member" | "entry"))
            .then(|| parts.get(i + 1).and_then(|n| n.parse::<usize>().ok()))
            .flatten();
        match list_position {
            Some(n) => {
                path.push(Step::Index(n));
                i += 2;
            }
            None => {
                path.push(Step::Member(trailroom_protocol::query::lower_first(
                    parts[i],
                )));
                i += 1;
            }
        }
    }
    path
}

/// The parameters as a tree; lists keep only the positions given (sparse), in order.
enum Node {
    Leaf(serde_json::Value),
    Object(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

impl Node {
    fn insert(&mut self, path: &[Step], leaf: serde_json::Value) {
        let Some((step, rest)) = path.split_first() else {
            *self = Node::Leaf(leaf);
            return;
        };
        match step {
            Step::Member(name) => {
                if !matches!(self, Node::Object(_)) {
                    *self = Node::Object(BTreeMap::new());
                }
                if let Node::Object(members) = self {
                    members
                        .entry(name.clone())
                        .or_insert_with(|| Node::Object(BTreeMap::new()))
                        .insert(rest, leaf);
                }
            }
            Step::Index(n) => {
                if !matches!(self, Node::List(_)) {
                    *self = Node::List(BTreeMap::new());
                }
                if let Node::List(items) = self {
                    items
                        .entry(*n)
                        .or_insert_with(|| Node::Object(BTreeMap::new()))
                        .insert(rest, leaf);
                }
            }
        }
    }

    fn into_value(self) -> serde_json::Value {
        match self {
            Node::Leaf(value) => value,
            Node::Object(members) => serde_json::Value::Object(
                members
                    .into_iter()
                    .map(|(name, node)| (name, node.into_value()))
                    .collect(),
            ),
            Node::List(items) => {
                serde_json::Value::Array(items.into_values().map(Node::into_value).collect())
            }
        }
    }
}

fn parameter_value(raw: &str) -> serde_json::Value {
    raw.parse::<i64>()
        .map(Into::into)
        .unwrap_or_else(|_| raw.into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn iam_records_in_us_east_1_and_sts_where_it_was_called() {
        assert_eq!(QueryService::Iam.event_region("eu-west-1"), "us-east-1");
        assert_eq!(QueryService::Sts.event_region("eu-west-1"), "eu-west-1");
    }

    #[test]
    fn lists_become_arrays_of_lower_camel_objects() {
        let params = QueryParams::parse(
            b"Action=AssumeRole&RoleArn=arn&DurationSeconds=900&Tags.member.1.Key=a&Tags.member.1.Value=1\
             &Tags.member.2.Key=b&Tags.member.2.Value=2&TransitiveTagKeys.member.1=a\
             &PolicyArns.member.1.arn=p",
        )
        .unwrap();
        assert_eq!(
            request_parameters(&params),
            json!({
                "roleArn": "arn",
                "durationSeconds": 900,
                "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
                "transitiveTagKeys": ["a"],
                "policyArns": [{"arn": "p"}],
            })
        );
    }

    #[test]
    fn odd_names_never_panic() {
        let deep = format!("{}=1", "a.".repeat(100_000));
        let params = QueryParams::parse(
            format!("a..b=1&member.0=2&member.1.x=6&entry.3=7&x.member.99999999999=3&.=4&y.member=5&{deep}").as_bytes(),
        )
        .unwrap();
        let rendered = request_parameters(&params);
        assert!(rendered.is_object());
        // A list position as the last parameter must not turn the whole tree into a list.
        let params = QueryParams::parse(b"Action=X&a=1&member.0.erName=al").unwrap();
        assert_eq!(
            request_parameters(&params),
            json!({"a": 1, "member": {"0": {"erName": "al"}}})
        );
    }
}
