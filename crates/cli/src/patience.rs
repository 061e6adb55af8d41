//! Waiting for the quota instead of giving up, for jobs larger than one
//! window (`apply --wait`): before a request that the known quota cannot
//! cover, and after a quota 402 that arrives anyway (another program
//! sharing the token), wait until the window has surely started afresh, then
//! go on. Nothing is retried against a used-up quota, so no request is spent
//! on finding out.

use std::future::Future;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use toggl_track_api::Error;
use toggl_track_api::quota::QuotaSnapshot;

use crate::session::Session;

/// Added to every wait: the quota headers count whole seconds over a
/// sliding window, so the reset is waited out with room to spare.
const MARGIN: Duration = Duration::from_secs(1);

/// How long to wait for a window that resets in `resets_in`: rounded up to
/// whole seconds, plus the margin.
pub(crate) fn reset_wait(resets_in: Duration) -> Duration {
    Duration::from_secs(resets_in.as_secs_f64().ceil() as u64) + MARGIN
}

/// Whether the known organization quota has nothing left for a request.
fn used_up(q: Option<QuotaSnapshot>) -> Option<Duration> {
    let q = q.filter(QuotaSnapshot::is_current)?;
    (q.remaining <= 0).then(|| q.resets_in())
}

/// Runs `op`, waiting for the quota to reset before it when the known
/// quota is used up, and after a quota 402, as often as it takes. `to_go`
/// says what is left of the job, for the wait's display.
pub(crate) async fn patiently<T, F, Fut>(s: &Session, to_go: &str, mut op: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    loop {
        if let Some(resets_in) = used_up(s.client.quota().organization) {
            wait(reset_wait(resets_in), to_go).await;
        }
        match op().await {
            Err(Error::QuotaExhausted { resets_in, .. }) => {
                let known = s.client.quota().organization.map(|q| q.resets_in());
                let resets_in = resets_in.or(known).unwrap_or(Duration::from_secs(60));
                wait(reset_wait(resets_in), to_go).await;
            }
            other => return other,
        }
    }
}

/// Waits `how_long`: a countdown on a terminal, else one line.
async fn wait(how_long: Duration, to_go: &str) {
    let why = format!("the hourly quota is used up; {to_go}");
    if !std::io::stderr().is_terminal() {
        eprintln!(
            "waiting {} s for the quota to reset ({to_go})",
            how_long.as_secs()
        );
        tokio::time::sleep(how_long).await;
        return;
    }
    let bar = crate::progress::spinner();
    let started = Instant::now();
    while started.elapsed() < how_long {
        let left = how_long.saturating_sub(started.elapsed());
        bar.set_message(format!(
            "{why}: waiting for the reset, {} s",
            left.as_secs()
        ));
        bar.tick();
        tokio::time::sleep(Duration::from_millis(200).min(left)).await;
    }
    bar.finish_and_clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_is_waited_out_with_room_to_spare() {
        assert_eq!(reset_wait(Duration::from_secs(12)), Duration::from_secs(13));
        assert_eq!(
            reset_wait(Duration::from_millis(12_100)),
            Duration::from_secs(14)
        );
        assert_eq!(reset_wait(Duration::ZERO), Duration::from_secs(1));
    }
}
