//! The "APIs around a trail" part of `docs/coverage.md`: the operations of the services with no
//! vendored model (the tagging API, SNS, EC2 discovery, Organizations, S3 and S3 Control), from
//! the hand-maintained `model/neighbours.toml`. trailroom-server's `neighbour_coverage` test
//! keeps that file equal to each service's dispatch table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// One service of `model/neighbours.toml`.
#[derive(Debug, Deserialize)]
pub struct Neighbour {
    /// Heading of its section.
    pub label: String,
    /// The wire protocol, in a few words.
    pub protocol: String,
    /// `eventSource` of its events.
    pub event_source: String,
    /// What authorization checks.
    pub iam: String,
    /// Operations recorded with `readOnly` true.
    pub read: Vec<String>,
    /// Operations recorded with `readOnly` false.
    pub write: Vec<String>,
}

/// Parses `model/neighbours.toml`; an operation listed twice in a service is an error.
pub fn parse(toml_text: &str) -> Result<BTreeMap<String, Neighbour>> {
    let services: BTreeMap<String, Neighbour> =
        toml::from_str(toml_text).context("parsing model/neighbours.toml")?;
    for (key, svc) in &services {
        let mut seen = BTreeSet::new();
        for name in svc.read.iter().chain(&svc.write) {
            if !seen.insert(name) {
                bail!("model/neighbours.toml: {key} lists {name:?} twice");
            }
        }
    }
    Ok(services)
}

/// The section, services in the file's key order, operations alphabetically.
pub fn render(services: &BTreeMap<String, Neighbour>, client_tests: &str) -> String {
    let mut out = String::from(
        "\n## The APIs around a trail\n\n\
         Services without a vendored model, from `model/neighbours.toml` (checked against each\n\
         service's dispatch table by trailroom-server's `neighbour_coverage` test). Every call is\n\
         recorded; `client-tested` means a client test calls the operation by its client method.\n",
    );
    for svc in services.values() {
        let mut rows: Vec<(&String, bool)> = svc
            .read
            .iter()
            .map(|n| (n, true))
            .chain(svc.write.iter().map(|n| (n, false)))
            .collect();
        rows.sort();
        let tested = rows
            .iter()
            .filter(|(n, _)| crate::coverage::is_called(client_tests, n))
            .count();
        let _ = writeln!(
            out,
            "\n### {} ({})\n\n`eventSource` `{}`; IAM: {}. {} operations, {} client-tested.\n",
            svc.label,
            svc.protocol,
            svc.event_source,
            svc.iam,
            rows.len(),
            tested
        );
        out.push_str("| operation | readOnly | client-tested |\n| --- | --- | --- |\n");
        for (name, read_only) in rows {
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            let _ = writeln!(
                out,
                "| {name} | {} | {} |",
                yes_no(read_only),
                yes_no(crate::coverage::is_called(client_tests, name))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused() {
        let text =
            "[x]\nlabel='X'\nprotocol='p'\nevent_source='e'\niam='i'\nread=['A']\nwrite=['A']\n";
        assert!(parse(text).is_err());
    }

    #[test]
    fn renders_read_only_and_tested() {
        let text = "[x]\nlabel='X'\nprotocol='p'\nevent_source='x.amazonaws.com'\niam='i'\nread=['GetThing']\nwrite=['PutThing']\n";
        let services = parse(text).unwrap();
        let doc = render(&services, "client.get_thing(");
        assert!(doc.contains("| GetThing | yes | yes |"));
        assert!(doc.contains("| PutThing | no | no |"));
        assert!(doc.contains("2 operations, 1 client-tested"));
    }
}
