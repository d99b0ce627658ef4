//! Event history across the live log and the archive: the same query answered from the
//! segments the catalog says may hold matches, merged with the live log's answer in Event
//! history's order (newest `eventTime` first, then newest position). Segments are read newest
//! first and reading stops once no older segment can change the page. Decoded segments are kept
//! in a small cache (segments are immutable).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use trailroom_store::{EventQuery, EventRow, LookupKey};

use crate::catalog::CatalogEntry;
use crate::{ArchiveError, SegmentObjects, segment};

/// Events held decoded at most (over every cached segment).
const CACHED_EVENTS: usize = 200_000;

/// The archive as lookups read it.
pub struct ArchiveReader {
    objects: Arc<dyn SegmentObjects>,
    cache: Mutex<VecDeque<(String, Arc<Vec<EventRow>>)>>,
}

impl std::fmt::Debug for ArchiveReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveReader").finish_non_exhaustive()
    }
}

/// The time (ms) a UUIDv7 carries in its first 48 bits: the `eventTime` of the events this
/// server records (`trailroom_audit::record::new_event_id`). `None` for any other id.
pub fn uuid_v7_ms(id: &str) -> Option<i64> {
    let bytes = id.as_bytes();
    let shaped = bytes.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-')
        && bytes[14] == b'7'
        && id
            .chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit());
    if !shaped {
        return None;
    }
    let hex: String = id[..8].chars().chain(id[9..13].chars()).collect();
    i64::from_str_radix(&hex, 16).ok()
}

/// Event history's order: newest first.
fn newest_first(a: &EventRow, b: &EventRow) -> std::cmp::Ordering {
    (b.event_time_ms, b.seq).cmp(&(a.event_time_ms, a.seq))
}

/// Whether `event` answers `query` (stream, category, time bounds, cursor, attribute).
pub fn answers(query: &EventQuery, event: &EventRow) -> bool {
    event.account_id == query.account_id
        && event.region == query.region
        && event.category == query.category
        && (query.start_ms..=query.end_ms).contains(&event.event_time_ms)
        && query
            .before
            .is_none_or(|before| (event.event_time_ms, event.seq) < before)
        && query.key.as_ref().is_none_or(|key| key.matches(event))
}

/// The first `limit` of `live` and `archived` together, newest first, each position once
/// (a lookup that read the live log just before an archiving commit may see an event twice).
pub fn merge(live: Vec<EventRow>, archived: Vec<EventRow>, limit: usize) -> Vec<EventRow> {
    let mut all = live;
    all.extend(archived);
    all.sort_by(newest_first);
    all.dedup_by_key(|e| e.seq);
    all.truncate(limit);
    all
}

impl ArchiveReader {
    /// A reader of segments kept in `objects`.
    pub fn new(objects: Arc<dyn SegmentObjects>) -> Self {
        Self {
            objects,
            cache: Mutex::new(VecDeque::new()),
        }
    }

    /// The first `query.limit` archived events answering `query`, newest first.
    pub async fn lookup(
        &self,
        entries: &[CatalogEntry],
        query: &EventQuery,
    ) -> Result<Vec<EventRow>, ArchiveError> {
        let newest_allowed = query
            .before
            .map_or(query.end_ms, |(t, _)| t.min(query.end_ms));
        // An event id this server minted names its event's time: one segment's worth to read.
        let id_time = match &query.key {
            Some(LookupKey::EventId(id)) => uuid_v7_ms(id),
            _ => None,
        };
        let mut candidates: Vec<&CatalogEntry> = entries
            .iter()
            .filter(|e| e.holds_stream(&query.account_id, &query.region))
            .filter(|e| e.segment.newest_event_ms >= query.start_ms)
            .filter(|e| e.segment.oldest_event_ms <= newest_allowed)
            .filter(|e| {
                id_time.is_none_or(|t| {
                    (e.segment.oldest_event_ms..=e.segment.newest_event_ms).contains(&t)
                })
            })
            .collect();
        candidates.sort_by_key(|e| std::cmp::Reverse(e.segment.newest_event_ms));
        let mut found: Vec<EventRow> = Vec::new();
        for entry in candidates {
            if found.len() >= query.limit
                && found
                    .last()
                    .is_some_and(|e| e.event_time_ms > entry.segment.newest_event_ms)
            {
                break;
            }
            let events = self.events(entry).await?;
            // Only a page's worth of each segment's matches is copied out.
            let mut matching: Vec<&EventRow> =
                events.iter().filter(|e| answers(query, e)).collect();
            if matching.len() > query.limit && query.limit > 0 {
                matching.select_nth_unstable_by(query.limit - 1, |a, b| newest_first(a, b));
                matching.truncate(query.limit);
            }
            found.extend(matching.into_iter().cloned());
            found.sort_by(newest_first);
            found.truncate(query.limit);
        }
        Ok(found)
    }

