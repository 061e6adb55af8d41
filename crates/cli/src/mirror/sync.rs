//! A sync: brings the mirror up to date with the fewest requests.
//!
//! 1. Whose: the owner's user id, from the file, or one `GET /me` for a
//!    credential it does not know yet.
//! 2. Which workspaces: the ones it holds and the ones named; on a first
//!    sync that names none, every workspace the user has. `GET
//!    /me/workspaces` tells which the user may read: on a first sync, on
//!    `--full`, and at most every [`ACCESS_EVERY`] of the service's time
//!    otherwise. One the user lost leaves the mirror, and the sync says so.
//! 3. One delta, `GET /me/clients?since=`, for every held workspace at
//!    once, from the earliest `since` among them; a `since` the service no
//!    longer serves falls back to full reads, and says so. A `400` that says
//!    anything else stops the sync with what it said.
//! 4. A full read (every page of `status=both`) of each workspace new to
//!    the mirror, or too old for a delta, or all with `--full`.
//!
//! Every step writes what it read in a short transaction of its own, so a
//! failure keeps what was paid for; the report says what is left, and the
//! same command reads only that.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;
use toggl_track_api::error::{ForbiddenReason, ValidationReason};
use toggl_track_api::extras::sync::{
    AnswerTimes, Change, Delta, FullRead, Tally, needs_full_read, since_after,
};
use toggl_track_api::types::{ClientStatus, TrackClient};
use toggl_track_api::{Client, Error};

use super::open::Result;
use super::rows::{self, sql_id, text, time};
use super::{Mirror, on};
use crate::failure::Failure;

/// How often a sync looks again at which workspaces the user may read (by
/// the service's clock): a request of the user quota every half hour at
/// most, and a workspace the user lost is gone within that.
pub(crate) const ACCESS_EVERY: Duration = Duration::minutes(30);

/// What a sync is asked to do.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncAsk {
    /// Read every workspace in full.
    pub full: bool,
    /// Workspaces to mirror besides those held.
    pub named: Vec<u64>,
}

impl SyncAsk {
    /// Brings one workspace up to date (a read at a freshness).
    pub(crate) fn workspace(wid: u64) -> Self {
        Self {
            full: false,
            named: vec![wid],
        }
    }
}

/// How a sync went, as far as it got.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Report {
    /// `delta`, `full`, `delta and full`, `full (after delta)`, or `none`.
    pub mode: &'static str,
    /// Why it read in full, when it did.
    pub why: Option<String>,
    /// The workspaces it read in full.
    pub full_reads: Vec<u64>,
    /// What changed.
    pub changes: Tally,
    /// Changes of workspaces the mirror does not hold, passed over.
    pub elsewhere: u64,
    /// Workspaces the user can no longer read: gone from the mirror.
    pub lost: Vec<u64>,
    /// Workspaces still to read when the sync stopped.
    pub left: Vec<u64>,
    /// Requests sent, retries included.
    pub requests: u64,
}

/// What a sync is to do, once it knows what the mirror holds.
struct Plan {
    /// The workspaces the mirror is to hold.
    wanted: BTreeSet<u64>,
    /// Those to read in full.
    to_read: BTreeSet<u64>,
    /// Those a delta serves, each with its `since`.
    deltas: Vec<(u64, i64)>,
    /// Whether the oldest `since` lies past what the service keeps.
    too_old: bool,
}

/// A report, and the failure that stopped the sync if one did.
pub(crate) struct Outcome {
    pub report: Report,
    pub error: Option<Failure>,
}

/// The clocks of an answer (see `AnswerTimes`).
fn times(
    date: Option<std::time::SystemTime>,
    sent: DateTime<Utc>,
    newest: Option<DateTime<Utc>>,
) -> AnswerTimes {
    AnswerTimes::new(date.map(DateTime::from), sent, newest)
}

impl Mirror {
    /// Brings the mirror up to date (see the module's doc).
    pub(crate) async fn sync(&mut self, client: &Client, ask: SyncAsk) -> Outcome {
        let before = client.requests_sent();
        let mut report = Report {
            mode: "none",
            ..Report::default()
        };
        let error = self.steps(client, &ask, &mut report).await.err();
        report.requests = client.requests_sent() - before;
        Outcome { report, error }
    }

