//! The service's hand-written models against the spec's component schemas:
//! schemars derives a JSON Schema for each model and this test compares the
//! two field by field (names, required, types, nullability, formats).

use std::collections::{BTreeMap, BTreeSet};

use schemars::schema_for;
use serde_json::Value;
use toggl_track_local_service::{
    ApiQuota, ArchivedClients, ClientCreate, ClientRestore, ClientStatus, ClientUpdate,
    ClientsByIds, Me, TrackClient, UserWorkspace,
};

/// What a schema allows, reduced to what both sides can express.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    types: BTreeSet<String>,
    nullable: bool,
    format: Option<String>,
    items: Option<Box<Shape>>,
    variants: Vec<Shape>,
    properties: BTreeMap<String, Shape>,
    required: BTreeSet<String>,
    enumeration: Vec<Value>,
}

fn shape(root: &Value, node: &Value) -> Shape {
    let node = toggl_track_spec_tools::refs::resolve(root, node).expect("$ref resolves");
    let mut types = BTreeSet::new();
    let mut nullable = node
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match node.get("type") {
        Some(Value::String(t)) => {
            types.insert(t.clone());
        }
        Some(Value::Array(list)) => {
            for t in list.iter().filter_map(Value::as_str) {
                if t == "null" {
                    nullable = true;
                } else {
                    types.insert(t.to_owned());
                }
            }
        }
        _ => {}
    }
    let mut variants = Vec::new();
    for key in ["oneOf", "anyOf", "allOf"] {
        for v in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("type").and_then(Value::as_str) == Some("null") {
                nullable = true;
                continue;
            }
            variants.push(shape(root, v));
        }
    }
    // `null` accepted by one variant is `null` accepted by the whole.
    for v in &mut variants {
        nullable |= std::mem::take(&mut v.nullable);
    }
    // A wrapper with one variant (allOf: [$ref] or anyOf: [$ref, null]) is that variant.
    if variants.len() == 1 && types.is_empty() {
        let mut inner = variants.remove(0);
        inner.nullable |= nullable;
        return inner;
    }
    let format = node
        .get("format")
        .and_then(Value::as_str)
        .filter(|f| *f == "date-time")
        .map(str::to_owned);
    let properties = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| (k.clone(), shape(root, v)))
                .collect()
        })
        .unwrap_or_default();
    let required = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Shape {
        types,
        nullable,
        format,
        items: node.get("items").map(|i| Box::new(shape(root, i))),
        variants,
        properties,
        required,
        enumeration: node
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

fn spec() -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    toggl_track_spec_tools::load(&root.join(toggl_track_spec_tools::SPEC_PATH))
        .expect("the spec loads")
        .raw
}

fn spec_shape(name: &str) -> Shape {
    let root = spec();
    let node = root["components"]["schemas"][name].clone();
    assert!(!node.is_null(), "spec has schema {name}");
    shape(&root, &node)
}

fn model_shape<T: schemars::JsonSchema>() -> Shape {
    let root = serde_json::to_value(schema_for!(T)).expect("schema serialises");
    shape(&root, &root)
}

/// Request models may accept `null` where the spec only says optional: the
/// service is lenient in what it reads. Only responses must match exactly.
fn ignore_nullability(shape: &mut Shape) {
    shape.nullable = false;
    for p in shape.properties.values_mut() {
        ignore_nullability(p);
    }
}

#[test]
fn track_client_matches_the_spec() {
    let model = model_shape::<TrackClient>();
    assert_eq!(model.properties.len(), 14);
    // `creator_id` is left out of `/clients/data` answers.
    assert_eq!(model.required.len(), 5);
    assert!(!model.required.contains("creator_id"));
    assert!(model.properties["notes"].nullable);
    assert_eq!(model.properties["at"].format.as_deref(), Some("date-time"));
    assert_eq!(model.properties["permissions"].variants.len(), 2);
    assert_eq!(model, spec_shape("TrackClient"));
}

#[test]
fn request_bodies_match_the_spec() {
    for (name, mut model) in [
        ("ClientCreate", model_shape::<ClientCreate>()),
        ("ClientUpdate", model_shape::<ClientUpdate>()),
        ("ClientRestore", model_shape::<ClientRestore>()),
        ("ClientsByIds", model_shape::<ClientsByIds>()),
    ] {
        let mut spec = spec_shape(name);
        ignore_nullability(&mut model);
        ignore_nullability(&mut spec);
        assert_eq!(model, spec, "{name}");
    }
}

#[test]
fn the_bulk_archive_answer_matches_the_spec() {
    let mut model = model_shape::<ArchivedClients>();
    let mut spec = spec_shape("ArchivedClients");
    // Optional arrays: schemars says "or null", the spec leaves them optional.
    ignore_nullability(&mut model);
    ignore_nullability(&mut spec);
    assert_eq!(model, spec);
}

#[test]
fn the_quota_answer_matches_the_spec() {
    let model = model_shape::<ApiQuota>();
    assert!(model.properties["organization_id"].nullable);
    assert_eq!(model.required.len(), 3);
    assert_eq!(model, spec_shape("ApiQuota"));
}

#[test]
fn the_user_and_workspace_answers_match_the_spec() {
    assert_eq!(model_shape::<Me>(), spec_shape("Me"));
    assert_eq!(model_shape::<UserWorkspace>(), spec_shape("Workspace"));
}

#[test]
fn the_status_filter_matches_the_spec() {
    assert_eq!(model_shape::<ClientStatus>(), spec_shape("ClientStatus"));
}

#[test]
fn a_difference_is_caught() {
    // The comparison is not vacuous: a model with one field fewer differs.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Short {
        name: String,
    }
    assert_ne!(model_shape::<Short>(), spec_shape("ClientCreate"));
}
