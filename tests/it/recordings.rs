//! Recorded exchanges against the client's own types: every body in
//! `openapi/recordings/` decodes with the generated types of its operation
//! (`cargo xtask conformance` checks the same files against the spec's
//! schemas, without compiling the client). One row per operation; a test
//! keeps the table in step with the spec.

use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toggl_track_api::types;
use toggl_track_har::Har;
use toggl_track_spec_tools::conformance;

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
fn response(operation: &str, body: &str) -> Option<Result<(), (String, String)>> {
    Some(match operation {
        "listClients" | "getClientsByIds" | "listChangedClients" => {
            typed::<types::TrackClientList>(body)
        }
        "createClient" | "getClient" | "updateClient" | "restoreClient" => {
            typed::<types::TrackClient>(body)
        }
        "archiveClient" => typed::<Vec<NonZeroU64>>(body),
        "archiveClients" => typed::<types::ArchivedClientsList>(body),
        "getQuota" => typed::<types::ApiQuotaList>(body),
        "getMe" => typed::<types::Me>(body),
        "listMyWorkspaces" => typed::<types::WorkspaceList>(body),
        // Their success carries nothing the client reads.
        "deleteClient" | "deleteClients" => Ok(()),
        _ => return None,
    })
}

/// How the client's request type reads a request body of `operation`.
fn request(operation: &str, body: &str) -> Option<Result<(), (String, String)>> {
    Some(match operation {
        "createClient" => typed::<types::ClientCreate>(body),
        "updateClient" => typed::<types::ClientUpdate>(body),
        "restoreClient" => typed::<types::ClientRestore>(body),
        "archiveClients" | "deleteClients" => typed::<Vec<NonZeroU64>>(body),
        "getClientsByIds" => typed::<types::ClientsByIds>(body),
        "listClients" | "getClient" | "deleteClient" | "archiveClient" | "listChangedClients"
        | "getQuota" | "getMe" | "listMyWorkspaces" => Ok(()),
        _ => return None,
    })
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn spec() -> serde_json::Value {
    toggl_track_spec_tools::load_document(&root().join(toggl_track_spec_tools::SPEC_PATH))
        .expect("the spec loads")
}

/// Every way the client's types fail on the exchanges of `har`, one line
/// each naming the entry, the operation and the JSON pointer.
fn decode_problems(doc: &serde_json::Value, har: &Har) -> Vec<String> {
    let operations = conformance::operations(doc);
    let mut found = Vec::new();
    for (i, entry) in har.log.entries.iter().enumerate() {
        let Some(path) = conformance::api_path(&entry.request.url) else {
            continue;
        };
        let Some(op) = conformance::find(&operations, &entry.request.method, &path) else {
            continue;
        };
        let at = format!("entry {i} ({} {path})", entry.request.method);
        let sent = entry.request.post_data.as_ref().map(|p| p.text.as_str());
        if let Some(text) = sent.filter(|t| !t.trim().is_empty()) {
            match request(&op.id, text) {
                None => found.push(format!("{at}: no request row for {}", op.id)),
                Some(Err((ptr, why))) => found.push(format!(
                    "{at}: {}: the request type cannot read the body at {ptr}: {why}",
                    op.id
                )),
                Some(Ok(())) => {}
            }
        }
        let Some(text) = entry
            .response
            .content
            .body()
            .filter(|t| !t.trim().is_empty())
        else {
            continue;
        };
        let json = toggl_track_har::header(&entry.response.headers, "content-type")
            .unwrap_or(&entry.response.content.mime_type)
            .contains("json");
        if !json {
            continue;
        }
        let decoded = if entry.response.status < 300 {
            // A `null` list reads as an empty one (the hooks see to it).
            if text.trim() == "null" {
                continue;
            }
            response(&op.id, &text)
        } else {
            Some(typed::<types::ErrorMessage>(&text))
        };
        match decoded {
            None => found.push(format!("{at}: no response row for {}", op.id)),
            Some(Err((ptr, why))) => found.push(format!(
                "{at}: {}: the client cannot decode the answer at {ptr}: {why}",
                op.id
            )),
            Some(Ok(())) => {}
        }
    }
    found
}

fn recordings() -> Vec<PathBuf> {
    let dir = root().join("openapi/recordings");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the recordings folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Har {
    Har::parse(&std::fs::read_to_string(path).expect("readable")).expect("a HAR file")
}

#[test]
fn every_recorded_body_decodes_with_the_clients_types() {
    let doc = spec();
    let files = recordings();
    assert!(!files.is_empty(), "openapi/recordings/ holds recordings");
    for file in files {
        let problems = decode_problems(&doc, &read(&file));
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
    }
}

#[test]
fn a_body_the_types_cannot_read_is_named_by_entry_and_pointer() {
    // The web app's reconstructed recording, which has this client.
    let file = &root().join("openapi/recordings/webapp-2026-03-reconstructed.har");
    let text = std::fs::read_to_string(file).expect("readable");
    let broken = text.replacen(
        "\\\"creator_id\\\":9876543",
        "\\\"creator_id\\\":\\\"ada\\\"",
        1,
    );
    assert_ne!(broken, text, "the fixture edit applied");
    let problems = decode_problems(&spec(), &Har::parse(&broken).expect("a HAR file"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("entry 0 (GET /workspaces/4567890/clients)")
                && p.contains("at /0/creator_id")),
        "{problems:#?}"
    );
}

#[test]
fn every_operation_of_the_spec_has_a_row() {
    let spec = toggl_track_spec_tools::load(&root().join(toggl_track_spec_tools::SPEC_PATH))
        .expect("spec");
    for (_, _, op) in spec.typed.operations() {
        let id = op.operation_id.as_deref().unwrap_or_default();
        assert!(response(id, "null").is_some(), "no response row for {id}");
        assert!(request(id, "null").is_some(), "no request row for {id}");
    }
    assert_eq!(pointer("."), "/");
    assert_eq!(pointer("[1].id"), "/1/id");
}

/// Real client objects recorded from Toggl's service (by another client
/// library; see the fixture's `source`), each decoded with the client's
/// type and validated against the spec's schema.
#[test]
fn real_client_objects_decode_and_validate() {
    let text = std::fs::read_to_string(root().join("tests/it/fixtures/real-clients.json"))
        .expect("the fixture");
    let fixture: serde_json::Value = serde_json::from_str(&text).expect("json");
    let clients = fixture["clients"].as_array().expect("clients");
    assert_eq!(clients.len(), 4);
    let doc = spec();
    let schema = serde_json::json!({"$ref": "#/components/schemas/TrackClient"});
    let checker =
        toggl_track_spec_tools::conformance::schema::Checker::new(&doc, &schema).expect("schema");
    for client in clients {
        let decoded: types::TrackClient =
            serde_json::from_value(client.clone()).unwrap_or_else(|e| panic!("{client}: {e}"));
        assert_eq!(decoded.id.get(), client["id"].as_u64().expect("id"));
        assert_eq!(decoded.creator_id.map(|c| c.get()), Some(2166261));
        assert_eq!(checker.errors(client), [], "{client}");
    }
    // The checker is not vacuous: a client without its name fails it.
    let mut nameless = clients[0].clone();
    nameless.as_object_mut().expect("object").remove("name");
    assert!(!checker.errors(&nameless).is_empty());
}
