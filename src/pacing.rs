//! Client-side pacing: keeps one client at or under a request rate, so it
//! meets Toggl's leaky-bucket limit instead of being answered with 429s.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
// governor calls its rate a quota; this crate keeps that word for Toggl's.
use governor::{DefaultDirectRateLimiter, Quota as Rate, RateLimiter};

/// A request rate the client keeps to. Toggl advises one request per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    period: Duration,
}

impl Pacing {
    /// At most one request every `period`.
    pub fn every(period: Duration) -> Self {
        Self {
            period: period.max(Duration::from_nanos(1)),
        }
    }

    /// At most `n` requests a second, evenly spread.
    pub fn per_second(n: NonZeroU32) -> Self {
        Self::every(Duration::from_secs(1) / n.get())
    }

    /// One request a second: Toggl's advice.
    pub fn toggl_advice() -> Self {
        Self::every(Duration::from_secs(1))
    }

    /// The time between two requests.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// The shared limiter behind a [`Pacing`], one per client (and its clones).
pub(crate) struct Pacer {
    limiter: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl Pacer {
    pub(crate) fn new(pacing: Pacing) -> Arc<Self> {
        let rate = Rate::with_period(pacing.period).unwrap_or_else(|| {
            // `every` keeps the period above zero, so this is not reached.
            Rate::per_second(NonZeroU32::MIN)
        });
        Arc::new(Self {
            limiter: RateLimiter::direct(rate),
            clock: DefaultClock::default(),
        })
    }

    /// Takes the slot for the next request (`None`: it may go now), or
    /// says how long until one is free, without taking it (which may be
    /// no time at all, the limiter's clock being coarser than a wait).
    pub(crate) fn reserve(&self) -> Option<Duration> {
        let not_until = self.limiter.check().err()?;
        Some(not_until.wait_time_from(self.clock.now()))
    }
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pacer")
    }
}
