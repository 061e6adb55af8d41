//! The spec through the tools people in other languages use, so that a spec
//! change that breaks them cannot land: validators and linters, and clients
//! generated for Python and TypeScript (openapi-python-client,
//! openapi-typescript, openapi-generator) that must work.

use std::path::Path;
use std::process::Command;

use crate::local_service::Service;
use crate::{root, run, tools};
use toggl_track_codegen::SPEC_PATH as SPEC;

/// The spec as last released: breaking changes are measured against it.
pub(crate) const BASELINE: &str = "openapi/baseline/toggl-track-v9.yaml";

/// `cargo xtask baseline`.
#[derive(Debug, clap::Args)]
pub(crate) struct Baseline {}

impl Baseline {
    pub(crate) fn run(self) -> crate::Outcome {
        move_baseline()
    }
}

/// `cargo xtask ecosystem`.
#[derive(Debug, clap::Args)]
pub(crate) struct Ecosystem {}

impl Ecosystem {
    pub(crate) fn run(self) -> crate::Outcome {
        check()
    }
}

/// Accepts the current spec and the current Rust API as the new baselines
/// (at a release).
fn move_baseline() -> crate::Outcome {
    let text = std::fs::read_to_string(root().join(SPEC)).map_err(crate::io(SPEC))?;
    crate::files::write_atomically(&root().join(BASELINE), &text)?;
    println!("{BASELINE} now matches {SPEC}");
    // The Rust API moves with the HTTP contract: both are the release's.
    crate::semver::move_baseline()
}

pub(crate) fn check() -> crate::Outcome {
    let python = tools::python_env()?;
    let node = tools::node_env()?;
    let spec = root().join(SPEC);
    let tools_dir = root().join("xtask").join("tools");
    let out = root().join("target").join("tools");

    run(
        "openapi-spec-validator",
        Command::new(tools::bin(&python, "openapi-spec-validator"))
            .args(["--validation-errors", "all"])
            .arg(&spec),
    )?;
    run(
        "Redocly lint, recommended-strict rules",
        Command::new(tools::node_bin(&node, "redocly"))
            .args(["lint", "--extends", "recommended-strict"])
            .arg(&spec)
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    )?;
    run(
        "Spectral, spectral:oas rules, failing on hints",
        Command::new(tools::node_bin(&node, "spectral"))
            .args(["lint", "--fail-severity", "hint", "--ruleset"])
            .arg(tools_dir.join("spectral.yaml"))
            .arg(&spec),
    )?;

    // Python: generate with no warnings, then drive every operation.
    let client = python_client(&python)?;
    let service = Service::start(&["--no-quota"])?;
    run(
        "the generated Python client against the local service",
        Command::new(tools::bin(&python, "python"))
            .arg(tools_dir.join("python_smoke.py"))
            .arg(&service.base_url)
            .env("PYTHONPATH", &client),
    )?;
    drop(service);

    openapi_generator(&python, &node, &spec)?;
    go_client(&python, &spec)?;

    prism(&node, &spec)?;

    run(
        "Optic: no breaking change against openapi/baseline/",
        Command::new(tools::node_bin(&node, "optic"))
            .arg("diff")
            .arg(root().join(BASELINE))
            .arg(&spec)
            .arg("--check")
            .current_dir(&out),
    )
    .map_err(|e| {
        crate::Failure::Found(format!("{e}; if the break is deliberate, move the baseline with `cargo xtask baseline` and say so in the change"))
    })?;

    let page = crate::docs::build()?;
    crate::docs::check_rendered(&page)?;

    // TypeScript: generated types that pass `tsc --strict`.
    let ts = out.join("typescript");
    std::fs::create_dir_all(&ts).map_err(crate::io(ts.display()))?;
    std::fs::copy(
        tools_dir.join("typescript").join("use.ts"),
        ts.join("use.ts"),
    )
    .map_err(crate::io("use.ts"))?;
    run(
        "openapi-typescript",
        Command::new(tools::node_bin(&node, "openapi-typescript"))
            .arg(&spec)
            .arg("--output")
            .arg(ts.join("schema.d.ts")),
    )?;
    run(
        "tsc --strict on the generated types",
        Command::new(tools::node_bin(&node, "tsc"))
            .args([
                "--strict",
                "--noEmit",
                "--target",
                "es2020",
                "--moduleResolution",
                "node",
            ])
            .arg(ts.join("use.ts"))
            .arg(ts.join("schema.d.ts")),
    )
}

/// Generates the Python client (openapi-python-client) into
/// `target/tools/python-client`, failing on any warning; returns its folder.
pub(crate) fn python_client(python: &Path) -> crate::Outcome<std::path::PathBuf> {
    let client = root().join("target").join("tools").join("python-client");
    generate_cleanly(
        "openapi-python-client generate",
        Command::new(tools::bin(python, "openapi-python-client"))
            .args(["generate", "--overwrite", "--path"])
            .arg(root().join(SPEC))
            .arg("--output-path")
            .arg(&client)
            .arg("--config")
            .arg(root().join("xtask/tools/python-client.yaml"))
            // It formats its output with ruff from the same environment.
            .env("PATH", path_with(&python.join("bin"))),
        |line| line.to_lowercase().contains("warning"),
    )?;
    Ok(client)
}

