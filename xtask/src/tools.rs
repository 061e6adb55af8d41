//! Tools from other ecosystems that the checks need, installed by the
//! project itself into `target/tools/` (pinned), never taken from whatever
//! the machine happens to have.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run};

/// A Python virtual environment with `xtask/tools/requirements.txt`
/// installed; reinstalled when that file changes.
pub(crate) fn python_env() -> crate::Outcome<PathBuf> {
    let env = root().join("target").join("tools").join("python");
    let requirements = root().join("xtask").join("tools").join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let stamp = env.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(env);
    }
    let python = find_python()?;
    run(
        "create target/tools/python",
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&env),
    )?;
    run(
        "install pinned Python tools",
        Command::new(bin(&env, "pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(env)
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
    let env = root().join("target").join("tools").join("node");
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .map_err(|e| format!("{}: {e}", source.join("package-lock.json").display()))?;
    let stamp = env.join("installed-package-lock.json");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        return Ok(env);
    }
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
    std::fs::create_dir_all(&env).map_err(|e| format!("{}: {e}", env.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(file), env.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    run(
        "install pinned Node tools",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&env),
    )?;
    std::fs::write(&stamp, lock).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(env)
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
