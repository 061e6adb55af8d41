//! Maintainer tasks, in plain Rust: `cargo xtask <task>`.

use std::process::{Command, ExitCode};

mod bench;
mod ci;
mod derived;
mod docs;
mod drift;
mod ecosystem;
mod live;
mod mock;
mod regen;
mod schemathesis;
mod tools;

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  regen   rewrite everything derived from the spec (generated code snapshot,
          JSON rendering), atomically
  check   validate the spec and fail with a diff if a derived file is stale
  drift   compare the spec with Toggl's documentation (see `drift --help`)
  baseline
          accept the current spec as the baseline that the breaking-change
          gate (Optic) compares against
  docs    build a self-contained HTML reference of the spec into
          target/api-reference/index.html
  ecosystem
          the spec through other ecosystems' tools: openapi-spec-validator,
          Redocly and Spectral lint, Python and TypeScript clients generated
          and exercised, Prism, Optic's breaking-change gate, the HTML
          reference in Chromium (installs pinned tools into target/tools)
  bench [client] [load] [build]
          run the benchmarks (all without names) and rewrite their tables in
          BENCHMARKS.md: the client against raw reqwest, the local service
          under load, clean builds against a hand-written floor; `--quick`
          runs each briefly and checks that an unchanged spec is not
          generated again
  ci      run every check: format, clippy, tests, spec checks, drift,
          schemathesis, other ecosystems' tools, docs, packaging
  live    run every operation against the real Toggl API
          (needs TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID; skipped without them)

exit codes: 0 fine, 1 a check found a problem, 2 bad usage or unreadable input
";

/// How a task failed, which decides the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The task ran and found a problem (stale file, drift, failing step): 1.
    Found(String),
    /// Bad arguments: 2.
    Usage(String),
    /// Input that cannot be read or understood: 2.
    BadInput(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Found(message)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("regen") => regen::regen(rest),
        Some("check") => regen::check(rest),
        Some("drift") => drift::run_task(rest),
        Some("ci") => ci::run_task(rest).map_err(Failure::from),
        Some("docs") => docs::run_task(rest),
        Some("baseline") => ecosystem::move_baseline(rest),
        Some("ecosystem") => match rest.first() {
            Some(extra) => Err(Failure::Usage(format!(
                "`ecosystem` takes no arguments, got `{extra}`"
            ))),
            None => ecosystem::check().map_err(Failure::from),
        },
        Some("bench") => bench::run_task(rest),
        Some("live") => live::run_task(rest).map_err(Failure::from),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(Failure::Usage(format!("unknown task `{other}`\n\n{USAGE}"))),
        None => Err(Failure::Usage(USAGE.to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Found(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message) | Failure::BadInput(message)) => {
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
