//! Every page of a workspace's client list, without the caller writing the
//! loop: one request a page, stopping at the last one.

use std::collections::HashSet;
use std::num::NonZeroU64;

use super::names::ClientFilter;
use crate::meta::ResponseMeta;
use crate::types::{ClientStatus, TrackClient};
use crate::{Client, Error};

/// The page size [`AllClients`] asks for unless told otherwise: the size
/// Toggl's web app uses. The service's largest page is not known; a smaller
/// page than asked for costs requests, never clients.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Every client that matches, gathered page by page.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Listing {
    /// The clients, in the service's order.
    pub clients: Vec<TrackClient>,
    /// Pages read.
    pub pages: u32,
    /// Requests spent: one a page, and every retry.
    pub requests: u32,
    /// Status, request id and quota of the last page's response.
    pub meta: ResponseMeta,
}

/// A request for every page of the list; made by [`Client::list_all_clients`].
#[derive(Debug)]
#[must_use = "nothing is sent until `send` is called"]
pub struct AllClients<'a> {
    client: &'a Client,
    workspace_id: Option<u64>,
    status: Option<ClientStatus>,
    name: Option<String>,
    per_page: u64,
}

impl Client {
    /// Lists every client that matches, a page at a time, and stops at the
    /// last page: one request a page, and no request for an empty page
    /// after a full one (each answer's `total_count` says when all are in).
    ///
    /// ```no_run
    /// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
    /// let all = client.list_all_clients().workspace_id(1234567u64).per_page(200).send().await?;
    /// println!("{} clients in {} requests", all.clients.len(), all.requests);
    /// # Ok(()) }
    /// ```
    pub fn list_all_clients(&self) -> AllClients<'_> {
        AllClients {
            client: self,
            workspace_id: None,
            status: None,
            name: None,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

impl AllClients<'_> {
    /// The workspace (required).
    pub fn workspace_id(mut self, id: u64) -> Self {
        self.workspace_id = Some(id);
        self
    }

    /// Which clients, by archive state (the service's default: active).
    pub fn status(mut self, status: ClientStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only clients whose name contains this text, in any case.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only the clients `filter` selects (its status and name).
    pub fn filter(mut self, filter: &ClientFilter) -> Self {
        self.status = filter.status.or(self.status);
        self.name = filter.name.clone().or(self.name);
        self
    }

    /// Clients asked for per page (default [`DEFAULT_PAGE_SIZE`]).
    pub fn per_page(mut self, n: u64) -> Self {
        self.per_page = n;
        self
    }

    /// Sends one request a page until every matching client is in.
    pub async fn send(self) -> Result<Listing, Error> {
        let workspace =
            self.workspace_id
                .and_then(NonZeroU64::new)
                .ok_or_else(|| Error::InvalidRequest {
                    parameter: Some("workspace_id".to_owned()),
                    message: "workspace_id is required and must be an id of 1 or more".to_owned(),
                })?;
        let per_page = NonZeroU64::new(self.per_page).ok_or_else(|| Error::InvalidRequest {
            parameter: Some("per_page".to_owned()),
            message: "per_page must be 1 or more".to_owned(),
        })?;
        let mut clients: Vec<TrackClient> = Vec::new();
        let mut seen = HashSet::new();
        let (mut pages, mut requests) = (0, 0);
        let mut page = NonZeroU64::MIN;
        loop {
            let mut request = self
                .client
                .list_clients()
                .workspace_id(workspace)
                .page(page)
                .per_page(per_page);
            if let Some(status) = self.status {
                request = request.status(status);
            }
            if let Some(name) = &self.name {
                request = request.name(name.clone());
            }
            let answer = request.send().await?;
            pages += 1;
            requests += answer.attempts();
            let meta = answer.meta();
            let items = answer.into_inner().0;
            let total = items
                .first()
                .and_then(|c| c.total_count)
                .and_then(|t| u64::try_from(t).ok());
            let got = items.len() as u64;
            let before = clients.len();
            clients.extend(items.into_iter().filter(|c| seen.insert(c.id)));
            let added = clients.len() - before;
            // The last page: all are in by the count, a short page, or a page
            // with nothing new (a service that ignores `page` repeats itself).
            let done = match total {
                Some(total) => clients.len() as u64 >= total,
                None => got < per_page.get(),
            } || added == 0;
            if done {
                return Ok(Listing {
                    clients,
                    pages,
                    requests,
                    meta,
                });
            }
            page = page.saturating_add(1);
        }
    }
}
