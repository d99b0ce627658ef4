//! Emits `Validate` for every structure reachable from an operation input, and the private
//! `rules` module of constraint statics (`StrRule`, `NumRule`, `LenRule`) those impls call.
//!
//! Checks follow the model: `required` → "must not be null"; `min`/`max` → length of strings
//! (chars), size of lists and maps, range of integers; `pattern` → whole-string match (translated,
//! see [`crate::pattern`]); `enum` → membership. Values of sensitive members are flagged so the
//! message shows `***` instead. Descending into a structure inside a sensitive container is not
//! supported and stops the generator.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};

use super::{Code, lit, raw_lit};
use crate::botocore::{ScalarShape, Shape, StructureShape};
use crate::names::{lower_camel, rust_ident, screaming_snake};
use crate::pattern::{Translated, translate};
use crate::service::Service;

/// Emits the `Validate` impls and the `rules` module.
pub(super) fn emit(svc: &Service, code: &mut Code) -> Result<()> {
    code.uses("crate::{FieldPath, Validate, Violations}");
    let mut v = Validation {
        svc,
        rules: BTreeSet::new(),
        has_checks: BTreeMap::new(),
    };
    for (name, s) in svc.structures() {
        if svc.is_input(name) {
            let body = v.struct_body(s)?;
            emit_impl(code, name, &body);
        }
    }
    emit_rules(svc, code, &v.rules)
}

/// One `impl Validate`.
fn emit_impl(code: &mut Code, name: &str, body: &[String]) {
    let (path, violations) = if body.is_empty() {
        ("_path", "_violations")
    } else {
        ("path", "violations")
    };
    code.line(format!(
        "impl Validate for {name} {{\n\
         fn validate_into(&self, {path}: &FieldPath<'_>, {violations}: &mut Violations) {{"
    ));
    for stmt in body {
        code.line(stmt);
    }
    code.line("}\n}\n");
}

/// State of the validation emitter.
struct Validation<'s> {
    /// The service.
    svc: &'s Service,
    /// Shapes whose rule static is referenced.
    rules: BTreeSet<String>,
    /// Memo: does a structure's `validate_into` check anything?
    has_checks: BTreeMap<String, bool>,
}

