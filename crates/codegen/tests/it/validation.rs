//! Each rule the generator relies on, broken on purpose in a small document:
//! the problem comes back as one line naming the place and what to change,
//! and generation never panics.

use std::path::Path;

use toggl_track_codegen::{CodegenError, SpecError, generate, parse};

const MINIMAL: &str = include_str!("fixtures/minimal.yaml");

fn problems_of(text: &str) -> Vec<String> {
    match parse(Path::new("spec.yaml"), text) {
        Ok(_) => Vec::new(),
        Err(
            CodegenError::Invalid { problems, .. }
            | CodegenError::Spec(SpecError::Invalid { problems, .. }),
        ) => problems.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    }
}

fn assert_one_problem(text: &str, pointer: &str, needle: &str) {
    let problems = problems_of(text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with(pointer), "{problems:#?}");
    assert!(problems[0].contains(needle), "{problems:#?}");
}

#[test]
fn the_minimal_fixture_is_valid_and_generates() {
    let spec = parse(Path::new("minimal.yaml"), MINIMAL).expect("valid");
    let code = generate(Path::new("minimal.yaml"), &spec)
        .expect("generates")
        .compact();
    assert!(code.contains("pub async fn send"));
    assert!(code.contains("OPERATIONS"));
}

#[test]
fn openapi_3_1_is_refused_at_the_version_field() {
    assert_one_problem(
        &MINIMAL.replace("3.0.3", "3.1.0"),
        "/openapi",
        "must be OpenAPI 3.0.x",
    );
}

#[test]
fn swagger_2_is_refused() {
    assert_one_problem(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
        "/swagger",
        "convert",
    );
}

#[test]
fn a_missing_operation_id_is_reported() {
    assert_one_problem(
        &MINIMAL.replace("      operationId: getThing\n", ""),
        "/paths/~1things~1{thing_id}/get",
        "operationId",
    );
}

#[test]
fn a_duplicate_operation_id_is_reported() {
    let text = format!(
        "{MINIMAL}  /other:\n    get:\n      operationId: getThing\n      responses:\n        \"204\": {{description: none}}\n"
    );
    // Which of the two is named first depends on the order the document's
    // maps are read in; the problem names both.
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("/paths/~1other/get")
            && problems[0].contains("/paths/~1things~1{thing_id}/get")
            && problems[0].contains("also used"),
        "{problems:#?}"
    );
}

#[test]
fn an_undeclared_path_parameter_is_reported() {
    let text = MINIMAL.replace(
        "        - {name: thing_id, in: path, required: true, schema: {type: integer}}\n",
        "        - {name: q, in: query, schema: {type: string}}\n",
    );
    assert_one_problem(
        &text,
        "/paths/~1things~1{thing_id}",
        "{thing_id} is not declared",
    );
}

#[test]
fn a_declared_parameter_missing_from_the_path_is_reported() {
    let text = MINIMAL.replace("/things/{thing_id}:", "/things/{id}:");
    let problems = problems_of(&text);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`thing_id` does not appear in the path")),
        "{problems:#?}"
    );
}

#[test]
fn failures_of_any_shape_generate_as_the_pipeline_reads_them() {
    // A bodiless 403, a JSON 404 and a plain-text 429 in one operation: the
    // generator never sees failures, so they neither fail nor panic it.
    let text = format!(
        "{MINIMAL}        \"403\":\n          description: bodiless\n        \"429\":\n          description: limited\n          content:\n            text/plain:\n              schema:\n                type: string\n"
    );
    assert_eq!(problems_of(&text), Vec::<String>::new());
    let spec = parse(Path::new("spec.yaml"), &text).expect("valid");
    let code = generate(Path::new("spec.yaml"), &spec)
        .expect("generates")
        .compact();
    assert!(
        code.contains("crate :: pipeline :: invoke"),
        "the send goes through the pipeline"
    );
    assert!(!code.contains("api-version"), "no api-version header");
    assert!(
        !code.contains("impl ClientInfo"),
        "no back door to the inner client"
    );
}

#[test]
fn mixed_success_bodies_are_reported() {
    let text = MINIMAL.replace(
        "        \"404\":",
        "        \"204\":\n          description: none\n        \"404\":",
    );
    assert_one_problem(
        &text,
        "/paths/~1things~1{thing_id}/get/responses/204",
        "one success body type",
    );
}

#[test]
fn a_non_json_request_body_is_reported() {
    let text = MINIMAL.replace(
        "      operationId: getThing\n",
        "      operationId: getThing\n      requestBody:\n        content:\n          text/plain:\n            schema: {type: string}\n",
    );
    assert_one_problem(
        &text,
        "/paths/~1things~1{thing_id}/get/requestBody/content/text~1plain",
        "use application/json",
    );
}

