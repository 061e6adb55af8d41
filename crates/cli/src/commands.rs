//! The command line: the global options and one subcommand per command,
//! whose arguments and `run` live together in the command's own module
//! (`cmd_*.rs`).

use clap::{Parser, Subcommand};

use crate::args::{Global, Output};
use crate::failure::Failure;
use crate::profile::Chosen;
use crate::session::{Needs, Session};
use crate::{
    cmd_apply, cmd_archive, cmd_auth, cmd_completions, cmd_config, cmd_create, cmd_delete,
    cmd_demo, cmd_get, cmd_list, cmd_login, cmd_logout, cmd_man, cmd_quota, cmd_restore, cmd_sync,
    cmd_update, cmd_workspaces,
};

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the service refused the request (invalid name, paid plan needed, ...)
  2  usage error (a bad flag, value or input file; a mirror that does not hold the workspace)
  3  authentication failed (no or wrong credentials, no access to the workspace)
  4  not found
  5  the hourly quota is used up (or would be by the plan), or the rate limit was hit
  6  server error or network failure (timeout, connection, oversized answer), or an answer
     that does not fit the spec or a list that does not add up (save it with --record FILE.har)
  7  the mirror is busy: another run held it past the wait (TOGGL_CLIENTS_DB_WAIT)
  8  the mirror cannot be written: the file or its folder is read-only
  9  the mirror cannot grow: the disk is full, or the file-size limit is reached
  10 the mirror was made by a newer toggl-clients
  11 the file is not a mirror this tool may use: not SQLite, another program's, damaged,
     or another user's or service's
  130 interrupted (Ctrl-C): what was finished stays done; the same command finishes the job";

const EXAMPLES: &str = "\
Examples:
  toggl-clients demo                          walk through every operation on a local service
  toggl-clients --local-service list --status both   the local service's demo clients
  toggl-clients login                         keep your token in the credential store, once
  toggl-clients auth status                   who you are, where the token is, no request
  toggl-clients list --name acme              clients whose name contains \"acme\"
  toggl-clients sync                          mirror every workspace you have; later, one request
  toggl-clients list --offline                from the mirror, no request
  toggl-clients list --max-age 10m            from the mirror when it is fresh enough
  toggl-clients create --name \"Acme Corp\" --if-missing
  toggl-clients -o csv list --status both > clients.csv   (edit, then:)
  toggl-clients apply clients.csv --dry-run   the plan and its cost, nothing sent
  toggl-clients quota                         the quota left, at no cost
  toggl-clients restore 61234001 --all-projects";

/// Manage the clients of a Toggl Track workspace.
#[derive(Debug, Parser)]
#[command(name = "toggl-clients", version, after_help = format!("{EXAMPLES}\n\n{EXIT_CODES}"))]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List clients (active ones unless --status says otherwise).
    List(cmd_list::List),
    /// Show one client.
    Get(cmd_get::Get),
    /// Create a client.
    Create(cmd_create::Create),
    /// Change a client's name, notes or external reference.
    Update(cmd_update::Update),
    /// Delete clients for good (several at once: all or none).
    Delete(cmd_delete::Delete),
    /// Archive clients and their projects (paid workspaces only; several at
    /// once: all or none).
    Archive(cmd_archive::Archive),
    /// Restore an archived client, with all or some of its projects.
    Restore(cmd_restore::Restore),
    /// Make the workspace's clients match a CSV or JSON file in the shape
    /// `list --output csv|json` prints: prints the plan and its request
    /// cost first, then carries it out with the fewest requests.
    Apply(cmd_apply::Apply),
    /// The hourly quotas as the service last reported them, at no cost.
    Quota(cmd_quota::Quota),
    /// Keep the mirror current: the first time a full read of each of your
    /// workspaces (or those named), then one request for the changes of all
    /// of them (created, changed, archived, deleted), from the user-level
    /// quota. A workspace you lost leaves the mirror.
    Sync(cmd_sync::Sync),
    /// The workspaces you have, with their ids: one request (user-level
    /// quota), or none with --offline.
    Workspaces(cmd_workspaces::Workspaces),
    /// Walk through all seven operations with a client of its own (on a
    /// local service unless credentials or --base-url are given).
    Demo(cmd_demo::Demo),
    /// Check an API token, keep it in the platform's credential store
    /// (or a private file), and make the profile that account's.
    Login(cmd_login::Login),
    /// Remove the token `login` kept for the profile.
    Logout(cmd_logout::Logout),
    /// Who each profile is and where its token is kept.
    Auth(cmd_auth::Auth),
    /// Read and change a profile's settings in the config file.
    Config(cmd_config::Config),
    /// Write the manual pages of every command to a folder.
    Man(cmd_man::Man),
    /// Print the shell completion script (bash, zsh, fish, powershell,
    /// elvish).
    Completions(cmd_completions::Completions),
}

