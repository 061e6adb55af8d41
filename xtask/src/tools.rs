//! Tools from other ecosystems that the checks need, installed by the
//! project itself (pinned), never taken from whatever the machine happens to
//! have. They live in a cache outside the checkout, keyed by their pins, so
//! a fresh clone reuses what an earlier one installed: `TOGGL_TOOLS_CACHE`,
//! else `$XDG_CACHE_HOME/toggl-track-tools`, else
//! `~/.cache/toggl-track-tools`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run};

/// Where pinned tools are installed.
pub(crate) fn cache() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("TOGGL_TOOLS_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("toggl-track-tools")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("toggl-track-tools")))
        .unwrap_or_else(|| root().join("target").join("tools"))
}

/// Holds an exclusive lock on `<dir>.lock` until dropped, so that two runs
/// (or two tests) sharing the cache do not install into one folder at once.
fn install_lock(dir: &Path) -> crate::Outcome<std::fs::File> {
    let path = dir.with_extension("lock");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(crate::io(parent.display()))?;
    }
    let file = std::fs::File::create(&path).map_err(crate::io(path.display()))?;
    file.lock().map_err(crate::io(path.display()))?;
    Ok(file)
}

/// A short, stable digest of a pin file's text (FNV-1a), naming the folder
/// its tools are installed in.
fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The folder of tools `name` pinned by the file `pins`, installed there by
/// `install` unless an earlier run finished installing the same pins (a
/// stamp is written last).
fn pinned(
    name: &str,
    pins: &Path,
    install: impl FnOnce(&Path) -> crate::Outcome,
) -> crate::Outcome<PathBuf> {
    let wanted = std::fs::read_to_string(pins).map_err(crate::io(pins.display()))?;
    let env = cache().join(format!("{name}-{}", digest(&wanted)));
    let _installing = install_lock(&env)?;
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
    std::fs::write(&stamp, wanted).map_err(crate::io(stamp.display()))?;
    Ok(env)
}

/// A Python virtual environment with `xtask/tools/requirements.txt`
/// installed; reinstalled when that file changes.
pub(crate) fn python_env() -> crate::Outcome<PathBuf> {
    let requirements = root().join("xtask").join("tools").join("requirements.txt");
    pinned("python", &requirements, |env| {
        let python = find_python()?;
        run(
            "create the Python tools' environment",
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

/// `xtask/tools/node`'s pinned packages installed with `npm ci`;
/// installed anew when the lock file changes.
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
        std::fs::create_dir_all(env).map_err(crate::io(env.display()))?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), env.join(file)).map_err(crate::io(file))?;
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
        crate::Failure::BadInput(
            "Java 11 or newer is needed to run openapi-generator; install it \
             (Debian: `apt-get install openjdk-17-jre-headless`) and run again"
                .to_owned(),
        )
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
        _ => Err(missing()),
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
/// into the tools' cache (once per version: several minutes on two cores).
pub(crate) fn semver_checks() -> crate::Outcome<PathBuf> {
    let dir = cache().join(format!("cargo-semver-checks-{SEMVER_CHECKS}"));
    let _installing = install_lock(&dir)?;
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
