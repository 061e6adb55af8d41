//! The per-user hourly quota (a sliding window) and the rate limit.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota as GovernorQuota, RateLimiter};

use crate::config::{NOTIONAL_QUOTA, QUOTA_WINDOW, RateLimit};

/// The quota as one response reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotaView {
    pub remaining: u32,
    pub resets_in: Duration,
}

impl QuotaView {
    pub(crate) fn full() -> Self {
        Self {
            remaining: NOTIONAL_QUOTA,
            resets_in: QUOTA_WINDOW,
        }
    }
}

/// Why a request was not admitted.
pub(crate) enum Refused {
    Quota(QuotaView),
    Rate,
}

pub(crate) struct Limits {
    hourly: Option<u32>,
    windows: Mutex<HashMap<u64, VecDeque<Instant>>>,
    rate: Option<DefaultKeyedRateLimiter<u64>>,
}

impl Limits {
    pub(crate) fn new(hourly: Option<u32>, rate: Option<RateLimit>) -> Self {
        let rate = rate.map(|r| {
            let per_second = NonZeroU32::new(r.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(r.burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(GovernorQuota::per_second(per_second).allow_burst(burst))
        });
        Self {
            hourly,
            windows: Mutex::new(HashMap::new()),
            rate,
        }
    }

    /// Counts one request of `user`, or says why it is refused.
    pub(crate) fn admit(&self, user: u64) -> Result<QuotaView, Refused> {
        if let Some(rate) = &self.rate
            && rate.check_key(&user).is_err()
        {
            return Err(Refused::Rate);
        }
        let Some(limit) = self.hourly else {
            return Ok(QuotaView::full());
        };
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows.entry(user).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= QUOTA_WINDOW)
        {
            window.pop_front();
        }
        let resets_in = window.front().map_or(QUOTA_WINDOW, |t| {
            QUOTA_WINDOW.saturating_sub(now.duration_since(*t))
        });
        let used = u32::try_from(window.len()).unwrap_or(u32::MAX);
        if used >= limit {
            return Err(Refused::Quota(QuotaView {
                remaining: 0,
                resets_in,
            }));
        }
        window.push_back(now);
        Ok(QuotaView {
            remaining: limit - used - 1,
            resets_in,
        })
    }
}
