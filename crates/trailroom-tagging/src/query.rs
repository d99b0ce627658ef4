//! GetResources, GetTagKeys and GetTagValues: filters over the account's tagged resources in the
//! calling region, paged by an opaque token that names where the next page starts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};
use trailroom_protocol::ApiError;

use crate::invalid;
use crate::inventory::{Resource, resource_type};

/// GetResources' default and largest `ResourcesPerPage`.
const RESOURCES_PER_PAGE: (i64, i64) = (50, 100);
/// `TagsPerPage` bounds (no limit when absent).
const TAGS_PER_PAGE: (i64, i64) = (100, 500);
/// Keys or values per page of GetTagKeys and GetTagValues.
const VALUES_PER_PAGE: usize = 500;

/// One `TagFilters` entry: the key, and the values any of which the tag may have (any value
/// when none are given).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagFilter {
    key: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

/// GetResources' input.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetResourcesInput {
    pagination_token: Option<String>,
    tag_filters: Option<Vec<TagFilter>>,
    resources_per_page: Option<i64>,
    tags_per_page: Option<i64>,
    resource_type_filters: Option<Vec<String>>,
    #[serde(default)]
    include_compliance_details: bool,
    #[serde(default)]
    exclude_compliant_resources: bool,
    #[serde(rename = "ResourceARNList")]
    resource_arn_list: Option<Vec<String>>,
}

/// An opaque token holding the last item of the previous page.
fn token_after(token: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("after:").map(str::to_owned))
        .map(Some)
        .ok_or_else(|| invalid("The specified pagination token is not valid."))
}

fn token_for(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("after:{last}"))
}

fn check_filters(input: &GetResourcesInput) -> Result<(), ApiError> {
    let filters = input.tag_filters.as_deref().unwrap_or_default();
    let types = input.resource_type_filters.as_deref().unwrap_or_default();
    if let Some(arns) = &input.resource_arn_list {
        if !filters.is_empty() || !types.is_empty() {
            return Err(invalid(
                "ResourceARNList can't be combined with TagFilters or ResourceTypeFilters.",
            ));
        }
        if arns.is_empty() || arns.len() > 100 {
            return Err(invalid("ResourceARNList must name 1 to 100 resources."));
        }
    }
    if filters.len() > 50 {
        return Err(invalid("TagFilters can have at most 50 entries."));
    }
    for filter in filters {
        let key = filter.key.as_deref().unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(invalid("A tag filter key must be 1 to 128 characters."));
        }
        if filter.values.len() > 20 || filter.values.iter().any(|v| v.chars().count() > 256) {
            return Err(invalid(
                "A tag filter has at most 20 values of up to 256 characters.",
            ));
        }
    }
    if types
        .iter()
        .any(|t| t.is_empty() || t.split(':').count() > 2)
    {
        return Err(invalid(
            "A resource type filter is service[:resourceType], such as cloudtrail:trail.",
        ));
    }
    Ok(())
}

fn bounded(
    value: Option<i64>,
    (default, max): (i64, i64),
    low: i64,
    name: &str,
) -> Result<usize, ApiError> {
    let value = value.unwrap_or(default);
    if !(low..=max).contains(&value) {
        return Err(invalid(format!("{name} must be between {low} and {max}.")));
    }
    Ok(usize::try_from(value).unwrap_or(1))
}

/// Whether `resource` passes the tag and type filters.
fn matches(resource: &Resource, filters: &[TagFilter], types: &[String]) -> bool {
    let (service, full) = resource_type(&resource.arn);
    let typed = types.is_empty() || types.iter().any(|t| *t == service || *t == full);
    let tagged = filters.iter().all(|f| {
        let key = f.key.as_deref().unwrap_or_default();
        resource
            .tags
            .get(key)
            .is_some_and(|value| f.values.is_empty() || f.values.contains(value))
    });
    typed && tagged
}

fn mapping(resource: &Resource, compliance: bool) -> Value {
    let tags: Vec<Value> = resource
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let mut item = json!({"ResourceARN": resource.arn, "Tags": tags});
    if compliance {
        // No tag policies apply here: every resource is compliant.
        item["ComplianceDetails"] = json!({
            "NoncompliantKeys": [],
            "KeysWithNoncompliantValues": [],
            "ComplianceStatus": true,
        });
    }
    item
}

