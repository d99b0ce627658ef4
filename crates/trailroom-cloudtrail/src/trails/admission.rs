//! Whether a trail logs an event: the pure decision the delivery worker makes for every recorded
//! event ([`admits`]), from the trail's account, regions, global service events and selectors.

use serde_json::Value;
use trailroom_store::EventRow;

use super::record::{EventScope, TrailRecord};
use super::selectors::{AdvancedSelector, BasicSelector, SelectorSet};

/// Event sources recorded only in us-east-1 and delivered to trails that include global
/// service events. STS counts only for its (us-east-1) global endpoint.
const GLOBAL_SOURCES: &[&str] = &[
    "iam.amazonaws.com",
    "cloudfront.amazonaws.com",
    "route53.amazonaws.com",
    "organizations.amazonaws.com",
    "signin.amazonaws.com",
];

/// Whether `event` is a global service event.
pub fn is_global_service_event(event: &EventRow) -> bool {
    GLOBAL_SOURCES.contains(&event.event_source.as_str())
        || (event.event_source == "sts.amazonaws.com" && event.region == "us-east-1")
}

/// Whether `trail` logs `event`, by the scope it had when the event was recorded
/// ([`TrailRecord::scope_at`]): the trail's account (any account of the organization for an
/// organization trail: the caller passes only those), a region it covers (its home region, or
/// any when multi-region), global service events only when included, and a matching selector.
///
/// Pure: it decides on the trail record and the event alone (the logging state is the caller's
/// business). `RecursiveLogging` has nothing to filter here, because this server's own
/// deliveries are not recorded as events.
pub fn admits(trail: &TrailRecord, event: &EventRow) -> bool {
    if event.category == "Insight" {
        return insight_admits(trail, event);
    }
    let past = trail
        .scope_history
        .iter()
        .find(|past| event.seq <= past.until_seq);
    let scope = match past {
        Some(past) => Scope::of(&past.scope),
        None => Scope {
            organization: trail.is_organization_trail,
            multi_region: trail.is_multi_region_trail,
            global_events: trail.include_global_service_events,
            selectors: &trail.event_selectors,
        },
    };
    (scope.organization || event.account_id == trail.account_id)
        && (scope.multi_region || event.region == trail.home_region)
        && (scope.global_events || !is_global_service_event(event))
        && selectors_admit(scope.selectors, event)
}

/// Whether `trail` delivers an Insights event: it watches the insight's type and category
/// where the insight happened; a data event insight only when it is the trail's own.
fn insight_admits(trail: &TrailRecord, event: &EventRow) -> bool {
    let Ok(record) = serde_json::from_str::<Value>(&event.record_json) else {
        return false;
    };
    let details = &record["insightDetails"];
    let category = details["sourceEventCategory"]
        .as_str()
        .unwrap_or("Management");
    let kind = details["insightType"].as_str().unwrap_or_default();
    let watched = trail.insight_selectors.iter().any(|s| {
        s.insight_type == kind
            && match s.event_categories.is_empty() {
                true => category == "Management",
                false => s.event_categories.iter().any(|c| c == category),
            }
    });
    let own = category != "Data" || details["insightSource"] == trail.trail_arn.as_str();
    watched
        && own
        && (trail.is_organization_trail || event.account_id == trail.account_id)
        && (trail.is_multi_region_trail || event.region == trail.home_region)
}

/// An [`EventScope`], borrowed (decided for every delivered event: no clone).
struct Scope<'a> {
    organization: bool,
    multi_region: bool,
    global_events: bool,
    selectors: &'a SelectorSet,
}

impl<'a> Scope<'a> {
    fn of(scope: &'a EventScope) -> Self {
        Self {
            organization: scope.is_organization_trail,
            multi_region: scope.is_multi_region_trail,
            global_events: scope.include_global_service_events,
            selectors: &scope.event_selectors,
        }
    }
}

/// Whether any of the selectors matches `event`.
pub fn selectors_admit(set: &SelectorSet, event: &EventRow) -> bool {
    match set {
        SelectorSet::Basic(list) => list.iter().any(|s| basic_admits(s, event)),
        SelectorSet::Advanced(list) => {
            // Parsed at most once, and only when a selector reads a field the row lacks.
            let mut record: Option<Value> = None;
            list.iter().any(|s| advanced_admits(s, event, &mut record))
        }
    }
}

fn basic_admits(selector: &BasicSelector, event: &EventRow) -> bool {
    if !selector.read_write_type.admits(event.read_only) {
        return false;
    }
    match event.category.as_str() {
        "Management" => {
            selector.include_management_events
                && !selector
                    .exclude_management_event_sources
                    .contains(&event.event_source)
        }
        "Data" => selector.data_resources.iter().any(|wanted| {
            event.resources.iter().any(|(kind, arn)| {
                *kind == wanted.resource_type
                    && wanted.values.iter().any(|v| arn.starts_with(v.as_str()))
            })
        }),
        _ => false,
    }
}