impl Validation<'_> {
    /// Statements of a structure's `validate_into`, one per checked member.
    fn struct_body(&mut self, s: &StructureShape) -> Result<Vec<String>> {
        let mut body = Vec::new();
        for (wire, member) in &s.members.0 {
            let field = rust_ident(wire);
            let key = lit(&lower_camel(wire));
            let sensitive = member.sensitive || self.svc.shape(&member.shape)?.sensitive();
            let check = self.check(&member.shape, "x", "p", sensitive, 1)?;
            let required = s.required.iter().any(|r| r == wire);
            let stmt = match (required, check) {
                (true, Some(check)) => format!(
                    "let p = path.field({key});\nmatch &self.{field} {{\nSome(x) => {{ {check} }}\n\
                     None => violations.null(&p),\n}}"
                ),
                (true, None) => {
                    format!("if self.{field}.is_none() {{ violations.null(&path.field({key})); }}")
                }
                (false, Some(check)) => {
                    format!(
                        "if let Some(x) = &self.{field} {{\nlet p = path.field({key});\n{check}\n}}"
                    )
                }
                (false, None) => continue,
            };
            body.push(stmt);
        }
        Ok(body)
    }

    /// Whether a structure's `validate_into` does anything (true while being computed, so a
    /// cycle of structures still calls through).
    fn struct_has_checks(&mut self, name: &str) -> Result<bool> {
        if let Some(known) = self.has_checks.get(name) {
            return Ok(*known);
        }
        self.has_checks.insert(name.to_owned(), true);
        let s = self.svc.structure(name)?;
        let any = !s.required.is_empty() || !self.struct_body(s)?.is_empty();
        self.has_checks.insert(name.to_owned(), any);
        Ok(any)
    }

    /// Statements checking `var` (a reference to a value of `shape`) at the `FieldPath` variable
    /// `path`; `None` when the shape has no constraints.
    fn check(
        &mut self,
        shape: &str,
        var: &str,
        path: &str,
        sensitive: bool,
        depth: usize,
    ) -> Result<Option<String>> {
        let svc = self.svc;
        Ok(match svc.shape(shape)? {
            Shape::String(s) => self.scalar_rule(shape, s, true)?.then(|| {
                format!(
                    "rules::{}.check({var}, {sensitive}, &{path}, violations);",
                    screaming_snake(shape)
                )
            }),
            Shape::Integer(s) | Shape::Long(s) => {
                let value = if matches!(svc.shape(shape)?, Shape::Integer(_)) {
                    format!("i64::from(*{var})")
                } else {
                    format!("*{var}")
                };
                self.scalar_rule(shape, s, false)?.then(|| {
                    format!(
                        "rules::{}.check({value}, {sensitive}, &{path}, violations);",
                        screaming_snake(shape)
                    )
                })
            }
            Shape::Boolean(s)
            | Shape::Double(s)
            | Shape::Float(s)
            | Shape::Timestamp(s)
            | Shape::Blob(s) => {
                if has_constraints(s) {
                    bail!("shape {shape}: constraints on this type are not supported");
                }
                None
            }
            Shape::Structure(_) => {
                if !self.struct_has_checks(shape)? {
                    None
                } else if sensitive {
                    bail!(
                        "shape {shape}: a structure inside a sensitive container cannot be validated safely"
                    );
                } else {
                    Some(format!("{var}.validate_into(&{path}, violations);"))
                }
            }
            Shape::List(l) => {
                let size =
                    self.size_rule(shape, l.min, l.max, "check_list", var, path, sensitive)?;
                let elem_sensitive = sensitive || svc.shape(&l.member.shape)?.sensitive();
                let (e, p, i) = (
                    format!("e{depth}"),
                    format!("p{depth}"),
                    format!("i{depth}"),
                );
                let elem = self.check(&l.member.shape, &e, &p, elem_sensitive, depth + 1)?.map(|inner| {
                    format!(
                        "for ({i}, {e}) in {var}.iter().enumerate() {{\nlet {p} = {path}.member({i});\n{inner}\n}}"
                    )
                });
                join(size, elem)
            }
            Shape::Map(m) => {
                let size =
                    self.size_rule(shape, m.min, m.max, "check_map", var, path, sensitive)?;
                let entries =
                    self.map_entries(&m.key.shape, &m.value.shape, var, path, sensitive, depth)?;
                join(size, entries)
            }
        })
    }

    /// The loop over a map's entries, checking keys and values.
    fn map_entries(
        &mut self,
        key_shape: &str,
        value_shape: &str,
        var: &str,
        path: &str,
        sensitive: bool,
        depth: usize,
    ) -> Result<Option<String>> {
        let svc = self.svc;
        let (k, e, pk, pv) = (
            format!("k{depth}"),
            format!("e{depth}"),
            format!("pk{depth}"),
            format!("pv{depth}"),
        );
        let key_sensitive = sensitive || svc.shape(key_shape)?.sensitive();
        let value_sensitive = sensitive || svc.shape(value_shape)?.sensitive();
        let key = self
            .check(key_shape, &k, &pk, key_sensitive, depth + 1)?
            .map(|c| format!("let {pk} = {path}.map_key();\n{c}"));
        let value = self
            .check(value_shape, &e, &pv, value_sensitive, depth + 1)?
            .map(|c| format!("let {pv} = {path}.map_value();\n{c}"));
        Ok(match (key, value) {
            (None, None) => None,
            (Some(key), None) => Some(format!("for {k} in {var}.keys() {{\n{key}\n}}")),
            (None, Some(value)) => Some(format!("for {e} in {var}.values() {{\n{value}\n}}")),
            (Some(key), Some(value)) => {
                Some(format!("for ({k}, {e}) in {var} {{\n{key}\n{value}\n}}"))
            }
        })
    }

    /// Registers a scalar shape's rule if it has constraints; `string` allows pattern and enum.
    fn scalar_rule(&mut self, shape: &str, s: &ScalarShape, string: bool) -> Result<bool> {
        if !string && (s.pattern.is_some() || s.enum_values.is_some()) {
            bail!("shape {shape}: pattern/enum on a number");
        }
        let used = has_constraints(s);
        if used {
            self.rules.insert(shape.to_owned());
        }
        Ok(used)
    }

    /// The size check of a list or map, if it has `min`/`max`.
    #[allow(clippy::too_many_arguments)]
    fn size_rule(
        &mut self,
        shape: &str,
        min: Option<f64>,
        max: Option<f64>,
        method: &str,
        var: &str,
        path: &str,
        sensitive: bool,
    ) -> Result<Option<String>> {
        if min.is_none() && max.is_none() {
            return Ok(None);
        }
        self.rules.insert(shape.to_owned());
        Ok(Some(format!(
            "rules::{}.{method}({var}, {sensitive}, &{path}, violations);",
            screaming_snake(shape)
        )))
    }
}

/// Whether a scalar carries any constraint.
fn has_constraints(s: &ScalarShape) -> bool {
    s.min.is_some() || s.max.is_some() || s.pattern.is_some() || s.enum_values.is_some()
}

