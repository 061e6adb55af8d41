//! `cargo xtask check`, `drift` and `evidence` as commands: exit codes,
//! one-line errors, nothing written on failure, and the JSON reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn temp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

pub(crate) fn assert_bad_input(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn the_stored_facts_show_no_unaccepted_drift() {
    let o = xtask(&["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("drift against docs") && out.contains("0 unaccepted"),
        "{out}"
    );
}

#[test]
fn a_missing_file_is_one_line_and_exit_2() {
    assert_bad_input(
        &xtask(&["drift", "--docs", "/nonexistent/page.txt"]),
        "/nonexistent/page.txt: cannot read",
    );
}

#[test]
fn invalid_yaml_and_openapi_3_1_specs_are_refused() {
    let bad = temp("bad.yaml", "openapi: 3.0.3\npaths: [unclosed\n");
    assert_bad_input(
        &xtask(&["drift", "--spec", bad.to_str().expect("utf-8")]),
        "not a valid OpenAPI 3.0 document",
    );
    let v31 = temp(
        "v31.yaml",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    assert_bad_input(
        &xtask(&["drift", "--spec", v31.to_str().expect("utf-8")]),
        "/openapi: version 3.1.0 is not supported",
    );
}

#[test]
fn an_unrecognised_page_is_refused() {
    let page = temp("page.html", "<html><body><h1>We moved!</h1></body></html>");
    assert_bad_input(
        &xtask(&["drift", "--docs", page.to_str().expect("utf-8")]),
        "no operation recognised",
    );
}

#[test]
fn an_unreachable_url_is_refused() {
    // Nothing listens on port 9 of the loopback interface.
    assert_bad_input(
        &xtask(&["drift", "--docs", "http://127.0.0.1:9/docs/api/clients"]),
        "cannot fetch",
    );
}

#[test]
fn a_failed_update_writes_nothing() {
    let stored = root().join("openapi/drift/docs.json");
    let before = std::fs::read(&stored).expect("stored facts exist");
    let page = temp("empty.txt", "nothing to see");
    assert_bad_input(
        &xtask(&["drift", "--update", "--docs", page.to_str().expect("utf-8")]),
        "no operation recognised",
    );
    assert_eq!(std::fs::read(&stored).expect("still there"), before);
}

#[test]
fn bad_usage_is_exit_2_for_every_task() {
    for args in [
        &["drift", "--format", "yaml"][..],
        &["drift", "--update"],
        &["drift", "--bogus"],
        &["ci", "extra"],
        &["docs", "extra"],
        &["regen", "extra"],
        &["bench", "nonsense"],
        &["no-such-task"],
        &[],
    ] {
        let o = xtask(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(xtask(&["--help"]).status.code(), Some(0));
}

/// The real spec with a reference cycle added: `TrackClient` becomes a
/// reference to `Loop`, which refers back to it.
fn cyclic_spec() -> PathBuf {
    let text = std::fs::read_to_string(root().join(toggl_track_codegen::SPEC_PATH)).expect("spec");
    let changed = text.replacen(
        "  schemas:\n    TrackClient:\n",
        "  schemas:\n    Loop:\n      $ref: \"#/components/schemas/TrackClient\"\n    TrackClient:\n      $ref: \"#/components/schemas/Loop\"\n    Unused:\n",
        1,
    );
    assert_ne!(changed, text, "the fixture edit applied");
    temp("cyclic.yaml", &changed)
}

#[test]
fn a_reference_cycle_is_exit_2_with_one_line_naming_the_pointer() {
    let spec = cyclic_spec();
    let spec = spec.to_str().expect("utf-8");
    for task in ["check", "drift"] {
        let o = xtask(&[task, "--spec", spec]);
        assert_bad_input(&o, "/components/schemas/Loop/$ref");
        assert!(
            stderr(&o).contains("reference cycle"),
            "{task}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_deliberate_difference_without_evidence_fails_drift() {
    let text = std::fs::read_to_string(root().join(toggl_track_codegen::SPEC_PATH)).expect("spec");
    let marker = "        sources: [webapp-capture]\n        confidence: likely\n    PerPage:";
    assert!(text.contains(marker), "the fixture's anchor is in the spec");
    let changed = text.replace(marker, "    PerPage:");
    let spec = temp("unbacked.yaml", &changed);
    let o = xtask(&["drift", "--spec", spec.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("/components/parameters/Page/x-toggl-drift-accepted: no `sources`"),
        "{err}"
    );
    assert!(err.contains("without their evidence"), "{err}");
}

#[test]
fn evidence_lists_unconfirmed_claims_most_consequential_first() {
    let o = xtask(&["evidence", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    let claims = report["claims"].as_array().expect("claims");
    assert!(!claims.is_empty());
    assert!(claims.iter().all(|c| c["confidence"] != "confirmed"));
    let order = ["requests", "responses", "errors", "behaviour"];
    let ranks: Vec<usize> = claims
        .iter()
        .map(|c| {
            order
                .iter()
                .position(|o| c["impact"] == *o)
                .expect("known impact")
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert!(
        claims[0]["pointer"]
            .as_str()
            .is_some_and(|p| p.contains("/parameters/") || p.contains("requestBody")),
        "{}",
        claims[0]
    );
    let text = xtask(&["evidence"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.starts_with(&format!("{} claims to check", claims.len())),
        "{out}"
    );
}

#[test]
fn unaccepted_drift_is_exit_1_with_a_json_report() {
    // The real spec without the 404 of one operation.
    let text = std::fs::read_to_string(root().join(toggl_track_codegen::SPEC_PATH)).expect("spec");
    let marker = "          description: The client is not in this workspace.";
    assert!(text.contains(marker));
    let changed = text.replace(
        "        \"404\":\n          description: The client is not in this workspace.",
        "        \"418\":\n          description: The client is not in this workspace.",
    );
    assert_ne!(changed, text, "the fixture edit applied");
    let spec = temp("changed.yaml", &changed);
    let o = xtask(&[
        "drift",
        "--spec",
        spec.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    assert!(report["unaccepted"].as_u64().expect("count") >= 2);
    let subjects: Vec<&str> = report["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .filter(|d| d["accepted"].is_null())
        .filter_map(|d| d["subject"].as_str())
        .collect();
    assert!(subjects.contains(&"status 404"), "{subjects:?}");
    assert!(subjects.contains(&"status 418"), "{subjects:?}");
}
