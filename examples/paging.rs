//! Every client of a large workspace, a page at a time, without writing the
//! loop: one request a page, and none after the last.
//!
//! ```sh
//! cargo run --example paging
//! ```

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local workspace of 230 clients.
    let config = toggl_track_local_service::Config::with_seed(
        toggl_track_local_service::Seed::demo_with_generated_clients(230),
    );
    let target = common::target(config).await?;
    let client = target.builder.build()?;

    let all = client
        .list_all_clients()
        .workspace_id(target.workspace)
        .per_page(100)
        .send()
        .await?;
    println!(
        "{} clients in {} request(s), {} requests left this hour",
        all.clients.len(),
        all.requests,
        all.meta.quota.remaining.unwrap_or_default()
    );
    if let Some(target_count) = target.local.as_ref().map(|_| 230) {
        assert_eq!(all.clients.len(), target_count);
        assert_eq!(all.requests, 3);
    }
    Ok(())
}
