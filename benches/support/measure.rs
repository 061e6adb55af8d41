//! What the client's benchmarks measure with: this thread's CPU time (the
//! client's own work, when the service runs on another thread) and medians.

use std::time::Duration;

/// CPU time this thread has used.
#[cfg(unix)]
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "CLOCK_THREAD_CPUTIME_ID is readable");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Not measured off Unix.
#[cfg(not(unix))]
pub fn thread_cpu() -> Duration {
    Duration::ZERO
}

/// The middle value (the upper one of an even count).
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// The median of the candidate's time over the baseline's, pair by pair:
/// a pair is measured back to back, so what drifts on the machine between
/// pairs cancels out of each ratio, where a ratio of two medians keeps it.
#[allow(dead_code, reason = "the wire bench compares medians")]
pub fn median_ratio(baseline: &[Duration], candidate: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = baseline
        .iter()
        .zip(candidate)
        .map(|(b, c)| c.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}
