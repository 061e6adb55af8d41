//! Reads Toggl's official Swagger 2.0 file (or its clients part).

use std::collections::BTreeMap;

use serde_json::Value;

use super::contract::{
    Contract, Operation, Parameter, Response, normalise_type, object_of, resolve, responses,
    type_of,
};

/// Parses a Swagger 2.0 document; `Err` says what is wrong with it.
pub fn parse(source: &str, doc: &Value) -> Result<Contract, String> {
    // Excerpts of the file (like the saved clients part) may lack the
    // version field; a document that names another version is refused.
    if let Some(v) = doc.get("openapi").and_then(Value::as_str) {
        return Err(format!(
            "{source}: an OpenAPI {v} document, not Swagger 2.0; give it as the spec instead"
        ));
    }
    if let Some(v) = doc
        .get("swagger")
        .and_then(Value::as_str)
        .filter(|v| *v != "2.0")
    {
        return Err(format!("{source}: Swagger {v}, not 2.0"));
    }
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{source}: no `paths`"))?;
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            operations.insert(
                format!("{} {path}", method.to_ascii_uppercase()),
                operation(doc, op),
            );
        }
    }
    Ok(Contract {
        source: source.to_owned(),
        operations,
    })
}

fn fields(doc: &Value, schema: &Value) -> BTreeMap<String, String> {
    resolve(doc, schema)
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, s)| (name.clone(), type_of(doc, s)))
        .collect()
}

fn operation(doc: &Value, op: &Value) -> Operation {
    let mut out = Operation::default();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = resolve(doc, p);
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
        if location == "body" {
            if let Some(schema) = p.get("schema") {
                out.body = fields(doc, schema);
                if out.body.is_empty() {
                    // A body that is not an object (an array of ids, say).
                    out.body.insert("(body)".to_owned(), type_of(doc, schema));
                }
            }
            continue;
        }
        out.parameters.insert(
            format!("{location} {name}"),
            Parameter {
                ty: normalise_type(p.get("type").and_then(Value::as_str).unwrap_or("any")),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            },
        );
    }
    out.response = Response::none();
    for (code, response) in responses(doc, op) {
        if code.starts_with('2') {
            if let Some(schema) = response.get("schema") {
                let shape = type_of(doc, schema);
                out.response = Response {
                    shape,
                    fields: fields(doc, object_of(doc, schema)),
                };
            }
            out.statuses.insert(code.clone(), Vec::new());
        } else {
            let description = response
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.statuses.insert(code.clone(), messages(description));
        }
    }
    out
}

/// Messages in a description: the items of an HTML list, or the text itself.
fn messages(description: &str) -> Vec<String> {
    if description.contains("<li>") {
        description
            .split("<li>")
            .skip(1)
            .filter_map(|s| s.split("</li>").next())
            .map(|s| s.trim().to_owned())
            .collect()
    } else if description.trim().is_empty() {
        Vec::new()
    } else {
        vec![description.trim().to_owned()]
    }
}
