//! [`Timestamp`]: the JSON protocol's timestamp, epoch seconds as a JSON number.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with millisecond precision, as AWS JSON services exchange it: seconds since
/// the Unix epoch as a JSON number, integral (`1700000000`) or fractional (`1700000000.123`).
///
/// Input accepts either form; output is an integer when there is no fraction. Sub-millisecond
/// digits are rounded away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Milliseconds since the epoch.
    millis: i64,
}

/// The largest magnitude of epoch seconds that still fits in `i64` milliseconds.
const MAX_SECONDS: f64 = 9.0e15;

impl Timestamp {
    /// From milliseconds since the epoch.
    pub const fn from_epoch_millis(millis: i64) -> Self {
        Self { millis }
    }

    /// From whole seconds since the epoch (saturating at the ends of the range).
    pub const fn from_epoch_seconds(secs: i64) -> Self {
        Self {
            millis: secs.saturating_mul(1000),
        }
    }

    /// From fractional seconds since the epoch; `None` when not finite or out of range.
    pub fn from_epoch_seconds_f64(secs: f64) -> Option<Self> {
        if !secs.is_finite() || secs.abs() > MAX_SECONDS {
            return None;
        }
        // In range by the check above, so the cast cannot saturate.
        Some(Self {
            millis: (secs * 1000.0).round() as i64,
        })
    }

    /// Milliseconds since the epoch.
    pub const fn epoch_millis(self) -> i64 {
        self.millis
    }

    /// Whole seconds since the epoch, rounded down.
    pub const fn epoch_seconds(self) -> i64 {
        self.millis.div_euclid(1000)
    }

    /// Seconds since the epoch with the fraction.
    pub fn epoch_seconds_f64(self) -> f64 {
        self.millis as f64 / 1000.0
    }

    /// The wire value: an integer when whole, else a fractional number.
    pub fn to_json(self) -> serde_json::Value {
        if self.millis % 1000 == 0 {
            serde_json::Value::from(self.epoch_seconds())
        } else {
            serde_json::Value::from(self.epoch_seconds_f64())
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.millis % 1000 == 0 {
            serializer.serialize_i64(self.epoch_seconds())
        } else {
            serializer.serialize_f64(self.epoch_seconds_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EpochSecondsVisitor)
    }
}

/// Accepts integer or floating-point epoch seconds.
struct EpochSecondsVisitor;

impl Visitor<'_> for EpochSecondsVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp in epoch seconds")
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_seconds_f64(secs as f64)
            .ok_or_else(|| E::custom("timestamp out of range"))
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_seconds_f64(secs as f64)
            .ok_or_else(|| E::custom("timestamp out of range"))
    }

    fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_seconds_f64(secs).ok_or_else(|| E::custom("timestamp out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_fractional_seconds_round_trip() {
        let whole: Timestamp = serde_json::from_str("1700000000").unwrap();
        assert_eq!(whole.epoch_millis(), 1_700_000_000_000);
        assert_eq!(serde_json::to_string(&whole).unwrap(), "1700000000");

        let frac: Timestamp = serde_json::from_str("1700000000.123").unwrap();
        assert_eq!(frac.epoch_millis(), 1_700_000_000_123);
        assert_eq!(serde_json::to_string(&frac).unwrap(), "1700000000.123");
    }

    #[test]
    fn non_numbers_and_huge_values_are_rejected() {
        assert!(serde_json::from_str::<Timestamp>("\"2024-01-01\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("1e300").is_err());
    }

    #[test]
    fn negative_times_round_down() {
        assert_eq!(Timestamp::from_epoch_millis(-1).epoch_seconds(), -1);
    }
}
