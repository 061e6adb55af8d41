//! The quota the client knows without asking: every response reports the
//! requests left in its hourly window, and the client keeps the last report
//! of each of Toggl's quotas, shared by its clones; one request
//! ([`Client::refresh_quotas`](crate::Client::refresh_quotas)) tells them
//! all at once. A reserve can keep the last few requests of a window for
//! something that matters more, or wait for the window to start afresh; and
//! the known quotas say how many windows a job of some number of requests
//! takes, and roughly when it is done ([`KnownQuotas::outlook`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::headers::{QUOTA_REMAINING_NAME, QUOTA_RESETS_IN_NAME, header_str, header_u64};

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
            remaining: header_str(headers, QUOTA_REMAINING_NAME).and_then(|v| v.parse().ok()),
            resets_in: header_u64(headers, QUOTA_RESETS_IN_NAME).map(Duration::from_secs),
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
    /// [`Client::refresh_quotas`](crate::Client::refresh_quotas) has found the user in one organization.
    pub organization: Option<QuotaSnapshot>,
    /// The user-level quota of `/me` operations, once one has answered.
    pub user: Option<QuotaSnapshot>,
    /// Every organization's quota by organization id, from
    /// [`Client::refresh_quotas`](crate::Client::refresh_quotas).
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

/// Requests to keep back from the known quota, and what to do when the
/// quota cannot spare one (off unless set with
/// [`ClientBuilder::quota_reserve`](crate::ClientBuilder::quota_reserve)).
///
/// A request that would bring the known remaining quota below `keep` is not
/// sent: the operation fails with
/// [`Error::QuotaReserveReached`](crate::Error::QuotaReserveReached), or,
/// with [`QuotaReserve::wait_for_reset`], waits until the window starts
/// afresh. Waiting also covers a quota `402` that arrives anyway (another
/// program sharing the token): it is waited out the same way, never retried
/// into the quota. Before the first response of a window the quota is
/// unknown and nothing is held back.
///
/// `QuotaReserve::keep(0).wait_for_reset()` is the policy for a job larger
/// than a window: do what the quota allows, wait for each reset (reported
/// through `on_wait`; the wait does not count against the operation
/// timeout, which starts afresh after it), and go on.
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

    /// Wait for the window to start afresh instead of failing, before a
    /// request the quota cannot spare and after a quota `402`.
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

    /// Records what an answer said about `kind` (its quota headers, read).
    pub(crate) fn record(&self, kind: QuotaKind, said: Quota) {
        let Quota {
            remaining: Some(remaining),
            resets_in: Some(resets_in),
        } = said
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

    /// Records every quota of a `GET /me/quota` answer: `(organization
    /// id, or none for the user-level quota; remaining; seconds to the
    /// reset; total)` each.
    pub(crate) fn record_all(
        &self,
        entries: impl IntoIterator<Item = (Option<u64>, i64, i64, i64)>,
    ) {
        let now = SystemTime::now();
        let snapshot = |remaining, resets_in: i64, total: i64| QuotaSnapshot {
            remaining,
            total: u64::try_from(total).ok(),
            resets_at: now + Duration::from_secs(u64::try_from(resets_in).unwrap_or(0)),
            seen_at: now,
        };
        let mut known = self.known();
        let mut organizations = Vec::new();
        for (organization, remaining, resets_in, total) in entries {
            let entry = snapshot(remaining, resets_in, total);
            match organization {
                None => known.user = Some(entry),
                Some(id) => {
                    known.organizations.insert(id, entry);
                    organizations.push(id);
                }
            }
        }
        // One organization: it is the one workspace operations count against.
        if let [only] = organizations[..] {
            known.organization = known.organizations.get(&only).copied();
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

/// How long to wait for a window that resets in `resets_in`: rounded up to
/// whole seconds, plus a second, so that the window has surely started
/// afresh when the wait ends.
///
/// The pipeline's one wait decision takes a reset's length from here.
pub fn reset_wait(resets_in: Duration) -> Duration {
    let whole = resets_in
        .as_secs()
        .saturating_add(u64::from(resets_in.subsec_nanos() > 0));
    Duration::from_secs(whole).saturating_add(RESET_MARGIN)
}

/// Added to every wait for a reset: the quota headers count whole seconds
/// over a sliding window, so the reset is waited out with room to spare.
const RESET_MARGIN: Duration = Duration::from_secs(1);

/// How a job of some number of requests fits a quota, from what the
/// service last reported ([`KnownQuotas::outlook`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outlook {
    /// Requests left in the current window (the job's size when the quota
    /// is not known: nothing says it will not fit).
    pub left: u64,
    /// Until the current window starts afresh (zero when not known).
    pub resets_in: Duration,
    /// Windows the job takes: 1 when it fits in what is left.
    pub windows: u64,
    /// When the last window's requests can go, roughly; `None` when the job
    /// fits, or when the window's size is not known.
    pub done_at: Option<SystemTime>,
}

impl Outlook {
    /// Whether the job needs more than what is left of this window, and
    /// the window's size (which `GET /me/quota` tells) is not known: then
    /// neither the windows nor the end can be told.
    pub fn needs_window_size(&self) -> bool {
        self.windows > 1 && self.done_at.is_none()
    }
}

impl KnownQuotas {
    /// How `requests` more requests fit the `kind` quota as last reported:
    /// how many windows they take, and roughly when they are done. A window
    /// is an hour, unless the report itself shows a shorter one (the first
    /// request of a fresh window reports its whole length).
    pub fn outlook(&self, kind: QuotaKind, requests: u64) -> Outlook {
        let fits = Outlook {
            left: requests,
            resets_in: Duration::ZERO,
            windows: 1,
            done_at: None,
        };
        let Some(now) = self.get(kind).filter(QuotaSnapshot::is_current) else {
            return fits;
        };
        let left = now.left().unwrap_or(0);
        let resets_in = now.resets_in();
        if requests <= left {
            return Outlook {
                left,
                resets_in,
                ..fits
            };
        }
        let Some(total) = now.total.filter(|t| *t > 0) else {
            return Outlook {
                left,
                resets_in,
                windows: 2,
                done_at: None,
            };
        };
        let length = if i64::try_from(total).is_ok_and(|t| now.remaining == t - 1) {
            resets_in.max(Duration::from_secs(1))
        } else {
            Duration::from_secs(3600)
        };
        let later = (requests - left).div_ceil(total);
        let done_at = SystemTime::now()
            + reset_wait(resets_in)
            + length.saturating_mul(u32::try_from(later - 1).unwrap_or(u32::MAX));
        Outlook {
            left,
            resets_in,
            windows: 1 + later,
            done_at: Some(done_at),
        }
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
    fn a_job_is_planned_in_windows() {
        let mut known = KnownQuotas::default();
        assert_eq!(
            known.outlook(QuotaKind::Organization, 500).windows,
            1,
            "unknown: nothing says it will not fit"
        );
        known.organization = Some(snapshot(5, None, 0));
        let unknown_size = known.outlook(QuotaKind::Organization, 12);
        assert_eq!((unknown_size.left, unknown_size.windows), (5, 2));
        assert!(unknown_size.needs_window_size());
        known.organization = Some(snapshot(5, Some(30), 0));
        let sized = known.outlook(QuotaKind::Organization, 70);
        // 5 now, then 30 and 30 and 5: three more windows.
        assert_eq!(sized.windows, 4);
        assert!(!sized.needs_window_size());
        assert!(
            sized
                .done_at
                .is_some_and(|at| at > SystemTime::now() + Duration::from_secs(2 * 3600))
        );
        assert_eq!(known.outlook(QuotaKind::Organization, 5).windows, 1);
        assert_eq!(known.outlook(QuotaKind::User, 500).windows, 1);
    }

    #[test]
    fn a_reset_is_waited_out_with_room_to_spare() {
        assert_eq!(reset_wait(Duration::from_secs(12)), Duration::from_secs(13));
        assert_eq!(
            reset_wait(Duration::from_millis(12_100)),
            Duration::from_secs(14)
        );
        assert_eq!(reset_wait(Duration::ZERO), Duration::from_secs(1));
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
