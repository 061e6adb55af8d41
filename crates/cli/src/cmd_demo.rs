//! A walk through all seven operations with a client of its own. The client
//! it creates is deleted again, even when a step in between fails.

use toggl_track_api::types::{ClientCreate, ClientRestore, ClientStatus, ClientUpdate};
use toggl_track_api::{Client, Error, ResponseValue};

use crate::failure::Failure;
use crate::session::Session;

#[derive(Debug, clap::Args)]
pub(crate) struct Demo {}

fn quota<T>(value: &ResponseValue<T>) -> String {
    match value.meta().quota.remaining {
        Some(n) => format!("  [{n} requests left this hour]"),
        None => String::new(),
    }
}

impl Demo {
    /// The walk, on the local service unless a real one is configured.
    pub(crate) async fn run(self, s: &Session) -> Result<(), Failure> {
        let workspace = s.workspace()?;
        match s.local_url() {
            Some(url) => {
                println!("Walking through every operation on a local service at {url}.")
            }
            None => println!(
                "Walking through every operation on workspace {}.",
                workspace
            ),
        }
        walk(&s.client, workspace, &mut |line| println!("  {line}")).await?;
        println!("All seven operations done.");
        Ok(())
    }
}

/// Runs the walk; `say` receives one line per step.
pub(crate) async fn walk(
    api: &Client,
    workspace: u64,
    say: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let listed = api.list_clients().workspace_id(workspace).send().await?;
    say(format!(
        "list: {} active clients{}",
        listed.len(),
        quota(&listed)
    ));
    for c in listed.iter().take(5) {
        say(format!("      {:>10}  {}", c.id, c.name));
    }

    let name = format!(
        "toggl-clients demo {:08x}",
        std::process::id()
            ^ (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default())
    );
    let created = api
        .create_client()
        .workspace_id(workspace)
        .body(
            ClientCreate::builder()
                .name(name.clone())
                .notes(Some("made by the demo".to_owned())),
        )
        .send()
        .await?;
    let id = created.id;
    say(format!(
        "create: {:?} has id {id}{}",
        created.name,
        quota(&created)
    ));

    let steps = async {
        let fetched = api
            .get_client()
            .workspace_id(workspace)
            .client_id(id)
            .send()
            .await?;
        say(format!(
            "get: {:?}, notes {:?}, changed at {}{}",
            fetched.name,
            fetched.notes.as_deref().unwrap_or(""),
            fetched.at,
            quota(&fetched)
        ));

        let updated = api
            .update_client()
            .workspace_id(workspace)
            .client_id(id)
            .body(ClientUpdate::builder().notes(Some("changed by the demo".to_owned())))
            .send()
            .await?;
        say(format!(
            "update: notes now {:?}{}",
            updated.notes.as_deref().unwrap_or(""),
            quota(&updated)
        ));

        match api
            .archive_client()
            .workspace_id(workspace)
            .client_id(id)
            .send()
            .await
        {
            Ok(projects) => {
                say(format!(
                    "archive: archived with {} projects{}",
                    projects.len(),
                    quota(&projects)
                ));
                let archived = api
                    .list_clients()
                    .workspace_id(workspace)
                    .status(ClientStatus::Archived)
                    .send()
                    .await?;
                say(format!(
                    "list archived: {} clients, ours among them: {}",
                    archived.len(),
                    archived.iter().any(|c| c.id == id)
                ));
                let restored = api
                    .restore_client()
                    .workspace_id(workspace)
                    .client_id(id)
                    .body(ClientRestore::builder().restore_all_projects(Some(true)))
                    .send()
                    .await?;
                say(format!(
                    "restore: archived is now {}{}",
                    restored.archived,
                    quota(&restored)
                ));
            }
            Err(Error::PaidFeatureRequired { message, .. }) => {
                say(format!(
                    "archive: refused, the workspace needs a paid plan ({message}); restore skipped"
                ));
            }
            Err(other) => return Err(other),
        }
        Ok::<(), Error>(())
    };
    let outcome = steps.await;

    let deleted = api
        .delete_client()
        .workspace_id(workspace)
        .client_id(id)
        .send()
        .await;
    match (&outcome, deleted) {
        (_, Ok(d)) => say(format!("delete: {name:?} is gone{}", quota(&d))),
        (Ok(()), Err(e)) => return Err(e),
        (Err(_), Err(e)) => say(format!("delete: could not clean up {id}: {e}")),
    }
    outcome
}
