//! Emits the operation table (`Operation`), the error table (`ERRORS`, `error_status`), the
//! service trait with not-implemented default bodies, and `dispatch`.

use anyhow::{Context as _, Result, bail};

use super::{Code, doc, lit};
use crate::names::{lower_camel, rust_ident};
use crate::service::Service;

/// One operation as the emitters see it.
struct Op<'a> {
    /// Operation name, also the enum variant.
    name: &'a str,
    /// Trait method name.
    method: String,
    /// Input structure, if any.
    input: Option<&'a str>,
    /// Output structure, if any.
    output: Option<&'a str>,
    /// CloudTrail `readOnly`.
    read_only: bool,
    /// Deprecated in the model.
    deprecated: bool,
    /// Modelled error codes, model order.
    errors: Vec<&'a str>,
}

/// Collects the operations.
fn operations(svc: &Service) -> Result<Vec<Op<'_>>> {
    svc.operations()
        .map(|(name, op)| {
            let mut errors = Vec::new();
            for e in &op.errors {
                let code = svc.error_code(&e.shape)?;
                if !errors.contains(&code) {
                    errors.push(code);
                }
            }
            Ok(Op {
                name,
                method: rust_ident(name),
                input: op.input.as_ref().map(|r| r.shape.as_str()),
                output: op.output.as_ref().map(|r| r.shape.as_str()),
                read_only: svc.read_only(name)?,
                deprecated: op.deprecated,
                errors,
            })
        })
        .collect()
}

/// Emits everything operation-related.
pub(super) fn emit(svc: &Service, code: &mut Code) -> Result<()> {
    let ops = operations(svc)?;
    code.uses("trailroom_protocol::ApiError");
    code.uses("crate::Dispatched");
    emit_enum(code, &ops);
    emit_meta_impl(svc, code)?;
    emit_errors(svc, code)?;
    emit_trait(svc, code, &ops);
    emit_dispatch(svc, code, &ops);
    Ok(())
}

/// `matches!(self, A | B)`, or its negation when that is shorter; constant when all or none.
fn predicate(ops: &[Op<'_>], pick: impl Fn(&Op<'_>) -> bool) -> String {
    let yes: Vec<_> = ops
        .iter()
        .filter(|o| pick(o))
        .map(|o| format!("Self::{}", o.name))
        .collect();
    let no: Vec<_> = ops
        .iter()
        .filter(|o| !pick(o))
        .map(|o| format!("Self::{}", o.name))
        .collect();
    match (yes.len(), no.len()) {
        (0, _) => "false".to_owned(),
        (_, 0) => "true".to_owned(),
        (y, n) if y <= n => format!("matches!(self, {})", yes.join(" | ")),
        _ => format!("!matches!(self, {})", no.join(" | ")),
    }
}

