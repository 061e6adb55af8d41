//! Maintainer tasks, in plain Rust: `cargo xtask <task>`.
//!
//! A thin dispatcher: each task's arguments and its `run` sit together in
//! the task's module, and what the tasks know about the spec lives in
//! `toggl-track-spec-tools` (reading, drift, evidence, conformance) and
//! `toggl-track-codegen` (generation). Nothing here depends on code
//! generated from the spec, so every task runs whatever the spec says;
//! tasks that need the client (`record`, `live`, the tests) start cargo.
//!
//! Every task exits 0 when all is well, 1 when a check found a problem and
//! 2 for bad usage or input it cannot read (an I/O error included).

use std::fmt::Display;
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod baseline;
mod bench;
mod check;
mod ci;
mod conformance;
mod docs;
mod drift;
mod ecosystem;
mod evidence;
mod files;
mod live;
mod local_service;
mod man;
mod msrv;
mod record;
mod recordings;
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
    Regen(regen::Regen),
    /// Validate the spec and fail with a diff if a derived file is stale.
    Check(check::Check),
    /// Rewrite the CLI's manual pages (crates/cli/man/man1) from its
    /// command-line definitions.
    Man(man::Man),
    /// Compare the spec with Toggl's documentation, and check that every
    /// deliberate difference carries its evidence.
    Drift(drift::Drift),
    /// List the spec's claims that are not confirmed, most consequential
    /// first: what a person with a Toggl account should check first.
    Evidence(evidence::Evidence),
    /// Check every recorded exchange in openapi/recordings/ against the spec.
    Conformance(conformance::Conformance),
    /// Manage recorded exchanges.
    Recordings(recordings::Recordings),
    /// Run every operation once against the real service through the Rust
    /// client and record the exchanges (needs TOGGL_API_TOKEN and
    /// TOGGL_WORKSPACE_ID).
    Record(record::Record),
    /// Check the public Rust API against the last release's (cargo-semver-checks).
    Semver(semver::Semver),
    /// Accept the current spec and Rust API as the baselines of the two
    /// breaking-change gates (at a release).
    Baseline(baseline::Baseline),
    /// Build a self-contained HTML reference into target/api-reference/.
    Docs(docs::Docs),
    /// The spec through other ecosystems' tools (installs the pinned tools
    /// once into a cache outside the checkout; see TOGGL_TOOLS_CACHE).
    Ecosystem(ecosystem::Ecosystem),
    /// Run the benchmarks and rewrite their tables in BENCHMARKS.md.
    Bench(bench::Bench),
    /// Run every check: the test command.
    Ci(ci::Ci),
    /// Run every operation against the real Toggl API (needs
    /// TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID).
    Live(live::Live),
}

/// How a task failed, which decides the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The task ran and found a problem (stale file, drift, failing step): 1.
    Found(String),
    /// Input that cannot be read or understood, bad arguments, or an I/O
    /// error: 2.
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

    /// The same failure with `context` before its message.
    pub(crate) fn context(self, context: impl Display) -> Self {
        match self {
            Self::Found(m) => Self::Found(format!("{context}: {m}")),
            Self::BadInput(m) => Self::BadInput(format!("{context}: {m}")),
        }
    }
}

/// An I/O error about `what` (a path, a program): bad input, exit 2.
pub(crate) fn io(what: impl Display) -> impl FnOnce(std::io::Error) -> Failure {
    move |e| Failure::BadInput(format!("{what}: {e}"))
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// The result of every task and step.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let result = match Cli::parse().task {
        Task::Regen(t) => t.run(),
        Task::Check(t) => t.run(),
        Task::Man(t) => t.run(),
        Task::Drift(t) => t.run(),
        Task::Evidence(t) => t.run(),
        Task::Conformance(t) => t.run(),
        Task::Recordings(t) => t.run(),
        Task::Record(t) => t.run(),
        Task::Semver(t) => t.run(),
        Task::Baseline(t) => t.run(),
        Task::Docs(t) => t.run(),
        Task::Ecosystem(t) => t.run(),
        Task::Bench(t) => t.run(),
        Task::Ci(t) => t.run(),
        Task::Live(t) => t.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.code())
        }
    }
}

