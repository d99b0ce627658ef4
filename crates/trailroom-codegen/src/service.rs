//! What the generator knows about each service beyond its model, and the questions the emitters
//! ask of a model: Rust types, redaction, which structures are inputs, CloudTrail `readOnly`.
//!
//! Hand-reviewed decisions live here as data, next to the reason for each: the `readOnly`
//! exceptions to the verb-prefix rule and the error codes a service may raise beyond its model.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use crate::botocore::{Member, Model, Operation, Shape, StructureShape};

/// The crate implementing a service, for the generated forwarding.
#[derive(Debug, Clone, Copy)]
pub struct HandlerCrate {
    /// The generated file, from the repository root.
    pub file: &'static str,
    /// The implementing type, in that crate.
    pub service_type: &'static str,
    /// The trait's `Context` type, as the file names it.
    pub context_type: &'static str,
    /// `use` lines the forwarding needs.
    pub uses: &'static [&'static str],
}

/// Static facts about one service that the model does not carry.
#[derive(Debug)]
pub struct ServiceSpec {
    /// Module name in trailroom-model and key in `model/implemented.toml`: `a4b`.
    pub key: &'static str,
    /// Short label for docs: `A4B`.
    pub label: &'static str,
    /// File name under `model/`.
    pub model_file: &'static str,
    /// Name of the generated service trait.
    pub trait_name: &'static str,
    /// CloudTrail `eventSource` of the service's own events.
    pub event_source: &'static str,
    /// `readOnly` decisions that the verb-prefix rule would get wrong or that deserve a note.
    pub read_only_overrides: &'static [(&'static str, bool, &'static str)],
    /// Error codes handlers may raise beyond the model: (code, HTTP status, reason).
    pub extra_errors: &'static [(&'static str, u16, &'static str)],
    /// Model violations the service answers with its own exception instead of
    /// `ValidationException`, first matching rule first.
    pub validation_codes: &'static [ValidationCode],
    /// The crate whose trait impl is generated from `model/implemented.toml`'s handler table
    /// (every operation then needs a handler); `None` when the impl is hand-written.
    pub handlers: Option<HandlerCrate>,
}

/// A model violation a service answers with its own exception: for `operations`, a violation in
/// the input member `member` (as the model names it), at the member itself when `whole_member`
/// (its own length, say) and of the `constraint` kind when given (a `trailroom_model::Constraint`
/// variant), is `exception`.
#[derive(Debug, Clone, Copy)]
pub struct ValidationCode {
    /// Operations the rule applies to.
    pub operations: &'static [&'static str],
    /// The input member, as the model names it.
    pub member: &'static str,
    /// Only a violation at the member itself, not inside it.
    pub whole_member: bool,
    /// Only this kind of constraint; `None`: any.
    pub constraint: Option<&'static str>,
    /// The exception answered.
    pub exception: &'static str,
    /// Why (the documentation or observation behind it).
    pub reason: &'static str,
}

/// CloudTrail's own validation exceptions (cloudtrail.md; the model lists each for its operation).
const CLOUDTRAIL_VALIDATION_CODES: &[ValidationCode] = &[
    ValidationCode {
        operations: &["PutEventSelectors"],
        member: "EventSelectors",
        whole_member: false,
        constraint: None,
        exception: "InvalidEventSelectorsException",
        reason: "CloudTrail reports any malformed selector this way",
    },
    ValidationCode {
        operations: &["PutEventSelectors"],
        member: "AdvancedEventSelectors",
        whole_member: false,
        constraint: None,
        exception: "InvalidEventSelectorsException",
        reason: "advanced selectors are selectors too",
    },
    ValidationCode {
        operations: &["PutInsightSelectors"],
        member: "InsightSelectors",
        whole_member: false,
        constraint: None,
        exception: "InvalidInsightSelectorsException",
        reason: "CloudTrail reports any malformed Insights selector this way",
    },
    ValidationCode {
        operations: &["CreateTrail", "AddTags"],
        member: "TagsList",
        whole_member: true,
        constraint: Some("MaxLength"),
        exception: "TagsLimitExceededException",
        reason: "more than 50 tags in one call (RemoveTags does not model it: a malformed tag there)",
    },
    ValidationCode {
        operations: &["CreateTrail", "AddTags", "RemoveTags"],
        member: "TagsList",
        whole_member: false,
        constraint: None,
        exception: "InvalidTagParameterException",
        reason: "a malformed tag key or value",
    },
    ValidationCode {
        operations: &["LookupEvents"],
        member: "MaxResults",
        whole_member: false,
        constraint: None,
        exception: "InvalidMaxResultsException",
        reason: "MaxResults outside 1-50",
    },
    ValidationCode {
        operations: &["LookupEvents"],
        member: "LookupAttributes",
        whole_member: false,
        constraint: None,
        exception: "InvalidLookupAttributesException",
        reason: "a malformed lookup attribute",
    },
    ValidationCode {
        operations: &["LookupEvents"],
        member: "EventCategory",
        whole_member: false,
        constraint: None,
        exception: "InvalidEventCategoryException",
        reason: "an event category other than insight",
    },
];

