//! `cargo xtask live`: the tests against the real Toggl Track API. Plain
//! `cargo test` reports them as ignored (not run); this task runs them when
//! the credentials are set, and says it did not when they are not.

use crate::{Outcome, cargo, run};

/// What the live tests need.
pub(crate) const NEEDED: [&str; 2] = ["TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID"];

/// The variables of [`NEEDED`] that are not set.
pub(crate) fn missing() -> Vec<&'static str> {
    NEEDED
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none_or(|v| v.is_empty()))
        .collect()
}

/// `cargo xtask live`.
#[derive(Debug, clap::Args)]
pub(crate) struct Live {}

impl Live {
    pub(crate) fn run(self) -> Outcome {
        run_live()
    }
}

fn run_live() -> Outcome {
    let missing = missing();
    if !missing.is_empty() {
        println!(
            "live tests not run: set {} to run every operation against the real Toggl API \
             (they create and delete a client of their own, one request a second)",
            missing.join(" and ")
        );
        return Ok(());
    }
    run(
        "live tests against api.track.toggl.com",
        cargo().args([
            "test",
            "-p",
            "toggl-clients",
            "--test",
            "it",
            "live::",
            "--",
            "--ignored",
            "--nocapture",
        ]),
    )
}
