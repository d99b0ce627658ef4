//! Writes one service module of trailroom-model (`src/a4b.rs`, `src/cloudtrail.rs`) as text.
//!
//! The module is assembled from sections, each in its own file: [`shapes`] (structs, `Debug`,
//! `Audit`), [`validate`] (`Validate` impls and the constraint statics) and [`ops`] (the
//! `Operation` table, errors, the service trait and `dispatch`). Output is unformatted; the caller
//! runs rustfmt. Imports are emitted last, from what the sections actually used, so the generated
//! code has no unused imports.

mod ops;
mod shapes;
mod validate;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::Result;

use crate::service::Service;

/// Generated text plus the imports it needs.
#[derive(Default)]
pub(crate) struct Code {
    /// The items written so far.
    pub(crate) text: String,
    /// `use` paths the items rely on.
    pub(crate) uses: BTreeSet<&'static str>,
}

impl Code {
    /// Appends a line.
    pub(crate) fn line(&mut self, line: impl AsRef<str>) {
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    /// Records that the text uses `path`.
    pub(crate) fn uses(&mut self, path: &'static str) {
        self.uses.insert(path);
    }
}

/// Renders a string as a Rust string literal.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Renders a string as a raw string literal (`r"…"`, `r#"…"#` as needed), for regexes.
pub(crate) fn raw_lit(s: &str) -> String {
    let mut hashes = String::new();
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}")
}

/// `///` lines for `text`, wrapped to fit rustfmt's width at the given indent.
pub(crate) fn doc(text: &str, indent: usize) -> String {
    let width = 100usize.saturating_sub(indent + 4).max(40);
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
        .iter()
        .map(|l| format!("/// {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole generated module for one service, unformatted and without the banner.
pub fn service_module(svc: &Service) -> Result<String> {
    let mut code = Code::default();
    header_consts(svc, &mut code)?;
    shapes::emit(svc, &mut code)?;
    validate::emit(svc, &mut code)?;
    ops::emit(svc, &mut code)?;

    let meta = &svc.model.metadata;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! {} (`{}`, API version {}).\n//!\n\
         //! Wire shapes with validation and audit rendering, the operation table, the\n\
         //! [`{}`] service trait and [`dispatch`].\n",
        meta.service_full_name,
        svc.target_prefix()?,
        meta.api_version,
        svc.spec.trait_name,
    );
    for path in &code.uses {
        let _ = writeln!(out, "use {path};");
    }
    out.push('\n');
    out.push_str(&code.text);
    Ok(out)
}

/// Service-wide constants.
fn header_consts(svc: &Service, code: &mut Code) -> Result<()> {
    let consts = [
        (
            "TARGET_PREFIX",
            "`X-Amz-Target` prefix: the part before `.<Operation>`.",
            svc.target_prefix()?,
        ),
        (
            "SIGNING_NAME",
            "SigV4 signing name (credential scope service).",
            svc.signing_name(),
        ),
        (
            "EVENT_SOURCE",
            "CloudTrail `eventSource` of this service's events.",
            svc.spec.event_source,
        ),
        (
            "API_VERSION",
            "API version of the model.",
            svc.model.metadata.api_version.as_str(),
        ),
    ];
    for (name, doc, value) in consts {
        code.line(format!(
            "/// {doc}\npub const {name}: &str = {};",
            lit(value)
        ));
    }
    code.line("");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_literals_pick_enough_hashes() {
        assert_eq!(raw_lit(r"a\d"), r#"r"a\d""#);
        assert_eq!(raw_lit(r#"say "hi""#), r##"r#"say "hi""#"##);
    }

    #[test]
    fn docs_wrap_at_the_width() {
        let text = "word ".repeat(40);
        for line in doc(text.trim(), 4).lines() {
            assert!(line.len() <= 96, "{line}");
        }
    }
}
