//! Each kind of drift caught on small fixtures written for the purpose: a
//! docs excerpt and a spec that agree, then one change at a time.

use serde_json::{Value, json};

use super::compare::{Difference, Kind, compare};
use super::contract::messages_match;
use super::{docs_text, spec_side as spec, swagger};

/// A docs excerpt in the page's text form: one operation.
const DOCS: &str = "\
Clients
GET Load client from ID
https://api.track.toggl.com/api/v9/workspaces/{workspace_id}/clients/{client_id}
Load client from workspace.
- cURL
curl https://api.track.toggl.com/api/v9/workspaces/{workspace_id}/clients/{client_id}
Parameters
Path
name | type | required | description |
---|---|---|---|
workspace_id | integer | true | Numeric ID of the workspace |
client_id | integer | true | Numeric ID of the client |
Query
name | type | required | description |
---|---|---|---|
status | string | false | Which ones |
Response
200
Name | Type | Description |
---|---|---|
id | integer | Client ID |
name | string | Name of the client |
403
Forbidden
404
No widget with ID {client_id} was found
";

/// A spec that says the same as `DOCS`.
fn spec_doc() -> Value {
    json!({
        "openapi": "3.0.3",
        "paths": {
            "/workspaces/{workspace_id}/clients/{client_id}": {
                "parameters": [
                    {"name": "workspace_id", "in": "path", "required": true, "schema": {"type": "integer"}},
                    {"name": "client_id", "in": "path", "required": true, "schema": {"type": "integer"}}
                ],
                "get": {
                    "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}},
                        "403": {"description": "no", "content": {"application/json": {"schema": {"type": "string"}, "example": "Forbidden"}}},
                        "404": {"description": "no", "content": {"application/json": {"schema": {"type": "string"}, "example": "No widget with ID 7 was found"}}}
                    }
                }
            }
        },
        "components": {"schemas": {"C": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64"},
            "name": {"type": "string"}
        }}}}
    })
}

fn drift(docs: &str, spec_doc: &Value) -> Vec<Difference> {
    let theirs = docs_text::parse("docs", docs).expect("docs parse");
    let (ours, accepted) = spec::parse("spec", spec_doc);
    compare("docs", &theirs, &ours, &accepted)
}

fn kinds(diffs: &[Difference]) -> Vec<(Kind, String, bool)> {
    diffs
        .iter()
        .map(|d| (d.kind, d.subject.clone(), d.accepted.is_some()))
        .collect()
}

#[test]
fn agreeing_sources_show_no_drift() {
    assert_eq!(kinds(&drift(DOCS, &spec_doc())), []);
}

#[test]
fn a_parameter_removed_from_the_docs_is_caught() {
    let docs = DOCS.replace("status | string | false | Which ones |\n", "");
    assert_eq!(
        kinds(&drift(&docs, &spec_doc())),
        [(
            Kind::ParameterMissingInSource,
            "parameter query status".into(),
            false
        )]
    );
}

#[test]
fn a_parameter_made_required_is_caught() {
    let docs = DOCS.replace("status | string | false", "status | string | true");
    assert_eq!(
        kinds(&drift(&docs, &spec_doc())),
        [(
            Kind::ParameterRequired,
            "parameter query status".into(),
            false
        )]
    );
}

#[test]
fn a_field_retyped_is_caught() {
    let docs = DOCS.replace("id | integer | Client ID", "id | string | Client ID");
    let diffs = drift(&docs, &spec_doc());
    assert_eq!(
        kinds(&diffs),
        [(Kind::ResponseFieldType, "response field id".into(), false)]
    );
    assert_eq!(diffs[0].spec.as_deref(), Some("integer"));
    assert_eq!(diffs[0].documented.as_deref(), Some("string"));
}

#[test]
fn a_field_added_to_the_docs_is_caught() {
    let docs = DOCS.replace(
        "name | string | Name of the client |",
        "name | string | Name of the client |\nnotes | string | - |",
    );
    assert_eq!(
        kinds(&drift(&docs, &spec_doc())),
        [(
            Kind::ResponseFieldMissingInSpec,
            "response field notes".into(),
            false
        )]
    );
}

