//! `get`: one client, or from the mirror with `--offline` or `--max-age`.

use std::num::NonZeroU64;
use std::time::Duration;

use clap::Args;

use crate::args::{Output, duration, id};
use crate::failure::{Failure, NOT_FOUND};
use crate::mirror::{Freshness, Written};
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Get {
    /// The client's id (`list` shows it).
    #[arg(value_parser = id)]
    id: NonZeroU64,
    /// Answer from the mirror when its last sync is younger than this (e.g.
    /// 10m), at no cost; else sync it first (one request) and answer from it.
    #[arg(long, value_parser = duration)]
    max_age: Option<Duration>,
    /// Answer from the mirror as it is, with no request.
    #[arg(long, conflicts_with = "max_age")]
    offline: bool,
}

impl Get {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let workspace = s.workspace()?;
        let freshness = Freshness::asked(self.offline, self.max_age);
        if let Some(freshness) = freshness {
            let client = s.client.clone();
            let read = s
                .mirror()?
                .client(&client, workspace, self.id.get(), freshness)
                .await?;
            let found = read.value.ok_or_else(|| {
                Failure::new(
                    NOT_FOUND,
                    format!(
                        "no client {} in workspace {workspace} of the mirror, synced {} ago",
                        self.id,
                        humantime::format_duration(Duration::from_secs(read.age.as_secs()))
                    ),
                )
            })?;
            return output::client(out, &found);
        }
        let client = s
            .client
            .get_client()
            .workspace_id(workspace)
            .client_id(self.id)
            .send()
            .await?
            .into_inner();
        s.write_through(Written::Clients(std::slice::from_ref(&client)));
        output::client(out, &client)
    }
}
