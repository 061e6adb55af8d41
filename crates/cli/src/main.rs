//! `toggl-clients`: list, create, change, archive, restore and delete the
//! clients of a Toggl Track workspace, keep them in line with a file, and
//! watch the hourly quota, from the command line. One module per command,
//! each with its arguments and its `run`; everything about the service
//! itself comes from the `toggl-track-api` library.

mod args;
mod cmd_apply;
mod cmd_archive;
mod cmd_auth;
mod cmd_completions;
mod cmd_config;
mod cmd_create;
mod cmd_delete;
mod cmd_demo;
mod cmd_get;
mod cmd_list;
mod cmd_login;
mod cmd_logout;
mod cmd_man;
mod cmd_quota;
mod cmd_restore;
mod cmd_sync;
mod cmd_update;
mod cmd_workspaces;
mod commands;
mod config;
mod confirm;
mod credential_store;
mod failure;
mod mirror;
mod output;
mod private;
mod profile;
mod progress;
mod session;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use commands::{Cli, Command};
use failure::Failure;
use toggl_track_api::record::Recorder;

fn main() -> ExitCode {
    // A write past the file-size limit (`ulimit -f`) is an error the
    // mirror reports (exit 9), not a signal that kills the process midway.
    #[cfg(unix)]
    // SAFETY: ignoring a signal before any thread starts has no
    // preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    if let Command::Completions(completions) = cli.command {
        return finish(completions.run(Cli::command()));
    }
    if let Command::Man(man) = cli.command {
        return finish(man.run(Cli::command()));
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
    finish(result)
}

/// The exit code of an outcome, its one line said.
fn finish(result: Result<(), Failure>) -> ExitCode {
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
    let Cli {
        mut global,
        command,
    } = cli;
    let chosen = profile::Chosen::load(&global)?;
    if command.takes_the_profile() {
        chosen.must_exist()?;
        profile::fill(&mut global, &chosen.profile())?;
    }
    let command = match command.run_alone(&mut global, chosen).await {
        Ok(command) => command,
        Err(outcome) => return outcome,
    };
    let g = &global;
    let mut session = session::connect(g, command.needs()).await?;
    let result = tokio::select! {
        result = command.run(&mut session, g.output()) => result,
        _ = tokio::signal::ctrl_c() => Err(interrupted()),
    };
    let result = result
        .map_err(|f| handing_over(f, session.recorder.as_ref()))
        .map_err(|f| failure::credentials_advice(f, g))
        .map_err(|f| failure::base_url_advice(f, g));
    // A failure that names the file has said it already.
    if let Some(recorder) = &session.recorder
        && !result.as_ref().is_err_and(|f| f.unreadable_answer)
    {
        recorder_summary(recorder);
    }
    output::quota_line(&session.client);
    // What the service said of the quotas, for `quota` at no cost later.
    // Not into a mirror that has just failed the command: its one line
    // said so already.
    let learned = session.client.quota();
    if learned != Default::default()
        && !result.as_ref().is_err_and(Failure::about_the_mirror)
        && let Some(mirror) = session.mirror_if_usable()
        && let Err(why) = mirror.record_quotas(&learned)
    {
        eprintln!("warning: the quotas were not kept: {why}");
    }
    result
}

/// Ctrl-C: the command's future is dropped where it was. Every write it
/// finished is on the service, and the mirror's open transaction rolls
/// back, so running the same command again picks up from there.
fn interrupted() -> Failure {
    let left = progress::job_left();
    let at = if left.is_empty() {
        String::new()
    } else {
        format!(" with {left} (the one under way may have landed)")
    };
    Failure::new(
        failure::INTERRUPTED,
        format!(
            "interrupted{at}: what was finished stays done (changes already sent are on the service; the mirror keeps each workspace it finished); the same command finishes the job"
        ),
    )
}

/// A failure whose answer the tool could not read, with how to hand the
/// exchange over.
fn handing_over(f: Failure, recorder: Option<&Recorder>) -> Failure {
    if !f.unreadable_answer {
        return f;
    }
    let how = match recorder.filter(|r| r.kept() > 0) {
        Some(r) => format!(
            "the exchange is saved in {} (secrets stripped): attach it to a report; maintainers import it with `cargo xtask recordings import {}`",
            r.path().display(),
            r.path().display()
        ),
        None => "run the command again with `--record answer.har` to save the exchange (secrets stripped), and attach the file to a report".to_owned(),
    };
    Failure {
        message: format!("{}; {how}", f.message),
        ..f
    }
}

/// What `--record` kept, or why it could not write it.
fn recorder_summary(recorder: &Recorder) {
    if let Some(e) = recorder.write_error() {
        eprintln!(
            "warning: the recording {} could not be written: {e}",
            recorder.path().display()
        );
    } else if recorder.kept() > 0 {
        eprintln!(
            "saved {} exchange(s) to {}",
            recorder.kept(),
            recorder.path().display()
        );
    }
}
