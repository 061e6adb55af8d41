//! Reads the project's OpenAPI 3.0 spec into a contract, together with the
//! differences it accepts on purpose (`x-toggl-drift-accepted`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::contract::{
    Contract, Operation, Parameter, Response, object_of, resolve, responses, type_of,
};

use crate::vocabulary::DRIFT_ACCEPTED as ACCEPTED;

/// Accepted differences: per operation key (or `*` for the document), the
/// subjects accepted and why.
pub type Acceptances = BTreeMap<String, BTreeMap<String, String>>;

/// The reason recorded on an element, if any.
fn reason(node: &Value) -> Option<String> {
    let ext = node.get(ACCEPTED)?;
    ext.get("reason")
        .and_then(Value::as_str)
        .or_else(|| ext.as_str())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Lists of `{about, reason}` entries (on the document and on operations).
fn listed(node: &Value, into: &mut BTreeMap<String, String>) {
    for entry in node
        .get(ACCEPTED)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(about), Some(why)) = (
            entry.get("about").and_then(Value::as_str),
            entry.get("reason").and_then(Value::as_str),
        ) {
            into.insert(
                about.to_owned(),
                why.split_whitespace().collect::<Vec<_>>().join(" "),
            );
        }
    }
}

/// Fields of an object schema, with the reasons recorded on any of them.
fn fields(
    doc: &Value,
    schema: &Value,
    prefix: &str,
    accepted: &mut BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, s) in resolve(doc, schema)
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.insert(name.clone(), type_of(doc, s));
        if let Some(why) = reason(s).or_else(|| reason(resolve(doc, s))) {
            accepted.insert(format!("{prefix} {name}"), why);
        }
    }
    out
}

/// Messages given as examples of an error response, with reasons recorded
/// on individual examples.
fn messages(
    doc: &Value,
    content: &Value,
    code: &str,
    accepted: &mut BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = content.get("example").and_then(Value::as_str) {
        out.push(m.to_owned());
    }
    for example in content
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        let example = resolve(doc, example);
        if let Some(m) = example.get("value").and_then(Value::as_str) {
            out.push(m.to_owned());
            if let Some(why) = reason(example) {
                accepted.insert(format!("status {code} message {m}"), why);
            }
        }
    }
    out
}

/// The contract of the spec and the differences it accepts.
pub fn parse(source: &str, doc: &Value) -> (Contract, Acceptances) {
    let mut acceptances = Acceptances::new();
    listed(doc, acceptances.entry("*".to_owned()).or_default());
    let mut operations = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let key = format!("{} {path}", method.to_ascii_uppercase());
            let accepted = acceptances.entry(key.clone()).or_default();
            listed(op, accepted);
            let mut out = Operation::default();
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for p in shared.iter().copied().chain(own) {
                let target = resolve(doc, p);
                let subject = format!(
                    "{} {}",
                    target.get("in").and_then(Value::as_str).unwrap_or_default(),
                    target
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                );
                if let Some(why) = reason(target) {
                    accepted.insert(format!("parameter {subject}"), why);
                }
                out.parameters.insert(
                    subject,
                    Parameter {
                        ty: target
                            .get("schema")
                            .map_or("any".to_owned(), |s| type_of(doc, s)),
                        required: target
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    },
                );
            }
            let body = op.get("requestBody").map(|b| resolve(doc, b));
            // A reason on the body itself covers every field of it.
            if let Some(why) = body.and_then(reason) {
                accepted.insert("body field".to_owned(), why);
            }
            if let Some(schema) = body.and_then(|b| b.pointer("/content/application~1json/schema"))
            {
                out.body = fields(doc, schema, "body field", accepted);
                if out.body.is_empty() {
                    // A body that is not an object (an array of ids, say),
                    // named as the Swagger reader names it.
                    out.body.insert("(body)".to_owned(), type_of(doc, schema));
                }
            }
            out.response = Response::none();
            for (code, response) in responses(doc, op) {
                if let Some(why) = reason(response) {
                    let subject = if code.starts_with('2') {
                        "response shape".to_owned()
                    } else {
                        format!("status {code}")
                    };
                    accepted.insert(subject, why);
                }
                let content = response
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().next());
                if code.starts_with('2') {
                    if let Some(schema) = content.and_then(|c| c.get("schema")) {
                        let shape = type_of(doc, schema);
                        let resolved = resolve(doc, schema);
                        if let Some(why) = reason(resolved) {
                            accepted.insert("response shape".to_owned(), why);
                        }
                        out.response = Response {
                            shape,
                            fields: fields(doc, object_of(doc, schema), "response field", accepted),
                        };
                    }
                    out.statuses.insert(code.clone(), Vec::new());
                } else {
                    let found = content
                        .map(|c| messages(doc, c, code, accepted))
                        .unwrap_or_default();
                    out.statuses.insert(code.clone(), found);
                }
            }
            operations.insert(key, out);
        }
    }
    let contract = Contract {
        source: source.to_owned(),
        operations,
    };
    (contract, acceptances)
}
