//! Audit rendering for CloudTrail's `requestParameters` / `responseElements`: the [`Audit`]
//! trait, the redaction placeholder, and the helpers generated impls are written with.
//!
//! The audit form is the wire value with lowerCamel keys (`roomName`, `s3BucketName`), `None`
//! members omitted, and every member the model marks sensitive replaced by [`HIDDEN`].

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::{Empty, Timestamp};

/// What CloudTrail records in place of a sensitive value.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Rendering as CloudTrail records a request or response.
pub trait Audit {
    /// The audit JSON: lowerCamel keys, sensitive members hidden, absent members omitted.
    fn to_audit_json(&self) -> Value;
}

impl Audit for String {
    fn to_audit_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Audit for bool {
    fn to_audit_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Audit for i32 {
    fn to_audit_json(&self) -> Value {
        Value::from(*self)
    }
}

impl Audit for i64 {
    fn to_audit_json(&self) -> Value {
        Value::from(*self)
    }
}

impl Audit for f64 {
    fn to_audit_json(&self) -> Value {
        Value::from(*self)
    }
}

impl Audit for Timestamp {
    fn to_audit_json(&self) -> Value {
        self.to_json()
    }
}

impl Audit for Empty {
    fn to_audit_json(&self) -> Value {
        Value::Object(Map::new())
    }
}

impl<T: Audit> Audit for Box<T> {
    fn to_audit_json(&self) -> Value {
        (**self).to_audit_json()
    }
}

impl<T: Audit> Audit for [T] {
    fn to_audit_json(&self) -> Value {
        Value::Array(self.iter().map(Audit::to_audit_json).collect())
    }
}

impl<T: Audit> Audit for Vec<T> {
    fn to_audit_json(&self) -> Value {
        self.as_slice().to_audit_json()
    }
}

impl<T: Audit> Audit for BTreeMap<String, T> {
    fn to_audit_json(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), v.to_audit_json()))
                .collect(),
        )
    }
}

/// Builds the audit object of a structure, member by member.
pub(crate) struct AuditMap(Map<String, Value>);

impl AuditMap {
    /// An empty object.
    pub(crate) fn new() -> Self {
        Self(Map::new())
    }

    /// Adds `key` with the audit form of `value`, if present.
    pub(crate) fn put<T: Audit>(&mut self, key: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.0.insert(key.to_owned(), value.to_audit_json());
        }
    }

    /// Adds `key` as [`HIDDEN`], if a value is present.
    pub(crate) fn hide<T>(&mut self, key: &str, value: &Option<T>) {
        if value.is_some() {
            self.0
                .insert(key.to_owned(), Value::String(HIDDEN.to_owned()));
        }
    }

    /// The finished object.
    pub(crate) fn finish(self) -> Value {
        Value::Object(self.0)
    }
}

/// `Debug` of a sensitive member: shows whether it is set, never its value.
pub(crate) struct Redacted<'a, T>(pub(crate) &'a Option<T>);

impl<T> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(*** Sensitive Data Redacted ***)"),
            None => f.write_str("None"),
        }
    }
}
