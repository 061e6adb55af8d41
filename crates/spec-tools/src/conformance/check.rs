//! One recorded exchange against the spec: its operation exists, its query
//! parameters are declared, its status is listed, and its bodies validate
//! against the schemas. (That the Rust client's types decode them is a test
//! of the client crate, beside those types.)

use crate::locations::{locate, place_of_pointer};
use crate::paths::{Segment, Template};
use crate::refs;
use serde_json::Value;

use super::schema::Checker;
use toggl_track_har::{Entry, header};

/// The path every operation sits under.
pub const BASE_PATH: &str = "/api/v9";

/// An operation of the spec.
pub struct Operation<'a> {
    pub id: String,
    pub method: String,
    pub template: Template,
    pub node: &'a Value,
    /// Parameters of the path item and the operation, resolved.
    pub parameters: Vec<&'a Value>,
}

/// Every operation of the spec.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let shared = item.get("parameters").and_then(Value::as_array);
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let own = op.get("parameters").and_then(Value::as_array);
            let parameters = shared
                .into_iter()
                .flatten()
                .chain(own.into_iter().flatten())
                .map(|p| refs::resolve_lenient(doc, p))
                .collect();
            out.push(Operation {
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                method: method.to_ascii_uppercase(),
                template: Template::parse(path),
                node: op,
                parameters,
            });
        }
    }
    out
}

/// The path of `url` below [`BASE_PATH`], if it is this API's.
pub fn api_path(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let path = parsed.path();
    let at = path.find(BASE_PATH)?;
    Some(path[at + BASE_PATH.len()..].to_owned())
}

/// The operation `method path` is, preferring literal segments
/// (`/clients/archive` over `/clients/{client_id}`).
pub fn find<'a, 'd>(
    operations: &'a [Operation<'d>],
    method: &str,
    path: &str,
) -> Option<&'a Operation<'d>> {
    operations
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method) && op.template.matches(path).is_some())
        .max_by_key(|op| {
            op.template
                .segments()
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count()
        })
}

/// What is wrong with one exchange, each with the JSON pointer it concerns.
pub fn check(doc: &Value, operations: &[Operation<'_>], entry: &Entry) -> Vec<String> {
    let Some(path) = api_path(&entry.request.url) else {
        return vec![format!("{} is not under {BASE_PATH}", entry.request.url)];
    };
    let Some(op) = find(operations, &entry.request.method, &path) else {
        return vec![format!(
            "no operation of the spec is {} {path}",
            entry.request.method
        )];
    };
    let mut found = undeclared_query(op, &entry.request.url);
    let op_pointer = format!(
        "#/paths/{}/{}",
        refs::escape(op.template.as_str()),
        op.method.to_ascii_lowercase()
    );
    request_body(doc, op, entry, &op_pointer, &mut found);
    response(doc, op, entry, &op_pointer, &mut found);
    found
}

/// The query parameters of `url` that `op` does not declare.
fn undeclared_query(op: &Operation<'_>, url: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(url) else {
        return Vec::new();
    };
    url.query_pairs()
        .filter(|(name, _)| {
            !op.parameters.iter().any(|p| {
                p.get("in").and_then(Value::as_str) == Some("query")
                    && p.get("name").and_then(Value::as_str) == Some(&**name)
            })
        })
        .map(|(name, _)| format!("{}: query parameter `{name}` is not declared", op.id))
        .collect()
}

