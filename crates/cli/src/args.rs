//! The options every command shares, and the parsers of values that
//! several commands take. Values are checked while parsing, so a bad flag is
//! a usage error (exit 2) before anything is sent.

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use toggl_track_api::types::ClientStatus;

#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// API token (from your Toggl profile page). Prefer TOGGL_API_TOKEN or
    /// --token-file: a token on the command line shows in the process list
    /// (to every user of the machine) and in shell history.
    #[arg(long, env = "TOGGL_API_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Read the API token from this file (its first line); the file must be
    /// readable by its owner only (chmod 600), as ssh asks of a key. Wins
    /// over TOGGL_API_TOKEN.
    #[arg(long, value_name = "PATH", global = true, conflicts_with = "email")]
    pub token_file: Option<PathBuf>,
    /// Sign in with email and password instead of a token; the password comes
    /// from TOGGL_PASSWORD or is asked for on the terminal.
    #[arg(long, env = "TOGGL_EMAIL", global = true, conflicts_with = "token")]
    pub email: Option<String>,
    /// Workspace id.
    #[arg(long, short = 'w', env = "TOGGL_WORKSPACE_ID", global = true, value_parser = id)]
    pub workspace: Option<NonZeroU64>,
    /// Another server, e.g. http://127.0.0.1:8080/api/v9 (plain http:// only
    /// for this machine, unless --allow-insecure-http).
    #[arg(long, env = "TOGGL_BASE_URL", global = true, value_parser = base_url)]
    pub base_url: Option<String>,
    /// Send the credentials over plain http:// to a host other than this
    /// machine (a proxy that needs it); anyone on the path can read them.
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// Run against a local service started for this command, with a demo
    /// workspace (`--mock` is an older name for it).
    #[arg(long, global = true, conflicts_with = "base_url", alias = "mock")]
    pub local_service: bool,
    /// Seed file for --local-service (users, workspaces, clients, projects).
    #[arg(long, global = true, requires = "local_service", alias = "mock-seed")]
    pub seed: Option<PathBuf>,
    /// How to print results [default: table, or the profile's].
    #[arg(long, short = 'o', value_enum, global = true)]
    pub output: Option<Output>,
    /// Keep to one request a second, as Toggl advises.
    #[arg(long, global = true)]
    pub pace: bool,
    /// Leave this many requests of each hourly quota for other tools: a
    /// command that would dip into them stops first (exit 5) [default: 0,
    /// or the profile's].
    #[arg(
        long,
        global = true,
        value_name = "N",
        env = "TOGGL_CLIENTS_QUOTA_RESERVE"
    )]
    pub quota_reserve: Option<u64>,
    /// The most one operation may wait for the service, retries included
    /// (e.g. 30s, 2m) [default: 30s, or the profile's].
    #[arg(long, global = true, value_parser = duration)]
    pub timeout: Option<Duration>,
    /// Save the exchanges that fail (an answer the tool cannot read
    /// included) to this HAR file, with every secret stripped: to attach
    /// to a report.
    #[arg(
        long,
        global = true,
        value_name = "FILE.har",
        env = "TOGGL_CLIENTS_RECORD"
    )]
    pub record: Option<PathBuf>,
    /// With --record, save every exchange, not only the failing ones.
    #[arg(long, global = true, requires = "record")]
    pub record_all: bool,
    /// The mirror's file (SQLite), for `sync` and every read that answers
    /// from it; by default one per service and user in the user's data
    /// folder.
    #[arg(long, global = true, value_name = "PATH", env = "TOGGL_CLIENTS_DB")]
    pub db: Option<PathBuf>,
    /// The profile to run as: an account and its settings, made by
    /// `login` and `config set` [default: default].
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "TOGGL_CLIENTS_PROFILE"
    )]
    pub profile: Option<String>,
    /// The profile's workspace, used when none is named.
    #[arg(skip)]
    pub profile_workspace: Option<u64>,
    /// Where the profile's login keeps its token.
    #[arg(skip)]
    pub login_token: Option<crate::credential_store::Place>,
    /// The Toggl user the profile's login checked the token to be.
    #[arg(skip)]
    pub login_user: Option<u64>,
    /// The service the profile's login is for.
    #[arg(skip)]
    pub login_service: Option<String>,
}

