//! The reduced contract of an API description: facts only (operations,
//! parameters, fields and their types, status codes, messages), the common
//! ground on which the spec, the docs page and the Swagger file are compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::messages::fits;

/// Operations keyed by `METHOD /path`, e.g. `GET /workspaces/{workspace_id}/clients`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// Where the facts came from (a file name or URL).
    pub source: String,
    pub operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Keyed by `LOCATION NAME`, e.g. `query status`.
    pub parameters: BTreeMap<String, Parameter>,
    /// Request body fields and their types.
    pub body: BTreeMap<String, String>,
    /// The success body.
    pub response: Response,
    /// Status codes with the error messages given for each.
    pub statuses: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
}

/// The success body: its shape (`object`, `array of object`, `array of
/// integer`, `none`, ...) and the fields of the object (or of each item).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub shape: String,
    pub fields: BTreeMap<String, String>,
}

impl Response {
    /// No success body described.
    pub fn none() -> Self {
        Self {
            shape: "none".to_owned(),
            fields: BTreeMap::new(),
        }
    }
}

/// An operation's responses by status code, references followed, in
/// OpenAPI 3.0 and Swagger 2.0 alike.
pub fn responses<'a>(
    doc: &'a Value,
    op: &'a Value,
) -> impl Iterator<Item = (&'a String, &'a Value)> {
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(move |(code, r)| (code, resolve(doc, r)))
}

/// Normalises a type name from any source: `Array of integer` and
/// `array of integer` are the same.
pub fn normalise_type(text: &str) -> String {
    let t = text.trim().to_ascii_lowercase();
    match t.strip_prefix("array of ") {
        Some(inner) => format!("array of {}", normalise_type(inner)),
        None => t,
    }
}

/// Whether two messages say the same, reading `{placeholder}` in either as
/// any text: `No widget with ID {client_id} was found` matches
/// `No widget with ID 42 was found`.
pub fn messages_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a == b || fits(a, b) || fits(b, a)
}

/// Follows a local `$ref` (`#/...`) to what it names, in OpenAPI 3.0 and
/// Swagger 2.0 alike, through the one resolver; a reference that cannot be
/// followed is left as it is.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    crate::refs::resolve_lenient(doc, node)
}

/// The contract type of a JSON Schema as OpenAPI 3.0 and Swagger 2.0 write
/// it: `integer`, `array of string`, `object`, or alternatives joined with
/// ` | ` for `oneOf`/`anyOf`.
pub fn type_of(doc: &Value, schema: &Value) -> String {
    type_at_depth(doc, schema, 0)
}

/// How deep [`type_of`] looks into nested arrays and alternatives: a
/// recursive schema (an array of itself) stops there as `any`.
const TYPE_DEPTH: u8 = 8;

fn type_at_depth(doc: &Value, schema: &Value, depth: u8) -> String {
    if depth > TYPE_DEPTH {
        return "any".to_owned();
    }
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let mut types: Vec<String> = variants
                .iter()
                .map(|v| type_at_depth(doc, v, depth + 1))
                .collect();
            types.sort();
            return types.join(" | ");
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array)
        && all.len() == 1
    {
        return type_at_depth(doc, &all[0], depth + 1);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "array of {}",
            schema
                .get("items")
                .map_or("any".to_owned(), |i| type_at_depth(doc, i, depth + 1))
        ),
        Some(t) => normalise_type(t),
        None if schema.get("properties").is_some() => "object".to_owned(),
        None => "any".to_owned(),
    }
}

/// The object schema whose properties are a body's fields: the schema
/// itself, or the items of an array.
pub fn object_of<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let resolved = resolve(doc, schema);
    if resolved.get("type").and_then(Value::as_str) == Some("array") {
        resolved.get("items").unwrap_or(resolved)
    } else {
        resolved
    }
}
