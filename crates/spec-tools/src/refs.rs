//! The one `$ref` resolver: every tool that reads the spec (validation,
//! generation facts, drift, conformance, the tests) follows references
//! through here, so a dangling or cyclic reference is found the same way
//! everywhere, and never overflows a stack or loops.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Problem;

/// Why a `$ref` cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// The reference points outside the document (another file or a URL).
    #[error(
        "`{reference}` points outside this document; only local references (`#/...`) are supported"
    )]
    NotLocal {
        /// The reference as written.
        reference: String,
    },
    /// Nothing in the document sits where the reference points.
    #[error("`{reference}` does not resolve: nothing is at that place in the document")]
    Dangling {
        /// The reference as written.
        reference: String,
    },
    /// Following the reference comes back to where it started.
    #[error(
        "`{reference}` is part of a reference cycle ({chain}); point it at a schema, not at a reference back"
    )]
    Cycle {
        /// The reference as written.
        reference: String,
        /// The references followed, in order.
        chain: String,
    },
    /// The target is not the kind of object this place needs.
    #[error("`{reference}` points at something that is not {expected}: {message}")]
    WrongKind {
        /// The reference as written.
        reference: String,
        /// What the place needs, e.g. "a parameter".
        expected: &'static str,
        /// What did not fit.
        message: String,
    },
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// What `reference` names, following chains of references to the first
/// node that is not itself a reference.
pub fn target<'a>(doc: &'a Value, reference: &str) -> Result<&'a Value, RefError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut current = reference;
    loop {
        if seen.contains(&current) {
            seen.push(current);
            return Err(RefError::Cycle {
                reference: reference.to_owned(),
                chain: seen.join(" -> "),
            });
        }
        seen.push(current);
        let Some(pointer) = current.strip_prefix('#') else {
            return Err(RefError::NotLocal {
                reference: current.to_owned(),
            });
        };
        let node = doc.pointer(pointer).ok_or_else(|| RefError::Dangling {
            reference: current.to_owned(),
        })?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(next) => current = next,
            None => return Ok(node),
        }
    }
}

/// `node` itself, or what its `$ref` names.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> Result<&'a Value, RefError> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => target(doc, reference),
        None => Ok(node),
    }
}

/// Like [`resolve`], but a reference that cannot be followed is left as it
/// is: for readers that describe a document already checked by [`problems`].
pub fn resolve_lenient<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    resolve(doc, node).unwrap_or(node)
}

/// A typed openapiv3 item, or the one its reference names.
pub fn item<'a, T: DeserializeOwned + Clone>(
    doc: &Value,
    node: &'a openapiv3::ReferenceOr<T>,
    expected: &'static str,
) -> Result<Cow<'a, T>, RefError> {
    match node {
        openapiv3::ReferenceOr::Item(item) => Ok(Cow::Borrowed(item)),
        openapiv3::ReferenceOr::Reference { reference } => {
            let found = target(doc, reference)?;
            serde_json::from_value(found.clone())
                .map(Cow::Owned)
                .map_err(|e| RefError::WrongKind {
                    reference: reference.clone(),
                    expected,
                    message: e.to_string(),
                })
        }
    }
}

/// Every `$ref` in the document that cannot be followed, one problem each,
/// at the pointer of the `$ref` itself. A cycle is one problem, at the
/// first of its own references; references that merely lead into it are
/// fixed with it and not reported again.
pub fn problems(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut cycles = BTreeSet::new();
    for_each_object(doc, &mut |at, object| {
        let Some(reference) = object.get("$ref").and_then(Value::as_str) else {
            return;
        };
        let Err(e) = target(doc, reference) else {
            return;
        };
        if let RefError::Cycle { chain, .. } = &e {
            let members = loop_members(chain);
            let here = format!("#{at}");
            if !members.contains(&here) || !cycles.insert(members) {
                return;
            }
        }
        out.push(Problem {
            pointer: format!("{at}/$ref"),
            message: e.to_string(),
        });
    });
    out
}

/// The references that form the loop of a cycle's chain (`a -> b -> c ->
/// b` gives b and c), sorted.
fn loop_members(chain: &str) -> BTreeSet<String> {
    let links: Vec<&str> = chain.split(" -> ").collect();
    let Some((last, before)) = links.split_last() else {
        return BTreeSet::new();
    };
    let start = before.iter().position(|l| l == last).unwrap_or(0);
    before[start..].iter().map(|l| (*l).to_owned()).collect()
}

/// Calls `f` with every object in `node` (itself included) and its JSON
/// pointer: the one walk over a document, for every check that looks at
/// all of it.
pub fn for_each_object(node: &Value, f: &mut impl FnMut(&str, &serde_json::Map<String, Value>)) {
    fn walk(
        node: &Value,
        at: &mut String,
        f: &mut impl FnMut(&str, &serde_json::Map<String, Value>),
    ) {
        let children: Box<dyn Iterator<Item = (String, &Value)>> = match node {
            Value::Object(map) => {
                f(at, map);
                Box::new(map.iter().map(|(k, v)| (escape(k), v)))
            }
            Value::Array(list) => {
                Box::new(list.iter().enumerate().map(|(i, v)| (i.to_string(), v)))
            }
            _ => return,
        };
        for (segment, child) in children {
            let len = at.len();
            at.push('/');
            at.push_str(&segment);
            walk(child, at, f);
            at.truncate(len);
        }
    }
    walk(node, &mut String::new(), f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_are_followed_to_the_first_real_node() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"type": "string"}});
        assert_eq!(target(&doc, "#/a"), Ok(&json!({"type": "string"})));
        assert_eq!(resolve(&doc, &doc["c"]), Ok(&doc["c"]));
    }

    #[test]
    fn a_cycle_is_an_error_naming_the_chain() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let err = target(&doc, "#/a").expect_err("cycle");
        assert_eq!(err.to_string().lines().count(), 1);
        assert!(err.to_string().contains("#/a -> #/b -> #/a"), "{err}");
        let found = problems(&doc);
        assert_eq!(found.len(), 1, "one cycle, one problem: {found:?}");
        assert_eq!(found[0].pointer, "/a/$ref");
        // A reference leading into the cycle is fixed with it.
        let lead_in = json!({"x": {"$ref": "#/a"}, "a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let found = problems(&lead_in);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/a/$ref");
    }

    #[test]
    fn a_self_reference_and_a_dangling_one_are_errors() {
        let doc = json!({"a": {"$ref": "#/a"}, "x": {"items": {"$ref": "#/missing"}}});
        assert!(matches!(target(&doc, "#/a"), Err(RefError::Cycle { .. })));
        let found = problems(&doc);
        assert!(
            found.iter().any(|p| p.pointer == "/x/items/$ref"),
            "{found:?}"
        );
        assert!(matches!(
            target(&doc, "other.yaml#/a"),
            Err(RefError::NotLocal { .. })
        ));
    }

    #[test]
    fn a_recursive_schema_is_not_a_cycle() {
        // A schema that contains itself through a property is a legitimate
        // recursive type: the reference resolves to an object.
        let doc = json!({"components": {"schemas": {"Tree": {"type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}}}});
        assert!(problems(&doc).is_empty());
    }

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(escape("/a/{b}~"), "~1a~1{b}~0");
    }
}
