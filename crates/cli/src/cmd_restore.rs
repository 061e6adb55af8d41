//! `restore`: an archived client with all, some or none of its projects.

use std::num::NonZeroU64;

use clap::Args;
use toggl_track_api::types::ClientRestore;

use crate::args::{Output, id};
use crate::failure::Failure;
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Restore {
    /// The archived client's id (`list --status archived` shows it).
    #[arg(value_parser = id)]
    id: NonZeroU64,
    /// A project to restore with it (repeat for more).
    #[arg(long = "project", value_name = "PROJECT_ID", value_parser = id)]
    projects: Vec<NonZeroU64>,
    /// Restore every project of the client.
    #[arg(long, conflicts_with = "projects")]
    all_projects: bool,
}

impl Restore {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let mut body = ClientRestore::builder();
        if self.all_projects {
            body = body.restore_all_projects(Some(true));
        }
        if !self.projects.is_empty() {
            body = body.projects(self.projects);
        }
        let client = s
            .client
            .restore_client()
            .workspace_id(s.workspace()?)
            .client_id(self.id)
            .body(body)
            .send()
            .await?
            .into_inner();
        s.write_through(Written::Clients(std::slice::from_ref(&client)));
        output::client(out, &client)
    }
}
