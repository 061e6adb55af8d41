//! The spec through the tools people in other languages use, so that a spec
//! change that breaks them cannot land: validators and linters, and clients
//! generated for Python and TypeScript that must work.

use std::process::Command;

use crate::derived::SPEC;
use crate::mock::Service;
use crate::{root, run, tools};

pub(crate) fn check() -> Result<(), String> {
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
    let client = out.join("python-client");
    eprintln!("==> openapi-python-client generate");
    let generated = Command::new(tools::bin(&python, "openapi-python-client"))
        .args(["generate", "--overwrite", "--path"])
        .arg(&spec)
        .arg("--output-path")
        .arg(&client)
        .arg("--config")
        .arg(tools_dir.join("python-client.yaml"))
        // It formats its output with ruff from the same environment.
        .env("PATH", path_with(&python.join("bin")))
        .output()
        .map_err(|e| format!("cannot run openapi-python-client: {e}"))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr)
    );
    if !generated.status.success() || said.to_lowercase().contains("warning") {
        return Err(format!(
            "openapi-python-client did not generate cleanly:\n{said}"
        ));
    }
    let service = Service::start(&["--no-quota"])?;
    run(
        "the generated Python client against the local service",
        Command::new(tools::bin(&python, "python"))
            .arg(tools_dir.join("python_smoke.py"))
            .arg(&service.base_url)
            .env("PYTHONPATH", &client),
    )?;
    drop(service);

    // TypeScript: generated types that pass `tsc --strict`.
    let ts = out.join("typescript");
    std::fs::create_dir_all(&ts).map_err(|e| format!("{}: {e}", ts.display()))?;
    std::fs::copy(
        tools_dir.join("typescript").join("use.ts"),
        ts.join("use.ts"),
    )
    .map_err(|e| format!("use.ts: {e}"))?;
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

fn path_with(dir: &std::path::Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap_or_default()
}
