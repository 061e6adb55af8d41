//! What the generator sees: the spec without its transport responses.
//!
//! `401`, `402` and `429` come from the layers in front of every operation
//! with bodies that are not the operation's error type (empty, a plain
//! sentence, an HTML page). progenitor takes one error body type per
//! operation, so they are removed before generation and the hand-written
//! hooks handle them.

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::refs;

/// The extension marking a response that any operation can get from the
/// layers in front of it (401, 402, 429).
pub const TRANSPORT_RESPONSE: &str = "x-toggl-transport-response";

/// Whether a response (given as JSON) is marked as a transport response.
pub fn is_transport_response(response: &Value) -> bool {
    marks_transport(response.get(TRANSPORT_RESPONSE))
}

/// Whether the value of the [`TRANSPORT_RESPONSE`] extension marks one.
pub(crate) fn marks_transport(flag: Option<&Value>) -> bool {
    flag.and_then(Value::as_bool) == Some(true)
}

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
