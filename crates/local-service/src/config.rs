//! What a service starts with: users, workspaces, seed data and limits.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// A user who may sign in, with an API token or email and password.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: u64,
    pub email: String,
    pub password: String,
    pub api_token: String,
    /// Workspaces the user is a member of.
    pub workspaces: Vec<u64>,
}

/// A workspace; only premium ones may archive clients.
#[derive(Debug, Clone, Deserialize)]
pub struct Workspace {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub premium: bool,
    /// The organization it belongs to: its members' requests to it count
    /// against their quota in that organization. Workspaces that name none
    /// share [`DEFAULT_ORGANIZATION`].
    #[serde(default = "default_organization")]
    pub organization_id: u64,
}

fn default_organization() -> u64 {
    DEFAULT_ORGANIZATION
}

/// The organization of workspaces that name none (the demo's).
pub const DEFAULT_ORGANIZATION: u64 = 9000001;

/// A client present when the service starts.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedClient {
    pub id: u64,
    pub wid: u64,
    pub name: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub external_reference: Option<String>,
    pub creator_id: u64,
    /// When it was last changed (RFC 3339); the service's start when left
    /// out.
    #[serde(default)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A project of a client: the part of projects that archiving and restoring
/// a client touches.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedProject {
    pub id: u64,
    pub wid: u64,
    pub client_id: u64,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Users, workspaces, clients and projects, as read from a seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub users: Vec<User>,
    pub workspaces: Vec<Workspace>,
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    #[serde(default)]
    pub projects: Vec<SeedProject>,
}

/// A rate limit: `per_second` requests a second per user, with bursts of
/// `burst`; its 429 carries `Retry-After: retry_after` only when that is set
/// (no recording shows Toggl sending one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
    pub retry_after: Option<u64>,
}

/// Everything a service starts with.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: Seed,
    /// The longest client name, in bytes of UTF-8 (the real service: 255).
    pub max_name_bytes: usize,
    /// Requests per user per sliding hour for workspace operations (the
    /// organization quota); `None` for no quota. Without a quota, responses
    /// report a full window of [`NOTIONAL_QUOTA`].
    pub hourly_quota: Option<u32>,
    /// Requests per user per sliding hour for `/me` operations (Toggl: 30
    /// on every plan); `None` for no quota.
    pub user_hourly_quota: Option<u32>,
    /// Answer 429 above this rate.
    pub rate_limit: Option<RateLimit>,
    /// How far back `since` may reach before it is refused with 400
    /// (Toggl's own tests put the cut-off between 85 and 95 days).
    pub since_max_age: Duration,
    /// The length of the quota windows: an hour, as Toggl's; shorter in
    /// tests that run a job across several windows.
    pub quota_window: Duration,
    /// Answer a list that asks for no page with its first page of this
    /// many clients, `total_count` telling how many match in all. Whether
    /// Toggl does so is not confirmed (a 2026 report says its v9 lists
    /// page by default and drop the tail in silence): this lets tests show
    /// that no reader takes one page for the whole. `None`: the whole list,
    /// as every recorded client library found.
    pub default_page_size: Option<u64>,
}

/// The quota reported when none is enforced: a Premium plan's window.
pub const NOTIONAL_QUOTA: u32 = 600;
/// The user-level quota of `/me` operations on every plan.
pub const USER_QUOTA: u32 = 30;
/// The default cut-off for `since`: 90 days.
pub const SINCE_MAX_AGE: Duration = Duration::from_secs(90 * 24 * 3600);

/// The demo seed's user, for tests and examples against [`Config::demo`].
pub mod demo {
    /// The demo user's API token (sent as `TOKEN:api_token`).
    pub const API_TOKEN: &str = "demo-api-token";
    /// The demo user's email address.
    pub const EMAIL: &str = "ada@example.com";
    /// The demo user's password.
    pub const PASSWORD: &str = "demo-password";
    /// The demo user's id.
    pub const USER_ID: u64 = 7654321;
    /// The demo user's premium workspace (it may archive).
    pub const WORKSPACE: u64 = 1234567;
    /// A free workspace the demo user also belongs to (archiving answers 402).
    pub const FREE_WORKSPACE: u64 = 2345678;
    /// Another user's token, a member of the free workspace only.
    pub const OTHER_API_TOKEN: &str = "other-api-token";
    /// A client of the premium workspace with two active projects.
    pub const CLIENT_WITH_PROJECTS: u64 = 61234001;
    /// Its projects.
    pub const PROJECTS: [u64; 2] = [201234501, 201234502];
    /// An archived client of the premium workspace.
    pub const ARCHIVED_CLIENT: u64 = 61234003;
}
/// The quota window, as Toggl's: an hour.
pub const QUOTA_WINDOW: Duration = Duration::from_secs(3600);