#[test]
fn a_status_code_added_to_the_docs_is_caught() {
    let docs = format!("{DOCS}500\nInternal Server Error\n");
    assert_eq!(
        kinds(&drift(&docs, &spec_doc())),
        [(Kind::StatusMissingInSpec, "status 500".into(), false)]
    );
}

#[test]
fn a_changed_message_is_caught_and_placeholders_match_values() {
    let docs = DOCS.replace(
        "No widget with ID {client_id} was found",
        "Client {client_id} not found",
    );
    let found = kinds(&drift(&docs, &spec_doc()));
    assert!(
        found.contains(&(
            Kind::MessageMissingInSpec,
            "status 404 message Client {client_id} not found".into(),
            false
        )),
        "{found:?}"
    );
    assert!(messages_match(
        "No widget with ID {client_id} was found",
        "No widget with ID 42 was found"
    ));
    assert!(!messages_match(
        "No widget with ID {client_id} was found",
        "No widget with ID was found"
    ));
    assert!(messages_match(
        "Widget name maximum length is {max}",
        "Widget name maximum length is 255"
    ));
    assert!(!messages_match("Forbidden", "Forbidden!"));
}

#[test]
fn an_operation_missing_from_the_spec_is_caught_and_can_be_accepted() {
    let docs = DOCS.replace("GET Load client", "DELETE Delete client");
    let mut spec = spec_doc();
    let found = kinds(&drift(&docs, &spec));
    assert!(
        found.contains(&(Kind::OperationMissingInSpec, "operation".into(), false)),
        "{found:?}"
    );
    assert!(
        found.contains(&(Kind::OperationMissingInSource, "operation".into(), false)),
        "{found:?}"
    );
    spec["x-toggl-drift-accepted"] = json!([
        {"about": "operation DELETE /workspaces/{workspace_id}/clients/{client_id}", "reason": "not yet"},
        {"about": "operation GET /workspaces/{workspace_id}/clients/{client_id}", "reason": "not on the page"}
    ]);
    assert!(drift(&docs, &spec).iter().all(|d| d.accepted.is_some()));
}

#[test]
fn a_reason_beside_the_element_accepts_only_that_element() {
    let docs = DOCS
        .replace("id | integer | Client ID", "id | string | Client ID")
        .replace("name | string | Name", "name | integer | Name");
    let mut spec = spec_doc();
    spec["components"]["schemas"]["C"]["properties"]["id"]["x-toggl-drift-accepted"] =
        json!({"reason": "ids are numbers"});
    let diffs = drift(&docs, &spec);
    let id = diffs
        .iter()
        .find(|d| d.subject == "response field id")
        .expect("id drift");
    assert_eq!(id.accepted.as_deref(), Some("ids are numbers"));
    let name = diffs
        .iter()
        .find(|d| d.subject == "response field name")
        .expect("name drift");
    assert_eq!(name.accepted, None);
}

#[test]
fn the_page_rendering_of_bare_arrays_is_a_shape_difference() {
    let docs = DOCS.replace(
        "Name | Type | Description |\n---|---|---|\nid | integer | Client ID |\nname | string | Name of the client |",
        "Name | Type | Description |\n---|---|---|\nitems | Array of object | - |\nitems\nName | Type | Description |\n---|---|---|\nid | integer | Client ID |\nname | string | Name of the client |",
    );
    let mut spec = spec_doc();
    spec["paths"]["/workspaces/{workspace_id}/clients/{client_id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"] =
        json!({"type": "array", "items": {"$ref": "#/components/schemas/C"}});
    let diffs = drift(&docs, &spec);
    assert_eq!(
        kinds(&diffs),
        [(Kind::ResponseShape, "response shape".into(), false)]
    );
    assert_eq!(
        diffs[0].documented.as_deref(),
        Some("object {items: array of object}")
    );
}

