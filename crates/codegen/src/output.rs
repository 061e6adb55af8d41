//! Shapes progenitor's output into the module the crate includes: what the
//! generator's settings cannot say.

use quote::ToTokens;

/// progenitor makes `Client::new` and `Client::new_with_client` public;
/// they take the hooks' state directly and skip the credentials, timeouts
/// and user agent that `Client::builder` sets. Made crate-private here, so
/// the builder is the only way to make a client.
pub(crate) fn restrict_constructors(file: &mut syn::File) {
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

/// Every operation's `send` returns the crate's one error type: progenitor's
/// method is kept, private, as `send_unconverted`, and a `send` with the same
/// documentation converts its error with `crate::Error::from`. So callers
/// never hold progenitor's error, whose variants cannot say what the
/// client's own layer (deadline, quota reserve, size cap, retries) decided.
pub(crate) fn convert_errors(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let mut added = Vec::new();
            for member in &mut block.items {
                let syn::ImplItem::Fn(f) = member else {
                    continue;
                };
                if f.sig.ident != "send" || f.sig.asyncness.is_none() {
                    continue;
                }
                let Some(success) = success_type(&f.sig.output) else {
                    continue;
                };
                let mut wrapper = f.clone();
                wrapper.sig.output = syn::parse_quote!(-> Result<#success, crate::Error>);
                wrapper.block = syn::parse_quote!({
                    self.send_unconverted().await.map_err(crate::Error::from)
                });
                f.sig.ident = syn::parse_quote!(send_unconverted);
                f.vis = syn::Visibility::Inherited;
                f.attrs.retain(|a| !a.path().is_ident("doc"));
                added.push(syn::ImplItem::Fn(wrapper));
            }
            block.items.extend(added);
        }
    }
}

/// `T` of a `-> Result<T, E>` return type.
fn success_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if last.ident == "Result" => Some(t.clone()),
        _ => None,
    }
}

/// The source as one line of tokens: what the build compiles. Skipping the
/// pretty-printer keeps it out of every user's build.
pub(crate) fn compact(file: &syn::File) -> String {
    as_text(file.to_token_stream().to_string())
}

/// The source formatted for people: the committed copy a reviewer reads.
#[cfg(feature = "pretty")]
pub(crate) fn pretty(file: &syn::File) -> String {
    as_text(prettyplease::unparse(file))
}

/// progenitor marks its usage sketches `ignore`; they are not meant to
/// compile on their own, so they are shown as text instead of counting as
/// ignored doctests.
fn as_text(source: String) -> String {
    source.replace("```ignore", "```text")
}
