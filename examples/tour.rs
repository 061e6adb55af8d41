//! A tour of all seven clients operations.
//!
//! Without credentials it starts the local mock of Toggl's clients service
//! in-process (with a demo workspace) and runs against it. With
//! `TOGGL_API_TOKEN` and `TOGGL_WORKSPACE_ID` set it runs against the real
//! service, creating and deleting a uniquely named client of its own.
//!
//! ```sh
//! cargo run --example tour
//! ```

#[path = "../tests/common/walk.rs"]
mod walk;

use std::process::ExitCode;

use toggl_track_api::{Client, Credentials, Pacing};

#[tokio::main]
async fn main() -> ExitCode {
    let live = match (
        std::env::var("TOGGL_API_TOKEN"),
        std::env::var("TOGGL_WORKSPACE_ID"),
    ) {
        (Ok(token), Ok(workspace)) => match workspace.trim().parse::<u64>() {
            Ok(workspace) => Some((token, workspace)),
            Err(_) => {
                eprintln!("error: TOGGL_WORKSPACE_ID must be a number, got {workspace:?}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let mut mock = None;
    let (builder, workspace) = match live {
        Some((token, workspace)) => {
            println!("Running against the real Toggl Track service, workspace {workspace}.");
            // One request a second, as Toggl asks.
            let builder =
                Client::builder(Credentials::api_token(token)).pacing(Pacing::toggl_advice());
            (builder, workspace)
        }
        None => {
            let server = match toggl_track_mock::start(toggl_track_mock::Config::demo()).await {
                Ok(server) => server,
                Err(e) => {
                    eprintln!("error: cannot start the local service: {e}");
                    return ExitCode::FAILURE;
                }
            };
            println!(
                "No TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID set: running against the local mock service at {}.",
                server.base_url()
            );
            let builder = Client::builder(Credentials::api_token("demo-api-token"))
                .base_url(server.base_url());
            mock = Some(server);
            (builder, 1234567)
        }
    };
    let api = match builder.user_agent("toggl-track-api tour").build() {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = walk::walk(&api, workspace, &mut |line| println!("  {line}")).await;
    drop(mock);
    match result {
        Ok(()) => {
            println!("All seven operations done.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