fn advanced_admits(
    selector: &AdvancedSelector,
    event: &EventRow,
    record: &mut Option<Value>,
) -> bool {
    selector.field_selectors.iter().all(|field| {
        let values = field_values(&field.field, event, record);
        match values.is_empty() {
            true => field.matches_absent(),
            false => values.iter().any(|v| field.matches(v)),
        }
    })
}

/// The values of a record field for `event`; several for `resources.*`.
fn field_values(field: &str, event: &EventRow, record: &mut Option<Value>) -> Vec<String> {
    match field {
        "eventCategory" => vec![event.category.clone()],
        "readOnly" => vec![event.read_only.to_string()],
        "eventSource" => vec![event.event_source.clone()],
        "eventName" => vec![event.event_name.clone()],
        "resources.type" => event
            .resources
            .iter()
            .map(|(kind, _)| kind.clone())
            .collect(),
        "resources.ARN" => event.resources.iter().map(|(_, arn)| arn.clone()).collect(),
        path => {
            let record = record.get_or_insert_with(|| {
                serde_json::from_str(&event.record_json).unwrap_or(Value::Null)
            });
            let pointer = format!("/{}", path.replace('.', "/"));
            match record.pointer(&pointer) {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Bool(b)) => vec![b.to_string()],
                Some(Value::Number(n)) => vec![n.to_string()],
                _ => Vec::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use trailroom_model::cloudtrail::{AdvancedEventSelector, EventSelector};
    use trailroom_protocol::ApiError;

    use super::*;
    use crate::trails::selectors::{from_request, management_coverage};

    fn event(
        category: &str,
        source: &str,
        read_only: bool,
        resources: &[(&str, &str)],
    ) -> EventRow {
        EventRow {
            seq: 1,
            event_id: "e1".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            event_time_ms: 0,
            event_name: "Call".into(),
            event_source: source.into(),
            username: None,
            access_key_id: None,
            read_only,
            category: category.into(),
            resources: resources.iter().map(|(t, n)| ((*t).into(), (*n).into())).collect(),
            record_json: r#"{"userIdentity":{"arn":"arn:aws:iam::123456789012:user/alice"},"errorCode":"AccessDenied"}"#.into(),
        }
    }

    fn trail(selectors: SelectorSet) -> TrailRecord {
        TrailRecord {
            name: "t1".into(),
            trail_arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1".into(),
            account_id: "123456789012".into(),
            home_region: "us-east-1".into(),
            s3_bucket_name: "b1".into(),
            s3_key_prefix: None,
            sns_topic_arn: None,
            include_global_service_events: true,
            is_multi_region_trail: false,
            log_file_validation_enabled: false,
            cloud_watch_logs_log_group_arn: None,
            cloud_watch_logs_role_arn: None,
            kms_key_id: None,
            recursive_logging: true,
            event_selectors: selectors,
            has_custom_event_selectors: false,
            insight_selectors: Vec::new(),
            tags: Vec::new(),
            external_bucket: false,
            is_organization_trail: false,
            created_ms: 0,
            updated_ms: 0,
            incarnation: String::new(),
            scope_history: Vec::new(),
            aggregation_templates: Vec::new(),
        }
    }

    fn basic(json: serde_json::Value) -> SelectorSet {
        let parsed: Vec<EventSelector> = serde_json::from_value(json).unwrap();
        from_request(Some(&parsed), None).unwrap()
    }

    fn advanced(json: serde_json::Value) -> Result<SelectorSet, ApiError> {
        let parsed: Vec<AdvancedEventSelector> = serde_json::from_value(json).unwrap();
        from_request(None, Some(&parsed))
    }

    #[test]
    fn default_trail_logs_every_management_event_and_no_data_event() {
        let t = trail(SelectorSet::default());
        assert!(admits(
            &t,
            &event("Management", "a4b.amazonaws.com", true, &[])
        ));
        assert!(admits(
            &t,
            &event("Management", "a4b.amazonaws.com", false, &[])
        ));
        assert!(!admits(
            &t,
            &event(
                "Data",
                "s3.amazonaws.com",
                false,
                &[("AWS::S3::Object", "arn:aws:s3:::b/k")]
            )
        ));
    }

    #[test]
    fn regions_accounts_and_global_events() {
        let mut t = trail(SelectorSet::default());
        let mut elsewhere = event("Management", "a4b.amazonaws.com", false, &[]);
        elsewhere.region = "eu-west-1".into();
        assert!(!admits(&t, &elsewhere));
        t.is_multi_region_trail = true;
        assert!(admits(&t, &elsewhere));
        let mut foreign = event("Management", "a4b.amazonaws.com", false, &[]);
        foreign.account_id = "210987654321".into();
        assert!(!admits(&t, &foreign));
        let iam = event("Management", "iam.amazonaws.com", false, &[]);
        assert!(admits(&t, &iam));
        t.include_global_service_events = false;
        assert!(!admits(&t, &iam));
        assert!(!admits(
            &t,
            &event("Management", "sts.amazonaws.com", true, &[])
        ));
    }

    #[test]
    fn basic_read_write_and_excluded_sources() {
        let set = basic(serde_json::json!([{"ReadWriteType": "WriteOnly",
            "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]));
        assert!(selectors_admit(
            &set,
            &event("Management", "a4b.amazonaws.com", false, &[])
        ));
        assert!(!selectors_admit(
            &set,
            &event("Management", "a4b.amazonaws.com", true, &[])
        ));
        assert!(!selectors_admit(
            &set,
            &event("Management", "kms.amazonaws.com", false, &[])
        ));
        let none = basic(serde_json::json!([{"IncludeManagementEvents": false}]));
        assert!(!selectors_admit(
            &none,
            &event("Management", "a4b.amazonaws.com", false, &[])
        ));
    }

    #[test]
    fn basic_data_resources_match_by_arn_prefix() {
        let set = basic(
            serde_json::json!([{"IncludeManagementEvents": false, "DataResources": [
            {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::logs-bucket/prod/"]}]}]),
        );
        let hit = event(
            "Data",
            "s3.amazonaws.com",
            false,
            &[("AWS::S3::Object", "arn:aws:s3:::logs-bucket/prod/a.txt")],
        );
        let miss = event(
            "Data",
            "s3.amazonaws.com",
            false,
            &[("AWS::S3::Object", "arn:aws:s3:::logs-bucket/dev/a.txt")],
        );
        let wrong_type = event(
            "Data",
            "lambda.amazonaws.com",
            false,
            &[("AWS::Lambda::Function", "arn:aws:s3:::logs-bucket/prod/x")],
        );
        assert!(selectors_admit(&set, &hit));
        assert!(!selectors_admit(&set, &miss));
        assert!(!selectors_admit(&set, &wrong_type));
        let all = basic(
            serde_json::json!([{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]),
        );
        assert!(selectors_admit(&all, &miss));
    }

    #[test]
    fn advanced_management_selectors() {
        let set = advanced(serde_json::json!([{"Name": "writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
            {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}]))
        .unwrap();
        assert!(selectors_admit(
            &set,
            &event("Management", "a4b.amazonaws.com", false, &[])
        ));
        assert!(!selectors_admit(
            &set,
            &event("Management", "a4b.amazonaws.com", true, &[])
        ));
        assert!(!selectors_admit(
            &set,
            &event("Management", "kms.amazonaws.com", false, &[])
        ));
        assert_eq!(management_coverage(&set), (true, true));
        assert_eq!(management_coverage(&SelectorSet::default()), (true, true));
    }

    #[test]
    fn advanced_data_selectors_and_record_fields() {
        let set = advanced(serde_json::json!([{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"], "NotEndsWith": [".tmp"]},
            {"Field": "userIdentity.arn", "EndsWith": [":user/alice"]}]}]))
        .unwrap();
        let s3 = |arn: &str| {
            event(
                "Data",
                "s3.amazonaws.com",
                false,
                &[("AWS::S3::Object", arn)],
            )
        };
        assert!(selectors_admit(&set, &s3("arn:aws:s3:::b/report.csv")));
        assert!(!selectors_admit(&set, &s3("arn:aws:s3:::b/report.tmp")));
        assert!(!selectors_admit(&set, &s3("arn:aws:s3:::other/report.csv")));
        let mut bob = s3("arn:aws:s3:::b/report.csv");
        bob.record_json = r#"{"userIdentity":{"arn":"arn:aws:iam::123456789012:user/bob"}}"#.into();
        assert!(!selectors_admit(&set, &bob));
        let errors = advanced(serde_json::json!([{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "errorCode", "NotEquals": ["Throttling"]}]}]))
        .unwrap();
        assert!(
            selectors_admit(&errors, &s3("arn:aws:s3:::x/y")),
            "AccessDenied is not Throttling"
        );
        bob.record_json = "{}".into();
        assert!(
            selectors_admit(&errors, &bob),
            "a missing field satisfies a negated condition"
        );
    }
}
