//! Event selectors: how they are stored, checked on PutEventSelectors and shown on the wire.
//! How they decide which events a trail logs is in [`super::admission`].

use serde::{Deserialize, Serialize};
use trailroom_model::cloudtrail::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector,
};
use trailroom_protocol::ApiError;

/// A trail's selectors: basic or advanced, never both (applying one kind replaces the other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Kind", content = "Selectors")]
pub enum SelectorSet {
    /// `EventSelectors`.
    Basic(Vec<BasicSelector>),
    /// `AdvancedEventSelectors`.
    Advanced(Vec<AdvancedSelector>),
}

impl SelectorSet {
    /// Whether some data events are logged (what aggregated events summarize).
    pub fn logs_data_events(&self) -> bool {
        match self {
            Self::Basic(selectors) => selectors.iter().any(|s| !s.data_resources.is_empty()),
            Self::Advanced(selectors) => selectors.iter().any(|s| {
                s.field_selectors
                    .iter()
                    .any(|f| f.field == "eventCategory" && f.equals.iter().any(|c| c == "Data"))
            }),
        }
    }
}

impl Default for SelectorSet {
    /// A new trail: all management events, read and write, no data events.
    fn default() -> Self {
        Self::Basic(vec![BasicSelector::default()])
    }
}

/// Which management/data events by `readOnly`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadWriteType {
    /// Read-only calls.
    ReadOnly,
    /// Mutating calls.
    WriteOnly,
    /// Both.
    #[default]
    All,
}

impl ReadWriteType {
    fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "ReadOnly",
            Self::WriteOnly => "WriteOnly",
            Self::All => "All",
        }
    }

    pub(crate) fn admits(self, read_only: bool) -> bool {
        match self {
            Self::ReadOnly => read_only,
            Self::WriteOnly => !read_only,
            Self::All => true,
        }
    }
}

/// A basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BasicSelector {
    /// Read/write filter, for management and data events alike.
    pub read_write_type: ReadWriteType,
    /// Whether management events are logged.
    pub include_management_events: bool,
    /// Data events to log.
    #[serde(default)]
    pub data_resources: Vec<DataResourceRecord>,
    /// Event sources whose management events are left out.
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
}

impl Default for BasicSelector {
    fn default() -> Self {
        Self {
            read_write_type: ReadWriteType::All,
            include_management_events: true,
            data_resources: Vec::new(),
            exclude_management_event_sources: Vec::new(),
        }
    }
}

/// Data events of one resource type whose resource ARN starts with one of `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataResourceRecord {
    /// `AWS::S3::Object`, `AWS::Lambda::Function` or `AWS::DynamoDB::Table`.
    #[serde(rename = "Type")]
    pub resource_type: String,
    /// ARN prefixes (`arn:aws:s3` alone means every object).
    pub values: Vec<String>,
}

/// An advanced event selector: every field selector must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedSelector {
    /// Optional description.
    #[serde(default)]
    pub name: Option<String>,
    /// The conditions.
    pub field_selectors: Vec<FieldSelector>,
}

/// Conditions on one record field: every non-empty operator must hold; values inside one
/// operator are alternatives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FieldSelector {
    /// Record field, e.g. `eventCategory`, `readOnly`, `resources.ARN`, `userIdentity.arn`.
    pub field: String,
    /// Equals one of.
    pub equals: Vec<String>,
    /// Starts with one of.
    pub starts_with: Vec<String>,
    /// Ends with one of.
    pub ends_with: Vec<String>,
    /// Equals none of.
    pub not_equals: Vec<String>,
    /// Starts with none of.
    pub not_starts_with: Vec<String>,
    /// Ends with none of.
    pub not_ends_with: Vec<String>,
}

