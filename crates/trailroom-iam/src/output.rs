//! What a Query handler returns: the inner XML of `<ActionResult>` and its audit rendering.

use serde_json::Value;
use trailroom_model::Audit;
use trailroom_protocol::query::XmlWriter;

/// A Query operation's result.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    /// XML inside `<ActionResult>`.
    pub result_xml: String,
    /// `responseElements` for the audit record.
    pub audit: Value,
}

impl QueryOutput {
    /// A result written by `write`, with `audit` as its `responseElements`.
    pub fn new(audit: Value, write: impl FnOnce(&mut XmlWriter)) -> Self {
        let mut xml = XmlWriter::new();
        write(&mut xml);
        Self {
            result_xml: xml.finish(),
            audit,
        }
    }
}

impl Audit for QueryOutput {
    fn to_audit_json(&self) -> Value {
        self.audit.clone()
    }
}

/// ISO 8601 with seconds and `Z`, as IAM and STS write dates.
pub(crate) fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// CloudTrail renders dates in STS and IAM `responseElements` the Java way: `Nov 13, 2017, 10:00:02 AM`.
pub(crate) fn java_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%b %-d, %Y, %-I:%M:%S %p")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats() {
        assert_eq!(iso_time(1_510_567_202_000), "2017-11-13T10:00:02Z");
        assert_eq!(java_time(1_510_567_202_000), "Nov 13, 2017, 10:00:02 AM");
    }
}