/// Runs a code generator and fails if it does not succeed or says anything
/// `is_warning` picks out: a generator's warnings are problems of the spec.
fn generate_cleanly(
    step: &str,
    cmd: &mut Command,
    is_warning: impl Fn(&str) -> bool,
) -> crate::Outcome {
    eprintln!("==> {step}");
    let done = cmd.output().map_err(crate::io(format!(
        "{step}: cannot start {:?}",
        cmd.get_program()
    )))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    let warnings: Vec<&str> = said.lines().filter(|l| is_warning(l)).collect();
    if !done.status.success() {
        Err(crate::Failure::Found(format!(
            "{step} failed ({}):\n{said}",
            done.status
        )))
    } else if !warnings.is_empty() {
        Err(crate::Failure::Found(format!(
            "{step} warned:\n{}",
            warnings.join("\n")
        )))
    } else {
        Ok(())
    }
}

/// openapi-generator (the jar of the pinned PyPI package): the spec
/// validates, a TypeScript client generates without a warning, compiles
/// under `tsc --strict` and drives every operation against the local
/// service.
fn openapi_generator(python: &Path, node: &Path, spec: &Path) -> crate::Outcome {
    tools::java_ready()?;
    let generator = tools::bin(python, "openapi-generator-cli");
    let work = root().join("target").join("tools").join("typescript-fetch");
    run(
        "openapi-generator validate",
        Command::new(&generator).arg("validate").arg("-i").arg(spec),
    )?;
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(crate::io(work.display()))?;
    }
    generate_cleanly(
        "openapi-generator generate, typescript-fetch",
        Command::new(&generator)
            .args(["generate", "-g", "typescript-fetch", "-i"])
            .arg(spec)
            .arg("-o")
            .arg(work.join("client")),
        |line| line.contains("WARN") || line.contains("ERROR"),
    )?;
    std::fs::copy(
        root().join("xtask/tools/typescript-fetch/smoke.ts"),
        work.join("smoke.ts"),
    )
    .map_err(crate::io("smoke.ts"))?;
    run(
        "tsc --strict on the generated TypeScript client",
        Command::new(tools::node_bin(node, "tsc"))
            .args([
                "--strict",
                "--target",
                "es2020",
                "--module",
                "commonjs",
                "--lib",
                "es2020,dom",
                "--types",
                "node",
                "--typeRoots",
            ])
            .arg(node.join("node_modules").join("@types"))
            .arg("--outDir")
            .arg(work.join("out"))
            .arg(work.join("smoke.ts")),
    )?;
    let service = Service::start(&["--no-quota"])?;
    run(
        "the generated TypeScript client against the local service",
        Command::new("node")
            .arg(work.join("out").join("smoke.js"))
            .arg(&service.base_url),
    )
}

/// openapi-generator's Go client: generated without a warning, built with
/// the Go toolchain (offline: the client needs only the standard library),
/// and driven against the local service.
fn go_client(python: &Path, spec: &Path) -> crate::Outcome {
    tools::go_ready()?;
    let work = root().join("target").join("tools").join("go-client");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(crate::io(work.display()))?;
    }
    generate_cleanly(
        "openapi-generator generate, go",
        Command::new(tools::bin(python, "openapi-generator-cli"))
            .args(["generate", "-g", "go", "-i"])
            .arg(spec)
            .arg("-o")
            .arg(&work)
            .args([
                "--additional-properties",
                "packageName=toggl,withGoMod=true",
                "--git-user-id",
                "example",
                "--git-repo-id",
                "toggl-clients",
            ]),
        |line| line.contains("WARN") || line.contains("ERROR"),
    )?;
    let cache = root().join("target").join("tools").join("go-cache");
    let go = |args: &[&str]| {
        let mut cmd = Command::new("go");
        cmd.args(args)
            .current_dir(&work)
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOCACHE", cache.join("build"))
            .env("GOPATH", cache.join("path"));
        cmd
    };
    run(
        "go build of the generated Go client",
        &mut go(&["build", "./..."]),
    )?;
    // A driver beside it, run against the local service.
    let driver = work.join("cmd").join("smoke");
    std::fs::create_dir_all(&driver).map_err(crate::io(driver.display()))?;
    std::fs::copy(
        root().join("xtask/tools/go/smoke.go"),
        driver.join("main.go"),
    )
    .map_err(crate::io("smoke.go"))?;
    let service = Service::start(&["--no-quota"])?;
    run(
        "the generated Go client against the local service",
        go(&["run", "./cmd/smoke"]).arg(&service.base_url),
    )
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap_or_default()
}

/// Prism serves the spec; the Rust client's operations run against it, and
/// any request Prism finds in violation of the spec fails the check.
fn prism(node: &Path, spec: &Path) -> crate::Outcome {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(crate::io("no free port for Prism"))?
        .port();
    let log_path = root().join("target").join("tools").join("prism.log");
    let log = std::fs::File::create(&log_path).map_err(crate::io(log_path.display()))?;
    let err_log = log
        .try_clone()
        .map_err(|e| crate::Failure::BadInput(e.to_string()))?;
    eprintln!("==> Prism serving the spec on port {port}");
    let child = Command::new(tools::node_bin(node, "prism"))
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec)
        .stdout(log)
        .stderr(err_log)
        .spawn()
        .map_err(crate::io("cannot start Prism"))?;
    let _prism = KillOnDrop(child);
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            return Err(crate::Failure::Found(format!(
                "Prism did not start; see {}",
                log_path.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    run(
        "the Rust client's operations against Prism",
        crate::cargo()
            .args([
                "test",
                "-p",
                "toggl-track-api",
                "--test",
                "it",
                "against_prism",
                "--",
                "--nocapture",
            ])
            .env("TOGGL_PRISM_URL", format!("http://127.0.0.1:{port}")),
    )?;
    let said = std::fs::read_to_string(&log_path).unwrap_or_default();
    let violations: Vec<&str> = said.lines().filter(|l| l.contains("Violation")).collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(crate::Failure::Found(format!(
            "Prism found requests that break the spec:\n{}",
            violations.join("\n")
        )))
    }
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
