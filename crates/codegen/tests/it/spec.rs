//! The real spec stays valid OpenAPI 3.0 that generators and mock servers
//! can use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use openapiv3::Parameter;
use serde_json::Value;
use toggl_track_codegen::{SPEC_PATH, Spec};
use toggl_track_spec_tools::paths::Template;
use toggl_track_spec_tools::refs;

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SPEC_PATH)
}

fn spec() -> Spec {
    toggl_track_codegen::load(&path()).expect("the spec loads and passes the generator's rules")
}

#[test]
fn is_openapi_3_0_and_generates() {
    let spec = spec();
    assert!(
        spec.typed.openapi.starts_with("3.0."),
        "{}",
        spec.typed.openapi
    );
    let code = toggl_track_codegen::generate(&path(), &spec)
        .expect("generates")
        .compact();
    assert!(
        code.contains("pub (crate) fn new"),
        "constructors are crate-private"
    );
}

#[test]
fn has_every_clients_operation_with_unique_ids() {
    let spec = spec();
    let ids: Vec<&str> = spec
        .typed
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
        "getQuota",
        "getMe",
        "listMyWorkspaces",
    ]
    .into();
    assert_eq!(unique, expected);
}

#[test]
fn every_path_parameter_is_declared() {
    let spec = spec();
    for (path, item) in &spec.typed.paths.paths {
        let item = item.as_item().expect("inline path items");
        let template: BTreeSet<String> = Template::parse(path).parameters().into_iter().collect();
        for (method, op) in item.iter() {
            let declared: BTreeSet<String> = item
                .parameters
                .iter()
                .chain(&op.parameters)
                .map(|p| refs::item(&spec.raw, p, "a parameter").expect("resolves"))
                .filter_map(|p| match p.as_ref() {
                    Parameter::Path { parameter_data, .. } => Some(parameter_data.name.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(template, declared, "{method} {path}");
        }
    }
}

#[test]
fn every_schema_and_response_body_has_an_example() {
    let root = spec().raw;
    for (name, schema) in root["components"]["schemas"].as_object().expect("schemas") {
        assert!(
            schema.get("example").is_some(),
            "schema {name} has no example"
        );
    }
    for (path, item) in root["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (code, response) in responses {
                let response = refs::resolve(&root, response).expect("resolves");
                for (media, content) in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let schema = refs::resolve(&root, &content["schema"]).expect("resolves");
                    let has = content.get("example").is_some()
                        || content.get("examples").is_some()
                        || schema.get("example").is_some();
                    assert!(has, "{method} {path} {code} {media} has no example");
                }
            }
        }
    }
}

#[test]
fn no_schema_is_named_like_a_generators_client_class() {
    let root = spec().raw;
    let names: Vec<&String> = root["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert!(!names.iter().any(|n| n.as_str() == "Client"), "{names:?}");
}

#[test]
fn request_bodies_never_carry_the_workspace() {
    let root = spec().raw;
    for name in [
        "ClientCreate",
        "ClientUpdate",
        "ClientRestore",
        "ClientsByIds",
    ] {
        let props = root["components"]["schemas"][name]["properties"]
            .as_object()
            .expect("properties");
        assert!(
            !props.contains_key("wid") && !props.contains_key("workspace_id"),
            "{name}"
        );
    }
}

#[test]
fn the_user_quota_is_marked_on_me_operations_only() {
    let spec = spec();
    for (path, method, op) in spec.typed.operations() {
        let marked = op
            .extensions
            .get(toggl_track_spec_tools::vocabulary::QUOTA)
            .and_then(Value::as_str);
        let expected = path.starts_with("/me").then_some("user");
        assert_eq!(marked, expected, "{method} {path}");
    }
}
