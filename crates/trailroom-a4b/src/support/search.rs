//! Search* and List* paging, with the filter and sort semantics of a4b.md §3.1:
//! filters AND together, values within a filter OR; free-text keys match a case-insensitive
//! prefix, the others exactly; sorting lexicographic on the given keys, missing values first;
//! `NextToken` opaque and bound to the filters and sort it was issued for.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use trailroom_model::a4b::{Filter, Sort};
use trailroom_protocol::ApiError;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::support::convert::convert;
use crate::support::errors::invalid;

/// How a filter key compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Case-insensitive prefix (names, free text).
    Prefix,
    /// Exact, case-sensitive (enums, ARNs, booleans).
    Exact,
}

/// What a Search operation supports.
pub struct SearchSpec<T> {
    /// Filter keys and how each compares.
    pub filter_keys: &'static [(&'static str, Match)],
    /// Sort keys.
    pub sort_keys: &'static [&'static str],
    /// Sort key used when the request gives none (ties broken by [`SearchSpec::id`]).
    pub default_sort: &'static str,
    /// The values of `key` on an item (several for multi-valued attributes).
    pub field: fn(&T, &str) -> Vec<String>,
    /// The item's unique id, for stable ordering.
    pub id: fn(&T) -> String,
}

/// One page of results.
#[derive(Debug)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Token for the next page, when there is one.
    pub next_token: Option<String>,
    /// Items matching across all pages.
    pub total_count: i32,
}

/// Filters, sorts and pages `items` as a Search operation.
/// What every Search operation's request carries: filters, sort criteria and a page.
pub trait SearchRequest {
    /// `Filters`.
    fn filters(&self) -> Option<&[Filter]>;
    /// `SortCriteria`.
    fn sort(&self) -> Option<&[Sort]>;
    /// `MaxResults`.
    fn max_results(&self) -> Option<i32>;
    /// `NextToken`.
    fn next_token(&self) -> Option<&str>;
}

/// The model's Search requests share these members by name.
macro_rules! search_requests {
    ($($request:ty),* $(,)?) => {$(
        impl SearchRequest for $request {
            fn filters(&self) -> Option<&[Filter]> {
                self.filters.as_deref()
            }
            fn sort(&self) -> Option<&[Sort]> {
                self.sort_criteria.as_deref()
            }
            fn max_results(&self) -> Option<i32> {
                self.max_results
            }
            fn next_token(&self) -> Option<&str> {
                self.next_token.as_deref()
            }
        }
    )*};
}

search_requests!(
    trailroom_model::a4b::SearchAddressBooksRequest,
    trailroom_model::a4b::SearchContactsRequest,
    trailroom_model::a4b::SearchDevicesRequest,
    trailroom_model::a4b::SearchNetworkProfilesRequest,
    trailroom_model::a4b::SearchProfilesRequest,
    trailroom_model::a4b::SearchRoomsRequest,
    trailroom_model::a4b::SearchSkillGroupsRequest,
    trailroom_model::a4b::SearchUsersRequest,
);

/// [`search`] with the request's own filters, sort criteria and page.
pub fn search_request<T>(
    items: Vec<T>,
    spec: &SearchSpec<T>,
    request: &impl SearchRequest,
) -> Result<Page<T>, ApiError> {
    search(
        items,
        spec,
        request.filters(),
        request.sort(),
        request.max_results(),
        request.next_token(),
    )
}

/// The model's view (`…Data`) of each stored record, by way of its JSON.
pub fn views<R, S: Serialize, D: DeserializeOwned>(
    records: &[R],
    view: impl Fn(&R) -> &S,
) -> Result<Vec<D>, ApiError> {
    records.iter().map(|r| convert(view(r))).collect()
}

