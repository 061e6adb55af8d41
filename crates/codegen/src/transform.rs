//! What the generator sees: the spec with its successes only.
//!
//! The Rust client reads every failure in one hand-written place (the
//! crate's `pipeline`), whatever its status and body: a JSON string, plain
//! text, an HTML page or nothing. progenitor would take one error body type
//! per operation (and asserts when an operation's errors mix media types),
//! so the failures are removed before generation: the spec declares them
//! as the service sends them, for every other reader, and the generator
//! never depends on their shape.

use openapiv3::OpenAPI;

/// A copy of the spec without failure responses, as the generator sees it.
pub fn for_generator(spec: &OpenAPI) -> OpenAPI {
    let mut copy = spec.clone();
    for item in copy.paths.paths.values_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
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
            op.responses.default = None;
            op.responses
                .responses
                .retain(|code, _| code.to_string().starts_with('2'));
        }
    }
    copy
}
