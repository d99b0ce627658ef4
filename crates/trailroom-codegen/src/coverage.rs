//! `docs/coverage.md`: every operation of every service, with `readOnly`, deprecation, modelled
//! errors and whether a handler exists. Handler status comes from the hand-maintained
//! `model/implemented.toml`, because the generator cannot see the handler crates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use crate::handlers::HandlerTable;
use crate::service::Service;

/// Implemented operation names per service key, from `model/implemented.toml`.
pub type Implemented = BTreeMap<String, BTreeSet<String>>;

/// A service's entry in `model/implemented.toml`: the names of implemented operations, or (for
/// a service whose forwarding is generated) each operation with its handler module.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Listed {
    Names(Vec<String>),
    Handlers(HandlerTable),
}

/// Parses `model/implemented.toml` and checks every name against the models: the implemented
/// names per service, and the handler tables of services that have one.
pub fn parse_implemented(
    toml_text: &str,
    services: &[Service],
) -> Result<(Implemented, BTreeMap<String, HandlerTable>)> {
    let raw: BTreeMap<String, Listed> =
        toml::from_str(toml_text).context("parsing model/implemented.toml")?;
    let mut out = Implemented::new();
    let mut tables = BTreeMap::new();
    for (key, listed) in raw {
        let svc = services
            .iter()
            .find(|s| s.spec.key == key)
            .with_context(|| format!("model/implemented.toml: unknown service {key:?}"))?;
        let names = match listed {
            Listed::Names(names) => names,
            Listed::Handlers(table) => {
                let names = table.keys().cloned().collect();
                tables.insert(key.clone(), table);
                names
            }
        };
        let set = out.entry(key.clone()).or_default();
        for name in names {
            if !svc.model.operations.contains_key(&name) {
                bail!("model/implemented.toml: {key} has no operation {name:?}");
            }
            if !set.insert(name.clone()) {
                bail!("model/implemented.toml: {key} lists {name:?} twice");
            }
        }
    }
    Ok((out, tables))
}

/// Operations a service does not serve, with the reason, per service key, from
/// `model/not_served.toml`.
pub type NotServed = BTreeMap<String, BTreeMap<String, String>>;

/// Parses `model/not_served.toml` (`[service] Operation = "why"`): every name must be an
/// operation of the model that is not implemented.
pub fn parse_not_served(
    toml_text: &str,
    services: &[Service],
    implemented: &Implemented,
) -> Result<NotServed> {
    let raw: NotServed = toml::from_str(toml_text).context("parsing model/not_served.toml")?;
    for (key, reasons) in &raw {
        let svc = services
            .iter()
            .find(|s| s.spec.key == key)
            .with_context(|| format!("model/not_served.toml: unknown service {key:?}"))?;
        for name in reasons.keys() {
            if !svc.model.operations.contains_key(name) {
                bail!("model/not_served.toml: {key} has no operation {name:?}");
            }
            if implemented.get(key).is_some_and(|done| done.contains(name)) {
                bail!("model/not_served.toml: {key}'s {name} is implemented");
            }
        }
    }
    Ok(raw)
}

/// Where the client tests live: pinned boto3/AWS CLI tests and the Rust SDK tests.
const CLIENT_TEST_DIRS: [&str; 2] = ["tests/python", "crates/trailroom-server/tests"];

/// The text of every client test file (`.py`, `.rs`), concatenated.
pub fn read_client_tests(root: &std::path::Path) -> Result<String> {
    let mut corpus = String::new();
    for dir in CLIENT_TEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if matches!(path.extension().and_then(|e| e.to_str()), Some("py" | "rs")) {
                corpus.push_str(
                    &std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?,
                );
            }
        }
    }
    Ok(corpus)
}

/// Whether a client test calls operation `name`: boto3 and the Rust SDK both name the client
/// method in snake case, called directly (`.create_room(`) or taken to be called
/// (`s3.get_bucket_acl,` in a table of methods); a longer name that merely starts the same
/// (`.list_tags_for_resource` for `list_tags`) does not count.
pub(crate) fn is_called(client_tests: &str, name: &str) -> bool {
    let method = format!(".{}", crate::names::snake_case(name));
    client_tests.match_indices(&method).any(|(at, _)| {
        let next = client_tests[at + method.len()..].chars().next();
        next.is_some_and(|c| !c.is_alphanumeric() && c != '_')
    })
}