/// GetResources over `resources` (every resource of the caller here, sorted by ARN).
pub(crate) fn get_resources(
    resources: Vec<Resource>,
    input: &GetResourcesInput,
) -> Result<Value, ApiError> {
    check_filters(input)?;
    let per_page = bounded(
        input.resources_per_page,
        RESOURCES_PER_PAGE,
        1,
        "ResourcesPerPage",
    )?;
    let tags_budget = match input.tags_per_page {
        Some(_) => Some(bounded(
            input.tags_per_page,
            TAGS_PER_PAGE,
            100,
            "TagsPerPage",
        )?),
        None => None,
    };
    let after = token_after(input.pagination_token.as_deref())?;
    let filters = input.tag_filters.as_deref().unwrap_or_default();
    let types = input.resource_type_filters.as_deref().unwrap_or_default();
    let chosen = resources
        .into_iter()
        .filter(|r| match &input.resource_arn_list {
            Some(arns) => arns.contains(&r.arn),
            // Without an ARN list only tagged resources are listed, as AWS lists them.
            None => !r.tags.is_empty() && matches(r, filters, types),
        });
    let excluded = input.include_compliance_details && input.exclude_compliant_resources;
    let mut remaining = chosen
        .filter(|r| after.as_ref().is_none_or(|a| r.arn > *a))
        .filter(|_| !excluded)
        .peekable();
    let mut page = Vec::new();
    let mut tags_used = 0;
    while let Some(next) = remaining.peek() {
        let over_budget = tags_budget.is_some_and(|b| tags_used + next.tags.len() > b);
        if page.len() == per_page || (over_budget && !page.is_empty()) {
            break;
        }
        tags_used += next.tags.len();
        page.extend(remaining.next());
    }
    let token = match remaining.peek() {
        Some(_) => page
            .last()
            .map(|r: &Resource| token_for(&r.arn))
            .unwrap_or_default(),
        None => String::new(),
    };
    let items: Vec<Value> = page
        .iter()
        .map(|r| mapping(r, input.include_compliance_details))
        .collect();
    Ok(json!({"PaginationToken": token, "ResourceTagMappingList": items}))
}

/// A page of sorted, distinct `values` after the token.
fn page_of(values: Vec<String>, token: Option<&str>, field: &str) -> Result<Value, ApiError> {
    let after = token_after(token)?;
    let mut remaining = values
        .into_iter()
        .filter(|v| after.as_ref().is_none_or(|a| v > a))
        .peekable();
    let page: Vec<String> = remaining.by_ref().take(VALUES_PER_PAGE).collect();
    let token = match (remaining.peek(), page.last()) {
        (Some(_), Some(last)) => token_for(last),
        _ => String::new(),
    };
    Ok(json!({"PaginationToken": token, field: page}))
}

/// GetTagKeys: every key used on a resource here.
pub(crate) fn get_tag_keys(
    resources: Vec<Resource>,
    token: Option<&str>,
) -> Result<Value, ApiError> {
    let keys: std::collections::BTreeSet<String> = resources
        .into_iter()
        .flat_map(|r| r.tags.into_keys())
        .collect();
    page_of(keys.into_iter().collect(), token, "TagKeys")
}

