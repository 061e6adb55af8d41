//! What the generator sees: the spec without its transport responses.
//!
//! `401`, `402` and `429` come from the layers in front of every operation
//! with bodies that are not the operation's error type (empty, a plain
//! sentence, an HTML page). progenitor takes one error body type per
//! operation, so they are removed before generation and the hand-written
//! hooks handle them.

use openapiv3::OpenAPI;
use serde_json::Value;

use toggl_track_spec::refs;
use toggl_track_spec::vocabulary::is_transport_response;

/// A copy of the spec without the transport responses, as the generator sees it.
pub fn for_generator(spec: &OpenAPI, raw: &Value) -> OpenAPI {
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
            op.responses.responses.retain(|_, r| {
                let as_json = serde_json::to_value(&*r).unwrap_or_default();
                !refs::resolve(raw, &as_json).is_ok_and(is_transport_response)
            });
        }
    }
    copy
}