const DATA_TYPES: &[(&str, &str)] = &[
    ("AWS::S3::Object", "arn:aws:s3"),
    ("AWS::Lambda::Function", "arn:aws:lambda"),
    ("AWS::DynamoDB::Table", "arn:aws:dynamodb"),
];
const EXCLUDABLE_SOURCES: &[&str] = &["kms.amazonaws.com", "rdsdata.amazonaws.com"];
const ADVANCED_FIELDS: &[&str] = &[
    "eventCategory",
    "eventSource",
    "eventName",
    "eventType",
    "readOnly",
    "resources.type",
    "resources.ARN",
    "errorCode",
    "sessionCredentialFromConsole",
    "userIdentity.arn",
    "vpcEndpointId",
];
const CATEGORIES: &[&str] = &["Management", "Data", "NetworkActivity"];
/// The fields a management-event selector may use.
const MANAGEMENT_FIELDS: &[&str] = &["eventCategory", "readOnly", "eventSource"];
const MAX_BASIC_SELECTORS: usize = 5;
const MAX_DATA_RESOURCES: usize = 250;
const MAX_ADVANCED_VALUES: usize = 500;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidEventSelectorsException", message)
}

/// Checks and converts a PutEventSelectors request: exactly one kind of selectors.
pub(crate) fn from_request(
    basic: Option<&[EventSelector]>,
    advanced: Option<&[AdvancedEventSelector]>,
) -> Result<SelectorSet, ApiError> {
    match (basic, advanced) {
        (Some(_), Some(_)) => Err(invalid(
            "You can use EventSelectors or AdvancedEventSelectors, but not both.",
        )),
        (None, None) => Err(invalid("Specify EventSelectors or AdvancedEventSelectors.")),
        (Some(basic), None) => basic_from_request(basic).map(SelectorSet::Basic),
        (None, Some(advanced)) => advanced_from_request(advanced).map(SelectorSet::Advanced),
    }
}

fn basic_from_request(selectors: &[EventSelector]) -> Result<Vec<BasicSelector>, ApiError> {
    if selectors.is_empty() || selectors.len() > MAX_BASIC_SELECTORS {
        return Err(invalid(format!(
            "A trail can have 1 to {MAX_BASIC_SELECTORS} event selectors; {} were given.",
            selectors.len()
        )));
    }
    let records = selectors
        .iter()
        .map(basic_selector)
        .collect::<Result<Vec<_>, _>>()?;
    let resources: usize = records
        .iter()
        .flat_map(|s| &s.data_resources)
        .map(|r| r.values.len())
        .sum();
    if resources > MAX_DATA_RESOURCES {
        return Err(invalid(format!(
            "A trail is limited to {MAX_DATA_RESOURCES} data resources; {resources} were given."
        )));
    }
    Ok(records)
}

fn basic_selector(selector: &EventSelector) -> Result<BasicSelector, ApiError> {
    let read_write_type = match selector.read_write_type.as_deref() {
        None | Some("All") => ReadWriteType::All,
        Some("ReadOnly") => ReadWriteType::ReadOnly,
        Some("WriteOnly") => ReadWriteType::WriteOnly,
        Some(other) => return Err(invalid(format!("Invalid ReadWriteType: {other}"))),
    };
    let data_resources = selector
        .data_resources
        .iter()
        .flatten()
        .map(data_resource)
        .collect::<Result<Vec<_>, _>>()?;
    let excluded = selector
        .exclude_management_event_sources
        .clone()
        .unwrap_or_default();
    if let Some(source) = excluded
        .iter()
        .find(|s| !EXCLUDABLE_SOURCES.contains(&s.as_str()))
    {
        return Err(invalid(format!(
            "Invalid ExcludeManagementEventSources value {source}: only kms.amazonaws.com and \
             rdsdata.amazonaws.com can be excluded."
        )));
    }
    Ok(BasicSelector {
        read_write_type,
        include_management_events: selector.include_management_events.unwrap_or(true),
        data_resources,
        exclude_management_event_sources: excluded,
    })
}

