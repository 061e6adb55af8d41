//! The hourly quotas (sliding windows) and the rate limit.
//!
//! Two quotas, as Toggl counts them: one per user per organization for
//! workspace operations, and a user-level one for `/me` operations (30 an
//! hour on every plan). Each response reports the quota its request counted
//! against.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Instant;

use governor::{DefaultKeyedRateLimiter, Quota as GovernorQuota, RateLimiter};

use crate::config::{QUOTA_WINDOW, RateLimit};
use crate::refusal::{QuotaView, Refusal};

/// Which quota a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum QuotaKind {
    Organization,
    User,
}

/// One sliding-window quota per user.
struct Window {
    limit: Option<u32>,
    used: Mutex<HashMap<u64, VecDeque<Instant>>>,
}

impl Window {
    fn new(limit: Option<u32>) -> Self {
        Self {
            limit,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request, or returns the view of the used-up window and
    /// how many requests were asked for in it.
    fn admit(&self, user: u64) -> Result<QuotaView, (QuotaView, u32)> {
        let Some(limit) = self.limit else {
            return Ok(QuotaView::full());
        };
        let now = Instant::now();
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let window = used.entry(user).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= QUOTA_WINDOW)
        {
            window.pop_front();
        }
        let resets_in = window.front().map_or(QUOTA_WINDOW, |t| {
            QUOTA_WINDOW.saturating_sub(now.duration_since(*t))
        });
        let count = u32::try_from(window.len()).unwrap_or(u32::MAX);
        if count >= limit {
            let view = QuotaView {
                remaining: 0,
                resets_in,
            };
            return Err((view, count + 1));
        }
        window.push_back(now);
        Ok(QuotaView {
            remaining: limit - count - 1,
            resets_in,
        })
    }
}

pub(crate) struct Limits {
    organization: Window,
    user: Window,
    user_limit: Option<u32>,
    rate: Option<(DefaultKeyedRateLimiter<u64>, Option<u64>)>,
}

impl Limits {
    pub(crate) fn new(
        hourly: Option<u32>,
        user_hourly: Option<u32>,
        rate: Option<RateLimit>,
    ) -> Self {
        let rate = rate.map(|r| {
            let per_second = NonZeroU32::new(r.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(r.burst).unwrap_or(NonZeroU32::MIN);
            let limiter =
                RateLimiter::keyed(GovernorQuota::per_second(per_second).allow_burst(burst));
            (limiter, r.retry_after)
        });
        Self {
            organization: Window::new(hourly),
            user: Window::new(user_hourly),
            user_limit: user_hourly,
            rate,
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
        match kind {
            QuotaKind::Organization => self.organization.admit(user).map_err(|(view, _)| {
                Refusal::QuotaUsedUp {
                    sentence: format!(
                        "You have hit your hourly limit for API calls. The quota will reset in {} seconds.",
                        view.resets_in.as_secs()
                    ),
                    view,
                }
            }),
            // The wording users report for the user-level quota; the reset
            // sentence after it follows the organization quota's (a guess).
            QuotaKind::User => self.user.admit(user).map_err(|(view, asked)| {
                Refusal::QuotaUsedUp {
                    sentence: format!(
                        "You've used {asked} / {} requests from user specific requests quota. The quota will reset in {} seconds.",
                        self.user_limit.unwrap_or_default(),
                        view.resets_in.as_secs()
                    ),
                    view,
                }
            }),
        }
    }
}
