//! What every example shares: a client for the real service when
//! `TOGGL_API_TOKEN` and `TOGGL_WORKSPACE_ID` are set, else for a local
//! service started for the example; and logs on stderr as `RUST_LOG` asks.

#![allow(dead_code)]

use toggl_track_api::{ClientBuilder, Credentials};
use toggl_track_local_service::LocalService;

/// Where an example runs.
pub struct Target {
    /// A builder with the credentials and the server set; add to it.
    pub builder: ClientBuilder,
    pub workspace: u64,
    /// The local service, kept running while the example runs.
    pub local: Option<LocalService>,
}

/// The real service when both variables are set, else the local one
/// (with `config`).
pub async fn target(
    config: toggl_track_local_service::Config,
) -> Result<Target, Box<dyn std::error::Error>> {
    init_logs();
    let token = std::env::var("TOGGL_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let workspace = std::env::var("TOGGL_WORKSPACE_ID")
        .ok()
        .and_then(|w| w.parse().ok());
    if let (Some(token), Some(workspace)) = (token, workspace) {
        eprintln!("running against the real Toggl service, workspace {workspace}");
        return Ok(Target {
            builder: toggl_track_api::Client::builder(Credentials::api_token(token)),
            workspace,
            local: None,
        });
    }
    let local = toggl_track_local_service::start(config).await?;
    eprintln!("running against a local service at {}", local.base_url());
    Ok(Target {
        builder: toggl_track_api::Client::builder(Credentials::api_token(
            toggl_track_local_service::demo::API_TOKEN,
        ))
        .base_url(local.base_url()),
        workspace: toggl_track_local_service::demo::WORKSPACE,
        local: Some(local),
    })
}

/// Logs on stderr, filtered by `RUST_LOG` (e.g. `toggl_track_api=debug`).
fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
}
