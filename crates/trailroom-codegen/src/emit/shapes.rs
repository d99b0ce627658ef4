//! Emits one Rust struct per non-exception structure, with its `Debug` (redacting) and `Audit`
//! (CloudTrail lowerCamel rendering) impls.

use anyhow::{Result, bail};

use super::{Code, lit};
use crate::botocore::{Member, Shape, StructureShape};
use crate::names::{lower_camel, rust_ident};
use crate::service::Service;

/// Struct names that would shadow what generated code refers to.
const RESERVED: &[&str] = &[
    "ApiError",
    "Audit",
    "AuditMap",
    "BTreeMap",
    "Box",
    "Deserialize",
    "Dispatched",
    "Empty",
    "FieldPath",
    "LazyLock",
    "LenRule",
    "NumRule",
    "Operation",
    "Option",
    "Pattern",
    "Regex",
    "Result",
    "Serialize",
    "StrRule",
    "String",
    "Timestamp",
    "Validate",
    "Vec",
    "Violations",
];

/// Emits every structure.
pub(super) fn emit(svc: &Service, code: &mut Code) -> Result<()> {
    code.uses("serde::{Deserialize, Serialize}");
    code.uses("crate::Audit");
    code.uses("crate::audit::AuditMap");
    let roles = svc.roles();
    for (name, s) in svc.structures() {
        if RESERVED.contains(&name) || name == svc.spec.trait_name {
            bail!("structure {name} clashes with a name the generated code uses");
        }
        let role = roles
            .get(name)
            .map(|r| r.join(", "))
            .unwrap_or_else(|| "a nested structure".into());
        emit_struct(svc, code, name, s, &role)?;
        emit_audit(svc, code, name, s)?;
    }
    Ok(())
}

/// One member as the emitters see it.
struct Field<'a> {
    /// botocore member name (wire key).
    wire: &'a str,
    /// Rust field name.
    ident: String,
    /// Rust type inside the `Option`.
    ty: String,
    /// Whether the value is replaced in `Debug` and audit output.
    redacted: bool,
    /// The botocore member.
    member: &'a Member,
}

/// The fields of a structure, checking that Rust names stay unique.
fn fields<'a>(svc: &Service, owner: &str, s: &'a StructureShape) -> Result<Vec<Field<'a>>> {
    let mut out: Vec<Field<'a>> = Vec::new();
    for (wire, member) in &s.members.0 {
        let ident = rust_ident(wire);
        if out.iter().any(|f| f.ident == ident) {
            bail!("{owner}: two members map to the field name {ident}");
        }
        let ty = svc.member_type(owner, member)?;
        out.push(Field {
            wire,
            ident,
            ty,
            redacted: svc.redacted(member)?,
            member,
        });
    }
    Ok(out)
}

/// The struct definition, and a manual `Debug` when a member is redacted.
fn emit_struct(
    svc: &Service,
    code: &mut Code,
    name: &str,
    s: &StructureShape,
    role: &str,
) -> Result<()> {
    let fields = fields(svc, name, s)?;
    note_type_uses(code, &fields);
    let redacts = fields.iter().any(|f| f.redacted);
    let derives = if redacts {
        "Clone, Default, PartialEq"
    } else {
        "Clone, Debug, Default, PartialEq"
    };
    code.line(format!("/// `{name}`: {role}."));
    if s.deprecated {
        code.line("///\n/// Deprecated in the model.");
    }
    code.line(format!(
        "#[derive({derives}, Serialize, Deserialize)]\npub struct {name} {{"
    ));
    for f in &fields {
        code.line(format!("/// {}", field_doc(svc, s, f)?));
        code.line(format!(
            "#[serde(rename = {}, skip_serializing_if = \"Option::is_none\")]\npub {}: Option<{}>,",
            lit(f.wire),
            f.ident,
            f.ty
        ));
    }
    code.line("}\n");
    if redacts {
        emit_redacting_debug(code, name, &fields);
    }
    Ok(())
}

/// Records the imports a struct's field types need.
fn note_type_uses(code: &mut Code, fields: &[Field<'_>]) {
    for f in fields {
        if f.ty.contains("BTreeMap<") {
            code.uses("std::collections::BTreeMap");
        }
        if f.ty.contains("Timestamp") {
            code.uses("crate::Timestamp");
        }
    }
}

/// `RoomName` (shape `RoomName`); required; sensitive.
fn field_doc(svc: &Service, s: &StructureShape, f: &Field<'_>) -> Result<String> {
    let mut doc = format!("`{}` (shape `{}`", f.wire, f.member.shape);
    if matches!(svc.shape(&f.member.shape)?, Shape::Blob(_)) {
        doc.push_str(", base64");
    }
    doc.push(')');
    if s.required.iter().any(|r| r == f.wire) {
        doc.push_str("; required");
    }
    if f.redacted {
        doc.push_str("; sensitive: redacted in `Debug` and audit output");
    }
    if f.member.idempotency_token {
        doc.push_str("; idempotency token");
    }
    if f.member.deprecated {
        doc.push_str("; deprecated");
    }
    Ok(doc + ".")
}

/// `Debug` that prints redacted members as a placeholder.
fn emit_redacting_debug(code: &mut Code, name: &str, fields: &[Field<'_>]) {
    code.uses("std::fmt");
    code.line(format!(
        "impl fmt::Debug for {name} {{\nfn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{"
    ));
    code.line(format!("f.debug_struct({})", lit(name)));
    for f in fields {
        let value = if f.redacted {
            format!("&crate::Redacted(&self.{})", f.ident)
        } else {
            format!("&self.{}", f.ident)
        };
        code.line(format!(".field({}, {value})", lit(&f.ident)));
    }
    code.line(".finish()\n}\n}\n");
}

/// `Audit`: lowerCamel keys, redacted members hidden, `None` omitted.
fn emit_audit(svc: &Service, code: &mut Code, name: &str, s: &StructureShape) -> Result<()> {
    let fields = fields(svc, name, s)?;
    code.line(format!(
        "impl Audit for {name} {{\nfn to_audit_json(&self) -> serde_json::Value {{"
    ));
    if fields.is_empty() {
        code.line("AuditMap::new().finish()\n}\n}\n");
        return Ok(());
    }
    code.line("let mut m = AuditMap::new();");
    for f in &fields {
        let method = if f.redacted { "hide" } else { "put" };
        code.line(format!(
            "m.{method}({}, &self.{});",
            lit(&lower_camel(f.wire)),
            f.ident
        ));
    }
    code.line("m.finish()\n}\n}\n");
    Ok(())
}
