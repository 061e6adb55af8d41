//! Shapes progenitor's output into the module the crate includes: what the
//! generator's settings cannot say. Every rewrite of progenitor's code is
//! here, each in one function working on the syntax tree, applied in this
//! order by [`shape`]:
//!
//! 1. [`restrict_constructors`]: `Client::new` and `new_with_client` become
//!    crate-private, so `Client::builder` is the only way to a client.
//! 2. [`route_through_pipeline`]: every operation's `send()` builds its
//!    request with progenitor's code and hands it, with the operation's
//!    facts, to the hand-written `crate::pipeline::invoke`, in plain sight:
//!    progenitor's own sending, hooks and decoding are dropped, and so is
//!    its `api-version` header, which Toggl's API does not know.
//! 3. [`close_back_doors`]: progenitor's `ClientInfo` implementation (which
//!    hands out the inner HTTP client, round the pipeline) and its default
//!    `ClientHooks` implementation go.
//! 4. [`room_to_grow`]: every generated type is `#[non_exhaustive]`, so a
//!    field or variant Toggl adds is a minor release.
//! 5. [`sketches_as_text`]: progenitor's usage sketches, fenced `ignore`,
//!    are fenced `text`: they are not meant to compile, and would count as
//!    ignored doctests.
//! 6. [`secrets_redacted`]: the type of a schema whose format is
//!    `password` (a user's API token) prints `Name([redacted])` in `Debug`,
//!    not its value; typify derives `Debug` for it like any other.

/// Applies every rewrite, in order; `secrets` names the schemas whose
/// values are secrets.
pub(crate) fn shape(file: &mut syn::File, secrets: &[String]) {
    restrict_constructors(file);
    route_through_pipeline(file);
    close_back_doors(file);
    room_to_grow(file);
    sketches_as_text(&mut file.items);
    secrets_redacted(file, secrets);
}

/// The schemas of `spec` whose values are secrets: `format: password`.
pub(crate) fn secret_schemas(spec: &crate::Spec) -> Vec<String> {
    spec.raw["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema["format"] == "password")
        .map(|(name, _)| name.clone())
        .collect()
}

/// Gives each type of `names` a `Debug` that shows its name only, in place
/// of the derived one.
fn secrets_redacted(file: &mut syn::File, names: &[String]) {
    let Some(items) = module_items(file, "types") else {
        return;
    };
    let mut redacting: Vec<syn::Item> = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else {
            continue;
        };
        if !names.contains(&s.ident.to_string()) {
            continue;
        }
        for attr in &mut s.attrs {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(derived) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let kept = derived.into_iter().filter(|p| !p.is_ident("Debug"));
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        let ident = &s.ident;
        let shown = format!("{ident}([redacted])");
        redacting.push(syn::parse_quote! {
            impl ::std::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(#shown)
                }
            }
        });
    }
    items.extend(redacting);
}

/// progenitor makes `Client::new` and `Client::new_with_client` public;
/// they take the pipeline's state directly and skip the credentials,
/// timeouts and user agent that `Client::builder` sets.
fn restrict_constructors(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &mut block.items {
            if let syn::ImplItem::Fn(f) = member
                && matches!(f.sig.ident.to_string().as_str(), "new" | "new_with_client")
            {
                f.vis = syn::parse_quote!(pub(crate));
            }
        }
    }
}

/// Each operation builder's `send` becomes two methods:
///
/// ```text
/// fn request(self) -> Result<(&'a super::Client, reqwest::Request), Error<E>>
///     // progenitor's own code, up to the built request
/// pub async fn send(self) -> Result<crate::ResponseValue<T>, crate::Error> {
///     let (client, request) = self.request().map_err(crate::pipeline::unbuilt)?;
///     crate::pipeline::invoke(&client.inner, &client.client, request,
///         &super::operation_facts::LIST_CLIENTS).await
/// }
/// ```
fn route_through_pipeline(file: &mut syn::File) {
    let Some(items) = module_items(file, "builder") else {
        return;
    };
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let lifetime = block
            .generics
            .lifetimes()
            .next()
            .map(|l| l.lifetime.clone());
        let mut rewritten = Vec::new();
        for member in std::mem::take(&mut block.items) {
            match member {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some() => {
                    match split_send(&f, lifetime.as_ref()) {
                        Some((request, send)) => rewritten.extend([request, send]),
                        None => rewritten.push(syn::ImplItem::Fn(f)),
                    }
                }
                other => rewritten.push(other),
            }
        }
        block.items = rewritten;
    }
}

