//! The forwarding of a service whose operations all have handlers: one generated `impl` of the
//! service trait that hands each operation to the module `model/implemented.toml` names for it.
//! A service with such a table must list every operation of its model, and the generated impl
//! calls `<module>::<method>(ctx, input)` for each, so a missing handler does not compile and
//! a missing table entry stops the generator.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};

use crate::names::rust_ident;
use crate::service::{HandlerCrate, Service};

/// Where an operation's handler lives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum Handler {
    /// `<module>::<method>(ctx, input)`.
    Module(String),
    /// With settings of the service: `<module>::<method>(ctx, input, &self.<field>)`.
    WithSetting {
        /// The module.
        module: String,
        /// The service's field the handler also takes.
        setting: String,
    },
}

impl Handler {
    fn call(&self, method: &str) -> String {
        match self {
            Self::Module(module) => format!("{module}::{method}(ctx, input).await"),
            Self::WithSetting { module, setting } => {
                format!("{module}::{method}(ctx, input, &self.{setting}).await")
            }
        }
    }
}

/// Operation name → handler, for one service.
pub type HandlerTable = BTreeMap<String, Handler>;

/// The generated forwarding file of `svc` (unformatted).
pub fn forwarding(svc: &Service, krate: &HandlerCrate, table: &HandlerTable) -> Result<String> {
    let missing: Vec<&str> = svc
        .operations()
        .map(|(name, _)| name)
        .filter(|name| !table.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        bail!(
            "model/implemented.toml: {} must name a handler module for every operation; missing: {}",
            svc.spec.key,
            missing.join(", ")
        );
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Each {} operation handed to the module that owns it, from the table in\n\
         //! `model/implemented.toml`.\n",
        svc.spec.label
    );
    for line in krate.uses {
        let _ = writeln!(out, "use {line};");
    }
    let _ = writeln!(
        out,
        "\nimpl {} for {} {{\ntype Context = {};\n",
        svc.spec.trait_name, krate.service_type, krate.context_type
    );
    for (name, op) in svc.operations() {
        let method = rust_ident(name);
        let input = op.input.as_ref().map_or("()", |r| r.shape.as_str());
        let output = op.output.as_ref().map_or("()", |r| r.shape.as_str());
        let call = table[name].call(&method);
        let _ = writeln!(
            out,
            "async fn {method}(&self, ctx: &{}, input: {input}) -> Result<{output}, ApiError> {{\n{call}\n}}\n",
            krate.context_type
        );
    }
    out.push_str("}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::SERVICES;

    fn a4b() -> Service {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let spec = SERVICES.iter().find(|s| s.key == "a4b").unwrap();
        let json = std::fs::read_to_string(root.join("model").join(spec.model_file)).unwrap();
        Service::new(spec, &json).unwrap()
    }

    fn full_table(svc: &Service) -> HandlerTable {
        svc.operations()
            .map(|(name, _)| (name.to_owned(), Handler::Module("family".into())))
            .collect()
    }

    #[test]
    fn every_operation_is_forwarded_to_its_module() {
        let svc = a4b();
        let mut table = full_table(&svc);
        table.insert(
            "ListBusinessReportSchedules".into(),
            Handler::WithSetting {
                module: "schedules".into(),
                setting: "public_url".into(),
            },
        );
        let krate = svc.spec.handlers.unwrap();
        let code = forwarding(&svc, &krate, &table).unwrap();
        assert_eq!(code.matches("async fn ").count(), svc.operations().count());
        assert!(code.contains("family::create_room(ctx, input).await"));
        assert!(code.contains(
            "schedules::list_business_report_schedules(ctx, input, &self.public_url).await"
        ));
    }

    #[test]
    fn a_table_missing_an_operation_stops_the_generator() {
        let svc = a4b();
        let mut table = full_table(&svc);
        table.remove("CreateRoom");
        let krate = svc.spec.handlers.unwrap();
        let err = forwarding(&svc, &krate, &table).unwrap_err().to_string();
        assert!(err.contains("missing: CreateRoom"), "{err}");
    }
}
