//! Checks that the spec keeps to the rules progenitor relies on.
//!
//! progenitor panics (an `assert!` deep in its method generation) on some of
//! these instead of returning an error; checking first turns each into a
//! one-line problem that names where it is and what to change.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{Operation, Parameter, ReferenceOr, StatusCode};
use serde_json::Value;

use toggl_track_spec_tools::paths::Template;
use toggl_track_spec_tools::refs::{self, escape};
use toggl_track_spec_tools::{Problem, Spec};

fn problem(pointer: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem::new(pointer, message)
}

const JSON: &str = "application/json";

/// Checks a parsed document; an empty list means the generator can take it.
pub fn validate(spec: &Spec) -> Vec<Problem> {
    let Spec { typed, raw } = spec;
    let mut problems = Vec::new();
    let mut operation_ids: BTreeMap<String, String> = BTreeMap::new();

    for (path, item) in &typed.paths.paths {
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
        let template_params: BTreeSet<String> =
            Template::parse(path).parameters().into_iter().collect();
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
            let params: Vec<(
                String,
                Result<std::borrow::Cow<'_, Parameter>, refs::RefError>,
            )> = item
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
                .map(|(at, p)| (at, refs::item(raw, p, "a parameter")))
                .collect();
            check_path_parameters(id, &path_ptr, &params, &template_params, &mut problems);
            check_request_body(raw, id, &ptr, op, &mut problems);
            check_responses(raw, id, &ptr, op, &mut problems);
        }
    }
    problems
}

fn check_path_parameters(
    id: &str,
    path_ptr: &str,
    params: &[(
        String,
        Result<std::borrow::Cow<'_, Parameter>, refs::RefError>,
    )],
    template: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    let mut declared = BTreeSet::new();
    for (at, param) in params {
        let param = match param {
            Ok(param) => param,
            Err(e) => {
                problems.push(problem(at, format!("operation {id}: {e}")));
                continue;
            }
        };
        let Parameter::Path { parameter_data, .. } = param.as_ref() else {
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

fn check_request_body(
    raw: &Value,
    id: &str,
    ptr: &str,
    op: &Operation,
    problems: &mut Vec<Problem>,
) {
    let Some(body) = &op.request_body else {
        return;
    };
    let at = format!("{ptr}/requestBody");
    let body = match refs::item(raw, body, "a request body") {
        Ok(body) => body,
        Err(e) => {
            problems.push(problem(at, format!("operation {id}: {e}")));
            return;
        }
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

/// What a success carries, as far as the generator's one-type rule goes.
#[derive(Debug, Clone, PartialEq)]
enum BodyKind {
    None,
    Json(serde_json::Value),
}

/// The successes' bodies: JSON only, one schema (or none) for all. Failures
/// are not the generator's: it never sees them (see `transform`), so they
/// may carry any media type the service sends.
fn check_responses(raw: &Value, id: &str, ptr: &str, op: &Operation, problems: &mut Vec<Problem>) {
    let mut success: Vec<(String, BodyKind)> = Vec::new();
    let entries = op
        .responses
        .responses
        .iter()
        .filter(|(code, _)| code_is_success(code));
    for (code, response) in entries {
        let at = format!("{ptr}/responses/{code}");
        let response = match refs::item(raw, response, "a response") {
            Ok(response) => response,
            Err(e) => {
                problems.push(problem(at, format!("operation {id}: {e}")));
                continue;
            }
        };
        let mut kind = BodyKind::None;
        for (media, content) in &response.content {
            if media != JSON {
                problems.push(problem(
                    format!("{at}/content/{}", escape(media)),
                    format!(
                        "operation {id}: response media type `{media}` is not supported for a success; use {JSON} only, and describe other bodies in prose"
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
        success.push((at, kind));
    }
    if let Some((first_at, first)) = success.first() {
        for (at, kind) in success.iter().skip(1) {
            if kind != first {
                problems.push(problem(
                    at,
                    format!(
                        "operation {id}: success body differs from the one at {first_at}; the generator takes one success body type per operation, so give every 2xx response the same body schema, or none"
                    ),
                ));
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
