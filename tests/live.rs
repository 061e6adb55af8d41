//! The opt-in check against the real Toggl Track API: `cargo xtask live`
//! (which builds this with the `live` feature when `TOGGL_API_TOKEN` and
//! `TOGGL_WORKSPACE_ID` are set). It creates, changes, archives, restores and
//! deletes a uniquely named client of its own, one request a second.

mod common;

use common::walk::walk;
use toggl_track_api::{Client, Credentials, Error, Pacing};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} must be set for the live tests (run them with `cargo xtask live`)")
    })
}

#[tokio::test]
async fn every_operation_against_the_real_service() -> Result<(), Error> {
    let workspace: u64 = env("TOGGL_WORKSPACE_ID")
        .trim()
        .parse()
        .expect("TOGGL_WORKSPACE_ID is a number");
    let api = Client::builder(Credentials::api_token(env("TOGGL_API_TOKEN")))
        .pacing(Pacing::toggl_advice())
        .user_agent("toggl-track-api live tests")
        .build()
        .expect("client builds");
    walk(&api, workspace, &mut |line| eprintln!("{line}")).await
}
