//! Client names as the service compares them, and the list's filters as
//! one value: sent as the list's parameters, or applied to clients in hand
//! (a cached list, the answer of `/me/clients`) with the same meaning.

use std::fmt;

use crate::operations::ListClients;
use crate::types::{ClientStatus, TrackClient};

/// A name as the service compares names: without surrounding white space
/// and without regard to case. Names are unique in a workspace by this key.
///
/// ```
/// use toggl_track_api::extras::name_key;
/// assert_eq!(name_key("  Acme Corp "), name_key("ACME CORP"));
/// ```
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Whether two names are the same client name to the service: compared
/// without surrounding white space and without regard to case.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// Which clients a list asks for: by archive state, and those whose name
/// contains a text in any case. Without a status the service lists active
/// clients only, and so does [`ClientFilter::matches`].
///
/// ```
/// use toggl_track_api::extras::ClientFilter;
/// use toggl_track_api::types::ClientStatus;
///
/// let filter = ClientFilter::default().status(ClientStatus::Both).name("acme");
/// assert_eq!(filter.to_string(), "status=both name=acme");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ClientFilter {
    /// Active (the default), archived, or both.
    pub status: Option<ClientStatus>,
    /// A text the name contains, in any case.
    pub name: Option<String>,
}

impl ClientFilter {
    /// Only clients in this archive state.
    pub fn status(mut self, status: ClientStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only clients whose name contains `text`, in any case.
    pub fn name(mut self, text: impl Into<String>) -> Self {
        self.name = Some(text.into());
        self
    }

    /// Whether the service would list `client` under this filter. A deleted
    /// client (one that carries `server_deleted_at`) counts as archived.
    pub fn matches(&self, client: &TrackClient) -> bool {
        let archived = client.archived || client.server_deleted_at.is_some();
        let status = match self.status.unwrap_or(ClientStatus::Active) {
            ClientStatus::Active => !archived,
            ClientStatus::Archived => archived,
            ClientStatus::Both => true,
        };
        status
            && self
                .name
                .as_deref()
                .is_none_or(|text| client.name.to_lowercase().contains(&text.to_lowercase()))
    }
}

/// `status=active name=acme`: names the query, for logs and cache keys.
impl fmt::Display for ClientFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "status={}", self.status.unwrap_or(ClientStatus::Active))?;
        if let Some(name) = &self.name {
            write!(f, " name={name}")?;
        }
        Ok(())
    }
}

impl ListClients<'_> {
    /// Sends `filter` as the list's `status` and `name` parameters.
    pub fn filter(self, filter: &ClientFilter) -> Self {
        let mut request = self;
        if let Some(status) = filter.status {
            request = request.status(status);
        }
        if let Some(name) = &filter.name {
            request = request.name(name.clone());
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(name: &str, archived: bool) -> TrackClient {
        serde_json::from_value(serde_json::json!({
            "id": 1, "wid": 2, "name": name, "archived": archived,
            "at": "2024-03-17T10:55:38+00:00"
        }))
        .expect("client")
    }

    #[test]
    fn names_compare_without_case_or_surrounding_space() {
        assert!(same_name(" Acme Corp", "acme corp "));
        assert!(same_name("ÉCOLE", "école"));
        assert!(!same_name("Acme", "Acme Corp"));
    }

    #[test]
    fn the_filter_means_what_the_service_means() {
        let acme = client("Acme Corp", false);
        let old = client("Old Acme", true);
        let active = ClientFilter::default();
        assert!(active.matches(&acme) && !active.matches(&old));
        let archived = ClientFilter::default().status(ClientStatus::Archived);
        assert!(!archived.matches(&acme) && archived.matches(&old));
        let named = ClientFilter::default()
            .status(ClientStatus::Both)
            .name("ACME c");
        assert!(named.matches(&acme) && !named.matches(&old));
        assert_eq!(active.to_string(), "status=active");
    }
}
