//! What the hand-written pipeline needs to know of each operation, derived
//! from the spec so that it cannot fall out of step with it: emitted as one
//! `crate::pipeline::Operation` constant per operation, which the
//! operation's `send()` hands to the pipeline.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use openapiv3::{Operation, ReferenceOr};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use toggl_track_spec_tools::locations::{Location, locations};
use toggl_track_spec_tools::paths::Template;
use toggl_track_spec_tools::vocabulary::{self, QUOTA};
use toggl_track_spec_tools::{Spec, refs};

/// The constant's name for an operation id: `listClients` -> `LIST_CLIENTS`.
pub(crate) fn const_name(operation_id: &str) -> Ident {
    Ident::new(&operation_id.to_shouty_snake_case(), Span::call_site())
}

/// How an operation's success is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SuccessBody {
    /// A JSON value of the operation's type.
    Json,
    /// A JSON array; a `null` body reads as an empty one.
    List,
    /// No body is described: whatever comes is not read.
    Ignored,
}

/// Emits `mod operation_facts`: one constant per operation and the tables
/// of where the spec describes each place of its answer.
pub(crate) fn operation_facts(spec: &Spec) -> TokenStream {
    let mut tables = Tables::default();
    let mut rows: Vec<(Ident, TokenStream)> = spec
        .typed
        .operations()
        .filter_map(|(path, method, op)| operation(spec, path, method, op, &mut tables))
        .collect();
    rows.sort_by_key(|(name, _)| name.to_string());
    let names = rows
        .iter()
        .map(|(name, _)| name.clone())
        .collect::<Vec<_>>();
    let constants = rows.into_iter().map(|(_, row)| row);
    let tables = tables.emit();
    quote! {
        /// What the pipeline knows of each operation, from the spec: the
        /// constant each operation's `send()` hands to
        /// `crate::pipeline::invoke`.
        pub mod operation_facts {
            #(#constants)*
            /// Every operation.
            pub const OPERATIONS: &[&crate::pipeline::Operation] = &[#(&#names),*];
            #(#tables)*
        }
    }
}

/// One operation's constant, named for its id (`None` without one).
fn operation(
    spec: &Spec,
    path: &str,
    method: &str,
    op: &Operation,
    tables: &mut Tables,
) -> Option<(Ident, TokenStream)> {
    let id = op.operation_id.as_deref()?;
    let name = id.to_snake_case();
    let template = Template::parse(path);
    let position = |param: &str| match template.position_from_end(param) {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    };
    let workspace = position("workspace_id");
    let client = position("client_id");
    let schema = success_schema(spec, path, method, op);
    let answer = match &schema {
        None => SuccessBody::Ignored,
        Some(pointer) if is_array(spec, pointer) => SuccessBody::List,
        Some(_) => SuccessBody::Json,
    };
    let quota = match vocabulary::quota(op.extensions.get(QUOTA)) {
        vocabulary::Quota::User => quote!(crate::quota::QuotaKind::User),
        vocabulary::Quota::Organization => quote!(crate::quota::QuotaKind::Organization),
    };
    // A POST to a collection that answers with one object makes a new
    // entity: the answer's id is new (for read-after-create).
    let creates = method == "post"
        && template.position_from_end("client_id").is_none()
        && answer == SuccessBody::Json;
    let takes_since = takes_query(spec, path, op, "since");
    let table = match &schema {
        Some(pointer) => tables.for_schema(spec, pointer),
        None => quote!(&[]),
    };
    let answer = answer.tokens();
    let method = method.to_ascii_uppercase();
    let constant = const_name(id);
    let doc = format!("`{id}`: {method} {path}");
    let row = quote! {
        #[doc = #doc]
        pub const #constant: crate::pipeline::Operation = crate::pipeline::Operation {
            id: #name,
            method: #method,
            path: #path,
            workspace_id_from_end: #workspace,
            client_id_from_end: #client,
            success_body: #answer,
            quota: #quota,
            creates: #creates,
            takes_since: #takes_since,
            answer_places: #table,
        };
    };
    Some((constant, row))
}

impl SuccessBody {
    /// The pipeline's name for it.
    fn tokens(self) -> TokenStream {
        match self {
            SuccessBody::Json => quote!(crate::pipeline::SuccessBody::Json),
            SuccessBody::List => quote!(crate::pipeline::SuccessBody::List),
            SuccessBody::Ignored => quote!(crate::pipeline::SuccessBody::Ignored),
        }
    }
}

/// The tables of places, one per success schema, shared by the operations
/// that answer with the same schema.
#[derive(Default)]
struct Tables(Vec<(String, Ident, Vec<Location>)>);

impl Tables {
    /// The name of the table for the schema at `pointer`, made on first use.
    fn for_schema(&mut self, spec: &Spec, pointer: &str) -> TokenStream {
        let at = self
            .0
            .iter()
            .position(|(p, _, _)| p == pointer)
            .unwrap_or_else(|| {
                let ident = Ident::new(&format!("ANSWER_{}", self.0.len()), Span::call_site());
                let found = locations(&spec.raw, pointer);
                self.0.push((pointer.to_owned(), ident, found));
                self.0.len() - 1
            });
        let ident = &self.0[at].1;
        quote!(#ident)
    }

    /// Every table as a constant.
    fn emit(self) -> impl Iterator<Item = TokenStream> {
        self.0.into_iter().map(|(pointer, ident, found)| {
            let doc = format!("The places of an answer described by `{pointer}`.");
            let places = found.iter().map(|l| {
                let (pattern, pointer, expected) = (&l.pattern, &l.pointer, &l.expected);
                quote!(crate::pipeline::Place { pattern: #pattern, spec: #pointer, expected: #expected })
            });
            quote! {
                #[doc = #doc]
                const #ident: &[crate::pipeline::Place] = &[#(#places),*];
            }
        })
    }
}

/// The URI fragment of the schema of an operation's success body, if one
/// is described as JSON.
fn success_schema(spec: &Spec, path: &str, method: &str, op: &Operation) -> Option<String> {
    op.responses
        .responses
        .iter()
        .filter(|(code, _)| code.to_string().starts_with('2'))
        .find_map(|(code, response)| {
            let at = match response {
                ReferenceOr::Reference { reference } => reference.clone(),
                ReferenceOr::Item(_) => {
                    format!("#/paths/{}/{method}/responses/{code}", refs::escape(path))
                }
            };
            let found = refs::item(&spec.raw, response, "a response").ok()?;
            found.content.get("application/json")?.schema.as_ref()?;
            Some(format!("{at}/content/application~1json/schema"))
        })
}

/// Whether the schema at `pointer` is an array.
fn is_array(spec: &Spec, pointer: &str) -> bool {
    let node = spec.raw.pointer(pointer.trim_start_matches('#'));
    node.and_then(|n| refs::resolve(&spec.raw, n).ok())
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        == Some("array")
}

/// Whether the operation (or its path) declares the query parameter `name`.
fn takes_query(spec: &Spec, path: &str, op: &Operation, name: &str) -> bool {
    let shared = spec
        .typed
        .paths
        .paths
        .get(path)
        .and_then(|item| item.as_item())
        .map(|item| item.parameters.clone())
        .unwrap_or_default();
    shared.iter().chain(&op.parameters).any(|p| {
        refs::item(&spec.raw, p, "a parameter").is_ok_and(|p| {
            matches!(&*p, openapiv3::Parameter::Query { parameter_data, .. } if parameter_data.name == name)
        })
    })
}
