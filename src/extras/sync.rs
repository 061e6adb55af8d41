//! Keeping a copy of a workspace's clients current with the fewest
//! requests: what a sync tool needs besides storage. A full read
//! (`list_clients` with `status=both`) starts the copy; after it, one
//! `GET /me/clients?since=` ([`Client::list_changed_clients`](crate::Client::list_changed_clients))
//! brings every change of every workspace of the user, deletions
//! included, from the user-level quota rather than the workspace's.
//!
//! * [`Delta`] turns such an answer into typed [`Change`]s against what
//!   the copy holds, a client once (the newest version) however often it
//!   came;
//! * [`since_after`] says where the next delta starts, from the clocks of
//!   the answer ([`AnswerTimes`]);
//! * [`needs_full_read`] says when a delta cannot serve.
//!
//! Why no change is missed: `since` is inclusive, and the next one lies
//! [`MARGIN`] before the earliest of the clocks that could tell when the
//! answer's snapshot was taken: the service's `Date`, and this machine's
//! clock when the request was sent (without a `Date`, the newest change
//! the service has shown instead of it). A change that lands while a read
//! is under way commits after the snapshot, so its `at` lies after all of
//! them less the margin: the next delta includes it. One clock running
//! ahead, even by hours (a proxy's `Date`, a machine set wrong), moves
//! nothing: the earliest wins. A clock running behind only widens the next
//! delta. The margin covers the service's own machines disagreeing on the
//! time, and a change whose `at` is older than another's but that commits
//! later. Reading a change twice costs nothing but bytes: clients are
//! matched by id, and one that is as held is [`Change::Unchanged`].

use std::collections::HashMap;
use std::num::NonZeroU64;

use chrono::{DateTime, Duration, Utc};

use crate::types::TrackClient;

/// How far before the service's time of the last answer the next `since`
/// starts: far more than a read takes or the service's clocks differ.
pub const MARGIN: Duration = Duration::minutes(5);

/// How far back a `since` may lie for a delta to be asked for: Toggl's
/// mobile app tests show 85 days accepted and 95 refused, so 80 keeps clear
/// of the cut-off, whichever it is. Older, a full read is cheaper than a
/// refused request.
pub const MAX_SINCE_AGE: Duration = Duration::days(80);

/// What a client of the copy was, for telling what a delta changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Held {
    /// Whether it is archived.
    pub archived: bool,
    /// Whether it is a tombstone (deleted).
    pub deleted: bool,
    /// When it was last changed, as the service said.
    pub at: DateTime<Utc>,
    /// A digest of every field the service may change ([`content_digest`]),
    /// when known: two versions with one `at` (Toggl's has whole seconds)
    /// can still differ. Without it, only `at` tells.
    pub content: Option<u64>,
}

/// A digest of what the service may change in a client: every field but
/// `at`, `permissions` (only lists carry it) and `total_count` (a property
/// of a list answer). Stable within one build of this crate, which is all
/// a comparison needs.
pub fn content_digest(client: &TrackClient) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (
        client.id,
        client.wid,
        &client.name,
        client.archived,
        client.creator_id,
        &client.notes,
        &client.external_reference,
        &client.integration_provider,
        &client.integration_ext_id,
        &client.integration_ext_type,
        client.server_deleted_at.map(|t| t.timestamp_micros()),
    )
        .hash(&mut h);
    h.finish()
}

impl Held {
    /// A client the copy holds: archived or not, deleted or not, last
    /// changed at `at`.
    pub fn new(archived: bool, deleted: bool, at: DateTime<Utc>) -> Self {
        Self {
            archived,
            deleted,
            at,
            content: None,
        }
    }

    /// What the copy holds of `client`, its content included.
    pub fn of(client: &TrackClient) -> Self {
        Self {
            archived: client.archived,
            deleted: client.server_deleted_at.is_some(),
            at: client.at,
            content: Some(content_digest(client)),
        }
    }

    /// Whether `now` is the version held: the same `at`, and the same
    /// content where that is known.
    fn is(&self, now: &TrackClient) -> bool {
        self.at == now.at && self.content.is_none_or(|c| c == content_digest(now))
    }
}

