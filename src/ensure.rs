//! Create a client only when the workspace does not have it yet: Toggl's
//! client names are unique in a workspace (ignoring case), so a name says
//! whether the client exists, and retrying never makes a duplicate.

use crate::types::{ClientCreate, ClientStatus, TrackClient};
use crate::{Client, Error};

/// What [`Client::create_client_if_missing`] found or made.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensured {
    /// The client with that name, as the service has it now.
    pub client: TrackClient,
    /// Whether this call created it.
    pub created: bool,
    /// Requests spent (1 when it existed, 2 when created, 3 when another
    /// program created it in between).
    pub requests: u32,
}

/// Whether two names are the same client name to the service: compared
/// without surrounding white space and without regard to case.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Client {
    /// Returns the workspace's client named like `new.name` (in any case,
    /// archived or not), or creates it from `new` when there is none.
    ///
    /// One request when the client exists (a list filtered by the name),
    /// two when it is created. A create that loses a race with another
    /// program ("Name has already been taken"), or whose outcome is unknown
    /// (a timeout or a broken connection after sending), looks the name up
    /// again instead of failing or trying to create twice.
    ///
    /// ```no_run
    /// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
    /// use toggl_track_api::types::ClientCreate;
    /// let new = ClientCreate { name: "Acme".into(), notes: None, external_reference: None };
    /// let acme = client.create_client_if_missing(1234567, new).await?;
    /// println!("{} {}", acme.client.id, if acme.created { "created" } else { "already there" });
    /// # Ok(()) }
    /// ```
    pub async fn create_client_if_missing(
        &self,
        workspace_id: u64,
        new: ClientCreate,
    ) -> Result<Ensured, Error> {
        let found = |client: TrackClient, requests| Ensured {
            client,
            created: false,
            requests,
        };
        if let Some(client) = self.find_by_name(workspace_id, &new.name).await? {
            return Ok(found(client, 1));
        }
        let name = new.name.clone();
        match self
            .create_client()
            .workspace_id(workspace_id)
            .body(new)
            .send()
            .await
            .map_err(Error::from)
        {
            Ok(client) => Ok(Ensured {
                client: client.into_inner(),
                created: true,
                requests: 2,
            }),
            Err(e) if lost_a_race(&e) || outcome_unknown(&e) => {
                match self.find_by_name(workspace_id, &name).await? {
                    Some(client) => Ok(found(client, 3)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The client named `name` (in any case, archived or not), if any.
    async fn find_by_name(
        &self,
        workspace_id: u64,
        name: &str,
    ) -> Result<Option<TrackClient>, Error> {
        let listed = self
            .list_clients()
            .workspace_id(workspace_id)
            .status(ClientStatus::Both)
            .name(name.trim().to_owned())
            .send()
            .await?;
        Ok(listed
            .into_inner()
            .0
            .into_iter()
            .find(|c| same_name(&c.name, name)))
    }
}

/// "Name has already been taken" (or the desktop app's "Client name
/// already exists"): another program created it first.
fn lost_a_race(e: &Error) -> bool {
    matches!(e, Error::Validation { message, .. }
        if message.contains("already been taken") || message.contains("already exists"))
}

/// The create may or may not have reached the service.
fn outcome_unknown(e: &Error) -> bool {
    matches!(
        e,
        Error::Timeout { .. } | Error::Transport { .. } | Error::Server { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn names_compare_without_case_or_surrounding_space() {
        assert!(same_name(" Acme Corp", "acme corp "));
        assert!(same_name("ÉCOLE", "école"));
        assert!(!same_name("Acme", "Acme Corp"));
    }
}
