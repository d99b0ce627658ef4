//! Model-constraint validation at run time: the [`Validate`] trait, member paths
//! ([`FieldPath`]), the Coral-style message builder ([`Violations`]), the "printable" predicate,
//! and the rule types the generated `rules` modules are made of.
//!
//! Messages follow AWS's Coral wording, all violations collected:
//! `2 validation errors detected: Value 'x' at 'roomName' failed to satisfy constraint: Member
//! must have length less than or equal to 100; Value null at 'profileArn' failed to satisfy
//! constraint: Member must not be null`. Paths are lowerCamel and dotted; list elements are
//! `tags.1.member.key` (1-based, Coral style); map entries are `<map>.key` and `<map>.value`.
//! Sensitive values are shown as `***`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use trailroom_protocol::ApiError;

use crate::Audit;

/// Checks a value against its model constraints.
pub trait Validate {
    /// Appends every violation found under `path` to `violations`.
    fn validate_into(&self, path: &FieldPath<'_>, violations: &mut Violations);

    /// All violations as one `ValidationException`, or `Ok` when there are none.
    fn validate(&self) -> Result<(), ApiError> {
        let mut violations = Violations::new();
        self.validate_into(&FieldPath::root(), &mut violations);
        violations.into_result()
    }
}

/// Where a value sits in the input, rendered only when a violation is reported.
#[derive(Clone, Copy, Debug)]
pub struct FieldPath<'a> {
    /// The enclosing path, `None` at the root.
    parent: Option<&'a FieldPath<'a>>,
    /// The last step.
    segment: Segment,
}

/// One step of a [`FieldPath`].
#[derive(Clone, Copy, Debug)]
enum Segment {
    /// The input itself.
    Root,
    /// A structure member, lowerCamel.
    Field(&'static str),
    /// A list element, 0-based here, rendered 1-based.
    Member(usize),
    /// The key of a map entry.
    MapKey,
    /// The value of a map entry.
    MapValue,
}

impl<'a> FieldPath<'a> {
    /// The path of the input itself.
    pub const fn root() -> Self {
        Self {
            parent: None,
            segment: Segment::Root,
        }
    }

    /// The member `name` (lowerCamel, as AWS reports it) of the structure at this path.
    pub fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// The element at 0-based `index` of the list at this path.
    pub fn member(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Member(index),
        }
    }

    /// A key of the map at this path.
    pub fn map_key(&'a self) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::MapKey,
        }
    }

    /// A value of the map at this path.
    pub fn map_value(&'a self) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::MapValue,
        }
    }

    /// Whether nothing has been rendered before this segment.
    fn is_root(&self) -> bool {
        matches!(self.segment, Segment::Root)
    }

    /// The top-level member this path is in, and whether it is that member itself (not
    /// something inside it). `None` for the input itself.
    pub fn top_member(&self) -> Option<(&'static str, bool)> {
        let mut path = self;
        let mut depth = 0;
        while let Some(parent) = path.parent {
            if parent.is_root() {
                return match path.segment {
                    Segment::Field(name) => Some((name, depth == 0)),
                    _ => None,
                };
            }
            path = parent;
            depth += 1;
        }
        None
    }
}

/// Which kind of model constraint a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// A required member is missing.
    Required,
    /// Too short (a string) or too few elements (a list or map).
    MinLength,
    /// Too long, or too many elements.
    MaxLength,
    /// Outside a numeric range.
    Range,
    /// Not matching the pattern.
    Pattern,
    /// Not one of the enum values.
    Enum,
    /// A check the model cannot express, made by a handler.
    Other,
}

/// Where a violation is and what it breaks: the services map some of these to their own
/// exceptions (CloudTrail's `InvalidMaxResultsException`, …) instead of `ValidationException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violated {
    /// The top-level member it is in (`None` at the input itself).
    pub member: Option<&'static str>,
    /// Whether the violation is at that member itself rather than inside it.
    pub whole_member: bool,
    /// The constraint broken.
    pub constraint: Constraint,
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(parent) = self.parent else {
            return Ok(());
        };
        write!(f, "{parent}")?;
        let dot = if parent.is_root() { "" } else { "." };
        match self.segment {
            Segment::Root => Ok(()),
            Segment::Field(name) => write!(f, "{dot}{name}"),
            Segment::Member(index) => write!(f, "{dot}{}.member", index + 1),
            Segment::MapKey => write!(f, "{dot}key"),
            Segment::MapValue => write!(f, "{dot}value"),
        }
    }
}

