//! `list`: the workspace's clients, changed ones with `--since`, a page at
//! a time with `--page-size`, or from the mirror: with `--offline` at no
//! cost, with `--max-age` when it is fresh enough (else after one sync).

use std::time::Duration;

use clap::Args;
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::types::{ClientStatus, TrackClient};

use crate::args::{Output, Status, duration};
use crate::failure::Failure;
use crate::mirror::Freshness;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct List {
    /// Which clients: active (the default), archived or both.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Only clients whose name contains this text (any case).
    #[arg(long)]
    name: Option<String>,
    /// Only clients created, changed or deleted since then: a time
    /// (2026-11-27T09:00:00Z), a date (2026-11-27, midnight UTC), how long
    /// ago (1h, 2d) or UNIX seconds; archived or not, deleted ones shown as
    /// such. Toggl keeps about three months of changes.
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
    /// Answer from the mirror as it is, with no request (`sync` keeps it
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
        let freshness = Freshness::asked(self.offline, self.max_age);
        if let Some(freshness) = freshness {
            return from_mirror(s, out, &filter, freshness).await;
        }
        // Every page: one answer of fewer clients than match is never
        // printed as the whole list.
        let mut all = s.client.list_all_clients().workspace_id(s.workspace()?);
        all = match self.page_size {
            Some(per_page) => all.per_page(per_page),
            None => all.unpaged_first(),
        };
        let listing = all.filter(&filter).send().await?;
        if self.page_size.is_some() || listing.pages > 1 {
            eprintln!("{} page(s), {} request(s)", listing.pages, listing.requests);
        }
        output::clients(out, &listing.clients)
    }
}

/// The workspace's clients as the mirror holds them at `freshness`, with
/// how old it is.
async fn from_mirror(
    s: &mut Session,
    out: Output,
    filter: &ClientFilter,
    freshness: Freshness,
) -> Result<(), Failure> {
    let workspace = match s.workspace() {
        Ok(workspace) => workspace,
        // Offline, no workspace needed: every one the mirror holds.
        Err(_) if freshness == Freshness::Offline => return every_workspace(s, out, filter).await,
        Err(none) => return Err(none),
    };
    let client = s.client.clone();
    let read = s
        .mirror()?
        .clients(&client, workspace, filter, freshness)
        .await?;
    eprintln!(
        "from the mirror, synced {} ago ({} request(s))",
        humantime::format_duration(std::time::Duration::from_secs(read.age.as_secs())),
        read.requests
    );
    output::clients(out, &read.value)
}

/// `list --offline` with no workspace named: the clients of every
/// workspace the mirror holds, with the workspace as a column.
async fn every_workspace(
    s: &mut Session,
    out: Output,
    filter: &ClientFilter,
) -> Result<(), Failure> {
    let client = s.client.clone();
    let mirror = s.mirror()?;
    let held = mirror.workspaces()?;
    if held.is_empty() {
        return Err(Failure::new(
            crate::failure::USAGE,
            "the mirror holds no workspace yet: `toggl-clients sync` fills it (or name one with --workspace)",
        ));
    }
    let mut all = Vec::new();
    let mut oldest = std::time::Duration::ZERO;
    for workspace in held {
        let read = mirror
            .clients(&client, workspace, filter, Freshness::Offline)
            .await?;
        oldest = oldest.max(read.age);
        all.extend(read.value);
    }
    eprintln!(
        "from the mirror, every workspace it holds, synced at most {} ago (0 request(s))",
        humantime::format_duration(std::time::Duration::from_secs(oldest.as_secs()))
    );
    output::clients_with_workspace(out, &all)
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
    let workspace = s.workspace()?;
    let mine: Vec<TrackClient> = changed
        .into_iter()
        .filter(|c| c.wid.get() == workspace && filter.matches(c))
        .collect();
    output::clients(out, &mine)
}

/// `--since`: a time (RFC 3339, a date taken as midnight UTC, or UNIX
/// seconds), or how long ago, as `--max-age` takes it (`1h`, `2d 6h`).
fn since(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds >= 0 {
            Ok(seconds)
        } else {
            Err("a time before 1970".into())
        };
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp());
    }
    if let Ok(ago) = humantime::parse_duration(text) {
        let ago = chrono::Duration::from_std(ago).map_err(|_| "too long ago".to_owned())?;
        return Ok((chrono::Utc::now() - ago).timestamp());
    }
    Err("write a time (2026-11-27T09:00:00Z), a date (2026-11-27), how long ago (1h, 2d) or UNIX seconds".into())
}

#[cfg(test)]
mod tests {
    use super::since;

    #[test]
    fn since_takes_times_dates_and_how_long_ago() {
        assert_eq!(since("1764547200"), Ok(1_764_547_200));
        assert_eq!(since("2025-12-01T00:00:00Z"), Ok(1_764_547_200));
        assert_eq!(since("2025-12-01"), Ok(1_764_547_200));
        let hour_ago = chrono::Utc::now().timestamp() - 3600;
        let got = since("1h").expect("an hour ago");
        assert!((got - hour_ago).abs() <= 2, "{got} vs {hour_ago}");
        assert!(since("-5").is_err());
        assert!(since("soon").is_err_and(|e| e.contains("how long ago")));
    }
}
