//! The Rust client's types against recorded bodies: what the generated code
//! would make of them. One row per operation; a test keeps the table in
//! step with the spec.

use std::num::NonZeroU64;

use serde::de::DeserializeOwned;
use toggl_track_api::types;

/// Decodes `body` as `T`, naming where it failed as a JSON pointer.
fn typed<T: DeserializeOwned>(body: &str) -> Result<(), (String, String)> {
    let mut de = serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize::<_, T>(&mut de)
        .map(drop)
        .map_err(|e| (pointer(&e.path().to_string()), e.inner().to_string()))
}

/// serde_path_to_error's path (`[0].creator_id`) as a JSON pointer.
fn pointer(path: &str) -> String {
    if path == "." {
        return "/".to_owned();
    }
    path.split(['.', '['])
        .filter(|s| !s.is_empty())
        .map(|s| format!("/{}", s.trim_end_matches(']')))
        .collect()
}

/// How the client decodes a success body of `operation`; `None` for an
/// operation this table does not know.
pub(crate) fn response(operation: &str, body: &str) -> Option<Result<(), (String, String)>> {
    Some(match operation {
        "listClients" | "getClientsByIds" | "listChangedClients" => {
            typed::<types::TrackClientList>(body)
        }
        "createClient" | "getClient" | "updateClient" | "restoreClient" => {
            typed::<types::TrackClient>(body)
        }
        "archiveClient" => typed::<Vec<NonZeroU64>>(body),
        "archiveClients" => typed::<types::ArchivedClientsList>(body),
        // Their success carries nothing the client reads.
        "deleteClient" | "deleteClients" => Ok(()),
        _ => return None,
    })
}

/// How the client's request type reads a request body of `operation`.
pub(crate) fn request(operation: &str, body: &str) -> Option<Result<(), (String, String)>> {
    Some(match operation {
        "createClient" => typed::<types::ClientCreate>(body),
        "updateClient" => typed::<types::ClientUpdate>(body),
        "restoreClient" => typed::<types::ClientRestore>(body),
        "archiveClients" | "deleteClients" => typed::<Vec<NonZeroU64>>(body),
        "getClientsByIds" => typed::<types::ClientsByIds>(body),
        "listClients" | "getClient" | "deleteClient" | "archiveClient" | "listChangedClients" => {
            Ok(())
        }
        _ => return None,
    })
}

/// How the client reads a JSON error body: the service's message.
pub(crate) fn error(body: &str) -> Result<(), (String, String)> {
    typed::<types::ErrorMessage>(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_has_a_row() {
        let spec = toggl_track_codegen::load(&crate::root().join(toggl_track_codegen::SPEC_PATH))
            .expect("spec loads");
        for (_, _, op) in spec.typed.operations() {
            let id = op.operation_id.as_deref().unwrap_or_default();
            assert!(response(id, "null").is_some(), "no response row for {id}");
            assert!(request(id, "null").is_some(), "no request row for {id}");
        }
    }

    #[test]
    fn failures_name_the_place() {
        let err = response("listClients", r#"[{"id": 1, "wid": 2, "name": "a", "archived": false, "at": "2024-03-17T10:55:38Z"}, {"id": 0}]"#)
            .expect("known")
            .expect_err("id 0 is not an id");
        assert_eq!(err.0, "/1/id", "{err:?}");
        assert_eq!(pointer("."), "/");
    }
}