#[test]
fn a_non_json_success_is_reported() {
    let text = MINIMAL.replace(
        "        \"200\":\n          description: ok\n          content:\n            application/json:",
        "        \"200\":\n          description: ok\n          content:\n            text/plain:",
    );
    assert_one_problem(
        &text,
        "/paths/~1things~1{thing_id}/get/responses/200/content/text~1plain",
        "application/json only",
    );
}

#[test]
fn invalid_yaml_names_the_file_and_the_place() {
    let err = parse(
        Path::new("broken.yaml"),
        "openapi: 3.0.3\npaths: [unclosed\n",
    )
    .expect_err("invalid");
    let text = err.to_string();
    assert!(text.starts_with("broken.yaml: "), "{text}");
    assert!(text.contains("line"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn a_wrong_shape_is_a_parse_error_not_a_panic() {
    let err =
        parse(Path::new("s.yaml"), "openapi: 3.0.3\ninfo: 7\npaths: {}\n").expect_err("invalid");
    assert!(
        matches!(
            err,
            CodegenError::Spec(toggl_track_codegen::SpecError::Parse { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_is_a_read_error() {
    let err = toggl_track_codegen::load(Path::new("/nonexistent/spec.yaml")).expect_err("missing");
    assert!(
        err.to_string()
            .starts_with("/nonexistent/spec.yaml: cannot read"),
        "{err}"
    );
}

#[test]
fn a_generator_failure_is_an_error_not_a_panic() {
    // A $ref that resolves, but to something that is not a component
    // schema, passes the checks above and makes the generator fail; the
    // failure must come back as an error.
    let text = MINIMAL.replace(
        "schema: {type: object, properties: {id: {type: integer}}}",
        "schema: {$ref: '#/info'}",
    );
    let spec = parse(Path::new("s.yaml"), &text).expect("passes validation");
    let err = generate(Path::new("s.yaml"), &spec).expect_err("generator fails");
    assert!(matches!(err, CodegenError::Generator { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("s.yaml: the generator rejected the spec"),
        "{err}"
    );
}

#[test]
fn a_reference_cycle_is_one_line_naming_the_pointer_not_a_hang() {
    let text = format!(
        "{}components:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n",
        MINIMAL.replace(
            "schema: {type: object, properties: {id: {type: integer}}}",
            "schema: {$ref: '#/components/schemas/A'}",
        )
    );
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("/components/schemas/A/$ref: ")
            && problems[0].contains("reference cycle"),
        "{problems:#?}"
    );
}

#[test]
fn a_dangling_reference_is_reported_where_it_is_written() {
    let text = MINIMAL.replace(
        "schema: {type: object, properties: {id: {type: integer}}}",
        "schema: {$ref: '#/components/schemas/Missing'}",
    );
    assert_one_problem(
        &text,
        "/paths/~1things~1{thing_id}/get/responses/200/content/application~1json/schema/$ref",
        "does not resolve",
    );
}

/// The project's own spec, as the maintainer edits it.
fn project_spec() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/toggl-track-v9.yaml");
    std::fs::read_to_string(path).expect("the project's spec")
}

#[test]
fn a_sentence_that_does_not_fit_its_template_is_named() {
    // The value of `NameTooLong` (whose template ends in `{limit}`) reworded
    // so that it no longer ends in a number.
    let mut spec = project_spec();
    let at = spec.find("\n    NameTooLong:\n").expect("the example");
    let value = at + spec[at..].find("      value: ").expect("its value");
    let end = value + spec[value..].find('\n').expect("a line");
    spec.replace_range(value..end, "      value: Client names are limited");
    assert_one_problem(
        &spec,
        "/components/examples/NameTooLong",
        "does not fit the template",
    );
}

#[test]
fn a_sentence_with_a_reason_the_client_does_not_know_is_named() {
    let spec = project_spec().replacen(
        "      x-toggl-sentence:\n        reason: NameTaken\n",
        "      x-toggl-sentence:\n        reason: NameStolen\n",
        1,
    );
    assert_one_problem(
        &spec,
        "/components/examples/NameTaken",
        "`NameStolen` is not a reason of a 400",
    );
}

#[test]
fn a_sentence_no_answer_uses_is_named() {
    let spec = project_spec().replacen(
        "\n  examples:\n    QuotaUsedUp:\n",
        "\n  examples:\n    Unused:\n      value: Nobody says this\n      x-toggl-sentence: {}\n    QuotaUsedUp:\n",
        1,
    );
    assert_one_problem(
        &spec,
        "/components/examples/Unused",
        "no error answer uses this sentence",
    );
}
