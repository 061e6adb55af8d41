//! `archive`: one client, or several in one bulk request (all or none),
//! with their projects; paid workspaces only.

use std::num::NonZeroU64;

use clap::Args;

use crate::args::{Output, id};
use crate::failure::Failure;
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Archive {
    /// The ids of the clients to archive (`list` shows them); several go
    /// in one request, all or none.
    #[arg(required = true, num_args = 1.., value_parser = id)]
    ids: Vec<NonZeroU64>,
}

impl Archive {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let archived: Vec<(u64, Vec<u64>)> = if let [id] = self.ids[..] {
            let projects = s
                .client
                .archive_client()
                .workspace_id(s.workspace()?)
                .client_id(id)
                .send()
                .await?;
            vec![(id.get(), projects.iter().map(|p| p.get()).collect())]
        } else {
            let answer = s
                .client
                .archive_clients()
                .workspace_id(s.workspace()?)
                .body(self.ids.clone())
                .send()
                .await?;
            answer
                .iter()
                .flat_map(|entry| {
                    let projects: Vec<u64> = entry.project_ids.iter().map(|p| p.get()).collect();
                    entry
                        .client_ids
                        .iter()
                        .map(move |c| (c.get(), projects.clone()))
                })
                .collect()
        };
        let ids: Vec<u64> = archived.iter().map(|(id, _)| *id).collect();
        s.write_through(Written::Archived(&ids));
        output::archived(out, &archived)
    }
}