impl Command {
    /// What the command needs of its session.
    pub(crate) fn needs(&self) -> Needs {
        Needs {
            demo: matches!(self, Self::Demo(_)),
            quota_wait: matches!(self, Self::Apply(a) if a.waits()),
        }
    }

    /// Whether the command reads the profile's settings into the global
    /// options and runs in a session (the account commands handle the
    /// profile themselves; the demo stays on its local service).
    pub(crate) fn takes_the_profile(&self) -> bool {
        !matches!(
            self,
            Self::Login(_) | Self::Logout(_) | Self::Auth(_) | Self::Config(_) | Self::Demo(_)
        )
    }

    /// Runs a command that needs no session (`Err` with its outcome), or
    /// gives the command back for [`Command::run`].
    pub(crate) async fn run_alone(
        self,
        g: &mut Global,
        chosen: Chosen,
    ) -> Result<Self, Result<(), Failure>> {
        match self {
            Self::Login(c) => Err(c.run(std::mem::take(g), chosen).await),
            Self::Logout(c) => Err(c.run(chosen)),
            Self::Auth(c) => Err(c.run(g, chosen).await),
            Self::Config(c) => Err(c.run(chosen, g.output())),
            other => Ok(other),
        }
    }

    /// Runs the command in a session.
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        match self {
            Self::List(c) => c.run(s, out).await,
            Self::Get(c) => c.run(s, out).await,
            Self::Create(c) => c.run(s, out).await,
            Self::Update(c) => c.run(s, out).await,
            Self::Delete(c) => c.run(s, out).await,
            Self::Archive(c) => c.run(s, out).await,
            Self::Restore(c) => c.run(s, out).await,
            Self::Apply(c) => c.run(s, out).await,
            Self::Quota(c) => c.run(s, out).await,
            Self::Sync(c) => c.run(s, out).await,
            Self::Workspaces(c) => c.run(s, out).await,
            Self::Demo(c) => c.run(s).await,
            // Answered before any session is made.
            Self::Completions(_)
            | Self::Man(_)
            | Self::Login(_)
            | Self::Logout(_)
            | Self::Auth(_)
            | Self::Config(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use crate::cmd_man::{pages, stale};
    use clap::CommandFactory;
    use std::path::PathBuf;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    fn kept_pages() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("man/man1")
    }

    #[test]
    fn the_kept_manual_pages_are_fresh() {
        let stale = stale(&pages(Cli::command()), &kept_pages());
        assert!(
            stale.is_empty(),
            "stale manual pages in crates/cli/man/man1: {stale:?}; run `cargo xtask man`"
        );
    }

    #[test]
    fn a_changed_flag_makes_its_page_stale() {
        let changed = Cli::command().mut_subcommand("sync", |s| {
            s.mut_arg("full", |a| {
                a.help("Read everything again (a changed help text).")
            })
        });
        assert_eq!(
            stale(&pages(changed), &kept_pages()),
            ["toggl-clients-sync.1"]
        );
    }
}
