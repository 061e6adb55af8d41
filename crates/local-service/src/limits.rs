//! The hourly quotas (sliding windows) and the rate limit.
//!
//! Two quotas, as Toggl counts them: one per user per organization for
//! workspace operations, and a user-level one for `/me` operations (30 an
//! hour on every plan). Each response reports the quota its request counted
//! against. The window is an hour, as Toggl's, unless configured shorter
//! (tests run jobs across several windows in seconds).

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota as Rate, RateLimiter};

use crate::config::{NOTIONAL_QUOTA, RateLimit};
use crate::refusal::{QuotaView, Refusal};
use crate::sentences::{self, say};

/// Which quota a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum QuotaKind {
    /// The user's quota in this organization.
    Organization(u64),
    /// The user-level quota of `/me` operations.
    User,
}

/// One sliding-window quota per key (a user, or a user in an organization).
struct Window {
    limit: Option<u32>,
    length: Duration,
    used: Mutex<HashMap<(u64, u64), VecDeque<Instant>>>,
}

impl Window {
    fn new(limit: Option<u32>, length: Duration) -> Self {
        Self {
            limit,
            length,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request (when `count`) or only looks, and returns the
    /// window as it then is; `Err` with the used-up window and how many
    /// requests were asked for in it when it is full.
    fn take(&self, key: (u64, u64), count: bool) -> Result<QuotaView, (QuotaView, u32)> {
        let Some(limit) = self.limit else {
            return Ok(QuotaView {
                remaining: NOTIONAL_QUOTA,
                resets_in: self.length,
            });
        };
        let now = Instant::now();
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let window = used.entry(key).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.length)
        {
            window.pop_front();
        }
        let resets_in = window.front().map_or(self.length, |t| {
            self.length.saturating_sub(now.duration_since(*t))
        });
        let count_now = u32::try_from(window.len()).unwrap_or(u32::MAX);
        if !count {
            return Ok(QuotaView {
                remaining: limit.saturating_sub(count_now),
                resets_in,
            });
        }
        if count_now >= limit {
            let view = QuotaView {
                remaining: 0,
                resets_in,
            };
            return Err((view, count_now + 1));
        }
        window.push_back(now);
        Ok(QuotaView {
            remaining: limit - count_now - 1,
            resets_in,
        })
    }
}

pub(crate) struct Limits {
    organization: Window,
    user: Window,
    rate: Option<(DefaultKeyedRateLimiter<u64>, Option<u64>)>,
}

impl Limits {
    /// Starts every quota window afresh, as an hour's passing would.
    pub(crate) fn start_afresh(&self) {
        for window in [&self.organization, &self.user] {
            window
                .used
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        }
    }

    pub(crate) fn new(
        hourly: Option<u32>,
        user_hourly: Option<u32>,
        rate: Option<RateLimit>,
        window: Duration,
    ) -> Self {
        let rate = rate.map(|r| {
            let per_second = NonZeroU32::new(r.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(r.burst).unwrap_or(NonZeroU32::MIN);
            let limiter = RateLimiter::keyed(Rate::per_second(per_second).allow_burst(burst));
            (limiter, r.retry_after)
        });
        Self {
            organization: Window::new(hourly, window),
            user: Window::new(user_hourly, window),
            rate,
        }
    }

    fn window(&self, kind: QuotaKind) -> (&Window, u64) {
        match kind {
            QuotaKind::Organization(org) => (&self.organization, org),
            QuotaKind::User => (&self.user, 0),
        }
    }

    /// Counts one request of `user` against `kind`, or says why it is refused.
    pub(crate) fn admit(&self, user: u64, kind: QuotaKind) -> Result<QuotaView, Refusal> {
        if let Some((limiter, retry_after)) = &self.rate
            && limiter.check_key(&user).is_err()
        {
            return Err(Refusal::RateLimited {
                retry_after: *retry_after,
            });
        }
        let (window, key) = self.window(kind);
        window.take((user, key), true).map_err(|(view, asked)| {
            let sentence = match kind {
                QuotaKind::Organization(_) => {
                    say(sentences::QUOTA_USED_UP, &[&view.resets_in.as_secs()]).1
                }
                // The wording users report for the user-level quota; the
                // reset sentence after it follows the organization quota's
                // (a guess).
                QuotaKind::User => {
                    let limit = self.user.limit.unwrap_or_default();
                    let seconds = view.resets_in.as_secs();
                    say(sentences::USER_QUOTA_USED_UP, &[&asked, &limit, &seconds]).1
                }
            };
            Refusal::QuotaUsedUp { sentence, view }
        })
    }

    /// The quota `kind` of `user` as it stands, without counting a request,
    /// and the requests its window allows.
    pub(crate) fn standing(&self, user: u64, kind: QuotaKind) -> (QuotaView, u32) {
        let (window, key) = self.window(kind);
        let view = window
            .take((user, key), false)
            .unwrap_or_else(|(view, _)| view);
        (view, window.limit.unwrap_or(NOTIONAL_QUOTA))
    }
}