    async fn steps(
        &mut self,
        client: &Client,
        ask: &SyncAsk,
        report: &mut Report,
    ) -> std::result::Result<(), Failure> {
        let mut plan = self.plan(client, ask, report).await?;
        let delta_date = self.delta(client, &mut plan, report).await?;
        if let Some(date) = delta_date
            && self.access_due(date)?
        {
            let before = plan.wanted.clone();
            self.check_access(client, &mut plan.wanted, report).await?;
            self.want(&plan.wanted)?;
            plan.to_read.extend(plan.wanted.difference(&before));
        }
        let Plan {
            wanted,
            mut to_read,
            deltas,
            too_old,
        } = plan;
        to_read.retain(|w| wanted.contains(w));
        report.mode = match (delta_date.is_some(), to_read.is_empty(), deltas.is_empty()) {
            (true, true, _) => "delta",
            (true, false, _) => "delta and full",
            (false, _, false) if !too_old => "full (after delta)",
            (false, false, _) => "full",
            (false, true, _) => "none",
        };
        self.full_reads(client, to_read, report).await
    }

    /// Whose the mirror is, which workspaces it is to hold, and which of
    /// them a delta can serve.
    async fn plan(
        &mut self,
        client: &Client,
        ask: &SyncAsk,
        report: &mut Report,
    ) -> std::result::Result<Plan, Failure> {
        self.claim(client).await?;
        let held = self.held_since()?;
        let first = held.is_empty();
        if first && ask.named.is_empty() {
            self.set_all()?;
        }
        let mut wanted: BTreeSet<u64> = held.iter().map(|(w, _)| *w).collect();
        wanted.extend(self.wanted()?);
        wanted.extend(&ask.named);
        // Every workspace the user has is asked for only when the mirror
        // follows them all; a named one is checked by its own read (a 403
        // drops it).
        let follows_all = (first && ask.named.is_empty()) || self.owner()?.is_some_and(|o| o.all);
        if follows_all && (first || ask.full) {
            self.check_access(client, &mut wanted, report).await?;
        } else if first {
            self.access_checked(Utc::now())?;
        }
        self.want(&wanted)?;
        let mut to_read: BTreeSet<u64> = if ask.full {
            report.why = Some("asked for".to_owned());
            wanted.clone()
        } else {
            wanted
                .iter()
                .copied()
                .filter(|w| !held.iter().any(|(h, _)| h == w))
                .collect()
        };
        let deltas: Vec<(u64, i64)> = held
            .iter()
            .filter(|(w, _)| wanted.contains(w) && !to_read.contains(w))
            .filter_map(|(w, since)| since.map(|s| (*w, s)))
            .collect();
        let too_old = deltas
            .iter()
            .map(|(_, s)| *s)
            .min()
            .is_some_and(|s| needs_full_read(Some(s), Utc::now()) == Some(FullRead::TooOld));
        // A held workspace without a `since` (cut short before its first
        // full read was kept) is read in full.
        to_read.extend(held.iter().filter(|(_, s)| s.is_none()).map(|(w, _)| *w));
        if too_old {
            report.why = Some("the mirror is older than the service keeps changes".to_owned());
            to_read.extend(deltas.iter().map(|(w, _)| *w));
        }
        Ok(Plan {
            wanted,
            to_read,
            deltas,
            too_old,
        })
    }

    /// The one delta for every workspace a delta can serve, kept; answers
    /// its service time. A `since` the service no longer serves moves them
    /// to full reads; any other failure stops the sync.
    async fn delta(
        &mut self,
        client: &Client,
        plan: &mut Plan,
        report: &mut Report,
    ) -> std::result::Result<Option<DateTime<Utc>>, Failure> {
        if plan.too_old || plan.deltas.is_empty() {
            return Ok(None);
        }
        let since = plan
            .deltas
            .iter()
            .map(|(_, s)| *s)
            .min()
            .unwrap_or_default();
        let sent = Utc::now();
        match client.list_changed_clients().since(since).send().await {
            Ok(answer) => {
                let date = answer.meta().date;
                let delta = Delta::new(answer.into_inner().into());
                let kept =
                    self.keep_delta(delta, date, sent, &plan.deltas, &plan.to_read, report)?;
                Ok(Some(kept))
            }
            Err(Error::Validation {
                reason: ValidationReason::SinceTooOld,
                ..
            }) => {
                report.why = Some("the service no longer keeps changes that far back".to_owned());
                plan.to_read.extend(plan.deltas.iter().map(|(w, _)| *w));
                Ok(None)
            }
            Err(e) => {
                report.left = plan.to_read.iter().copied().collect();
                Err(e.into())
            }
        }
    }

    /// The held workspaces and where each one's next delta starts.
    fn held_since(&self) -> Result<Vec<(u64, Option<i64>)>> {
        let mut statement = self
            .conn
            .prepare("SELECT id, since FROM workspaces ORDER BY id")
            .map_err(on(&self.path))?;
        let found = statement
            .query_map([], |r| {
                Ok((r.get::<_, i64>("id")?, r.get::<_, Option<i64>>("since")?))
            })
            .map_err(on(&self.path))?;
        found
            .map(|f| f.map(|(w, s)| (u64::try_from(w).unwrap_or(0), s)))
            .collect::<rusqlite::Result<_>>()
            .map_err(on(&self.path))
    }