/// GetTagValues: every value `key` has on a resource here.
pub(crate) fn get_tag_values(
    resources: Vec<Resource>,
    key: &str,
    token: Option<&str>,
) -> Result<Value, ApiError> {
    let values: std::collections::BTreeSet<String> = resources
        .into_iter()
        .filter_map(|mut r| r.tags.remove(key))
        .collect();
    page_of(values.into_iter().collect(), token, "TagValues")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn resource(arn: &str, tags: &[(&str, &str)]) -> Resource {
        Resource {
            arn: arn.into(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn input(value: Value) -> GetResourcesInput {
        serde_json::from_value(value).unwrap()
    }

    fn arns(page: &Value) -> Vec<String> {
        page["ResourceTagMappingList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ResourceARN"].as_str().unwrap().to_owned())
            .collect()
    }

    fn sample() -> Vec<Resource> {
        vec![
            resource("arn:aws:a4b:us-east-1:1:room/r", &[("team", "a")]),
            resource(
                "arn:aws:cloudtrail:us-east-1:1:trail/t",
                &[("team", "b"), ("env", "ci")],
            ),
            resource("arn:aws:s3:::bucket", &[("env", "ci")]),
            resource("arn:aws:sns:us-east-1:1:untagged", &[]),
        ]
    }

    #[test]
    fn filters_by_tags_and_types() {
        let all = get_resources(sample(), &input(json!({}))).unwrap();
        assert_eq!(arns(&all).len(), 3, "untagged resources are not listed");
        let env = get_resources(sample(), &input(json!({"TagFilters": [{"Key": "env"}]}))).unwrap();
        assert_eq!(
            arns(&env),
            [
                "arn:aws:cloudtrail:us-east-1:1:trail/t",
                "arn:aws:s3:::bucket"
            ]
        );
        let both = input(
            json!({"TagFilters": [{"Key": "env", "Values": ["ci"]}, {"Key": "team", "Values": ["a", "b"]}]}),
        );
        assert_eq!(
            arns(&get_resources(sample(), &both).unwrap()),
            ["arn:aws:cloudtrail:us-east-1:1:trail/t"]
        );
        let typed = input(json!({"ResourceTypeFilters": ["s3", "a4b:room"]}));
        assert_eq!(
            arns(&get_resources(sample(), &typed).unwrap()),
            ["arn:aws:a4b:us-east-1:1:room/r", "arn:aws:s3:::bucket"]
        );
        let listed = input(
            json!({"ResourceARNList": ["arn:aws:sns:us-east-1:1:untagged", "arn:aws:s3:::gone"]}),
        );
        assert_eq!(
            arns(&get_resources(sample(), &listed).unwrap()),
            ["arn:aws:sns:us-east-1:1:untagged"]
        );
    }

    #[test]
    fn pages_cover_everything_once() {
        let many: Vec<Resource> = (0..237)
            .map(|i| resource(&format!("arn:aws:sns:us-east-1:1:t{i:03}"), &[("k", "v")]))
            .collect();
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let page = get_resources(
                many.clone(),
                &input(json!({"ResourcesPerPage": 100, "PaginationToken": token})),
            )
            .unwrap();
            seen.extend(arns(&page));
            token = page["PaginationToken"].as_str().unwrap().to_owned();
            if token.is_empty() {
                break;
            }
        }
        assert_eq!(seen, many.iter().map(|r| r.arn.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn tags_per_page_cuts_pages() {
        let many: Vec<Resource> = (0..5)
            .map(|i| {
                let tags: Vec<(String, String)> =
                    (0..40).map(|k| (format!("k{k}"), "v".into())).collect();
                Resource {
                    arn: format!("arn:aws:sns:us-east-1:1:t{i}"),
                    tags: tags.into_iter().collect(),
                }
            })
            .collect();
        let page = get_resources(many, &input(json!({"TagsPerPage": 100}))).unwrap();
        assert_eq!(arns(&page).len(), 2);
        assert!(!page["PaginationToken"].as_str().unwrap().is_empty());
    }

    #[test]
    fn bad_input_is_invalid_parameter() {
        let cases = [
            json!({"ResourcesPerPage": 0}),
            json!({"ResourcesPerPage": 101}),
            json!({"TagsPerPage": 99}),
            json!({"PaginationToken": "not a token"}),
            json!({"ResourceARNList": ["a"], "TagFilters": [{"Key": "k"}]}),
            json!({"TagFilters": [{"Key": ""}]}),
            json!({"ResourceTypeFilters": ["a:b:c"]}),
        ];
        for case in cases {
            let err = get_resources(sample(), &input(case.clone())).unwrap_err();
            assert_eq!(err.code(), "InvalidParameterException", "{case}");
        }
    }

    #[test]
    fn keys_and_values() {
        let keys = get_tag_keys(sample(), None).unwrap();
        assert_eq!(keys["TagKeys"], json!(["env", "team"]));
        assert_eq!(keys["PaginationToken"], "");
        let values = get_tag_values(sample(), "team", None).unwrap();
        assert_eq!(values["TagValues"], json!(["a", "b"]));
    }
}
