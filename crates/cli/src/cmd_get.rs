//! `get`: one client, from the mirror when `--max-age` allows.

use std::num::NonZeroU64;
use std::time::Duration;

use clap::Args;

use crate::args::{Output, duration, id};
use crate::failure::Failure;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Get {
    #[arg(value_parser = id)]
    id: NonZeroU64,
    /// Answer from the mirror when it holds the client and its last sync is
    /// younger than this (e.g. 10m); no request at all.
    #[arg(long, value_parser = duration)]
    max_age: Option<Duration>,
}

impl Get {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if let Some(max_age) = self.max_age {
            let workspace = s.workspace;
            let mirror = s.mirror()?;
            let fresh = mirror
                .holding(workspace)?
                .is_some_and(|h| h.age() <= max_age);
            if fresh && let Some(client) = mirror.client(workspace, self.id.get())? {
                return output::client(out, &client);
            }
        }
        let answer = s
            .client
            .get_client()
            .workspace_id(s.workspace)
            .client_id(self.id)
            .send()
            .await?;
        let date = answer.meta().date;
        let client = answer.into_inner();
        output::client(out, &client)?;
        if self.max_age.is_some() {
            s.mirror_writes(std::slice::from_ref(&client), &[], date);
        }
        Ok(())
    }
}