/// The services trailroom serves, in generation order.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        key: "a4b",
        label: "A4B",
        model_file: "alexaforbusiness-2017-11-09.json",
        trait_name: "AlexaForBusiness",
        event_source: "a4b.amazonaws.com",
        read_only_overrides: &[
            (
                "ResolveRoom",
                true,
                "a lookup: IAM access level Read (cloudtrail.md 9.3)",
            ),
            (
                "StartSmartHomeApplianceDiscovery",
                false,
                "IAM says Read, but it starts a discovery: a4b.md 5.2 keeps it a write",
            ),
        ],
        extra_errors: &[(
            "InvalidParameterException",
            400,
            "AWS's own samples branch on it for unusable parameters (a4b.md 0)",
        )],
        validation_codes: &[],
        handlers: Some(HandlerCrate {
            file: "crates/trailroom-a4b/src/operations.rs",
            service_type: "crate::A4bService",
            context_type: "CallContext",
            uses: &[
                "trailroom_audit::CallContext",
                "trailroom_model::a4b::*",
                "trailroom_protocol::ApiError",
                "crate::*",
            ],
        }),
    },
    ServiceSpec {
        key: "cloudtrail",
        label: "CloudTrail",
        model_file: "cloudtrail-2013-11-01.json",
        trait_name: "CloudTrail",
        event_source: "cloudtrail.amazonaws.com",
        read_only_overrides: &[(
            "GenerateQuery",
            false,
            "generates a query with a model: IAM access level Write",
        )],
        extra_errors: &[],
        validation_codes: CLOUDTRAIL_VALIDATION_CODES,
        handlers: None,
    },
];

/// Verbs of read operations (IAM access level Read or List).
const READ_VERBS: &[&str] = &["Describe", "Get", "List", "Lookup", "Search"];

/// Verbs of mutating operations. An operation matching neither list stops the generator, so a
/// new verb is classified by a person, not by accident.
const WRITE_VERBS: &[&str] = &[
    "Add",
    "Approve",
    "Associate",
    "Cancel",
    "Create",
    "Delete",
    "Deregister",
    "Disable",
    "Disassociate",
    "Enable",
    "Forget",
    "Put",
    "Register",
    "Reject",
    "Remove",
    "Restore",
    "Revoke",
    "Send",
    "Start",
    "Stop",
    "Tag",
    "Untag",
    "Update",
];

/// Whether `name` starts with the verb `verb` as a whole word (`Get` in `GetRoom`, not `Getaway`).
fn has_verb(name: &str, verb: &str) -> bool {
    name.strip_prefix(verb)
        .is_some_and(|rest| rest.chars().next().is_none_or(char::is_uppercase))
}

/// Fails when a structure lists a required member it does not have: `validate()` would
/// silently skip it.
fn check_required_members(model: &Model) -> Result<()> {
    for (name, shape) in &model.shapes {
        if let Shape::Structure(s) = shape
            && let Some(missing) = s
                .required
                .iter()
                .find(|r| !s.members.0.iter().any(|(m, _)| m == *r))
        {
            bail!("structure {name} requires {missing}, which is not a member");
        }
    }
    Ok(())
}

/// A parsed model with its spec and derived facts.
pub struct Service {
    /// The static facts.
    pub spec: &'static ServiceSpec,
    /// The botocore model.
    pub model: Model,
    /// Structures reachable from an operation input: these get `Validate`.
    input_structs: BTreeSet<String>,
}

