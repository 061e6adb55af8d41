//! Maintainer tasks, in plain Rust: `cargo xtask <task>`.
//!
//! Every task exits 0 when all is well, 1 when a check found a problem and
//! 2 for bad usage or input it cannot read.

use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod bench;
mod ci;
mod conformance;
mod derived;
mod docs;
mod drift;
mod ecosystem;
mod evidence;
mod live;
mod mock;
mod msrv;
mod regen;
mod schemathesis;
mod semver;
mod tools;

/// Maintainer tasks for the Toggl Track clients spec and its Rust client.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    after_help = "Exit codes: 0 fine, 1 a check found a problem, 2 bad usage or unreadable input."
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Rewrite everything derived from the spec (the generated code's
    /// reviewable copy, the JSON rendering), atomically.
    Regen,
    /// Validate the spec and fail with a diff if a derived file is stale.
    Check(regen::CheckArgs),
    /// Compare the spec with Toggl's documentation, and check that every
    /// deliberate difference carries its evidence.
    Drift(drift::Args),
    /// List the spec's claims that are not confirmed, most consequential
    /// first: what a person with a Toggl account should check first.
    Evidence(evidence::Args),
    /// Check every recorded exchange in openapi/recordings/ against the spec
    /// and the Rust client's types.
    Conformance(conformance::Args),
    /// Manage recorded exchanges.
    Recordings {
        #[command(subcommand)]
        command: conformance::RecordingsCommand,
    },
    /// Run every operation once against the real service and record the
    /// exchanges (needs TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID).
    Record(conformance::record::Args),
    /// Check the public Rust API against the last release's (cargo-semver-checks).
    Semver(semver::Args),
    /// Accept the current spec and Rust API as the baselines of the two
    /// breaking-change gates (at a release).
    Baseline,
    /// Build a self-contained HTML reference into target/api-reference/.
    Docs,
    /// The spec through other ecosystems' tools (installs pinned tools
    /// into target/tools).
    Ecosystem,
    /// Run the benchmarks and rewrite their tables in BENCHMARKS.md.
    Bench(bench::Args),
    /// Run every check: the test command.
    Ci,
    /// Run every operation against the real Toggl API (needs
    /// TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID).
    Live,
}

/// How a task failed, which decides the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The task ran and found a problem (stale file, drift, failing step): 1.
    Found(String),
    /// Input that cannot be read or understood, or bad arguments: 2.
    BadInput(String),
}

impl Failure {
    fn code(&self) -> u8 {
        match self {
            Self::Found(_) => 1,
            Self::BadInput(_) => 2,
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Found(m) | Self::BadInput(m) => m,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Found(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::Found(message.to_owned())
    }
}

/// The result of every task and step.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Regen => regen::regen(),
        Task::Check(args) => regen::check(&args),
        Task::Drift(args) => drift::run_task(&args),
        Task::Evidence(args) => evidence::run_task(&args),
        Task::Conformance(args) => conformance::run_task(&args),
        Task::Recordings { command } => conformance::recordings(&command),
        Task::Record(args) => conformance::record::run_task(&args),
        Task::Semver(args) => semver::run_task(&args),
        Task::Baseline => ecosystem::move_baseline(),
        Task::Docs => docs::run_task(),
        Task::Ecosystem => ecosystem::check(),
        Task::Bench(args) => bench::run_task(&args),
        Task::Ci => ci::run_all(),
        Task::Live => live::run_task(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.code())
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
pub(crate) fn run(step: &str, cmd: &mut Command) -> Outcome {
    eprintln!("==> {step}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})").into())
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
