//! A minimal hand-written client for Toggl's clients endpoints: what a user
//! would write with reqwest and serde instead of depending on the generated
//! crate. It exists to be compiled, as the floor of the build-cost benchmark.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A client (customer) of a workspace.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TrackClient {
    pub id: u64,
    pub wid: u64,
    pub name: String,
    pub archived: bool,
    pub at: DateTime<Utc>,
    pub creator_id: u64,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub external_reference: Option<String>,
    #[serde(default)]
    pub integration_provider: Option<String>,
    #[serde(default)]
    pub integration_ext_id: Option<String>,
    #[serde(default)]
    pub integration_ext_type: Option<String>,
    #[serde(default)]
    pub permissions: Option<Permissions>,
    #[serde(default)]
    pub server_deleted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub total_count: Option<i64>,
}

/// What the user may do with a client: one string or several.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Permissions {
    Single(Option<String>),
    List(Vec<String>),
}

/// Fields of a new or changed client.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClientFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
}

/// Which projects to restore with a client.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Restore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_all_projects: Option<bool>,
}

/// What a bulk archive archived.
#[derive(Debug, Clone, Deserialize)]
pub struct Archived {
    #[serde(default)]
    pub client_ids: Vec<u64>,
    #[serde(default)]
    pub project_ids: Vec<u64>,
}

/// A failed call: the transport, or a status with the service's message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("request failed: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("the service answered {status}: {message}")]
    Status {
        status: reqwest::StatusCode,
        message: String,
    },
}

/// The API with one set of credentials.
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: secrecy::SecretString,
}

impl Api {
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        // Without a provider feature reqwest uses the process's default.
        #[cfg(feature = "rustls-ring")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            http: reqwest::Client::new(),
            base: base.into(),
            token: secrecy::SecretString::from(token.into()),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        use secrecy::ExposeSecret;
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(self.token.expose_secret(), Some("api_token"))
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Error> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            Ok(response.json().await?)
        } else {
            let message = response.text().await.unwrap_or_default();
            Err(Error::Status { status, message })
        }
    }

    async fn send_bodiless(&self, request: reqwest::RequestBuilder) -> Result<(), Error> {
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            let message = response.text().await.unwrap_or_default();
            Err(Error::Status { status, message })
        }
    }

    pub async fn list_clients(
        &self,
        wid: u64,
        status: Option<&str>,
        name: Option<&str>,
    ) -> Result<Vec<TrackClient>, Error> {
        let mut query = Vec::new();
        if let Some(s) = status {
            query.push(("status", s));
        }
        if let Some(n) = name {
            query.push(("name", n));
        }
        let list: Option<Vec<TrackClient>> = self
            .send(
                self.request(reqwest::Method::GET, &format!("/workspaces/{wid}/clients"))
                    .query(&query),
            )
            .await?;
        Ok(list.unwrap_or_default())
    }

    pub async fn create_client(
        &self,
        wid: u64,
        fields: &ClientFields,
    ) -> Result<TrackClient, Error> {
        let path = format!("/workspaces/{wid}/clients");
        self.send(self.request(reqwest::Method::POST, &path).json(fields))
            .await
    }

    pub async fn get_client(&self, wid: u64, id: u64) -> Result<TrackClient, Error> {
        let path = format!("/workspaces/{wid}/clients/{id}");
        self.send(self.request(reqwest::Method::GET, &path)).await
    }

    pub async fn update_client(
        &self,
        wid: u64,
        id: u64,
        fields: &ClientFields,
    ) -> Result<TrackClient, Error> {
        let path = format!("/workspaces/{wid}/clients/{id}");
        self.send(self.request(reqwest::Method::PUT, &path).json(fields))
            .await
    }

    pub async fn delete_client(&self, wid: u64, id: u64) -> Result<(), Error> {
        let path = format!("/workspaces/{wid}/clients/{id}");
        self.send_bodiless(self.request(reqwest::Method::DELETE, &path))
            .await
    }

    pub async fn archive_client(&self, wid: u64, id: u64) -> Result<Vec<u64>, Error> {
        let path = format!("/workspaces/{wid}/clients/{id}/archive");
        self.send(self.request(reqwest::Method::POST, &path)).await
    }

    pub async fn restore_client(
        &self,
        wid: u64,
        id: u64,
        restore: &Restore,
    ) -> Result<TrackClient, Error> {
        let path = format!("/workspaces/{wid}/clients/{id}/restore");
        self.send(self.request(reqwest::Method::POST, &path).json(restore))
            .await
    }

    pub async fn archive_clients(&self, wid: u64, ids: &[u64]) -> Result<Vec<Archived>, Error> {
        let path = format!("/workspaces/{wid}/clients/archive");
        self.send(self.request(reqwest::Method::POST, &path).json(ids))
            .await
    }

    pub async fn delete_clients(&self, wid: u64, ids: &[u64]) -> Result<(), Error> {
        let path = format!("/workspaces/{wid}/clients/delete");
        self.send_bodiless(self.request(reqwest::Method::POST, &path).json(ids))
            .await
    }

    pub async fn clients_by_ids(&self, wid: u64, ids: &[u64]) -> Result<Vec<TrackClient>, Error> {
        let path = format!("/workspaces/{wid}/clients/data");
        self.send(self.request(reqwest::Method::POST, &path).json(ids))
            .await
    }

    pub async fn changed_clients(&self, since: i64) -> Result<Vec<TrackClient>, Error> {
        let list: Option<Vec<TrackClient>> = self
            .send(
                self.request(reqwest::Method::GET, "/me/clients")
                    .query(&[("since", since)]),
            )
            .await?;
        Ok(list.unwrap_or_default())
    }
}