impl Service {
    /// Parses `json` and checks the service-wide assumptions of the generator.
    pub fn new(spec: &'static ServiceSpec, json: &str) -> Result<Self> {
        let model: Model = serde_json::from_str(json)
            .with_context(|| format!("parsing model/{}", spec.model_file))?;
        if model.metadata.protocol != "json" {
            bail!(
                "{}: protocol {} is not supported",
                spec.key,
                model.metadata.protocol
            );
        }
        check_required_members(&model)?;
        let mut svc = Self {
            spec,
            model,
            input_structs: BTreeSet::new(),
        };
        svc.input_structs = svc.reachable_from_inputs()?;
        Ok(svc)
    }

    /// The `X-Amz-Target` prefix.
    pub fn target_prefix(&self) -> Result<&str> {
        self.model
            .metadata
            .target_prefix
            .as_deref()
            .context("model has no targetPrefix")
    }

    /// The SigV4 signing name.
    pub fn signing_name(&self) -> &str {
        let meta = &self.model.metadata;
        meta.signing_name
            .as_deref()
            .unwrap_or(&meta.endpoint_prefix)
    }

    /// Looks a shape up by name.
    pub fn shape(&self, name: &str) -> Result<&Shape> {
        self.model
            .shapes
            .get(name)
            .with_context(|| format!("unknown shape {name}"))
    }

    /// Looks a structure up by name.
    pub fn structure(&self, name: &str) -> Result<&StructureShape> {
        match self.shape(name)? {
            Shape::Structure(s) => Ok(s),
            _ => bail!("shape {name} is not a structure"),
        }
    }

    /// Non-exception structures, by name.
    pub fn structures(&self) -> impl Iterator<Item = (&str, &StructureShape)> {
        self.model
            .shapes
            .iter()
            .filter_map(|(name, shape)| match shape {
                Shape::Structure(s) if !s.exception => Some((name.as_str(), s)),
                _ => None,
            })
    }

    /// Whether `name` is reachable from some operation input.
    pub fn is_input(&self, name: &str) -> bool {
        self.input_structs.contains(name)
    }