/// Collected constraint violations; turns into one `ValidationException`.
///
/// Handlers can use it for checks the model cannot express, so their messages read like the
/// generated ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    /// One entry per violation, already worded.
    items: Vec<String>,
    /// The same violations as structure, in the same order.
    violated: Vec<Violated>,
}

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A required member is missing: `Value null at '…' … Member must not be null`.
    pub fn null(&mut self, path: &FieldPath<'_>) {
        self.items.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
        self.note(path, Constraint::Required);
    }

    /// `value` at `path` breaks `constraint` (e.g. `Member must have length less than or equal
    /// to 100`); a `sensitive` value is shown as `***`. For checks the model cannot express.
    pub fn add(&mut self, path: &FieldPath<'_>, value: &str, sensitive: bool, constraint: &str) {
        self.add_kind(path, value, sensitive, Constraint::Other, constraint);
    }

    /// [`Violations::add`] for a model constraint of a known `kind`.
    pub(crate) fn add_kind(
        &mut self,
        path: &FieldPath<'_>,
        value: &str,
        sensitive: bool,
        kind: Constraint,
        constraint: &str,
    ) {
        let shown = if sensitive { "***" } else { value };
        self.items.push(format!(
            "Value '{shown}' at '{path}' failed to satisfy constraint: {constraint}"
        ));
        self.note(path, kind);
    }

    fn note(&mut self, path: &FieldPath<'_>, constraint: Constraint) {
        let (member, whole_member) = path
            .top_member()
            .map_or((None, false), |(m, w)| (Some(m), w));
        self.violated.push(Violated {
            member,
            whole_member,
            constraint,
        });
    }

    /// Every violation as structure, in the order found.
    pub fn violated(&self) -> &[Violated] {
        &self.violated
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many violations were found.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The Coral message, `None` when there are no violations.
    pub fn message(&self) -> Option<String> {
        let n = self.items.len();
        let noun = if n == 1 { "error" } else { "errors" };
        (n > 0).then(|| format!("{n} validation {noun} detected: {}", self.items.join("; ")))
    }

    /// `Err(ValidationException)` carrying [`Violations::message`], or `Ok`.
    pub fn into_result(self) -> Result<(), ApiError> {
        match self.message() {
            Some(message) => Err(ApiError::validation(message)),
            None => Ok(()),
        }
    }
}

/// Whether `c` is in the A4B model's "printable" class: no control characters other than TAB,
/// LF and CR (plus NEL, U+0085); surrogates and U+FFFE/U+FFFF excluded.
pub fn is_printable_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Whether every character of `s` is printable (see [`is_printable_char`]).
pub fn is_printable(s: &str) -> bool {
    s.chars().all(is_printable_char)
}

/// A model `pattern`, checked as a whole-string match.
pub(crate) enum Pattern {
    /// The "printable" class, checked with [`is_printable`].
    Printable {
        /// The model's pattern, quoted in messages.
        source: &'static str,
    },
    /// A translated, anchored regex.
    Regex {
        /// The model's pattern, quoted in messages.
        source: &'static str,
        /// The compiled translation.
        regex: &'static LazyLock<Regex>,
    },
}

impl Pattern {
    /// Whether the whole of `value` matches.
    fn is_match(&self, value: &str) -> bool {
        match self {
            Pattern::Printable { .. } => is_printable(value),
            Pattern::Regex { regex, .. } => regex.is_match(value),
        }
    }

    /// The pattern as the model spells it.
    fn source(&self) -> &'static str {
        match self {
            Pattern::Printable { source } | Pattern::Regex { source, .. } => source,
        }
    }
}

/// Constraints of a string shape.
pub(crate) struct StrRule {
    /// Minimum length in chars.
    pub(crate) min: Option<usize>,
    /// Maximum length in chars.
    pub(crate) max: Option<usize>,
    /// Whole-string pattern.
    pub(crate) pattern: Option<Pattern>,
    /// Allowed values; empty when not an enum.
    pub(crate) values: &'static [&'static str],
}

impl StrRule {
    /// Records every constraint `value` breaks.
    pub(crate) fn check(
        &self,
        value: &str,
        sensitive: bool,
        path: &FieldPath<'_>,
        v: &mut Violations,
    ) {
        if self.min.is_some() || self.max.is_some() {
            check_len(self.min, self.max, value.chars().count(), path, v, || {
                (value.to_owned(), sensitive)
            });
        }
        if let Some(pattern) = &self.pattern
            && !pattern.is_match(value)
        {
            let constraint = format!(
                "Member must satisfy regular expression pattern: {}",
                pattern.source()
            );
            v.add_kind(path, value, sensitive, Constraint::Pattern, &constraint);
        }
        if !self.values.is_empty() && !self.values.contains(&value) {
            let constraint = format!(
                "Member must satisfy enum value set: [{}]",
                self.values.join(", ")
            );
            v.add_kind(path, value, sensitive, Constraint::Enum, &constraint);
        }
    }
}

