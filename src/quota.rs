//! The quota the client knows without asking: every response reports the
//! requests left in its hourly window, and the client keeps the last report
//! of each of Toggl's two quotas, shared by its clones. A reserve can keep
//! the last few requests of a window for something that matters more.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::Client;
use crate::headers::{QUOTA_REMAINING, QUOTA_RESETS_IN, header_u64};

/// The caller's hourly request quota, as the last response reported it.
///
/// Missing quota headers (as answers carried before Toggl enforced quotas)
/// mean "unknown", never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Quota {
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the window starts afresh.
    pub resets_in: Option<Duration>,
}

impl Quota {
    /// Reads the quota headers; a missing or malformed header is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            remaining: header_u64(headers, QUOTA_REMAINING),
            resets_in: header_u64(headers, QUOTA_RESETS_IN).map(Duration::from_secs),
        }
    }
}

/// Which of Toggl's hourly quotas a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuotaKind {
    /// Per user per organization: 30 requests an hour on free plans, 240 on
    /// Starter, 600 on Premium.
    Organization,
    /// The user-level quota of `/me` endpoints (such as
    /// `list_changed_clients`): 30 requests an hour on every plan.
    User,
}

impl std::fmt::Display for QuotaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Organization => "organization",
            Self::User => "user",
        })
    }
}

/// One quota as a response last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuotaSnapshot {
    /// Requests left when it was reported.
    pub remaining: u64,
    /// When the window starts afresh.
    pub resets_at: SystemTime,
    /// When the response carrying it arrived.
    pub seen_at: SystemTime,
}

impl QuotaSnapshot {
    /// Time until the window starts afresh (zero once it has).
    pub fn resets_in(&self) -> Duration {
        self.resets_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// Whether the window it describes is still running.
    pub fn is_current(&self) -> bool {
        SystemTime::now() < self.resets_at
    }
}

/// The quotas seen so far; reading them costs no request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KnownQuotas {
    /// The organization quota, once any workspace operation has answered.
    pub organization: Option<QuotaSnapshot>,
    /// The user-level quota, once a `/me` operation has answered.
    pub user: Option<QuotaSnapshot>,
}

impl KnownQuotas {
    /// These quotas with `newer`'s where they are newer: for keeping what
    /// several runs (or clients) learned.
    pub fn merged(&self, newer: &KnownQuotas) -> KnownQuotas {
        let pick = |a: Option<QuotaSnapshot>, b: Option<QuotaSnapshot>| match (a, b) {
            (Some(a), Some(b)) if a.seen_at > b.seen_at => Some(a),
            (a, b) => b.or(a),
        };
        KnownQuotas {
            organization: pick(self.organization, newer.organization),
            user: pick(self.user, newer.user),
        }
    }

    /// The snapshot of one quota.
    pub fn get(&self, kind: QuotaKind) -> Option<QuotaSnapshot> {
        match kind {
            QuotaKind::Organization => self.organization,
            QuotaKind::User => self.user,
        }
    }
}

/// Requests to keep back from the known quota (off unless set with
/// [`ClientBuilder::quota_reserve`](crate::ClientBuilder::quota_reserve)).
///
/// A request that would bring the known remaining quota below `keep` is not
/// sent: the operation fails with
/// [`Error::QuotaReserveReached`](crate::Error::QuotaReserveReached), or,
/// with [`QuotaReserve::wait_for_reset`], waits until the window starts
/// afresh (reported through `on_wait`, bounded by the operation timeout).
/// Before the first response of a window the quota is unknown and nothing is
/// held back.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use toggl_track_api::config::QuotaReserve;
/// use toggl_track_api::{Client, Credentials, Error};
/// let client = Client::builder(Credentials::api_token("..."))
///     .quota_reserve(QuotaReserve::keep(5))
///     .build()?;
/// match client.list_clients().workspace_id(1234567u64).send().await {
///     Err(Error::QuotaReserveReached { remaining, resets_in, .. }) => {
///         println!("{remaining} left, kept for later; the quota resets in {resets_in:?}")
///     }
///     other => println!("{} clients", other?.len()),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaReserve {
    keep: u64,
    wait: bool,
}

impl QuotaReserve {
    /// Keep `n` requests of every window in reserve.
    pub fn keep(n: u64) -> Self {
        Self {
            keep: n,
            wait: false,
        }
    }

    /// Wait for the window to start afresh instead of failing.
    pub fn wait_for_reset(mut self) -> Self {
        self.wait = true;
        self
    }

    /// The requests kept back.
    pub fn kept(&self) -> u64 {
        self.keep
    }

    /// Whether it waits for the reset instead of failing.
    pub fn waits(&self) -> bool {
        self.wait
    }
}

/// The last report of each quota, shared by a client and its clones.
#[derive(Debug, Clone, Default)]
pub(crate) struct QuotaTracker(Arc<Mutex<KnownQuotas>>);

impl QuotaTracker {
    fn known(&self) -> std::sync::MutexGuard<'_, KnownQuotas> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records what a response's headers say about `kind`.
    pub(crate) fn record(&self, kind: QuotaKind, headers: &HeaderMap) {
        let Quota {
            remaining: Some(remaining),
            resets_in: Some(resets_in),
        } = Quota::from_headers(headers)
        else {
            return;
        };
        let now = SystemTime::now();
        let snapshot = Some(QuotaSnapshot {
            remaining,
            resets_at: now + resets_in,
            seen_at: now,
        });
        let mut known = self.known();
        match kind {
            QuotaKind::Organization => known.organization = snapshot,
            QuotaKind::User => known.user = snapshot,
        }
    }

    pub(crate) fn snapshot(&self) -> KnownQuotas {
        *self.known()
    }

    /// The snapshot of `kind` if its window is still running.
    pub(crate) fn current(&self, kind: QuotaKind) -> Option<QuotaSnapshot> {
        self.known().get(kind).filter(QuotaSnapshot::is_current)
    }
}

impl Client {
    /// The quotas as the last responses reported them, at no cost.
    ///
    /// ```no_run
    /// # fn f(client: &toggl_track_api::Client) {
    /// if let Some(q) = client.quota().organization {
    ///     println!("{} requests left, resets in {:?}", q.remaining, q.resets_in());
    /// }
    /// # }
    /// ```
    pub fn quota(&self) -> KnownQuotas {
        self.inner.quota.snapshot()
    }
}