fn data_resource(resource: &DataResource) -> Result<DataResourceRecord, ApiError> {
    let kind = resource.type_.as_deref().unwrap_or_default();
    let Some((_, arn_prefix)) = DATA_TYPES.iter().find(|(t, _)| *t == kind) else {
        return Err(invalid(format!("Invalid data resource type: {kind}")));
    };
    let values = resource.values.clone().unwrap_or_default();
    if values.is_empty() {
        return Err(invalid(format!(
            "Data resource {kind} needs at least one value."
        )));
    }
    if let Some(bad) = values.iter().find(|v| !v.starts_with(arn_prefix)) {
        return Err(invalid(format!(
            "Invalid data resource value for {kind}: {bad}"
        )));
    }
    Ok(DataResourceRecord {
        resource_type: kind.to_owned(),
        values,
    })
}

fn advanced_from_request(
    selectors: &[AdvancedEventSelector],
) -> Result<Vec<AdvancedSelector>, ApiError> {
    if selectors.is_empty() {
        return Err(invalid("Specify at least one advanced event selector."));
    }
    let records = selectors
        .iter()
        .map(advanced_selector)
        .collect::<Result<Vec<_>, _>>()?;
    let values: usize = records
        .iter()
        .flat_map(|s| &s.field_selectors)
        .map(|f| f.operators().map(|(_, v)| v.len()).sum::<usize>())
        .sum();
    if values > MAX_ADVANCED_VALUES {
        return Err(invalid(format!(
            "Advanced event selectors can have at most {MAX_ADVANCED_VALUES} condition values; \
             {values} were given."
        )));
    }
    Ok(records)
}

fn advanced_selector(selector: &AdvancedEventSelector) -> Result<AdvancedSelector, ApiError> {
    let fields: Vec<FieldSelector> = selector
        .field_selectors
        .iter()
        .flatten()
        .map(field_selector)
        .collect::<Result<_, _>>()?;
    let mut names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(
            "A field can appear only once in an advanced event selector.",
        ));
    }
    let Some(category) = fields.iter().find(|f| f.field == "eventCategory") else {
        return Err(invalid(
            "Each advanced event selector needs an eventCategory field selector.",
        ));
    };
    let management = category.equals.iter().any(|c| c == "Management");
    if management {
        if let Some(other) = fields
            .iter()
            .find(|f| !MANAGEMENT_FIELDS.contains(&f.field.as_str()))
        {
            return Err(invalid(format!(
                "Field {} cannot be used in a selector for management events.",
                other.field
            )));
        }
    } else if !fields.iter().any(|f| f.field == "resources.type") {
        return Err(invalid(
            "A selector for data events needs a resources.type field selector.",
        ));
    }
    Ok(AdvancedSelector {
        name: selector.name.clone(),
        field_selectors: fields,
    })
}

fn field_selector(selector: &AdvancedFieldSelector) -> Result<FieldSelector, ApiError> {
    let field = selector.field.clone().unwrap_or_default();
    if !ADVANCED_FIELDS.contains(&field.as_str()) {
        return Err(invalid(format!("Invalid field selector field: {field}")));
    }
    let list = |v: &Option<Vec<String>>| v.clone().unwrap_or_default();
    let record = FieldSelector {
        field,
        equals: list(&selector.equals),
        starts_with: list(&selector.starts_with),
        ends_with: list(&selector.ends_with),
        not_equals: list(&selector.not_equals),
        not_starts_with: list(&selector.not_starts_with),
        not_ends_with: list(&selector.not_ends_with),
    };
    if record.operators().all(|(_, values)| values.is_empty()) {
        return Err(invalid(format!(
            "Field selector {} has no condition.",
            record.field
        )));
    }
    if record
        .operators()
        .flat_map(|(_, v)| v)
        .any(String::is_empty)
    {
        return Err(invalid(format!(
            "Field selector {} has an empty value.",
            record.field
        )));
    }
    let equals_only = matches!(
        record.field.as_str(),
        "readOnly" | "eventCategory" | "resources.type"
    );
    let others = record
        .operators()
        .any(|(op, v)| op != Operator::Equals && !v.is_empty());
    if equals_only && others {
        return Err(invalid(format!(
            "Field {} supports only the Equals operator.",
            record.field
        )));
    }
    if record.field == "readOnly" && record.equals.iter().any(|v| v != "true" && v != "false") {
        return Err(invalid("readOnly can only equal true or false."));
    }
    if record.field == "eventCategory"
        && let Some(bad) = record
            .equals
            .iter()
            .find(|c| !CATEGORIES.contains(&c.as_str()))
    {
        return Err(invalid(format!("Invalid eventCategory: {bad}")));
    }
    Ok(record)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    StartsWith,
    EndsWith,
    NotEquals,
    NotStartsWith,
    NotEndsWith,
}

