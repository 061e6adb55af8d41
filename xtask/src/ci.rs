//! `cargo xtask ci`: the one test command. Each step is a plain cargo call
//! or an xtask task, so a failing step can be rerun on its own.

use std::path::{Path, PathBuf};

use crate::{Outcome, cargo, root, run};

/// `cargo xtask ci`.
#[derive(Debug, clap::Args)]
pub(crate) struct Ci {}

impl Ci {
    pub(crate) fn run(self) -> Outcome {
        run_all()
    }
}

fn run_all() -> Outcome {
    run("format", cargo().args(["fmt", "--all", "--check"]))?;
    // The spec first: a broken spec explains itself here, before the build.
    // Nothing of these compiles the client, so when the spec breaks it,
    // their report comes before the compiler's.
    step("spec and derived files", || {
        crate::check::Check::default().run()
    })?;
    step(
        "drift against the stored documentation facts, and the evidence ledger",
        || crate::drift::Drift::default().run(),
    )?;
    step("recorded exchanges against the spec", || {
        crate::conformance::Conformance::default().run()
    })?;
    crate::semver::Semver::default().run()?;
    run(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "tests",
        cargo().args(["test", "--workspace", "--exclude", "toggl-clients"]),
    )?;
    cli_tests_leave_home_alone()?;
    credential_store()?;
    other_shells()?;
    rustls_ring()?;
    examples()?;
    crate::bench::quick()?;
    crate::schemathesis::check()?;
    crate::ecosystem::check()?;
    run(
        "docs",
        cargo()
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    crate::msrv::check()?;
    package()
}

/// The `rustls-ring` build: no aws-lc-sys anywhere in its tree (the reason
/// it exists), and the client's tests pass with it. The default build's tree
/// is the control: it must show aws-lc, or the search proves nothing.
fn rustls_ring() -> Outcome {
    const RING: [&str; 3] = ["--no-default-features", "--features", "rustls-ring"];
    eprintln!("==> rustls-ring: no aws-lc-sys in the tree");
    if aws_lc_in_tree(&[])?.is_none() {
        return Err(crate::Failure::Found(
            "the default build's tree shows no aws-lc crate: the rustls-ring check cannot tell"
                .to_owned(),
        ));
    }
    if let Some(line) = aws_lc_in_tree(&RING)? {
        return Err(crate::Failure::Found(format!(
            "the rustls-ring build depends on {line}"
        )));
    }
    run(
        "rustls-ring: the client's tests",
        cargo().args(["test", "-p", "toggl-track-api"]).args(RING),
    )
}

/// The first aws-lc crate in the client's dependency tree with these flags.
fn aws_lc_in_tree(flags: &[&str]) -> Result<Option<String>, crate::Failure> {
    let tree = cargo()
        .args(["tree", "-p", "toggl-track-api", "--prefix", "none"])
        .args(flags)
        .output()
        .map_err(crate::io("cannot start cargo"))?;
    if !tree.status.success() {
        return Err(crate::Failure::Found(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&tree.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&tree.stdout)
        .lines()
        .find(|l| l.starts_with("aws-lc"))
        .map(str::to_owned))
}

/// The CLI's login with the platform's credential store for real: the
/// Secret Service of gnome-keyring, on a D-Bus session of its own (the
/// test `cargo test` reports as not run without one).
fn credential_store() -> Outcome {
    installed(
        "dbus-run-session",
        "dbus-daemon",
        "the credential store test",
    )?;
    installed(
        "gnome-keyring-daemon",
        "gnome-keyring",
        "the credential store test",
    )?;
    let cargo = cargo();
    run(
        "the CLI's token in the Secret Service (gnome-keyring on its own session bus)",
        std::process::Command::new("dbus-run-session")
            .arg("--")
            .arg(cargo.get_program())
            .args(CLI_IGNORED_TESTS)
            .args([
                "--exact",
                "accounts::a_token_in_the_secret_service_is_read_back_and_removed_by_logout",
                "--nocapture",
            ])
            .current_dir(root()),
    )
}

/// The CLI's tests, run with `HOME` pointed at an empty folder (cargo and
/// rustup keep theirs): every run of the tool in them names its own
/// folders, so the folder must still be empty afterwards.
fn cli_tests_leave_home_alone() -> Outcome {
    let real = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let keep = |variable: &str, under: &str| {
        std::env::var_os(variable).map_or_else(|| real.join(under), PathBuf::from)
    };
    let home = crate::target_dir().join(format!("empty-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(crate::io(home.display()))?;
    run(
        "the CLI's tests, with HOME an empty folder",
        cargo()
            .args(["test", "-p", "toggl-clients"])
            .env("CARGO_HOME", keep("CARGO_HOME", ".cargo"))
            .env("RUSTUP_HOME", keep("RUSTUP_HOME", ".rustup"))
            .env("HOME", &home),
    )?;
    let left: Vec<String> = std::fs::read_dir(&home)
        .map_err(crate::io(home.display()))?
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect();
    if !left.is_empty() {
        return Err(crate::Failure::Found(format!(
            "the CLI's tests wrote into HOME: {}",
            left.join(", ")
        )));
    }
    let _ = std::fs::remove_dir_all(&home);
    Ok(())
}

/// The CLI's tests that plain `cargo test` reports as not run, for the
/// steps that have what they need.
const CLI_IGNORED_TESTS: [&str; 7] = [
    "test",
    "-p",
    "toggl-clients",
    "--test",
    "it",
    "--",
    "--ignored",
];

/// Fails, saying what to install, unless `program --version` runs.
fn installed(program: &str, package: &str, needed_by: &str) -> Outcome {
    let found = std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Ok(());
    }
    Err(crate::Failure::Found(format!(
        "{needed_by} needs {program}: install Debian's {package} (.ci/run does)"
    )))
}

/// The CLI's completions in zsh and fish, which `cargo test` reports as
/// not run where those shells are missing (bash's always runs).
fn other_shells() -> Outcome {
    for shell in ["zsh", "fish"] {
        installed(shell, shell, "the completion tests")?;
    }
    run(
        "the CLI's completions in zsh and fish",
        cargo().args(CLI_IGNORED_TESTS).arg("completions::"),
    )
}

/// Every example, against the local service (no credentials are passed on).
fn examples() -> Outcome {
    for example in ["list", "errors", "paging", "retries"] {
        run(
            &format!("example {example}"),
            cargo()
                .args(["run", "--quiet", "--example", example])
                .env_remove("TOGGL_API_TOKEN")
                .env_remove("TOGGL_WORKSPACE_ID"),
        )?;
    }
    Ok(())
}

/// Runs an in-process task as a named step.
fn step(name: &str, task: impl FnOnce() -> Outcome) -> Outcome {
    eprintln!("==> {name}");
    task().map_err(|f| f.context(name))
}

/// The published crates as a user gets them: `cargo package` writes them,
/// and they are built from the unpacked packages, which proves that
/// everything `build.rs` reads travels in the client's package.
///
/// `cargo package`'s own verification unpacks our crates into the user's
/// cargo registry and reuses a stale copy when the version is unchanged;
/// building the fresh packages here, in `target/`, needs neither.
fn package() -> Outcome {
    let out = root().join("target").join("package");
    run(
        "package",
        cargo().args([
            "package",
            "--workspace",
            "--exclude",
            "xtask",
            "--no-verify",
            "--allow-dirty",
        ]),
    )?;
    let verify = root().join("target").join("package-verify");
    if verify.exists() {
        std::fs::remove_dir_all(&verify).map_err(crate::io(verify.display()))?;
    }
    std::fs::create_dir_all(&verify).map_err(crate::io(verify.display()))?;
    let mut members = Vec::new();
    for name in [
        "toggl-track-api",
        "toggl-track-har",
        "toggl-track-spec-tools",
        "toggl-track-codegen",
        "toggl-track-local-service",
        "toggl-clients",
    ] {
        let file = packaged(&out, name)?;
        run(
            &format!("unpack {}", file.display()),
            std::process::Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&verify),
        )?;
        let dir = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
            .unwrap_or(name)
            .to_owned();
        members.push((name, dir));
    }
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n{}\n{}",
        members
            .iter()
            .map(|(_, dir)| format!("\"{dir}\""))
            .collect::<Vec<_>>()
            .join(", "),
        members
            .iter()
            .map(|(name, dir)| format!("{name} = {{ path = \"{dir}\" }}\n"))
            .collect::<String>(),
        crate::workspace_profiles()?
    );
    std::fs::write(verify.join("Cargo.toml"), manifest).map_err(crate::io(verify.display()))?;
    std::fs::copy(root().join("Cargo.lock"), verify.join("Cargo.lock"))
        .map_err(crate::io("Cargo.lock"))?;
    run(
        "build the published crates from their packages",
        cargo()
            .current_dir(&verify)
            .args(["build", "--workspace", "--offline"])
            // The workspace's own target folder: only our crates are built
            // anew, from their package sources.
            .env("CARGO_TARGET_DIR", crate::target_dir()),
    )
}

/// The newest `.crate` file of `name` in `dir`.
fn packaged(dir: &Path, name: &str) -> Outcome<PathBuf> {
    let version = env!("CARGO_PKG_VERSION");
    let file = dir.join(format!("{name}-{version}.crate"));
    if file.exists() {
        Ok(file)
    } else {
        Err(crate::Failure::Found(format!(
            "cargo package wrote no {}",
            file.display()
        )))
    }
}
