//! `model/neighbours.toml` (rendered into docs/coverage.md) lists exactly the operations each
//! neighbouring service answers, with the `readOnly` its events carry: checked against the
//! services' own dispatch tables, and for S3 against the handler methods of its backend.

use std::collections::BTreeSet;

use serde::Deserialize;

#[derive(Deserialize)]
struct Neighbour {
    read: Vec<String>,
    write: Vec<String>,
}

fn listed(service: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let text = include_str!("../../../model/neighbours.toml");
    let all: std::collections::BTreeMap<String, Neighbour> = toml::from_str(text).unwrap();
    let svc = &all[service];
    (
        svc.read.iter().cloned().collect(),
        svc.write.iter().cloned().collect(),
    )
}

fn split(ops: impl Iterator<Item = (&'static str, bool)>) -> (BTreeSet<String>, BTreeSet<String>) {
    let (read, write): (Vec<_>, Vec<_>) = ops.partition(|(_, read_only)| *read_only);
    (
        read.into_iter().map(|(n, _)| n.to_owned()).collect(),
        write.into_iter().map(|(n, _)| n.to_owned()).collect(),
    )
}

#[test]
fn dispatch_tables_match_the_list() {
    assert_eq!(listed("tagging"), split(trailroom_tagging::operations()));
    assert_eq!(
        listed("organizations"),
        split(trailroom_organizations::operations())
    );
    assert_eq!(listed("sns"), split(trailroom_sns::operations()));
    let ec2 = trailroom_ec2::OPERATIONS.iter().map(|n| (*n, true));
    assert_eq!(listed("ec2"), split(ec2));
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace("v_2", "v2")
}

#[test]
fn s3_handlers_match_the_list() {
    let backend = include_str!("../../trailroom-s3/src/backend.rs");
    let handlers: BTreeSet<String> = backend
        .lines()
        .filter_map(|l| l.trim().strip_prefix("async fn "))
        .map(|rest| rest.split(['(', '<']).next().unwrap_or_default().to_owned())
        .filter(|name| name != "finish_data")
        .collect();
    let (read, write) = listed("s3");
    let named: BTreeSet<String> = read.iter().chain(&write).map(|n| snake_case(n)).collect();
    assert_eq!(named, handlers);
    for name in &read {
        assert!(
            ["Get", "List", "Head"].iter().any(|p| name.starts_with(p)),
            "{name} is listed as read-only"
        );
    }
    let control = include_str!("../../trailroom-s3/src/control.rs");
    let (read, write) = listed("s3control");
    for name in read.iter().chain(&write) {
        let event = name.replace("PublicAccessBlock", "AccountPublicAccessBlock");
        assert!(
            control.contains(&format!("\"{event}\"")),
            "{event} not in control.rs"
        );
    }
}
