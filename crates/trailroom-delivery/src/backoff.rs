//! Retry timing of a trail whose delivery failed: 1 s, doubling with each further failure, at
//! most 15 minutes apart. Kept in memory: a restarted worker retries at once.

use std::collections::HashMap;
use std::sync::Mutex;

/// Delay before the first retry of a failed delivery; it doubles with each further failure.
const RETRY_FIRST_MS: i64 = 1_000;
/// Longest delay between two attempts.
const RETRY_MAX_MS: i64 = 15 * 60_000;

/// Consecutive failed deliveries of a trail and when it may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) failures: u32,
    pub(crate) next_attempt_ms: i64,
}

impl Backoff {
    /// The backoff after one more failure at `now_ms`.
    fn after_failure(previous: Option<Backoff>, now_ms: i64) -> Self {
        let failures = previous.map_or(1, |b| b.failures.saturating_add(1));
        let delay = RETRY_FIRST_MS
            .saturating_mul(1_i64 << (failures - 1).min(30))
            .min(RETRY_MAX_MS);
        Self {
            failures,
            next_attempt_ms: now_ms.saturating_add(delay),
        }
    }
}

/// The backoffs of every failing trail, by delivery key.
#[derive(Debug, Default)]
pub(crate) struct Backoffs(Mutex<HashMap<String, Backoff>>);

impl Backoffs {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Backoff>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a failed delivery; returns the new backoff.
    pub(crate) fn failed(&self, key: &str, now_ms: i64) -> Backoff {
        let mut map = self.map();
        let next = Backoff::after_failure(map.get(key).copied(), now_ms);
        map.insert(key.to_owned(), next);
        next
    }

    /// Forgets the failures of a trail that delivered.
    pub(crate) fn succeeded(&self, key: &str) {
        self.map().remove(key);
    }

    /// Whether the trail's last delivery failed and its retry is not due yet.
    pub(crate) fn waiting(&self, key: &str, now_ms: i64) -> bool {
        self.map()
            .get(key)
            .is_some_and(|b| now_ms < b.next_attempt_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_fifteen_minutes() {
        let backoffs = Backoffs::default();
        let mut delays = Vec::new();
        for _ in 0..14 {
            let b = backoffs.failed("t", 0);
            delays.push(b.next_attempt_ms);
        }
        assert_eq!(&delays[..4], &[1_000, 2_000, 4_000, 8_000]);
        assert_eq!(*delays.last().unwrap(), RETRY_MAX_MS);
        assert!(backoffs.waiting("t", RETRY_MAX_MS - 1));
        assert!(!backoffs.waiting("t", RETRY_MAX_MS));
        backoffs.succeeded("t");
        assert!(!backoffs.waiting("t", 0));
    }
}
