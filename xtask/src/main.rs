//! Project automation, run as `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! Tasks:
//! - `codegen`: regenerate the files trailroom-codegen owns (trailroom-model's `src/a4b.rs` and
//!   `src/cloudtrail.rs`, `docs/coverage.md`) from `model/`.
//! - `codegen --check`: regenerate in memory and fail, naming the files, if any checked-in file
//!   differs. CI runs this so generated code never drifts from the models.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use trailroom_codegen::GeneratedFile;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Dispatches on the task name.
fn run(args: Vec<String>) -> Result<ExitCode> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        _ => bail!("usage: cargo xtask codegen [--check]"),
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    Ok(manifest_dir
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf())
}

/// Regenerates, writing the files or (with `check`) only comparing them.
fn codegen(check: bool) -> Result<ExitCode> {
    let root = workspace_root()?;
    let files = trailroom_codegen::generate(&root)?;
    let stale: Vec<&GeneratedFile> = files.iter().filter(|f| !is_current(&root, f)).collect();
    if check {
        if stale.is_empty() {
            println!("codegen: {} files up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for f in &stale {
            eprintln!("codegen: {} is out of date", f.path.display());
        }
        eprintln!("codegen: run `cargo xtask codegen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    for f in &stale {
        let path = root.join(&f.path);
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("codegen: wrote {}", f.path.display());
    }
    println!("codegen: {} files, {} changed", files.len(), stale.len());
    Ok(ExitCode::SUCCESS)
}

/// Whether the file on disk already has exactly the generated contents.
fn is_current(root: &Path, file: &GeneratedFile) -> bool {
    std::fs::read_to_string(root.join(&file.path)).is_ok_and(|on_disk| on_disk == file.contents)
}