    /// `query` answered from the live log's answer `live` and the archive's segments
    /// `entries` (both read in one snapshot of the store).
    pub async fn lookup_with_live(
        &self,
        live: Vec<EventRow>,
        entries: &[CatalogEntry],
        query: &EventQuery,
    ) -> Result<Vec<EventRow>, ArchiveError> {
        let archived = self.lookup(entries, query).await?;
        Ok(merge(live, archived, query.limit))
    }

    /// A segment's events, from the cache or the object store.
    pub async fn events(&self, entry: &CatalogEntry) -> Result<Arc<Vec<EventRow>>, ArchiveError> {
        let object = &entry.segment.object;
        if let Some(hit) = self.cached(object) {
            return Ok(hit);
        }
        let bytes = self.objects.get(object).await?;
        let events = Arc::new(
            tokio::task::spawn_blocking(move || segment::decode(bytes))
                .await
                .map_err(|e| ArchiveError::Segment(format!("decoding panicked: {e}")))??,
        );
        self.keep(object, events.clone());
        Ok(events)
    }

    /// `account`'s archived events after position `after_seq`, oldest first, at most `limit`:
    /// for followers of the log (the Lake feed) whose cursor the archive has passed. Reads
    /// synchronously.
    pub fn account_events_after(
        &self,
        entries: &[CatalogEntry],
        account: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<EventRow>, ArchiveError> {
        let prefix = format!("{account}/");
        let mut found = Vec::new();
        for entry in entries {
            if found.len() >= limit {
                break;
            }
            if entry.segment.last_position <= after_seq
                || !entry.streams.iter().any(|s| s.starts_with(&prefix))
            {
                continue;
            }
            let events = self.events_blocking(entry)?;
            found.extend(
                events
                    .iter()
                    .filter(|e| e.seq > after_seq && e.account_id == account)
                    .take(limit - found.len())
                    .cloned(),
            );
        }
        Ok(found)
    }

    /// A segment's events, from the cache or the object store, read synchronously.
    pub fn events_blocking(
        &self,
        entry: &CatalogEntry,
    ) -> Result<Arc<Vec<EventRow>>, ArchiveError> {
        let object = &entry.segment.object;
        if let Some(hit) = self.cached(object) {
            return Ok(hit);
        }
        let events = Arc::new(segment::decode(self.objects.get_blocking(object)?)?);
        self.keep(object, events.clone());
        Ok(events)
    }

    fn cached(&self, object: &str) -> Option<Arc<Vec<EventRow>>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .find(|(name, _)| name == object)
            .map(|(_, events)| events.clone())
    }

    fn keep(&self, object: &str, events: Arc<Vec<EventRow>>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.push_front((object.to_owned(), events));
        let mut held = 0;
        cache.retain(|(_, events)| {
            held += events.len();
            held <= CACHED_EVENTS
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_v7_names_its_time_and_other_ids_name_none() {
        // 2023-11-14T22:13:20.123Z as the audit layer mints it.
        let ms = 1_700_000_000_123_i64;
        let id = format!(
            "{:08x}-{:04x}-7abc-8def-0123456789ab",
            ms >> 16,
            ms & 0xffff
        );
        assert_eq!(uuid_v7_ms(&id), Some(ms));
        assert_eq!(uuid_v7_ms("00000000-0000-4000-8000-000000000007"), None);
        assert_eq!(uuid_v7_ms("not-a-uuid"), None);
        assert_eq!(uuid_v7_ms("0000000g-0000-7000-8000-000000000007"), None);
        assert_eq!(uuid_v7_ms(""), None);
    }
}