/// Joins two optional statement blocks.
fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.or(b),
    }
}

/// The private `rules` module: one static per constrained shape, one `LazyLock<Regex>` per
/// distinct translated pattern.
fn emit_rules(svc: &Service, code: &mut Code, used: &BTreeSet<String>) -> Result<()> {
    if used.is_empty() {
        return Ok(());
    }
    let mut items = Vec::new();
    let mut regexes: BTreeMap<String, String> = BTreeMap::new();
    for name in used {
        items.push(rule_static(svc, name, &mut regexes)?);
    }
    code.line("/// Constraint statics of the model's shapes, used by the `Validate` impls.");
    code.line("mod rules {");
    code.line("use crate::validate::{LenRule, NumRule, Pattern, StrRule};");
    if !regexes.is_empty() {
        code.line("use std::sync::LazyLock;\nuse regex::Regex;");
    }
    for (anchored, static_name) in &regexes {
        code.line(format!(
            "static {static_name}: LazyLock<Regex> = LazyLock::new(|| Regex::new({}).expect(\"checked by cargo xtask codegen\"));",
            raw_lit(anchored)
        ));
    }
    for item in items {
        code.line(item);
    }
    code.line("}\n");
    Ok(())
}

/// The static for one constrained shape.
fn rule_static(
    svc: &Service,
    name: &str,
    regexes: &mut BTreeMap<String, String>,
) -> Result<String> {
    let ident = screaming_snake(name);
    let doc = format!("/// Constraints of shape `{name}`.");
    Ok(match svc.shape(name)? {
        Shape::String(s) => {
            let pattern = match &s.pattern {
                None => "None".to_owned(),
                Some(java) => pattern_expr(name, java, regexes)?,
            };
            let values = s.enum_values.as_deref().unwrap_or_default();
            let values = values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ");
            format!(
                "{doc}\npub(super) static {ident}: StrRule = StrRule {{ min: {}, max: {}, pattern: {pattern}, values: &[{values}] }};",
                bound_usize(name, s.min, true)?,
                bound_usize(name, s.max, false)?,
            )
        }
        Shape::Integer(s) | Shape::Long(s) => format!(
            "{doc}\npub(super) static {ident}: NumRule = NumRule {{ min: {}, max: {} }};",
            bound_i64(name, s.min)?,
            bound_i64(name, s.max)?,
        ),
        Shape::List(l) => size_static(name, &ident, &doc, l.min, l.max)?,
        Shape::Map(m) => size_static(name, &ident, &doc, m.min, m.max)?,
        _ => bail!("no rule for shape {name}"),
    })
}

/// A `LenRule` static.
fn size_static(
    name: &str,
    ident: &str,
    doc: &str,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<String> {
    Ok(format!(
        "{doc}\npub(super) static {ident}: LenRule = LenRule {{ min: {}, max: {} }};",
        bound_usize(name, min, true)?,
        bound_usize(name, max, false)?,
    ))
}

/// `Some(Pattern::…)` for a model pattern, registering its regex static.
fn pattern_expr(shape: &str, java: &str, regexes: &mut BTreeMap<String, String>) -> Result<String> {
    Ok(
        match translate(java).map_err(|e| e.context(format!("shape {shape}")))? {
            Translated::Printable => {
                format!("Some(Pattern::Printable {{ source: {} }})", raw_lit(java))
            }
            Translated::Regex(anchored) => {
                let next = format!("RE_{}", screaming_snake(shape));
                let static_name = regexes.entry(anchored).or_insert(next);
                format!(
                    "Some(Pattern::Regex {{ source: {}, regex: &{static_name} }})",
                    raw_lit(java)
                )
            }
        },
    )
}

/// A length bound as `Some(n)` / `None`; a minimum of 0 is no constraint.
fn bound_usize(shape: &str, bound: Option<f64>, is_min: bool) -> Result<String> {
    Ok(match bound {
        None => "None".to_owned(),
        Some(b) if b.fract() != 0.0 || b < 0.0 => {
            bail!("shape {shape}: length bound {b} is not a count")
        }
        Some(b) if is_min && b == 0.0 => "None".to_owned(),
        Some(b) => format!("Some({})", b as u64),
    })
}

/// A numeric bound as `Some(n)` / `None`.
fn bound_i64(shape: &str, bound: Option<f64>) -> Result<String> {
    Ok(match bound {
        None => "None".to_owned(),
        Some(b) if b.fract() != 0.0 || b.abs() > 9.0e15 => {
            bail!("shape {shape}: bound {b} is not an integer")
        }
        Some(b) => format!("Some({})", b as i64),
    })
}
