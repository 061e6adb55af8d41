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
        let projects = self.projects.clone();
        if !self.projects.is_empty() {
            body = body.projects(self.projects);
        }
        let was_active = was_active(s, self.id.get()).await;
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
        // The answer is the client: which projects came back is what was
        // asked for, as the service does not list them.
        let with = if self.all_projects {
            "with all its projects".to_owned()
        } else if projects.is_empty() {
            "without its projects (--all-projects or --project ID brings them back)".to_owned()
        } else {
            let ids: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
            format!("with project(s) {}", ids.join(", "))
        };
        eprintln!("restored {} {with}", client.name);
        if let Some(age) = was_active {
            eprintln!(
                "note: the mirror, synced {} ago, had it active already: the restore may have changed nothing",
                humantime::format_duration(std::time::Duration::from_secs(age.as_secs()))
            );
        }
        output::client(out, &client)
    }
}

/// How long ago the mirror last saw client `id` active, when it did: a
/// restore of an active client is answered like any other (so the local
/// service does; the real service's answer is unrecorded), so the mirror,
/// at no request, is what can tell.
async fn was_active(s: &mut Session, id: u64) -> Option<std::time::Duration> {
    let workspace = s.workspace().ok()?;
    let client = s.client.clone();
    let mirror = s.mirror_if_usable()?;
    let read = mirror
        .client(&client, workspace, id, crate::mirror::Freshness::Offline)
        .await
        .ok()?;
    read.value.filter(|c| !c.archived).map(|_| read.age)
}
