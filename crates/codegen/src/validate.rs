//! Checks that the spec keeps to the rules progenitor relies on.
//!
//! progenitor panics (an `assert!` deep in its method generation) on some of
//! these instead of returning an error; checking first turns each into a
//! one-line problem that names where it is and what to change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, RequestBody, Response, StatusCode};

/// One rule broken at one place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the document, e.g. `/paths/~1a~1{id}/get/responses/404`.
    pub pointer: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

fn problem(pointer: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub(crate) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

const JSON: &str = "application/json";

/// Checks the `openapi` version field of an untyped document.
pub(crate) fn version_problems(raw: &serde_json::Value) -> Vec<Problem> {
    if raw.get("swagger").is_some() {
        return vec![problem(
            "/swagger",
            "this is a Swagger 2.0 document; convert it to OpenAPI 3.0.x",
        )];
    }
    match raw.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0.") => Vec::new(),
        Some(v) => vec![problem(
            "/openapi",
            format!("version {v} is not supported; the generator reads OpenAPI 3.0.x only"),
        )],
        None => vec![problem(
            "/openapi",
            "missing `openapi: 3.0.x` field; this does not look like an OpenAPI document",
        )],
    }
}

/// Checks a parsed document; an empty list means the generator can take it.
pub fn validate(spec: &OpenAPI) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut operation_ids: BTreeMap<String, String> = BTreeMap::new();

    for (path, item) in &spec.paths.paths {
        let path_ptr = format!("/paths/{}", escape(path));
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                problems.push(problem(
                    &path_ptr,
                    "path items given by $ref are not supported; write the path item inline",
                ));
                continue;
            }
        };
        let template_params = template_parameters(path);
        for (method, op) in item.iter() {
            let ptr = format!("{path_ptr}/{method}");
            let Some(id) = op.operation_id.as_deref() else {
                problems.push(problem(
                    &ptr,
                    "operation has no operationId; add a unique one",
                ));
                continue;
            };
            if let Some(first) = operation_ids.insert(id.to_owned(), ptr.clone()) {
                problems.push(problem(
                    format!("{ptr}/operationId"),
                    format!("operationId `{id}` is also used at {first}; make it unique"),
                ));
            }
            let params: Vec<(String, Option<&Parameter>)> = item
                .parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{path_ptr}/parameters/{i}"), p))
                .chain(
                    op.parameters
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (format!("{ptr}/parameters/{i}"), p)),
                )
                .map(|(at, p)| (at, resolve_parameter(spec, p)))
                .collect();
            check_path_parameters(id, &path_ptr, &params, &template_params, &mut problems);
            check_request_body(spec, id, &ptr, op, &mut problems);
            check_responses(spec, id, &ptr, op, &mut problems);
        }
    }
    problems
}

/// The `{name}` segments of a path template.
fn template_parameters(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

fn check_path_parameters(
    id: &str,
    path_ptr: &str,
    params: &[(String, Option<&Parameter>)],
    template: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    let mut declared = BTreeSet::new();
    for (at, param) in params {
        let Some(param) = param else {
            problems.push(problem(
                at,
                format!("operation {id}: parameter $ref does not resolve to components/parameters; fix the reference"),
            ));
            continue;
        };
        let Parameter::Path { parameter_data, .. } = param else {
            continue;
        };
        let name = &parameter_data.name;
        if !template.contains(name) {
            problems.push(problem(
                at,
                format!(
                    "operation {id}: path parameter `{name}` does not appear in the path; remove it or add {{{name}}} to the path"
                ),
            ));
        }
        if !parameter_data.required {
            problems.push(problem(
                at,
                format!("operation {id}: path parameter `{name}` must be `required: true`"),
            ));
        }
        declared.insert(name.clone());
    }
    for name in template.difference(&declared) {
        problems.push(problem(
            path_ptr,
            format!(
                "operation {id}: path segment {{{name}}} is not declared as a path parameter; declare it with `in: path`"
            ),
        ));
    }
}

fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    resolve(p, "#/components/parameters/", |name| {
        spec.components
            .as_ref()
            .and_then(|c| c.parameters.get(name))
    })
}

fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    prefix: &str,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> Option<&'a T> {
    let mut current = item;
    // Follow at most a few hops: a $ref chain longer than that is a cycle.
    for _ in 0..8 {
        match current {
            ReferenceOr::Item(t) => return Some(t),
            ReferenceOr::Reference { reference } => {
                current = lookup(reference.strip_prefix(prefix)?)?;
            }
        }
    }
    None
}

