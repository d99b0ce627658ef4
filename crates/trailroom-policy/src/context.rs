//! The request context: condition keys and their values, as a policy's conditions and variables
//! read them. Keys compare case-insensitively; a key may hold several values (`aws:TagKeys`).

use std::collections::BTreeMap;

/// Condition keys of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.values
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    /// Sets a multi-valued key (an empty list is present but has no value).
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.values.insert(key.to_ascii_lowercase(), values);
        self
    }

    /// The values of `key`, if it is present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
    }

    /// The single value of `key` (its first), if present.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|v| v.first()).map(String::as_str)
    }

    /// Whether the context has `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(&key.to_ascii_lowercase())
    }
}

/// Builds a context from pairs (tests and simple callers).
impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for Context {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut context = Context::new();
        for (key, value) in pairs {
            let key = key.as_ref().to_ascii_lowercase();
            context.values.entry(key).or_default().push(value.into());
        }
        context
    }
}
