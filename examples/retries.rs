//! The retry policy, pacing, the quota reserve and the operation deadline:
//! one knob each, and every wait reported as it starts.
//!
//! ```sh
//! cargo run --example retries
//! ```

mod common;

use std::time::Duration;

use toggl_track_api::config::{Jitter, Pacing, QuotaReserve, ReadAfterCreate, RetryPolicy};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target(toggl_track_local_service::Config::demo()).await?;
    let policy = RetryPolicy::default()
        .max_attempts(5)
        .initial_backoff(Duration::from_millis(200))
        .jitter(Jitter::Full)
        // Toggl's advice for clients just created that are not readable yet.
        .read_after_create(ReadAfterCreate::toggl_advice());
    let client = target
        .builder
        .retry(policy)
        // Toggl's advice: about one request a second.
        .pacing(Pacing::toggl_advice())
        // Keep the last 3 requests of every hour for something that matters.
        .quota_reserve(QuotaReserve::keep(3))
        // No operation takes longer than this, retries and waits included.
        .operation_timeout(Duration::from_secs(20))
        .on_wait(|w| eprintln!("waiting {:?}: {:?}", w.duration, w.reason))
        .build()?;

    // On the local service, fail the first two answers to show the retries.
    if let Some(local) = &target.local {
        local.faults().fail_next(503, 2);
    }
    for _ in 0..3 {
        let list = client
            .list_clients()
            .workspace_id(target.workspace)
            .send()
            .await?;
        println!("{} clients", list.len());
    }
    Ok(())
}
