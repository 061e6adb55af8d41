//! A spinner with a countdown while the client waits (rate-limit backoff,
//! pacing), shown only when stderr is a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use toggl_track_api::{WaitEvent, WaitReason};

const CLEAR_MARGIN: Duration = Duration::from_millis(150);

/// The `on_wait` callback: draws the countdown on a thread of its own, so
/// the client's wait is not held up by drawing.
pub(crate) fn show(event: WaitEvent) {
    let why = match event.reason {
        WaitReason::Pacing => "keeping to one request a second".to_owned(),
        WaitReason::Backoff { retry, status } => match status {
            Some(s) => format!("the service answered {}; retry {retry}", s.as_u16()),
            None => format!("the connection failed; retry {retry}"),
        },
        _ => "waiting".to_owned(),
    };
    // Waits too short to read are not drawn.
    if event.duration < Duration::from_millis(300) {
        return;
    }
    // The spinner is cleared a little before the wait ends, so that it is
    // gone before the command prints its next line.
    let shown_for = event.duration - CLEAR_MARGIN;
    std::thread::spawn(move || {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let started = Instant::now();
        while started.elapsed() < shown_for {
            let left = event.duration.saturating_sub(started.elapsed());
            bar.set_message(format!("{why}: waiting {:.1} s", left.as_secs_f64()));
            bar.tick();
            std::thread::sleep(
                Duration::from_millis(100).min(shown_for.saturating_sub(started.elapsed())),
            );
        }
        bar.finish_and_clear();
    });
}
