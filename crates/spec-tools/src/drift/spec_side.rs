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
            operations.insert(key, operation(doc, &shared, op, accepted));
        }
    }
    let contract = Contract {
        source: source.to_owned(),
        operations,
    };
    (contract, acceptances)
}

/// One operation (with the parameters its path item shares), and the
/// differences it accepts.
fn operation(
    doc: &Value,
    shared: &[&Value],
    op: &Value,
    accepted: &mut BTreeMap<String, String>,
) -> Operation {
    listed(op, accepted);
    let mut out = Operation {
        parameters: parameters(doc, shared, op, accepted),
        body: body(doc, op, accepted),
        response: Response::none(),
        statuses: BTreeMap::new(),
    };
    for (code, response) in responses(doc, op) {
        read_response(doc, code, response, accepted, &mut out);
    }
    out
}

/// The parameters of the path item and of the operation, by `in name`.
fn parameters(
    doc: &Value,
    shared: &[&Value],
    op: &Value,
    accepted: &mut BTreeMap<String, String>,
) -> BTreeMap<String, Parameter> {
    let own = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let mut out = BTreeMap::new();
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
        out.insert(
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
    out
}

/// The fields of the JSON request body.
fn body(
    doc: &Value,
    op: &Value,
    accepted: &mut BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let body = op.get("requestBody").map(|b| resolve(doc, b));
    // A reason on the body itself covers every field of it.
    if let Some(why) = body.and_then(reason) {
        accepted.insert("body field".to_owned(), why);
    }
    let Some(schema) = body.and_then(|b| b.pointer("/content/application~1json/schema")) else {
        return BTreeMap::new();
    };
    let mut out = fields(doc, schema, "body field", accepted);
    if out.is_empty() {
        // A body that is not an object (an array of ids, say), named as
        // the Swagger reader names it.
        out.insert("(body)".to_owned(), type_of(doc, schema));
    }
    out
}

/// What the response for status `code` adds to `out`: a success's shape
/// and fields, an error's messages.
fn read_response(
    doc: &Value,
    code: &str,
    response: &Value,
    accepted: &mut BTreeMap<String, String>,
    out: &mut Operation,
) {
    let success = code.starts_with('2');
    if let Some(why) = reason(response) {
        let subject = if success {
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
    if !success {
        let found = content
            .map(|c| messages(doc, c, code, accepted))
            .unwrap_or_default();
        out.statuses.insert(code.to_owned(), found);
        return;
    }
    if let Some(schema) = content.and_then(|c| c.get("schema")) {
        let shape = type_of(doc, schema);
        if let Some(why) = reason(resolve(doc, schema)) {
            accepted.insert("response shape".to_owned(), why);
        }
        out.response = Response {
            shape,
            fields: fields(doc, object_of(doc, schema), "response field", accepted),
        };
    }
    out.statuses.insert(code.to_owned(), Vec::new());
}