/// Why a seed file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{path}: cannot read the seed file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a valid seed file: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: {message}")]
    Inconsistent { path: String, message: String },
}

impl Config {
    /// A realistic demo workspace (the seed built into the service) with a
    /// Premium plan's quota of 600 requests an hour and the user-level quota
    /// of 30 an hour for `/me` operations.
    pub fn demo() -> Self {
        Self {
            hourly_quota: Some(NOTIONAL_QUOTA),
            user_hourly_quota: Some(USER_QUOTA),
            ..Self::with_seed(Seed::demo())
        }
    }

    /// A service with `seed`, the real service's rules and no quotas.
    pub fn with_seed(seed: Seed) -> Self {
        Self {
            seed,
            max_name_bytes: 255,
            hourly_quota: None,
            user_hourly_quota: None,
            rate_limit: None,
            since_max_age: SINCE_MAX_AGE,
            quota_window: QUOTA_WINDOW,
            default_page_size: None,
        }
    }

    /// Reads a seed from a JSON file.
    pub fn from_seed_file(path: &Path) -> Result<Self, SeedError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: shown.clone(),
            source,
        })?;
        let seed: Seed = serde_json::from_str(&text).map_err(|source| SeedError::Parse {
            path: shown.clone(),
            source,
        })?;
        seed.check().map_err(|message| SeedError::Inconsistent {
            path: shown,
            message,
        })?;
        Ok(Self::with_seed(seed))
    }
}

impl Seed {
    /// The demo workspace: one premium workspace with a few clients and
    /// projects, one free workspace, and a user who belongs to both.
    pub fn demo() -> Self {
        let text = include_str!("demo-seed.json");
        // The file is part of the crate and checked by a test.
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The demo users and workspaces, with the premium workspace holding
    /// `n` generated clients (ids from 80,000,000, realistic fields) and no
    /// projects: the data the benchmarks load.
    pub fn demo_with_generated_clients(n: u64) -> Self {
        let mut seed = Self::demo();
        let premium = seed
            .workspaces
            .iter()
            .find(|w| w.premium)
            .map_or(0, |w| w.id);
        let creator = seed.users.first().map_or(0, |u| u.id);
        seed.clients.retain(|c| c.wid != premium);
        seed.projects.clear();
        seed.clients.extend((0..n).map(|i| SeedClient {
            id: 80_000_000 + i,
            wid: premium,
            name: format!("Client {i:03}"),
            archived: false,
            notes: Some("Invoices go to the finance office.".into()),
            external_reference: Some(format!("CRM-{i:04}")),
            creator_id: creator,
            // Changed a day ago: a sync's margin of minutes passes them.
            at: Some(chrono::Utc::now() - chrono::Duration::days(1)),
        }));
        seed
    }

    /// Refers only to users and workspaces that exist, with unique ids.
    pub fn check(&self) -> Result<(), String> {
        let workspace_ids: std::collections::BTreeSet<u64> =
            self.workspaces.iter().map(|w| w.id).collect();
        if workspace_ids.len() != self.workspaces.len() {
            return Err("two workspaces share an id".into());
        }
        for user in &self.users {
            if let Some(w) = user.workspaces.iter().find(|w| !workspace_ids.contains(w)) {
                return Err(format!("user {} is in unknown workspace {w}", user.id));
            }
        }
        let mut client_ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for client in &self.clients {
            if !names.insert((client.wid, client.name.to_lowercase())) {
                return Err(format!(
                    "two clients of workspace {} are named {:?}; names are unique in a workspace",
                    client.wid, client.name
                ));
            }
            if !workspace_ids.contains(&client.wid) {
                return Err(format!(
                    "client {} is in unknown workspace {}",
                    client.id, client.wid
                ));
            }
            if !client_ids.insert(client.id) {
                return Err(format!("two clients share id {}", client.id));
            }
        }
        for project in &self.projects {
            if !client_ids.contains(&project.client_id) {
                return Err(format!(
                    "project {} has unknown client {}",
                    project.id, project.client_id
                ));
            }
        }
        Ok(())
    }
}
