//! schemathesis (pinned, from PyPI) against the local service, from the
//! spec: all seven operations, in the examples, coverage, fuzzing and
//! stateful phases, with a fixed seed so that a failure can be replayed.

use std::process::Command;

use crate::local_service::Service;
use crate::{root, run, tools};

pub(crate) fn check() -> crate::Outcome {
    let env = tools::python_env()?;
    // No quota: schemathesis sends far more than an hour's requests. No
    // age limit on `since` either: the spec cannot say "90 days before now",
    // so the generated times (from 1970 on) are all schema-valid; the limit
    // has tests of its own.
    let service = Service::start(&["--no-quota", "--since-max-days", "1000000"])?;
    // It keeps a cache where it runs: a folder of its own under target/,
    // made here, as a fresh clone has none.
    let work = root().join("target").join("schemathesis");
    std::fs::create_dir_all(&work).map_err(crate::io(work.display()))?;
    let report = work.join("report");
    let spec = root().join(toggl_track_codegen::SPEC_PATH);
    let config = root().join("xtask").join("tools").join("schemathesis.toml");
    run(
        "schemathesis against the local service",
        Command::new(tools::bin(&env, "schemathesis"))
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(&spec)
            .args(["--url", &service.base_url])
            .args([
                "--auth",
                &format!("{}:api_token", crate::local_service::DEMO_TOKEN),
            ])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args([
                "--max-examples",
                "50",
                "--seed",
                "20261127",
                "--workers",
                "1",
            ])
            .args([
                "--generation-database",
                "none",
                "--report",
                "junit",
                "--report-dir",
            ])
            .arg(&report)
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .env("NO_COLOR", "1")
            .current_dir(&work),
    )
}
