//! Condition operators, every family AWS documents: `String*`, `Numeric*`, `Date*`, `Bool`,
//! `BinaryEquals`, `IpAddress`/`NotIpAddress`, `Arn*`, `Null`; the `…IfExists` suffix and the
//! `ForAllValues:`/`ForAnyValue:` set qualifiers.
//!
//! How a missing key is judged follows AWS: a positive operator fails and a negated one holds,
//! `…IfExists` holds either way, `ForAllValues` holds on an empty or missing set, `ForAnyValue`
//! fails on one. Without a qualifier a multi-valued key matches when any of its values does (a
//! negated operator: when none does).

use std::net::IpAddr;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::context::Context;
use crate::pattern::{arn_matches, wildcard_match};
use crate::variables::substitute;

/// An operator's comparison, without negation, qualifier or `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// `StringEquals`.
    StringEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike`.
    StringLike,
    /// `NumericEquals`.
    NumericEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals`.
    DateEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    BinaryEquals,
    /// `IpAddress`.
    IpAddress,
    /// `ArnEquals` and `ArnLike` (both match with wildcards, segment by segment).
    ArnLike,
    /// `Null`.
    Null,
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// No qualifier.
    Single,
    /// `ForAllValues:`.
    All,
    /// `ForAnyValue:`.
    Any,
}

/// One condition: an operator, a key and the values the policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The comparison.
    pub test: Test,
    /// A `Not…` operator (`StringNotEquals`, `NotIpAddress`, …).
    pub negated: bool,
    /// `…IfExists`.
    pub if_exists: bool,
    /// The set qualifier.
    pub set: SetQualifier,
    /// The condition key as written.
    pub key: String,
    /// The policy's values, as text.
    pub values: Vec<String>,
}

