//! `cargo xtask live`: the opt-in tests against the real Toggl Track API.

use crate::{cargo, run};

const NEEDED: [&str; 2] = ["TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID"];

pub(crate) fn run_task(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("`live` takes no arguments, got `{extra}`"));
    }
    let missing: Vec<&str> = NEEDED
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none_or(|v| v.is_empty()))
        .collect();
    if !missing.is_empty() {
        println!(
            "live tests skipped: set {} to run every operation against the real Toggl API \
             (they create and delete a client of their own, one request a second)",
            missing.join(" and ")
        );
        return Ok(());
    }
    run(
        "live tests against api.track.toggl.com",
        cargo().args([
            "test",
            "--features",
            "live",
            "--test",
            "live",
            "--",
            "--nocapture",
        ]),
    )
}
