//! `toggl-clients`: list, create, change, archive, restore and delete the
//! clients of a Toggl Track workspace, from the command line.

mod args;
mod connect;
mod demo;
mod failure;
mod output;
mod wait;

use std::num::NonZeroU64;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientStatus, ClientUpdate};

use args::{Cli, Command, Status};
use failure::{Failure, USAGE};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "toggl-clients",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(failure::UNAVAILABLE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn id_list(ids: &[u64]) -> Result<Vec<NonZeroU64>, Failure> {
    ids.iter().copied().map(non_zero).collect()
}

fn non_zero(id: u64) -> Result<NonZeroU64, Failure> {
    NonZeroU64::new(id).ok_or_else(|| Failure::new(USAGE, "ids start at 1"))
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let g = &cli.global;
    let demo = matches!(cli.command, Command::Demo);
    let session = connect::connect(g, demo).await?;
    let (api, ws, out) = (&session.client, session.workspace, g.output);
    match cli.command {
        Command::List {
            since: Some(since),
            name,
            ..
        } => {
            // Changes come from all the user's workspaces; keep this one's.
            let changed = api.list_changed_clients().since(since).send().await?;
            output::quota(&changed);
            let needle = name.map(|n| n.to_lowercase());
            let mine: Vec<_> = changed
                .iter()
                .filter(|c| c.wid.get() == ws)
                .filter(|c| {
                    needle
                        .as_deref()
                        .is_none_or(|n| c.name.to_lowercase().contains(n))
                })
                .cloned()
                .collect();
            output::clients(out, &mine, false)
        }
        Command::List {
            status,
            name,
            since: None,
        } => {
            let mut request = api.list_clients().workspace_id(ws);
            if let Some(status) = status {
                request = request.status(match status {
                    Status::Active => ClientStatus::Active,
                    Status::Archived => ClientStatus::Archived,
                    Status::Both => ClientStatus::Both,
                });
            }
            if let Some(name) = name {
                request = request.name(name);
            }
            let list = request.send().await?;
            output::quota(&list);
            output::clients(out, &list, false)
        }
        Command::Get { id } => {
            let client = api
                .get_client()
                .workspace_id(ws)
                .client_id(non_zero(id)?)
                .send()
                .await?;
            output::quota(&client);
            output::clients(out, std::slice::from_ref(&client), true)
        }
        Command::Create {
            name,
            notes,
            external_reference,
        } => {
            let body = ClientCreate::builder()
                .name(name)
                .notes(notes)
                .external_reference(external_reference);
            let client = api
                .create_client()
                .workspace_id(ws)
                .body(body)
                .send()
                .await?;
            output::quota(&client);
            output::clients(out, std::slice::from_ref(&client), true)
        }
        Command::Update {
            id,
            name,
            notes,
            external_reference,
        } => {
            if name.is_none() && notes.is_none() && external_reference.is_none() {
                return Err(Failure::new(
                    USAGE,
                    "nothing to change: give --name, --notes or --external-reference",
                ));
            }
            let body = ClientUpdate::builder()
                .name(name)
                .notes(notes)
                .external_reference(external_reference);
            let client = api
                .update_client()
                .workspace_id(ws)
                .client_id(non_zero(id)?)
                .body(body)
                .send()
                .await?;
            output::quota(&client);
            output::clients(out, std::slice::from_ref(&client), true)
        }
        Command::Delete { ids } => {
            if let [id] = ids[..] {
                let answer = api
                    .delete_client()
                    .workspace_id(ws)
                    .client_id(non_zero(id)?)
                    .send()
                    .await?;
                output::quota(&answer);
            } else {
                let answer = api
                    .delete_clients()
                    .workspace_id(ws)
                    .body(id_list(&ids)?)
                    .send()
                    .await?;
                output::quota(&answer);
            }
            output::deleted(out, &ids)
        }
        Command::Archive { ids } => {
            let archived: Vec<(u64, Vec<u64>)> = if let [id] = ids[..] {
                let projects = api
                    .archive_client()
                    .workspace_id(ws)
                    .client_id(non_zero(id)?)
                    .send()
                    .await?;
                output::quota(&projects);
                vec![(id, projects.iter().map(|p| p.get()).collect())]
            } else {
                let answer = api
                    .archive_clients()
                    .workspace_id(ws)
                    .body(id_list(&ids)?)
                    .send()
                    .await?;
                output::quota(&answer);
                answer
                    .iter()
                    .flat_map(|entry| {
                        let projects: Vec<u64> =
                            entry.project_ids.iter().map(|p| p.get()).collect();
                        entry
                            .client_ids
                            .iter()
                            .map(move |c| (c.get(), projects.clone()))
                    })
                    .collect()
            };
            output::archived(out, &archived)
        }
        Command::Restore {
            id,
            projects,
            all_projects,
        } => {
            let mut body = ClientRestore::builder();
            if all_projects {
                body = body.restore_all_projects(Some(true));
            }
            if !projects.is_empty() {
                let ids = projects
                    .into_iter()
                    .map(non_zero)
                    .collect::<Result<Vec<_>, _>>()?;
                body = body.projects(ids);
            }
            let client = api
                .restore_client()
                .workspace_id(ws)
                .client_id(non_zero(id)?)
                .body(body)
                .send()
                .await?;
            output::quota(&client);
            output::clients(out, std::slice::from_ref(&client), true)
        }
        Command::Demo => {
            match &session.mock {
                Some(mock) => println!(
                    "Walking through every operation on a local mock service at {}.",
                    mock.base_url()
                ),
                None => println!("Walking through every operation on workspace {ws}."),
            }
            demo::walk(api, ws, &mut |line| println!("  {line}")).await?;
            println!("All seven operations done.");
            Ok(())
        }
        Command::Completions { .. } => Ok(()),
    }
}
