//! Facts about the operations that the hand-written layer needs, derived
//! from the spec so that they cannot fall out of step with it.

use heck::ToSnakeCase;
use openapiv3::{Operation, ReferenceOr, Response};
use quote::quote;
use serde_json::Value;

use toggl_track_spec::paths::Template;
use toggl_track_spec::vocabulary::{self, QUOTA};
use toggl_track_spec::{Spec, refs};

/// Emits `mod operation_facts`: one entry per operation (by the generated
/// method name, as `OperationInfo::operation_id` reports it) with its method,
/// path template, where its ids sit in the URL, the shape of its success
/// body and the quota it counts against.
pub(crate) fn operation_facts(spec: &Spec) -> proc_macro2::TokenStream {
    let mut rows: Vec<(String, proc_macro2::TokenStream)> = Vec::new();
    for (path, method, op) in spec.typed.operations() {
        let Some(id) = op.operation_id.as_deref() else {
            continue;
        };
        let name = id.to_snake_case();
        let template = Template::parse(path);
        let position = |param: &str| match template.position_from_end(param) {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        let workspace = position("workspace_id");
        let client = position("client_id");
        let array = success_is_array(spec, op);
        let bodiless = success_is_bodiless(spec, op);
        let user_quota = vocabulary::quota(op.extensions.get(QUOTA)) == vocabulary::Quota::User;
        // A POST to a collection that answers with one object makes a new
        // entity: the answer's id is new (for read-after-create).
        let creates = method == "post"
            && template.position_from_end("client_id").is_none()
            && !array
            && !bodiless
            && success_responses(spec, op).next().is_some();
        let method = method.to_ascii_uppercase();
        rows.push((
            name.clone(),
            quote! {
                Operation {
                    id: #name,
                    method: #method,
                    path: #path,
                    workspace_id_from_end: #workspace,
                    client_id_from_end: #client,
                    array_response: #array,
                    bodiless_success: #bodiless,
                    user_quota: #user_quota,
                    creates: #creates,
                }
            },
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = rows.into_iter().map(|(_, row)| row);
    quote! {
        /// Facts about the operations, derived from the spec for the
        /// hand-written layer.
        pub mod operation_facts {
            /// One operation.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Operation {
                /// The generated method's name, as `OperationInfo` gives it.
                pub id: &'static str,
                /// The HTTP method.
                pub method: &'static str,
                /// The path template, e.g. `/workspaces/{workspace_id}/clients`.
                pub path: &'static str,
                /// Where `workspace_id` sits in the URL's path, counted
                /// from the last segment (0).
                pub workspace_id_from_end: Option<usize>,
                /// Where `client_id` sits in the URL's path, likewise.
                pub client_id_from_end: Option<usize>,
                /// The success body is a JSON array (a `null` body is read
                /// as an empty one).
                pub array_response: bool,
                /// The success has no body described; whatever comes is
                /// accepted unread.
                pub bodiless_success: bool,
                /// It counts against the user-level quota rather than the
                /// organization's.
                pub user_quota: bool,
                /// It makes a new entity and answers with it (a POST to a
                /// collection answering one object).
                pub creates: bool,
            }
            /// Every operation, by id.
            pub const OPERATIONS: &[Operation] = &[#(#rows),*];
            /// The operation with this id.
            pub fn find(id: &str) -> Option<&'static Operation> {
                OPERATIONS.iter().find(|op| op.id == id)
            }
        }
    }
}

fn success_responses<'a>(
    spec: &'a Spec,
    op: &'a Operation,
) -> impl Iterator<Item = std::borrow::Cow<'a, Response>> {
    op.responses
        .responses
        .iter()
        .filter(|(code, _)| code.to_string().starts_with('2'))
        .filter_map(|(_, r)| refs::item(&spec.raw, r, "a response").ok())
}

fn success_is_bodiless(spec: &Spec, op: &Operation) -> bool {
    let mut successes = success_responses(spec, op).peekable();
    successes.peek().is_some() && successes.all(|r| r.content.is_empty())
}

fn success_is_array(spec: &Spec, op: &Operation) -> bool {
    success_responses(spec, op)
        .filter_map(|r| r.content.get("application/json")?.schema.clone())
        .any(|schema| {
            let schema: Value = match schema {
                ReferenceOr::Item(s) => serde_json::to_value(s).unwrap_or_default(),
                ReferenceOr::Reference { reference } => serde_json::json!({"$ref": reference}),
            };
            refs::resolve(&spec.raw, &schema)
                .is_ok_and(|s| s.get("type").and_then(Value::as_str) == Some("array"))
        })
}
