//! Facts about the operations that the hand-written hooks need, derived
//! from the spec so that they cannot fall out of step with it.

use heck::ToSnakeCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use quote::quote;

/// Emits `mod operation_facts`: the operations (by the generated method
/// name, as `OperationInfo::operation_id` reports it) whose success body is a
/// JSON array, where the hooks read a `null` body as an empty list; and those
/// whose success has no body, where the hooks accept whatever comes.
pub(crate) fn operation_facts(spec: &OpenAPI) -> proc_macro2::TokenStream {
    let names = |keep: &dyn Fn(&openapiv3::Operation) -> bool| {
        let mut names: Vec<String> = spec
            .operations()
            .filter(|(_, _, op)| keep(op))
            .filter_map(|(_, _, op)| op.operation_id.as_deref().map(ToSnakeCase::to_snake_case))
            .collect();
        names.sort();
        names
    };
    let array_ops = names(&|op| success_is_array(spec, op));
    let bodiless_ops = names(&|op| success_is_bodiless(spec, op));
    quote! {
        /// Facts about the operations, derived from the spec for the hooks.
        pub mod operation_facts {
            /// Operations whose success body is a JSON array.
            pub const ARRAY_RESPONSE_OPERATIONS: &[&str] = &[#(#array_ops),*];
            /// Operations whose success has no body described.
            pub const BODILESS_SUCCESS_OPERATIONS: &[&str] = &[#(#bodiless_ops),*];
        }
    }
}

fn success_responses<'a>(
    spec: &'a OpenAPI,
    op: &'a openapiv3::Operation,
) -> impl Iterator<Item = &'a openapiv3::Response> {
    op.responses
        .responses
        .iter()
        .filter(|(code, _)| code.to_string().starts_with('2'))
        .filter_map(|(_, r)| resolve_response(spec, r))
}

fn success_is_bodiless(spec: &OpenAPI, op: &openapiv3::Operation) -> bool {
    let mut successes = success_responses(spec, op).peekable();
    successes.peek().is_some() && successes.all(|r| r.content.is_empty())
}

fn success_is_array(spec: &OpenAPI, op: &openapiv3::Operation) -> bool {
    success_responses(spec, op)
        .filter_map(|r| r.content.get("application/json")?.schema.as_ref())
        .any(|schema| is_array(spec, schema, 0))
}

fn resolve_response<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::Response>,
) -> Option<&'a openapiv3::Response> {
    match r {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match spec.components.as_ref()?.responses.get(name)? {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn is_array(spec: &OpenAPI, schema: &ReferenceOr<Schema>, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    match schema {
        ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::Array(_)),
            ..
        }) => true,
        ReferenceOr::Item(_) => false,
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| spec.components.as_ref()?.schemas.get(name))
            .is_some_and(|s| is_array(spec, s, depth + 1)),
    }
}
