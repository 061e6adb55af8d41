//! `toggl-clients`: list, create, change, archive, restore and delete the
//! clients of a Toggl Track workspace, keep them in line with a file, and
//! watch the hourly quota, from the command line.

mod apply;
mod args;
mod cache;
mod commands;
mod demo;
mod failure;
mod output;
mod progress;
mod session;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use toggl_track_api::types::{ClientCreate, ClientUpdate};

use args::{Cli, Command};
use failure::Failure;

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
    let result = runtime.block_on(run(cli));
    progress::finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Connects, runs the command, and records what the service said about the
/// quota, whatever the outcome.
async fn run(cli: Cli) -> Result<(), Failure> {
    let g = &cli.global;
    let mut session = session::connect(g, matches!(cli.command, Command::Demo)).await?;
    let out = g.output;
    let s = &mut session;
    let result = match cli.command {
        Command::List(args) => commands::list(s, out, args).await,
        Command::Get { id, max_age } => commands::get(s, out, id, max_age).await,
        Command::Create {
            name,
            notes,
            external_reference,
            if_missing,
        } => {
            let body = ClientCreate {
                name,
                notes,
                external_reference,
            };
            commands::create(s, out, body, if_missing).await
        }
        Command::Update {
            id,
            name,
            notes,
            external_reference,
        } => {
            let body = ClientUpdate {
                name,
                notes,
                external_reference,
            };
            commands::update(s, out, id, body).await
        }
        Command::Delete { ids } => commands::delete(s, out, ids).await,
        Command::Archive { ids } => commands::archive(s, out, ids).await,
        Command::Restore {
            id,
            projects,
            all_projects,
        } => commands::restore(s, out, id, projects, all_projects).await,
        Command::Apply {
            file,
            dry_run,
            prune,
        } => apply::run(s, out, &file, dry_run, prune).await,
        Command::Quota { refresh } => commands::quota(s, out, refresh).await,
        Command::Demo => demo::run(s).await,
        Command::Completions { .. } => Ok(()),
    };
    output::quota_line(&session.client);
    if let Some(cache) = &mut session.cache {
        cache.record_quotas(&session.client.quota());
        if let Err(e) = cache.save() {
            eprintln!("warning: the local cache was not saved: {e}");
        }
    }
    result
}
