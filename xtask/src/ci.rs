//! `cargo xtask ci`: the one test command. Each step is a plain cargo call
//! or an xtask task, so a failing step can be rerun on its own.

use std::path::{Path, PathBuf};

use crate::{Failure, Outcome, cargo, root, run};

pub(crate) fn run_all() -> Outcome {
    run("format", cargo().args(["fmt", "--all", "--check"]))?;
    // The spec first: a broken spec explains itself here, before the build.
    step("spec and derived files", || {
        crate::regen::check(&crate::regen::CheckArgs::default())
    })?;
    step(
        "drift against the stored documentation facts, and the evidence ledger",
        || crate::drift::run_task(&crate::drift::Args::default()),
    )?;
    step(
        "recorded exchanges against the spec and the client's types",
        || crate::conformance::run_task(&crate::conformance::Args::default()),
    )?;
    crate::semver::run_task(&crate::semver::Args::default())?;
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
    run("tests", cargo().args(["test", "--workspace"]))?;
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
    task().map_err(|f| Failure::Found(format!("{name}: {}", f.message())))
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
        std::fs::remove_dir_all(&verify).map_err(|e| format!("{}: {e}", verify.display()))?;
    }
    std::fs::create_dir_all(&verify).map_err(|e| format!("{}: {e}", verify.display()))?;
    let mut members = Vec::new();
    for name in [
        "toggl-track-api",
        "toggl-track-codegen",
        "toggl-track-mock",
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
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n{}",
        members
            .iter()
            .map(|(_, dir)| format!("\"{dir}\""))
            .collect::<Vec<_>>()
            .join(", "),
        members
            .iter()
            .map(|(name, dir)| format!("{name} = {{ path = \"{dir}\" }}\n"))
            .collect::<String>()
    );
    std::fs::write(verify.join("Cargo.toml"), manifest)
        .map_err(|e| format!("{}: {e}", verify.display()))?;
    std::fs::copy(root().join("Cargo.lock"), verify.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    run(
        "build the published crates from their packages",
        cargo()
            .current_dir(&verify)
            .args(["build", "--workspace", "--offline"])
            // The workspace's own target folder: only our crates are built
            // anew, from their package sources.
            .env("CARGO_TARGET_DIR", root().join("target")),
    )
}

/// The newest `.crate` file of `name` in `dir`.
fn packaged(dir: &Path, name: &str) -> Outcome<PathBuf> {
    let version = env!("CARGO_PKG_VERSION");
    let file = dir.join(format!("{name}-{version}.crate"));
    if file.exists() {
        Ok(file)
    } else {
        Err(format!("cargo package wrote no {}", file.display()).into())
    }
}
