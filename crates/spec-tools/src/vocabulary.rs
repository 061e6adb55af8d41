//! The spec's own extensions, `x-toggl-*`: every name, what it means, and
//! how to read the ones the generator acts on. The generator, drift, the
//! evidence ledger and conformance all name them through here.

use serde_json::Value;

use crate::Problem;

/// On the document: the sources evidence may name, each with a title and
/// often a URL.
pub const SOURCES: &str = "x-toggl-sources";
/// A claim about the service that drift cannot see, with its `sources` and
/// `confidence` (and optionally `impact` and `note`).
pub const EVIDENCE: &str = "x-toggl-evidence";
/// A deliberate difference from Toggl's documentation, next to what it
/// concerns (or as `{about, ...}` entries on an operation or the
/// document), with its `reason`, `sources` and `confidence`.
pub const DRIFT_ACCEPTED: &str = "x-toggl-drift-accepted";
/// On a response: it comes from the layers in front of every operation
/// (401, 402, 429) with a body that is not the operation's error type, so
/// generators leave it out and the client handles it in one place.
pub const TRANSPORT_RESPONSE: &str = "x-toggl-transport-response";
/// On an operation: the hourly quota it counts against, `organization`
/// (when absent) or `user`.
pub const QUOTA: &str = "x-toggl-quota";
/// On an operation: its operationId in Toggl's Swagger file.
pub const OPERATION_ID: &str = "x-toggl-operation-id";
/// On `info`: where Toggl's reference page and Swagger file live.
pub const DOCS: &str = "x-toggl-docs";
/// On a named example of an error answer: the example is one of Toggl's
/// sentences, with the `reason` the Rust client gives it and, where parts
/// of it vary, its `template` (`{name}` for each part).
pub const SENTENCE: &str = "x-toggl-sentence";

/// Every name of the vocabulary.
pub const ALL: [&str; 8] = [
    SOURCES,
    EVIDENCE,
    DRIFT_ACCEPTED,
    TRANSPORT_RESPONSE,
    QUOTA,
    OPERATION_ID,
    DOCS,
    SENTENCE,
];

/// The confidences a claim may carry, most certain first.
pub const CONFIDENCES: [&str; 3] = ["confirmed", "likely", "guess"];

/// Whether a response (given as JSON) is marked as a transport response.
pub fn is_transport_response(response: &Value) -> bool {
    marks_transport(response.get(TRANSPORT_RESPONSE))
}

/// Whether the value of the [`TRANSPORT_RESPONSE`] extension marks one.
pub fn marks_transport(flag: Option<&Value>) -> bool {
    flag.and_then(Value::as_bool) == Some(true)
}

/// The quota an operation counts against, from its [`QUOTA`] extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// Per user per organization (workspace operations).
    Organization,
    /// The user-level quota of `/me` operations.
    User,
}

/// The quota named by an operation's [`QUOTA`] extension value.
pub fn quota(value: Option<&Value>) -> Quota {
    match value.and_then(Value::as_str) {
        Some("user") => Quota::User,
        _ => Quota::Organization,
    }
}

/// Every `x-toggl-*` key of the document that is not in the vocabulary (a
/// misspelt extension is otherwise silently ignored), one problem each.
pub fn unknown_extensions(doc: &Value) -> Vec<Problem> {
    let mut found = Vec::new();
    crate::refs::for_each_object(doc, &mut |at, object| {
        for key in object.keys() {
            if key.starts_with("x-toggl-") && !ALL.contains(&key.as_str()) {
                found.push(Problem::new(
                    format!("{at}/{}", crate::refs::escape(key)),
                    format!(
                        "`{key}` is not an extension of this spec (known: {})",
                        ALL.join(", ")
                    ),
                ));
            }
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_extension_is_named_where_it_is() {
        let doc =
            json!({"paths": {"/a": {"get": {"x-toggl-quota": "user", "x-toggl-qouta": "user"}}}});
        let found = unknown_extensions(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/paths/~1a/get/x-toggl-qouta");
    }

    #[test]
    fn quotas_and_transport_marks_are_read() {
        assert_eq!(quota(Some(&json!("user"))), Quota::User);
        assert_eq!(quota(None), Quota::Organization);
        assert!(is_transport_response(&json!({TRANSPORT_RESPONSE: true})));
        assert!(!is_transport_response(&json!({})));
    }

    #[test]
    fn the_project_spec_uses_only_the_vocabulary() {
        let path = crate::tests::workspace_root().join(crate::SPEC_PATH);
        let doc = crate::load_document(&path).expect("the spec loads");
        assert_eq!(unknown_extensions(&doc), []);
    }
}
