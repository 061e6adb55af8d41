//! The spec stays valid OpenAPI 3.0 that generators and mock servers can use.

use std::collections::BTreeSet;
use std::path::Path;

use openapiv3::{OpenAPI, Parameter, ReferenceOr};

const SPEC: &str = "openapi/toggl-track-v9.yaml";

fn spec() -> OpenAPI {
    let text = std::fs::read_to_string(SPEC).expect("spec readable");
    serde_yaml_ng::from_str(&text).expect("spec parses as OpenAPI 3.0 with openapiv3")
}

#[test]
fn is_openapi_3_0_and_passes_the_generator_rules() {
    let spec = spec();
    assert!(spec.openapi.starts_with("3.0."), "{}", spec.openapi);
    let problems = toggl_track_codegen::validate(&spec);
    assert!(problems.is_empty(), "{problems:#?}");
    toggl_track_codegen::generate_from_file(Path::new(SPEC)).expect("generates");
}

#[test]
fn has_every_clients_operation_with_unique_ids() {
    let spec = spec();
    let ids: Vec<&str> = spec
        .operations()
        .map(|(_, _, op)| {
            op.operation_id
                .as_deref()
                .expect("every operation has an id")
        })
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate operationIds in {ids:?}");
    let expected: BTreeSet<&str> = [
        "listClients",
        "createClient",
        "getClient",
        "updateClient",
        "deleteClient",
        "archiveClient",
        "restoreClient",
        "archiveClients",
        "deleteClients",
        "getClientsByIds",
        "listChangedClients",
    ]
    .into();
    assert_eq!(unique, expected);
}

#[test]
fn every_path_parameter_is_declared() {
    let spec = spec();
    for (path, item) in &spec.paths.paths {
        let item = item.as_item().expect("inline path items");
        let template: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
            .collect();
        for (method, op) in item.iter() {
            let declared: BTreeSet<String> = item
                .parameters
                .iter()
                .chain(&op.parameters)
                .filter_map(|p| match p {
                    ReferenceOr::Item(p) => Some(p),
                    ReferenceOr::Reference { reference } => reference
                        .strip_prefix("#/components/parameters/")
                        .and_then(|n| spec.components.as_ref()?.parameters.get(n)?.as_item()),
                })
                .filter_map(|p| match p {
                    Parameter::Path { parameter_data, .. } => Some(parameter_data.name.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(template, declared, "{method} {path}");
        }
    }
}

/// A JSON view of the spec, for checks openapiv3's types make awkward.
fn raw() -> serde_json::Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(SPEC).expect("readable")).expect("yaml")
}

fn resolve<'a>(root: &'a serde_json::Value, node: &'a serde_json::Value) -> &'a serde_json::Value {
    match node.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => resolve(
            root,
            root.pointer(r.trim_start_matches('#'))
                .expect("$ref resolves"),
        ),
        None => node,
    }
}

#[test]
fn every_schema_and_response_body_has_an_example() {
    let root = raw();
    for (name, schema) in root["components"]["schemas"].as_object().expect("schemas") {
        assert!(
            schema.get("example").is_some(),
            "schema {name} has no example"
        );
    }
    for (path, item) in root["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(responses) = op.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            for (code, response) in responses {
                let response = resolve(&root, response);
                for (media, content) in response
                    .get("content")
                    .and_then(|c| c.as_object())
                    .into_iter()
                    .flatten()
                {
                    let has = content.get("example").is_some()
                        || content.get("examples").is_some()
                        || resolve(&root, &content["schema"]).get("example").is_some();
                    assert!(has, "{method} {path} {code} {media} has no example");
                }
            }
        }
    }
}

#[test]
fn no_schema_is_named_like_a_generators_client_class() {
    let root = raw();
    let names: Vec<&String> = root["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert!(!names.iter().any(|n| n.as_str() == "Client"), "{names:?}");
}

#[test]
fn request_bodies_never_carry_the_workspace() {
    let root = raw();
    for name in ["ClientCreate", "ClientUpdate", "ClientRestore"] {
        let props = root["components"]["schemas"][name]["properties"]
            .as_object()
            .expect("properties");
        assert!(
            !props.contains_key("wid") && !props.contains_key("workspace_id"),
            "{name}"
        );
    }
}
