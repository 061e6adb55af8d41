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