impl FieldSelector {
    fn operators(&self) -> impl Iterator<Item = (Operator, &Vec<String>)> {
        [
            (Operator::Equals, &self.equals),
            (Operator::StartsWith, &self.starts_with),
            (Operator::EndsWith, &self.ends_with),
            (Operator::NotEquals, &self.not_equals),
            (Operator::NotStartsWith, &self.not_starts_with),
            (Operator::NotEndsWith, &self.not_ends_with),
        ]
        .into_iter()
    }

    /// Every non-empty operator holds for `value`.
    pub(crate) fn matches(&self, value: &str) -> bool {
        self.operators()
            .filter(|(_, values)| !values.is_empty())
            .all(|(op, values)| {
                let hit = |v: &String| match op {
                    Operator::Equals | Operator::NotEquals => value == v,
                    Operator::StartsWith | Operator::NotStartsWith => value.starts_with(v.as_str()),
                    Operator::EndsWith | Operator::NotEndsWith => value.ends_with(v.as_str()),
                };
                let negated = matches!(
                    op,
                    Operator::NotEquals | Operator::NotStartsWith | Operator::NotEndsWith
                );
                values.iter().any(hit) != negated
            })
    }

    /// A field the event does not have satisfies only negated conditions.
    pub(crate) fn matches_absent(&self) -> bool {
        self.equals.is_empty() && self.starts_with.is_empty() && self.ends_with.is_empty()
    }
}

/// The wire form of stored selectors: `(EventSelectors, AdvancedEventSelectors)`.
pub(crate) fn to_wire(
    set: &SelectorSet,
) -> (
    Option<Vec<EventSelector>>,
    Option<Vec<AdvancedEventSelector>>,
) {
    match set {
        SelectorSet::Basic(list) => (Some(list.iter().map(basic_to_wire).collect()), None),
        SelectorSet::Advanced(list) => (None, Some(list.iter().map(advanced_to_wire).collect())),
    }
}

fn basic_to_wire(selector: &BasicSelector) -> EventSelector {
    EventSelector {
        read_write_type: Some(selector.read_write_type.as_str().to_owned()),
        include_management_events: Some(selector.include_management_events),
        data_resources: Some(
            selector
                .data_resources
                .iter()
                .map(|r| DataResource {
                    type_: Some(r.resource_type.clone()),
                    values: Some(r.values.clone()),
                })
                .collect(),
        ),
        exclude_management_event_sources: Some(selector.exclude_management_event_sources.clone()),
    }
}

fn advanced_to_wire(selector: &AdvancedSelector) -> AdvancedEventSelector {
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    AdvancedEventSelector {
        name: selector.name.clone(),
        field_selectors: Some(
            selector
                .field_selectors
                .iter()
                .map(|f| AdvancedFieldSelector {
                    field: Some(f.field.clone()),
                    equals: list(&f.equals),
                    starts_with: list(&f.starts_with),
                    ends_with: list(&f.ends_with),
                    not_equals: list(&f.not_equals),
                    not_starts_with: list(&f.not_starts_with),
                    not_ends_with: list(&f.not_ends_with),
                })
                .collect(),
        ),
    }
}

