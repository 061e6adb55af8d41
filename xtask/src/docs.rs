//! `cargo xtask docs`: a self-contained HTML reference of the spec (Redocly
//! `build-docs` with the scripts inlined, so it opens offline), and the
//! check that it renders every operation in a real browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run, tools};
use toggl_track_codegen::SPEC_PATH as SPEC;

/// Where the reference is written.
pub(crate) fn output() -> PathBuf {
    root()
        .join("target")
        .join("api-reference")
        .join("index.html")
}

/// Builds the reference; returns its path.
pub(crate) fn build() -> crate::Outcome<PathBuf> {
    let node = tools::node_env()?;
    let out = output();
    run(
        "Redocly build-docs",
        Command::new(tools::node_bin(&node, "redocly"))
            .arg("build-docs")
            .arg(root().join(SPEC))
            .arg("--inlineBundle")
            .arg("--output")
            .arg(&out)
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    )?;
    Ok(out)
}

/// Renders the reference in headless Chromium and checks that every
/// operation's summary is on the rendered page.
pub(crate) fn check_rendered(page: &Path) -> crate::Outcome {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .ok_or("Chromium is needed to check the HTML reference; install it (Debian: `apt-get install chromium`) and run again")?;
    let profile = root().join("target").join("tools").join("chromium-profile");
    eprintln!("==> render the reference in headless Chromium");
    let rendered = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .map_err(|e| format!("cannot run Chromium: {e}"))?;
    let dom = String::from_utf8_lossy(&rendered.stdout);
    let spec: serde_json::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root().join(SPEC)).map_err(|e| format!("{SPEC}: {e}"))?,
    )
    .map_err(|e| format!("{SPEC}: {e}"))?;
    let summaries: Vec<String> = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| {
            op.get("summary")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .collect();
    let missing: Vec<&String> = summaries
        .iter()
        .filter(|s| !dom.contains(s.as_str()))
        .collect();
    if summaries.is_empty() || !missing.is_empty() {
        return Err(format!(
            "the rendered reference lacks {} of {} operations: {missing:?}",
            missing.len(),
            summaries.len()
        )
        .into());
    }
    eprintln!(
        "all {} operations are on the rendered page",
        summaries.len()
    );
    Ok(())
}

pub(crate) fn run_task() -> crate::Outcome {
    let page = build()?;
    println!(
        "wrote {}; open it in a browser (it needs no network)",
        page.display()
    );
    Ok(())
}
