//! `list`: the workspace's clients, changed ones with `--since`, a page at
//! a time with `--page-size`, or from the mirror: with `--offline` at no
//! cost, with `--max-age` when it is fresh enough (else after one sync).

use std::time::Duration;

use clap::Args;
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::types::{ClientStatus, TrackClient};

use crate::args::{Output, Status, duration};
use crate::failure::{Failure, USAGE};
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct List {
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Only clients whose name contains this text (any case).
    #[arg(long)]
    name: Option<String>,
    /// Only clients created, changed or deleted since this time (UNIX
    /// seconds or RFC 3339), archived or not; deleted ones show as such.
    /// Toggl keeps about three months of changes.
    #[arg(long, conflicts_with = "status", value_parser = since)]
    since: Option<i64>,
    /// Fetch the list a page at a time, this many clients a page (one
    /// request a page).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "since")]
    page_size: Option<u64>,
    /// Answer from the mirror when its last sync is younger than this (e.g.
    /// 10m), at no cost; else sync it first (one request) and answer from it.
    #[arg(long, value_parser = duration, conflicts_with_all = ["since", "page_size"])]
    max_age: Option<Duration>,
    /// Answer from the mirror as it is, at no cost (`sync` keeps it
    /// current); says how old it is.
    #[arg(long, conflicts_with_all = ["since", "page_size", "max_age"])]
    offline: bool,
}

impl List {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let mut filter = ClientFilter::default();
        if let Some(status) = self.status {
            filter = filter.status(status.into());
        }
        if let Some(name) = &self.name {
            filter = filter.name(name.clone());
        }
        if let Some(since) = self.since {
            return changed_since(s, out, since, filter.status(ClientStatus::Both)).await;
        }
        if self.offline {
            return from_mirror(s, out, &filter);
        }
        if let Some(max_age) = self.max_age {
            let workspace = s.workspace;
            let fresh = s
                .mirror()?
                .holding(workspace)?
                .is_some_and(|h| h.age() <= max_age);
            if !fresh {
                crate::cmd_sync::sync(s, &[], false).await?;
            }
            return from_mirror(s, out, &filter);
        }
        let clients: Vec<TrackClient> = match self.page_size {
            Some(per_page) => {
                let all = s
                    .client
                    .list_all_clients()
                    .workspace_id(s.workspace)
                    .per_page(per_page)
                    .filter(&filter)
                    .send()
                    .await?;
                eprintln!("{} page(s), {} request(s)", all.pages, all.requests);
                all.clients
            }
            None => {
                s.client
                    .list_clients()
                    .workspace_id(s.workspace)
                    .filter(&filter)
                    .send()
                    .await?
                    .into_inner()
                    .0
            }
        };
        output::clients(out, &clients)
    }
}

/// The workspace's clients as the mirror holds them, with how old it is.
fn from_mirror(s: &mut Session, out: Output, filter: &ClientFilter) -> Result<(), Failure> {
    let workspace = s.workspace;
    let mirror = s.mirror()?;
    let Some(holding) = mirror.holding(workspace)? else {
        return Err(Failure::new(
            USAGE,
            format!(
                "{}: the mirror does not hold workspace {workspace}; run `toggl-clients sync` first",
                mirror.path().display()
            ),
        ));
    };
    let clients = mirror.clients(workspace, filter)?;
    eprintln!(
        "from the mirror, synced {} ago (0 requests)",
        humantime::format_duration(std::time::Duration::from_secs(holding.age().as_secs()))
    );
    output::clients(out, &clients)
}

/// `list --since`: what changed in the user's workspaces, kept to this one.
async fn changed_since(
    s: &Session,
    out: Output,
    since: i64,
    filter: ClientFilter,
) -> Result<(), Failure> {
    // A `since` older than Toggl keeps fails with its own advice.
    let changed = s
        .client
        .list_changed_clients()
        .since(since)
        .send()
        .await?
        .into_inner()
        .0;
    let mine: Vec<TrackClient> = changed
        .into_iter()
        .filter(|c| c.wid.get() == s.workspace && filter.matches(c))
        .collect();
    output::clients(out, &mine)
}

/// `--since`: UNIX seconds, or an RFC 3339 time.
fn since(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds >= 0 {
            Ok(seconds)
        } else {
            Err("a time before 1970".into())
        };
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| {
            "expected UNIX seconds or an RFC 3339 time such as 2026-11-27T09:00:00Z".into()
        })
}