    /// Keeps when the user's workspaces were last looked at (or, for a
    /// mirror of named workspaces, first read).
    fn access_checked(&self, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute("UPDATE owner SET access_checked = ?1", [text(at)])
            .map(drop)
            .map_err(on(&self.path))
    }

    /// The workspaces the mirror is to hold, read or not yet.
    fn wanted(&self) -> Result<Vec<u64>> {
        self.ids("SELECT id FROM wanted ORDER BY id")
    }

    /// Keeps which workspaces the mirror is to hold, so that a sync cut
    /// short is finished by the next.
    fn want(&self, wanted: &BTreeSet<u64>) -> Result<()> {
        let known: BTreeSet<u64> = self.wanted()?.into_iter().collect();
        for wid in wanted.difference(&known) {
            self.conn
                .execute(
                    "INSERT OR IGNORE INTO wanted (id) VALUES (?1)",
                    [sql_id(*wid)],
                )
                .map_err(on(&self.path))?;
        }
        Ok(())
    }

    fn set_all(&self) -> Result<()> {
        self.conn
            .execute("UPDATE owner SET scope = 'all'", [])
            .map(drop)
            .map_err(on(&self.path))
    }

    /// Whether the user's workspaces are due for another look, by the
    /// service's time of the last answer.
    fn access_due(&self, now: DateTime<Utc>) -> Result<bool> {
        Ok(self
            .owner()?
            .and_then(|o| o.access_checked)
            .is_none_or(|at| now - at >= ACCESS_EVERY))
    }