/// Range constraints of an integer or long shape.
pub(crate) struct NumRule {
    /// Smallest allowed value.
    pub(crate) min: Option<i64>,
    /// Largest allowed value.
    pub(crate) max: Option<i64>,
}

impl NumRule {
    /// Records a value outside the range.
    pub(crate) fn check(
        &self,
        value: i64,
        sensitive: bool,
        path: &FieldPath<'_>,
        v: &mut Violations,
    ) {
        if let Some(min) = self.min
            && value < min
        {
            let constraint = format!("Member must have value greater than or equal to {min}");
            v.add_kind(
                path,
                &value.to_string(),
                sensitive,
                Constraint::Range,
                &constraint,
            );
        }
        if let Some(max) = self.max
            && value > max
        {
            let constraint = format!("Member must have value less than or equal to {max}");
            v.add_kind(
                path,
                &value.to_string(),
                sensitive,
                Constraint::Range,
                &constraint,
            );
        }
    }
}

/// Size constraints of a list or map shape.
pub(crate) struct LenRule {
    /// Fewest elements.
    pub(crate) min: Option<usize>,
    /// Most elements.
    pub(crate) max: Option<usize>,
}

impl LenRule {
    /// Records a list with too few or too many elements.
    pub(crate) fn check_list<T: Audit>(
        &self,
        items: &[T],
        sensitive: bool,
        path: &FieldPath<'_>,
        v: &mut Violations,
    ) {
        check_len(self.min, self.max, items.len(), path, v, || {
            (render(&items.to_audit_json()), sensitive)
        });
    }

    /// Records a map with too few or too many entries.
    pub(crate) fn check_map<T: Audit>(
        &self,
        map: &BTreeMap<String, T>,
        sensitive: bool,
        path: &FieldPath<'_>,
        v: &mut Violations,
    ) {
        check_len(self.min, self.max, map.len(), path, v, || {
            (render(&map.to_audit_json()), sensitive)
        });
    }
}

/// Length/size bounds shared by strings and collections; `shown` renders the value lazily.
fn check_len(
    min: Option<usize>,
    max: Option<usize>,
    len: usize,
    path: &FieldPath<'_>,
    v: &mut Violations,
    shown: impl Fn() -> (String, bool),
) {
    if let Some(min) = min
        && len < min
    {
        let (value, sensitive) = shown();
        let constraint = format!("Member must have length greater than or equal to {min}");
        v.add_kind(path, &value, sensitive, Constraint::MinLength, &constraint);
    }
    if let Some(max) = max
        && len > max
    {
        let (value, sensitive) = shown();
        let constraint = format!("Member must have length less than or equal to {max}");
        v.add_kind(path, &value, sensitive, Constraint::MaxLength, &constraint);
    }
}

/// Renders a value the way Java's `toString` would in a Coral message: `[a, b]`, `{k=v}`.
/// Takes the audit form, so members hidden there stay hidden here.
fn render(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            )
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_coral_style() {
        let root = FieldPath::root();
        let tags = root.field("tags");
        let first = tags.member(0);
        let key = first.field("key");
        assert_eq!(key.to_string(), "tags.1.member.key");
        let params = root.field("parameters");
        assert_eq!(params.map_value().to_string(), "parameters.value");
        assert_eq!(root.to_string(), "");
    }

    #[test]
    fn messages_count_and_join() {
        let root = FieldPath::root();
        let mut v = Violations::new();
        assert_eq!(v.message(), None);
        v.null(&root.field("roomName"));
        assert_eq!(
            v.message().unwrap(),
            "1 validation error detected: Value null at 'roomName' failed to satisfy constraint: \
             Member must not be null"
        );
        v.add(
            &root.field("password"),
            "hunter2",
            true,
            "Member must be nice",
        );
        let msg = v.message().unwrap();
        assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
        assert!(msg.ends_with(
            "; Value '***' at 'password' failed to satisfy constraint: Member must be nice"
        ));
    }

    #[test]
    fn printable_excludes_controls_only() {
        assert!(is_printable("Lobby 1\twith tab, ünïcode and 😀"));
        assert!(!is_printable("bell\u{7}"));
        assert!(!is_printable("del\u{7F}"));
        assert!(!is_printable("\u{FFFE}"));
    }

    #[test]
    fn render_is_java_like() {
        let v = serde_json::json!([{"key": "a", "value": 1}, "b"]);
        assert_eq!(render(&v), "[{key=a, value=1}, b]");
    }
}