/// The `Operation` enum and its inherent methods.
fn emit_enum(code: &mut Code, ops: &[Op<'_>]) {
    code.line("/// Every operation of the service.");
    code.line(
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum Operation {",
    );
    for op in ops {
        code.line(format!("/// `{}`.\n{},", op.name, op.name));
    }
    code.line("}\n");
    code.line("impl Operation {");
    code.line("/// All operations, in name order.\npub const ALL: &'static [Operation] = &[");
    for op in ops {
        code.line(format!("Operation::{},", op.name));
    }
    code.line("];\n");
    code.line("/// The operation name, as in `X-Amz-Target` and CloudTrail `eventName`.");
    code.line("pub fn name(self) -> &'static str {\nmatch self {");
    for op in ops {
        code.line(format!("Self::{} => {},", op.name, lit(op.name)));
    }
    code.line("}\n}\n");
    code.line("/// The operation with this exact name.");
    code.line("pub fn from_name(name: &str) -> Option<Self> {\nmatch name {");
    for op in ops {
        code.line(format!("{} => Some(Self::{}),", lit(op.name), op.name));
    }
    code.line("_ => None,\n}\n}\n");
    code.line(
        "/// The operation named by a full `X-Amz-Target` value (`<TARGET_PREFIX>.<Operation>`).\n\
         pub fn from_target(target: &str) -> Option<Self> {\n\
         Self::from_name(target.strip_prefix(TARGET_PREFIX)?.strip_prefix('.')?)\n}\n",
    );
    code.line(format!(
        "/// CloudTrail `readOnly`: whether the operation only reads.\npub fn read_only(self) -> bool {{\n{}\n}}\n",
        predicate(ops, |o| o.read_only)
    ));
    code.line(format!(
        "/// Whether the model marks the operation deprecated.\npub fn deprecated(self) -> bool {{\n{}\n}}\n",
        predicate(ops, |o| o.deprecated)
    ));
    emit_errors_method(code, ops);
    code.line(
        "/// Whether a handler of this operation may answer with `code`: modelled for the\n\
         /// operation, modelled anywhere in the service (SDK exception types are service-wide),\n\
         /// or a protocol-level code.\n\
         pub fn allows_error(self, code: &str) -> bool {\n\
         self.errors().contains(&code) || error_status(code).is_some() || crate::is_generic_error(code)\n}",
    );
    code.line("}\n");
}

/// `Operation::errors`.
fn emit_errors_method(code: &mut Code, ops: &[Op<'_>]) {
    code.line("/// Error codes the model lists for the operation.");
    code.line("pub fn errors(self) -> &'static [&'static str] {\nmatch self {");
    for op in ops {
        let list = op
            .errors
            .iter()
            .map(|e| lit(e))
            .collect::<Vec<_>>()
            .join(", ");
        code.line(format!("Self::{} => &[{list}],", op.name));
    }
    code.line("}\n}\n");
}

/// `impl OperationMeta for Operation`, forwarding to the inherent methods.
fn emit_meta_impl(svc: &Service, code: &mut Code) -> Result<()> {
    code.line(
        "impl crate::OperationMeta for Operation {\n\
         fn name(self) -> &'static str { Operation::name(self) }\n\
         fn read_only(self) -> bool { Operation::read_only(self) }\n\
         fn deprecated(self) -> bool { Operation::deprecated(self) }\n\
         fn errors(self) -> &'static [&'static str] { Operation::errors(self) }\n\
         fn allows_error(self, code: &str) -> bool { Operation::allows_error(self, code) }\n\
         fn validation_exception(self, violated: &[crate::Violated]) -> Option<&'static str> {",
    );
    emit_validation_codes(svc, code)?;
    code.line("}\n}\n");
    Ok(())
}

/// The body of `validation_exception`: the service's rules, in order, checked against the
/// model (each operation, member, constraint kind and exception must exist).
fn emit_validation_codes(svc: &Service, code: &mut Code) -> Result<()> {
    const KINDS: &[&str] = &[
        "Required",
        "MinLength",
        "MaxLength",
        "Range",
        "Pattern",
        "Enum",
    ];
    if svc.spec.validation_codes.is_empty() {
        code.line("let _ = (self, violated);\nNone");
        return Ok(());
    }
    code.line(
        "type Rule = (&'static [Operation], &'static str, bool, Option<crate::Constraint>, &'static str);\n\
         const RULES: &[Rule] = &[",
    );
    for rule in svc.spec.validation_codes {
        let mut ops = Vec::new();
        for name in rule.operations {
            let op = svc
                .model
                .operations
                .get(*name)
                .with_context(|| format!("validation code for unknown operation {name}"))?;
            let input = op
                .input
                .as_ref()
                .with_context(|| format!("{name} has no input"))?;
            let shape = svc.structure(&input.shape)?;
            if !shape.members.0.iter().any(|(wire, _)| wire == rule.member) {
                bail!("validation code: {name} has no member {}", rule.member);
            }
            if !op.errors.iter().any(|e| e.shape == rule.exception) {
                bail!("validation code: {name} does not model {}", rule.exception);
            }
            ops.push(format!("Operation::{name}"));
        }
        let constraint = match rule.constraint {
            Some(kind) if KINDS.contains(&kind) => format!("Some(crate::Constraint::{kind})"),
            Some(kind) => bail!("validation code: unknown constraint kind {kind}"),
            None => "None".to_owned(),
        };
        code.line(format!("// {}.", rule.reason));
        code.line(format!(
            "(&[{}], {}, {}, {constraint}, {}),",
            ops.join(", "),
            lit(&lower_camel(rule.member)),
            rule.whole_member,
            lit(rule.exception)
        ));
    }
    code.line(
        "];\n\
         RULES.iter().find(|(ops, member, whole, constraint, _)| {\n\
         ops.contains(&self) && violated.iter().any(|v| {\n\
         v.member == Some(*member) && (!whole || v.whole_member)\n\
         && constraint.is_none_or(|c| c == v.constraint)\n\
         })\n\
         }).map(|rule| rule.4)",
    );
    Ok(())
}

/// `ERRORS` and `error_status`.
fn emit_errors(svc: &Service, code: &mut Code) -> Result<()> {
    let table = svc.error_table()?;
    code.line(
        "/// Exceptions handlers may raise, with the HTTP status each is answered with: the\n\
         /// model's exceptions (`error.httpStatusCode`, else 400) plus reviewed additions.",
    );
    code.line("pub const ERRORS: &[(&str, u16)] = &[");
    for (name, status) in &table {
        if let Some((_, _, why)) = svc.spec.extra_errors.iter().find(|(n, ..)| n == name) {
            code.line(format!("// Not in the model: {why}."));
        }
        code.line(format!("({}, {status}),", lit(name)));
    }
    code.line("];\n");
    code.line(
        "/// The HTTP status of an exception of this service, `None` when `code` is not one.\n\
         pub fn error_status(code: &str) -> Option<http::StatusCode> {\n\
         let status = match code {",
    );
    let mut by_status: std::collections::BTreeMap<u16, Vec<&str>> = Default::default();
    for (name, status) in &table {
        by_status.entry(*status).or_default().push(name);
    }
    for (status, names) in &by_status {
        let arms = names.iter().map(|n| lit(n)).collect::<Vec<_>>().join(" | ");
        code.line(format!("{arms} => {status},"));
    }
    code.line("_ => return None,\n};\nhttp::StatusCode::from_u16(status).ok()\n}\n");
    Ok(())
}

/// Rust types of an operation's input and output (`()` when absent).
fn io_types<'a>(op: &Op<'a>) -> (&'a str, &'a str) {
    (op.input.unwrap_or("()"), op.output.unwrap_or("()"))
}

/// The service trait. A service whose handlers are all listed (`ServiceSpec::handlers`) gets no
/// default bodies, so an implementation missing an operation does not compile; the others answer
/// `NotImplementedException` (501) by default while handlers are being written.
fn emit_trait(svc: &Service, code: &mut Code, ops: &[Op<'_>]) {
    code.uses("std::future::Future");
    let name = svc.spec.trait_name;
    let complete = svc.spec.handlers.is_some();
    let about = match complete {
        true => {
            "Every operation must be implemented (a test double can write its methods with the\n\
                 /// operation-list macro). [`dispatch`] parses and validates before calling a method,\n\
                 /// and serializes what it returns."
        }
        false => {
            "Every method has a default body answering `NotImplementedException` (501) while\n\
                  /// handlers are being written. [`dispatch`] parses and validates before calling a\n\
                  /// method, and serializes what it returns."
        }
    };
    code.line(format!(
        "/// The {} API: one method per operation, taking the validated input.\n\
         ///\n\
         /// {about}\n\
         pub trait {name}: Send + Sync {{\n\
         /// Per-request data the implementor needs (caller, request id, clock, …).\n\
         type Context: Send + Sync + crate::CallObserver;\n",
        svc.model.metadata.service_full_name
    ));
    for op in ops {
        let (input, output) = io_types(op);
        code.line(format!(
            "/// `{}`{}.",
            op.name,
            if op.read_only { " (read-only)" } else { "" }
        ));
        if !op.errors.is_empty() {
            let errors = op
                .errors
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>();
            code.line(format!(
                "///\n{}",
                doc(&format!("Modelled errors: {}.", errors.join(", ")), 4)
            ));
        }
        let signature = format!(
            "fn {}(&self, ctx: &Self::Context, input: {input}) -> impl Future<Output = Result<{output}, ApiError>> + Send",
            op.method
        );
        match complete {
            true => code.line(format!("{signature};\n")),
            false => code.line(format!(
                "{signature} {{\n\
                 let _ = (ctx, input);\n\
                 async {{ Err(crate::not_implemented({})) }}\n}}\n",
                lit(op.name)
            )),
        }
    }
    code.line("}\n");
    emit_operation_macro(svc, code, ops);
}

/// `<service>_operations!(callback)`: calls `callback!(Operation, method, Input, Output)` once
/// per operation, for implementations written by macro (test doubles of a complete trait).
fn emit_operation_macro(svc: &Service, code: &mut Code, ops: &[Op<'_>]) {
    let key = svc.spec.key;
    code.line(format!(
        "/// Calls `$callback!(Operation, method, Input, Output)` once per operation of the\n\
         /// {} API, with full paths, for implementations written by macro (such as test doubles).\n\
         #[macro_export]\n\
         macro_rules! {key}_operations {{\n\
         ($callback:ident) => {{",
        svc.spec.label
    ));
    for op in ops {
        let (input, output) = io_types(op);
        let path = |ty: &str| match ty {
            "()" => "()".to_owned(),
            other => format!("$crate::{key}::{other}"),
        };
        code.line(format!(
            "$callback!({}, {}, {}, {});",
            op.name,
            op.method,
            path(input),
            path(output)
        ));
    }
    code.line("};\n}\n");
}

/// `dispatch`: one arm per operation.
fn emit_dispatch(svc: &Service, code: &mut Code, ops: &[Op<'_>]) {
    code.uses("crate::dispatch::run_operation");
    let name = svc.spec.trait_name;
    code.line(format!(
        "/// Runs `op` on `svc`: parses `body` (empty means `{{}}`), validates, calls the handler and\n\
         /// serializes its output. See [`Dispatched`] for what comes back.\n\
         pub async fn dispatch<S: {name}>(svc: &S, ctx: &S::Context, op: Operation, body: &[u8]) -> Dispatched {{\n\
         match op {{"
    ));
    for op in ops {
        let call = match (op.input, op.output) {
            (Some(input), Some(_)) => format!("|input: {input}| svc.{}(ctx, input)", op.method),
            (None, Some(_)) => format!("|_: crate::Empty| svc.{}(ctx, ())", op.method),
            (Some(input), None) => format!(
                "|input: {input}| async move {{ svc.{}(ctx, input).await.map(|()| crate::Empty {{}}) }}",
                op.method
            ),
            (None, None) => format!(
                "|_: crate::Empty| async move {{ svc.{}(ctx, ()).await.map(|()| crate::Empty {{}}) }}",
                op.method
            ),
        };
        code.line(format!(
            "Operation::{} => run_operation(op, ctx, body, {call}).await,",
            op.name
        ));
    }
    code.line("}\n}");
}
