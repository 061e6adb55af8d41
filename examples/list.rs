//! List a workspace's clients and create one if it is missing.
//!
//! ```sh
//! cargo run --example list                                    # on a local service
//! RUST_LOG=toggl_track_api=debug cargo run --example list     # one log line per request
//! TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=... cargo run --example list
//! ```

mod common;

use toggl_track_api::types::{ClientCreate, ClientStatus};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target(toggl_track_local_service::Config::demo()).await?;
    let client = target.builder.build()?;

    let active = client
        .list_clients()
        .workspace_id(target.workspace)
        .status(ClientStatus::Active)
        .send()
        .await?;
    println!("{} active clients:", active.len());
    for c in active.iter() {
        println!("  {:>10}  {}", c.id, c.name);
    }

    // One request when it exists, two when it is created; never a duplicate.
    let new = ClientCreate::builder()
        .name("Example Client (toggl-track-api)")
        .notes("made by the list example".to_owned());
    let ensured = client
        .create_client_if_missing(target.workspace, new)
        .await?;
    println!(
        "{} {:?} (id {}) with {} request(s)",
        if ensured.created { "created" } else { "found" },
        ensured.client.name,
        ensured.client.id,
        ensured.requests
    );
    if let Some(q) = client.quota().organization {
        println!("{} requests left this hour", q.remaining);
    }
    Ok(())
}
