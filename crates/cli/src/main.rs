//! `toggl-clients`: list, create, change, archive, restore and delete the
//! clients of a Toggl Track workspace, keep them in line with a file, and
//! watch the hourly quota, from the command line. One module per command,
//! each with its arguments and its `run`; everything about the service
//! itself comes from the `toggl-track-api` library.

mod args;
mod cache;
mod cmd_apply;
mod cmd_archive;
mod cmd_create;
mod cmd_delete;
mod cmd_demo;
mod cmd_get;
mod cmd_list;
mod cmd_quota;
mod cmd_restore;
mod cmd_update;
mod commands;
mod failure;
mod output;
mod patience;
mod progress;
mod session;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use commands::{Cli, Command};
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
    let mut session = session::connect(g, matches!(cli.command, Command::Demo(_))).await?;
    let result = cli.command.run(&mut session, g.output).await;
    output::quota_line(&session.client);
    if let Some(cache) = &mut session.cache {
        cache.record_quotas(&session.client.quota());
        if let Err(e) = cache.save() {
            eprintln!("warning: the local cache was not saved: {e}");
        }
    }
    result
}
