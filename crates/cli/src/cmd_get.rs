//! `get`: one client, from the local cache when `--max-age` allows.

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
    /// Answer from the local cache when it holds the client and is younger
    /// than this (e.g. 10m); no request at all.
    #[arg(long, value_parser = duration)]
    max_age: Option<Duration>,
}

impl Get {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if let (Some(max_age), Some(cache)) = (self.max_age, &s.cache)
            && let Some(client) = cache.client(self.id.get(), max_age)
        {
            return output::client(out, &client);
        }
        let client = s
            .client
            .get_client()
            .workspace_id(s.workspace)
            .client_id(self.id)
            .send()
            .await?
            .into_inner();
        output::client(out, &client)?;
        if self.max_age.is_some()
            && let Some(cache) = &mut s.cache
        {
            cache.put_client(client);
        }
        Ok(())
    }
}