/// Whether the selectors log management events at all, and write ones in particular, as
/// `(any management, write management)`: Insights need them.
pub(crate) fn management_coverage(set: &SelectorSet) -> (bool, bool) {
    match set {
        SelectorSet::Basic(list) => {
            let logged = list.iter().filter(|s| s.include_management_events);
            let any = logged.clone().next().is_some();
            let writes = logged
                .into_iter()
                .any(|s| s.read_write_type != ReadWriteType::ReadOnly);
            (any, writes)
        }
        SelectorSet::Advanced(list) => {
            let management = list.iter().filter(|s| {
                s.field_selectors.iter().any(|f| {
                    f.field == "eventCategory" && f.equals.iter().any(|c| c == "Management")
                })
            });
            let any = management.clone().next().is_some();
            let writes = management.into_iter().any(|s| {
                s.field_selectors
                    .iter()
                    .filter(|f| f.field == "readOnly")
                    .all(|f| f.equals.iter().any(|v| v == "false"))
            });
            (any, writes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(json: serde_json::Value) -> SelectorSet {
        let parsed: Vec<EventSelector> = serde_json::from_value(json).unwrap();
        from_request(Some(&parsed), None).unwrap()
    }

    fn advanced(json: serde_json::Value) -> Result<SelectorSet, ApiError> {
        let parsed: Vec<AdvancedEventSelector> = serde_json::from_value(json).unwrap();
        from_request(None, Some(&parsed))
    }

    #[test]
    fn basic_validation() {
        let check = |json: serde_json::Value| {
            let parsed: Vec<EventSelector> = serde_json::from_value(json).unwrap();
            from_request(Some(&parsed), None)
                .map(|_| ())
                .map_err(|e| e.code().to_owned())
        };
        let bad = Err("InvalidEventSelectorsException".to_owned());
        assert_eq!(check(serde_json::json!([])), bad);
        assert_eq!(check(serde_json::json!([{}, {}, {}, {}, {}, {}])), bad);
        assert_eq!(
            check(serde_json::json!([{"ReadWriteType": "read-only"}])),
            bad
        );
        assert_eq!(
            check(serde_json::json!([{"ExcludeManagementEventSources": ["iam.amazonaws.com"]}])),
            bad
        );
        assert_eq!(
            check(
                serde_json::json!([{"DataResources": [{"Type": "AWS::EC2::Instance", "Values": ["arn:aws:ec2"]}]}])
            ),
            bad
        );
        assert_eq!(
            check(
                serde_json::json!([{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:lambda"]}]}])
            ),
            bad
        );
        let many: Vec<String> = (0..251).map(|i| format!("arn:aws:s3:::b{i}/")).collect();
        assert_eq!(
            check(
                serde_json::json!([{"DataResources": [{"Type": "AWS::S3::Object", "Values": many}]}])
            ),
            bad
        );
        assert_eq!(
            check(serde_json::json!([{"ReadWriteType": "ReadOnly"}])),
            Ok(())
        );
        let both = from_request(
            Some(&[EventSelector::default()]),
            Some(&[AdvancedEventSelector::default()]),
        );
        assert_eq!(both.unwrap_err().code(), "InvalidEventSelectorsException");
    }

    #[test]
    fn advanced_validation() {
        let code = |json| advanced(json).unwrap_err().code().to_owned();
        let bad = "InvalidEventSelectorsException";
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "StartsWith": ["Man"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "bogus", "Equals": ["x"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["maybe"]}]}])
            ),
            bad
        );
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "eventCategory", "Equals": ["Management"]}]}])
            ),
            bad
        );
        let many: Vec<String> = (0..501).map(|i| format!("s{i}.amazonaws.com")).collect();
        assert_eq!(
            code(
                serde_json::json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "eventSource", "NotEquals": many}]}])
            ),
            bad
        );
    }

    #[test]
    fn stored_shape_round_trips_through_the_wire_form() {
        let set = basic(serde_json::json!([{"ReadWriteType": "ReadOnly"}]));
        let (wire, advanced_wire) = to_wire(&set);
        assert!(advanced_wire.is_none());
        let json = serde_json::to_value(wire.unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": true,
            "DataResources": [], "ExcludeManagementEventSources": []}])
        );
        let stored = serde_json::to_value(&set).unwrap();
        assert_eq!(stored["Kind"], "Basic");
        assert_eq!(serde_json::from_value::<SelectorSet>(stored).unwrap(), set);
    }
}