impl Global {
    /// How to print results: the flag, the profile's, or a table.
    pub(crate) fn output(&self) -> Output {
        self.output.unwrap_or(Output::Table)
    }

    /// The deadline of one operation: the flag, the profile's, or 30 s.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// How long one operation may take when nothing says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// An aligned table.
    Table,
    /// One JSON document.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// A client's archive state, as the list filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Status {
    /// Clients in use.
    Active,
    /// Archived clients.
    Archived,
    /// Active and archived clients.
    Both,
}

impl From<Status> for ClientStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => ClientStatus::Active,
            Status::Archived => ClientStatus::Archived,
            Status::Both => ClientStatus::Both,
        }
    }
}

/// An id: a whole number of 1 or more.
pub(crate) fn id(text: &str) -> Result<NonZeroU64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("ids start at 1".into()),
        Ok(n) => NonZeroU64::new(n).ok_or_else(|| "ids start at 1".into()),
        Err(_) => Err(format!(
            "{text:?} is not an id (a whole number of 1 or more)"
        )),
    }
}

/// An output format, as `--output` takes it.
pub(crate) fn output(text: &str) -> Result<Output, String> {
    Output::from_str(text, true).map_err(|_| format!("{text:?}: write table, json or csv"))
}

/// A service's base URL: http(s), with the API's path.
pub(crate) fn base_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let Some((scheme, rest)) = text.split_once("://") else {
        let local = ["localhost", "127.", "[::1]"]
            .iter()
            .any(|host| text.starts_with(host));
        let scheme = if local { "http" } else { "https" };
        let path = if text.trim_end_matches('/').ends_with("/api/v9") {
            ""
        } else {
            "/api/v9"
        };
        return Err(format!(
            "{text:?} has no scheme: write {scheme}://{}{path}",
            text.trim_end_matches('/')
        ));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || rest.is_empty() {
        return Err(format!("{text:?}: write an https:// (or http://) address"));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// Toggl's limit on client names, in bytes of UTF-8.
pub(crate) const MAX_NAME_BYTES: usize = 255;

/// A client name the service would take: not empty or blank, at most
/// [`MAX_NAME_BYTES`] long (trimmed, as the service counts it). Checked
/// before anything is sent, by every command that takes one.
pub(crate) fn client_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("the name is empty".to_owned());
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "the name is {} bytes long; Toggl allows {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    Ok(text.to_owned())
}

/// A duration such as `30s`, `10m` or `1h 30m`.
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e}; write it like 30s, 10m or 1h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_without_a_scheme_says_what_to_write() {
        assert_eq!(
            base_url("127.0.0.1:40003"),
            Err(
                "\"127.0.0.1:40003\" has no scheme: write http://127.0.0.1:40003/api/v9".to_owned()
            )
        );
        assert!(
            base_url("proxy.example.com/api/v9")
                .is_err_and(|e| e.ends_with("write https://proxy.example.com/api/v9"))
        );
        assert_eq!(
            base_url("https://x.example/api/v9/"),
            Ok("https://x.example/api/v9".to_owned())
        );
    }

    #[test]
    fn names_the_service_would_refuse_are_refused_first() {
        assert_eq!(client_name(""), Err("the name is empty".to_owned()));
        assert_eq!(client_name("   "), Err("the name is empty".to_owned()));
        assert!(client_name(&"x".repeat(256)).is_err_and(|e| e.contains("256 bytes")));
        assert_eq!(client_name(&"x".repeat(255)), Ok("x".repeat(255)));
    }

    #[test]
    fn ids_and_durations_are_read_in_plain_words() {
        assert_eq!(id("0"), Err("ids start at 1".to_owned()));
        assert!(id("x").is_err_and(|e| e.contains("not an id")));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(duration("soon").is_err());
    }
}
