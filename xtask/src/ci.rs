//! `cargo xtask ci`: the one test command. Each step is a plain cargo call,
//! so a failing step can be rerun on its own.

use crate::{cargo, run};

pub(crate) fn run_all() -> Result<(), String> {
    run("format", cargo().args(["fmt", "--all", "--check"]))?;
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
    run(
        "docs",
        cargo()
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    // Packages the library crates and builds them from the packages, which
    // proves that everything build.rs reads is inside the client's package.
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
