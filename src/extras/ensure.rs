//! Create a client only when the workspace does not have it yet: Toggl's
//! client names are unique in a workspace (ignoring case), so a name says
//! whether the client exists, and retrying never makes a duplicate.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::names::same_name;
use crate::error::ValidationReason;
use crate::types::{ClientCreate, ClientStatus, TrackClient};
use crate::{Client, Error};

/// What [`Client::create_client_if_missing`] found or made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Ensured {
    /// The client with that name, as the service has it now.
    pub client: TrackClient,
    /// Whether this call created it (as far as it can tell: a create whose
    /// outcome was unknown and whose client was then found counts as not).
    pub created: bool,
    /// Requests spent, every attempt counted (retries included).
    pub requests: u32,
}

/// A request for the client of a name, made by
/// [`Client::create_client_if_missing`]; `.await` it, or call `send`.
#[derive(Debug)]
#[must_use = "nothing is sent until it is awaited"]
pub struct EnsureClient<'a> {
    client: &'a Client,
    workspace_id: u64,
    body: Result<ClientCreate, String>,
    known_missing: bool,
}

impl Client {
    /// Returns the workspace's client named like the body's `name` (in any
    /// case, archived or not), or creates it from the body when there is
    /// none. The body is a [`ClientCreate`] or its builder, as the
    /// generated `create_client().body(..)` takes it.
    ///
    /// One request when the client exists (a list filtered by the name),
    /// two when it is created. A create that loses a race with another
    /// program (refused as a taken name), or whose outcome is unknown (a
    /// timeout or a broken connection after sending), looks the name up
    /// again instead of failing or trying to create twice.
    ///
    /// ```no_run
    /// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
    /// use toggl_track_api::types::ClientCreate;
    /// let acme = client
    ///     .create_client_if_missing(1234567, ClientCreate::builder().name("Acme"))
    ///     .await?;
    /// println!("{} {}", acme.client.id, if acme.created { "created" } else { "already there" });
    /// # Ok(()) }
    /// ```
    pub fn create_client_if_missing<B>(&self, workspace_id: u64, body: B) -> EnsureClient<'_>
    where
        B: TryInto<ClientCreate>,
        B::Error: std::fmt::Display,
    {
        EnsureClient {
            client: self,
            workspace_id,
            body: body
                .try_into()
                .map_err(|e| format!("conversion to `ClientCreate` for body failed: {e}")),
            known_missing: false,
        }
    }

    /// The client named `name` (in any case, archived or not), if any, and
    /// the attempts the lookup took; `requests` counts them, whatever the
    /// outcome.
    async fn find_by_name(
        &self,
        workspace_id: u64,
        name: &str,
        requests: &mut u32,
    ) -> Result<Option<TrackClient>, Error> {
        // Every page of the matches: a name on a page not read would look
        // free, and be created twice.
        let listed = self
            .list_all_clients()
            .unpaged_first()
            .workspace_id(workspace_id)
            .status(ClientStatus::Both)
            .name(name.trim().to_owned())
            .send()
            .await
            .inspect_err(|e| *requests += e.attempts())?;
        *requests += listed.requests;
        Ok(listed
            .clients
            .into_iter()
            .find(|c| same_name(&c.name, name)))
    }
}

impl EnsureClient<'_> {
    /// The caller knows the name is not taken (it has just listed the
    /// workspace): create at once, without the first lookup. A lost race
    /// still resolves to the client the other program made.
    pub fn known_missing(mut self) -> Self {
        self.known_missing = true;
        self
    }

    /// Sends the lookup and the create as needed.
    pub async fn send(self) -> Result<Ensured, Error> {
        let new = self.body.map_err(|e| Error::invalid_request(&e))?;
        let (client, workspace_id) = (self.client, self.workspace_id);
        let mut requests = 0;
        if !self.known_missing
            && let Some(found) = client
                .find_by_name(workspace_id, &new.name, &mut requests)
                .await?
        {
            return Ok(Ensured {
                client: found,
                created: false,
                requests,
            });
        }
        let name = new.name.clone();
        let made = client
            .create_client()
            .workspace_id(workspace_id)
            .body(new)
            .send()
            .await;
        requests += made.as_ref().map_or_else(Error::attempts, |m| m.attempts());
        match made {
            Ok(made) => Ok(Ensured {
                client: made.into_inner(),
                created: true,
                requests,
            }),
            Err(e) if lost_a_race(&e) || outcome_unknown(&e) => {
                match client
                    .find_by_name(workspace_id, &name, &mut requests)
                    .await?
                {
                    Some(found) => Ok(Ensured {
                        client: found,
                        created: false,
                        requests,
                    }),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }
}

impl<'a> IntoFuture for EnsureClient<'a> {
    type Output = Result<Ensured, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The name is taken: another program created it first.
fn lost_a_race(e: &Error) -> bool {
    matches!(
        e,
        Error::Validation {
            reason: ValidationReason::NameTaken,
            ..
        }
    )
}

/// The create may or may not have reached the service.
fn outcome_unknown(e: &Error) -> bool {
    matches!(
        e,
        Error::Timeout { .. } | Error::Transport { .. } | Error::Server { .. }
    )
}