    /// Operations by name.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &Operation)> {
        self.model
            .operations
            .iter()
            .map(|(name, op)| (name.as_str(), op))
    }

    /// Which operations use a structure as input or output: name → ["input of X", …].
    pub fn roles(&self) -> BTreeMap<&str, Vec<String>> {
        let mut roles: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (name, op) in self.operations() {
            if let Some(input) = &op.input {
                roles
                    .entry(input.shape.as_str())
                    .or_default()
                    .push(format!("input of `{name}`"));
            }
            if let Some(output) = &op.output {
                roles
                    .entry(output.shape.as_str())
                    .or_default()
                    .push(format!("output of `{name}`"));
            }
        }
        roles
    }

    /// CloudTrail `readOnly` of an operation: an override, else the verb.
    pub fn read_only(&self, op: &str) -> Result<bool> {
        if let Some((_, ro, _)) = self
            .spec
            .read_only_overrides
            .iter()
            .find(|(n, ..)| *n == op)
        {
            return Ok(*ro);
        }
        if READ_VERBS.iter().any(|v| has_verb(op, v)) {
            return Ok(true);
        }
        if WRITE_VERBS.iter().any(|v| has_verb(op, v)) {
            return Ok(false);
        }
        bail!(
            "{}: cannot tell whether {op} is read-only; add it to read_only_overrides",
            self.spec.key
        )
    }

    /// Wire code of an exception structure (`error.code` when present, else the shape name).
    pub fn error_code<'a>(&'a self, shape: &'a str) -> Result<&'a str> {
        let s = self.structure(shape)?;
        if !s.exception {
            bail!("{shape} is listed as an error but is not an exception");
        }
        Ok(s.error
            .as_ref()
            .and_then(|e| e.code.as_deref())
            .unwrap_or(shape))
    }

    /// Every modelled exception plus the spec's extras: wire code → HTTP status.
    pub fn error_table(&self) -> Result<BTreeMap<&str, u16>> {
        let mut table = BTreeMap::new();
        for (name, shape) in &self.model.shapes {
            if let Shape::Structure(s) = shape
                && s.exception
            {
                let status = s.error.as_ref().and_then(|e| e.http_status_code);
                let default = if s.fault { 500 } else { 400 };
                table.insert(self.error_code(name)?, status.unwrap_or(default));
            }
        }
        for (code, status, _) in self.spec.extra_errors {
            if table.insert(code, *status).is_some() {
                bail!("extra error {code} is already modelled; remove it from the spec");
            }
        }
        Ok(table)
    }

    /// The Rust type of a shape used as a member or element.
    pub fn rust_type(&self, name: &str) -> Result<String> {
        Ok(match self.shape(name)? {
            Shape::Structure(s) if s.exception => bail!("exception {name} used as data"),
            Shape::Structure(_) => name.to_owned(),
            Shape::String(_) | Shape::Blob(_) => "String".to_owned(),
            Shape::Integer(_) => "i32".to_owned(),
            Shape::Long(_) => "i64".to_owned(),
            Shape::Boolean(_) => "bool".to_owned(),
            Shape::Double(_) | Shape::Float(_) => "f64".to_owned(),
            Shape::Timestamp(t) => {
                if t.timestamp_format
                    .as_deref()
                    .is_some_and(|f| f != "unixTimestamp")
                {
                    bail!("timestamp {name}: only epoch-seconds timestamps are supported");
                }
                "Timestamp".to_owned()
            }
            Shape::List(l) => format!("Vec<{}>", self.rust_type(&l.member.shape)?),
            Shape::Map(m) => {
                if !matches!(self.shape(&m.key.shape)?, Shape::String(_)) {
                    bail!("map {name}: only string keys are supported");
                }
                format!("BTreeMap<String, {}>", self.rust_type(&m.value.shape)?)
            }
        })
    }

    /// The Rust type of a member of `owner`, boxed when the member closes a cycle of structures.
    pub fn member_type(&self, owner: &str, member: &Member) -> Result<String> {
        let ty = self.rust_type(&member.shape)?;
        let cyclic = matches!(self.shape(&member.shape)?, Shape::Structure(_))
            && self.reaches_directly(&member.shape, owner, &mut BTreeSet::new())?;
        Ok(if cyclic { format!("Box<{ty}>") } else { ty })
    }

    /// Whether structure `from` contains `to` through plain (unboxed, non-collection) members.
    fn reaches_directly(&self, from: &str, to: &str, seen: &mut BTreeSet<String>) -> Result<bool> {
        if from == to {
            return Ok(true);
        }
        if !seen.insert(from.to_owned()) {
            return Ok(false);
        }
        for (_, m) in &self.structure(from)?.members.0 {
            if matches!(self.shape(&m.shape)?, Shape::Structure(_))
                && self.reaches_directly(&m.shape, to, seen)?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether a member's whole value is replaced by the redaction placeholder: the member or
    /// its shape is sensitive, or a list/map holds sensitive values outside any structure.
    pub fn redacted(&self, member: &Member) -> Result<bool> {
        Ok(member.sensitive || self.hides(&member.shape)?)
    }

    /// Whether values of this shape must never be shown (see [`Service::redacted`]).
    fn hides(&self, name: &str) -> Result<bool> {
        let shape = self.shape(name)?;
        Ok(shape.sensitive()
            || match shape {
                Shape::List(l) => self.hides(&l.member.shape)?,
                Shape::Map(m) => self.hides(&m.key.shape)? || self.hides(&m.value.shape)?,
                _ => false,
            })
    }

    /// Structures reachable from operation inputs through members, lists and maps.
    fn reachable_from_inputs(&self) -> Result<BTreeSet<String>> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = self
            .operations()
            .filter_map(|(_, op)| op.input.as_ref())
            .map(|r| r.shape.as_str())
            .collect();
        while let Some(name) = stack.pop() {
            match self.shape(name)? {
                Shape::Structure(s) if seen.insert(name.to_owned()) => {
                    stack.extend(s.members.0.iter().map(|(_, m)| m.shape.as_str()));
                }
                Shape::List(l) => stack.push(&l.member.shape),
                Shape::Map(m) => stack.extend([m.key.shape.as_str(), m.value.shape.as_str()]),
                _ => {}
            }
        }
        Ok(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_match_whole_words() {
        assert!(has_verb("GetRoom", "Get"));
        assert!(has_verb("Get", "Get"));
        assert!(!has_verb("Getaway", "Get"));
        assert!(has_verb("TagResource", "Tag"));
    }
}
