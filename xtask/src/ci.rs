//! `cargo xtask ci`: the one test command. Each step is a plain cargo call,
//! so a failing step can be rerun on its own.

use crate::{cargo, run};

pub(crate) fn run_all() -> Result<(), String> {
    run("format", cargo().args(["fmt", "--all", "--check"]))?;
    // The spec first: a broken spec explains itself here, before the build.
    step("spec and derived files", || crate::regen::check(&[]))?;
    step("drift against the stored documentation facts", || {
        crate::drift::run_task(&[])
    })?;
    run(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            // Also lint the opt-in live tests, which only build with it.
            "--features",
            "toggl-clients/live,toggl-track-api/prism-tests",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // The tests build the client the way the spec's maintainers do: generated
    // by build.rs (the `generate` feature). Clippy, the benchmarks' smoke pass
    // and the packaged build use the default, the committed copy.
    run(
        "tests",
        cargo().args([
            "test",
            "--workspace",
            "--features",
            "toggl-track-api/generate",
        ]),
    )?;
    crate::bench::quick()?;
    crate::schemathesis::check()?;
    crate::ecosystem::check()?;
    run(
        "docs",
        cargo()
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    // Packages the library crates and builds them from the packages, which
    // proves that everything build.rs reads is inside the client's package.
    forget_packaged_copies()?;
    run(
        "package",
        cargo().args([
            "package",
            "--workspace",
            "--exclude",
            "xtask",
            "--allow-dirty",
        ]),
    )?;
    Ok(())
}

pub(crate) fn run_task(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("`ci` takes no arguments, got `{extra}`"));
    }
    run_all()
}

/// `cargo package` unpacks our own crates from its temporary registry into
/// `$CARGO_HOME/registry/src/<that registry>/`, and on the next run reuses
/// both that copy and what it compiled from it, as if an unchanged version
/// number meant unchanged code. Removing the copies (never crates.io's) and
/// our crates' fingerprints makes each run build what is in the tree; our
/// crates are small, so the rebuild costs seconds.
fn forget_packaged_copies() -> Result<(), String> {
    let fingerprints = crate::root()
        .join("target")
        .join("debug")
        .join(".fingerprint");
    remove_ours(&fingerprints)?;
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return Ok(());
    };
    for registry in std::fs::read_dir(&src).into_iter().flatten().flatten() {
        if !registry
            .file_name()
            .to_string_lossy()
            .starts_with("index.crates.io")
        {
            remove_ours(&registry.path())?;
        }
    }
    Ok(())
}

/// Removes the entries of `dir` named after our crates (`toggl-track-*`).
fn remove_ours(dir: &std::path::Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("toggl-track-")
        {
            std::fs::remove_dir_all(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}
/// Runs an in-process task as a named step.
fn step(name: &str, task: impl FnOnce() -> Result<(), crate::Failure>) -> Result<(), String> {
    eprintln!("==> {name}");
    task().map_err(|f| match f {
        crate::Failure::Found(m) | crate::Failure::Usage(m) | crate::Failure::BadInput(m) => {
            format!("{name}: {m}")
        }
    })
}
