//! `list`: the workspace's clients, changed ones with `--since`, a page at
//! a time with `--page-size`, or from the local cache with `--max-age`.

use std::time::Duration;

use clap::Args;
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::types::{ClientStatus, TrackClient};

use crate::args::{Output, Status, duration};
use crate::failure::Failure;
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
    /// Answer from the local cache when it is younger than this (e.g. 10m);
    /// no request at all.
    #[arg(long, value_parser = duration)]
    max_age: Option<Duration>,
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
        if let (Some(max_age), Some(cache)) = (self.max_age, &s.cache)
            && let Some(clients) = cache.list(&filter, max_age)
        {
            return output::clients(out, &clients);
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
        output::clients(out, &clients)?;
        // Kept only where a later read can use it: with `--max-age`.
        if self.max_age.is_some()
            && let Some(cache) = &mut s.cache
        {
            cache.put_list(&filter, clients);
        }
        Ok(())
    }
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
