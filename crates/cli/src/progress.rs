//! What a person at a terminal sees while the client waits: a countdown
//! during backoff, pacing and a quota reset, and, once an attempt has been
//! outstanding for a moment, which attempt it is and for how long. Piped,
//! only a quota reset is told, in one line: it may last most of an hour.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use toggl_track_api::events::{AttemptEvent, AttemptPhase, WaitEvent, WaitReason};

/// Waits and attempts shorter than this are not drawn.
const MOMENT: Duration = Duration::from_millis(700);
const CLEAR_MARGIN: Duration = Duration::from_millis(150);
const TICK: Duration = Duration::from_millis(100);

/// The display of the attempt being waited for, if one is: dropping the
/// sender tells its thread to clear the line and end, and joining waits
/// until it has, so the next output starts on a clean line.
type Display = (mpsc::Sender<()>, std::thread::JoinHandle<()>);
static OUTSTANDING: Mutex<Option<Display>> = Mutex::new(None);

/// What is left of the job, for the words of a quota wait (`12 of 40
/// change(s) to go`); empty when a command does not say.
static JOB: Mutex<String> = Mutex::new(String::new());

/// Says what is left of the job, for the next quota wait.
pub(crate) fn job(status: String) {
    *JOB.lock().unwrap_or_else(|p| p.into_inner()) = status;
}

/// What is left of the job, as last said ("" when a command does not
/// say): for the line an interrupted command ends with.
pub(crate) fn job_left() -> String {
    JOB.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

pub(crate) fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// The `on_wait` callback: a countdown on a terminal, drawn on a thread of
/// its own so the client's wait is not held up by drawing; elsewhere one
/// line for a quota reset.
pub(crate) fn wait(event: WaitEvent) {
    let job = JOB.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let to_go = if job.is_empty() {
        String::new()
    } else {
        format!(" ({job})")
    };
    if !std::io::stderr().is_terminal() {
        if event.reason == WaitReason::QuotaReset {
            eprintln!(
                "waiting {} s for the quota to reset{to_go}",
                event.duration.as_secs()
            );
        }
        return;
    }
    let why = match event.reason {
        WaitReason::Pacing => "keeping to one request a second".to_owned(),
        WaitReason::Backoff { retry, status, .. } => match status {
            Some(s) => format!("the service answered {}; retry {retry}", s.as_u16()),
            None => format!("the connection failed; retry {retry}"),
        },
        WaitReason::NotYetVisible { retry, .. } => {
            format!("the new client is not visible yet; asking again ({retry})")
        }
        WaitReason::QuotaReset => {
            format!("the hourly quota is used up{to_go}; waiting for the reset")
        }
        _ => "waiting".to_owned(),
    };
    if event.duration < MOMENT {
        return;
    }
    // Cleared a little before the wait ends, so that it is gone before the
    // command prints its next line.
    let shown_for = event.duration - CLEAR_MARGIN;
    std::thread::spawn(move || {
        let bar = spinner();
        let started = Instant::now();
        while started.elapsed() < shown_for {
            let left = event.duration.saturating_sub(started.elapsed());
            bar.set_message(format!("{why}: waiting {:.1} s", left.as_secs_f64()));
            bar.tick();
            std::thread::sleep(TICK.min(shown_for.saturating_sub(started.elapsed())));
        }
        bar.finish_and_clear();
    });
}

/// The `on_attempt` callback: after a moment without an answer, says which
/// attempt is outstanding and for how long.
pub(crate) fn attempt(event: AttemptEvent) {
    let mut outstanding = OUTSTANDING.lock().unwrap_or_else(|p| p.into_inner());
    end(outstanding.take());
    if event.phase != AttemptPhase::Sent {
        return;
    }
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let started = Instant::now();
        if !matches!(stopped.recv_timeout(MOMENT), Err(RecvTimeoutError::Timeout)) {
            return;
        }
        let bar = spinner();
        loop {
            bar.set_message(format!(
                "waiting for the service, attempt {} of {}, {} s",
                event.attempt,
                event.max_attempts,
                started.elapsed().as_secs()
            ));
            bar.tick();
            if !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                break;
            }
        }
        bar.finish_and_clear();
    });
    *outstanding = Some((stop, thread));
}

/// Stops a display and waits until its line is cleared.
fn end(display: Option<Display>) {
    if let Some((stop, thread)) = display {
        drop(stop);
        let _ = thread.join();
    }
}

/// Clears an attempt display that is still up (when the command ends).
pub(crate) fn finish() {
    end(OUTSTANDING.lock().unwrap_or_else(|p| p.into_inner()).take());
}