/// The workspace root of the checkout this task runs in, found at run
/// time: `cargo xtask` (a `cargo run`) names xtask's folder in
/// `CARGO_MANIFEST_DIR`, whose parent is the root; run any other way, the
/// nearest folder above the working directory that holds `xtask/Cargo.toml`.
/// Never a path compiled in: two checkouts sharing one target folder may
/// run one binary, and each must act on its own files.
pub(crate) fn root() -> std::path::PathBuf {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let from_cargo = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .filter(|dir| dir.join("Cargo.toml").is_file())
            .and_then(|dir| dir.parent().map(std::path::Path::to_path_buf))
            .filter(|root| root.join("xtask").join("Cargo.toml").is_file());
        from_cargo
            .or_else(|| {
                let here = std::env::current_dir().ok()?;
                here.ancestors()
                    .find(|dir| dir.join("xtask").join("Cargo.toml").is_file())
                    .map(std::path::Path::to_path_buf)
            })
            .unwrap_or_else(|| std::path::PathBuf::from("."))
    })
    .clone()
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set (relative to the
/// workspace), else the workspace's `target/`.
pub(crate) fn target_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The workspace manifest's `[profile.*]` tables, verbatim: a manifest this
/// task writes for a separate workspace (the build-cost floor, the packages'
/// build) takes them, so that it builds with the same settings and, sharing
/// the target folder, reuses the same compiled dependencies.
pub(crate) fn workspace_profiles() -> Outcome<String> {
    let path = root().join("Cargo.toml");
    let manifest = std::fs::read_to_string(&path).map_err(io(path.display()))?;
    Ok(profile_tables(&manifest))
}

/// The `[profile...]` tables of a manifest, each up to the next table.
fn profile_tables(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            inside = trimmed.starts_with("[profile.");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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
    let mut context = format!("{step}: cannot start {:?}", cmd.get_program());
    // A missing working folder fails the start with the same error as a
    // missing program: say which it is.
    if let Some(dir) = cmd.get_current_dir().filter(|d| !d.is_dir()) {
        context.push_str(&format!(
            " in {}, a folder that does not exist",
            dir.display()
        ));
    }
    let status = cmd.status().map_err(io(context))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::Found(format!("{step} failed ({status})")))
    }
}

/// The spec file a task reads: `--spec FILE`, else the project's; with the
/// name to show in messages.
pub(crate) fn spec_path(given: Option<&std::path::Path>) -> (String, std::path::PathBuf) {
    match given {
        Some(p) => (p.display().to_string(), p.to_path_buf()),
        None => (
            toggl_track_spec_tools::SPEC_PATH.to_owned(),
            root().join(toggl_track_spec_tools::SPEC_PATH),
        ),
    }
}

/// The spec document for the tools that read it untyped; a spec that
/// cannot be read is bad input, one line per problem.
pub(crate) fn spec_document(given: Option<&std::path::Path>) -> Outcome<serde_json::Value> {
    let (shown, path) = spec_path(given);
    let text = std::fs::read_to_string(&path).map_err(io(format!("{shown}: cannot read")))?;
    toggl_track_spec_tools::parse_checked(std::path::Path::new(&shown), &text)
        .map_err(|e| Failure::BadInput(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_step_in_a_missing_folder_says_so() {
        let missing = std::env::temp_dir().join(format!("xtask-missing-{}", std::process::id()));
        let program = std::env::current_exe().expect("this test program");
        let ran = super::run(
            "a step",
            std::process::Command::new(&program).current_dir(&missing),
        );
        let Err(super::Failure::BadInput(said)) = ran else {
            panic!("{ran:?}");
        };
        assert!(
            said.contains(&format!(
                "in {}, a folder that does not exist",
                missing.display()
            )),
            "{said}"
        );
    }

    #[test]
    fn profile_tables_are_taken_whole_and_nothing_else() {
        let manifest = "[workspace]\nmembers = []\n# why\n[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\nopt-level = 1\n[dependencies]\nserde = \"1\"\n";
        assert_eq!(
            super::profile_tables(manifest),
            "[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.\"*\"]\nopt-level = 1\n"
        );
    }
}
