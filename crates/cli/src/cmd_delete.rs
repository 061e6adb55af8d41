//! `delete`: one client, or several in one bulk request (all or none).

use std::num::NonZeroU64;

use clap::Args;

use crate::args::{Output, id};
use crate::failure::Failure;
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Delete {
    /// The ids of the clients to delete (`list` shows them); several go in
    /// one request, all or none.
    #[arg(required = true, num_args = 1.., value_parser = id)]
    ids: Vec<NonZeroU64>,
    /// Delete several without asking (needed without a terminal; one id
    /// is never asked about).
    #[arg(long, short = 'y')]
    yes: bool,
}

impl Delete {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if self.ids.len() > 1 {
            let ids: Vec<String> = self.ids.iter().map(|i| format!("id {i}")).collect();
            crate::confirm::deletion(
                &crate::confirm::described(ids.iter().map(String::as_str)),
                self.yes,
            )?;
        }
        let date = if let [id] = self.ids[..] {
            s.client
                .delete_client()
                .workspace_id(s.workspace()?)
                .client_id(id)
                .send()
                .await?
                .meta()
                .date
        } else {
            s.client
                .delete_clients()
                .workspace_id(s.workspace()?)
                .body(self.ids.clone())
                .send()
                .await?
                .meta()
                .date
        };
        let ids: Vec<u64> = self.ids.iter().map(|i| i.get()).collect();
        s.write_through(Written::Deleted(&ids, date));
        output::deleted(out, &self.ids)
    }
}