/// progenitor's `send` as `request` and the new `send`; `None` when it is
/// not shaped as expected (then it is left as it is, and the build says
/// where it no longer fits).
fn split_send(
    send: &syn::ImplItemFn,
    lifetime: Option<&syn::Lifetime>,
) -> Option<(syn::ImplItem, syn::ImplItem)> {
    let (success, error) = result_types(&send.sig.output)?;
    let value = inner_of_response_value(&success)?;
    let mut building = Vec::new();
    let mut operation = None;
    for stmt in &send.block.stmts {
        if let Some(id) = operation_id(stmt) {
            operation = Some(id);
            break;
        }
        // The `api-version` header: Toggl's API does not ask for one.
        if appends_header(stmt, "api-version") {
            continue;
        }
        building.push(stmt.clone());
    }
    without_empty_headers(&mut building);
    let constant = crate::facts::const_name(&operation?);
    let lifetime = lifetime
        .cloned()
        .unwrap_or_else(|| syn::parse_quote!('static));
    let request: syn::ImplItemFn = syn::parse_quote! {
        /// The request progenitor builds from the parameters, without
        /// credentials (the pipeline adds them).
        fn request(self) -> Result<(&#lifetime super::Client, ::reqwest::Request), #error> {
            #(#building)*
            Ok((client, request))
        }
    };
    let docs: Vec<&syn::Attribute> = send
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let send: syn::ImplItemFn = syn::parse_quote! {
        #(#docs)*
        pub async fn send(self) -> Result<crate::ResponseValue<#value>, crate::Error> {
            let (client, request) = self.request().map_err(crate::pipeline::unbuilt)?;
            crate::pipeline::invoke(
                &client.inner,
                &client.client,
                request,
                &super::operation_facts::#constant,
            )
            .await
        }
    };
    Some((syn::ImplItem::Fn(request), syn::ImplItem::Fn(send)))
}

/// Whether `stmt` is progenitor's `header_map.append(HeaderName::from_static(name), ..);`.
fn appends_header(stmt: &syn::Stmt, name: &str) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    let Some(syn::Expr::Call(header)) = call.args.first() else {
        return false;
    };
    let made_from_static = matches!(&*header.func, syn::Expr::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "from_static"));
    let named = matches!(header.args.first(), Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s), ..
    })) if s.value() == name);
    call.method == "append" && made_from_static && named
}

/// Whether `stmt` is `let [mut] NAME = ..;`.
fn binds(stmt: &syn::Stmt, name: &str) -> bool {
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    matches!(&local.pat, syn::Pat::Ident(p) if p.ident == name)
}

/// Without the `api-version` header, an operation without header
/// parameters builds an empty header map: the statements between its
/// `let mut header_map` and the `let mut request` that uses it are the
/// headers, and when there are none, the map and its `.headers(header_map)`
/// go too.
fn without_empty_headers(statements: &mut Vec<syn::Stmt>) {
    let Some(declared) = statements.iter().position(|s| binds(s, "header_map")) else {
        return;
    };
    let empty = statements
        .get(declared + 1)
        .is_some_and(|next| binds(next, "request"));
    if !empty {
        return;
    }
    statements.remove(declared);
    if let Some(syn::Stmt::Local(local)) = statements.get_mut(declared)
        && let Some(init) = &mut local.init
    {
        drop_call(&mut init.expr, "headers");
    }
}

/// `expr` without its method call `name` (in a chain such as
/// `a.b(x).name(y).c()?`).
fn drop_call(expr: &mut syn::Expr, name: &str) {
    match expr {
        syn::Expr::Try(t) => drop_call(&mut t.expr, name),
        syn::Expr::MethodCall(call) if call.method == name => {
            let receiver = (*call.receiver).clone();
            *expr = receiver;
            drop_call(expr, name);
        }
        syn::Expr::MethodCall(call) => drop_call(&mut call.receiver, name),
        _ => {}
    }
}

