//! The quota the client knows without asking: every response reports the
//! requests left in its hourly window, and the client keeps the last report
//! of each of Toggl's quotas, shared by its clones; one request
//! ([`Client::refresh_quotas`]) tells them all at once. A reserve can keep
//! the last few requests of a window for something that matters more.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::headers::{QUOTA_REMAINING, QUOTA_RESETS_IN, header_str, header_u64};
use crate::{Client, Error};

/// The caller's hourly request quota, as one response's headers report it.
///
/// Missing quota headers (as answers carried before Toggl enforced quotas)
/// mean "unknown", never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Quota {
    /// Requests left in the current window (negative while Toggl does not
    /// enforce the quota: how far past the limit the user is).
    pub remaining: Option<i64>,
    /// Time until the window starts afresh.
    pub resets_in: Option<Duration>,
}

impl Quota {
    /// Reads the quota headers; a missing or malformed header is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            remaining: header_str(headers, QUOTA_REMAINING).and_then(|v| v.parse().ok()),
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

/// One quota as the service last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuotaSnapshot {
    /// Requests left when it was reported (negative while Toggl does not
    /// enforce the quota).
    pub remaining: i64,
    /// Requests the window allows, when the service said (the quota
    /// endpoint does; response headers do not).
    pub total: Option<u64>,
    /// When the window starts afresh.
    pub resets_at: SystemTime,
    /// When the answer carrying it arrived.
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

    /// Requests left now: none below zero, and a full window (when its size
    /// is known) once the window has started afresh.
    pub fn left(&self) -> Option<u64> {
        if self.is_current() {
            Some(u64::try_from(self.remaining).unwrap_or(0))
        } else {
            self.total
        }
    }
}

/// The quotas seen so far; reading them costs no request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KnownQuotas {
    /// The quota this client's workspace operations count against (their
    /// organization's), once one has answered, or once
    /// [`Client::refresh_quotas`] has found the user in one organization.
    pub organization: Option<QuotaSnapshot>,
    /// The user-level quota of `/me` operations, once one has answered.
    pub user: Option<QuotaSnapshot>,
    /// Every organization's quota by organization id, from
    /// [`Client::refresh_quotas`].
    #[serde(default)]
    pub organizations: BTreeMap<u64, QuotaSnapshot>,
}

/// The newer of two snapshots, keeping the window's size if only the older
/// one knew it.
fn newer(a: Option<QuotaSnapshot>, b: Option<QuotaSnapshot>) -> Option<QuotaSnapshot> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (mut new, old) = if a.seen_at > b.seen_at {
                (a, b)
            } else {
                (b, a)
            };
            new.total = new.total.or(old.total);
            Some(new)
        }
        (a, b) => b.or(a),
    }
}

impl KnownQuotas {
    /// These quotas with `other`'s where they are newer: for keeping what
    /// several runs (or clients) learned.
    pub fn merged(&self, other: &KnownQuotas) -> KnownQuotas {
        let mut organizations = self.organizations.clone();
        for (id, snapshot) in &other.organizations {
            let kept = newer(organizations.get(id).copied(), Some(*snapshot));
            if let Some(kept) = kept {
                organizations.insert(*id, kept);
            }
        }
        KnownQuotas {
            organization: newer(self.organization, other.organization),
            user: newer(self.user, other.user),
            organizations,
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
/// [`Error::QuotaReserveReached`], or,
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
        let mut known = self.known();
        let slot = match kind {
            QuotaKind::Organization => &mut known.organization,
            QuotaKind::User => &mut known.user,
        };
        // The window's size, once known, stays known.
        let total = slot.and_then(|s| s.total);
        *slot = Some(QuotaSnapshot {
            remaining,
            total,
            resets_at: now + resets_in,
            seen_at: now,
        });
    }

    /// Records every quota of a `GET /me/quota` answer.
    fn record_all(&self, entries: &[crate::types::ApiQuota]) {
        let now = SystemTime::now();
        let snapshot = |e: &crate::types::ApiQuota| QuotaSnapshot {
            remaining: e.remaining,
            total: u64::try_from(e.total).ok(),
            resets_at: now + Duration::from_secs(u64::try_from(e.resets_in_secs).unwrap_or(0)),
            seen_at: now,
        };
        let mut known = self.known();
        let mut organizations = Vec::new();
        for entry in entries {
            match entry.organization_id {
                None => known.user = Some(snapshot(entry)),
                Some(id) => {
                    known.organizations.insert(id.get(), snapshot(entry));
                    organizations.push(id);
                }
            }
        }
        // One organization: it is the one workspace operations count against.
        if let [only] = organizations[..] {
            known.organization = known.organizations.get(&only.get()).copied();
        }
    }

    pub(crate) fn snapshot(&self) -> KnownQuotas {
        self.known().clone()
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

    /// Asks the service for every quota at once (`GET /me/quota`): this
    /// user's quota in each of their organizations and their user-level
    /// quota. What [`quota`](Self::quota) returns is refreshed from the one
    /// answer, and returned.
    ///
    /// One request; Toggl does not say whether it counts against the
    /// user-level quota, so assume it does (the spec labels this a guess).
    ///
    /// ```no_run
    /// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
    /// let quotas = client.refresh_quotas().await?;
    /// for (organization, q) in &quotas.organizations {
    ///     println!("organization {organization}: {} left", q.remaining);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn refresh_quotas(&self) -> Result<KnownQuotas, Error> {
        let answer = self.get_quota().send().await?;
        self.inner.quota.record_all(&answer.into_inner().0);
        Ok(self.quota())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(remaining: i64, total: Option<u64>, seen_secs_ago: u64) -> QuotaSnapshot {
        let seen_at = SystemTime::now() - Duration::from_secs(seen_secs_ago);
        QuotaSnapshot {
            remaining,
            total,
            resets_at: seen_at + Duration::from_secs(600),
            seen_at,
        }
    }

    #[test]
    fn merging_keeps_the_newest_report_and_the_windows_size() {
        let cached = KnownQuotas {
            organization: Some(snapshot(10, Some(30), 60)),
            ..KnownQuotas::default()
        };
        let fresh = KnownQuotas {
            organization: Some(snapshot(9, None, 0)),
            ..KnownQuotas::default()
        };
        let merged = cached.merged(&fresh);
        let org = merged.organization.expect("known");
        assert_eq!((org.remaining, org.total), (9, Some(30)));
        assert_eq!(cached.merged(&KnownQuotas::default()), cached);
    }

    #[test]
    fn left_never_goes_below_zero_and_refills_after_the_window() {
        assert_eq!(snapshot(-4, Some(30), 0).left(), Some(0));
        let mut ended = snapshot(0, Some(30), 700);
        ended.resets_at = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(ended.left(), Some(30));
        ended.total = None;
        assert_eq!(ended.left(), None);
    }
}