fn check_request_body(
    spec: &OpenAPI,
    id: &str,
    ptr: &str,
    op: &Operation,
    problems: &mut Vec<Problem>,
) {
    let Some(body) = &op.request_body else {
        return;
    };
    let at = format!("{ptr}/requestBody");
    let Some(body): Option<&RequestBody> = resolve(body, "#/components/requestBodies/", |c| {
        spec.components
            .as_ref()
            .and_then(|comp| comp.request_bodies.get(c))
    }) else {
        problems.push(problem(
            at,
            format!(
                "operation {id}: request body $ref does not resolve to components/requestBodies"
            ),
        ));
        return;
    };
    for media in body.content.keys() {
        if media != JSON {
            problems.push(problem(
                format!("{at}/content/{}", escape(media)),
                format!(
                    "operation {id}: request body media type `{media}` is not supported; use {JSON}"
                ),
            ));
        }
    }
}

/// What a response carries, as far as the generator's one-type rule goes.
#[derive(Debug, Clone, PartialEq)]
enum BodyKind {
    None,
    Json(serde_json::Value),
}

fn check_responses(
    spec: &OpenAPI,
    id: &str,
    ptr: &str,
    op: &Operation,
    problems: &mut Vec<Problem>,
) {
    let mut success: Vec<(String, BodyKind)> = Vec::new();
    let mut failure: Vec<(String, BodyKind)> = Vec::new();
    let entries = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| (code_is_success(code), code.to_string(), r))
        .chain(
            op.responses
                .default
                .iter()
                .map(|r| (false, "default".to_owned(), r)),
        );
    for (is_success, code, response) in entries {
        let at = format!("{ptr}/responses/{code}");
        let Some(response): Option<&Response> = resolve(response, "#/components/responses/", |c| {
            spec.components
                .as_ref()
                .and_then(|comp| comp.responses.get(c))
        }) else {
            problems.push(problem(
                at,
                format!("operation {id}: response $ref does not resolve to components/responses"),
            ));
            continue;
        };
        if is_transport_response(response) {
            continue;
        }
        let mut kind = BodyKind::None;
        for (media, content) in &response.content {
            if media != JSON {
                problems.push(problem(
                    format!("{at}/content/{}", escape(media)),
                    format!(
                        "operation {id}: response media type `{media}` is not supported; use {JSON} only, and describe other bodies in prose"
                    ),
                ));
                continue;
            }
            let schema = content
                .schema
                .as_ref()
                .map(|s| serde_json::to_value(s).unwrap_or_default())
                .unwrap_or_default();
            kind = BodyKind::Json(schema);
        }
        if is_success {
            success.push((at, kind));
        } else {
            failure.push((at, kind));
        }
    }
    for (side, list, advice) in [
        (
            "success",
            &success,
            "give every 2xx response the same body schema, or none",
        ),
        (
            "error",
            &failure,
            "give every error response the same body schema (the ErrorMessage string), or none",
        ),
    ] {
        if let Some((first_at, first)) = list.first() {
            for (at, kind) in list.iter().skip(1) {
                if kind != first {
                    problems.push(problem(
                        at,
                        format!(
                            "operation {id}: {side} body differs from the one at {first_at}; the generator takes one {side} body type per operation, so {advice}"
                        ),
                    ));
                }
            }
        }
    }
}

fn code_is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(n) => (200..300).contains(n),
        StatusCode::Range(n) => *n == 2,
    }
}

/// The extension marking a response that any operation can get from the
/// layers in front of it (401, 402, 429). The generated client leaves these
/// to its hooks, so they are removed before generation and exempt from the
/// one-body-type rule.
pub const TRANSPORT_RESPONSE: &str = "x-toggl-transport-response";

pub(crate) fn is_transport_response(response: &Response) -> bool {
    response
        .extensions
        .get(TRANSPORT_RESPONSE)
        .is_some_and(|v| v.as_bool() == Some(true))
}

/// A copy of the spec without the transport responses, as the generator sees it.
pub fn for_generator(spec: &OpenAPI) -> OpenAPI {
    let mut copy = spec.clone();
    let components = spec.components.as_ref();
    for item in copy.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            op.responses.responses.retain(|_, r| {
                let resolved = resolve(r, "#/components/responses/", |name| {
                    components.and_then(|c| c.responses.get(name))
                });
                !resolved.is_some_and(is_transport_response)
            });
        }
    }
    copy
}