    /// Asks which workspaces the user may read: drops the lost ones from
    /// the mirror and from `wanted`; adds every new one when the mirror
    /// follows all the user's workspaces.
    async fn check_access(
        &mut self,
        client: &Client,
        wanted: &mut BTreeSet<u64>,
        report: &mut Report,
    ) -> std::result::Result<(), Failure> {
        let answer = client.list_my_workspaces().send().await?;
        let at = answer
            .meta()
            .date
            .map_or_else(Utc::now, DateTime::<Utc>::from);
        let readable: HashSet<u64> = answer.into_inner().0.iter().map(|w| w.id.get()).collect();
        let named_unreadable: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|w| !readable.contains(w))
            .collect();
        let mut kept: BTreeSet<u64> = self.workspaces()?.into_iter().collect();
        kept.extend(self.wanted()?);
        for wid in kept {
            if !readable.contains(&wid) {
                self.remove_workspace(wid)?;
                report.lost.push(wid);
            }
        }
        wanted.retain(|w| readable.contains(w));
        if self.owner()?.is_some_and(|o| o.all) {
            wanted.extend(&readable);
        }
        self.access_checked(at)?;
        for wid in named_unreadable {
            if !report.lost.contains(&wid) {
                report.lost.push(wid);
            }
        }
        Ok(())
    }

    /// Takes a workspace and its clients out of the mirror.
    fn remove_workspace(&mut self, wid: u64) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        tx.execute("DELETE FROM clients WHERE wid = ?1", [sql_id(wid)])
            .map_err(on(&path))?;
        tx.execute("DELETE FROM workspaces WHERE id = ?1", [sql_id(wid)])
            .map_err(on(&path))?;
        tx.execute("DELETE FROM wanted WHERE id = ?1", [sql_id(wid)])
            .map_err(on(&path))?;
        tx.commit().map_err(on(&path))
    }

    /// Keeps a delta for the workspaces `deltas` (each with its `since`)
    /// in one short transaction; answers the service's time of it.
    fn keep_delta(
        &mut self,
        delta: Delta,
        date: Option<std::time::SystemTime>,
        sent: DateTime<Utc>,
        deltas: &[(u64, i64)],
        full_soon: &BTreeSet<u64>,
        report: &mut Report,
    ) -> Result<DateTime<Utc>> {
        let covered: HashSet<u64> = deltas.iter().map(|(w, _)| *w).collect();
        let newest = match date {
            Some(_) => None,
            None => self.newest_at(&covered, delta.newest_at())?,
        };
        let times = times(date, sent, newest);
        let (tally, elsewhere) = self.apply_delta(delta, deltas, full_soon, &times)?;
        report.changes.add(&tally);
        report.elsewhere += elsewhere;
        Ok(times.date.unwrap_or(times.sent))
    }

    /// The newest `at` the mirror holds in `workspaces`, or `also`.
    fn newest_at(
        &self,
        workspaces: &HashSet<u64>,
        also: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT at FROM clients WHERE wid = ?1")
            .map_err(on(&self.path))?;
        let mut newest = also;
        for wid in workspaces {
            let ats = statement
                .query_map([sql_id(*wid)], |r| r.get::<_, String>(0))
                .map_err(on(&self.path))?;
            for at in ats.flatten().filter_map(|t| time(&t)) {
                newest = Some(newest.map_or(at, |n| n.max(at)));
            }
        }
        Ok(newest)
    }

    fn apply_delta(
        &mut self,
        delta: Delta,
        deltas: &[(u64, i64)],
        full_soon: &BTreeSet<u64>,
        times: &AnswerTimes,
    ) -> Result<(Tally, u64)> {
        let covered: HashSet<u64> = deltas.iter().map(|(w, _)| *w).collect();
        let elsewhere = delta
            .clients()
            .iter()
            .filter(|c| !covered.contains(&c.wid.get()) && !full_soon.contains(&c.wid.get()))
            .count() as u64;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        let held =
            rows::held(&tx, delta.clients().iter().map(|c| c.id.get())).map_err(on(&path))?;
        let mut tally = Tally::default();
        for change in delta.changes(
            |id| held.get(&id).copied(),
            |c| covered.contains(&c.wid.get()),
        ) {
            tally.count(&change);
            if !matches!(change, Change::Unchanged(_)) {
                rows::upsert(&tx, change.client()).map_err(on(&path))?;
            }
        }
        let synced = text(times.earliest());
        for (wid, since) in deltas {
            tx.execute(
                "UPDATE workspaces SET synced_at = ?2, since = ?3 WHERE id = ?1",
                params![sql_id(*wid), synced, since_after(Some(*since), times)],
            )
            .map_err(on(&path))?;
        }
        tx.commit().map_err(on(&path))?;
        Ok((tally, elsewhere))
    }

    /// Reads each of `to_read` in full and keeps it, one by one; a
    /// workspace the user can no longer read leaves the mirror and the
    /// rest goes on.
    async fn full_reads(
        &mut self,
        client: &Client,
        to_read: BTreeSet<u64>,
        report: &mut Report,
    ) -> std::result::Result<(), Failure> {
        let mut left: Vec<u64> = to_read.into_iter().collect();
        let total = left.len();
        while let Some(&wid) = left.first() {
            crate::progress::job(format!(
                "{} of {total} workspace(s) to read in full",
                left.len()
            ));
            let sent = Utc::now();
            let read = client
                .list_all_clients()
                .unpaged_first()
                .workspace_id(wid)
                .status(ClientStatus::Both)
                .send()
                .await;
            match read {
                Ok(listing) => {
                    let newest = listing.clients.iter().map(|c| c.at).max();
                    let times = times(listing.meta.date, sent, newest);
                    let tally = self.replace_workspace(wid, listing.clients, &times)?;
                    report.changes.add(&tally);
                    report.full_reads.push(wid);
                }
                Err(Error::Forbidden {
                    reason: ForbiddenReason::NoAccess,
                    ..
                }) => {
                    self.remove_workspace(wid)?;
                    report.lost.push(wid);
                }
                Err(e) => {
                    report.left = left;
                    return Err(e.into());
                }
            }
            left.remove(0);
        }
        Ok(())
    }

    /// A full read of `wid`: its clients as listed, every other client of
    /// it the mirror held now a tombstone, unless changed after the read
    /// began (a write of another run, which the next delta confirms).
    fn replace_workspace(
        &mut self,
        wid: u64,
        clients: Vec<TrackClient>,
        times: &AnswerTimes,
    ) -> Result<Tally> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        let held = rows::held_in(&tx, wid).map_err(on(&path))?;
        let listed: HashSet<u64> = clients.iter().map(|c| c.id.get()).collect();
        let mut tally = Tally::default();
        for client in clients {
            let change = Change::of(held.get(&client.id.get()).copied(), client);
            tally.count(&change);
            // Every listed client is written: the mirror equals the list,
            // `permissions` included.
            rows::upsert(&tx, change.client()).map_err(on(&path))?;
        }
        let earliest = times.earliest();
        let deleted_at = text(times.date.unwrap_or(earliest));
        for (id, h) in &held {
            if !listed.contains(id) && !h.deleted && h.at < earliest {
                tx.execute(
                    "UPDATE clients SET server_deleted_at = ?2 WHERE id = ?1",
                    params![sql_id(*id), deleted_at],
                )
                .map_err(on(&path))?;
                tally.deleted += 1;
            }
        }
        tx.execute(
            "INSERT INTO workspaces (id, full_read_at, synced_at, since) VALUES (?1, ?2, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET full_read_at = excluded.full_read_at,
                synced_at = excluded.synced_at, since = excluded.since",
            params![sql_id(wid), text(earliest), since_after(None, times)],
        )
        .map_err(on(&path))?;
        tx.commit().map_err(on(&path))?;
        Ok(tally)
    }
}