/// Parses a `Condition` element.
pub(crate) fn parse_block(block: &Value) -> Result<Vec<Condition>, String> {
    let operators = block
        .as_object()
        .ok_or_else(|| "Syntax errors in policy.".to_owned())?;
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let (test, negated, if_exists, set) = parse_operator(operator)?;
        let keys = keys
            .as_object()
            .ok_or_else(|| "Syntax errors in policy.".to_owned())?;
        for (key, values) in keys {
            let values = match values {
                Value::Array(items) => items.iter().map(text).collect::<Result<_, _>>()?,
                other => vec![text(other)?],
            };
            out.push(Condition {
                test,
                negated,
                if_exists,
                set,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("Syntax errors in policy.".into()),
    }
}

fn parse_operator(operator: &str) -> Result<(Test, bool, bool, SetQualifier), String> {
    let (set, rest) = if let Some(rest) = operator.strip_prefix("ForAllValues:") {
        (SetQualifier::All, rest)
    } else if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
        (SetQualifier::Any, rest)
    } else {
        (SetQualifier::Single, operator)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) if base != "Null" => (base, true),
        _ => (rest, false),
    };
    let (test, negated) = match base {
        "StringEquals" => (Test::StringEquals, false),
        "StringNotEquals" => (Test::StringEquals, true),
        "StringEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, true),
        "StringLike" => (Test::StringLike, false),
        "StringNotLike" => (Test::StringLike, true),
        "NumericEquals" => (Test::NumericEquals, false),
        "NumericNotEquals" => (Test::NumericEquals, true),
        "NumericLessThan" => (Test::NumericLessThan, false),
        "NumericLessThanEquals" => (Test::NumericLessThanEquals, false),
        "NumericGreaterThan" => (Test::NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (Test::NumericGreaterThanEquals, false),
        "DateEquals" => (Test::DateEquals, false),
        "DateNotEquals" => (Test::DateEquals, true),
        "DateLessThan" => (Test::DateLessThan, false),
        "DateLessThanEquals" => (Test::DateLessThanEquals, false),
        "DateGreaterThan" => (Test::DateGreaterThan, false),
        "DateGreaterThanEquals" => (Test::DateGreaterThanEquals, false),
        "Bool" => (Test::Bool, false),
        "BinaryEquals" => (Test::BinaryEquals, false),
        "IpAddress" => (Test::IpAddress, false),
        "NotIpAddress" => (Test::IpAddress, true),
        "ArnEquals" | "ArnLike" => (Test::ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (Test::ArnLike, true),
        "Null" => (Test::Null, false),
        _ => return Err(format!("Invalid Condition type : {operator}.")),
    };
    Ok((test, negated, if_exists, set))
}

impl Condition {
    /// Whether the condition holds for `context`.
    pub fn holds(&self, context: &Context) -> bool {
        let actual = context.get(&self.key);
        if self.test == Test::Null {
            let absent = actual.is_none_or(<[String]>::is_empty);
            let wants_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return absent == wants_absent;
        }
        // Policy values may hold variables; one without a value matches nothing.
        let expected: Vec<String> = self
            .values
            .iter()
            .filter_map(|v| substitute(v, context))
            .collect();
        let matches = |value: &str| expected.iter().any(|e| self.compare(value, e));
        match (self.set, actual) {
            (SetQualifier::All, None) => true,
            (SetQualifier::All, Some(values)) => values.iter().all(|v| matches(v) != self.negated),
            (SetQualifier::Any, None) => false,
            (SetQualifier::Any, Some(values)) => values.iter().any(|v| matches(v) != self.negated),
            (SetQualifier::Single, None) => self.if_exists || self.negated,
            (SetQualifier::Single, Some(values)) => {
                values.iter().any(|v| matches(v)) != self.negated
            }
        }
    }

    /// One comparison of a request value with a policy value.
    fn compare(&self, actual: &str, expected: &str) -> bool {
        match self.test {
            Test::StringEquals => actual == expected,
            Test::StringEqualsIgnoreCase => actual.eq_ignore_ascii_case(expected),
            Test::StringLike => wildcard_match(expected, actual),
            Test::NumericEquals => numbers(actual, expected, |a, b| a == b),
            Test::NumericLessThan => numbers(actual, expected, |a, b| a < b),
            Test::NumericLessThanEquals => numbers(actual, expected, |a, b| a <= b),
            Test::NumericGreaterThan => numbers(actual, expected, |a, b| a > b),
            Test::NumericGreaterThanEquals => numbers(actual, expected, |a, b| a >= b),
            Test::DateEquals => dates(actual, expected, |a, b| a == b),
            Test::DateLessThan => dates(actual, expected, |a, b| a < b),
            Test::DateLessThanEquals => dates(actual, expected, |a, b| a <= b),
            Test::DateGreaterThan => dates(actual, expected, |a, b| a > b),
            Test::DateGreaterThanEquals => dates(actual, expected, |a, b| a >= b),
            Test::Bool => actual.eq_ignore_ascii_case(expected),
            Test::BinaryEquals => binary_equal(actual, expected),
            Test::IpAddress => in_network(actual, expected),
            Test::ArnLike => arn_matches(expected, actual),
            Test::Null => false,
        }
    }
}

fn numbers(actual: &str, expected: &str, test: fn(f64, f64) -> bool) -> bool {
    match (actual.trim().parse::<f64>(), expected.trim().parse::<f64>()) {
        (Ok(a), Ok(e)) => test(a, e),
        _ => false,
    }
}

/// ISO 8601 (`2026-12-06T10:00:00Z`, a date alone) or epoch seconds.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn dates(actual: &str, expected: &str, test: fn(DateTime<Utc>, DateTime<Utc>) -> bool) -> bool {
    match (parse_date(actual), parse_date(expected)) {
        (Some(a), Some(e)) => test(a, e),
        _ => false,
    }
}

fn binary_equal(actual: &str, expected: &str) -> bool {
    let engine = base64::engine::general_purpose::STANDARD;
    match (engine.decode(actual), engine.decode(expected)) {
        (Ok(a), Ok(e)) => a == e,
        _ => false,
    }
}

/// Whether address `actual` is in `expected` (a CIDR block, or one address).
fn in_network(actual: &str, expected: &str) -> bool {
    let Ok(address) = actual.trim().parse::<IpAddr>() else {
        return false;
    };
    if let Ok(network) = expected.trim().parse::<ipnet::IpNet>() {
        return network.contains(&address);
    }
    expected.trim().parse::<IpAddr>() == Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(operator: &str, key: &str, values: Value) -> Condition {
        let block = serde_json::json!({ operator: { key: values } });
        parse_block(&block).unwrap().remove(0)
    }

    fn holds(operator: &str, values: Value, context: &[(&str, &str)]) -> bool {
        let context: Context = context.iter().copied().collect();
        condition(operator, "k", values).holds(&context)
    }

    #[test]
    fn string_operators() {
        let ctx = [("k", "Alice")];
        assert!(holds("StringEquals", "Alice".into(), &ctx));
        assert!(!holds("StringEquals", "alice".into(), &ctx));
        assert!(holds("StringEqualsIgnoreCase", "alice".into(), &ctx));
        assert!(holds("StringNotEquals", "Bob".into(), &ctx));
        assert!(!holds("StringNotEqualsIgnoreCase", "ALICE".into(), &ctx));
        assert!(holds("StringLike", "A*e".into(), &ctx));
        assert!(holds("StringNotLike", "B*".into(), &ctx));
        assert!(holds(
            "StringEquals",
            serde_json::json!(["Bob", "Alice"]),
            &ctx
        ));
    }

    #[test]
    fn missing_keys_follow_aws() {
        assert!(!holds("StringEquals", "x".into(), &[]));
        assert!(holds("StringNotEquals", "x".into(), &[]));
        assert!(holds("StringEqualsIfExists", "x".into(), &[]));
        assert!(!holds("StringEqualsIfExists", "x".into(), &[("k", "y")]));
        assert!(holds("Null", "true".into(), &[]));
        assert!(!holds("Null", "true".into(), &[("k", "y")]));
        assert!(holds("Null", "false".into(), &[("k", "y")]));
        assert!(!holds("NumericLessThan", "5".into(), &[]));
        assert!(holds("NumericLessThanIfExists", "5".into(), &[]));
    }

    #[test]
    fn numeric_date_bool_binary_ip_arn() {
        assert!(holds("NumericLessThan", "5".into(), &[("k", "3")]));
        assert!(holds("NumericGreaterThanEquals", 3.into(), &[("k", "3")]));
        assert!(holds("NumericNotEquals", "4".into(), &[("k", "3")]));
        assert!(!holds("NumericEquals", "x".into(), &[("k", "3")]));
        assert!(holds(
            "DateLessThan",
            "2026-12-07T00:00:00Z".into(),
            &[("k", "2026-12-06T10:00:00Z")]
        ));
        assert!(holds(
            "DateGreaterThan",
            "1700000000".into(),
            &[("k", "2026-12-06T10:00:00Z")]
        ));
        assert!(holds(
            "DateEquals",
            "2026-12-06".into(),
            &[("k", "2026-12-06T00:00:00Z")]
        ));
        assert!(holds(
            "DateNotEquals",
            "2026-12-06".into(),
            &[("k", "2026-12-07T00:00:00Z")]
        ));
        assert!(holds("Bool", true.into(), &[("k", "true")]));
        assert!(!holds("Bool", "true".into(), &[("k", "false")]));
        assert!(holds(
            "BinaryEquals",
            "QmluYXJ5".into(),
            &[("k", "QmluYXJ5")]
        ));
        assert!(holds(
            "IpAddress",
            "203.0.113.0/24".into(),
            &[("k", "203.0.113.7")]
        ));
        assert!(holds(
            "IpAddress",
            "2001:db8::/32".into(),
            &[("k", "2001:db8::1")]
        ));
        assert!(holds(
            "NotIpAddress",
            "203.0.113.0/24".into(),
            &[("k", "198.51.100.1")]
        ));
        assert!(!holds(
            "IpAddress",
            "203.0.113.0/24".into(),
            &[("k", "not an ip")]
        ));
        assert!(holds(
            "ArnLike",
            "arn:aws:cloudtrail:*:123456789012:trail/*".into(),
            &[("k", "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit")]
        ));
        assert!(holds(
            "ArnNotEquals",
            "arn:aws:iam::1:root".into(),
            &[("k", "arn:aws:iam::2:root")]
        ));
    }

    #[test]
    fn set_qualifiers() {
        let tags = |values: &[&str]| {
            let mut c = Context::new();
            c.set_all(
                "aws:TagKeys",
                values.iter().map(|v| (*v).to_owned()).collect(),
            );
            c
        };
        let all = condition(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            serde_json::json!(["team", "env"]),
        );
        assert!(all.holds(&tags(&["team"])));
        assert!(all.holds(&tags(&[])), "vacuously true");
        assert!(all.holds(&Context::new()), "a missing key is an empty set");
        assert!(!all.holds(&tags(&["team", "owner"])));
        let any = condition(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            serde_json::json!(["team"]),
        );
        assert!(any.holds(&tags(&["owner", "team"])));
        assert!(!any.holds(&tags(&["owner"])));
        assert!(!any.holds(&Context::new()));
        let none = condition(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            serde_json::json!(["secret"]),
        );
        assert!(none.holds(&tags(&["team", "env"])));
        assert!(!none.holds(&tags(&["team", "secret"])));
    }

    #[test]
    fn variables_in_values() {
        let c = condition("StringEquals", "s3:prefix", "home/${aws:username}/".into());
        let context: Context = [("s3:prefix", "home/alice/"), ("aws:username", "alice")]
            .into_iter()
            .collect();
        assert!(c.holds(&context));
    }

    #[test]
    fn unknown_operators_are_refused() {
        let block = serde_json::json!({"StringSortOf": {"k": "v"}});
        assert_eq!(
            parse_block(&block).unwrap_err(),
            "Invalid Condition type : StringSortOf."
        );
    }
}
