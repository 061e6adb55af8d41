//! Tools from other ecosystems that the checks need, installed by the
//! project itself into `target/tools/` (pinned), never taken from whatever
//! the machine happens to have.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run};

/// The folder `target/tools/<name>`, installed by `install` when the pin
/// file `pins` differs from what was last installed there (a copy of it is
/// kept in the folder as the stamp).
fn pinned(
    name: &str,
    pins: &Path,
    install: impl FnOnce(&Path) -> crate::Outcome,
) -> crate::Outcome<PathBuf> {
    let env = root().join("target").join("tools").join(name);
    let wanted = std::fs::read_to_string(pins).map_err(|e| format!("{}: {e}", pins.display()))?;
    let stamp = env.join(format!(
        "installed-{}",
        pins.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(env);
    }
    install(&env)?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(env)
}

/// A Python virtual environment with `xtask/tools/requirements.txt`
/// installed; reinstalled when that file changes.
pub(crate) fn python_env() -> crate::Outcome<PathBuf> {
    let requirements = root().join("xtask").join("tools").join("requirements.txt");
    pinned("python", &requirements, |env| {
        let python = find_python()?;
        run(
            "create target/tools/python",
            Command::new(&python)
                .args(["-m", "venv", "--clear"])
                .arg(env),
        )?;
        run(
            "install pinned Python tools",
            Command::new(bin(env, "pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(&requirements),
        )
    })
}

/// An executable of a virtual environment.
pub(crate) fn bin(env: &Path, name: &str) -> PathBuf {
    env.join("bin").join(name)
}

fn find_python() -> crate::Outcome<String> {
    for candidate in ["python3", "python"] {
        let ok = Command::new(candidate)
            .args([
                "-c",
                "import sys, venv; sys.exit(sys.version_info < (3, 9))",
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(candidate.to_owned());
        }
    }
    Err(crate::Failure::BadInput(
        "Python 3.9 or newer with the venv module is needed for the spec checks; \
         install it (Debian: `apt-get install python3 python3-venv`) and run again"
            .to_owned(),
    ))
}

/// `xtask/tools/node`'s pinned packages installed with `npm ci` into
/// `target/tools/node`; reinstalled when the lock file changes.
pub(crate) fn node_env() -> crate::Outcome<PathBuf> {
    let source = root().join("xtask").join("tools").join("node");
    pinned("node", &source.join("package-lock.json"), |env| {
        let npm_works = Command::new("npm")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !npm_works {
            return Err(crate::Failure::BadInput(
                "Node.js 20 or newer with npm is needed for the spec checks; install it \
                 (Debian: `apt-get install nodejs npm`) and run again"
                    .to_owned(),
            ));
        }
        std::fs::create_dir_all(env).map_err(|e| format!("{}: {e}", env.display()))?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), env.join(file)).map_err(|e| format!("{file}: {e}"))?;
        }
        run(
            "install pinned Node tools",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(env),
        )
    })
}

/// An executable installed by `npm` in `env`.
pub(crate) fn node_bin(env: &Path, name: &str) -> PathBuf {
    env.join("node_modules").join(".bin").join(name)
}

/// Checks that a Java runtime new enough for openapi-generator's jar (Java
/// 11) is on the PATH; the jar itself comes with the pinned Python tools.
pub(crate) fn java_ready() -> crate::Outcome {
    let missing = || {
        "Java 11 or newer is needed to run openapi-generator; install it \
         (Debian: `apt-get install openjdk-17-jre-headless`) and run again"
            .to_owned()
    };
    let out = Command::new("java")
        .arg("-version")
        .output()
        .map_err(|_| missing())?;
    // `java -version` writes e.g. `openjdk version "17.0.15" 2025-04-15`
    // (or `"1.8.0_402"` for Java 8) to stderr.
    let said = String::from_utf8_lossy(&out.stderr);
    let major = said
        .split('"')
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if out.status.success() && m >= 11 => Ok(()),
        _ => Err(crate::Failure::BadInput(missing())),
    }
}

/// Checks that the Go toolchain is on the PATH, for building the Go client
/// openapi-generator makes from the spec.
pub(crate) fn go_ready() -> crate::Outcome {
    let works = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Ok(())
    } else {
        Err(crate::Failure::BadInput(
            "Go is needed to build the Go client generated from the spec; install it \
             (Debian: `apt-get install golang-go`) and run again"
                .to_owned(),
        ))
    }
}

/// The version of cargo-semver-checks the Rust API gate runs.
pub(crate) const SEMVER_CHECKS: &str = "0.51.0";

/// cargo-semver-checks, pinned, installed with `cargo install --locked`
/// into `target/tools/cargo` (once: several minutes on two cores).
pub(crate) fn semver_checks() -> crate::Outcome<PathBuf> {
    let dir = root().join("target").join("tools").join("cargo");
    let tool = dir.join("bin").join("cargo-semver-checks");
    let installed = Command::new(&tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SEMVER_CHECKS));
    if !installed {
        run(
            &format!("install cargo-semver-checks {SEMVER_CHECKS} (pinned)"),
            crate::cargo()
                .args([
                    "install",
                    "--locked",
                    "--quiet",
                    "--no-default-features",
                    "--version",
                    SEMVER_CHECKS,
                    "cargo-semver-checks",
                    "--root",
                ])
                .arg(&dir),
        )?;
    }
    Ok(tool)
}
