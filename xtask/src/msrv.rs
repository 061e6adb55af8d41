//! The minimum supported Rust version, as the test command proves it.
//!
//! These machines have one toolchain and cannot fetch another, so the only
//! version the tests can prove is the one they run on: `rust-version` must
//! name it. Where a `+<version>` toolchain is installed, it is used to
//! check the declared version directly instead. Either way the highest
//! `rust-version` any dependency declares is reported, as the floor no
//! declared value may go below.

use std::process::Command;

use crate::{Failure, Outcome, cargo, run};

/// `major.minor` of a version such as `1.95.0` or `1.95`.
fn minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim().split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

pub(crate) fn check() -> Outcome {
    eprintln!("==> the minimum Rust version");
    let metadata = cargo()
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(crate::io("cannot run cargo metadata"))?;
    let doc: serde_json::Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|e| Failure::BadInput(format!("cargo metadata printed no JSON: {e}")))?;
    let packages = doc["packages"].as_array().cloned().unwrap_or_default();
    let declared = packages
        .iter()
        .find(|p| p["name"] == "toggl-track-api")
        .and_then(|p| p["rust_version"].as_str())
        .ok_or_else(|| crate::Failure::BadInput("toggl-track-api declares no rust-version".into()))?
        .to_owned();
    let (floor, by) = packages
        .iter()
        .filter(|p| p["source"].is_string())
        .filter_map(|p| {
            Some((
                minor(p["rust_version"].as_str()?)?,
                p["name"].as_str()?.to_owned(),
            ))
        })
        .max()
        .ok_or_else(|| crate::Failure::BadInput("no dependency declares a rust-version".into()))?;
    let wanted = minor(&declared)
        .ok_or_else(|| Failure::BadInput(format!("rust-version {declared:?} is not a version")))?;
    if wanted < floor {
        return Err(Failure::Found(format!(
            "rust-version {declared} is below {}.{}, which {by} needs",
            floor.0, floor.1
        )));
    }
    let toolchain = format!("+{}.{}", wanted.0, wanted.1);
    let installed = Command::new("cargo")
        .args([&toolchain, "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        return run(
            &format!("cargo {toolchain} check of the published crates"),
            Command::new("cargo").current_dir(crate::root()).args([
                &toolchain,
                "check",
                "-p",
                "toggl-track-api",
                "-p",
                "toggl-clients",
                "-p",
                "toggl-track-local-service",
            ]),
        );
    }
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--version")
        .output()
        .map_err(crate::io("cannot run rustc"))?;
    let said = String::from_utf8_lossy(&rustc.stdout);
    let running = said
        .split_whitespace()
        .nth(1)
        .and_then(minor)
        .ok_or_else(|| Failure::BadInput(format!("cannot read the version in {said:?}")))?;
    if running == wanted {
        eprintln!(
            "    rust-version {declared} is the toolchain these tests run on (no other is installed); \
             the dependencies need {}.{} ({by})",
            floor.0, floor.1
        );
        Ok(())
    } else {
        Err(Failure::Found(format!(
            "rust-version {declared} is not proven here: the tests run on {}.{} and no {toolchain} toolchain is installed; \
             declare {}.{}, or install {}.{} so it can be checked",
            running.0, running.1, running.0, running.1, wanted.0, wanted.1
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::minor;

    #[test]
    fn versions_are_read_to_the_minor() {
        assert_eq!(minor("1.95.0"), Some((1, 95)));
        assert_eq!(minor("1.88"), Some((1, 88)));
        assert_eq!(minor("one"), None);
    }
}