/// What one client of a delta does to the copy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// New to the copy.
    Created(TrackClient),
    /// Changed otherwise (name, notes, ...).
    Changed(TrackClient),
    /// Archived since the copy's version.
    Archived(TrackClient),
    /// Restored from the archive since the copy's version.
    Restored(TrackClient),
    /// Deleted: it carries `server_deleted_at`.
    Deleted(TrackClient),
    /// As the copy has it already (read again within the margin).
    Unchanged(TrackClient),
}

impl Change {
    /// The client as it is now.
    pub fn client(&self) -> &TrackClient {
        match self {
            Self::Created(c)
            | Self::Changed(c)
            | Self::Archived(c)
            | Self::Restored(c)
            | Self::Deleted(c)
            | Self::Unchanged(c) => c,
        }
    }

    /// What `now` is to the copy, which held `before` of it.
    pub fn of(before: Option<Held>, now: TrackClient) -> Self {
        let deleted = now.server_deleted_at.is_some();
        match before {
            Some(held) if held.deleted && deleted => Self::Unchanged(now),
            _ if deleted => Self::Deleted(now),
            None => Self::Created(now),
            Some(held) if held.deleted => Self::Created(now),
            Some(held) if !held.archived && now.archived => Self::Archived(now),
            Some(held) if held.archived && !now.archived => Self::Restored(now),
            Some(held) if held.is(&now) => Self::Unchanged(now),
            Some(_) => Self::Changed(now),
        }
    }
}

/// How many clients each kind of change touched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Tally {
    /// New clients.
    pub created: u64,
    /// Clients changed otherwise.
    pub changed: u64,
    /// Clients archived.
    pub archived: u64,
    /// Clients restored.
    pub restored: u64,
    /// Clients deleted.
    pub deleted: u64,
    /// Clients read again as they were.
    pub unchanged: u64,
}

impl Tally {
    /// Counts one change.
    pub fn count(&mut self, change: &Change) {
        let slot = match change {
            Change::Created(_) => &mut self.created,
            Change::Changed(_) => &mut self.changed,
            Change::Archived(_) => &mut self.archived,
            Change::Restored(_) => &mut self.restored,
            Change::Deleted(_) => &mut self.deleted,
            Change::Unchanged(_) => &mut self.unchanged,
        };
        *slot += 1;
    }

    /// Adds another tally's counts.
    pub fn add(&mut self, other: &Tally) {
        self.created += other.created;
        self.changed += other.changed;
        self.archived += other.archived;
        self.restored += other.restored;
        self.deleted += other.deleted;
        self.unchanged += other.unchanged;
    }

    /// Changes that changed something.
    pub fn total(&self) -> u64 {
        self.created + self.changed + self.archived + self.restored + self.deleted
    }
}

/// The clients of a `listChangedClients` answer, each once: the newest
/// version of a client that came more than once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delta {
    clients: Vec<TrackClient>,
}

impl Delta {
    /// The answer's clients, each id once (its newest `at` wins), in id
    /// order.
    pub fn new(answer: Vec<TrackClient>) -> Self {
        let mut newest: HashMap<NonZeroU64, TrackClient> = HashMap::with_capacity(answer.len());
        for client in answer {
            match newest.get(&client.id) {
                Some(kept) if kept.at > client.at => {}
                _ => {
                    newest.insert(client.id, client);
                }
            }
        }
        let mut clients: Vec<TrackClient> = newest.into_values().collect();
        clients.sort_by_key(|c| c.id);
        Self { clients }
    }

    /// The clients, each once, in id order.
    pub fn clients(&self) -> &[TrackClient] {
        &self.clients
    }

    /// The changes to a copy that holds `held(id)` of each client, for the
    /// clients `keep` selects (the workspaces it mirrors, say).
    pub fn changes(
        self,
        held: impl Fn(u64) -> Option<Held>,
        keep: impl Fn(&TrackClient) -> bool,
    ) -> Vec<Change> {
        self.clients
            .into_iter()
            .filter(|c| keep(c))
            .map(|c| Change::of(held(c.id.get()), c))
            .collect()
    }