/// The request body against the schema the spec describes for it, if any;
/// `op_pointer` is where the operation sits in the spec.
fn request_body(
    doc: &Value,
    op: &Operation<'_>,
    entry: &Entry,
    op_pointer: &str,
    found: &mut Vec<String>,
) {
    let Some(text) = entry
        .request
        .post_data
        .as_ref()
        .map(|p| p.text.as_str())
        .filter(|t| !t.trim().is_empty())
    else {
        return;
    };
    let declared = op.node.get("requestBody");
    let Some(schema) = declared
        .map(|b| refs::resolve_lenient(doc, b))
        .and_then(|b| b.pointer("/content/application~1json/schema"))
    else {
        found.push(format!(
            "{}: a request body where the spec describes none",
            op.id
        ));
        return;
    };
    let body_pointer = match declared.and_then(|b| b.get("$ref")).and_then(Value::as_str) {
        Some(reference) => reference.to_owned(),
        None => format!("{op_pointer}/requestBody"),
    };
    let at = format!("{body_pointer}/content/application~1json/schema");
    body(doc, found, &op.id, "request body", text, (schema, &at));
}

/// The status against those the operation lists, and the response body
/// against the schema of its media type.
fn response(
    doc: &Value,
    op: &Operation<'_>,
    entry: &Entry,
    op_pointer: &str,
    found: &mut Vec<String>,
) {
    let status = entry.response.status.to_string();
    let Some((response, response_pointer)) = listed_response(doc, op, &status, op_pointer) else {
        found.push(format!("{}: status {status} is not listed", op.id));
        return;
    };
    let Some(text) = entry
        .response
        .content
        .body()
        .filter(|t| !t.trim().is_empty())
    else {
        return;
    };
    let media = header(&entry.response.headers, "content-type")
        .unwrap_or(&entry.response.content.mime_type)
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(contents) = response.get("content").and_then(Value::as_object) else {
        // No body described (a bodiless success, an empty 401, an HTML
        // 429): whatever came is not read.
        return;
    };
    let Some(schema) = contents.get(&media).and_then(|c| c.get("schema")) else {
        found.push(format!(
            "{}: a {media} body is not described for status {status} (described: {})",
            op.id,
            contents.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
        return;
    };
    if !media.contains("json") {
        return;
    }
    let is_array = refs::resolve_lenient(doc, schema)
        .get("type")
        .and_then(Value::as_str)
        == Some("array");
    // A `null` list reads as an empty one (the spec's documented tolerance).
    if is_array && text.trim() == "null" {
        return;
    }
    let at = format!("{response_pointer}/content/{}/schema", refs::escape(&media));
    body(doc, found, &op.id, "response body", &text, (schema, &at));
}

/// The response `op` lists for `status` (that code, its class such as
/// `4XX`, or `default`), resolved, with where it is described in the spec.
fn listed_response<'d>(
    doc: &'d Value,
    op: &Operation<'d>,
    status: &str,
    op_pointer: &str,
) -> Option<(&'d Value, String)> {
    let responses = op.node.get("responses")?;
    let (code, node) = [
        status.to_owned(),
        format!("{}XX", &status[..1]),
        "default".to_owned(),
    ]
    .into_iter()
    .find_map(|code| responses.get(&code).map(|node| (code, node)))?;
    let pointer = match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.to_owned(),
        None => format!("{op_pointer}/responses/{code}"),
    };
    Some((refs::resolve_lenient(doc, node), pointer))
}

/// Parses `text` as JSON and validates it against `schema` (the node, and
/// where it sits in the spec). Each problem names the place in the body as
/// the client's errors name it (`[37].creator_id`), and the spec's
/// location for it.
fn body(
    doc: &Value,
    found: &mut Vec<String>,
    op: &str,
    what: &str,
    text: &str,
    (schema, pointer): (&Value, &str),
) {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            found.push(format!("{op}: the {what} is not JSON: {e}"));
            return;
        }
    };
    match Checker::new(doc, schema) {
        Ok(checker) => {
            for (at, why) in checker.errors(&value) {
                let place = place_of_pointer(&at);
                let spec = locate(doc, pointer, &place)
                    .map(|l| format!(" ({}; the spec expects {})", l.pointer, l.expected))
                    .unwrap_or_default();
                found.push(format!("{op}: {what} at {place}{spec}: {why}"));
            }
        }
        Err(e) => found.push(format!("{op}: {e}")),
    }
}
