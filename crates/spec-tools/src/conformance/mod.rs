//! Recorded exchanges against the spec: every entry of a HAR file (the
//! format browsers' developer tools export) is checked for an operation of
//! the spec, declared query parameters, a listed status and bodies that
//! validate against the schemas; an import keeps only the exchanges with
//! this API and strips every secret.

mod check;
pub mod schema;

pub use check::{BASE_PATH, Operation, api_path, check, find, operations};
use toggl_track_har::{Har, redact};

/// What is wrong with the entries of one recording, one line each naming
/// the entry (`entry 3 (GET /workspaces/1/clients -> 200)`), the operation
/// and the JSON pointer.
pub fn check_har(doc: &serde_json::Value, har: &Har) -> Vec<String> {
    let operations = operations(doc);
    let mut problems = Vec::new();
    for (i, entry) in har.log.entries.iter().enumerate() {
        let what = format!(
            "entry {i} ({} {} -> {})",
            entry.request.method,
            api_path(&entry.request.url).unwrap_or_else(|| entry.request.url.clone()),
            entry.response.status
        );
        for problem in check(doc, &operations, entry) {
            problems.push(format!("{what}: {problem}"));
        }
    }
    problems
}

/// The entries of `har` that are exchanges with the spec's operations,
/// stripped of every secret, with a note added to the file's comment
/// (`note` gets how many entries were kept, of how many); `None` when
/// there is none.
pub fn import(
    doc: &serde_json::Value,
    mut har: Har,
    note: impl FnOnce(usize, usize) -> String,
) -> Option<Har> {
    let operations = operations(doc);
    let total = har.log.entries.len();
    har.log.entries.retain(|e| {
        api_path(&e.request.url).is_some_and(|p| find(&operations, &e.request.method, &p).is_some())
    });
    if har.log.entries.is_empty() {
        return None;
    }
    let note = note(har.log.entries.len(), total);
    har.log.comment = Some(match har.log.comment.take() {
        Some(c) if !c.is_empty() => format!("{c}\n{note}"),
        _ => note,
    });
    Some(redact::har(har))
}
