//! `sync`: keeps the mirror current. The first sync of a workspace (or
//! `--full`) reads it in full, `status=both`, one request a workspace;
//! every later sync asks once, `GET /me/clients?since=`, for the changes of
//! every workspace of the user at once (from the user-level quota), and
//! applies creates, changes, archiving and deletions in one transaction.
//! A `since` too old for the service, or a mirror that old, falls back to a
//! full read, and says so.

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use toggl_track_api::Error;
use toggl_track_api::error::ValidationReason;
use toggl_track_api::extras::sync::{Delta, FullRead, Tally, needs_full_read, next_since};
use toggl_track_api::types::ClientStatus;

use crate::args::{Output, id};
use crate::failure::Failure;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Sync {
    /// Read every workspace in full, whatever the mirror holds.
    #[arg(long)]
    full: bool,
    /// Mirror these workspaces too (comma-separated ids); the mirror keeps
    /// every workspace it has held, and the session's (--workspace).
    #[arg(long, value_delimiter = ',', value_parser = id)]
    workspaces: Vec<std::num::NonZeroU64>,
}

/// How a sync went.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    /// `full`, `delta`, or `full` after a delta could not serve.
    pub mode: &'static str,
    /// Why it read in full, when it did.
    pub why: Option<String>,
    /// The workspaces it read in full.
    pub full_reads: Vec<u64>,
    /// What changed.
    pub changes: Tally,
    /// Changes of workspaces the mirror does not hold.
    pub elsewhere: u64,
    /// Requests sent, retries included.
    pub requests: u64,
}

impl Sync {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let wanted: Vec<u64> = self.workspaces.iter().map(|w| w.get()).collect();
        let report = sync(s, &wanted, self.full).await?;
        let path = s.mirror()?.path().display().to_string();
        let c = &report.changes;
        match out {
            Output::Table => output::emit(&format!(
                "{} sync{}: {} created, {} changed, {} archived, {} restored, {} deleted; {} request(s)\n",
                report.mode,
                report
                    .why
                    .as_deref()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default(),
                c.created,
                c.changed,
                c.archived,
                c.restored,
                c.deleted,
                report.requests
            ))?,
            Output::Json => output::emit(&output::json_document(&json!({
                "mirror": path,
                "sync": report,
            })))?,
            Output::Csv => output::emit(&output::csv(
                &[
                    "mode", "created", "changed", "archived", "restored", "deleted", "requests",
                ],
                [vec![
                    report.mode.to_owned(),
                    c.created.to_string(),
                    c.changed.to_string(),
                    c.archived.to_string(),
                    c.restored.to_string(),
                    c.deleted.to_string(),
                    report.requests.to_string(),
                ]],
            )?)?,
        }
        if report.elsewhere > 0 {
            eprintln!(
                "{} change(s) in workspaces the mirror does not hold were passed over (add them with --workspaces)",
                report.elsewhere
            );
        }
        Ok(())
    }
}

/// The service's time of an answer, else this machine's.
fn answered_at(date: Option<std::time::SystemTime>) -> DateTime<Utc> {
    date.map_or_else(Utc::now, DateTime::from)
}

/// Brings the mirror up to date for the workspaces it holds, the session's
/// and `wanted`: one delta request when it can, a full read of each
/// workspace that needs one. Everything is one transaction.
pub(crate) async fn sync(s: &mut Session, wanted: &[u64], full: bool) -> Result<Report, Failure> {
    let client = s.client.clone();
    let workspace = s.workspace;
    let sent_before = client.requests_sent();
    let mut syncing = s.mirror()?.begin_sync()?;
    let state = syncing.state()?;
    let held = syncing.workspaces()?;
    let mut workspaces: Vec<u64> = held
        .iter()
        .copied()
        .chain([workspace])
        .chain(wanted.iter().copied())
        .collect();
    workspaces.sort_unstable();
    workspaces.dedup();
    let now = Utc::now();
    let (mut to_read, mut why): (Vec<u64>, Option<String>) = if full {
        (workspaces.clone(), Some("asked for".to_owned()))
    } else {
        match needs_full_read(state.since, now) {
            Some(FullRead::TooOld) => (
                workspaces.clone(),
                Some("the mirror is older than the service keeps changes".to_owned()),
            ),
            _ => (
                workspaces
                    .iter()
                    .copied()
                    .filter(|w| !held.contains(w))
                    .collect(),
                None,
            ),
        }
    };
    let mut changes = Tally::default();
    let mut elsewhere = 0;
    let mut earliest: Option<DateTime<Utc>> = None;
    let mut newest: Option<DateTime<Utc>> = None;
    let delta_from = if to_read.len() == workspaces.len() {
        None
    } else {
        state.since
    };
    if let Some(since) = delta_from {
        match client.list_changed_clients().since(since).send().await {
            Ok(answer) => {
                let at = answered_at(answer.meta().date);
                earliest = Some(at);
                let delta = Delta::new(answer.into_inner().into());
                newest = delta.newest_at();
                let (tally, others) = syncing.apply_delta(delta, at)?;
                changes.add(&tally);
                elsewhere = others;
            }
            Err(Error::Validation {
                reason: ValidationReason::SinceTooOld,
                ..
            }) => {
                to_read = workspaces.clone();
                why = Some("the service no longer keeps changes that far back".to_owned());
            }
            Err(e) => return Err(e.into()),
        }
    }
    for wid in &to_read {
        let answer = client
            .list_clients()
            .workspace_id(*wid)
            .status(ClientStatus::Both)
            .send()
            .await?;
        let at = answered_at(answer.meta().date);
        earliest = Some(earliest.map_or(at, |e| e.min(at)));
        let tally = syncing.replace_workspace(*wid, answer.into_inner().into(), at)?;
        changes.add(&tally);
    }
    let read_all = to_read.len() == workspaces.len();
    let since = next_since(if read_all { None } else { state.since }, earliest, newest);
    let requests = client.requests_sent() - sent_before;
    let finished_at = earliest.unwrap_or(now);
    syncing.finish(
        since,
        (!to_read.is_empty()).then_some(finished_at),
        finished_at,
        requests,
    )?;
    Ok(Report {
        mode: match (read_all, delta_from.is_some()) {
            (true, true) => "full (after delta)",
            (true, false) => "full",
            (false, _) if to_read.is_empty() => "delta",
            (false, _) => "delta and full",
        },
        why,
        full_reads: to_read,
        changes,
        elsewhere,
        requests,
    })
}
