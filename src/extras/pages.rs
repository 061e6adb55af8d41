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
    unpaged_first: bool,
}

impl Client {
    /// Lists every client that matches, a page at a time, and stops at the
    /// last page: one request a page, and no request for an empty page
    /// after a full one (each answer's `total_count` says when all are in).
    ///
    /// A list that does not add up (fewer clients than `total_count` once
    /// the pages run out, or a `total_count` that moved between pages) is
    /// [`Error::IncompleteList`], never a shorter list.
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
            unpaged_first: false,
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

    /// Asks first without `page` or `per_page`, as Toggl's reference page
    /// lists clients: one request when the answer is the whole list. When
    /// its `total_count` says more match (a service that pages lists by
    /// default), the rest is read a page at a time, at the size that first
    /// answer came in. The cheapest complete read whichever way the service
    /// behaves.
    pub fn unpaged_first(mut self) -> Self {
        self.unpaged_first = true;
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
        let mut per_page = NonZeroU64::new(self.per_page).ok_or_else(|| Error::InvalidRequest {
            parameter: Some("per_page".to_owned()),
            message: "per_page must be 1 or more".to_owned(),
        })?;
        let mut gathered = Gathered::default();
        // `None`: the first, unpaged request.
        let mut page = (!self.unpaged_first).then_some(NonZeroU64::MIN);
        loop {
            let mut request = self.client.list_clients().workspace_id(workspace);
            if let Some(page) = page {
                request = request.page(page).per_page(per_page);
            }
            if let Some(status) = self.status {
                request = request.status(status);
            }
            if let Some(name) = &self.name {
                request = request.name(name.clone());
            }
            let answer = request.send().await?;
            gathered.requests += answer.attempts();
            let meta = answer.meta();
            let items = answer.into_inner().0;
            let got = items.len() as u64;
            if page.is_none() {
                // The size the service pages at, if it does.
                per_page = NonZeroU64::new(got).unwrap_or(per_page);
            }
            let step = gathered.take(items);
            let short = match step.total {
                Some(_) => false,
                None => page.is_none() || got < per_page.get(),
            };
            if step.all_in || short || step.added == 0 || gathered.changed {
                return gathered.finish(meta);
            }
            page = Some(page.map_or(NonZeroU64::MIN.saturating_add(1), |p| p.saturating_add(1)));
        }
    }
}

/// The pages read so far.
#[derive(Debug, Default)]
struct Gathered {
    clients: Vec<TrackClient>,
    seen: HashSet<NonZeroU64>,
    pages: u32,
    requests: u32,
    /// The first page's `total_count`.
    total: Option<u64>,
    /// Whether a later page's `total_count` differed from the first's.
    changed: bool,
}

/// What one page added.
struct Step {
    total: Option<u64>,
    added: usize,
    all_in: bool,
}

impl Gathered {
    /// Adds a page's clients, each id once.
    fn take(&mut self, items: Vec<TrackClient>) -> Step {
        self.pages += 1;
        let total = items
            .first()
            .and_then(|c| c.total_count)
            .and_then(|t| u64::try_from(t).ok());
        match (self.total, total) {
            (None, _) => self.total = total,
            (Some(first), Some(now)) if first != now => self.changed = true,
            _ => {}
        }
        let before = self.clients.len();
        let seen = &mut self.seen;
        self.clients
            .extend(items.into_iter().filter(|c| seen.insert(c.id)));
        Step {
            total,
            added: self.clients.len() - before,
            all_in: total.is_some_and(|t| self.clients.len() as u64 >= t),
        }
    }

    /// The listing, or why it is not the whole list.
    fn finish(self, meta: ResponseMeta) -> Result<Listing, Error> {
        let got = self.clients.len() as u64;
        match self.total {
            Some(expected) if self.changed || got < expected => Err(Error::IncompleteList {
                operation: "list_clients",
                expected,
                got,
                pages: self.pages,
                changed_meanwhile: self.changed,
                attempts: self.requests,
            }),
            _ => Ok(Listing {
                clients: self.clients,
                pages: self.pages,
                requests: self.requests,
                meta,
            }),
        }
    }
}
