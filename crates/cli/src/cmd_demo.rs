//! A walk through all seven operations with a client of its own. The client
//! it creates is deleted again, even when a step in between fails.

use std::num::NonZeroU64;

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
    list_active(api, workspace, say).await?;
    let name = unique_name();
    let id = create(api, workspace, &name, say).await?;
    let outcome = use_client(api, workspace, id, say).await;
    delete(api, workspace, id, &name, outcome, say).await
}

/// Lists the active clients, showing the first few.
async fn list_active(
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
    Ok(())
}

/// A name no other walk uses at the same time: the process id mixed with
/// the clock.
fn unique_name() -> String {
    format!(
        "toggl-clients demo {:08x}",
        std::process::id()
            ^ (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default())
    )
}

/// Creates the walk's own client; its id.
async fn create(
    api: &Client,
    workspace: u64,
    name: &str,
    say: &mut dyn FnMut(String),
) -> Result<NonZeroU64, Error> {
    let created = api
        .create_client()
        .workspace_id(workspace)
        .body(
            ClientCreate::builder()
                .name(name.to_owned())
                .notes(Some("made by the demo".to_owned())),
        )
        .send()
        .await?;
    say(format!(
        "create: {:?} has id {}{}",
        created.name,
        created.id,
        quota(&created)
    ));
    Ok(created.id)
}

/// The steps between create and delete: get, update, archive and restore.
async fn use_client(
    api: &Client,
    workspace: u64,
    id: NonZeroU64,
    say: &mut dyn FnMut(String),
) -> Result<(), Error> {
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
    archive_and_restore(api, workspace, id, say).await
}

/// Archives the client and restores it again. A workspace on the free plan
/// refuses to archive; then there is nothing to restore.
async fn archive_and_restore(
    api: &Client,
    workspace: u64,
    id: NonZeroU64,
    say: &mut dyn FnMut(String),
) -> Result<(), Error> {
    match api
        .archive_client()
        .workspace_id(workspace)
        .client_id(id)
        .send()
        .await
    {
        Ok(projects) => say(format!(
            "archive: archived with {} projects{}",
            projects.len(),
            quota(&projects)
        )),
        Err(Error::PaidFeatureRequired { message, .. }) => {
            say(format!(
                "archive: refused, the workspace needs a paid plan ({message}); restore skipped"
            ));
            return Ok(());
        }
        Err(other) => return Err(other),
    }
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
    Ok(())
}

/// Deletes the walk's client whatever `outcome` the steps before had. A
/// failed delete is the walk's error when they went well; after an earlier
/// error, that error is the walk's and the failed delete is only said.
async fn delete(
    api: &Client,
    workspace: u64,
    id: NonZeroU64,
    name: &str,
    outcome: Result<(), Error>,
    say: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let deleted = api
        .delete_client()
        .workspace_id(workspace)
        .client_id(id)
        .send()
        .await;
    match (outcome, deleted) {
        (outcome, Ok(d)) => {
            say(format!("delete: {name:?} is gone{}", quota(&d)));
            outcome
        }
        (Ok(()), Err(e)) => Err(e),
        (Err(earlier), Err(e)) => {
            say(format!("delete: could not clean up {id}: {e}"));
            Err(earlier)
        }
    }
}
