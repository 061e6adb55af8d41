//! The command line: global options and one subcommand per operation,
//! declared once with clap. Values are checked here, so a bad flag is a
//! usage error (exit 2) before anything is sent.

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the service refused the request (invalid name, paid plan needed, ...)
  2  usage error (a bad flag, value or input file)
  3  authentication failed (no or wrong credentials, no access to the workspace)
  4  not found
  5  the hourly quota is used up (or would be by the plan), or the rate limit was hit
  6  server error or network failure (timeout, connection, undecodable or oversized answer)";

const EXAMPLES: &str = "\
Examples:
  toggl-clients demo                          walk through every operation on a local mock
  toggl-clients --mock list --status both     list the mock's demo clients
  export TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=1234567
  toggl-clients list --name acme              clients whose name contains \"acme\"
  toggl-clients list --max-age 10m            from the local cache when it is fresh enough
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

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// API token (from your Toggl profile page).
    #[arg(long, env = "TOGGL_API_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Sign in with email and password instead of a token; the password comes
    /// from TOGGL_PASSWORD or is asked for on the terminal.
    #[arg(long, env = "TOGGL_EMAIL", global = true, conflicts_with = "token")]
    pub email: Option<String>,
    /// Workspace id.
    #[arg(long, short = 'w', env = "TOGGL_WORKSPACE_ID", global = true, value_parser = id)]
    pub workspace: Option<NonZeroU64>,
    /// Another server, e.g. http://127.0.0.1:8080/api/v9.
    #[arg(long, env = "TOGGL_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Run against a local mock service started for this command, with a demo workspace.
    #[arg(long, global = true, conflicts_with = "base_url")]
    pub mock: bool,
    /// Seed file for --mock (users, workspaces, clients, projects).
    #[arg(long, global = true, requires = "mock")]
    pub mock_seed: Option<PathBuf>,
    /// How to print results.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table, global = true)]
    pub output: Output,
    /// Keep to one request a second, as Toggl advises.
    #[arg(long, global = true)]
    pub pace: bool,
    /// The most one command may wait for the service, retries included
    /// (e.g. 30s, 2m).
    #[arg(long, global = true, value_parser = duration, default_value = "30s")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// An aligned table.
    Table,
    /// One JSON document.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Status {
    Active,
    Archived,
    Both,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List clients (active ones unless --status says otherwise).
    List(ListArgs),
    /// Show one client.
    Get {
        #[arg(value_parser = id)]
        id: NonZeroU64,
        /// Answer from the local cache when it holds the client and is
        /// younger than this (e.g. 10m); no request at all.
        #[arg(long, value_parser = duration)]
        max_age: Option<Duration>,
    },
    /// Create a client.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        external_reference: Option<String>,
        /// Return the client with this name (any case) if there is one,
        /// instead of failing; create it otherwise.
        #[arg(long)]
        if_missing: bool,
    },
    /// Change a client's name, notes or external reference.
    Update {
        #[arg(value_parser = id)]
        id: NonZeroU64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        external_reference: Option<String>,
    },
    /// Delete clients for good (several at once: all or none).
    Delete {
        #[arg(required = true, num_args = 1.., value_parser = id)]
        ids: Vec<NonZeroU64>,
    },
    /// Archive clients and their projects (paid workspaces only; several at
    /// once: all or none).
    Archive {
        #[arg(required = true, num_args = 1.., value_parser = id)]
        ids: Vec<NonZeroU64>,
    },
    /// Restore an archived client, with all or some of its projects.
    Restore {
        #[arg(value_parser = id)]
        id: NonZeroU64,
        /// A project to restore with it (repeat for more).
        #[arg(long = "project", value_name = "PROJECT_ID", value_parser = id)]
        projects: Vec<NonZeroU64>,
        /// Restore every project of the client.
        #[arg(long, conflicts_with = "projects")]
        all_projects: bool,
    },
    /// Make the workspace's clients match a CSV or JSON file in the shape
    /// `list --output csv|json` prints: prints the plan and its request
    /// cost first, then carries it out with the fewest requests.
    Apply {
        /// The file (CSV with a header row, or a JSON array); `-` for stdin.
        file: PathBuf,
        /// Print the plan and its cost; send nothing but the reads.
        #[arg(long)]
        dry_run: bool,
        /// Also delete the clients the file does not list.
        #[arg(long)]
        prune: bool,
    },
    /// The hourly quotas as the service last reported them, at no cost.
    Quota {
        /// Ask the service instead (one request, the cheapest there is).
        #[arg(long)]
        refresh: bool,
    },
    /// Walk through all seven operations with a client of its own (on a
    /// local mock unless credentials or --base-url are given).
    Demo,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[arg(long, value_enum)]
    pub status: Option<Status>,
    /// Only clients whose name contains this text (any case).
    #[arg(long)]
    pub name: Option<String>,
    /// Only clients created, changed or deleted since this time (UNIX
    /// seconds or RFC 3339), archived or not; deleted ones show as such.
    /// Toggl keeps about three months of changes.
    #[arg(long, conflicts_with = "status", value_parser = parse_since)]
    pub since: Option<i64>,
    /// Fetch the list a page at a time, this many clients a page (one
    /// request a page).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "since")]
    pub page_size: Option<u64>,
    /// Answer from the local cache when it is younger than this (e.g. 10m);
    /// no request at all.
    #[arg(long, value_parser = duration)]
    pub max_age: Option<Duration>,
}

/// An id: a whole number of 1 or more.
fn id(text: &str) -> Result<NonZeroU64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("ids start at 1".into()),
        Ok(n) => NonZeroU64::new(n).ok_or_else(|| "ids start at 1".into()),
        Err(_) => Err(format!(
            "{text:?} is not an id (a whole number of 1 or more)"
        )),
    }
}

/// A duration such as `30s`, `10m` or `1h 30m`.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e}; write it like 30s, 10m or 1h"))
}

/// `--since`: UNIX seconds, or an RFC 3339 time.
fn parse_since(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds >= 0 {
            Ok(seconds)
        } else {
            Err("a time before 1970".into())
        };
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| {
            "expected UNIX seconds or an RFC 3339 time such as 2026-11-27T09:00:00Z".into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn ids_and_durations_are_read_in_plain_words() {
        assert_eq!(id("0"), Err("ids start at 1".to_owned()));
        assert!(id("x").is_err_and(|e| e.contains("not an id")));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(duration("soon").is_err());
    }
}
