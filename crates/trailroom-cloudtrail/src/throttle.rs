//! AWS's per-account, per-region request rate for LookupEvents (2 per second), as an option:
//! a token bucket per (account, region).

use std::collections::HashMap;
use std::sync::Mutex;

use trailroom_protocol::ApiError;

/// A token bucket per (account, region).
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    buckets: Mutex<HashMap<(String, String), (f64, i64)>>,
}

impl RateLimit {
    /// `per_second` requests per second, with a burst of the same size (at least one).
    pub fn new(per_second: f64) -> Self {
        Self {
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for a call at `now_ms`, or answers `ThrottlingException`.
    pub fn admit(&self, account: &str, region: &str, now_ms: i64) -> Result<(), ApiError> {
        let capacity = self.per_second.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets
            .entry((account.to_owned(), region.to_owned()))
            .or_insert((capacity, now_ms));
        let elapsed = (now_ms - *last).max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * self.per_second).min(capacity);
        *last = now_ms;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::client("ThrottlingException", "Rate exceeded"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_per_second_then_refills() {
        let limit = RateLimit::new(2.0);
        assert!(limit.admit("a", "r", 0).is_ok());
        assert!(limit.admit("a", "r", 0).is_ok());
        assert_eq!(
            limit.admit("a", "r", 0).unwrap_err().code(),
            "ThrottlingException"
        );
        assert!(limit.admit("b", "r", 0).is_ok(), "buckets are per account");
        assert!(
            limit.admit("a", "r", 500).is_ok(),
            "half a second buys one call"
        );
        assert!(limit.admit("a", "r", 500).is_err());
    }
}