/// Renders the whole document.
pub fn render(
    services: &[Service],
    implemented: &Implemented,
    not_served: &NotServed,
    client_tests: &str,
) -> Result<String> {
    let empty = BTreeSet::new();
    let mut out = String::from(
        "<!-- @generated by `cargo xtask codegen` from model/*.json and model/implemented.toml; do not edit. -->\n\n\
         # Operation coverage\n\n\
         One row per operation of each vendored model. `implemented` comes from\n\
         `model/implemented.toml`, which is updated by hand when a handler lands; `client-tested`\n\
         means a client test (tests/python with the pinned boto3, or the Rust SDK tests) calls the\n\
         operation by its client method; `readOnly` is the value recorded in CloudTrail events;\n\
         `IAM action` is what authorization checks (on the resources the request names, see\n\
         `access.rs` of each service crate); errors are the exceptions the model lists for the\n\
         operation.\n\n\
         IAM actions are `iam:<Action>`, STS `sts:AssumeRole`, `sts:GetFederationToken` and\n\
         `sts:GetAccessKeyInfo` (GetCallerIdentity and GetSessionToken need no permission). The\n\
         tagging API, SNS, EC2 region discovery, Organizations, S3 and S3 Control are listed in\n\
         the last section, [The APIs around a trail](#the-apis-around-a-trail).\n\n",
    );
    for svc in services {
        let done = implemented.get(svc.spec.key).unwrap_or(&empty);
        let tested = svc
            .operations()
            .filter(|(name, _)| is_called(client_tests, name))
            .count();
        let _ = writeln!(
            out,
            "- {}: {}/{} implemented, {}/{} client-tested",
            svc.spec.label,
            done.len(),
            svc.model.operations.len(),
            tested,
            svc.model.operations.len()
        );
    }
    for svc in services {
        render_service(
            &mut out,
            svc,
            implemented.get(svc.spec.key).unwrap_or(&empty),
            client_tests,
        )?;
        if let Some(reasons) = not_served.get(svc.spec.key).filter(|r| !r.is_empty()) {
            let _ = writeln!(out, "\nNot served, and why:\n");
            for (name, why) in reasons {
                let _ = writeln!(out, "- {name}: {why}");
            }
        }
    }
    Ok(out)
}

/// One service's section.
fn render_service(
    out: &mut String,
    svc: &Service,
    done: &BTreeSet<String>,
    client_tests: &str,
) -> Result<()> {
    let meta = &svc.model.metadata;
    let _ = writeln!(
        out,
        "\n## {} (`{}`, {})\n\n{}: {}/{} implemented\n",
        meta.service_full_name,
        svc.target_prefix()?,
        meta.api_version,
        svc.spec.label,
        done.len(),
        svc.model.operations.len()
    );
    out.push_str(
        "| operation | IAM action | readOnly | deprecated | implemented | client-tested | modelled errors |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (name, op) in svc.operations() {
        let mut errors = Vec::new();
        for e in &op.errors {
            errors.push(svc.error_code(&e.shape)?);
        }
        let errors = if errors.is_empty() {
            "—".to_owned()
        } else {
            errors.join(", ")
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {errors} |",
            iam_action(svc, name),
            yes_no(svc.read_only(name)?),
            yes_no(op.deprecated),
            yes_no(done.contains(name)),
            yes_no(is_called(client_tests, name)),
        );
    }
    Ok(())
}

/// Operations authorized by other actions than their own name, as AWS documents them:
/// `(service key, operation, what the coverage table shows)`.
const IAM_ACTION_OVERRIDES: &[(&str, &str, &str)] = &[(
    "cloudtrail",
    "ListInsightsMetricData",
    "`cloudtrail:LookupEvents` (with `TrailName`, also `cloudtrail:ListInsightsData` on the trail)",
)];

/// The IAM action column of an operation.
fn iam_action(svc: &Service, name: &str) -> String {
    IAM_ACTION_OVERRIDES
        .iter()
        .find(|(key, op, _)| *key == svc.spec.key && *op == name)
        .map_or_else(
            || format!("`{}:{name}`", svc.signing_name()),
            |(_, _, shown)| (*shown).to_owned(),
        )
}

/// `yes` / `no`.
fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