    /// The newest `at` among the clients.
    pub fn newest_at(&self) -> Option<DateTime<Utc>> {
        self.clients.iter().map(|c| c.at).max()
    }
}

/// The clocks of one answer, for [`since_after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnswerTimes {
    /// The answer's `Date` header, if it had one.
    pub date: Option<DateTime<Utc>>,
    /// This machine's clock when the request was sent.
    pub sent: DateTime<Utc>,
    /// The newest `at` the service has shown (in this answer, or earlier
    /// ones the copy holds), if any.
    pub newest_at: Option<DateTime<Utc>>,
}

impl AnswerTimes {
    /// The clocks of an answer: its `Date`, this machine's time when the
    /// request was sent, and the newest change the service has shown.
    pub fn new(
        date: Option<DateTime<Utc>>,
        sent: DateTime<Utc>,
        newest_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            date,
            sent,
            newest_at,
        }
    }

    /// The earliest the answer's snapshot may have been taken, by the
    /// clocks at hand: `Date` and the sending time; without a `Date`, the
    /// sending time and the newest change shown.
    pub fn earliest(&self) -> DateTime<Utc> {
        let other = match self.date {
            Some(date) => Some(date),
            None => self.newest_at,
        };
        other.map_or(self.sent, |o| o.min(self.sent))
    }
}

/// Where the next delta starts after an answer, as UNIX seconds: the
/// earliest of its clocks ([`AnswerTimes::earliest`]) less [`MARGIN`], and
/// never before `previous`. A `Date` an hour ahead (or behind), or none,
/// costs a wider delta at most, never a missed change.
pub fn since_after(previous: Option<i64>, answer: &AnswerTimes) -> i64 {
    let from_answer = (answer.earliest() - MARGIN).timestamp();
    previous.map_or(from_answer, |p| p.max(from_answer))
}

/// Where the next delta starts, as UNIX seconds: the service's time of the
/// last answer (its `Date` header), else the newest change seen, less
/// [`MARGIN`]; never before `previous`. `None` when nothing tells the
/// service's time.
///
/// A `Date` that runs ahead moves it past changes still to come: use
/// [`since_after`], which bounds it by this machine's clock too.
#[deprecated(
    since = "0.4.1",
    note = "a `Date` that runs ahead makes it miss changes; use `since_after`"
)]
pub fn next_since(
    previous: Option<i64>,
    answered_at: Option<DateTime<Utc>>,
    newest_at: Option<DateTime<Utc>>,
) -> Option<i64> {
    let from_service = answered_at.or(newest_at).map(|t| (t - MARGIN).timestamp());
    match (previous, from_service) {
        (Some(p), Some(s)) => Some(p.max(s)),
        (p, s) => s.or(p),
    }
}

/// Why a full read is needed rather than a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FullRead {
    /// The copy has never been read in full.
    FirstRead,
    /// The last `since` lies further back than the service keeps changes.
    TooOld,
}

