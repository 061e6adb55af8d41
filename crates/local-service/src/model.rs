//! The service's own models, written by hand from the spec (not taken from
//! the generated client), so that a mistake in either is caught by the
//! other. schemars derives their JSON Schemas, which a test compares with
//! the spec's component schemas.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A client as the service answers it. Empty optional fields are left out,
/// as the real service does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrackClient {
    pub id: u64,
    pub wid: u64,
    pub name: String,
    pub archived: bool,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_ext_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_ext_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<ClientPermissions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_deleted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
}

/// The signed-in user, as `GET /me` answers (the part the spec names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Me {
    /// Toggl's id of the user.
    pub id: u64,
    pub email: Option<String>,
    pub fullname: Option<String>,
    pub default_workspace_id: Option<u64>,
    /// The user's API token, whatever credential the request carried, as
    /// Toggl's reference page for `/me` lists it (likely: no recording
    /// shows it).
    /// Sent when there is one, never as `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub api_token: Option<String>,
}

/// A workspace of the user, as `GET /me/workspaces` answers each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserWorkspace {
    pub id: u64,
    pub name: Option<String>,
    pub organization_id: Option<u64>,
    pub premium: Option<bool>,
}

/// One hourly quota window, as `GET /me/quota` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiQuota {
    /// The organization whose quota it is; `None` (sent as `null`) for the
    /// user-level quota of the `/me` endpoints.
    pub organization_id: Option<u64>,
    /// Requests left in the window (Toggl's may be negative while a quota
    /// is not enforced; this service enforces its quotas).
    pub remaining: i64,
    /// Seconds until the window starts afresh.
    pub resets_in_secs: u64,
    /// Requests the window allows.
    pub total: u64,
}

impl TrackClient {
    /// A client as it is stored: the fields a create sets, and nothing the
    /// service adds per answer (`permissions`, `total_count`).
    pub fn new(
        id: u64,
        wid: u64,
        name: String,
        creator_id: u64,
        notes: Option<String>,
        external_reference: Option<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            wid,
            name,
            archived: false,
            at,
            creator_id: Some(creator_id),
            notes: notes.filter(|n| !n.is_empty()),
            external_reference: external_reference.filter(|r| !r.is_empty()),
            integration_provider: None,
            integration_ext_id: None,
            integration_ext_type: None,
            permissions: None,
            server_deleted_at: None,
            total_count: None,
        }
    }
}

/// The body of a request for clients by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientsByIds {
    pub client_ids: Vec<u64>,
}

/// One entry of a bulk archive's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArchivedClients {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ids: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_ids: Option<Vec<u64>>,
}

/// Older answers send one string, newer ones an array (listed first, in
/// the spec's order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ClientPermissions {
    Many(Vec<String>),
    One(String),
}

/// The body of a create request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientCreate {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
}

/// The body of an update request; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
}

/// The optional body of a restore request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientRestore {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_all_projects: Option<bool>,
}

/// The `status` filter of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClientStatus {
    #[default]
    Active,
    Archived,
    Both,
}

impl ClientStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    pub fn admits(self, archived: bool) -> bool {
        match self {
            Self::Active => !archived,
            Self::Archived => archived,
            Self::Both => true,
        }
    }
}