/// The operation id of progenitor's `let info = OperationInfo { operation_id: "..." };`.
fn operation_id(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Expr::Struct(info) = &*local.init.as_ref()?.expr else {
        return None;
    };
    if !info.path.is_ident("OperationInfo") {
        return None;
    }
    info.fields
        .iter()
        .find_map(|field| match (&field.member, &field.expr) {
            (
                syn::Member::Named(name),
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(id),
                    ..
                }),
            ) if name == "operation_id" => Some(id.value()),
            _ => None,
        })
}

/// `T` and `E` of a `-> Result<T, E>` return type.
fn result_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut args = generic_args(ty, "Result")?.into_iter();
    Some((args.next()?, args.next()?))
}

/// `T` of `ResponseValue<T>`.
fn inner_of_response_value(ty: &syn::Type) -> Option<syn::Type> {
    generic_args(ty, "ResponseValue")?.into_iter().next()
}

/// The type arguments of `ty` when its last segment is `name`.
fn generic_args(ty: &syn::Type, name: &str) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// progenitor's `impl ClientInfo for Client` hands out the inner
/// `reqwest::Client` and the pipeline's state to anyone who imports the
/// trait; its default `impl ClientHooks for &Client` serves a sending the
/// pipeline replaced. Both go.
fn close_back_doors(file: &mut syn::File) {
    file.items.retain(|item| match item {
        syn::Item::Impl(block) => !block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "ClientInfo" || s.ident == "ClientHooks"),
        _ => true,
    });
}

/// Marks every struct and enum of `mod types` (builders and errors
/// included) `#[non_exhaustive]`: a field or variant the spec gains is then
/// a minor release, as callers can neither build them with a literal nor
/// match them exhaustively. Bodies are built with their builders.
fn room_to_grow(file: &mut syn::File) {
    fn mark(items: &mut [syn::Item]) {
        for item in items {
            let attrs = match item {
                syn::Item::Struct(s) => &mut s.attrs,
                syn::Item::Enum(e) => &mut e.attrs,
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &mut m.content {
                        mark(inner);
                    }
                    continue;
                }
                _ => continue,
            };
            if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
                attrs.push(syn::parse_quote!(#[non_exhaustive]));
            }
        }
    }
    if let Some(items) = module_items(file, "types") {
        mark(items);
    }
}

/// The items of the top-level `mod name { ... }`.
fn module_items<'a>(file: &'a mut syn::File, name: &str) -> Option<&'a mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Fences progenitor's `ignore` sketches as `text` in every doc comment of
/// `items`, of the members of their `impl` blocks and of their modules.
fn sketches_as_text(items: &mut [syn::Item]) {
    for item in items {
        let members: Vec<&mut Vec<syn::Attribute>> = match item {
            syn::Item::Impl(block) => block
                .items
                .iter_mut()
                .filter_map(|m| match m {
                    syn::ImplItem::Fn(f) => Some(&mut f.attrs),
                    syn::ImplItem::Const(c) => Some(&mut c.attrs),
                    syn::ImplItem::Type(t) => Some(&mut t.attrs),
                    _ => None,
                })
                .chain([&mut block.attrs])
                .collect(),
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    sketches_as_text(inner);
                }
                vec![&mut m.attrs]
            }
            syn::Item::Struct(s) => vec![&mut s.attrs],
            syn::Item::Enum(e) => vec![&mut e.attrs],
            syn::Item::Fn(f) => vec![&mut f.attrs],
            _ => continue,
        };
        members.into_iter().flatten().for_each(fence_as_text);
    }
}

/// A `#[doc = "..."]` with its `ignore` fences made `text`.
fn fence_as_text(attr: &mut syn::Attribute) {
    if let syn::Meta::NameValue(doc) = &mut attr.meta
        && doc.path.is_ident("doc")
        && let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &mut doc.value
        && text.value().contains("```ignore")
    {
        let fenced = text.value().replace("```ignore", "```text");
        *text = syn::LitStr::new(&fenced, text.span());
    }
}
