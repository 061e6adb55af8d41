//! Maintainer tasks, in plain Rust: `cargo xtask <task>`.
//!
//! * `ci`: every check the project runs before a change lands.
//! * `live`: the opt-in tests against the real Toggl Track API.

use std::process::{Command, ExitCode};

mod ci;
mod live;
mod mock;
mod schemathesis;
mod tools;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci      run every check: format, clippy, tests, schemathesis, docs, packaging
  live    run every operation against the real Toggl API
          (needs TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID; skipped without them)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run_task(&args[1..]),
        Some("live") => live::run_task(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `cargo` as the one running this task, with the workspace as directory.
pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, naming it first; fails with its exit status.
pub(crate) fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("==> {step}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}
