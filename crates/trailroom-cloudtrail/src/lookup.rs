//! `LookupEvents`: Event history, newest first, one lookup attribute, paged by an opaque token
//! bound to the query it was issued for. Events the archive took out of the live log are read
//! from its segments and merged in the same order, so paging does not see the difference.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use trailroom_archive::{ArchiveReader, catalog};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::Timestamp;
use trailroom_model::cloudtrail::{
    Event, LookupAttribute, LookupEventsRequest, LookupEventsResponse, Resource,
};
use trailroom_protocol::ApiError;
use trailroom_store::{EventQuery, EventRow, LookupKey, StoreError};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Runs a lookup for the caller's account in the region the call was made to.
pub async fn lookup_events(
    ctx: &CallContext,
    input: LookupEventsRequest,
    retention_days: i64,
    archive: Option<&ArchiveReader>,
) -> Result<LookupEventsResponse, ApiError> {
    let key = lookup_key(input.lookup_attributes.as_deref().unwrap_or_default())?;
    let now = ctx.now_ms();
    let oldest = now - retention_days * DAY_MS;
    let start = input
        .start_time
        .map_or(oldest, Timestamp::epoch_millis)
        .max(oldest);
    let end = input.end_time.map_or(now, Timestamp::epoch_millis);
    if let (Some(s), Some(e)) = (input.start_time, input.end_time)
        && s > e
    {
        return Err(ApiError::client(
            "InvalidTimeRangeException",
            "Start time must be before end time.",
        ));
    }
    let limit = input.max_results.unwrap_or(50);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::client(
            "InvalidMaxResultsException",
            "MaxResults must be between 1 and 50.",
        ));
    }
    let binding = query_binding(&input);
    let before = input
        .next_token
        .as_deref()
        .map(|t| decode_token(t, &binding))
        .transpose()?;
    // Insights events are the ones this server generates (`insights::detector`).
    let category = match input.event_category.as_deref() {
        Some("insight") => "Insight",
        _ => "Management",
    };
    let query = EventQuery {
        account_id: ctx.account_id().to_owned(),
        region: ctx.region().to_owned(),
        key,
        start_ms: start,
        end_ms: end,
        before,
        category: category.into(),
        limit: limit as usize + 1,
    };
    let mut rows = lookup_everywhere(ctx, &query, archive).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_token = more
        .then(|| {
            rows.last()
                .map(|r| encode_token(r.event_time_ms, r.seq, &binding))
        })
        .flatten();
    Ok(LookupEventsResponse {
        events: Some(rows.into_iter().map(to_event).collect()),
        next_token,
    })
}

/// `query` over the live log and, when there is one, the archive (its catalog read in the same
/// snapshot as the live log).
async fn lookup_everywhere(
    ctx: &CallContext,
    query: &EventQuery,
    archive: Option<&ArchiveReader>,
) -> Result<Vec<EventRow>, ApiError> {
    let Some(archive) = archive else {
        return ctx.read(|txn| txn.lookup_events(query).map_err(store_failure));
    };
    let (live, segments) = ctx.read(|txn| {
        let both = || Ok::<_, StoreError>((txn.lookup_events(query)?, catalog::entries(txn)?));
        both().map_err(store_failure)
    })?;
    if segments.is_empty() {
        return Ok(live);
    }
    archive
        .lookup_with_live(live, &segments, query)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "reading the event archive failed");
            ApiError::internal()
        })
}

/// The single allowed lookup attribute as a store filter.
fn lookup_key(attributes: &[LookupAttribute]) -> Result<Option<LookupKey>, ApiError> {
    let invalid = |message: &str| ApiError::client("InvalidLookupAttributesException", message);
    let attribute = match attributes {
        [] => return Ok(None),
        [one] => one,
        _ => {
            return Err(invalid(
                "You cannot specify more than one lookup attribute.",
            ));
        }
    };
    let key = LookupKey::parse(
        attribute.attribute_key.as_deref().unwrap_or_default(),
        attribute.attribute_value.as_deref().unwrap_or_default(),
    )
    .map_err(|e| invalid(&e.to_string()))?;
    Ok(Some(key))
}

/// The parameters a token is bound to: everything but the token and the page size.
fn query_binding(input: &LookupEventsRequest) -> String {
    let canonical = serde_json::json!([
        input.lookup_attributes.as_ref().map(|list| list
            .iter()
            .map(|a| (a.attribute_key.clone(), a.attribute_value.clone()))
            .collect::<Vec<_>>()),
        input.start_time.map(Timestamp::epoch_millis),
        input.end_time.map(Timestamp::epoch_millis),
        input.event_category,
    ]);
    hex::encode(&Sha256::digest(canonical.to_string().as_bytes())[..8])
}

pub(crate) fn encode_token(time_ms: i64, seq: i64, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("1:{time_ms}:{seq}:{binding}"))
}

pub(crate) fn decode_token(token: &str, binding: &str) -> Result<(i64, i64), ApiError> {
    let invalid = || ApiError::client("InvalidNextTokenException", "Invalid NextToken.");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["1", time, seq, bound] if *bound == binding => Ok((
            time.parse().map_err(|_| invalid())?,
            seq.parse().map_err(|_| invalid())?,
        )),
        _ => Err(invalid()),
    }
}

pub(crate) fn to_event(row: EventRow) -> Event {
    Event {
        event_id: Some(row.event_id),
        event_name: Some(row.event_name),
        read_only: Some(row.read_only.to_string()),
        access_key_id: row.access_key_id,
        event_time: Some(Timestamp::from_epoch_seconds(
            row.event_time_ms.div_euclid(1000),
        )),
        event_source: Some(row.event_source),
        username: row.username,
        resources: Some(
            row.resources
                .into_iter()
                .map(|(kind, name)| Resource {
                    resource_type: Some(kind),
                    resource_name: Some(name),
                })
                .collect(),
        ),
        cloud_trail_event: Some(row.record_json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_query() {
        let token = encode_token(1_700_000_000_000, 42, "abcd");
        assert_eq!(
            decode_token(&token, "abcd").unwrap(),
            (1_700_000_000_000, 42)
        );
        assert_eq!(
            decode_token(&token, "other").unwrap_err().code(),
            "InvalidNextTokenException"
        );
        assert_eq!(
            decode_token("garbage!", "abcd").unwrap_err().code(),
            "InvalidNextTokenException"
        );
    }

    #[test]
    fn one_attribute_at_most() {
        let attr = |k: &str, v: &str| LookupAttribute {
            attribute_key: Some(k.into()),
            attribute_value: Some(v.into()),
        };
        assert_eq!(lookup_key(&[]).unwrap(), None);
        assert_eq!(
            lookup_key(&[attr("ReadOnly", "false")]).unwrap(),
            Some(LookupKey::ReadOnly(false))
        );
        let err = lookup_key(&[attr("EventName", "a"), attr("EventName", "b")]).unwrap_err();
        assert_eq!(err.code(), "InvalidLookupAttributesException");
        let err = lookup_key(&[attr("ReadOnly", "maybe")]).unwrap_err();
        assert_eq!(err.code(), "InvalidLookupAttributesException");
    }

    #[test]
    fn bindings_ignore_page_size_and_token() {
        let a = LookupEventsRequest {
            max_results: Some(5),
            ..Default::default()
        };
        let b = LookupEventsRequest {
            max_results: Some(10),
            next_token: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(query_binding(&a), query_binding(&b));
        let c = LookupEventsRequest {
            event_category: Some("insight".into()),
            ..Default::default()
        };
        assert_ne!(query_binding(&a), query_binding(&c));
    }
}