#[test]
fn html_is_reduced_to_the_text_form() {
    let html = "<html><head><style>p{}</style><script>var x = '<td>';</script></head><body>\
        <h2>GET Load client from ID</h2><p>https://api.track.toggl.com/api/v9/workspaces/{workspace_id}/clients/{client_id}</p>\
        <h3>Parameters</h3><h4>Path</h4><table><thead><tr><th>name</th><th>type</th><th>required</th><th>description</th></tr></thead>\
        <tbody><tr><td>workspace_id</td><td>integer</td><td>true</td><td>Numeric ID</td></tr>\
        <tr><td>client_id</td><td>integer</td><td>true</td><td>Numeric ID</td></tr></tbody></table>\
        <h4>Query</h4><table><tr><th>name</th><th>type</th><th>required</th><th>description</th></tr>\
        <tr><td>status</td><td>string</td><td>false</td><td>Which ones</td></tr></table>\
        <h3>Response</h3><p>200</p><table><tr><th>Name</th><th>Type</th><th>Description</th></tr>\
        <tr><td>id</td><td>integer</td><td>Client ID</td></tr><tr><td>name</td><td>string</td><td>Name</td></tr></table>\
        <p>403</p><p>Forbidden</p><p>404</p><p>No widget with ID {client_id} was found</p></body></html>";
    let text = docs_text::html_to_text(html);
    assert_eq!(kinds(&drift(&text, &spec_doc())), [], "{text}");
}

#[test]
fn an_unrecognised_layout_is_none() {
    assert!(docs_text::parse("x", "<h1>Welcome</h1>\nNothing here").is_none());
}

#[test]
fn swagger_bodies_statuses_and_messages_are_read() {
    let doc = json!({
        "swagger": "2.0",
        "paths": {"/w/{id}/clients": {"post": {
            "parameters": [
                {"name": "id", "in": "path", "type": "integer", "required": true},
                {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/P"}}
            ],
            "responses": {
                "200": {"description": "ok", "schema": {"type": "array", "items": {"type": "integer"}}},
                "400": {"description": "<p>Possible:</p><ul><li>A</li><li>B {n}</li></ul>"},
                "403": {"description": "Forbidden", "schema": {"type": "string"}}
            }
        }}},
        "definitions": {"P": {"properties": {"name": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}}}}}
    });
    let c = swagger::parse("s", &doc).expect("parses");
    let op = &c.operations["POST /w/{id}/clients"];
    assert_eq!(op.body["ids"], "array of integer");
    assert_eq!(op.response.shape, "array of integer");
    assert_eq!(op.statuses["400"], ["A", "B {n}"]);
    assert_eq!(op.statuses["403"], ["Forbidden"]);
    assert!(swagger::parse("s", &json!({"openapi": "3.1.0", "paths": {}})).is_err());
}

#[test]
fn spec_bodies_and_examples_behind_references_are_read() {
    let doc = json!({
        "openapi": "3.0.3",
        "paths": {"/w/{id}/clients/delete": {"post": {
            "requestBody": {"$ref": "#/components/requestBodies/Ids"},
            "responses": {"400": {"description": "no", "content": {"application/json": {
                "schema": {"type": "string"},
                "examples": {"bad": {"$ref": "#/components/examples/Bad"}}
            }}}}
        }}},
        "components": {
            "requestBodies": {"Ids": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "integer"}}
            }}}},
            "examples": {"Bad": {"value": "Bad Request"}}
        }
    });
    let (c, _) = spec::parse("s", &doc);
    let op = &c.operations["POST /w/{id}/clients/delete"];
    assert_eq!(op.body["(body)"], "array of integer");
    assert_eq!(op.statuses["400"], ["Bad Request"]);
}

#[test]
fn the_stored_facts_are_readable() {
    let stored = crate::tests::workspace_root().join("openapi/drift/docs.json");
    let stored: super::contract::Contract =
        serde_json::from_str(&std::fs::read_to_string(stored).expect("stored facts"))
            .expect("valid");
    assert_eq!(stored.operations.len(), 7);
}
