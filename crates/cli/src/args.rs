//! The command line: global options and one subcommand per operation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the service refused the request (invalid name, paid plan needed, ...)
  2  usage error (a bad flag or value)
  3  authentication failed (no or wrong credentials, no access to the workspace)
  4  not found
  5  the hourly quota is used up, or the rate limit was hit
  6  server error or network failure (timeout, connection, undecodable answer)";

const EXAMPLES: &str = "\
Examples:
  toggl-clients demo                          walk through every operation on a local mock
  toggl-clients --mock list --status both     list the mock's demo clients
  export TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=1234567
  toggl-clients list --name acme              clients whose name contains \"acme\"
  toggl-clients create --name \"Acme Corp\" --notes \"Net 30\"
  toggl-clients --output json get 61234001 | jq .name
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
    #[arg(long, short = 'w', env = "TOGGL_WORKSPACE_ID", global = true)]
    pub workspace: Option<u64>,
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
    List {
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// Only clients whose name contains this text (any case).
        #[arg(long)]
        name: Option<String>,
        /// Only clients created, changed or deleted since this time (UNIX
        /// seconds or RFC 3339), archived or not; deleted ones show as such.
        #[arg(long, conflicts_with = "status", value_parser = parse_since)]
        since: Option<i64>,
    },
    /// Show one client.
    Get { id: u64 },
    /// Create a client.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        external_reference: Option<String>,
    },
    /// Change a client's name, notes or external reference.
    Update {
        id: u64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        external_reference: Option<String>,
    },
    /// Delete clients for good (several at once: all or none).
    Delete {
        #[arg(required = true, num_args = 1..)]
        ids: Vec<u64>,
    },
    /// Archive clients and their projects (paid workspaces only; several at
    /// once: all or none).
    Archive {
        #[arg(required = true, num_args = 1..)]
        ids: Vec<u64>,
    },
    /// Restore an archived client, with all or some of its projects.
    Restore {
        id: u64,
        /// A project to restore with it (repeat for more).
        #[arg(long = "project", value_name = "PROJECT_ID")]
        projects: Vec<u64>,
        /// Restore every project of the client.
        #[arg(long, conflicts_with = "projects")]
        all_projects: bool,
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