pub fn search<T>(
    items: Vec<T>,
    spec: &SearchSpec<T>,
    filters: Option<&[Filter]>,
    sort: Option<&[Sort]>,
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<Page<T>, ApiError> {
    let filters = filters.unwrap_or_default();
    let sort = sort.unwrap_or_default();
    check_keys(spec, filters, sort)?;
    let matching: Vec<T> = items
        .into_iter()
        .filter(|item| filters.iter().all(|f| filter_matches(spec, item, f)))
        .collect();
    let matching = sort_items(spec, matching, sort);
    let binding = binding(&(filters_key(filters), sort_key(sort)));
    let total_count = matching.len() as i32;
    let (items, next_token) = page(matching, max_results, 50, next_token, &binding)?;
    Ok(Page {
        items,
        next_token,
        total_count,
    })
}

/// Pages `items` (already in order) as a List operation: `max_results` defaulting to
/// `default_max`, the token bound to `binding`.
pub fn page<T>(
    items: Vec<T>,
    max_results: Option<i32>,
    default_max: i32,
    next_token: Option<&str>,
    binding: &str,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = max_results.unwrap_or(default_max).max(1) as usize;
    let offset = next_token
        .map(|t| decode_token(t, binding))
        .transpose()?
        .unwrap_or(0);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(max).collect();
    let end = offset + page.len();
    let next = (end < total).then(|| encode_token(end, binding));
    Ok((page, next))
}

/// A short digest of whatever a token must stay bound to.
pub fn binding(parameters: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(parameters).unwrap_or_default();
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

fn encode_token(offset: usize, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("1:{offset}:{binding}"))
}

fn decode_token(token: &str, binding: &str) -> Result<usize, ApiError> {
    let bad = || invalid("The NextToken is invalid or does not belong to this request.");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    match text.split(':').collect::<Vec<_>>().as_slice() {
        ["1", offset, bound] if *bound == binding => offset.parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn filters_key(filters: &[Filter]) -> Vec<(Option<String>, Option<Vec<String>>)> {
    filters
        .iter()
        .map(|f| (f.key.clone(), f.values.clone()))
        .collect()
}

fn sort_key(sort: &[Sort]) -> Vec<(Option<String>, Option<String>)> {
    sort.iter()
        .map(|s| (s.key.clone(), s.value.clone()))
        .collect()
}

fn check_keys<T>(spec: &SearchSpec<T>, filters: &[Filter], sort: &[Sort]) -> Result<(), ApiError> {
    for filter in filters {
        let key = filter.key.as_deref().unwrap_or_default();
        if !spec.filter_keys.iter().any(|(k, _)| *k == key) {
            return Err(invalid(format!(
                "Filter key {key} is not supported by this operation."
            )));
        }
    }
    for criterion in sort {
        let key = criterion.key.as_deref().unwrap_or_default();
        if !spec.sort_keys.contains(&key) {
            return Err(invalid(format!(
                "Sort key {key} is not supported by this operation."
            )));
        }
    }
    Ok(())
}

fn filter_matches<T>(spec: &SearchSpec<T>, item: &T, filter: &Filter) -> bool {
    let key = filter.key.as_deref().unwrap_or_default();
    let kind = spec
        .filter_keys
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(Match::Exact, |(_, m)| *m);
    let values = filter.values.as_deref().unwrap_or_default();
    let actual = (spec.field)(item, key);
    values.iter().any(|wanted| {
        actual.iter().any(|have| match kind {
            Match::Exact => have == wanted,
            Match::Prefix => have.to_lowercase().starts_with(&wanted.to_lowercase()),
        })
    })
}

/// Sorts on the criteria, ties broken by id. Each item's sort values are read once, not at every
/// comparison (a search may sort tens of thousands of items).
fn sort_items<T>(spec: &SearchSpec<T>, items: Vec<T>, sort: &[Sort]) -> Vec<T> {
    let criteria: Vec<(&str, bool)> = if sort.is_empty() {
        vec![(spec.default_sort, false)]
    } else {
        sort.iter()
            .map(|s| {
                (
                    s.key.as_deref().unwrap_or_default(),
                    s.value.as_deref() == Some("DESC"),
                )
            })
            .collect()
    };
    let mut keyed: Vec<(Vec<Option<String>>, String, T)> = items
        .into_iter()
        .map(|item| {
            let values = criteria
                .iter()
                .map(|(key, _)| (spec.field)(&item, key).into_iter().next())
                .collect();
            (values, (spec.id)(&item), item)
        })
        .collect();
    keyed.sort_by(|(a, a_id, _), (b, b_id, _)| {
        for (index, (_, descending)) in criteria.iter().enumerate() {
            let order = a[index].cmp(&b[index]);
            let order = if *descending { order.reverse() } else { order };
            if order.is_ne() {
                return order;
            }
        }
        a_id.cmp(b_id)
    });
    keyed.into_iter().map(|(_, _, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Item {
        arn: &'static str,
        name: &'static str,
        kind: &'static str,
    }

    fn field(item: &Item, key: &str) -> Vec<String> {
        match key {
            "Name" => vec![item.name.to_owned()],
            "Kind" => vec![item.kind.to_owned()],
            _ => vec![],
        }
    }

    const SPEC: SearchSpec<Item> = SearchSpec {
        filter_keys: &[("Name", Match::Prefix), ("Kind", Match::Exact)],
        sort_keys: &["Name", "Kind"],
        default_sort: "Name",
        field,
        id: |i| i.arn.to_owned(),
    };

    fn items() -> Vec<Item> {
        vec![
            Item {
                arn: "a3",
                name: "Lobby",
                kind: "X",
            },
            Item {
                arn: "a1",
                name: "lab",
                kind: "Y",
            },
            Item {
                arn: "a2",
                name: "Board",
                kind: "X",
            },
        ]
    }

    fn filter(key: &str, values: &[&str]) -> Filter {
        Filter {
            key: Some(key.into()),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn prefix_is_case_insensitive_and_filters_and_together() {
        let page = search(
            items(),
            &SPEC,
            Some(&[filter("Name", &["L"])]),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            page.items.iter().map(|i| i.name).collect::<Vec<_>>(),
            ["Lobby", "lab"]
        );
        assert_eq!(page.total_count, 2);
        let both = [filter("Name", &["l"]), filter("Kind", &["X"])];
        let page = search(items(), &SPEC, Some(&both), None, None, None).unwrap();
        assert_eq!(page.items.len(), 1);
        let none = search(
            items(),
            &SPEC,
            Some(&[filter("Kind", &["x"])]),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(none.total_count, 0);
    }

    #[test]
    fn sorting_and_unknown_keys() {
        let desc = [Sort {
            key: Some("Name".into()),
            value: Some("DESC".into()),
        }];
        let page = search(items(), &SPEC, None, Some(&desc), None, None).unwrap();
        assert_eq!(page.items[0].name, "lab");
        let err = search(
            items(),
            &SPEC,
            Some(&[filter("Color", &["x"])]),
            None,
            None,
            None,
        );
        assert_eq!(err.unwrap_err().code(), "ValidationException");
    }

    #[test]
    fn pages_walk_everything_and_tokens_are_bound() {
        let first = search(items(), &SPEC, None, None, Some(2), None).unwrap();
        assert_eq!(first.items.len(), 2);
        let token = first.next_token.unwrap();
        let second = search(items(), &SPEC, None, None, Some(2), Some(&token)).unwrap();
        assert_eq!(second.items.len(), 1);
        assert!(second.next_token.is_none());
        let rebound = search(
            items(),
            &SPEC,
            Some(&[filter("Name", &["L"])]),
            None,
            Some(2),
            Some(&token),
        );
        assert_eq!(rebound.unwrap_err().code(), "ValidationException");
        let garbage = search(items(), &SPEC, None, None, None, Some("%%%"));
        assert_eq!(garbage.unwrap_err().code(), "ValidationException");
    }
}
