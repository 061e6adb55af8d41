//! Telling the failures apart: a used-up hourly quota is not a missing paid
//! plan, though Toggl answers both with 402.
//!
//! ```sh
//! cargo run --example errors
//! ```

mod common;

use toggl_track_api::Error;
use toggl_track_api::config::RetryPolicy;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local service with a tiny quota, so that it runs out.
    let mut config = toggl_track_local_service::Config::demo();
    config.hourly_quota = Some(2);
    let target = common::target(config).await?;
    let client = target.builder.retry(RetryPolicy::none()).build()?;

    // Archiving needs a paid workspace; the local service's second
    // workspace is a free one.
    let free = if target.local.is_some() {
        toggl_track_local_service::demo::FREE_WORKSPACE
    } else {
        target.workspace
    };
    let clients = client.list_clients().workspace_id(free).send().await?;
    if let Some(first) = clients.first() {
        match client
            .archive_client()
            .workspace_id(free)
            .client_id(first.id)
            .send()
            .await
        {
            Ok(projects) => println!("archived {} with {} projects", first.name, projects.len()),
            Err(e) => explain(e),
        }
    }
    // The next request goes over the quota (on the local service).
    match client
        .list_clients()
        .workspace_id(target.workspace)
        .send()
        .await
    {
        Ok(list) => println!("{} clients", list.len()),
        Err(e) => explain(e),
    }
    Ok(())
}

fn explain(e: Error) {
    match &e {
        Error::QuotaExhausted { resets_in, .. } => println!(
            "out of quota: wait {} s (this is not a plan problem)",
            resets_in.map_or(0, |d| d.as_secs())
        ),
        Error::PaidFeatureRequired { message, .. } => {
            println!("needs a paid plan: {message} (the quota is fine)")
        }
        Error::RateLimited { .. } => println!("too fast; slow down"),
        Error::NotFound { message, .. } => println!("not found: {message}"),
        other => println!("failed: {other}"),
    }
    if let Some(id) = e.request_id() {
        println!("  (quote request id {id} when asking Toggl)");
    }
}