/// Whether a copy whose next delta would start at `since` (UNIX seconds)
/// needs a full read at `now` instead.
pub fn needs_full_read(since: Option<i64>, now: DateTime<Utc>) -> Option<FullRead> {
    match since {
        None => Some(FullRead::FirstRead),
        Some(s) if now.timestamp() - s > MAX_SINCE_AGE.num_seconds() => Some(FullRead::TooOld),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: u64, archived: bool, at: &str, deleted: Option<&str>) -> TrackClient {
        serde_json::from_value(serde_json::json!({
            "id": id, "wid": 2, "name": format!("c{id}"), "archived": archived,
            "at": at, "server_deleted_at": deleted
        }))
        .expect("client")
    }

    const T1: &str = "2026-11-01T10:00:00Z";
    const T2: &str = "2026-11-01T11:00:00Z";

    #[test]
    fn a_client_that_came_twice_counts_once_in_its_newest_version() {
        let delta = Delta::new(vec![
            client(2, false, T2, None),
            client(1, false, T1, None),
            client(2, true, T1, None),
        ]);
        let ids: Vec<(u64, bool)> = delta
            .clients()
            .iter()
            .map(|c| (c.id.get(), c.archived))
            .collect();
        assert_eq!(ids, [(1, false), (2, false)]);
        assert_eq!(
            delta.newest_at().map(|t| t.to_rfc3339()),
            Some("2026-11-01T11:00:00+00:00".into())
        );
    }

    #[test]
    fn each_kind_of_change_is_told_apart() {
        let held = |archived, deleted, at: &str| {
            Some(Held::new(archived, deleted, at.parse().expect("time")))
        };
        let kind = |before, now| {
            format!("{:?}", Change::of(before, now))
                .split('(')
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(kind(None, client(1, false, T1, None)), "Created");
        assert_eq!(
            kind(held(false, false, T1), client(1, false, T2, None)),
            "Changed"
        );
        assert_eq!(
            kind(held(false, false, T1), client(1, true, T2, None)),
            "Archived"
        );
        assert_eq!(
            kind(held(true, false, T1), client(1, false, T2, None)),
            "Restored"
        );
        assert_eq!(
            kind(held(false, false, T1), client(1, false, T2, Some(T2))),
            "Deleted"
        );
        assert_eq!(kind(None, client(1, false, T2, Some(T2))), "Deleted");
        assert_eq!(
            kind(held(false, false, T1), client(1, false, T1, None)),
            "Unchanged"
        );
        assert_eq!(
            kind(held(false, true, T1), client(1, false, T2, Some(T2))),
            "Unchanged"
        );
        let mut tally = Tally::default();
        for c in Delta::new(vec![
            client(1, false, T1, None),
            client(2, false, T1, Some(T2)),
        ])
        .changes(
            |id| (id == 2).then(|| Held::new(false, false, T1.parse().expect("t"))),
            |_| true,
        ) {
            tally.count(&c);
        }
        assert_eq!((tally.created, tally.deleted, tally.total()), (1, 1, 2));
    }

    #[test]
    fn since_takes_the_earliest_clock_less_the_margin_and_never_goes_back() {
        let sent: DateTime<Utc> = "2026-11-01T12:00:00Z".parse().expect("time");
        let newest: DateTime<Utc> = T2.parse().expect("time");
        let hour = Duration::hours(1);
        let at = |date, newest| since_after(None, &AnswerTimes::new(date, sent, newest));
        // A `Date` an hour ahead moves nothing; an hour behind widens.
        assert_eq!(at(Some(sent + hour), None), (sent - MARGIN).timestamp());
        assert_eq!(
            at(Some(sent - hour), None),
            (sent - hour - MARGIN).timestamp()
        );
        // No `Date`: the newest change shown bounds it, not the clock alone.
        assert_eq!(at(None, Some(newest)), (newest - MARGIN).timestamp());
        assert_eq!(at(None, None), (sent - MARGIN).timestamp());
        // Never back.
        let later = (sent - MARGIN).timestamp() + 60;
        assert_eq!(
            since_after(Some(later), &AnswerTimes::new(Some(sent), sent, None)),
            later
        );
    }

    #[test]
    fn a_version_with_the_same_at_but_other_content_is_a_change() {
        let before = client(1, false, T1, None);
        let mut renamed = before.clone();
        renamed.name = "renamed".into();
        assert!(matches!(
            Change::of(Some(Held::of(&before)), renamed.clone()),
            Change::Changed(_)
        ));
        assert!(matches!(
            Change::of(Some(Held::of(&before)), before.clone()),
            Change::Unchanged(_)
        ));
        // Without content, only `at` can tell.
        assert!(matches!(
            Change::of(Some(Held::new(false, false, before.at)), renamed),
            Change::Unchanged(_)
        ));
    }

    #[test]
    fn a_delta_serves_until_since_nears_the_cut_off() {
        let now: DateTime<Utc> = "2026-11-01T12:00:00Z".parse().expect("time");
        assert_eq!(needs_full_read(None, now), Some(FullRead::FirstRead));
        let fresh = (now - Duration::days(79)).timestamp();
        assert_eq!(needs_full_read(Some(fresh), now), None);
        let old = (now - Duration::days(81)).timestamp();
        assert_eq!(needs_full_read(Some(old), now), Some(FullRead::TooOld));
    }
}
